using System;
using System.IO;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// The exception for a system call that failed on a path (open, and the checks right after it), chosen as
/// <see cref="File.OpenHandle"/> chooses for the same errno, so that callers catch what they already catch for .NET's
/// own file APIs. Every exception names the path, and its <see cref="Exception.HResult"/> is the errno itself, so a
/// caller that needs the kernel's exact answer (a tool printing "EISDIR") still has it.
/// </summary>
internal static class PathErrors
{
    /// <summary>The exception for <paramref name="operation"/> on <paramref name="path"/> failing with
    /// <paramref name="errno"/>.</summary>
    /// <param name="errno">The kernel's answer.</param>
    /// <param name="path">The path, as the caller gave it.</param>
    /// <param name="operation">The system call ("open"), for the errors that have no BCL type.</param>
    /// <returns><see cref="FileNotFoundException"/> (ENOENT), <see cref="DirectoryNotFoundException"/> (ENOTDIR),
    /// <see cref="UnauthorizedAccessException"/> (EACCES, EPERM, EROFS, EISDIR: File.OpenHandle reports a directory
    /// as access denied), <see cref="PathTooLongException"/> (ENAMETOOLONG), otherwise a
    /// <see cref="ZeroCopyException"/> that carries the path.</returns>
    public static Exception For(Errno errno, string path, string operation)
    {
        string what = $"{ZeroCopyException.NameOf(errno)} ({ZeroCopyException.MessageOf(errno)})";
        Exception e = errno switch
        {
            Errno.ENOENT => new FileNotFoundException($"Could not find file '{path}': {what}.", path),
            Errno.ENOTDIR => new DirectoryNotFoundException($"Could not find a part of the path '{path}': {what}."),
            Errno.EACCES or Errno.EPERM or Errno.EROFS => new UnauthorizedAccessException($"Access to the path '{path}' is denied: {what}."),
            Errno.EISDIR => new UnauthorizedAccessException($"'{path}' is a directory: {what}."),
            Errno.ENAMETOOLONG => new PathTooLongException($"The path '{path}' is too long: {what}."),
            _ => new ZeroCopyException(operation, errno, 0, path),
        };
        e.HResult = unchecked((int)errno);
        return e;
    }

    /// <summary>Throws <see cref="For"/> for a negative libzcn result; returns a value otherwise.</summary>
    public static int Check(int result, string path, string operation)
    {
        if (result < 0)
        {
            throw For(NativeResult.ErrnoOf(result), path, operation);
        }

        return result;
    }
}
