using System;
using System.IO;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// A file opened with O_DIRECT: transfers go between the caller's buffer and the device, bypassing the page cache.
/// The kernel demands that the buffer's address, the transfer length and the file offset be aligned
/// (<see cref="Alignment"/>); every transfer is checked before the system call and a misaligned one fails with an
/// <see cref="ArgumentException"/> naming the rule broken and the alignment required. <see cref="AlignedBuffer"/>
/// provides suitable memory.
/// </summary>
/// <remarks>
/// <para><b>Buffers for large requests.</b> The kernel hands the device a buffer as physically contiguous segments,
/// and a device takes a limited number per request (/sys/block/DEVICE/queue/max_segments: 254 on a virtio disk).
/// With 4 KiB pages a 1 MiB read is up to 256 segments (fewer only where pages happen to be physically adjacent), and
/// each costs the kernel and the device work; in an <see cref="AlignedBuffer"/> of
/// <see cref="AlignedBuffer.HugePageSize"/> (2 MiB) or more, which sits on transparent huge pages where the kernel
/// grants them, it is one. For requests of 1 MiB or more, allocate at least <see cref="AlignedBuffer.HugePageSize"/>
/// (a 1 MiB request can use half of a 2 MiB buffer through <see cref="Read(Span{byte}, long)"/>) and check
/// <see cref="AlignedBuffer.HugePageBytes"/> after the first read.</para>
/// <para>Transfers take explicit offsets (pread(2)/pwrite(2)); the file position is never used.</para>
/// <para><b>Thread safety.</b> Every member may be called from any thread, concurrently: transfers at explicit offsets
/// do not interfere, and each call holds a reference on the handle, so a concurrent <see cref="Dispose"/> closes the
/// descriptor only after running calls return.</para>
/// </remarks>
public sealed class DirectFile : IDisposable
{
    private const UnixFileMode DefaultCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite |
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    private readonly SafeFileHandle _handle;
    // SafeHandle marks itself closed only when its last reference goes; this flag makes Dispose visible at once.
    private int _disposed;

    private DirectFile(SafeFileHandle handle, string path, DirectIOAlignment alignment)
    {
        _handle = handle;
        Path = path;
        Alignment = alignment;
    }

    /// <summary>The path the file was opened with.</summary>
    public string Path { get; }

    /// <summary>The O_DIRECT alignment of this file (zcn_dio_alignment: statx STATX_DIOALIGN, else the device's
    /// logical block size, else st_blksize), read at open.</summary>
    public DirectIOAlignment Alignment { get; }

    /// <summary>The descriptor (opened with O_DIRECT and O_CLOEXEC). It stays owned by this object.</summary>
    /// <exception cref="ObjectDisposedException">The file was disposed.</exception>
    public SafeFileHandle SafeFileHandle
    {
        get
        {
            ThrowIfDisposed();
            return _handle;
        }
    }

    /// <summary>Skips the pre-flight alignment checks so tests can observe the kernel's own EINVAL.</summary>
    internal bool BypassAlignmentChecks { get; set; }

