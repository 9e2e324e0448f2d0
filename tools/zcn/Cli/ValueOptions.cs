using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace ZeroCopyNative.Tool.Cli;

/// <summary>Options whose values are checked while the command line is parsed, so that a bad value is a usage error
/// (exit 2) that names the option and the accepted range. Each is null when not given: the command picks its
/// default, which may depend on other options (bench --quick).</summary>
internal static class ValueOptions
{
    /// <summary>A size with a binary suffix ("256M", "1G", "4096") from <paramref name="min"/> to
    /// <paramref name="max"/>.</summary>
    public static Option<long?> Size(string name, long min, long max) => new(name)
    {
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (Sizes.TryParse(text, out long value) && value >= min && value <= max)
            {
                return value;
            }

            result.AddError($"option '{name}' needs a size from {Sizes.Format(min)} to {Sizes.Format(max)} " +
                            $"(like 256M or 1G), not '{text}'");
            return null;
        },
    };

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<int?> WholeNumber(string name, int min, int max) => new(name)
    {
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= min &&
                value <= max)
            {
                return value;
            }

            result.AddError($"option '{name}' needs a whole number from {min} to {max}, not '{text}'");
            return null;
        },
    };

    /// <summary>One word of <paramref name="choices"/> ("--method splice"); the error lists them all.</summary>
    public static Option<string?> OneOf(string name, string alias, params string[] choices)
    {
        var option = new Option<string?>(name, alias) { Arity = ArgumentArity.ExactlyOne };
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && result.Tokens[^1].Value is var text && Array.IndexOf(choices, text) < 0)
            {
                result.AddError($"unknown {name} '{text}' ({string.Join(", ", choices)})");
            }
        });
        return option;
    }
}
