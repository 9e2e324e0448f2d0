using System;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// Anonymous in-memory files (memfd_create(2)) and their seals (fcntl F_ADD_SEALS / F_GET_SEALS). A memfd behaves
/// like a regular file on tmpfs that has no name in any directory: size it with ftruncate, map it with
/// <see cref="MappedFile.Map(SafeFileHandle, MappedFileAccess, long, long, MappedFileSharing)"/>, pass it to another
/// process. Seals make promises about the file that the kernel enforces for every holder of the descriptor; in
/// particular <see cref="FileSeals.Shrink"/> guarantees that mappings of it never raise SIGBUS.
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
    /// <param name="options"><see cref="MemFdOptions.AllowSealing"/> to permit <see cref="AddSeals"/>,
    /// <see cref="MemFdOptions.HugePages"/> (or a sized <see cref="MemFdOptions.HugePages2MB"/>,
    /// <see cref="MemFdOptions.HugePages1GB"/>) for huge pages, <see cref="MemFdOptions.NoExecSeal"/> for a memfd
    /// that can never be executed.</param>
    /// <returns>The descriptor, open for reading and writing, with size 0.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> holds a NUL or exceeds
    /// <see cref="MaxNameBytes"/> bytes.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> holds an undefined bit.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> holds both
    /// <see cref="MemFdOptions.NoExecSeal"/> and <see cref="MemFdOptions.Executable"/>.</exception>
    /// <exception cref="ZeroCopyException">memfd_create failed: EINVAL (HugePages without huge page support, or
    /// NoExecSeal/Executable before Linux 6.3), ENODEV (no huge-page pool of the size asked), EACCES (Executable
    /// where vm.memfd_noexec forbids it), EMFILE/ENFILE (too many descriptors), ENOMEM.</exception>
    public static unsafe SafeFileHandle Create(string name, MemFdOptions options = MemFdOptions.None)
    {
        byte[] bytes = NativeStrings.ToUtf8Z(name, MaxNameBytes, nameof(name), "memfd name");
        uint flags = (uint)options.ToNative();
        int fd;
        fixed (byte* p = bytes)
        {
            fd = Zcn.memfd_create((sbyte*)p, flags);
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
    /// <param name="memfd">A memfd created with <see cref="MemFdOptions.AllowSealing"/>.</param>
    /// <param name="seals">The seals: Shrink (ftruncate to a smaller size fails with EPERM, so mappings cannot raise
    /// SIGBUS), Grow, Write, FutureWrite, Seal (no more seals).</param>
    /// <exception cref="ArgumentNullException"><paramref name="memfd"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="memfd"/> is closed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="seals"/> holds an undefined bit.</exception>
    /// <exception cref="ZeroCopyException">fcntl failed: EPERM (the file is sealed with Seal, or was created without
    /// AllowSealing), EINVAL (not a memfd), EBUSY (Write while a writable shared mapping exists).</exception>
    public static void AddSeals(SafeFileHandle memfd, FileSeals seals)
    {
        using DescriptorScope scope = DescriptorScope.Enter(memfd, nameof(memfd));
        int bits = unchecked((int)seals.ToNative());
        NativeResult.Check(Zcn.memfd_add_seals(scope.Fd, bits), "fcntl(F_ADD_SEALS)");
    }

    /// <summary>The seals of a memfd (fcntl(F_GET_SEALS)).</summary>
    /// <param name="memfd">A memfd (or any shmem file).</param>
    /// <returns>The seals; a memfd created without AllowSealing reports <see cref="FileSeals.Seal"/>. Bits this
    /// version does not name (F_SEAL_EXEC of Linux 6.3) are passed through as they are.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="memfd"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="memfd"/> is closed.</exception>
    /// <exception cref="ZeroCopyException">fcntl failed: EINVAL (the file does not support seals).</exception>
    public static FileSeals GetSeals(SafeFileHandle memfd)
    {
        using DescriptorScope scope = DescriptorScope.Enter(memfd, nameof(memfd));
        return FileSealsConversion.FromNative(NativeResult.Check(Zcn.memfd_get_seals(scope.Fd), "fcntl(F_GET_SEALS)"));
    }
}
