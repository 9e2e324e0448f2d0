using System;
using System.Collections.Generic;
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
        foreach (string? shown in Shown(args))
        {
            if (shown != null)
            {
                return shown;
            }
        }

        return null;
    }

    /// <summary>Remembers the arguments that are not valid UTF-8, for a command that refuses them one at a time
    /// (zcn cat goes on with its other files, as cat does for a file it cannot open).</summary>
    public static void RememberInvalid(string[] args)
    {
        string?[] shown = Shown(args);
        for (int i = 0; i < shown.Length; i++)
        {
            if (shown[i] is { } escaped)
            {
                if (!s_invalid.TryGetValue(args[i], out Queue<string>? same))
                {
                    s_invalid[args[i]] = same = new Queue<string>();
                }

                same.Enqueue(escaped);
            }
        }
    }

    /// <summary>The refusal of <paramref name="operand"/> when it is one of the arguments
    /// <see cref="RememberInvalid"/> found not valid UTF-8, for a command that takes its operands in order; null
    /// otherwise. Two invalid names can decode to the same text (every invalid byte becomes U+FFFD), so each text keeps
    /// its arguments in order, and each refusal shows its own bytes. A name that really holds U+FFFD and reads the same
    /// as an invalid one is refused too, which can only err on the side of touching nothing.</summary>
    public static string? Refusal(string operand)
    {
        if (!s_invalid.TryGetValue(operand, out Queue<string>? same))
        {
            return null;
        }

        // The last one stays: the same name given again is refused again, with its bytes.
        return Refusing(same.Count > 1 ? same.Dequeue() : same.Peek());
    }

    /// <summary>The one message for a name .NET cannot pass unchanged.</summary>
    public static string Refusing(string shown) =>
        $"'{shown}': {Errors.Name(Interop.Errno.EILSEQ)}: zcn can only take names that are valid UTF-8";

    private static readonly Dictionary<string, Queue<string>> s_invalid = new(StringComparer.Ordinal);

    /// <summary>For each of <paramref name="args"/>: null when its bytes are valid UTF-8 (or cannot be checked: no
    /// /proc/self/cmdline, or one that does not match), else the bytes with the invalid ones shown as \xHH.</summary>
    private static string?[] Shown(string[] args)
    {
        var none = new string?[args.Length];
        // Every invalid byte became U+FFFD: without one there is nothing to check, and start-up reads nothing.
        if (!Array.Exists(args, a => a.Contains('\uFFFD', StringComparison.Ordinal)))
        {
            return none;
        }

        byte[] cmdline;
        try
        {
            cmdline = File.ReadAllBytes("/proc/self/cmdline");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return none;
        }

        // argv[0] is the program; the rest are args, each ended by a NUL.
        string?[] invalid = InvalidArguments(cmdline);
        return invalid.Length == args.Length + 1 ? invalid[1..] : none;
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