    /// <summary>
    /// Opens <paramref name="path"/> with O_DIRECT (open(2)) and reads its Direct I/O alignment.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="mode">Open (must exist), OpenOrCreate (O_CREAT), CreateNew (O_CREAT|O_EXCL), Create
    /// (O_CREAT|O_TRUNC) or Truncate (O_TRUNC). Append is refused: transfers take explicit offsets.</param>
    /// <param name="access">Read (O_RDONLY), Write (O_WRONLY) or ReadWrite (O_RDWR).</param>
    /// <param name="createMode">The permissions of a new file (before the umask); rw for everyone by default.</param>
    /// <returns>The open file.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException">The path is empty or holds a NUL; <paramref name="mode"/> is Append;
    /// Truncate or a creating mode without write access.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> or <paramref name="access"/> is
    /// undefined.</exception>
    /// <exception cref="FileNotFoundException">open failed with ENOENT and the directory exists.</exception>
    /// <exception cref="DirectoryNotFoundException">open failed with ENOENT because a directory on the path is
    /// missing, or with ENOTDIR.</exception>
    /// <exception cref="UnauthorizedAccessException">open failed with EACCES or EPERM, or the path is a directory
    /// (EISDIR).</exception>
    /// <exception cref="PathTooLongException">open failed with ENAMETOOLONG.</exception>
    /// <exception cref="NotSupportedException">The filesystem refuses O_DIRECT (open or statx reported EINVAL); the
    /// inner <see cref="ZeroCopyException"/> carries the errno.</exception>
    /// <exception cref="ZeroCopyException">open failed otherwise (EEXIST, ELOOP, EROFS, ENXIO, EMFILE, ...), or
    /// zcn_dio_alignment failed (EBADF). The exceptions of open name the path, as File.OpenHandle's do, and their
    /// <see cref="Exception.HResult"/> is the errno.</exception>
    public static DirectFile Open(string path, FileMode mode = FileMode.Open, FileAccess access = FileAccess.ReadWrite,
                                  UnixFileMode createMode = DefaultCreateMode)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        OpenFlags flags = OpenFlags.DIRECT | access switch
        {
            FileAccess.Read => OpenFlags.RDONLY,
            FileAccess.Write => OpenFlags.WRONLY,
            FileAccess.ReadWrite => OpenFlags.RDWR,
            _ => throw new ArgumentOutOfRangeException(nameof(access), access, "Unknown FileAccess."),
        };
        flags |= mode switch
        {
            FileMode.Open => 0,
            FileMode.OpenOrCreate => OpenFlags.CREAT,
            FileMode.CreateNew => OpenFlags.CREAT | OpenFlags.EXCL,
            FileMode.Create => OpenFlags.CREAT | OpenFlags.TRUNC,
            FileMode.Truncate => OpenFlags.TRUNC,
            FileMode.Append => throw new ArgumentException(
                "FileMode.Append is not supported: DirectFile writes at explicit offsets.", nameof(mode)),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown FileMode."),
        };
        if (access == FileAccess.Read && mode is FileMode.Create or FileMode.CreateNew or FileMode.Truncate)
        {
            throw new ArgumentException($"FileMode.{mode} needs write access.", nameof(access));
        }

        SafeFileHandle handle;
        try
        {
            handle = NativeFile.Open(path, flags, (uint)createMode);
        }
        catch (ZeroCopyException e) when (e.Errno == Errno.EINVAL)
        {
            // A directory opened read-only with O_DIRECT fails with EINVAL, not EISDIR: directories have no direct
            // I/O. Say what File.OpenHandle would say rather than blame the filesystem.
            throw Directory.Exists(path) ? PathErrors.For(Errno.EISDIR, path, "open") : RefusesDirectIO(path, "open", e);
        }

