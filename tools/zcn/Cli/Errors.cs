using System;
using System.IO;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tool.Cli;

/// <summary>Runtime error messages that name the errno, whether the failure came from ZeroCopyNative (its
/// ZeroCopyException already does) or from a .NET file API (whose message does not).</summary>
internal static class Errors
{
    /// <summary>Throws the ZeroCopyException for a libzcn result that is a negative errno; the tool's one copy of
    /// the safe layer's (internal) result check, shared by every command that calls Interop directly.</summary>
    public static void Check(long result, string operation)
    {
        if (result < 0)
        {
            throw new ZeroCopyException(operation, (Errno)unchecked((uint)-result));
        }
    }

    public static string Describe(Exception e)
    {
        if (e is ZeroCopyException)
        {
            return e.Message;
        }

        Errno? errno = e switch
        {
            FileNotFoundException or DirectoryNotFoundException => Errno.ENOENT,
            UnauthorizedAccessException => Errno.EACCES,
            PathTooLongException => Errno.ENAMETOOLONG,
            // On Linux the runtime stores the raw errno in HResult for the I/O errors it does not map to a type.
            IOException io when io.HResult is > 0 and < 134 => (Errno)(uint)io.HResult,
            _ => null,
        };
        return errno is Errno n ? $"{ZeroCopyException.NameOf(n)} ({ZeroCopyException.MessageOf(n)}): {e.Message}" : e.Message;
    }
}
