using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.IO;

namespace ZeroCopyNative.Testing;

/// <summary>The parsed command line of a test executable.</summary>
internal sealed class RunnerOptions
{
    public const string Usage =
        """
        Usage: <test-executable> [options]

        Runs the NUnit tests compiled into this executable (under the JIT or as a NativeAOT binary).

        Options:
          --list             List the full names of the selected tests and exit.
          --category NAME    Run only tests in category NAME (repeatable; any listed category matches).
          --test PREFIX      Run only tests whose full name starts with PREFIX (repeatable; any prefix matches).
                             With both --category and --test, a test must satisfy both.
          --verbose          Print one line per test with its outcome and duration.
          --help             Show this help and exit.

        The last line of a run reads "N passed, N failed" (", N skipped" follows when tests were skipped).
        Exit codes: 0 all selected tests passed; 1 a test failed or no test ran; 2 bad command line.
        """;

    public bool List { get; private init; }

    public bool Verbose { get; private init; }

    public bool Help { get; private init; }

    public IReadOnlyList<string> Categories { get; private init; } = [];

    public IReadOnlyList<string> TestPrefixes { get; private init; } = [];

    private static readonly Option<bool> ListOption = new("--list") { Arity = ArgumentArity.Zero };
    private static readonly Option<bool> VerboseOption = new("--verbose") { Arity = ArgumentArity.Zero };
    private static readonly Option<bool> HelpOption = new("--help", "-h") { Arity = ArgumentArity.Zero };
    private static readonly Option<string[]> CategoryOption = Repeatable("--category");
    private static readonly Option<string[]> TestOption = Repeatable("--test");

    /// <summary>Parses <paramref name="args"/>; returns null and writes the reason to <paramref name="error"/> on
    /// a bad command line.</summary>
    public static RunnerOptions? Parse(IReadOnlyList<string> args, TextWriter error)
    {
        // The library's own help and version options and its directives are left out: the runner has its usage
        // text, and "[name]" is not special. Response files stay off: "@x" is a value, not a file to read.
        var root = new RootCommand();
        root.Options.Clear();
        root.Directives.Clear();
        foreach (Option option in new Option[] { ListOption, VerboseOption, HelpOption, CategoryOption, TestOption })
        {
            root.Options.Add(option);
        }

        ParseResult parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0)
        {
            error.WriteLine("error: " + parsed.Errors[0].Message);
            return null;
        }

        return new RunnerOptions
        {
            List = parsed.GetValue(ListOption),
            Verbose = parsed.GetValue(VerboseOption),
            Help = parsed.GetValue(HelpOption),
            Categories = parsed.GetValue(CategoryOption) ?? [],
            TestPrefixes = parsed.GetValue(TestOption) ?? [],
        };
    }

    /// <summary>An option that takes one value per use and may be used many times ("--test A --test B").</summary>
    private static Option<string[]> Repeatable(string name)
    {
        var option = new Option<string[]>(name) { Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        option.Validators.Add(result =>
        {
            foreach (Token token in result.Tokens)
            {
                if (token.Value.Length == 0)
                {
                    result.AddError($"{name} needs a non-empty value");
                }
            }
        });
        return option;
    }
}
