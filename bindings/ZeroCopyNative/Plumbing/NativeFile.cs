using System;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>open(2) and fstat(2) for the safe layer: paths in, SafeFileHandles out.</summary>
internal static class NativeFile
{
    /// <summary>Opens <paramref name="path"/> through zcn_open (O_CLOEXEC always added).</summary>
    /// <exception cref="ZeroCopyException">open failed; <see cref="ZeroCopyException.Errno"/> says why.</exception>
    public static unsafe SafeFileHandle Open(string path, OpenFlags flags, uint mode)
    {
        byte[] bytes = NativeStrings.ToUtf8Z(path, NativeStrings.PathMax - 1, nameof(path), "path");
        int fd;
        fixed (byte* p = bytes)
        {
            fd = Zcn.open((sbyte*)p, unchecked((int)flags), mode);
        }

        NativeResult.Check(fd, "open");
        return new SafeFileHandle((IntPtr)fd, ownsHandle: true);
    }

    /// <summary>open(2) of <paramref name="path"/> (O_CLOEXEC always added) without throwing for the kernel's answer.</summary>
    /// <returns>The descriptor, or -1 with <paramref name="error"/> set.</returns>
    /// <exception cref="ArgumentException">The path holds a NUL or is too long to pass.</exception>
    public static unsafe int TryOpenPath(string path, OpenFlags flags, uint mode, out Errno error)
    {
        byte[] bytes = NativeStrings.ToUtf8Z(path, NativeStrings.PathMax - 1, nameof(path), "path");
        int fd;
        fixed (byte* p = bytes)
        {
            fd = Zcn.open((sbyte*)p, unchecked((int)flags), mode);
        }

        error = fd < 0 ? NativeResult.ErrnoOf(fd) : 0;
        return fd < 0 ? -1 : fd;
    }

    /// <summary>open(2) of <paramref name="path"/>, failing as File.OpenHandle fails (see <see cref="PathErrors"/>).</summary>
    /// <exception cref="System.IO.IOException">open failed; the exception names the path and carries the errno.</exception>
    public static SafeFileHandle OpenPath(string path, OpenFlags flags, uint mode)
    {
        int fd = TryOpenPath(path, flags, mode, out Errno error);
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw PathErrors.For(error, path, "open");
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
