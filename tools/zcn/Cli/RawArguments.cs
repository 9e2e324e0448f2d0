using System;
using System.IO;
using System.Text;

namespace ZeroCopyNative.Tool.Cli;

/// <summary>
/// Linux file names are bytes; .NET hands Main its arguments decoded as UTF-8, with every invalid sequence replaced by
/// U+FFFD. A name that is not valid UTF-8 therefore cannot reach the kernel unchanged, and using the decoded string
/// would read or create a different file. The raw bytes are still in /proc/self/cmdline: an argument whose bytes are
/// not strict UTF-8 is refused before anything is opened.
/// </summary>
internal static class RawArguments
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The first argument (counted from 1) whose bytes are not valid UTF-8, shown with its invalid bytes as
    /// \xHH; null when every argument is valid, or when /proc/self/cmdline cannot be read or does not match.</summary>
    public static string? FirstInvalid(string[] args)
    {
        // Every invalid byte became U+FFFD: without one there is nothing to check, and start-up reads nothing.
        if (!Array.Exists(args, a => a.Contains('\uFFFD', StringComparison.Ordinal)))
        {
            return null;
        }

        byte[] cmdline;
        try
        {
            cmdline = File.ReadAllBytes("/proc/self/cmdline");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // argv[0] is the program; the rest are args, each ended by a NUL.
        string?[] invalid = InvalidArguments(cmdline);
        if (invalid.Length != args.Length + 1)
        {
            return null;
        }

        for (int i = 1; i < invalid.Length; i++)
        {
            if (invalid[i] is { } shown)
            {
                return shown;
            }
        }

        return null;
    }

    /// <summary>For each NUL-ended argument: null when it is valid UTF-8, else its bytes escaped.</summary>
    private static string?[] InvalidArguments(byte[] cmdline)
    {
        int count = 0;
        foreach (byte b in cmdline)
        {
            count += b == 0 ? 1 : 0;
        }

        var parts = new string?[count];
        int start = 0;
        for (int i = 0, n = 0; i < cmdline.Length; i++)
        {
            if (cmdline[i] != 0)
            {
                continue;
            }

            ReadOnlySpan<byte> bytes = cmdline.AsSpan(start, i - start);
            parts[n++] = IsValid(bytes) ? null : Escaped(bytes);
            start = i + 1;
        }

        return parts;
    }

    private static bool IsValid(ReadOnlySpan<byte> bytes)
    {
        try
        {
            _ = Strict.GetCharCount(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>The bytes as text, with every byte outside printable ASCII written as \xHH.</summary>
    private static string Escaped(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            _ = b is >= 0x20 and < 0x7f ? text.Append((char)b) : text.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
