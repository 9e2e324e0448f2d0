using System;
using System.IO;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

public sealed unsafe partial class MappedFile
{
    /// <summary>The name <see cref="CreateSealed(long, bool, string)"/> gives its memfd unless told
    /// otherwise.</summary>
    public const string DefaultSealedName = "zcn-mapped";

    /// <summary>
    /// Opens the file at <paramref name="path"/> (open(2): O_RDONLY, or O_RDWR for a shared read-write mapping) and
    /// maps <paramref name="length"/> bytes from <paramref name="offset"/> (mmap(2)). The descriptor is closed once
    /// the mapping exists; the mapping keeps the file alive. Without a descriptor the mapping cannot follow the file:
    /// <see cref="GetFileLength"/>, <see cref="Extend"/> and <see cref="Remap"/> need <see cref="OpenGrowable"/> or
    /// <see cref="Map(SafeFileHandle, MappedFileAccess, long, long, MappedFileSharing)"/>.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="access">Read-only or read-write.</param>
    /// <param name="offset">Where the window starts in the file; any value from 0 to the file size (it need not be
    /// page-aligned).</param>
    /// <param name="length">The window's length; 0 means to the end of the file.</param>
    /// <param name="sharing">Shared (writes reach the file) or private (copy-on-write).</param>
    /// <returns>The mapping.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException">The path is empty or holds a NUL, or the window would be empty, or the
    /// file is not a regular file or block device and <paramref name="length"/> is 0.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An enum value is undefined, <paramref name="offset"/> or
    /// <paramref name="length"/> is negative, or the window runs past the end of the file (touching it would raise
    /// SIGBUS).</exception>
    /// <exception cref="FileNotFoundException">open failed with ENOENT and the directory exists.</exception>
    /// <exception cref="DirectoryNotFoundException">open failed with ENOENT because a directory on the path is
    /// missing, or with ENOTDIR.</exception>
    /// <exception cref="UnauthorizedAccessException">open failed with EACCES or EPERM, or the path is a directory
    /// (EISDIR).</exception>
    /// <exception cref="PathTooLongException">open failed with ENAMETOOLONG.</exception>
    /// <exception cref="ZeroCopyException">open failed otherwise (ELOOP, EROFS, ENXIO, EMFILE, ...), or mmap failed:
    /// EACCES (the file is not open for the access asked), ENODEV (the file cannot be mapped), ENOMEM (no address
    /// space), EPERM (a seal forbids a writable mapping). Every exception from open or mmap names the path, and its
    /// <see cref="Exception.HResult"/> is the errno.</exception>
    public static MappedFile Open(string path, MappedFileAccess access = MappedFileAccess.ReadOnly, long offset = 0,
                                  long length = 0, MappedFileSharing sharing = MappedFileSharing.Shared) =>
        Open(path, access, offset, length, sharing, MappedFileOptions.None);

    /// <summary>
    /// <see cref="Open(string, MappedFileAccess, long, long, MappedFileSharing)"/> with <paramref name="options"/>:
    /// <see cref="MappedFileOptions.Locked"/> maps with MAP_LOCKED, faulting the window in and locking it in memory.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="access">Read-only or read-write.</param>
    /// <param name="offset">Where the window starts in the file.</param>
    /// <param name="length">The window's length; 0 means to the end of the file.</param>
    /// <param name="sharing">Shared (writes reach the file) or private (copy-on-write).</param>
    /// <param name="options">Extra mmap flags.</param>
    /// <returns>The mapping.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> holds an undefined bit, or as for
    /// the overload without it.</exception>
    /// <exception cref="ZeroCopyException">As for the overload without <paramref name="options"/>; with
    /// <see cref="MappedFileOptions.Locked"/> also mmap's ENOMEM or EAGAIN when the window exceeds
    /// RLIMIT_MEMLOCK.</exception>
    public static MappedFile Open(string path, MappedFileAccess access, long offset, long length,
                                  MappedFileSharing sharing, MappedFileOptions options)
    {
        CheckOptions(access, sharing, offset, length);
        MapFlags extraFlags = options.ToNative();
        // A private writable mapping needs only read access: its writes never reach the file.
        OpenFlags flags = access == MappedFileAccess.ReadWrite && sharing == MappedFileSharing.Shared
            ? OpenFlags.RDWR
            : OpenFlags.RDONLY;
        using SafeFileHandle file = NativeFile.Open(path, flags, 0);
        return MapFile(file, access, offset, length, sharing, extraFlags, path);
    }