        try
        {
            return new DirectFile(handle, path, QueryAlignment(handle, path));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads the Direct I/O alignment of an open file (zcn_dio_alignment).</summary>
    /// <param name="file">The file; it need not be open with O_DIRECT.</param>
    /// <returns>The alignment.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="file"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="file"/> is closed.</exception>
    /// <exception cref="NotSupportedException">The filesystem reports that it does not support Direct I/O for the
    /// file (EINVAL).</exception>
    /// <exception cref="ZeroCopyException">statx/fstat failed (EBADF).</exception>
    public static DirectIOAlignment GetAlignment(SafeFileHandle file)
    {
        Descriptors.Validate(file, nameof(file));
        return QueryAlignment(file, null);
    }

    /// <summary>Reads the Direct I/O alignment that applies at <paramref name="path"/> (open(2) read-only, then
    /// zcn_dio_alignment): a file's own, or for a directory that of the filesystem holding it, where new files would
    /// be created.</summary>
    /// <param name="path">A file or a directory.</param>
    /// <returns>The alignment.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or holds a NUL.</exception>
    /// <exception cref="FileNotFoundException">The path does not exist (ENOENT).</exception>
    /// <exception cref="DirectoryNotFoundException">A component of the path is not a directory (ENOTDIR).</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to open it (EACCES, EPERM).</exception>
    /// <exception cref="PathTooLongException">The path is too long (ENAMETOOLONG).</exception>
    /// <exception cref="NotSupportedException">The filesystem refuses Direct I/O there (EINVAL).</exception>
    /// <exception cref="ZeroCopyException">open or statx failed otherwise, naming the path.</exception>
    public static DirectIOAlignment GetAlignment(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        int fd = NativeFile.TryOpenPath(path, OpenFlags.RDONLY | OpenFlags.NOCTTY, 0, out Errno error);
        if (fd < 0)
        {
            throw PathErrors.For(error, path, "open");
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        return QueryAlignment(handle, path);
    }

    /// <summary>Reads into <paramref name="buffer"/> from <paramref name="offset"/> (pread(2)), looping over partial
    /// reads until the buffer is full or the end of the file is reached.</summary>
    /// <param name="buffer">The destination: its address must be a multiple of
    /// <see cref="DirectIOAlignment.MemoryAlignment"/> and its length of
    /// <see cref="DirectIOAlignment.OffsetAlignment"/>.</param>
    /// <param name="offset">The file offset: a multiple of <see cref="DirectIOAlignment.OffsetAlignment"/>.</param>
    /// <returns>The bytes read; fewer than the buffer's length only at the end of the file.</returns>
    /// <exception cref="ObjectDisposedException">The file was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative.</exception>
    /// <exception cref="ArgumentException">The address, the length or the offset breaks the alignment rule; the
    /// message names it.</exception>
    /// <exception cref="ZeroCopyException">pread failed: EBADF (not open for reading), EINVAL (the kernel refused the
    /// alignment), EIO, EFAULT. <see cref="ZeroCopyException.BytesTransferred"/> counts the bytes read
    /// before.</exception>
    public unsafe int Read(Span<byte> buffer, long offset)
    {
        fixed (byte* p = buffer)
        {
            return ReadCore(p, buffer.Length, offset, nameof(buffer));
        }
    }

    /// <summary>Reads into the whole of <paramref name="buffer"/> from <paramref name="offset"/> (pread(2)), looping
    /// over partial reads; the buffer is pinned for the call, so a concurrent Dispose of it cannot free the memory
    /// under the kernel.</summary>
    /// <param name="buffer">The destination; allocate it with <see cref="DirectIOAlignment.BufferAlignment"/>.</param>
    /// <param name="offset">The file offset: a multiple of <see cref="DirectIOAlignment.OffsetAlignment"/>.</param>
    /// <returns>The bytes read; fewer than the buffer's length only at the end of the file.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The file or the buffer was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative.</exception>
    /// <exception cref="ArgumentException">The address, the length or the offset breaks the alignment rule.</exception>
    /// <exception cref="ZeroCopyException">pread failed: EBADF, EINVAL, EIO, EFAULT.</exception>
    public unsafe int Read(AlignedBuffer buffer, long offset)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        using System.Buffers.MemoryHandle pin = buffer.Pin();
        return ReadCore((byte*)pin.Pointer, buffer.Length, offset, nameof(buffer));
    }

    /// <summary>Writes all of <paramref name="buffer"/> at <paramref name="offset"/> (pwrite(2)), looping over
    /// partial writes.</summary>
    /// <param name="buffer">The source: its address must be a multiple of
    /// <see cref="DirectIOAlignment.MemoryAlignment"/> and its length of
    /// <see cref="DirectIOAlignment.OffsetAlignment"/>.</param>
    /// <param name="offset">The file offset: a multiple of <see cref="DirectIOAlignment.OffsetAlignment"/>.</param>
    /// <exception cref="ObjectDisposedException">The file was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative.</exception>
    /// <exception cref="ArgumentException">The address, the length or the offset breaks the alignment rule; the
    /// message names it.</exception>
    /// <exception cref="ZeroCopyException">pwrite failed: EBADF (not open for writing), EINVAL (the kernel refused
    /// the alignment), ENOSPC, EDQUOT, EFBIG, EIO. <see cref="ZeroCopyException.BytesTransferred"/> counts the bytes
    /// written before.</exception>
    public unsafe void Write(ReadOnlySpan<byte> buffer, long offset)
    {
        fixed (byte* p = buffer)
        {
            WriteCore(p, buffer.Length, offset, nameof(buffer));
        }
    }

    /// <summary>Writes the whole of <paramref name="buffer"/> at <paramref name="offset"/> (pwrite(2)), looping over
    /// partial writes; the buffer is pinned for the call.</summary>
    /// <param name="buffer">The source; allocate it with <see cref="DirectIOAlignment.BufferAlignment"/>.</param>
    /// <param name="offset">The file offset: a multiple of <see cref="DirectIOAlignment.OffsetAlignment"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The file or the buffer was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative.</exception>
    /// <exception cref="ArgumentException">The address, the length or the offset breaks the alignment rule.</exception>
    /// <exception cref="ZeroCopyException">pwrite failed: EBADF, EINVAL, ENOSPC, EDQUOT, EFBIG, EIO.</exception>
    public unsafe void Write(AlignedBuffer buffer, long offset)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        using System.Buffers.MemoryHandle pin = buffer.Pin();
        WriteCore((byte*)pin.Pointer, buffer.Length, offset, nameof(buffer));
    }

