using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace ZeroCopyNative;

/// <summary>
/// Memory for <see cref="ZeroCopySender"/> that the library takes out of the caller's reach when it is sent: from the
/// moment it is handed to <see cref="ZeroCopySender.SendAsync(IMemoryOwner{byte}, CancellationToken)"/>, every
/// <see cref="Memory{T}"/> and <see cref="Span{T}"/> access to it throws, until the kernel has reported that it no
/// longer uses the pages and the sender has returned the buffer to its pool. So nothing can change the bytes a
/// zero-copy send is still sending, by construction.
/// </summary>
/// <remarks>
/// <para>Lifetime: <see cref="Rent"/> a buffer, fill it through <see cref="MemoryManager{T}.Memory"/> or <see cref="GetSpan"/>, hand it
/// to the sender, and forget it: the sender returns it to the pool after its completion. A buffer that is not sent
/// goes back with <see cref="IDisposable.Dispose"/>; disposing one that was handed over does nothing (the sender returns it).</para>
/// <para>A <see cref="Memory{T}"/> over the buffer reads the buffer's state on every <see cref="Memory{T}.Span"/>, so
/// one kept from before the hand-over throws too. What the guard cannot reach is a raw pointer taken from a pin made
/// before the hand-over, or a span kept in a local from before it: do not keep either across the send. Once the
/// buffer is back in the pool and rented again, old <see cref="Memory{T}"/> values reach the new holder's bytes, as
/// with any pool: drop them when you hand the buffer over.</para>
/// <para>The memory is on the pinned object heap (the garbage collector never moves it), is not zeroed when rented,
/// and is pooled by size (powers of two from 4 KiB to 16 MiB; longer buffers are not pooled).</para>
/// </remarks>
public sealed class ZeroCopyBuffer : MemoryManager<byte>
{
    private const int StateRented = 0;
    private const int StateHandedOver = 1;
    private const int StateReturned = 2;

    private readonly byte[] _array;
    private int _length;
    private int _state;

    private ZeroCopyBuffer(byte[] array)
    {
        _array = array;
        _state = StateReturned;
    }

    /// <summary>The length of the buffer in bytes: the length asked of <see cref="Rent"/>.</summary>
    public int Length => _length;

    /// <summary>The buffer's capacity: the pooled size it was cut from (at least <see cref="Length"/>).</summary>
    internal int Capacity => _array.Length;

    /// <summary>
    /// Rents a buffer of exactly <paramref name="length"/> bytes from the shared pool (allocated on the pinned object
    /// heap when the pool has none of that size). Its content is whatever its previous holder left.
    /// </summary>
    /// <param name="length">The length in bytes, at least 1.</param>
    /// <returns>A buffer held by the caller until it is sent or disposed.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is 0 or negative, or above
    /// <see cref="Array.MaxLength"/>.</exception>
    public static ZeroCopyBuffer Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Array.MaxLength);
        ZeroCopyBuffer buffer = ZeroCopyBufferPool.Take(length)
                                ?? new ZeroCopyBuffer(GC.AllocateUninitializedArray<byte>(ZeroCopyBufferPool.CapacityFor(length), pinned: true));
        buffer._length = length;
        Volatile.Write(ref buffer._state, StateRented);
        return buffer;
    }

    /// <summary>The buffer's bytes, while the caller holds it.</summary>
    /// <returns>A span of <see cref="Length"/> bytes.</returns>
    /// <exception cref="InvalidOperationException">The buffer was handed to a <see cref="ZeroCopySender"/>.</exception>
    /// <exception cref="ObjectDisposedException">The buffer was disposed, or returned to the pool by the sender.</exception>
    public override Span<byte> GetSpan()
    {
        ThrowIfNotHeld();
        return new Span<byte>(_array, 0, _length);
    }

    /// <summary>Pins the buffer (it never moves: the pin only checks that the caller still holds it).</summary>
    /// <param name="elementIndex">The offset of the pointer, in bytes.</param>
    /// <returns>A handle whose pointer is <paramref name="elementIndex"/> bytes into the buffer.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="elementIndex"/> is outside the buffer.</exception>
    /// <exception cref="InvalidOperationException">The buffer was handed to a <see cref="ZeroCopySender"/>.</exception>
    /// <exception cref="ObjectDisposedException">The buffer was disposed, or returned to the pool by the sender.</exception>
    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        ThrowIfNotHeld();
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        return new MemoryHandle(Pointer + elementIndex);
    }

    /// <summary>Does nothing: the buffer is on the pinned object heap.</summary>
    public override void Unpin()
    {
    }

    /// <summary>The start of the array's data; stable, because the array is on the pinned object heap.</summary>
    internal unsafe byte* Pointer => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));

    /// <summary>Takes the buffer from its holder for a send: from now on every access throws. False when the caller did
    /// not hold it (already handed over, or returned).</summary>
    internal bool TryHandOver() => Interlocked.CompareExchange(ref _state, StateHandedOver, StateRented) == StateRented;

    /// <summary>Gives a handed-over buffer back to the pool; the sender calls it once, after the buffer's
    /// completion.</summary>
    internal void Return()
    {
        if (Interlocked.CompareExchange(ref _state, StateReturned, StateHandedOver) == StateHandedOver)
        {
            ZeroCopyBufferPool.Give(this);
        }
    }

    /// <summary>Returns a buffer the caller still holds to the pool; does nothing for one handed to a sender (the
    /// sender returns it after its completion) or already returned.</summary>
    /// <param name="disposing">True from <see cref="IDisposable.Dispose"/>.</param>
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.CompareExchange(ref _state, StateReturned, StateRented) == StateRented)
        {
            ZeroCopyBufferPool.Give(this);
        }
    }

    private void ThrowIfNotHeld()
    {
        int state = Volatile.Read(ref _state);
        if (state == StateHandedOver)
        {
            throw new InvalidOperationException(
                "The ZeroCopyBuffer was handed to a ZeroCopySender: the kernel may still be sending from it, and the " +
                "sender returns it to the pool once its completion has arrived. Rent another buffer.");
        }

        ObjectDisposedException.ThrowIf(state == StateReturned, this);
    }
}
