using System;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// A memory mapping (mmap(2)) of a file, a memfd or anonymous memory, exposed as <see cref="Span{T}"/> and
/// <see cref="Memory{T}"/>, with msync, madvise and mincore as <see cref="Flush(long, long, bool)"/>,
/// <see cref="Advise(MappedFileAdvice, long, long)"/>, <see cref="Prefetch(long, long)"/> and
/// <see cref="ResidentBytes(long, long)"/>.
/// </summary>
/// <remarks>
/// <para><b>Offsets.</b> mmap needs a page-aligned file offset; any offset is accepted here. The mapping starts at the
/// offset rounded down to a page, and every member of this type sees only the window that was asked for:
/// byte 0 of <see cref="Span"/> is the byte at <see cref="Offset"/> in the file.</para>
/// <para><b>Lifetime.</b> The mapping is owned by a <see cref="MappedFileHandle"/> and is reference-counted.
/// Once <see cref="Dispose"/> has been called every member throws <see cref="ObjectDisposedException"/>. An operation
/// running on another thread (<see cref="Flush(long, long, bool)"/>, <see cref="Advise(MappedFileAdvice, long, long)"/>,
/// ...) and a pinned <see cref="System.Buffers.MemoryHandle"/> from <see cref="Memory"/> hold a reference, so the
/// mapping is unmapped only after they finish. A <see cref="Span{T}"/> cannot hold a reference: as with
/// MemoryMappedViewAccessor, a span obtained earlier must not be used after <see cref="Dispose"/>, because the memory
/// behind it is gone and touching it crashes the process.</para>
/// <para><b>SIGBUS.</b> When a file shrinks (truncate(2) by this or any other process) while it is mapped, touching a
/// page that now lies past the end of the file raises SIGBUS. Two ways in, two behaviours:
/// <list type="bullet">
/// <item><description><see cref="Read(long, Span{byte})"/> and <see cref="Write(long, ReadOnlySpan{byte})"/> are
/// guarded copies (zcn_mapped_read, zcn_mapped_write): the SIGBUS becomes a <see cref="ZeroCopyException"/> with EIO
/// that says the file shrank under the mapping, and the process lives on. Use them for files that other processes
/// share, append to or truncate (log segments).</description></item>
/// <item><description>Direct access through <see cref="Span"/>, <see cref="ReadOnlySpan"/>, <see cref="Memory"/> and
/// the <c>Get*Span</c> methods is unguarded and costs nothing extra: a SIGBUS there reaches the .NET runtime, which
/// terminates the process; no exception can catch it. This is the same hazard that MemoryMappedFile documents for files
/// other processes can change.</description></item>
/// </list>
/// Guarded copies install a SIGBUS handler once per process that passes every SIGBUS outside a guarded copy to the
/// runtime's own handler, unchanged; SIGSEGV (and with it NullReferenceException) is not touched. To rule the fault
/// out altogether, use <see cref="CreateSealed(long, bool, string)"/> (or <see cref="MemFd.AddSeals"/> with
/// <see cref="FileSeals.Shrink"/> before <see cref="Map(SafeFileHandle, MappedFileAccess, long, long,
/// MappedFileSharing)"/>): the kernel then refuses every attempt to shrink the memfd with EPERM, so the mapping cannot
/// fault. <see cref="IsShrinkSealed"/> reports whether that protection is in place.</para>
/// <para><b>Read-only mappings</b> hand out no writable view: <see cref="Span"/> and <see cref="Memory"/> throw
/// <see cref="NotSupportedException"/>. Writing through a read-only view obtained by other means (MemoryMarshal)
/// raises SIGSEGV.</para>
/// <para><b>Thread safety.</b> Every member may be called from any thread, concurrently with every other, including
/// <see cref="Dispose"/>. Concurrent writes to the mapped bytes themselves are not synchronised: that is the
/// caller's business, as with any shared memory.</para>
/// </remarks>
public sealed unsafe partial class MappedFile : IDisposable
{
    private readonly MappedFileHandle _handle;
    private readonly byte* _data;
    private readonly SafeFileHandle? _ownedFile;
    private MappedMemoryManager? _manager;
    // SafeHandle marks itself closed only when its last reference goes, so a Dispose that is deferred by a running
    // operation or a pin would otherwise leave the object usable: this flag makes Dispose visible at once.
    private int _disposed;

