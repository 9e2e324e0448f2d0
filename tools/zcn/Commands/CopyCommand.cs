using System;
using System.CommandLine;
using System.IO;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tool.Cli;

namespace ZeroCopyNative.Tool.Commands;

/// <summary>
/// zcn copy SRC DST: through <see cref="ZeroCopy.Transfer(System.Runtime.InteropServices.SafeHandle, System.Runtime.InteropServices.SafeHandle, long?)"/>
/// (or one forced method), keeping the file mode. An existing DST is refused without --force: that is a runtime
/// condition, not a malformed command line, so it exits with 1 (EEXIST).
/// </summary>
internal static class CopyCommand
{
    public const string Help =
        "usage: zcn copy SRC DST [--method auto|copy_file_range|sendfile|splice|readwrite] [--progress] [--force]\n" +
        "\n" +
        "Copies SRC to DST by the fastest path the kernel accepts (auto: copy_file_range, then sendfile, then splice,\n" +
        "then read/write), or by the one --method given. DST gets SRC's permission bits.\n" +
        "\n" +
        "  --method M   auto (default), copy_file_range, sendfile, splice or readwrite\n" +
        "  --progress   show progress on stderr: a bar on a terminal, otherwise a line every 5 s and at the end\n" +
        "  --force, -f  overwrite DST if it exists (without it, an existing DST fails with exit code 1)\n" +
        "\n" +
        "exit codes: 0 copied, 1 runtime error (DST exists, I/O error: the message names the errno), 2 usage error\n";

    // Progress is drawn between chunks; a chunk is large enough that the per-call cost does not show.
    private const long ProgressChunk = 64L << 20;

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

    private static int Run(ParseResult p)
    {
        string method = p.GetValue(Method) ?? "auto";
        string source = p.GetValue(Source)!;
        string destination = p.GetValue(Destination)!;
        foreach (string path in new[] { source, destination })
        {
            if (StandardStreams.IsBorrowed(path))
            {
                throw StandardStreams.Closed($"'{path}' names a standard descriptor that");
            }
        }

        if (Directory.Exists(destination))
        {
            destination = Path.Combine(destination, Path.GetFileName(Path.TrimEndingDirectorySeparator(source)));
        }

        bool force = p.GetValue(Force);
        using SafeFileHandle input = File.OpenHandle(source, FileMode.Open, FileAccess.Read);
        UnixFileMode mode = File.GetUnixFileMode(input);
        long length = RandomAccess.GetLength(input);
        if (File.Exists(destination))
        {
            if (!force)
            {
                Console.Error.Write($"zcn copy: '{destination}' exists (EEXIST); use --force to overwrite it\n");
                return Program.RuntimeError;
            }

            if (SameFile(source, destination))
            {
                Console.Error.Write($"zcn copy: '{source}' and '{destination}' are the same file\n");
                return Program.RuntimeError;
            }
        }

        var options = new FileStreamOptions
        {
            Mode = force ? FileMode.Create : FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = mode,
        };
        options.BufferSize = 0;
        using var outputStream = new FileStream(destination, options);
        SafeFileHandle output = outputStream.SafeFileHandle;
        // An overwritten file keeps its old mode unless told otherwise; the copy must carry the source's.
        File.SetUnixFileMode(output, mode);

        TransferProgress? progress = p.GetValue(Progress) ? new TransferProgress(length) : null;
        long done = 0;
        while (done < length || (done == 0 && length == 0))
        {
            long chunk = progress != null ? Math.Min(ProgressChunk, length - done) : length - done;
            long moved = CopyChunk(method, input, output, done, chunk);
            done += moved;
            progress?.Report(done);

            if (moved == 0)
            {
                break; // the source ended early (it shrank while we copied)
            }
        }

        progress?.Finish(done);

        return Program.Success;
    }

    /// <summary>Copies <paramref name="count"/> bytes at <paramref name="offset"/> of both files.</summary>
    private static unsafe long CopyChunk(string method, SafeFileHandle input, SafeFileHandle output, long offset, long count)
    {
        if (count == 0)
        {
            return 0;
        }

        switch (method)
        {
            case "auto":
                // Transfer works from the file positions; keep them at the offset reached.
                RandomAccessPosition(input, offset);
                RandomAccessPosition(output, offset);
                return ZeroCopy.Transfer(input, output, count).Bytes;
            case "copy_file_range":
                return ZeroCopy.CopyFileRange(input, offset, output, offset, count);
            case "sendfile":
                RandomAccessPosition(output, offset);
                return ZeroCopy.SendFile(output, input, offset, count);
            case "splice":
            {
                using Pipe pipe = Pipe.Create();
                long moved = 0;
                while (moved < count)
                {
                    long inPipe = pipe.SpliceFrom(input, offset + moved, Math.Min(pipe.Capacity, count - moved));
                    if (inPipe == 0)
                    {
                        break;
                    }

                    pipe.SpliceTo(output, offset + moved, inPipe);
                    moved += inPipe;
                }

                return moved;
            }
            default:
            {
                const int block = 128 * 1024;
                using var buffer = new AlignedBuffer(block, 4096);
                byte* data = buffer.Pointer;
                int inFd = (int)input.DangerousGetHandle();
                int outFd = (int)output.DangerousGetHandle();
                long moved = 0;
                while (moved < count)
                {
                    long r = Zcn.pread(inFd, data, (ulong)Math.Min(block, count - moved), offset + moved);
                    Errors.Check(r, "read");
                    if (r == 0)
                    {
                        break;
                    }

                    for (long w = 0; w < r;)
                    {
                        long n = Zcn.pwrite(outFd, data + w, (ulong)(r - w), offset + moved + w);
                        Errors.Check(n, "write");
                        w += n;
                    }

                    moved += r;
                }

                return moved;
            }
        }
    }

    private static void RandomAccessPosition(SafeFileHandle file, long offset)
    {
        long r = Zcn.lseek((int)file.DangerousGetHandle(), offset, (int)Whence.SEEK_SET);
        Errors.Check(r, "lseek");
    }

    private static bool SameFile(string a, string b)
    {
        try
        {
            return Path.GetFullPath(a) == Path.GetFullPath(b) ||
                   (new FileInfo(a).LinkTarget ?? a) == (new FileInfo(b).LinkTarget ?? b);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
