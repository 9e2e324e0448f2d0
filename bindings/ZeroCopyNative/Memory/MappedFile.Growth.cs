using System;
using System.Buffers;
using System.IO;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

// Growing files: a window that grows in place inside reserved address space (Extend), a new mapping of the same
// file when the reservation is full (Remap), the file's length (GetFileLength), and Memory over any range of the
// window (GetMemory, GetReadOnlyMemory).
//
// The design: a MappedFile never moves. Its address, and so every span taken from it, stays where it is until it is
// disposed. Growth is therefore done in two ways that keep that promise:
//  - in place, without a system call beyond fstat: a mapping made with room to grow (OpenGrowable, Remap) reserves
//    Capacity bytes of address space; Extend moves Length up to the file's current end inside that reservation;
//  - by a new mapping: Remap maps the same file again, with a larger reservation, as a new MappedFile. The old one is
//    untouched and stays valid until its own Dispose, so a reader can finish with old spans before letting it go.
// mremap(2) was not used: moving a mapping would invalidate every span and pointer taken from it (MREMAP_MAYMOVE),
// and growing without moving fails whenever the next addresses are taken, which is the common case.
public sealed unsafe partial class MappedFile
{
    // The window's length in bytes; set by the constructor, raised (never lowered) by Extend. Read through Length.
    private long _length;

    // The bytes reserved from Offset by OpenGrowable and Remap; 0 for the other factories, whose capacity is their
    // length. Set before the object is published and never changed.
    private long _reserved;

    // The file behind the mapping, for GetFileLength, Extend and Remap; null for anonymous memory and for Open, which
    // closes its descriptor after mmap. Set before the object is published and never changed.
    private FileSource? _source;

    /// <summary>
    /// The bytes of address space mapped from <see cref="Offset"/>, the most <see cref="Length"/> can grow to through
    /// <see cref="Extend"/>. For a mapping made by <see cref="OpenGrowable"/> or <see cref="Remap"/> it is the
    /// capacity asked for; for every other mapping it equals <see cref="Length"/>, which then never grows. No system
    /// call; readable after <see cref="Dispose"/>.
    /// </summary>
    public long Capacity => Math.Max(_reserved, Length);