    private MappedFile(MappedFileHandle handle, byte* data, long length, long offset, MappedFileAccess access,
                       MappedFileSharing sharing, bool shrinkSealed, SafeFileHandle? ownedFile)
    {
        _handle = handle;
        _data = data;
        _length = length;
        Offset = offset;
        Access = access;
        Sharing = sharing;
        IsShrinkSealed = shrinkSealed;
        _ownedFile = ownedFile;
    }

    /// <summary>The length of the mapped window in bytes, as asked for (not rounded to pages). It grows, never
    /// shrinks, only through <see cref="Extend"/> of a mapping with room to grow (<see cref="Capacity"/>). Readable
    /// after <see cref="Dispose"/>.</summary>
    public long Length => Volatile.Read(ref _length);

    /// <summary>The file offset of the window's first byte (0 for anonymous memory). Readable after
    /// <see cref="Dispose"/>.</summary>
    public long Offset { get; }

    /// <summary>Whether the mapping can be written. Readable after <see cref="Dispose"/>.</summary>
    public MappedFileAccess Access { get; }

    /// <summary>Whether writes are shared with the file (MAP_SHARED) or private (MAP_PRIVATE). Readable after
    /// <see cref="Dispose"/>.</summary>
    public MappedFileSharing Sharing { get; }

    /// <summary>True when the file behind the mapping carried F_SEAL_SHRINK when it was mapped (read with
    /// fcntl(F_GET_SEALS)), so it can never shrink and the mapping can never raise SIGBUS; always true for
    /// anonymous memory. Readable after <see cref="Dispose"/>.</summary>
    public bool IsShrinkSealed { get; }

    /// <summary>The handle that owns the mapping (for callers who need the reference count themselves).</summary>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    public MappedFileHandle Handle
    {
        get
        {
            ThrowIfDisposed();
            return _handle;
        }
    }

    /// <summary>The memfd behind a mapping made by <see cref="CreateSealed(long, bool, string)"/>, owned by this
    /// object and closed by <see cref="Dispose"/> (pass it to another process before then); null for every other
    /// mapping, whose descriptor belongs to the caller, was closed after mmap (<see cref="Open(string, MappedFileAccess, long, long, MappedFileSharing)"/>), or is kept
    /// privately for <see cref="GetFileLength"/> and <see cref="Remap"/> (<see cref="OpenGrowable"/>).</summary>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    public SafeFileHandle? FileHandle
    {
        get
        {
            ThrowIfDisposed();
            return _ownedFile;
        }
    }

    /// <summary>The whole window as a writable span. No system call, and no guard: if the file shrinks under the
    /// mapping, touching a page past its new end raises SIGBUS and the process dies. For files that others may
    /// truncate, use <see cref="Write(long, ReadOnlySpan{byte})"/> and <see cref="Read(long, Span{byte})"/>.</summary>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="NotSupportedException">The mapping is read-only.</exception>
    /// <exception cref="InvalidOperationException"><see cref="Length"/> exceeds <see cref="int.MaxValue"/>; use
    /// <see cref="GetSpan(long, int)"/>.</exception>
    public Span<byte> Span
    {
        get
        {
            ThrowIfReadOnly();
            return WholeSpan();
        }
    }

    /// <summary>The whole window as a read-only span. No system call, and no guard: if the file shrinks under the
    /// mapping, touching a page past its new end raises SIGBUS and the process dies. For files that others may
    /// truncate, use <see cref="Read(long, Span{byte})"/>.</summary>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="InvalidOperationException"><see cref="Length"/> exceeds <see cref="int.MaxValue"/>; use
    /// <see cref="GetReadOnlySpan(long, int)"/>.</exception>
    public ReadOnlySpan<byte> ReadOnlySpan => WholeSpan();

    /// <summary>The whole window as writable <see cref="Memory{T}"/>. Pinning it (<see cref="Memory{T}.Pin"/>) keeps
    /// the mapping alive until the <see cref="System.Buffers.MemoryHandle"/> is disposed, even across
    /// <see cref="Dispose"/>. No system call.</summary>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="NotSupportedException">The mapping is read-only.</exception>
    /// <exception cref="InvalidOperationException"><see cref="Length"/> exceeds <see cref="int.MaxValue"/>.</exception>
    public Memory<byte> Memory
    {
        get
        {
            ThrowIfReadOnly();
            return Manager().Memory;
        }
    }

