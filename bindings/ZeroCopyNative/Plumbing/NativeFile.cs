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
