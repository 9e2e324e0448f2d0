using System;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

public sealed partial class Pipe
{
    /// <summary>
    /// Hands the first <paramref name="length"/> bytes of a library-owned lease to the pipe with vmsplice(2): the pipe
    /// references the lease's pages instead of copying them. Loops until all bytes are in, waiting (in the kernel, or
    /// with poll(2) for a non-blocking pipe) while the pipe is full.
    /// </summary>
    /// <remarks>
    /// From the first byte spliced, the lease is locked until the pipe has drained it, so nothing the process does
    /// through the lease changes what the reader receives (see <see cref="PipeBuffer"/>). When every byte leaves the
    /// pipe through a copy (<see cref="Read"/>, <see cref="SpliceTo"/> into a regular file or /dev/null), the lease
    /// costs nothing more: it unlocks on the pipe's own byte counts and keeps its pages. When bytes may leave without
    /// a copy (<see cref="MayForwardPages"/>), its pages are replaced with fresh ones right after the splice (mmap
    /// MAP_FIXED, one page fault per page or per huge page when next written), and it holds zeros once unlocked.
    /// With nobody reading, a length above the free capacity waits for a reader. To get leases in turn, waiting for
    /// each to drain, use <see cref="PipeBufferRing"/>.
    /// </remarks>
    /// <param name="buffer">A lease from <see cref="PipeBuffer.Rent(int)"/>, not locked.</param>
    /// <param name="length">The bytes to hand over, from the start of the lease.</param>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative or above the lease's length.</exception>
    /// <exception cref="ObjectDisposedException">The pipe, its write end, or the lease is disposed.</exception>
    /// <exception cref="InvalidOperationException">The lease is locked: spliced before and not yet drained.</exception>
    /// <exception cref="ZeroCopyException">vmsplice failed: EPIPE (the read end is closed), ENOMEM; or mmap failed
    /// when replacing the pages; or ioctl(FIONREAD) failed while checking a drain. <see cref="ZeroCopyException.BytesTransferred"/> holds the bytes handed over.</exception>
    public unsafe void VmSplice(PipeBuffer buffer, int length)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, buffer.Length);
        ObjectDisposedException.ThrowIf(_disposed, this);
        buffer.ThrowIfUnusable();
        if (length == 0)
        {
            return;
        }

        using DescriptorScope output = EnterEnd(_writer);
        LockLease(buffer);
        long spliced = 0;
        try
        {
            lock (_writeGate)
            {
                LoopResult result = VmSpliceLoop.Run(output.Fd, buffer.Address, length);
                spliced = result.Moved;
                AddWritten(spliced);
                _ = result.ThrowIfFailed("vmsplice");
            }
        }
        finally
        {
            SettleLease(buffer, spliced);
        }
    }

    /// <summary>
    /// Hands caller memory to the pipe with vmsplice(2), without a copy and without any protection. Loops until all
    /// bytes are in, waiting while the pipe is full.
    /// </summary>
    /// <remarks>
    /// <b>Hazard.</b> The pipe keeps references to the pages of <paramref name="data"/> until its reader consumes them,
    /// and a socket or another pipe that receives them by splice or tee keeps them even longer. Until then the memory
    /// must stay allocated and unchanged: if it is modified, the reader receives the modified bytes; if it is freed and
    /// reused (a pooled array, a stack buffer, memory the GC moved or collected), the reader receives whatever the memory
    /// holds by then, which can leak unrelated data (compare nix#2633). Pin managed memory for at least as long, or use
    /// <see cref="VmSplice(PipeBuffer, int)"/>, which makes these mistakes impossible.
    /// </remarks>
    /// <param name="data">The bytes; see the hazard above.</param>
    /// <exception cref="ObjectDisposedException">The pipe or its write end is disposed.</exception>
    /// <exception cref="ZeroCopyException">vmsplice failed: EPIPE, EFAULT, ENOMEM; <see cref="ZeroCopyException.BytesTransferred"/>
    /// holds the bytes handed over.</exception>
    public unsafe void VmSpliceUnsafe(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (data.IsEmpty)
        {
            return;
        }

        using DescriptorScope output = EnterEnd(_writer);
        lock (_writeGate)
        {
            fixed (byte* start = data)
            {
                LoopResult result = VmSpliceLoop.Run(output.Fd, start, data.Length);
                AddWritten(result.Moved);
                _ = result.ThrowIfFailed("vmsplice");
            }
        }
    }
}