    /// <summary>
    /// Opens the file at <paramref name="path"/> (open(2): O_RDONLY, or O_RDWR for a shared read-write mapping) and
    /// maps <paramref name="capacity"/> bytes from <paramref name="offset"/> (mmap(2)), with room to grow: the window
    /// (<see cref="Length"/>) covers only the bytes the file has now (fstat(2)), possibly none, and
    /// <see cref="Extend"/> moves it up to the file's end as the file grows, without another mmap. The descriptor is
    /// kept open (one per chain of mappings made by <see cref="Remap"/>) and closed by the <see cref="Dispose"/> of
    /// the last mapping of the chain.
    /// </summary>
    /// <remarks>
    /// <para>Mapping past the end of a file is allowed; touching a page past it raises SIGBUS, which is why the
    /// window stops at the file's length. Only address space is reserved: no memory, no page is read.</para>
    /// <para><b>Why not mremap(2).</b> A mapping never moves, so spans and pointers taken from it stay valid until
    /// its <see cref="Dispose"/>. mremap without MREMAP_MAYMOVE fails whenever the addresses after the mapping are
    /// taken; with it, the mapping moves and every span taken earlier points at unmapped memory. Growth is therefore
    /// in place inside a reservation (<see cref="Extend"/>), and by a new mapping when the reservation is full
    /// (<see cref="Remap"/>), whose old mapping the caller disposes when done with its spans.</para>
    /// </remarks>
    /// <example>Following a log that another process appends to, with about log2(final length / first capacity)
    /// mappings in all:
    /// <code>
    /// MappedFile map = MappedFile.OpenGrowable(path, capacity: 64 * 1024);
    /// long consumed = 0;
    /// while (following)
    /// {
    ///     long available = map.Extend();                 // fstat; the window grows in place
    ///     if (available &gt; map.Capacity)
    ///     {
    ///         MappedFile grown = map.Remap(Math.Max(2 * map.Capacity, available));
    ///         map.Dispose();                             // no span of the old mapping is in use here
    ///         map = grown;
    ///     }
    ///     ReadOnlySpan&lt;byte&gt; fresh = map.GetReadOnlySpan(consumed, (int)(map.Length - consumed));
    ///     consumed += Consume(fresh);                    // complete records only
    /// }
    /// </code>
    /// </example>
    /// <param name="path">The file: a regular file or block device.</param>
    /// <param name="capacity">The bytes of address space to reserve from <paramref name="offset"/>; above 0. The
    /// window never grows beyond it; <see cref="Remap"/> makes a larger reservation.</param>
    /// <param name="access">Read-only or read-write.</param>
    /// <param name="offset">Where the window starts in the file, in bytes; any value from 0 (it need not be
    /// page-aligned, nor inside the file yet).</param>
    /// <param name="sharing">Shared (writes reach the file; bytes other processes append are seen) or private
    /// (copy-on-write: a page this mapping has written is a private copy, and bytes the file gains inside that page
    /// afterwards are not seen).</param>
    /// <returns>The mapping; its <see cref="Length"/> is min(file length - <paramref name="offset"/>,
    /// <paramref name="capacity"/>), 0 when the file does not reach <paramref name="offset"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException">The path is empty or holds a NUL.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An enum value is undefined, <paramref name="offset"/> is
    /// negative, <paramref name="capacity"/> is not above 0, or the reservation runs past the largest
    /// offset.</exception>
    /// <exception cref="NotSupportedException">The file is neither a regular file nor a block device, so its length
    /// cannot be followed.</exception>
    /// <exception cref="FileNotFoundException">open failed with ENOENT and the directory exists.</exception>
    /// <exception cref="DirectoryNotFoundException">open failed with ENOENT because a directory on the path is
    /// missing, or with ENOTDIR.</exception>
    /// <exception cref="UnauthorizedAccessException">open failed with EACCES or EPERM, or the path is a directory
    /// (EISDIR).</exception>
    /// <exception cref="PathTooLongException">open failed with ENAMETOOLONG.</exception>
    /// <exception cref="ZeroCopyException">open failed otherwise (ELOOP, EROFS, EMFILE, ...), fstat failed, or mmap
    /// failed: EACCES, ENODEV, ENOMEM (no address space for the reservation), EPERM (a seal forbids a writable
    /// mapping). The exception names the path.</exception>
    public static MappedFile OpenGrowable(string path, long capacity, MappedFileAccess access = MappedFileAccess.ReadOnly,
                                          long offset = 0, MappedFileSharing sharing = MappedFileSharing.Shared)
    {
        CheckOptions(access, sharing, offset, length: 0);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        OpenFlags flags = access == MappedFileAccess.ReadWrite && sharing == MappedFileSharing.Shared
            ? OpenFlags.RDWR
            : OpenFlags.RDONLY;
        SafeFileHandle file = NativeFile.Open(path, flags, 0);
        FileSource source = FileSource.Owned(file, path);
        try
        {
            return MapReserved(source, offset, capacity, access, sharing);
        }
        catch
        {
            source.Release();
            throw;
        }
    }