    /// <summary>
    /// Maps <paramref name="length"/> bytes of an open file or memfd from <paramref name="offset"/> (mmap(2)). The
    /// handle stays the caller's; the mapping does not need it to stay open, but keeps a reference to it (no
    /// descriptor of its own) for <see cref="GetFileLength"/>, <see cref="Extend"/> and <see cref="Remap"/>, which
    /// throw <see cref="ObjectDisposedException"/> once the caller has closed it.
    /// </summary>
    /// <param name="file">A regular file, memfd or block device; for other kinds give <paramref
    /// name="length"/>.</param>
    /// <param name="access">Read-only or read-write. A shared read-write mapping needs a handle open for reading and
    /// writing.</param>
    /// <param name="offset">Where the window starts; any value from 0 to the file size.</param>
    /// <param name="length">The window's length; 0 means to the end of the file.</param>
    /// <param name="sharing">Shared (writes reach the file) or private (copy-on-write).</param>
    /// <returns>The mapping. <see cref="IsShrinkSealed"/> tells whether the file carries F_SEAL_SHRINK.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="file"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="file"/> is closed.</exception>
    /// <exception cref="ArgumentException">The handle is invalid or refers to a directory, the window would be empty,
    /// or the file's size is unknown (not a regular file or block device) and <paramref name="length"/> is
    /// 0.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An enum value is undefined, <paramref name="offset"/> or
    /// <paramref name="length"/> is negative, or the window runs past the end of the file (touching it would raise
    /// SIGBUS).</exception>
    /// <exception cref="ZeroCopyException">fstat failed (EBADF), or mmap failed: EACCES (the descriptor's access
    /// mode does not allow <paramref name="access"/>), ENODEV (the file cannot be mapped), ENOMEM, EPERM (a seal
    /// forbids a writable mapping).</exception>
    public static MappedFile Map(SafeFileHandle file, MappedFileAccess access = MappedFileAccess.ReadOnly,
                                 long offset = 0, long length = 0,
                                 MappedFileSharing sharing = MappedFileSharing.Shared) =>
        Map(file, access, offset, length, sharing, MappedFileOptions.None);

    /// <summary>
    /// <see cref="Map(SafeFileHandle, MappedFileAccess, long, long, MappedFileSharing)"/> with
    /// <paramref name="options"/>: <see cref="MappedFileOptions.Locked"/> maps with MAP_LOCKED.
    /// </summary>
    /// <param name="file">A regular file, memfd or block device.</param>
    /// <param name="access">Read-only or read-write.</param>
    /// <param name="offset">Where the window starts.</param>
    /// <param name="length">The window's length; 0 means to the end of the file.</param>
    /// <param name="sharing">Shared (writes reach the file) or private (copy-on-write).</param>
    /// <param name="options">Extra mmap flags.</param>
    /// <returns>The mapping.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> holds an undefined bit, or as for
    /// the overload without it.</exception>
    /// <exception cref="ZeroCopyException">As for the overload without <paramref name="options"/>; with
    /// <see cref="MappedFileOptions.Locked"/> also mmap's ENOMEM or EAGAIN beyond RLIMIT_MEMLOCK.</exception>
    public static MappedFile Map(SafeFileHandle file, MappedFileAccess access, long offset, long length,
                                 MappedFileSharing sharing, MappedFileOptions options)
    {
        Descriptors.Validate(file, nameof(file));
        CheckOptions(access, sharing, offset, length);
        return MapFile(file, access, offset, length, sharing, options.ToNative(), path: null).WithSource(FileSource.Borrowed(file));
    }

