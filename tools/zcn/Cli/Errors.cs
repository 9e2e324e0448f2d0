using System;
using System.IO;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tool.Cli;

/// <summary>The errno behind a failure, as the kernel gave it, and the words zcn prints for it ("ENOENT (No such file
/// or directory)").</summary>
internal static class Errors
{
    // errno values are small positive numbers; .NET's own HResults are negative (0x8007xxxx).
    private const int LargestErrno = 4095;

    /// <summary>Throws the ZeroCopyException for a libzcn result that is a negative errno; the tool's one copy of
    /// the safe layer's (internal) result check, for the bench and info, which measure and report raw calls.</summary>
    public static void Check(long result, string operation)
    {
        if (result < 0)
        {
            throw new ZeroCopyException(operation, (Errno)unchecked((uint)-result));
        }
    }

    /// <summary>The errno the kernel gave: <see cref="ZeroCopyException.Errno"/> (also inside the .NET-typed exceptions
    /// ZeroCopyNative throws for paths), or the HResult that ZeroCopyNative
    /// (and .NET, for the errors it has no type for) sets to the errno; for .NET's typed file exceptions, whose HResult
    /// is not an errno, the errno the type stands for. Null when nothing says.</summary>
    public static Errno? ErrnoOf(Exception e) => e switch
    {
        ZeroCopyException z => z.Errno,
        { InnerException: ZeroCopyException z } => z.Errno,
        { HResult: > 0 and <= LargestErrno } => (Errno)(uint)e.HResult,
        FileNotFoundException or DirectoryNotFoundException => Errno.ENOENT,
        UnauthorizedAccessException => Errno.EACCES,
        PathTooLongException => Errno.ENAMETOOLONG,
        _ => null,
    };

    /// <summary>"ENOENT (No such file or directory)".</summary>
    public static string Name(Errno errno) => $"{ZeroCopyException.NameOf(errno)} ({ZeroCopyException.MessageOf(errno)})";

    /// <summary>A failure in a few words: "ENOENT (No such file or directory): ..." for the exceptions that carry an
    /// errno, the message alone otherwise.</summary>
    public static string Describe(Exception e)
    {
        if (e is ZeroCopyException)
        {
            return e.Message;
        }

        // ZeroCopyNative's path exceptions already name the errno in their message: say it once.
        return ErrnoOf(e) is Errno errno && !e.Message.Contains(ZeroCopyException.NameOf(errno), StringComparison.Ordinal)
            ? $"{Name(errno)}: {e.Message}"
            : e.Message;
    }

    /// <summary>Writes "PREFIX: MESSAGE" as one line on stderr, whatever the message holds: a path with a newline,
    /// a tab or an escape sequence in it must neither split the line (one failure, one line) nor reach the terminal
    /// as a control code. Control characters become C escapes (\n, \t, \x1b). A failure to write (stderr closed
    /// or full) is ignored: the exit code still tells.</summary>
    public static void WriteLine(string prefix, string message)
    {
        try
        {
            Console.Error.Write(prefix + ": " + OneLine(message) + "\n");
        }
        catch (IOException)
        {
        }
    }

    /// <summary><paramref name="text"/> with every control character (below 0x20, and DEL) written as a C escape.</summary>
    public static string OneLine(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\0', '\x1f') && !text.Contains('\x7f', StringComparison.Ordinal))
        {
            return text;
        }

        var line = new System.Text.StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            _ = c switch
            {
                '\n' => line.Append("\\n"),
                '\t' => line.Append("\\t"),
                '\r' => line.Append("\\r"),
                < ' ' or '\x7f' => line.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)),
                _ => line.Append(c),
            };
        }

        return line.ToString();
    }
}
