using System;
using System.Buffers;
using System.Threading;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// Native memory aligned to a power of two (posix_memalign(3) through zcn_aligned_alloc), as a
/// <see cref="MemoryManager{T}"/>: the buffer O_DIRECT (<see cref="DirectFile"/>) and vmsplice need.
/// </summary>
/// <remarks>
/// <para><b>Lifetime.</b> The memory is freed exactly once (zcn_aligned_free), by <see cref="IDisposable.Dispose"/>.
/// There is deliberately no finalizer: a finalizer could free the memory while a <see cref="Span{T}"/> over it is
/// still in use (a span does not keep its manager alive), so a buffer that is never disposed leaks, and
/// zcn_aligned_outstanding counts it. Because the memory is native it never moves, so
/// <see cref="Pin"/> only returns the address; but each pin takes a reference, and a <see cref="IDisposable.Dispose"/>
/// while pins are outstanding defers the free until the last <see cref="System.Buffers.MemoryHandle"/> is disposed.
/// After Dispose every member except <see cref="Length"/> and <see cref="Alignment"/> throws
/// <see cref="ObjectDisposedException"/>. A <see cref="Span{T}"/> obtained earlier holds no reference and must not
/// be used after Dispose.</para>
/// <para><b>Thread safety.</b> Every member may be called from any thread; Dispose, Pin and Unpin use atomic
/// operations and may race. Concurrent access to the bytes themselves is the caller's business.</para>
/// </remarks>
public sealed unsafe class AlignedBuffer : MemoryManager<byte>
{
    private readonly byte* _pointer;
    // One reference for the owner plus one per outstanding pin; the memory is freed when it drops to 0.
    private int _references = 1;
    private int _disposed;

    /// <summary>Allocates <paramref name="length"/> bytes aligned to <paramref name="alignment"/>
    /// (posix_memalign(3) through zcn_aligned_alloc).</summary>
    /// <param name="length">The length in bytes; above 0.</param>
    /// <param name="alignment">The alignment of the address: a power of two, at least <see cref="IntPtr.Size"/>.
    /// Use <see cref="DirectIOAlignment.MemoryAlignment"/> for O_DIRECT, or the page size for vmsplice.</param>
    /// <param name="zeroFill">True to clear the memory; otherwise its contents are undefined.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is not above 0, or
    /// <paramref name="alignment"/> is not a power of two at least <see cref="IntPtr.Size"/>.</exception>
    /// <exception cref="OutOfMemoryException">zcn_aligned_alloc returned ENOMEM.</exception>
    /// <exception cref="ZeroCopyException">zcn_aligned_alloc failed otherwise (EINVAL).</exception>
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
        int result = Zcn.aligned_alloc(&block, (ulong)alignment, (ulong)length);
        if (result == -(int)Errno.ENOMEM)
        {
            throw new OutOfMemoryException(
                $"posix_memalign could not allocate {length} bytes aligned to {alignment}.",
                new ZeroCopyException("posix_memalign", Errno.ENOMEM));
        }

        NativeResult.Check(result, "posix_memalign");
        _pointer = (byte*)block;
        Length = length;
        Alignment = alignment;
        if (zeroFill)
        {
            new Span<byte>(_pointer, length).Clear();
        }
    }

    /// <summary>The length in bytes. Readable after Dispose.</summary>
    public int Length { get; }

    /// <summary>The alignment of <see cref="Pointer"/> in bytes. Readable after Dispose.</summary>
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

    /// <summary>Frees the memory (zcn_aligned_free), or defers the free until the last pin is released. Safe to call
    /// more than once; the memory is freed exactly once.</summary>
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
            Zcn.aligned_free(_pointer);
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