    /// <summary>Maps <paramref name="length"/> bytes of zero-filled anonymous memory, readable and writable
    /// (mmap(2) with MAP_ANONYMOUS). A shared anonymous mapping is shared with children after fork.</summary>
    /// <param name="length">The length in bytes; above 0.</param>
    /// <param name="sharing">Private (the default) or shared with forked children.</param>
    /// <returns>The mapping.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is not above 0, or
    /// <paramref name="sharing"/> is undefined.</exception>
    /// <exception cref="ZeroCopyException">mmap failed: ENOMEM (no address space or memory).</exception>
    public static MappedFile CreateAnonymous(long length, MappedFileSharing sharing = MappedFileSharing.Private) =>
        CreateAnonymous(length, sharing, MappedFileOptions.None);

    /// <summary><see cref="CreateAnonymous(long, MappedFileSharing)"/> with <paramref name="options"/>:
    /// <see cref="MappedFileOptions.Locked"/> maps with MAP_LOCKED, so the memory is resident and locked at
    /// once.</summary>
    /// <param name="length">The length in bytes; above 0.</param>
    /// <param name="sharing">Private or shared with forked children.</param>
    /// <param name="options">Extra mmap flags.</param>
    /// <returns>The mapping.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is not above 0, or
    /// <paramref name="sharing"/> or <paramref name="options"/> is undefined.</exception>
    /// <exception cref="ZeroCopyException">mmap failed: ENOMEM (no address space or memory, or beyond
    /// RLIMIT_MEMLOCK with <see cref="MappedFileOptions.Locked"/>), EAGAIN (the memory could not be
    /// locked).</exception>
    public static MappedFile CreateAnonymous(long length, MappedFileSharing sharing, MappedFileOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        CheckOptions(MappedFileAccess.ReadWrite, sharing, 0, length);
        MapFlags flags = MapFlags.ANONYMOUS | options.ToNative();
        return MapCore(-1, 0, length, MappedFileAccess.ReadWrite, sharing, flags, true, null, null);
    }

