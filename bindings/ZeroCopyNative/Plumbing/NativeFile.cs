using System;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>open(2) and fstat(2) for the safe layer: paths in, SafeFileHandles out.</summary>
internal static class NativeFile
{
    /// <summary>Opens <paramref name="path"/> through zcn_open (O_CLOEXEC always added) and refuses a directory, as
    /// File.OpenHandle does: opening one read-only succeeds in the kernel, and every caller here wants a file.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or holds a NUL.</exception>
    /// <exception cref="IOException">open failed: the FileNotFoundException, DirectoryNotFoundException,
    /// PathTooLongException or ZeroCopyException <see cref="PathErrors.For"/> picks, naming the path.</exception>
    /// <exception cref="UnauthorizedAccessException">open failed with EACCES or EPERM, or the path is a directory
    /// (EISDIR).</exception>
    public static SafeFileHandle Open(string path, OpenFlags flags, uint mode) => Open(path, flags, mode, out _);

    /// <summary><see cref="Open(string, OpenFlags, uint)"/>, also giving the fstat it made to refuse a directory, so
    /// that a caller who needs the file's kind, identity or mode does not ask again.</summary>
    public static SafeFileHandle Open(string path, OpenFlags flags, uint mode, out FdInfo info)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // No length limit here: the kernel's ENAMETOOLONG (PATH_MAX, or NAME_MAX for one component) becomes the
        // PathTooLongException File.OpenHandle throws.
        int fd = TryOpenPath(path, flags, mode, out Errno error);
        if (fd < 0)
        {
            throw PathErrors.For(error, path, "open");
        }

        var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        try
        {
            info = Query(fd);
            if (info.kind == (int)FdKind.DIRECTORY)
            {
                throw PathErrors.For(Errno.EISDIR, path, "open");
            }
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        return handle;
    }

    /// <summary>open(2) of <paramref name="path"/> (O_CLOEXEC always added) without throwing for the kernel's answer.</summary>
    /// <returns>The descriptor, or -1 with <paramref name="error"/> set.</returns>
    /// <exception cref="ArgumentException">The path holds a NUL or is too long to pass.</exception>
    public static unsafe int TryOpenPath(string path, OpenFlags flags, uint mode, out Errno error)
    {
        byte[] bytes = NativeStrings.ToUtf8Z(path, int.MaxValue - 1, nameof(path), "path");
        int fd;
        fixed (byte* p = bytes)
        {
            fd = Zcn.open((sbyte*)p, unchecked((int)flags), mode);
        }

        error = fd < 0 ? NativeResult.ErrnoOf(fd) : 0;
        return fd < 0 ? -1 : fd;
    }

    /// <summary>What a path names, through an O_PATH descriptor: no read or write access is needed, a FIFO does not
    /// block, a directory answers as a file does, and symlinks are followed as an open follows them.</summary>
    /// <returns>False when the path cannot be looked up (then <paramref name="info"/> is default).</returns>
    public static bool TryQueryPath(string path, out FdInfo info)
    {
        info = default;
        int fd = TryOpenPath(path, OpenFlags.PATH, 0, out _);
        if (fd < 0)
        {
            return false;
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        info = Query(fd);
        return true;
    }

    /// <summary>fstat(2) and fcntl(F_GETFL) of a handle.</summary>
    /// <exception cref="ZeroCopyException">The query failed (EBADF).</exception>
    public static FdInfo Query(SafeHandle handle)
    {
        using DescriptorScope scope = DescriptorScope.Borrow(handle);
        return Query(scope.Fd);
    }

    /// <summary>ftruncate(2) to 0, for a file named <paramref name="path"/>.</summary>
    /// <exception cref="ZeroCopyException">ftruncate failed; the exception names the path.</exception>
    public static void Truncate(SafeHandle handle, string path)
    {
        using DescriptorScope scope = DescriptorScope.Borrow(handle);
        int result = Zcn.ftruncate(scope.Fd, 0);
        if (result < 0)
        {
            throw new ZeroCopyException("ftruncate", NativeResult.ErrnoOf(result), 0, path);
        }
    }

    /// <summary>fstat(2) and fcntl(F_GETFL) through zcn_fd_query. The caller holds a reference on the handle.</summary>
    /// <exception cref="ZeroCopyException">The query failed (EBADF).</exception>
    public static unsafe FdInfo Query(int fd)
    {
        FdInfo info;
        NativeResult.Check(Zcn.fd_query(fd, &info), "fstat");
        return info;
    }

    /// <summary>The descriptor number of a handle the caller holds a reference on.</summary>
    public static int Fd(SafeHandle handle) => unchecked((int)(long)handle.DangerousGetHandle());
}
