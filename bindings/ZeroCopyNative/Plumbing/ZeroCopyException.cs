using System;
using System.IO;
using System.Runtime.InteropServices;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// A system call made by ZeroCopyNative failed. Carries the <see cref="Errno"/> the kernel returned, the
/// <see cref="Operation"/> that failed (the system call's name, such as "splice"), and, for transfers that failed
/// part-way, the <see cref="BytesTransferred"/> before the failure.
/// </summary>
/// <remarks>The message reads "splice failed: EAGAIN (Resource temporarily unavailable)". Instances are immutable
/// and safe to share between threads.</remarks>
public sealed class ZeroCopyException : IOException
{
    /// <summary>Creates an exception for <paramref name="operation"/> failing with <paramref name="errno"/>.</summary>
    /// <param name="operation">The failed operation, usually the system call's name.</param>
    /// <param name="errno">The error number the kernel returned.</param>
    /// <param name="bytesTransferred">The bytes transferred before the failure, for transfers; otherwise 0.</param>
    public ZeroCopyException(string operation, Errno errno, long bytesTransferred = 0)
        : this(operation, errno, bytesTransferred, null)
    {
    }

    /// <summary>Creates an exception for <paramref name="operation"/> on <paramref name="path"/> failing with
    /// <paramref name="errno"/>.</summary>
    /// <param name="operation">The failed operation, usually the system call's name.</param>
    /// <param name="errno">The error number the kernel returned.</param>
    /// <param name="bytesTransferred">The bytes transferred before the failure, for transfers; otherwise 0.</param>
    /// <param name="path">The file the operation worked on, named in the message; null when there is none.</param>
    public ZeroCopyException(string operation, Errno errno, long bytesTransferred, string? path)
        : this(operation, errno, bytesTransferred, path, null)
    {
    }

    /// <summary>Creates an exception whose message ends with <paramref name="detail"/>, an explanation of what the
    /// errno means for this operation ("the file shrank under the mapping").</summary>
    internal ZeroCopyException(string operation, Errno errno, long bytesTransferred, string? path, string? detail)
        : base(FormatMessage(operation, errno, bytesTransferred, path) + (detail == null ? "" : ": " + detail),
               unchecked((int)errno))
    {
        Operation = operation;
        Errno = errno;
        BytesTransferred = bytesTransferred;
        Path = path;
    }

    /// <summary>The error number the kernel returned.</summary>
    public Errno Errno { get; }

    /// <summary>The operation that failed, usually the system call's name ("sendfile", "splice", "mmap").</summary>
    public string Operation { get; }

    /// <summary>For a transfer that failed part-way, the bytes moved before the failure (they reached the
    /// destination); 0 otherwise.</summary>
    public long BytesTransferred { get; }

    /// <summary>The file the failed operation worked on, when it was given a path; otherwise null.</summary>
    public string? Path { get; }

    /// <summary>The symbolic name of an error number ("EAGAIN"), or "E" followed by the number when it is unknown.</summary>
    /// <param name="errno">The error number.</param>
    /// <returns>The name, from zcn_errno_name.</returns>
    public static unsafe string NameOf(Errno errno)
    {
        sbyte* name = Zcn.errno_name(unchecked((int)errno));
        return name == null ? "E" + ((int)errno).ToString(System.Globalization.CultureInfo.InvariantCulture)
                            : Marshal.PtrToStringUTF8((IntPtr)name)!;
    }

    /// <summary>The message for an error number ("Resource temporarily unavailable"), from zcn_errno_message.</summary>
    /// <param name="errno">The error number.</param>
    /// <returns>The message, or "Unknown error N".</returns>
    public static unsafe string MessageOf(Errno errno)
    {
        sbyte* message = Zcn.errno_message(unchecked((int)errno));
        return message == null ? "Unknown error " + ((int)errno).ToString(System.Globalization.CultureInfo.InvariantCulture)
                               : Marshal.PtrToStringUTF8((IntPtr)message)!;
    }

    private static string FormatMessage(string operation, Errno errno, long bytesTransferred, string? path)
    {
        string on = path == null ? "" : $" on '{path}'";
        string text = $"{operation}{on} failed: {NameOf(errno)} ({MessageOf(errno)})";
        return bytesTransferred > 0 ? $"{text} after {bytesTransferred} bytes" : text;
    }
}