    /// <summary>
    /// Creates a memfd of <paramref name="length"/> bytes (memfd_create(2) with MFD_ALLOW_SEALING, then
    /// ftruncate(2)), seals it against shrinking (fcntl(F_ADD_SEALS, F_SEAL_SHRINK), and, when asked, growing), and
    /// maps it shared and read-write. Because the file can never shrink, no process holding the descriptor can make
    /// this mapping raise SIGBUS: their ftruncate fails with EPERM instead.
    /// </summary>
    /// <param name="length">The length in bytes; above 0.</param>
    /// <param name="sealGrow">Also add F_SEAL_GROW, fixing the size for good.</param>
    /// <param name="name">The memfd's name (shown in /proc/self/fd); at most 249 bytes of UTF-8, no NUL.</param>
    /// <returns>The mapping; <see cref="FileHandle"/> is the memfd, which the mapping owns.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is not above 0.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is too long or holds a NUL.</exception>
    /// <exception cref="ZeroCopyException">memfd_create failed (EMFILE, ENFILE, ENOMEM), ftruncate failed (EFBIG,
    /// ENOSPC on a size limit), or mmap failed (ENOMEM).</exception>
    public static MappedFile CreateSealed(long length, bool sealGrow = false, string name = DefaultSealedName)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        SafeFileHandle memfd = MemFd.Create(name, MemFdOptions.AllowSealing);
        try
        {
            MemFd.SetLength(memfd, length);
            MemFd.AddSeals(memfd, FileSeals.Shrink | (sealGrow ? FileSeals.Grow : FileSeals.None));
            return MapCore(NativeFile.Fd(memfd), 0, length, MappedFileAccess.ReadWrite, MappedFileSharing.Shared, 0,
                           shrinkSealed: true, ownedFile: memfd, path: null).WithSource(FileSource.Borrowed(memfd));
        }
        catch
        {
            memfd.Dispose();
            throw;
        }
    }

    private static void CheckOptions(MappedFileAccess access, MappedFileSharing sharing, long offset, long length)
    {
        if (access is not (MappedFileAccess.ReadOnly or MappedFileAccess.ReadWrite))
        {
            throw new ArgumentOutOfRangeException(nameof(access), access, "Unknown MappedFileAccess.");
        }

        if (sharing is not (MappedFileSharing.Shared or MappedFileSharing.Private))
        {
            throw new ArgumentOutOfRangeException(nameof(sharing), sharing, "Unknown MappedFileSharing.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
    }

    /// <summary>Checks the window against the file's kind and size, then maps it. <paramref name="path"/> is the
    /// path the caller opened, named in the exceptions; null for a caller's handle.</summary>
    private static MappedFile MapFile(SafeFileHandle file, MappedFileAccess access, long offset, long length,
                                      MappedFileSharing sharing, MapFlags extraFlags, string? path)
    {
        using DescriptorScope scope = DescriptorScope.Enter(file, nameof(file));
        int fd = scope.Fd;
        string what = path is null ? "the file" : $"'{path}'";
        FdInfo info = NativeFile.Query(fd);
        if (info.kind == (int)FdKind.REGULAR || info.kind == (int)FdKind.BLOCKDEV)
        {
            long size = info.size;
            if (offset > size)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), offset,
                    $"The offset lies past the end of {what}, which is {size} bytes long.");
            }

            if (length == 0)
            {
                length = size - offset;
                if (length == 0)
                {
                    throw new ArgumentException(
                        $"Nothing to map: {what} is {size} bytes long and the window starts at {offset}.",
                        nameof(length));
                }
            }
            else if (length > size - offset)
            {
                throw new ArgumentOutOfRangeException(nameof(length), length,
                    $"The window [{offset}, {offset}+{length}) runs past the end of {what}, which is {size} bytes " +
                    "long; touching those pages would raise SIGBUS. Extend the file first.");
            }
        }
        else if (info.kind == (int)FdKind.DIRECTORY)
        {
            // Only a caller's handle gets here: NativeFile.Open refuses directories with EISDIR.
            throw new ArgumentException("The handle refers to a directory, which cannot be mapped.", nameof(file));
        }
        else if (length == 0)
        {
            throw new ArgumentException(
                $"{(path is null ? "The handle" : what)} is not a regular file or block device, so its size is " +
                "unknown: give a length.",
                nameof(length));
        }

        int seals = Zcn.memfd_get_seals(fd);
        bool shrinkSealed = seals >= 0 && (seals & (int)MemFdSeals.SHRINK) != 0;
        return MapCore(fd, offset, length, access, sharing, extraFlags, shrinkSealed, null, path);
    }

    /// <summary>mmap from the page below <paramref name="offset"/>, exposing the window from
    /// <paramref name="offset"/>.</summary>
    private static MappedFile MapCore(int fd, long offset, long length, MappedFileAccess access,
                                      MappedFileSharing sharing, MapFlags extraFlags, bool shrinkSealed,
                                      SafeFileHandle? ownedFile, string? path)
    {
        long alignedOffset = PageMath.AlignDown(offset);
        long delta = offset - alignedOffset;
        if (length > long.MaxValue - delta)
        {
            // Reachable for descriptors whose size is unknown (devices), where the length is not checked against a size.
            throw new ArgumentOutOfRangeException(nameof(length), length, "The window runs past the largest possible offset.");
        }

        long mapLength = delta + length;
        MemoryProtection prot = access == MappedFileAccess.ReadWrite
            ? MemoryProtection.READ | MemoryProtection.WRITE
            : MemoryProtection.READ;
        MapFlags flags = (sharing == MappedFileSharing.Shared ? MapFlags.SHARED : MapFlags.PRIVATE) | extraFlags;
        void* address;
        int result = Zcn.mmap(&address, null, (ulong)mapLength, unchecked((int)prot), unchecked((int)flags), fd,
                              alignedOffset);
        if (result < 0)
        {
            throw new ZeroCopyException("mmap", NativeResult.ErrnoOf(result), 0, path);
        }

        var handle = new MappedFileHandle((IntPtr)address, mapLength);
        return new MappedFile(handle, (byte*)address + delta, length, offset, access, sharing, shrinkSealed, ownedFile);
    }
}