    /// <summary>
    /// Maps <paramref name="capacity"/> bytes of an open file from <paramref name="offset"/> (mmap(2)) with room to
    /// grow, as <see cref="OpenGrowable"/> does for a path: the window covers the bytes the file has now (fstat(2)),
    /// possibly none, and <see cref="Extend"/> moves it up to the file's end. The handle stays the caller's: no
    /// descriptor is opened or duplicated; the mapping keeps a reference to the handle, and
    /// <see cref="GetFileLength"/>, <see cref="Extend"/> and <see cref="Remap"/> throw
    /// <see cref="ObjectDisposedException"/> once the caller has closed it (the mapping itself stays valid).
    /// </summary>
    /// <param name="file">A regular file or block device, open for reading (and writing, for a shared read-write
    /// mapping).</param>
    /// <param name="capacity">The bytes of address space to reserve from <paramref name="offset"/>; above 0.</param>
    /// <param name="access">Read-only or read-write.</param>
    /// <param name="offset">Where the window starts in the file, in bytes; any value from 0.</param>
    /// <param name="sharing">Shared or private; see <see cref="OpenGrowable"/>.</param>
    /// <returns>The mapping; its <see cref="Length"/> is min(file length - <paramref name="offset"/>,
    /// <paramref name="capacity"/>), 0 when the file does not reach <paramref name="offset"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="file"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="file"/> is closed.</exception>
    /// <exception cref="ArgumentException">The handle is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An enum value is undefined, <paramref name="offset"/> is
    /// negative, <paramref name="capacity"/> is not above 0, or the reservation runs past the largest
    /// offset.</exception>
    /// <exception cref="NotSupportedException">The handle refers to neither a regular file nor a block device, so
    /// its length cannot be followed.</exception>
    /// <exception cref="ZeroCopyException">fstat failed (EBADF), or mmap failed: EACCES (the descriptor's access mode
    /// does not allow <paramref name="access"/>), ENODEV, ENOMEM (no address space for the reservation), EPERM (a
    /// seal forbids a writable mapping).</exception>
    public static MappedFile MapGrowable(SafeFileHandle file, long capacity,
                                         MappedFileAccess access = MappedFileAccess.ReadOnly, long offset = 0,
                                         MappedFileSharing sharing = MappedFileSharing.Shared)
    {
        Descriptors.Validate(file, nameof(file));
        CheckOptions(access, sharing, offset, length: 0);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        return MapReserved(FileSource.Borrowed(file), offset, capacity, access, sharing);
    }

    /// <summary>
    /// The file's current length in bytes: st_size from fstat(2) (through zcn_fd_query, which also reads the
    /// descriptor's flags: three system calls, no I/O). The whole file's length, not the window's: compare it with
    /// <see cref="Offset"/> + <see cref="Length"/>.
    /// </summary>
    /// <remarks>The descriptor used is the one the mapping was made from: kept open by <see cref="OpenGrowable"/>,
    /// the caller's handle for <see cref="Map(SafeFileHandle, MappedFileAccess, long, long, MappedFileSharing)"/> and <see cref="MapGrowable"/> (which must still be open), the memfd of <see cref="CreateSealed"/>.
    /// <see cref="Open(string, MappedFileAccess, long, long, MappedFileSharing)"/> closes its descriptor after mmap, so its mappings cannot follow the file. A snapshot:
    /// another process may change the length at any moment.</remarks>
    /// <returns>The length in bytes.</returns>
    /// <exception cref="ObjectDisposedException">The mapping was disposed, or it was made by <see cref="Map(SafeFileHandle, MappedFileAccess, long, long, MappedFileSharing)"/> (or
    /// remapped from such a mapping) and the caller's handle has been closed since (the mapping itself stays
    /// valid).</exception>
    /// <exception cref="NotSupportedException">The mapping has no descriptor (anonymous memory, or made by
    /// <see cref="Open(string, MappedFileAccess, long, long, MappedFileSharing)"/>), or the file is neither a regular file nor a block device (its length is
    /// unknown).</exception>
    /// <exception cref="ZeroCopyException">fstat failed (EBADF).</exception>
    public long GetFileLength()
    {
        ThrowIfDisposed();
        using DescriptorScope scope = Source().Enter();
        return SizeOf(NativeFile.Query(scope.Fd));
    }

