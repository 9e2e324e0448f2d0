using System;
using System.CommandLine;
using System.Runtime.Versioning;
using ZeroCopyNative.Tool.Cli;
using ZeroCopyNative.Tool.Commands;

[assembly: SupportedOSPlatform("linux")]

namespace ZeroCopyNative.Tool;

/// <summary>
/// zcn: zero-copy I/O from the command line. Exit codes: 0 success, 1 runtime error (the message names the errno),
/// 2 usage error, 141 the reader of the output went away.
/// </summary>
internal static class Program
{
    public const int Success = 0;
    public const int RuntimeError = 1;
    public const int UsageError = 2;

    /// <summary>The reader of the output went away (zcn cat f | head): the status a shell reports for cat, which
    /// SIGPIPE kills (128 + 13), so that scripts which accept that status for cat accept it for zcn. zcn itself is
    /// never killed: the runtime ignores SIGPIPE, the write fails with EPIPE, and zcn exits quietly with this.</summary>
    public const int ReaderGone = 141;

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
        "exit codes: 0 success, 1 runtime error, 2 usage error, 141 the reader of the output went away\n";

    /// <summary>"--version" and "-V", on zcn itself (not on its commands).</summary>
    private static readonly Option<bool> VersionOption = new("--version", "-V") { Arity = ArgumentArity.Zero };

    public static int Main(string[] args)
    {
        string name = "zcn";
        try
        {
            // First: a closed standard descriptor is noticed before anything of ours can be opened into its number.
            StandardStreams.Claim();
            if (args is ["cat", ..])
            {
                // cat refuses such a name as it refuses a file it cannot open, and goes on with the others.
                RawArguments.RememberInvalid(args);
            }
            else if (RawArguments.FirstInvalid(args) is { } invalid)
            {
                // A name .NET cannot pass unchanged: refused, rather than reading or creating a different file.
                Errors.WriteLine("zcn", RawArguments.Refusing(invalid));
                return RuntimeError;
            }

            ParseResult parsed = Commands().Parse(args, ZcnCommandLine.Parsing);
            name = ZcnCommandLine.NameOf(parsed);
            if (parsed.GetValue(ZcnCommandLine.Help))
            {
                return ZcnCommandLine.PrintHelp(parsed);
            }

            if (ZcnCommandLine.FirstError(parsed, args) is { } error)
            {
                throw error;
            }

            return parsed.Invoke(ZcnCommandLine.Invocation);
        }
        catch (UsageException e)
        {
            return ZcnCommandLine.UsageError(e.Message);
        }
        catch (Exception e)
        {
            // Whatever a command let through (an I/O error of bench or info, a bug) is still one line and exit 1:
            // never a stack trace and exit 134.
            Errors.WriteLine(name, Errors.Describe(e));
            return RuntimeError;
        }
    }

    /// <summary>The version from the VERSION file, baked into the assembly.</summary>
    public static string Version =>
        typeof(Program).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.0.0";

    private static RootCommand Commands()
    {
        RootCommand root = ZcnCommandLine.Root(
            Usage,
            BenchCommand.Create(),
            CopyCommand.Create(),
            CatCommand.Create(),
            InfoCommand.Create(),
            // The words "help" and "version" still work as they did before the options existed.
            Hidden(ZcnCommandLine.Create("help", Usage, ZcnCommandLine.PrintHelp)),
            Hidden(ZcnCommandLine.Create("version", Usage, PrintVersion)));
        root.Options.Add(VersionOption);
        root.SetAction(parsed =>
        {
            if (parsed.GetValue(VersionOption))
            {
                return PrintVersion(parsed);
            }

            // No command: the usage, on stderr, as a usage error.
            Console.Error.Write(Usage);
            return UsageError;
        });
        return root;
    }

    private static int PrintVersion(ParseResult parsed)
    {
        Console.Out.Write("zcn " + Version + "\n");
        return Success;
    }

    private static Command Hidden(Command command)
    {
        command.Hidden = true;
        return command;
    }
}
