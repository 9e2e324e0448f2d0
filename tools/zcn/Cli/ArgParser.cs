using System;
using System.Collections.Generic;
using System.Globalization;

namespace ZeroCopyNative.Tool.Cli;

/// <summary>A usage error: the command line is wrong. zcn prints the message and exits with code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The command-line parser: options are declared up front (flag or valued), "--name value" and "--name=value" are both
/// accepted, "--" ends the options, and anything undeclared is a usage error. Small on purpose: it adds nothing to the
/// start-up time of the NativeAOT binary, unlike a general-purpose library.
/// </summary>
internal sealed class ArgParser
{
    private readonly Dictionary<string, bool> _declared = new(StringComparer.Ordinal); // name → takes a value
    private readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly List<string> _positionals = new();

    /// <summary>Declares a flag ("--force"), optionally with a short alias ("-f").</summary>
    public ArgParser Flag(string name, string? alias = null) => Declare(name, alias, takesValue: false);

    /// <summary>Declares an option that takes a value ("--size 256M").</summary>
    public ArgParser Option(string name, string? alias = null) => Declare(name, alias, takesValue: true);

    private ArgParser Declare(string name, string? alias, bool takesValue)
    {
        _declared[name] = takesValue;
        if (alias != null)
        {
            _aliases[alias] = name;
        }

        return this;
    }

    /// <summary>The positional arguments, in order.</summary>
    public IReadOnlyList<string> Positionals => _positionals;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="UsageException"/> on an unknown option or a missing
    /// value. A value option given twice keeps the last value.</summary>
    public ArgParser Parse(ReadOnlySpan<string> args)
    {
        bool optionsEnded = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (optionsEnded || arg == "-" || !arg.StartsWith('-'))
            {
                _positionals.Add(arg);
                continue;
            }

            if (arg == "--")
            {
                optionsEnded = true;
                continue;
            }

            string name = arg;
            string? inline = null;
            int equals = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 2)
            {
                name = arg[..equals];
                inline = arg[(equals + 1)..];
            }

            if (_aliases.TryGetValue(name, out string? canonical))
            {
                name = canonical;
            }

            if (!_declared.TryGetValue(name, out bool takesValue))
            {
                throw new UsageException($"unknown option '{arg}'");
            }

            if (!takesValue)
            {
                if (inline != null)
                {
                    throw new UsageException($"option '{name}' takes no value");
                }

                _values[name] = null;
                continue;
            }

            if (inline == null)
            {
                if (i + 1 >= args.Length)
                {
                    throw new UsageException($"option '{name}' needs a value");
                }

                inline = args[++i];
            }

            _values[name] = inline;
        }

        return this;
    }

    /// <summary>Whether the option or flag was given.</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>The value of an option, or null when it was not given.</summary>
    public string? Value(string name) => _values.TryGetValue(name, out string? v) ? v : null;

    /// <summary>The value of an integer option, or <paramref name="fallback"/>; a bad number is a usage error.</summary>
    public int Int(string name, int fallback, int min, int max)
    {
        string? text = Value(name);
        if (text == null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw new UsageException($"option '{name}' needs a whole number from {min} to {max}, not '{text}'");
        }

        return value;
    }

    /// <summary>The value of a size option ("256M", "1G", "4096"), or <paramref name="fallback"/>.</summary>
    public long Size(string name, long fallback, long min, long max)
    {
        string? text = Value(name);
        if (text == null)
        {
            return fallback;
        }

        if (!Sizes.TryParse(text, out long value) || value < min || value > max)
        {
            throw new UsageException(
                $"option '{name}' needs a size from {Sizes.Format(min)} to {Sizes.Format(max)} (like 256M or 1G), not '{text}'");
        }

        return value;
    }
}

/// <summary>Sizes with binary suffixes: K, M, G (KiB, MiB, GiB; "MiB", "MB" and "m" are read the same).</summary>
internal static class Sizes
{
    /// <summary>Parses "256M", "1G", "64KiB", "4096".</summary>
    public static bool TryParse(string text, out long value)
    {
        value = 0;
        ReadOnlySpan<char> s = text.AsSpan().Trim();
        int digits = 0;
        while (digits < s.Length && char.IsAsciiDigit(s[digits]))
        {
            digits++;
        }

        if (digits == 0 || !long.TryParse(s[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out long number))
        {
            return false;
        }

        string suffix = s[digits..].ToString().ToUpperInvariant();
        int shift = suffix switch
        {
            "" or "B" => 0,
            "K" or "KB" or "KIB" => 10,
            "M" or "MB" or "MIB" => 20,
            "G" or "GB" or "GIB" => 30,
            _ => -1,
        };
        if (shift < 0 || number > (long.MaxValue >> shift))
        {
            return false;
        }

        value = number << shift;
        return true;
    }

    /// <summary>"256 MiB", "1 GiB", "512 B".</summary>
    public static string Format(long bytes)
    {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0)
        {
            return (bytes >> 30).ToString(CultureInfo.InvariantCulture) + " GiB";
        }

        if (bytes >= 1L << 20)
        {
            return (bytes / (double)(1L << 20)).ToString(bytes % (1L << 20) == 0 ? "0" : "0.0", CultureInfo.InvariantCulture) + " MiB";
        }

        if (bytes >= 1L << 10)
        {
            return (bytes / 1024.0).ToString(bytes % 1024 == 0 ? "0" : "0.0", CultureInfo.InvariantCulture) + " KiB";
        }

        return bytes.ToString(CultureInfo.InvariantCulture) + " B";
    }
}