    /// <summary>
    /// Grows the window in place to the file's current end (fstat(2), see <see cref="GetFileLength"/>), up to
    /// <see cref="Capacity"/>: no mmap, the address does not change, and every span and <see cref="Memory{T}"/> taken
    /// earlier stays valid. <see cref="Length"/> only ever grows: when the file has shrunk, it stays where it was
    /// (and touching the pages past the new end raises SIGBUS).
    /// </summary>
    /// <remarks>Spans taken earlier keep the length they had; take new ones to see the new bytes. The whole-window
    /// members (<see cref="Span"/>, <see cref="Memory"/>, ...) follow <see cref="Length"/>, so once it exceeds
    /// <see cref="int.MaxValue"/> they throw <see cref="InvalidOperationException"/>, also through a
    /// <see cref="Memory{T}"/> taken from them before; ranges from <see cref="GetSpan"/> and <see cref="GetMemory"/>
    /// are not affected. Safe to call concurrently with every other member: the window only grows.</remarks>
    /// <returns>The bytes the file holds from <see cref="Offset"/> (file length - <see cref="Offset"/>; negative when
    /// the file ends before it). When that exceeds <see cref="Capacity"/>, the window stopped at the capacity: call
    /// <see cref="Remap"/> to map more.</returns>
    /// <exception cref="ObjectDisposedException">The mapping was disposed, or the caller's handle behind a
    /// <see cref="Map(SafeFileHandle, MappedFileAccess, long, long, MappedFileSharing)"/> mapping has been closed.</exception>
    /// <exception cref="NotSupportedException">The mapping has no descriptor (anonymous memory, or made by
    /// <see cref="Open(string, MappedFileAccess, long, long, MappedFileSharing)"/>), or the file's length is unknown.</exception>
    /// <exception cref="ZeroCopyException">fstat failed (EBADF).</exception>
    public long Extend()
    {
        long available = GetFileLength() - Offset;
        long target = Math.Clamp(available, 0, Capacity);
        long current = Volatile.Read(ref _length);
        while (target > current)
        {
            long seen = Interlocked.CompareExchange(ref _length, target, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }

        return available;
    }

    /// <summary>
    /// Maps the same file again (mmap(2)) from the same <see cref="Offset"/>, with the same access and sharing, as a
    /// new mapping that reserves <paramref name="capacity"/> bytes and whose window covers the file's current bytes
    /// up to that capacity (fstat(2)). This mapping is not changed: it, and every span taken from it, stays valid
    /// until its own <see cref="Dispose"/>, which the caller calls when it no longer needs the old spans. The two are
    /// independent from then on: either may be disposed first.
    /// </summary>
    /// <remarks>
    /// <para><b>Lifetime.</b> The old mapping follows the rules of every <see cref="MappedFile"/>: after its
    /// <see cref="Dispose"/>, its members throw <see cref="ObjectDisposedException"/>, a <see cref="Memory{T}"/> taken
    /// from it throws <see cref="ObjectDisposedException"/> from <see cref="Memory{T}.Span"/>, a pinned
    /// <see cref="MemoryHandle"/> keeps its pages mapped until released, and a span taken from it must not be used
    /// (the memory is unmapped: touching it crashes the process). Spans of the old and the new mapping show the same
    /// file bytes at different addresses; a shared mapping's writes through either are seen by both.</para>
    /// <para>For a log that grows without bound, grow geometrically (for example twice the old capacity, or the
    /// file's length if larger): a file of n bytes then needs at most 1 + ceil(log2(n / first capacity)) mappings.</para>
    /// <para>The new mapping shares this one's descriptor: for <see cref="OpenGrowable"/> the
    /// descriptor is closed when the last mapping of the chain is disposed; for <see cref="Map(SafeFileHandle, MappedFileAccess, long, long, MappedFileSharing)"/> it is the caller's
    /// handle, which <see cref="GetFileLength"/>, <see cref="Extend"/> and <see cref="Remap"/> of every mapping of the
    /// chain need open; for <see cref="CreateSealed"/> it is the memfd of the first mapping, closed by that mapping's
    /// <see cref="Dispose"/>.</para>
    /// <para>For a private mapping, the new mapping does not see what this one wrote: each has its own copies.</para>
    /// </remarks>
    /// <param name="capacity">The bytes of address space to reserve from <see cref="Offset"/>; above 0 (it may be
    /// less than this mapping's, for a shorter window).</param>
    /// <returns>The new mapping; <see cref="Length"/> is min(file length - <see cref="Offset"/>,
    /// <paramref name="capacity"/>), 0 when the file ends before <see cref="Offset"/>.</returns>
    /// <exception cref="ObjectDisposedException">The mapping was disposed, or the caller's handle behind a
    /// <see cref="Map(SafeFileHandle, MappedFileAccess, long, long, MappedFileSharing)"/> mapping (or the memfd of a <see cref="CreateSealed"/> one) has been closed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is not above 0, or the reservation
    /// runs past the largest offset.</exception>
    /// <exception cref="NotSupportedException">The mapping has no descriptor (anonymous memory, or made by
    /// <see cref="Open(string, MappedFileAccess, long, long, MappedFileSharing)"/>), or the file's length is unknown.</exception>
    /// <exception cref="ZeroCopyException">fstat failed (EBADF), or mmap failed: ENOMEM (no address space), ENODEV,
    /// EACCES.</exception>
    public MappedFile Remap(long capacity)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        FileSource source = Source();
        if (!source.TryAddUser())
        {
            // Disposed on another thread after the check above: the chain's descriptor is gone.
            throw new ObjectDisposedException(GetType().FullName);
        }

        try
        {
            return MapReserved(source, Offset, capacity, Access, Sharing);
        }
        catch
        {
            source.Release();
            throw;
        }
    }

