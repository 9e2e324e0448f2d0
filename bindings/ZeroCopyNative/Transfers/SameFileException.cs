using System.IO;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// A transfer was refused before any byte moved because its source and destination are the same file (the same
/// st_dev and st_ino, whatever paths, links or descriptors led to it) and the transfer could not end or would read
/// bytes it had itself written: no count was given and the destination writes at or after the read position (O_APPEND
/// included), as in <c>cat f &gt;&gt; f</c>; or a count was given and the two ranges overlap. Ranges of one file that do
/// not overlap transfer normally.
/// </summary>
/// <remarks><see cref="System.Exception.HResult"/> is EINVAL, the errno copy_file_range(2) gives for overlapping
/// ranges. Instances are immutable and safe to share between threads.</remarks>
public sealed class SameFileException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was refused.</param>
    /// <param name="path">The file, when the caller named it by path; otherwise null.</param>
    public SameFileException(string message, string? path = null)
        : base(message, unchecked((int)Errno.EINVAL))
    {
        Path = path;
    }

    /// <summary>The file, when the operation was given a path; otherwise null.</summary>
    public string? Path { get; }
}
