using System;
using System.Buffers;
using System.Diagnostics;
using System.Threading;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// Native memory aligned to a power of two, as a <see cref="MemoryManager{T}"/>: the buffer O_DIRECT
/// (<see cref="DirectFile"/>) and vmsplice need. A buffer shorter than <see cref="HugePageSize"/> comes from
/// posix_memalign(3) (zcn_aligned_alloc); one of <see cref="HugePageSize"/> bytes or more is a mapping of its own,
/// aligned to <see cref="HugePageSize"/> (mmap(2) through zcn_aligned_map) and advised for transparent huge pages
/// (madvise(2) MADV_HUGEPAGE).
/// </summary>
/// <remarks>
/// <para><b>Huge pages.</b> A device is given a buffer as a list of physically contiguous segments, and a virtio disk
/// takes at most 254 per request: with 4 KiB pages an O_DIRECT read of 1 MiB is up to 256 segments (more than a
/// request holds, unless neighbouring pages happen to be physically adjacent), while on one 2 MiB huge page it is one
/// segment. So buffers of <see cref="HugePageSize"/> or more are placed where each whole huge page of them can be a
/// huge page. Whether the kernel backs them so is its decision, made when the
/// memory is first touched: the policy in /sys/kernel/mm/transparent_hugepage/enabled
/// (<see cref="ZeroCopyCapabilities.TransparentHugePages"/>; with "never" there are none) and the fragmentation of
/// physical memory. <see cref="HugePageBytes"/> reports what it did. Only whole, aligned huge pages inside the
/// buffer can be huge: a length that is a multiple of <see cref="HugePageSize"/> can be entirely so, the rest of
/// another length stays on base pages.</para>
/// <para><b>Lifetime.</b> The memory is freed exactly once (zcn_aligned_free or zcn_aligned_unmap), by
/// <see cref="IDisposable.Dispose"/>. There is deliberately no finalizer: a finalizer could free the memory while a <see cref="Span{T}"/> over it is
/// still in use (a span does not keep its manager alive), so a buffer that is never disposed leaks, and
/// zcn_aligned_outstanding counts it. Because the memory is native it never moves, so
/// <see cref="Pin"/> only returns the address; but each pin takes a reference, and a <see cref="IDisposable.Dispose"/>
/// while pins are outstanding defers the free until the last <see cref="System.Buffers.MemoryHandle"/> is disposed.
/// After Dispose every member except <see cref="Length"/>, <see cref="Alignment"/>, <see cref="HugePagesAdvised"/>
/// and <see cref="IsDisposed"/> throws
/// <see cref="ObjectDisposedException"/>. A <see cref="Span{T}"/> obtained earlier holds no reference and must not
/// be used after Dispose.</para>
/// <para><b>Thread safety.</b> Every member may be called from any thread; Dispose, Pin and Unpin use atomic
/// operations and may race. Concurrent access to the bytes themselves is the caller's business.</para>
/// </remarks>
public sealed unsafe class AlignedBuffer : MemoryManager<byte>
{
    private readonly byte* _pointer;
    // Above 0 for a buffer from zcn_aligned_map: the size it was given, which zcn_aligned_unmap needs back.
    private readonly long _mappedSize;
    // One reference for the owner plus one per outstanding pin; the memory is freed when it drops to 0.
    private int _references = 1;
    private int _disposed;

    /// <summary>Allocates <paramref name="length"/> bytes aligned to <paramref name="alignment"/>: below
    /// <see cref="HugePageSize"/> bytes with posix_memalign(3) (zcn_aligned_alloc); from <see cref="HugePageSize"/>
    /// bytes on, as a mapping of its own (mmap(2) through zcn_aligned_map) aligned to the larger of
    /// <paramref name="alignment"/> and <see cref="HugePageSize"/>, then advised with madvise(2) MADV_HUGEPAGE
    /// (<see cref="HugePagesAdvised"/> tells whether the kernel took the advice; a refusal leaves an ordinary
    /// buffer).</summary>
    /// <param name="length">The length in bytes; above 0.</param>
    /// <param name="alignment">The alignment of the address: a power of two, at least <see cref="IntPtr.Size"/>.
    /// Use <see cref="DirectIOAlignment.BufferAlignment"/> for O_DIRECT, or the page size for vmsplice.</param>
    /// <param name="zeroFill">True to clear the memory; otherwise its contents are undefined. A buffer of
    /// <see cref="HugePageSize"/> or more is a new mapping and reads as zeros either way, so nothing is
    /// cleared (and nothing touched) for it.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is not above 0, or
    /// <paramref name="alignment"/> is not a power of two at least <see cref="IntPtr.Size"/>.</exception>
    /// <exception cref="OutOfMemoryException">zcn_aligned_alloc or zcn_aligned_map returned ENOMEM.</exception>
    /// <exception cref="ZeroCopyException">zcn_aligned_alloc or zcn_aligned_map failed otherwise
    /// (EINVAL).</exception>
    public AlignedBuffer(int length, int alignment, bool zeroFill = false)
    {
        if (length <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length,
                $"The length of an aligned buffer must be above 0; {length} is not.");
        }

