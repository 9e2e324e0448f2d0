using System;
using System.CommandLine;
using System.IO;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tool.Cli;

namespace ZeroCopyNative.Tool.Commands;

/// <summary>
/// zcn copy SRC DST: <see cref="ZeroCopy.CopyFile"/>, which has cp's semantics (same-file refusal, modes, devices,
/// holes, streamed sources). The command adds what cp's command line adds: a DST that is a directory gets SRC's
/// name. Every failure is one line on stderr that names the path and the errno, and exit code 1.
/// </summary>
internal static class CopyCommand
{
    public const string Help =
        "usage: zcn copy SRC DST [--method auto|copy_file_range|sendfile|splice|readwrite] [--progress] [--force]\n" +
        "\n" +
        "Copies SRC to DST as cp does, by the fastest path the kernel accepts (auto: copy_file_range, then sendfile,\n" +
        "then splice, then read/write), or by the one --method given, which fails when the kernel refuses it.\n" +
        "SRC is read until it ends (a pipe, FIFO, device or /proc file too), and its holes stay holes. A DST that is a\n" +
        "directory gets SRC's name. A new DST gets SRC's permission bits minus the umask (no set-uid, set-gid or\n" +
        "sticky bit); an existing file keeps its own mode; an existing device, FIFO or socket is written into as it is.\n" +
        "SRC and DST being the same file (through a hard link or a symlink too) is refused.\n" +
        "\n" +
        "  --method M   auto (default), copy_file_range, sendfile, splice or readwrite\n" +
        "  --progress   show progress on stderr: a bar on a terminal, otherwise a line every 5 s and at the end\n" +
        "  --force, -f  overwrite DST if it is an existing file (without it, that fails with exit code 1); a\n" +
        "               --method the kernel refuses is found out first, on a nameless file, and DST is left as it was\n" +
        "\n" +
        "exit codes: 0 copied, 1 runtime error (DST exists, I/O error: the message names the errno), 2 usage error,\n" +
        "141 the reader of DST (a pipe) went away (quietly, as for zcn cat)\n";

    private static readonly Argument<string> Source = new("SRC");
    private static readonly Argument<string> Destination = new("DST");
    private static readonly Option<string?> Method =
        ValueOptions.OneOf("--method", "-m", "auto", "copy_file_range", "sendfile", "splice", "readwrite");
    private static readonly Option<bool> Progress = new("--progress") { Arity = ArgumentArity.Zero };
    private static readonly Option<bool> Force = new("--force", "-f") { Arity = ArgumentArity.Zero };

    public static Command Create()
    {
        Command command = ZcnCommandLine.Create("copy", Help, Run);
        command.Arguments.Add(Source);
        command.Arguments.Add(Destination);
        command.Options.Add(Method);
        command.Options.Add(Progress);
        command.Options.Add(Force);
        return command;
    }

    private static int Run(ParseResult parsed)
    {
        string source = parsed.GetValue(Source)!;
        string destination = parsed.GetValue(Destination)!;
        if ((Refusal(source) ?? Refusal(destination)) is { } refusal)
        {
            return Fail(refusal);
        }

        if (Directory.Exists(ThroughCwd(destination)))
        {
            destination = Path.Combine(destination, Path.GetFileName(Path.TrimEndingDirectorySeparator(source)));
        }

        TransferProgress? progress = parsed.GetValue(Progress) ? new TransferProgress(KnownSize(source)) : null;
        var options = new CopyFileOptions
        {
            Overwrite = parsed.GetValue(Force),
            Method = MethodOf(parsed.GetValue(Method)),
            Progress = progress,
        };
        try
        {
            TransferResult copied = ZeroCopy.CopyFile(source, destination, options);
            progress?.Finish(copied.Bytes);
            return Program.Success;
        }
        catch (ZeroCopyException e) when (e.Errno == Errno.EPIPE)
        {
            // The reader of DST went away (zcn copy f /dev/stdout | head): stop quietly, as zcn cat does.
            progress?.Abandon();
            return Program.ReaderGone;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // (ArgumentException: a path longer than PATH_MAX, which the library refuses before the kernel could.)
            progress?.Abandon();
            return Fail(Describe(e, source, destination));
        }
    }

    /// <summary>What no copy is attempted for, as the kernel would put it: an empty path (open("") is ENOENT), and a
    /// path that reaches a standard descriptor that is not the user's (see <see cref="StandardStreams"/>).</summary>
    private static string? Refusal(string path)
    {
        if (path.Length == 0)
        {
            return $"'': {Errors.Name(Errno.ENOENT)}";
        }

        return StandardStreams.Borrowed(path) is { } closed ? $"'{path}': {Errors.Name(Errno.EBADF)}: {closed} is closed" : null;
    }

    /// <summary>A relative path as .NET's own file checks must be given it: through /proc/self/cwd. They resolve a
    /// relative path against the working directory's name decoded as UTF-8, and a directory whose name is not valid
    /// UTF-8 comes back mangled (a different path, which does not exist); the kernel resolves /proc/self/cwd itself.
    /// The copy's own opens pass relative paths to the kernel unchanged and need none of this.</summary>
    private static string ThroughCwd(string path) =>
        Path.IsPathRooted(path) || !Directory.Exists("/proc/self/cwd") ? path : Path.Join("/proc/self/cwd", path);

    private static TransferMethod? MethodOf(string? name) => name switch
    {
        "copy_file_range" => TransferMethod.CopyFileRange,
        "sendfile" => TransferMethod.SendFile,
        "splice" => TransferMethod.Splice,
        "readwrite" => TransferMethod.ReadWrite,
        _ => null, // auto: the library's chain
    };

    /// <summary>The size the progress bar counts to: a regular file's; null (bytes only) for a pipe, a device, a
    /// /proc file, which report 0, or when the size cannot be read (CopyFile then says why).</summary>
    private static long? KnownSize(string source)
    {
        try
        {
            var file = new FileInfo(ThroughCwd(source));
            return file.Exists && file.Length > 0 ? file.Length : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>One line: the path, the errno, and for a transfer that failed part-way both paths and the bytes
    /// done. ZeroCopyNative's open failures are .NET's types (FileNotFoundException, ...) with a ZeroCopyException
    /// inside that names the path and the errno.</summary>
    private static string Describe(Exception e, string source, string destination)
    {
        if (e is SameFileException)
        {
            return e.Message.TrimEnd('.');
        }

        return (e as ZeroCopyException ?? e.InnerException as ZeroCopyException) switch
        {
            { Errno: Errno.EEXIST } exists when exists.Path == destination =>
                $"'{destination}': {Errors.Name(Errno.EEXIST)}; use --force to overwrite it",
            { Operation: "open" or "ftruncate" or "fstat" } setup => $"'{setup.Path ?? source}': {Errors.Name(setup.Errno)}",
            { } transfer => $"'{source}' to '{destination}': {transfer.Operation}: {Errors.Name(transfer.Errno)} after " +
                            $"{transfer.BytesTransferred} bytes",
            null => Errors.ErrnoOf(e) is Errno errno ? $"{e.Message.TrimEnd('.')}: {Errors.Name(errno)}" : e.Message.TrimEnd('.'),
        };
    }

    private static int Fail(string message)
    {
        Errors.WriteLine("zcn copy", message);
        return Program.RuntimeError;
    }
}
