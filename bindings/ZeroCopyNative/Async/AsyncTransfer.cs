using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// The asynchronous transfer behind every *Async method: the synchronous chain's steps and loops, with waits moved to
/// the <see cref="EventLoop"/>.
/// </summary>
/// <remarks>
/// <para>Two ways, by the ends' kinds. When an end can wait (a pipe or a socket, which must then be non-blocking),
/// the loops run without waiting and an EAGAIN parks the operation in the event loop (<see cref="AsyncPump"/>); no
/// thread is held while it waits. When neither end can wait (regular files, block and character devices), there is
/// no readiness to wait for: the synchronous chain runs in bounded chunks of <see cref="Chunk"/> bytes, yielding the
/// thread between chunks, so that cancellation is seen within one chunk and other work runs in between.</para>
/// <para>Every system call is made with the descriptors' reference counts held, and only then: a handle disposed
/// during a wait closes at once, and the operation ends with ObjectDisposedException.</para>
/// </remarks>
internal static class AsyncTransfer
{
    /// <summary>The most bytes moved between two looks at the cancellation token.</summary>
    public const long Chunk = 8L << 20;

    /// <summary>Whether a descriptor of this kind can answer EAGAIN and be waited for with epoll.</summary>
    public static bool CanWait(FdKind kind) => kind is FdKind.PIPE or FdKind.SOCKET or FdKind.UNKNOWN;

