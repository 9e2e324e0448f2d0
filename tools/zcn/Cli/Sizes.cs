using System;
using System.Globalization;

namespace ZeroCopyNative.Tool.Cli;

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