    /// <summary>
    /// Writable <see cref="Memory{T}"/> over <paramref name="length"/> bytes at <paramref name="offset"/> in the
    /// window; the offset may lie anywhere in a window longer than <see cref="int.MaxValue"/>. Pinning it
    /// (<see cref="Memory{T}.Pin"/>) keeps the mapping alive until the <see cref="MemoryHandle"/> is disposed, even
    /// across <see cref="Dispose"/>; its <see cref="Memory{T}.Span"/> throws <see cref="ObjectDisposedException"/>
    /// once the mapping is disposed. No system call; one small allocation.
    /// </summary>
    /// <param name="offset">The offset in the window, in bytes.</param>
    /// <param name="length">The length in bytes.</param>
    /// <returns>The memory.</returns>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="NotSupportedException">The mapping is read-only (PROT_READ); use
    /// <see cref="GetReadOnlyMemory"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or runs past <see
    /// cref="Length"/>.</exception>
    public Memory<byte> GetMemory(long offset, int length)
    {
        ThrowIfReadOnly();
        CheckRange(offset, length);
        return new RangeMemoryManager(this, offset, length).Memory;
    }

    /// <summary>
    /// <see cref="ReadOnlyMemory{T}"/> over <paramref name="length"/> bytes at <paramref name="offset"/> in the
    /// window, for read-only and read-write mappings alike; see <see cref="GetMemory"/> for pinning and disposal. No
    /// system call; one small allocation.
    /// </summary>
    /// <param name="offset">The offset in the window, in bytes.</param>
    /// <param name="length">The length in bytes.</param>
    /// <returns>The memory.</returns>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or runs past <see
    /// cref="Length"/>.</exception>
    public ReadOnlyMemory<byte> GetReadOnlyMemory(long offset, int length)
    {
        ThrowIfDisposed();
        CheckRange(offset, length);
        return new RangeMemoryManager(this, offset, length).Memory;
    }

    /// <summary>Remembers the descriptor of a mapping made by <see cref="Map(SafeFileHandle, MappedFileAccess, long, long, MappedFileSharing)"/> or <see cref="CreateSealed"/>
    /// (borrowed).</summary>
    private MappedFile WithSource(FileSource source)
    {
        _source = source;
        return this;
    }

    private FileSource Source() =>
        _source ?? throw new NotSupportedException(
            "The mapping has no descriptor to follow its file with: it is anonymous memory, or MappedFile.Open made " +
            "it and closed its descriptor after mmap. Map with OpenGrowable, or with Map and a handle kept open.");

    /// <summary>The length of a regular file or block device; other kinds have none to follow.</summary>
    private static long SizeOf(FdInfo info)
    {
        if (info.kind != (int)FdKind.REGULAR && info.kind != (int)FdKind.BLOCKDEV)
        {
            throw new NotSupportedException(
                "The mapped descriptor is not a regular file or block device: fstat reports no length to follow.");
        }

        return info.size;
    }

    /// <summary>Maps <paramref name="capacity"/> bytes of the source from <paramref name="offset"/>, the window
    /// covering what the file holds now. The caller has counted the new mapping as a user of the source.</summary>
    private static MappedFile MapReserved(FileSource source, long offset, long capacity, MappedFileAccess access,
                                          MappedFileSharing sharing)
    {
        if (capacity > long.MaxValue - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity,
                $"The reservation [{offset}, {offset}+{capacity}) runs past the largest possible offset.");
        }

