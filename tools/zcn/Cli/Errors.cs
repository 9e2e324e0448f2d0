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

        return ErrnoOf(e) is Errno errno ? $"{Name(errno)}: {e.Message}" : e.Message;
    }
}