    /// <summary>Gives the kernel advice about a range of the file (posix_fadvise(2)). With O_DIRECT the page cache
    /// is bypassed, so the advice matters mostly to other, buffered users of the file.</summary>
    /// <param name="advice">The advice (POSIX_FADV_*).</param>
    /// <param name="offset">The start of the range, in bytes.</param>
    /// <param name="length">The length in bytes; 0 means to the end of the file.</param>
    /// <exception cref="ObjectDisposedException">The file was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="advice"/> is not a defined value, or
    /// <paramref name="offset"/> or <paramref name="length"/> is negative.</exception>
    /// <exception cref="ZeroCopyException">posix_fadvise failed: EINVAL (advice the filesystem refuses), EBADF,
    /// ESPIPE.</exception>
    public void Advise(FileAccessAdvice advice, long offset = 0, long length = 0)
    {
        int native = unchecked((int)advice.ToNative());
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ThrowIfDisposed();
        using DescriptorScope file = EnterFile();
        NativeResult.Check(Zcn.fadvise(file.Fd, offset, length, native), "posix_fadvise");
    }

    /// <summary>The size of the file in bytes (fstat(2)).</summary>
    /// <exception cref="ObjectDisposedException">The file was disposed.</exception>
    /// <exception cref="ZeroCopyException">fstat failed (EBADF, EIO).</exception>
    public long Length
    {
        get
        {
            ThrowIfDisposed();
            using DescriptorScope file = EnterFile();
            return NativeFile.Query(file.Fd).size;
        }
    }

    /// <summary>Sets the size of the file (ftruncate(2)). Any size is allowed: the alignment rules bind transfers,
    /// not the size, so this is how a file gets a length that is not a multiple of the block size.</summary>
    /// <param name="length">The new size.</param>
    /// <exception cref="ObjectDisposedException">The file was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="ZeroCopyException">ftruncate failed: EBADF/EINVAL (not open for writing), EFBIG, EPERM,
    /// EIO.</exception>
    public void SetLength(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ThrowIfDisposed();
        using DescriptorScope file = EnterFile();
        NativeResult.Check(Zcn.ftruncate(file.Fd, length), "ftruncate");
    }

