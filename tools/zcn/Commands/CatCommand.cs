using System;
using System.CommandLine;
using System.IO;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tool.Cli;

namespace ZeroCopyNative.Tool.Commands;

/// <summary>
/// zcn cat FILE...: each file to stdout through <see cref="ZeroCopy.Transfer(System.Runtime.InteropServices.SafeHandle, System.Runtime.InteropServices.SafeHandle, TransferOptions?)"/>.
/// As cat: a file that cannot be read, or that is the output itself, is reported and skipped, and the exit code is
/// then 1; an output that fails (full, closed) ends the command.
/// </summary>
internal static class CatCommand
{
    public const string Help =
        "usage: zcn cat [FILE...]\n" +
        "\n" +
        "Writes each FILE to stdout ('-' or no FILE: stdin) without copying through user space where the kernel\n" +
        "allows it: sendfile when stdout is a pipe or socket, copy_file_range when it is a file, splice from a pipe;\n" +
        "read/write otherwise (a terminal, an O_APPEND file). Each FILE is read until it ends. A FILE that is stdout\n" +
        "itself (zcn cat f >> f) is refused, as cat refuses it.\n" +
        "\n" +
        "exit codes: 0 success, 1 some FILE could not be read or written (the message names the errno), 2 usage error,\n" +
        "141 the reader of stdout went away (quietly, the status a shell shows for cat killed by SIGPIPE)\n";

    private static readonly Argument<string[]> Files = new("FILE") { Arity = ArgumentArity.ZeroOrMore };

    /// <summary>How one file went.</summary>
    private enum Outcome
    {
        Copied,
        Skipped,
        OutputFailed,
        ReaderGone,
    }

    public static Command Create()
    {
        Command command = ZcnCommandLine.Create("cat", Help, Run);
        command.Arguments.Add(Files);
        return command;
    }

    private static int Run(ParseResult parsed)
    {
        string[] files = parsed.GetValue(Files) is { Length: > 0 } given ? given : ["-"];
        if (!StandardStreams.OutputIsUsers)
        {
            // As cat: nothing is read when there is nowhere to write.
            return Fail($"standard output: {Errors.Name(Errno.EBADF)}");
        }

        using var stdout = new SafeFileHandle(1, ownsHandle: false);
        int exit = Program.Success;
        foreach (string file in files)
        {
            switch (Copy(file, stdout))
            {
                case Outcome.Skipped:
                    exit = Program.RuntimeError;
                    break;
                case Outcome.OutputFailed:
                    return Program.RuntimeError;
                case Outcome.ReaderGone:
                    return Program.ReaderGone;
            }
        }

        return exit;
    }

    private static Outcome Copy(string file, SafeFileHandle stdout)
    {
        try
        {
            if (file == "-")
            {
                if (!StandardStreams.InputIsUsers)
                {
                    return Skip($"-: {Errors.Name(Errno.EBADF)}"); // what is in descriptor 0 now is not the user's
                }

                using var stdin = new SafeFileHandle(0, ownsHandle: false);
                ZeroCopy.Transfer(stdin, stdout);
                return Outcome.Copied;
            }

            if (Refusal(file) is { } refusal)
            {
                return Skip(refusal);
            }

            if (RawArguments.Refusal(file) is { } invalid)
            {
                return Skip(invalid); // a name .NET cannot pass unchanged: refused, rather than reading a different file
            }

            ZeroCopy.Transfer(file, stdout);
            return Outcome.Copied;
        }
        catch (SameFileException)
        {
            return Skip($"{file}: input file is output file");
        }
        catch (ZeroCopyException e) when (e.Errno == Errno.EPIPE)
        {
            return Outcome.ReaderGone; // the reader went away (zcn cat f | head): stop quietly, as cat does
        }
        catch (ZeroCopyException e) when (e.Errno is Errno.ENOSPC or Errno.EDQUOT or Errno.EFBIG)
        {
            Fail($"{file}: {e.Operation}: {Errors.Name(e.Errno)} after {e.BytesTransferred} bytes");
            return Outcome.OutputFailed; // nothing more fits: stop, as cat does
        }
        catch (ZeroCopyException e)
        {
            return Skip($"{file}: {e.Operation}: {Errors.Name(e.Errno)} after {e.BytesTransferred} bytes");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return Skip(Errors.ErrnoOf(e) is Errno errno ? $"{file}: {Errors.Name(errno)}" : $"{file}: {e.Message}");
        }
    }

    /// <summary>What is not opened, with the errno the kernel would give: an empty name (ENOENT), and a name that
    /// reaches a standard descriptor that is not the user's (see <see cref="StandardStreams"/>).</summary>
    private static string? Refusal(string file)
    {
        if (file.Length == 0)
        {
            return $"'': {Errors.Name(Errno.ENOENT)}";
        }

        return StandardStreams.Borrowed(file) is { } closed ? $"{file}: {Errors.Name(Errno.EBADF)}: {closed} is closed" : null;
    }

    private static Outcome Skip(string message)
    {
        Fail(message);
        return Outcome.Skipped;
    }

    private static int Fail(string message)
    {
        Errors.WriteLine("zcn cat", message);
        return Program.RuntimeError;
    }
}
