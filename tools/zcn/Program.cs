using System;
using System.IO;
using System.Runtime.Versioning;
using ZeroCopyNative.Tool.Cli;
using ZeroCopyNative.Tool.Commands;

[assembly: SupportedOSPlatform("linux")]

namespace ZeroCopyNative.Tool;

/// <summary>
/// zcn: zero-copy I/O from the command line. Exit codes: 0 success, 1 runtime error (the message names the errno),
/// 2 usage error.
/// </summary>
internal static class Program
{
    public const int Success = 0;
    public const int RuntimeError = 1;
    public const int UsageError = 2;

    private const string Usage =
        "zcn - Linux zero-copy I/O (sendfile, splice, vmsplice, copy_file_range, mmap, O_DIRECT)\n" +
        "\n" +
        "usage: zcn <command> [options]\n" +
        "\n" +
        "commands:\n" +
        "  bench   measure every zero-copy path against read/write, the .NET built-ins and C\n" +
        "  copy    copy a file by the fastest path the kernel accepts\n" +
        "  cat     write files to stdout with sendfile/splice\n" +
        "  info    what this kernel offers (splice, vmsplice, copy_file_range, io_uring, THP, DIO alignment)\n" +
        "\n" +
        "options:\n" +
        "  --version   print the version\n" +
        "  --help      print this help; 'zcn <command> --help' for a command\n" +
        "\n" +
        "exit codes: 0 success, 1 runtime error, 2 usage error\n";

    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.Write(Usage);
            return UsageError;
        }

        string command = args[0];
        ReadOnlySpan<string> rest = args.AsSpan(1);
        try
        {
            switch (command)
            {
                case "--version":
                case "-V":
                case "version":
                    Console.Out.Write("zcn " + Version + "\n");
                    return Success;
                case "--help":
                case "-h":
                case "help":
                    Console.Out.Write(Usage);
                    return Success;
                case "bench":
                    return BenchCommand.Run(rest);
                case "copy":
                    return CopyCommand.Run(rest);
                case "cat":
                    return CatCommand.Run(rest);
                case "info":
                    return InfoCommand.Run(rest);
                default:
                    throw new UsageException($"unknown command '{command}'");
            }
        }
        catch (UsageException e)
        {
            Console.Error.Write($"zcn: {e.Message}\nTry 'zcn --help'.\n");
            return UsageError;
        }
        catch (ZeroCopyException e)
        {
            Console.Error.Write($"zcn {command}: {Errors.Describe(e)}\n");
            return RuntimeError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException
                                      or DllNotFoundException)
        {
            Console.Error.Write($"zcn {command}: {Errors.Describe(e)}\n");
            return RuntimeError;
        }
    }

    /// <summary>The version from the VERSION file, baked into the assembly.</summary>
    public static string Version =>
        typeof(Program).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.0.0";

    /// <summary>True when the arguments ask for help ("--help" or "-h" anywhere before "--").</summary>
    public static bool WantsHelp(ReadOnlySpan<string> args)
    {
        foreach (string a in args)
        {
            if (a == "--")
            {
                return false;
            }

            if (a is "--help" or "-h")
            {
                return true;
            }
        }

        return false;
    }
}