        if (alignment < IntPtr.Size || !PageMath.IsPowerOfTwo(alignment))
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment,
                $"The alignment must be a power of two and at least {IntPtr.Size} (the size of a pointer); " +
                $"{alignment} is not.");
        }

        void* block;
        bool mapped = length >= HugePageSize;
        if (mapped)
        {
            alignment = Math.Max(alignment, HugePageSize);
        }

        string operation = mapped ? "mmap" : "posix_memalign";
        int result = mapped
            ? Zcn.aligned_map(&block, (ulong)alignment, (ulong)length)
            : Zcn.aligned_alloc(&block, (ulong)alignment, (ulong)length);
        if (result == -(int)Errno.ENOMEM)
        {
            throw new OutOfMemoryException(
                $"{operation} could not allocate {length} bytes aligned to {alignment}.",
                new ZeroCopyException(operation, Errno.ENOMEM));
        }

        NativeResult.Check(result, operation);
        _pointer = (byte*)block;
        Length = length;
        Alignment = alignment;
        if (mapped)
        {
            _mappedSize = length;
            HugePagesAdvised = HugePages.Advise(block, length);
        }
        else if (zeroFill)
        {
            new Span<byte>(_pointer, length).Clear();
        }
    }

    /// <summary>The size of a transparent huge page in bytes (/sys/kernel/mm/transparent_hugepage/hpage_pmd_size,
    /// read once): 2 MiB on x86-64 and on aarch64 with 4 KiB pages. Buffers of this length or more are aligned to it
    /// and advised for huge pages. Where the kernel has no transparent huge pages (the file is missing) it is
    /// 2 MiB all the same, and such buffers stay on base pages.</summary>
    public static int HugePageSize => HugePages.Size;

    /// <summary>True when the buffer is a mapping of its own aligned to <see cref="HugePageSize"/> and the kernel
    /// accepted madvise(2) MADV_HUGEPAGE for it (at construction). False for a buffer shorter than
    /// <see cref="HugePageSize"/>, and where the kernel refused the advice (EINVAL: built without transparent huge
    /// pages). Advice taken is no promise: <see cref="HugePageBytes"/> says what the kernel did. Readable after
    /// Dispose.</summary>
    public bool HugePagesAdvised { get; }

    /// <summary>The length in bytes. Readable after Dispose.</summary>
    public int Length { get; }

    /// <summary>The alignment of <see cref="Pointer"/> in bytes: the one asked for, or <see cref="HugePageSize"/>
    /// where that is larger and the buffer is <see cref="HugePageSize"/> bytes or more. Readable after
    /// Dispose.</summary>
    public int Alignment { get; }

    /// <summary>True once <see cref="IDisposable.Dispose"/> has been called (the memory may still be pinned).</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The address of the first byte; a multiple of <see cref="Alignment"/>. Valid until Dispose (or until
    /// the last pin is released).</summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    public byte* Pointer
    {
        get
        {
            ThrowIfDisposed();
            return _pointer;
        }
    }

    /// <summary>The whole buffer as a span. No system call.</summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    public Span<byte> Span => GetSpan();

    /// <summary>The whole buffer as a span. No system call.</summary>
    /// <returns>The span.</returns>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    public override Span<byte> GetSpan()
    {
        ThrowIfDisposed();
        return new Span<byte>(_pointer, Length);
    }

    /// <summary>
    /// How many bytes of the buffer the kernel backs with transparent huge pages now: the AnonHugePages of the
    /// buffer's own mapping in /proc/self/smaps (read and parsed here; its kB are converted to bytes). The kernel's
    /// answer, not the library's intent: it is 0 until the memory is first touched (by the program, or by the
    /// device an O_DIRECT read writes with), 0 where /sys/kernel/mm/transparent_hugepage/enabled is "never" or the
    /// kernel found no free huge page (fragmentation), and at most <see cref="Length"/> rounded down to whole
    /// huge pages. A buffer shorter than <see cref="HugePageSize"/> cannot hold a whole huge page and reports 0
    /// without reading anything. A snapshot: the kernel may split or collapse huge pages at any time.
    /// </summary>
    /// <remarks>smaps lists every mapping of the process with its statistics, so one call costs about as much as
    /// reading a few hundred kilobytes of text: a diagnostic, not something for a transfer loop.</remarks>
    /// <returns>The bytes on huge pages: 0, or a multiple of <see cref="HugePageSize"/> up to
    /// <see cref="Length"/>.</returns>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    /// <exception cref="System.IO.IOException">/proc/self/smaps could not be read (procfs not mounted); the inner
    /// exception says why.</exception>
    public long HugePageBytes()
    {
        ThrowIfDisposed();
        if (_mappedSize == 0)
        {
            return 0;
        }

        // A pin keeps the mapping from being unmapped (and its address reused) while smaps is read.
        using MemoryHandle pin = Pin();
        return HugePages.MappedBytes((nint)_pointer, PageMath.AlignUp(_mappedSize));
    }

    /// <summary>Returns the address of byte <paramref name="elementIndex"/> and takes a reference, so the memory
    /// stays allocated until the returned handle is disposed, even across Dispose. No system call: native memory
    /// never moves.</summary>
    /// <param name="elementIndex">The index of the byte to point at, from 0 to <see cref="Length"/>.</param>
    /// <returns>The handle; dispose it to release the pin.</returns>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="elementIndex"/> lies outside the
    /// buffer.</exception>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        if ((uint)elementIndex > (uint)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(elementIndex), elementIndex,
                $"The index must lie within the buffer's {Length} bytes.");
        }

        ThrowIfDisposed();
        int current = Volatile.Read(ref _references);
        while (true)
        {
            // 0 means the memory is already freed (or being freed): a pin cannot revive it.
            ObjectDisposedException.ThrowIf(current == 0, this);
            int seen = Interlocked.CompareExchange(ref _references, current + 1, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }

        return new MemoryHandle(_pointer + elementIndex, default, this);
    }

    /// <summary>Releases a reference taken by <see cref="Pin"/>; frees the memory when it was the last one after
    /// Dispose. Called by <see cref="MemoryHandle.Dispose"/>.</summary>
    public override void Unpin() => Release();

    /// <summary>Frees the memory (zcn_aligned_free, or zcn_aligned_unmap for a buffer of <see cref="HugePageSize"/>
    /// or more), or defers the free until the last pin is released. Safe to call more than once; the memory is
    /// freed exactly once.</summary>
    public void Dispose() => ((IDisposable)this).Dispose();

    /// <summary>The number of outstanding pins (for diagnostics and tests).</summary>
    internal int PinCount => Math.Max(0, Volatile.Read(ref _references) - (IsDisposed ? 0 : 1));

    /// <summary>Drops the owner's reference, once; frees the memory if no pin remains.</summary>
    /// <param name="disposing">True from Dispose.</param>
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release();
        }
    }

    private void Release()
    {
        int remaining = Interlocked.Decrement(ref _references);
        if (remaining == 0)
        {
            if (_mappedSize > 0)
            {
                // Refused only for an address or a size zcn_aligned_map never handed out; both are this object's.
                int unmapped = Zcn.aligned_unmap(_pointer, (ulong)_mappedSize);
                Debug.Assert(unmapped == 0, $"zcn_aligned_unmap failed: {unmapped}");
            }
            else
            {
                Zcn.aligned_free(_pointer);
            }
        }
        else if (remaining < 0)
        {
            // An Unpin without a matching Pin: undo, and report the caller's bug without freeing twice.
            Interlocked.Increment(ref _references);
            throw new InvalidOperationException("Unpin was called more often than Pin.");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
