using System;
using System.IO;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// The exception for a system call that failed on a path (open, and the checks right after it), chosen as
/// <see cref="File.OpenHandle"/> chooses for the same errno, so that callers catch what they already catch for .NET's
/// own file APIs. Every exception names the path, and its <see cref="Exception.HResult"/> is the errno itself, so a
/// caller that needs the kernel's exact answer (a tool printing "EISDIR") still has it; the BCL-typed ones also carry
/// a <see cref="ZeroCopyException"/> with the errno as their inner exception, as File.OpenHandle carries an
/// IOException inside its UnauthorizedAccessException.
/// </summary>
internal static class PathErrors
{
    /// <summary>The exception for <paramref name="operation"/> on <paramref name="path"/> failing with
    /// <paramref name="errno"/>.</summary>
    /// <param name="errno">The kernel's answer.</param>
    /// <param name="path">The path, as the caller gave it.</param>
    /// <param name="operation">The system call ("open"), for the errors that have no BCL type.</param>
    /// <returns><see cref="FileNotFoundException"/> (ENOENT in an existing directory),
    /// <see cref="DirectoryNotFoundException"/> (ENOENT because the directory is missing, ENOTDIR),
    /// <see cref="UnauthorizedAccessException"/> (EACCES, EPERM, and EISDIR: File.OpenHandle reports a directory as
    /// access denied), <see cref="PathTooLongException"/> (ENAMETOOLONG), otherwise (EROFS, ELOOP, EEXIST, ENXIO, ...)
    /// a <see cref="ZeroCopyException"/> that carries the path, where File.OpenHandle throws a plain
    /// IOException.</returns>
    public static Exception For(Errno errno, string path, string operation)
    {
        string what = $"{ZeroCopyException.NameOf(errno)} ({ZeroCopyException.MessageOf(errno)})";
        var inner = new ZeroCopyException(operation, errno, 0, path);
        Exception e = errno switch
        {
            Errno.ENOENT when ParentExists(path) => new FileNotFoundException($"Could not find file '{path}': {what}.", path, inner),
            Errno.ENOENT or Errno.ENOTDIR => new DirectoryNotFoundException($"Could not find a part of the path '{path}': {what}.", inner),
            Errno.EACCES or Errno.EPERM => new UnauthorizedAccessException($"Access to the path '{path}' is denied: {what}.", inner),
            Errno.EISDIR => new UnauthorizedAccessException($"Access to the path '{path}' is denied: it is a directory, {what}.", inner),
            Errno.ENAMETOOLONG => new PathTooLongException($"The path '{path}' is too long, or a component of it is: {what}.", inner),
            _ => inner,
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

    // File.OpenHandle blames the file only when the directory that should hold it exists (as Windows does), and
    // the directory otherwise. "" (a bare file name) means the working directory. Only the choice of exception
    // depends on this check, so a race with a directory being created or removed changes nothing else.
    private static bool ParentExists(string path)
    {
        string? parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(path));
        return Directory.Exists(string.IsNullOrEmpty(parent) ? "." : parent);
    }
}
