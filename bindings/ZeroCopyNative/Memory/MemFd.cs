using System;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// Anonymous in-memory files (memfd_create(2)) and their seals (fcntl F_ADD_SEALS / F_GET_SEALS). A memfd behaves
/// like a regular file on tmpfs that has no name in any directory: size it with ftruncate, map it with
/// <see cref="MappedFile.Map(SafeFileHandle, MappedFileAccess, long, long, MappedFileSharing)"/>, pass it to another
/// process. Seals make promises about the file that the kernel enforces for every holder of the descriptor; in
/// particular <see cref="MemFdSeals.SHRINK"/> guarantees that mappings of it never raise SIGBUS.
/// </summary>
/// <remarks>Thread-safe: every member is a single system call on a reference-counted handle.</remarks>
public static class MemFd
{
    /// <summary>The most bytes a memfd name may take in UTF-8 (the kernel's limit: 249, so that "memfd:" and the
    /// name fit in 255).</summary>
    public const int MaxNameBytes = 249;

    /// <summary>Creates a memfd (memfd_create(2); MFD_CLOEXEC is always added).</summary>
    /// <param name="name">A name for debugging, shown in /proc/self/fd as "memfd:name"; at most
    /// <see cref="MaxNameBytes"/> bytes of UTF-8, no NUL. Names need not be unique.</param>
    /// <param name="flags">MemFdFlags: ALLOW_SEALING to permit <see cref="AddSeals"/>, HUGETLB for huge pages.</param>
    /// <returns>The descriptor, open for reading and writing, with size 0.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> holds a NUL or exceeds
    /// <see cref="MaxNameBytes"/> bytes.</exception>
    /// <exception cref="ZeroCopyException">memfd_create failed: EINVAL (an unknown flag, or HUGETLB without huge
    /// page support), EMFILE/ENFILE (too many descriptors), ENOMEM.</exception>
    public static unsafe SafeFileHandle Create(string name, MemFdFlags flags = MemFdFlags.NONE)
    {
        byte[] bytes = NativeStrings.ToUtf8Z(name, MaxNameBytes, nameof(name), "memfd name");
        int fd;
        fixed (byte* p = bytes)
        {
            fd = Zcn.memfd_create((sbyte*)p, (uint)flags);
        }

        NativeResult.Check(fd, "memfd_create");
        return new SafeFileHandle((IntPtr)fd, ownsHandle: true);
    }

    /// <summary>Sets the size of a memfd (ftruncate(2)); a new memfd is empty until this is called.</summary>
    /// <param name="memfd">The memfd (any file open for writing works).</param>
    /// <param name="length">The new size in bytes.</param>
    /// <exception cref="ArgumentNullException"><paramref name="memfd"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="memfd"/> is closed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="ZeroCopyException">ftruncate failed: EPERM (a SHRINK or GROW seal forbids the change),
    /// EINVAL/EBADF (not open for writing), EFBIG.</exception>
    public static void SetLength(SafeFileHandle memfd, long length)
    {
        Descriptors.Validate(memfd, nameof(memfd));
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        using DescriptorScope scope = DescriptorScope.Enter(memfd, nameof(memfd));
        NativeResult.Check(Zcn.ftruncate(scope.Fd, length), "ftruncate");
    }

    /// <summary>Adds seals to a memfd (fcntl(F_ADD_SEALS)). Seals can only be added, never removed.</summary>
    /// <param name="memfd">A memfd created with <see cref="MemFdFlags.ALLOW_SEALING"/>.</param>
    /// <param name="seals">The seals: SHRINK (ftruncate to a smaller size fails with EPERM, so mappings cannot raise
    /// SIGBUS), GROW, WRITE, FUTURE_WRITE, SEAL (no more seals).</param>
    /// <exception cref="ArgumentNullException"><paramref name="memfd"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="memfd"/> is closed.</exception>
    /// <exception cref="ZeroCopyException">fcntl failed: EPERM (the file is sealed with SEAL, or was created without
    /// ALLOW_SEALING), EINVAL (not a memfd, or an unknown seal), EBUSY (WRITE while a writable shared mapping
    /// exists).</exception>
    public static void AddSeals(SafeFileHandle memfd, MemFdSeals seals)
    {
        using DescriptorScope scope = DescriptorScope.Enter(memfd, nameof(memfd));
        NativeResult.Check(Zcn.memfd_add_seals(scope.Fd, unchecked((int)seals)), "fcntl(F_ADD_SEALS)");
    }

    /// <summary>The seals of a memfd (fcntl(F_GET_SEALS)).</summary>
    /// <param name="memfd">A memfd (or any shmem file).</param>
    /// <returns>The seals; a memfd created without ALLOW_SEALING reports <see cref="MemFdSeals.SEAL"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="memfd"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="memfd"/> is closed.</exception>
    /// <exception cref="ZeroCopyException">fcntl failed: EINVAL (the file does not support seals).</exception>
    public static MemFdSeals GetSeals(SafeFileHandle memfd)
    {
        using DescriptorScope scope = DescriptorScope.Enter(memfd, nameof(memfd));
        return (MemFdSeals)NativeResult.Check(Zcn.memfd_get_seals(scope.Fd), "fcntl(F_GET_SEALS)");
    }
}