    /// <summary>Waits until the file's data, and unless <paramref name="dataOnly"/> its metadata, reaches the device
    /// (fsync(2), or fdatasync(2)). O_DIRECT writes bypass the page cache but not the device's volatile cache or
    /// the filesystem's metadata: call this for durability.</summary>
    /// <param name="dataOnly">True for fdatasync (skip metadata that reads do not need).</param>
    /// <exception cref="ObjectDisposedException">The file was disposed.</exception>
    /// <exception cref="ZeroCopyException">fsync failed: EIO, ENOSPC, EDQUOT.</exception>
    public void Flush(bool dataOnly = false)
    {
        ThrowIfDisposed();
        using DescriptorScope file = EnterFile();
        NativeResult.Check(Zcn.fsync(file.Fd, dataOnly ? 1 : 0), dataOnly ? "fdatasync" : "fsync");
    }

    /// <summary>Closes the descriptor (close(2)), once running calls have returned. Safe to call more than
    /// once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _handle.Dispose();
        }
    }

    /// <summary>Borrows the descriptor for one system call, so that a racing <see cref="Dispose"/> defers the
    /// close(2) until the call returns.</summary>
    private DescriptorScope EnterFile() => DescriptorScope.Enter(_handle, nameof(SafeFileHandle));

    /// <summary>The checks that come before a pread or pwrite: a non-negative offset, an open file, and (unless
    /// bypassed) the O_DIRECT alignment of the buffer, the length and the offset.</summary>
    private void CheckTransfer(nint buffer, int length, long offset, string bufferName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ThrowIfDisposed();
        if (!BypassAlignmentChecks)
        {
            DirectIOChecks.Check(Alignment, buffer, length, offset, bufferName);
        }
    }

    private unsafe int ReadCore(byte* buffer, int length, long offset, string bufferName)
    {
        CheckTransfer((nint)buffer, length, offset, bufferName);
        using DescriptorScope file = EnterFile();
        int total = 0;
        long position = offset;
        while (total < length)
        {
            LoopResult read = ReadWriteLoop.ReadOnce(file.Fd, &position, buffer + total, length - total);
            if (read.Failed)
            {
                throw new ZeroCopyException("pread", read.Error, total);
            }

            total += (int)read.Moved;
            // 0 is the end of the file; a count that is not a whole number of blocks means the end of the file
            // fell inside this transfer (and the next offset would be misaligned anyway).
            if (read.Ended || read.Moved % Alignment.OffsetAlignment != 0)
            {
                break;
            }
        }

        return total;
    }

    private unsafe void WriteCore(byte* buffer, int length, long offset, string bufferName)
    {
        CheckTransfer((nint)buffer, length, offset, bufferName);
        using DescriptorScope file = EnterFile();
        long position = offset;
        var meter = new TransferMeter(null);
        _ = ReadWriteLoop.WriteAll(file.Fd, &position, buffer, length, ref meter).ThrowIfFailed("pwrite");
    }

    private static unsafe DirectIOAlignment QueryAlignment(SafeFileHandle handle, string? path)
    {
        using DescriptorScope file = DescriptorScope.Enter(handle, nameof(handle));
        DioInfo info;
        int result = Zcn.dio_alignment(file.Fd, &info);
        if (result == -(int)Errno.EINVAL)
        {
            throw RefusesDirectIO(path, "statx", new ZeroCopyException("statx", Errno.EINVAL));
        }

        NativeResult.Check(result, "statx");
        // Never 0: the checks divide by these numbers.
        return new DirectIOAlignment((int)Math.Max(1u, info.mem_align), (int)Math.Max(1u, info.offset_align),
                                     DirectIOAlignmentSourceConversion.FromNative(info.source));
    }

    private static NotSupportedException RefusesDirectIO(string? path, string call, ZeroCopyException inner) =>
        new(path is null
                ? $"The filesystem refuses O_DIRECT for this file ({call} reported EINVAL). Use buffered I/O for it."
                : $"The filesystem holding '{path}' refuses O_DIRECT ({call} reported EINVAL). Use buffered I/O there.",
            inner);

    private void ThrowIfDisposed() =>
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0 || _handle.IsClosed, this);
}
