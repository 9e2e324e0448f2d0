using System;
using System.Collections.Generic;
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

    public bool List { get; private set; }

    public bool Verbose { get; private set; }

    public bool Help { get; private set; }

    public List<string> Categories { get; } = new();

    public List<string> TestPrefixes { get; } = new();

    /// <summary>Parses <paramref name="args"/>; returns null and writes the reason to <paramref name="error"/> on
    /// a bad command line.</summary>
    public static RunnerOptions? Parse(IReadOnlyList<string> args, TextWriter error)
    {
        var options = new RunnerOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg;
            string? inlineValue = null;
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                name = arg[..equals];
                inlineValue = arg[(equals + 1)..];
            }

            switch (name)
            {
                case "--list" when inlineValue is null:
                    options.List = true;
                    break;
                case "--verbose" when inlineValue is null:
                    options.Verbose = true;
                    break;
                case "--help" or "-h" when inlineValue is null:
                    options.Help = true;
                    break;
                case "--category":
                case "--test":
                    string? value = inlineValue;
                    if (value is null)
                    {
                        if (i + 1 >= args.Count)
                        {
                            error.WriteLine($"error: {name} needs a value");
                            return null;
                        }

                        value = args[++i];
                    }

                    if (value.Length == 0)
                    {
                        error.WriteLine($"error: {name} needs a non-empty value");
                        return null;
                    }

                    (name == "--category" ? options.Categories : options.TestPrefixes).Add(value);
                    break;
                default:
                    error.WriteLine($"error: unknown option '{arg}'");
                    return null;
            }
        }

        return options;
    }
}