    /// <summary>The whole window as <see cref="ReadOnlyMemory{T}"/>; see <see cref="Memory"/> for pinning.
    /// No system call.</summary>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="InvalidOperationException"><see cref="Length"/> exceeds <see cref="int.MaxValue"/>.</exception>
    public ReadOnlyMemory<byte> ReadOnlyMemory => Manager().Memory;

    /// <summary>A writable span over <paramref name="length"/> bytes at <paramref name="offset"/> in the window, for
    /// windows longer than <see cref="int.MaxValue"/>. No system call and no guard against SIGBUS (see <see
    /// cref="Span"/>; <see cref="Write(long, ReadOnlySpan{byte})"/> is the guarded form).</summary>
    /// <param name="offset">The offset in the window.</param>
    /// <param name="length">The length of the span.</param>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="NotSupportedException">The mapping is read-only.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or runs past <see
    /// cref="Length"/>.</exception>
    public Span<byte> GetSpan(long offset, int length)
    {
        ThrowIfReadOnly();
        CheckRange(offset, length);
        return new Span<byte>(_data + offset, length);
    }

    /// <summary>A read-only span over <paramref name="length"/> bytes at <paramref name="offset"/> in the window.
    /// No system call and no guard against SIGBUS (see <see cref="ReadOnlySpan"/>; <see cref="Read(long,
    /// Span{byte})"/> is the guarded form).</summary>
    /// <param name="offset">The offset in the window.</param>
    /// <param name="length">The length of the span.</param>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or runs past <see
    /// cref="Length"/>.</exception>
    public ReadOnlySpan<byte> GetReadOnlySpan(long offset, int length)
    {
        ThrowIfDisposed();
        CheckRange(offset, length);
        return new ReadOnlySpan<byte>(_data + offset, length);
    }

    /// <summary>Unmaps the memory (munmap(2), deferred until running operations and pinned handles release their
    /// references) and closes the memfd of a <see cref="CreateSealed(long, bool, string)"/> mapping. Safe to call
    /// more than once. Spans obtained earlier must not be used afterwards.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _handle.Dispose();
            _ownedFile?.Dispose();
            _source?.Release();
        }
    }

    /// <summary>The owning handle without the disposal check, for releasing references taken earlier.</summary>
    internal MappedFileHandle OwnedHandle => _handle;

    /// <summary>The start of the window; valid while the caller holds the mapping alive.</summary>
    internal byte* DataPointer => _data;

    /// <summary>The window as a span, without the read-only check; used by <see cref="MappedMemoryManager"/>.</summary>
    internal Span<byte> WholeSpan()
    {
        int length = SpanLength();
        return new Span<byte>(_data, length);
    }

    /// <summary>The window's length as an int, after the disposal check.</summary>
    internal int SpanLength()
    {
        ThrowIfDisposed();
        if (Length > int.MaxValue)
        {
            throw new InvalidOperationException(
                $"The mapping is {Length} bytes long, more than one span can hold; use GetSpan(offset, length).");
        }

        return (int)Length;
    }

    private MappedMemoryManager Manager()
    {
        SpanLength();
        return _manager ??= new MappedMemoryManager(this);
    }

    // The handle is public, so it may have been disposed directly: that counts as disposing the mapping.
    private void ThrowIfDisposed() =>
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0 || _handle.IsClosed, this);

    private void ThrowIfReadOnly()
    {
        ThrowIfDisposed();
        if (Access != MappedFileAccess.ReadWrite)
        {
            throw new NotSupportedException(
                "The mapping is read-only (PROT_READ): it gives no writable view. " +
                "Use ReadOnlySpan or ReadOnlyMemory, or map with MappedFileAccess.ReadWrite.");
        }
    }

    private void CheckRange(long offset, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (offset > Length || length > Length - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(length),
                $"The range [{offset}, {offset}+{length}) runs past the end of the {Length}-byte mapping.");
        }
    }
}
