using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;

namespace ZeroCopyNative.Tool.Cli;

/// <summary>
/// The parts of zcn's command line that every command shares, on System.CommandLine: --help on every command (it
/// prints the command's own text, kept in its Description), and the parser settings. Parse errors are not printed by
/// the library: <see cref="Program"/> turns them into one line and exit code 2.
/// </summary>
internal static class ZcnCommandLine
{
    /// <summary>"--help" and "-h", on every command. Not the library's HelpOption: that one also answers to "/h" and
    /// "/?", which are file names here.</summary>
    public static readonly Option<bool> Help = new("--help", "-h") { Recursive = true, Arity = ArgumentArity.Zero };

    /// <summary>No response files: "zcn cat @notes" names a file called @notes, it does not read arguments from it.
    /// </summary>
    public static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    /// <summary>Commands run as they are: exceptions reach <see cref="Program"/>, and zcn installs its own signal
    /// handling (bench).</summary>
    public static readonly InvocationConfiguration Invocation = new()
    {
        EnableDefaultExceptionHandler = false,
        ProcessTerminationTimeout = null,
    };

    /// <summary>A command whose --help prints <paramref name="help"/>, with its action.</summary>
    public static Command Create(string name, string help, Func<ParseResult, int> run)
    {
        var command = new Command(name, help);
        command.SetAction(run);
        return command;
    }

    /// <summary>The root command: zcn's commands, --help, and no directives ("[suggest]" would be a file name).
    /// </summary>
    public static RootCommand Root(string help, params Command[] commands)
    {
        var root = new RootCommand(help);
        root.Options.Clear();
        root.Directives.Clear();
        root.Options.Add(Help);
        foreach (Command command in commands)
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    /// <summary>Prints the help of the command that was parsed, on stdout.</summary>
    public static int PrintHelp(ParseResult parsed)
    {
        string help = parsed.CommandResult.Command.Description ?? "";
        Console.Out.Write(help.Contains(Commands.BenchCommand.MethodListMarker, StringComparison.Ordinal)
            ? help.Replace(Commands.BenchCommand.MethodListMarker, Bench.Catalog.MethodList, StringComparison.Ordinal)
            : help);
        return Program.Success;
    }

    /// <summary>"zcn copy": how messages of the parsed command begin.</summary>
    public static string NameOf(ParseResult parsed)
    {
        Command command = parsed.CommandResult.Command;
        return command is RootCommand ? "zcn" : "zcn " + command.Name;
    }

    /// <summary>The first thing wrong with the command line, or null when it is well formed: System.CommandLine's
    /// errors, and two it does not report because it reads them as values. An unknown "-x" becomes a file name for a
    /// command that takes files, where cp and cat call it an invalid option (after "--" it is a file name); and
    /// "--json=x" sets a flag and passes "x" on as an argument.</summary>
    public static UsageException? FirstError(ParseResult parsed, string[] args)
    {
        Command command = parsed.CommandResult.Command;
        foreach (string arg in args)
        {
            if (arg == "--")
            {
                break;
            }

            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith('-') && equals > 1 && FindOption(parsed, arg[..equals]) is { Arity.MaximumNumberOfValues: 0 })
            {
                return new UsageException($"option '{arg[..equals]}' takes no value");
            }
        }

        int optionsEnd = IndexOfDoubleDash(parsed.Tokens);
        foreach (Argument argument in command.Arguments)
        {
            foreach (Token token in parsed.GetResult(argument)?.Tokens ?? [])
            {
                if (token.Value.Length > 1 && token.Value[0] == '-' && IndexOf(parsed.Tokens, token) < optionsEnd)
                {
                    return new UsageException($"unknown option '{token.Value}'");
                }
            }
        }

        return parsed.Errors.Count > 0 ? new UsageException(parsed.Errors[0].Message.TrimEnd('.')) : null;
    }

    /// <summary>The option of the parsed command (or a recursive one of its parents) with this name or alias.
    /// </summary>
    private static Option? FindOption(ParseResult parsed, string name)
    {
        for (CommandResult? result = parsed.CommandResult; result != null; result = result.Parent as CommandResult)
        {
            foreach (Option option in result.Command.Options)
            {
                bool visible = result == parsed.CommandResult || option.Recursive;
                if (visible && (option.Name == name || option.Aliases.Contains(name)))
                {
                    return option;
                }
            }
        }

        return null;
    }

    private static int IndexOfDoubleDash(IReadOnlyList<Token> tokens)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Type == TokenType.DoubleDash)
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    /// <summary>The position of this very token (the parser hands out the same instances).</summary>
    private static int IndexOf(IReadOnlyList<Token> tokens, Token token)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            if (ReferenceEquals(tokens[i], token))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Writes a usage error: the message, then where to find help. Never throws (stderr is best effort).
    /// </summary>
    public static int UsageError(string message)
    {
        Console.Error.Write($"zcn: {message}\nTry 'zcn --help'.\n");
        return Program.UsageError;
    }
}