        using DescriptorScope scope = source.Enter();
        long size = SizeOf(NativeFile.Query(scope.Fd));
        int seals = Zcn.memfd_get_seals(scope.Fd);
        bool shrinkSealed = seals >= 0 && (seals & (int)MemFdSeals.SHRINK) != 0;
        MappedFile map = MapCore(scope.Fd, offset, capacity, access, sharing, 0, shrinkSealed, null, source.Path);
        // Not yet published: the window shrinks to the file's bytes, the rest of the reservation waits for Extend.
        map._reserved = capacity;
        map._length = Math.Clamp(size - offset, 0, capacity);
        map._source = source;
        return map;
    }

    /// <summary>
    /// The descriptor behind one or more mappings. Owned (OpenGrowable): the mappings of the chain count
    /// themselves as users and the last one to be disposed closes it. Borrowed (Map's caller handle, CreateSealed's
    /// memfd): never closed here, and usable only while its owner keeps it open.
    /// </summary>
    private sealed class FileSource
    {
        private readonly bool _owned;
        private readonly SafeFileHandle _file;
        private int _users;

        private FileSource(SafeFileHandle file, string? path, bool owned)
        {
            _file = file;
            Path = path;
            _owned = owned;
            _users = owned ? 1 : 0;
        }

        /// <summary>The path the file was opened by, named in exceptions; null for a handle.</summary>
        public string? Path { get; }

        /// <summary>A descriptor this library opened, with its first user (the mapping about to be made).</summary>
        public static FileSource Owned(SafeFileHandle file, string path) => new(file, path, owned: true);

        /// <summary>A handle someone else owns and closes.</summary>
        public static FileSource Borrowed(SafeFileHandle file) => new(file, null, owned: false);

        /// <summary>Counts one more mapping; false when the last user has already gone (the descriptor is
        /// closed).</summary>
        public bool TryAddUser()
        {
            if (!_owned)
            {
                return true;
            }

            int users = Volatile.Read(ref _users);
            while (users > 0)
            {
                int seen = Interlocked.CompareExchange(ref _users, users + 1, users);
                if (seen == users)
                {
                    return true;
                }

                users = seen;
            }

            return false;
        }

        /// <summary>A mapping has gone; the last one closes an owned descriptor (deferred by SafeHandle until calls
        /// that borrowed it return).</summary>
        public void Release()
        {
            if (_owned && Interlocked.Decrement(ref _users) == 0)
            {
                _file.Dispose();
            }
        }

        /// <summary>Borrows the descriptor for one system call.</summary>
        /// <exception cref="ObjectDisposedException">The owner closed the handle.</exception>
        public DescriptorScope Enter()
        {
            if (_file.IsClosed)
            {
                throw new ObjectDisposedException(_file.GetType().FullName,
                    "The file handle this mapping was made from is closed, so the file's length can no longer be " +
                    "read nor the file mapped again; the mapping itself stays valid until it is disposed.");
            }

            return DescriptorScope.Borrow(_file);
        }
    }

    /// <summary>
    /// The <see cref="MemoryManager{T}"/> behind <see cref="GetMemory"/> and <see cref="GetReadOnlyMemory"/>: one
    /// range of the window. Like <see cref="MappedMemoryManager"/>, <see cref="Pin"/> holds a reference on the
    /// mapping's handle and <see cref="GetSpan"/> refuses once the mapping is disposed; disposing the manager does
    /// nothing.
    /// </summary>
    private sealed class RangeMemoryManager : MemoryManager<byte>
    {
        private readonly MappedFile _owner;
        private readonly long _offset;
        private readonly int _length;

        public RangeMemoryManager(MappedFile owner, long offset, int length)
        {
            _owner = owner;
            _offset = offset;
            _length = length;
        }

        public override Memory<byte> Memory => CreateMemory(_length);

        public override Span<byte> GetSpan()
        {
            _owner.ThrowIfDisposed();
            return new Span<byte>(_owner._data + _offset, _length);
        }

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            _owner.ThrowIfDisposed();
            if ((uint)elementIndex > (uint)_length)
            {
                throw new ArgumentOutOfRangeException(nameof(elementIndex), elementIndex,
                    $"The index must lie within the memory's {_length} bytes.");
            }

            bool added = false;
            _owner._handle.DangerousAddRef(ref added);
            return new MemoryHandle(_owner._data + _offset + elementIndex, default, this);
        }

        public override void Unpin() => _owner._handle.DangerousRelease();

        protected override void Dispose(bool disposing)
        {
            // The MappedFile owns the mapping; a Memory<byte> handed out must not be able to unmap it.
        }
    }
}
