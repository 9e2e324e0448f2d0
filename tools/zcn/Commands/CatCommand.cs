using System;
using System.CommandLine;
using System.IO;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Tool.Cli;

namespace ZeroCopyNative.Tool.Commands;

/// <summary>
/// zcn cat FILE...: each file to stdout through <see cref="ZeroCopy.Transfer(System.Runtime.InteropServices.SafeHandle, System.Runtime.InteropServices.SafeHandle, long?)"/>:
/// sendfile to a pipe or socket, copy_file_range to a regular file, splice from a pipe, read/write to a terminal or an
/// O_APPEND file. Like cat, a file that cannot be read is reported and skipped, and the exit code is then 1.
/// </summary>
internal static class CatCommand
{
    public const string Help =
        "usage: zcn cat [FILE...]\n" +
        "\n" +
        "Writes each FILE to stdout ('-' or no FILE: stdin) without copying through user space where the kernel\n" +
        "allows it: sendfile when stdout is a pipe or socket, copy_file_range when it is a file, splice from a pipe;\n" +
        "read/write otherwise (a terminal, an O_APPEND file).\n" +
        "\n" +
        "exit codes: 0 success, 1 some FILE could not be read or written (the message names the errno), 2 usage error\n";

    private static readonly Argument<string[]> Files = new("FILE") { Arity = ArgumentArity.ZeroOrMore };

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
            Console.Error.Write($"zcn cat: standard output: {Errors.Describe(StandardStreams.Closed("standard output"))}\n");
            return Program.RuntimeError;
        }

        using var stdout = new SafeFileHandle(1, ownsHandle: false);
        int exit = Program.Success;
        foreach (string file in files)
        {
            try
            {
                if (file == "-" ? !StandardStreams.InputIsUsers : StandardStreams.IsBorrowed(file))
                {
                    // Standard input was closed: what is in its number now is not the user's (see StandardStreams).
                    throw StandardStreams.Closed("standard input");
                }

                if (file == "-")
                {
                    using var stdin = new SafeFileHandle(0, ownsHandle: false);
                    ZeroCopy.Transfer(stdin, stdout);
                }
                else
                {
                    using SafeFileHandle input = File.OpenHandle(file, FileMode.Open, FileAccess.Read);
                    ZeroCopy.Transfer(input, stdout);
                }
            }
            catch (ZeroCopyException e) when (e.Errno == Interop.Errno.EPIPE)
            {
                return Program.RuntimeError; // the reader went away (zcn cat f | head): stop quietly, as cat does
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.Write($"zcn cat: {file}: {Errors.Describe(e)}\n");
                exit = Program.RuntimeError;
            }
        }

        return exit;
    }
}