    /// <summary>Runs the transfer. Throws <see cref="TransferCanceledException"/> with the bytes moved when cancelled,
    /// and <see cref="ZeroCopyException"/> (with the bytes moved) when a call fails.</summary>
    /// <param name="source">The source handle, borrowed for each system call only.</param>
    /// <param name="sourceOffset">Where to read a file source, or null for its file position (then settled).</param>
    /// <param name="destination">The destination handle, borrowed for each system call only.</param>
    /// <param name="destinationOffset">Where to write a file destination, or null for its file position.</param>
    /// <param name="plan">The count, forced method, progress and hole handling.</param>
    /// <param name="spliceFlags">Flags added to every splice (SPLICE_F_MORE, ...).</param>
    /// <param name="exact">The public single-call methods (SpliceAsync, SendFileAsync): the forced
    /// method runs as asked, and the kernel alone judges the pair (no same-file check, no splice through a pipe, no
    /// file chunks through the chain).</param>
    /// <param name="cancellationToken">Seen between system calls and while waiting.</param>
    /// <exception cref="ArgumentException">A pipe or socket end is in blocking mode (thrown by this call, before any
    /// await).</exception>
    /// <exception cref="SameFileException">The same file on both ends, and the transfer could not end or its ranges
    /// overlap (thrown by this call).</exception>
    public static ValueTask<TransferEngine.Outcome> RunAsync(SafeHandle source, long? sourceOffset, SafeHandle destination,
                                                            long? destinationOffset, TransferPlan plan, SpliceFlags spliceFlags,
                                                            bool exact, CancellationToken cancellationToken)
    {
        // Everything that judges the arguments runs now, so that bad arguments throw from the call itself.
        var pump = new AsyncPump { Meter = new TransferMeter(plan.Progress), ExtraFlags = spliceFlags };
        using (DescriptorScope input = DescriptorScope.Borrow(source))
        using (DescriptorScope output = DescriptorScope.Borrow(destination))
        {
            pump.From = TransferEndpoint.Describe(input.Fd, sourceOffset);
            pump.To = TransferEndpoint.Describe(output.Fd, destinationOffset);
            if (!exact)
            {
                SameFileGuard.Check(in pump.From, in pump.To, in plan);
            }

            RequireNonBlocking(in pump.From, nameof(source));
            RequireNonBlocking(in pump.To, nameof(destination));
        }

        if (exact)
        {
            // The kernel judges an offset given for a pipe or socket (ESPIPE): pass it on as given.
            pump.ExplicitOffsets = true;
            pump.From.Offset = sourceOffset ?? pump.From.Offset;
            pump.To.Offset = destinationOffset ?? pump.To.Offset;
        }

        if (plan.Count == 0)
        {
            return new ValueTask<TransferEngine.Outcome>(new TransferEngine.Outcome(0, TransferMethod.None, 0));
        }

        if (!exact && !CanWait(pump.From.Kind) && !CanWait(pump.To.Kind))
        {
            return RunInChunksAsync(source, sourceOffset, destination, destinationOffset, plan, cancellationToken);
        }

        pump.ChooseFirstStep(plan.Method, exact);
        return PumpAsync(pump, source, destination, plan, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<TransferEngine.Outcome> PumpAsync(AsyncPump pump, SafeHandle source, SafeHandle destination,
                                                                    TransferPlan plan, CancellationToken cancellationToken)
    {
        var sourceEnd = new WaitableEnd(source);
        var destinationEnd = new WaitableEnd(destination);
        try
        {
            while (true)
            {
                long remaining = plan.Count - pump.Meter.Moved - pump.Pending;
                if (remaining <= 0 && pump.Pending == 0)
                {
                    break;
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    throw new TransferCanceledException(pump.Meter.Moved, pump.TakeUndelivered(), cancellationToken);
                }

                int sourceSeen = sourceEnd.Sequence(Interest.Read);
                int destinationSeen = destinationEnd.Sequence(Interest.Write);
                AsyncPump.Next next;
                LoopResult result;
                using (DescriptorScope input = DescriptorScope.Borrow(source))
                using (DescriptorScope output = DescriptorScope.Borrow(destination))
                {
                    pump.From.Fd = input.Fd;
                    pump.To.Fd = output.Fd;
                    next = pump.Attempt(Math.Min(remaining, Chunk), out result);
                }

                switch (next)
                {
                    case AsyncPump.Next.Ended:
                        if (pump.StepMoved == 0 && pump.Meter.Moved == 0 && pump.TryNextStep())
                        {
                            continue; // 0 bytes on the first call: the step is refused (files of /proc, for one)
                        }

                        return Finish(ref pump, source, destination);
                    case AsyncPump.Next.WaitSource:
                        await sourceEnd.WaitAsync(Interest.Read, sourceSeen, cancellationToken, destination).ConfigureAwait(false);
                        break;
                    case AsyncPump.Next.WaitDestination:
                        await destinationEnd.WaitAsync(Interest.Write, destinationSeen, cancellationToken, source).ConfigureAwait(false);
                        break;
                    case AsyncPump.Next.Failed:
                        TransferEngine.Remember(pump.Step, result.Error, in pump.From, in pump.To);
                        if (!TransferEngine.IsRefusal(result.Error, pump.StepMoved == 0) || !pump.TryNextStep())
                        {
                            throw new ZeroCopyException(TransferEngine.OperationOf(pump.Step, in result), result.Error,
                                                        pump.Meter.Moved);
                        }

                        break;
                }
            }

            return Finish(ref pump, source, destination);
        }
        catch (OperationCanceledException e) when (e is not TransferCanceledException)
        {
            throw new TransferCanceledException(pump.Meter.Moved, pump.TakeUndelivered(), cancellationToken);
        }
        finally
        {
            sourceEnd.Release();
            destinationEnd.Release();
            long undelivered = pump.Pending; // read, not delivered: dropped with the pooled pipe or buffer
            pump.Release();
            SettlePositions(in pump, undelivered, source, destination);
        }
    }

    /// <summary>A pipe or socket end must be non-blocking, or a call on it could hold the thread.</summary>
    private static void RequireNonBlocking(in TransferEndpoint end, string paramName) =>
        RequireNonBlocking(end.Kind, end.NonBlocking, paramName);

    /// <summary>Whether an end of this kind and mode would hold a thread in an asynchronous operation: it can wait (a
    /// pipe or socket) and is in blocking mode.</summary>
    public static bool WouldBlock(in FdInfo info) =>
        CanWait((FdKind)unchecked((uint)info.kind)) && (info.status_flags & (int)OpenFlags.NONBLOCK) == 0;

    /// <summary>Throws ArgumentException, naming <paramref name="paramName"/>, for a pipe or socket end in blocking
    /// mode.</summary>
    public static void RequireNonBlocking(FdKind kind, bool nonBlocking, string paramName)
    {
        if (CanWait(kind) && !nonBlocking)
        {
            throw new ArgumentException(
                $"An asynchronous transfer needs its {(kind == FdKind.SOCKET ? "socket" : "pipe")} ends in non-blocking " +
                "mode (O_NONBLOCK), or a call on them could hold a thread: open it non-blocking, create the Pipe with " +
                "nonBlocking: true (Pipe's own async methods switch it), or pass the Socket or NetworkStream, which the " +
                "runtime switches.", paramName);
        }
    }

    private static TransferEngine.Outcome Finish(ref AsyncPump pump, SafeHandle source, SafeHandle destination)
    {
        pump.Meter.Finish();
        return new TransferEngine.Outcome(pump.Meter.Moved, pump.Last == TransferMethod.None ? pump.Step : pump.Last, pump.Used);
    }

    /// <summary>Leaves the file positions where the synchronous transfer would: moved past the bytes moved, or back
    /// where they were when the caller gave an offset. A handle disposed meanwhile has no position to settle.</summary>
    /// <remarks>A transfer stopped by cancellation or a failure may have read bytes it never delivered
    /// (<paramref name="undelivered"/>, in the pooled pipe or the read/write buffer, both dropped): the source's offset
    /// is past them, so the position goes back by that many, to just after the bytes delivered, where a caller resuming
    /// from the position must start.</remarks>
    private static void SettlePositions(in AsyncPump pump, long undelivered, SafeHandle source, SafeHandle destination)
    {
        if (source.IsClosed || destination.IsClosed)
        {
            return;
        }

        try
        {
            using DescriptorScope input = DescriptorScope.Borrow(source);
            using DescriptorScope output = DescriptorScope.Borrow(destination);
            TransferEndpoint from = pump.From;
            from.Offset -= from.Seekable ? undelivered : 0;
            from.SettlePosition(asDestination: false);
            pump.To.SettlePosition(asDestination: true);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Neither end can wait: the synchronous chain, a chunk at a time, on the thread pool between chunks.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<TransferEngine.Outcome> RunInChunksAsync(SafeHandle source, long? sourceOffset,
                                                                           SafeHandle destination, long? destinationOffset,
                                                                           TransferPlan plan, CancellationToken cancellationToken)
    {
        long moved = 0;
        int used = 0;
        TransferMethod last = TransferMethod.None;
        TransferMethod firstStep = plan.FirstStep;
        ChunkProgress? progress = plan.Progress == null ? null : new ChunkProgress(plan.Progress);
        while (moved < plan.Count)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw new TransferCanceledException(moved, cancellationToken);
            }

            long chunk = Math.Min(plan.Count - moved, Chunk);
            progress?.StartChunk(moved);
            TransferEngine.Outcome outcome;
            try
            {
                outcome = ZeroCopy.TransferHandles(source, sourceOffset, destination, destinationOffset,
                                                   plan with { Count = chunk, FirstStep = firstStep, Progress = progress },
                                                   out long sourceEnd, out long destinationEnd);
                sourceOffset = sourceOffset.HasValue ? sourceEnd : null;
                destinationOffset = destinationOffset.HasValue && destinationEnd >= 0 ? destinationEnd : destinationOffset;
            }
            catch (ZeroCopyException e)
            {
                throw new ZeroCopyException(e.Operation, e.Errno, moved + e.BytesTransferred, e.Path);
            }

            moved += outcome.Bytes;
            used |= outcome.MethodsThatMovedBytes;
            if (outcome.Method != TransferMethod.None)
            {
                last = outcome.Method;
                firstStep = plan.Method == null ? outcome.Method : firstStep; // later chunks skip what was refused
            }

            if (outcome.Bytes < chunk)
            {
                break; // the source ended
            }

            await Task.Yield();
        }

        return new TransferEngine.Outcome(moved, last, used);
    }

    /// <summary>Reports the whole transfer's bytes while the chain reports each chunk's.</summary>
    private sealed class ChunkProgress(IProgress<long> inner) : IProgress<long>
    {
        private long _before;

        public void StartChunk(long before) => _before = before;

        public void Report(long value) => inner.Report(_before + value);
    }
}
