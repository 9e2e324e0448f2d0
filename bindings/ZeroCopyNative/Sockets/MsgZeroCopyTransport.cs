using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// MSG_ZEROCOPY (Linux 4.14): SO_ZEROCOPY on the socket, send(2) with MSG_ZEROCOPY for zero-copy sends, and the
/// completions read from the socket's error queue with recvmsg(MSG_ERRQUEUE) when the event loop reports EPOLLERR.
/// </summary>
/// <remarks>
/// <para>Numbering: the kernel numbers a socket's successful MSG_ZEROCOPY send calls 0, 1, 2, ... (a 32-bit counter;
/// a call that fails takes no number) and reports completions as ranges of those numbers. Each call that sends is
/// recorded here under the number it took, with its lease and byte count; the lock is held across the call and its
/// record, so a completion (read on another thread) always finds the record. The numbering is per socket and
/// survives the sender: <see cref="SocketNumbering"/> carries it from one sender of a socket to the next.</para>
/// <para>Waiting: the sends wait for <see cref="Interest.Write"/>; one completion reader (the pump, started by the
/// first zero-copy send and living until <see cref="Close"/>) waits for <see cref="Interest.ErrorQueue"/>. Both use
/// one <see cref="WaitableEnd"/>, with the socket's reference count held only during each system call.</para>
/// </remarks>
internal sealed class MsgZeroCopyTransport : ZeroCopyTransport
{
    private const int BatchSize = 16;

    private readonly SafeHandle _handle;
    private readonly IZeroCopyCompletionSink _sink;
    private readonly bool _waitForRoom;
    private readonly bool _available;
    private readonly SocketNumbering _numbering;

    // The table of zero-copy calls awaiting completion, by number: the slot of number n is _parts[n & (length - 1)];
    // numbers _head.._next-1 are recorded (a completed one leaves an empty slot until _head passes it).
    private readonly object _gate = new();
    private Part[] _parts = new Part[64];
    private uint _head;
    private uint _next;
    private int _outstanding;
    private long _pendingBytes;
    private bool _pumping;
    private bool _closing;
    private bool _ended;
    private TaskCompletionSource? _drained;
    private TaskCompletionSource? _progress;
    private int _polledSequence = -1;

    // The event-loop registration: created by the first wait of either side, so guarded.
    private readonly object _endGate = new();
    private WaitableEnd _end;
    private readonly CancellationTokenSource _stopPump = new();
    private readonly TaskCompletionSource _endedTask = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private MsgZeroCopyTransport(SafeHandle handle, IZeroCopyCompletionSink sink, bool waitForRoom, bool available,
                                 SocketNumbering numbering)
    {
        _handle = handle;
        _sink = sink;
        _waitForRoom = waitForRoom;
        _available = available;
        _numbering = numbering;
        _head = _next = numbering.Next;
        _end = new WaitableEnd(handle);
    }

    /// <summary>The errno with which the socket refused SO_ZEROCOPY (EOPNOTSUPP for a Unix socket), or 0.</summary>
    public Errno Refusal { get; private init; }

    /// <inheritdoc/>
    public override bool ZeroCopyAvailable => _available;

    /// <inheritdoc/>
    public override int OutstandingCompletions => Volatile.Read(ref _outstanding);

    /// <inheritdoc/>
    public override long PendingBytes => Volatile.Read(ref _pendingBytes);

    /// <summary>
    /// Turns SO_ZEROCOPY on for the socket behind <paramref name="handle"/> and takes over its numbering. A socket that
    /// refuses it (EOPNOTSUPP: a Unix socket; ENOPROTOOPT: a kernel before 4.14) gets a transport that sends plainly.
    /// </summary>
    /// <param name="handle">The socket's handle.</param>
    /// <param name="sink">Told of completions; releases leases.</param>
    /// <param name="waitForRoom">On ENOBUFS (too many sends awaiting completion), wait for completions and send
    /// zero-copy again (true), or send the rest of that buffer plainly (false).</param>
    /// <exception cref="ObjectDisposedException">The socket is closed.</exception>
    /// <exception cref="InvalidOperationException">Another sender still uses the socket.</exception>
    /// <exception cref="ZeroCopyException">setsockopt failed otherwise.</exception>
    public static MsgZeroCopyTransport Create(SafeHandle handle, IZeroCopyCompletionSink sink, bool waitForRoom)
    {
        int result;
        using (DescriptorScope scope = DescriptorScope.Borrow(handle))
        {
            result = Zcn.socket_set_zerocopy(scope.Fd, 1);
        }

        Errno refusal = result < 0 ? NativeResult.ErrnoOf(result) : 0;
        if (refusal is not (0 or Errno.EOPNOTSUPP or Errno.ENOPROTOOPT))
        {
            throw new ZeroCopyException("setsockopt(SO_ZEROCOPY)", refusal);
        }

        SocketNumbering numbering = SocketNumbering.Acquire(handle);
        return new MsgZeroCopyTransport(handle, sink, waitForRoom, refusal == 0, numbering) { Refusal = refusal };
    }

    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask SendAsync(SendLease lease, bool zeroCopy, CancellationToken cancellationToken)
    {
        zeroCopy &= _available;
        while (lease.Sent < lease.Length)
        {
            int seen = _end.Sequence(Interest.Write);
            LoopResult result = zeroCopy ? SendZeroCopyOnce(lease) : SendPlain(lease);
            if (result.Ended)
            {
                throw new ZeroCopyException("send", Errno.EIO, lease.Sent, null, "the kernel took no byte of a non-empty buffer");
            }

            if (!result.Failed)
            {
                continue;
            }

            if (result.Error == Errno.EAGAIN)
            {
                await WaitAsync(Interest.Write, seen, cancellationToken).ConfigureAwait(false);
            }
            else if (result.Error == Errno.ENOBUFS && zeroCopy)
            {
                // The kernel cannot record another send awaiting completion (net.core.optmem_max): wait for
                // completions to free room, or send the rest plainly.
                Task? progress = _waitForRoom ? NextProgress() : null;
                if (progress != null)
                {
                    await progress.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                else if (_waitForRoom)
                {
                    throw new ZeroCopyException("send", result.Error, lease.Sent);
                }
                else
                {
                    zeroCopy = false;
                }
            }
            else
            {
                throw new ZeroCopyException("send", result.Error, lease.Sent);
            }
        }
    }

    /// <inheritdoc/>
    public override void EndSend(SendLease lease)
    {
        bool release;
        lock (_gate)
        {
            lease.Sending = false;
            release = lease.PendingParts == 0;
        }

        if (release)
        {
            lease.NextReleased = null;
            _sink.Release(lease);
        }
    }

    /// <inheritdoc/>
    public override void PollCompletions()
    {
        if (Volatile.Read(ref _outstanding) == 0)
        {
            return;
        }

        // Only after a new EPOLLERR edge (or before the first wait, when there is no registration to tell).
        int sequence = _end.Sequence(Interest.ErrorQueue);
        if (sequence >= 0 && sequence == Volatile.Read(ref _polledSequence))
        {
            return;
        }

        SendLease? released;
        TaskCompletionSource? drained, progress;
        lock (_gate)
        {
            _polledSequence = sequence;
            released = HarvestLocked(out drained, out progress);
        }

        Signal(drained, progress);
        _sink.Release(released);
    }

    /// <inheritdoc/>
    public override Task WhenDrained()
    {
        lock (_gate)
        {
            if (_outstanding == 0)
            {
                return Task.CompletedTask;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task;
        }
    }

    /// <inheritdoc/>
    public override Task Close()
    {
        bool endNow;
        lock (_gate)
        {
            if (_closing)
            {
                return _endedTask.Task;
            }

            _closing = true;
            endNow = !_pumping;
            if (_pumping && _outstanding == 0)
            {
                _stopPump.Cancel(); // the pump ends its registration as it leaves
            }
        }

        if (endNow)
        {
            End();
        }

        return _endedTask.Task;
    }

    private unsafe LoopResult SendPlain(SendLease lease)
    {
        using DescriptorScope scope = DescriptorScope.Borrow(_handle);
        LoopResult result = SendLoop.Run(scope.Fd, lease.Data + lease.Sent, lease.Length - lease.Sent, SendFlags.MSG_NONE);
        lease.Sent += result.Moved;
        lease.PlainSent += result.Moved;
        return result;
    }

    /// <summary>One MSG_ZEROCOPY call, recorded under the number it took before any completion can be read.</summary>
    private unsafe LoopResult SendZeroCopyOnce(SendLease lease)
    {
        LoopResult result;
        bool startPump = false;
        lock (_gate)
        {
            using DescriptorScope scope = DescriptorScope.Borrow(_handle);
            result = SendLoop.Once(scope.Fd, lease.Data + lease.Sent, lease.Length - lease.Sent, SendFlags.MSG_ZEROCOPY);
            if (result.Moved > 0)
            {
                Record(lease, result.Moved);
                startPump = !_pumping;
                _pumping = true;
            }
        }

        lease.Sent += result.Moved;
        if (startPump)
        {
            StartPump();
        }

        return result;
    }

    private void Record(SendLease lease, long bytes)
    {
        if (_next - _head == (uint)_parts.Length)
        {
            var grown = new Part[_parts.Length * 2];
            for (uint n = _head; n != _next; n++)
            {
                grown[n & (uint)(grown.Length - 1)] = _parts[n & (uint)(_parts.Length - 1)];
            }

            _parts = grown;
        }

        _parts[_next & (uint)(_parts.Length - 1)] = new Part(lease, bytes);
        _next++;
        _outstanding++;
        _pendingBytes += bytes;
        lease.PendingParts++;
    }

    /// <summary>Reads every completion that has arrived (under the lock); returns the leases now free.</summary>
    /// <exception cref="ObjectDisposedException">The socket was closed.</exception>
    /// <exception cref="ZeroCopyException">recvmsg failed with another errno than EAGAIN.</exception>
    private unsafe SendLease? HarvestLocked(out TaskCompletionSource? drained, out TaskCompletionSource? progress)
    {
        SendLease? released = null;
        int before = _outstanding;
        ZeroCopyRange* ranges = stackalloc ZeroCopyRange[BatchSize];
        while (_outstanding > 0)
        {
            int count;
            using (DescriptorScope scope = DescriptorScope.Borrow(_handle))
            {
                count = Zcn.zerocopy_completions(scope.Fd, ranges, BatchSize);
            }

            if (count < 0)
            {
                Errno error = NativeResult.ErrnoOf(count);
                if (error == Errno.EAGAIN)
                {
                    break;
                }

                throw new ZeroCopyException("recvmsg(MSG_ERRQUEUE)", error);
            }

            for (int i = 0; i < count; i++)
            {
                Complete(ranges[i], ref released);
            }

            if (count < BatchSize)
            {
                break; // the library stopped at an empty queue
            }
        }

        TakeSignals(before, out drained, out progress);
        return released;
    }

    private void Complete(in ZeroCopyRange range, ref SendLease? released)
    {
        bool copied = ((ZeroCopyCode)range.code & ZeroCopyCode.COPIED) != 0;
        uint first = range.first;
        uint span = range.last - first; // the range holds span + 1 numbers, counted modulo 2^32
        uint window = _next - _head;
        if (span < window)
        {
            for (uint k = 0; ; k++)
            {
                CompleteOne(first + k, copied, ref released);
                if (k == span)
                {
                    break;
                }
            }
        }
        else
        {
            for (uint n = _head; n != _next; n++)
            {
                if (n - first <= span)
                {
                    CompleteOne(n, copied, ref released);
                }
            }
        }

        while (_head != _next && _parts[_head & (uint)(_parts.Length - 1)].Lease == null)
        {
            _head++;
        }
    }

    private void CompleteOne(uint number, bool copied, ref SendLease? released)
    {
        if (number - _head >= _next - _head)
        {
            return; // not ours: before this sender, or never sent
        }

        ref Part part = ref _parts[number & (uint)(_parts.Length - 1)];
        SendLease? lease = part.Lease;
        if (lease == null)
        {
            return; // reported twice
        }

        long bytes = part.Bytes;
        part = default;
        _outstanding--;
        _pendingBytes -= bytes;
        _sink.OnPartCompleted(bytes, copied);
        if (--lease.PendingParts == 0 && !lease.Sending)
        {
            lease.NextReleased = released;
            released = lease;
        }
    }

    /// <summary>Gives up every outstanding call (under the lock): the socket is closed, so no completion can be read
    /// any more. The kernel may still hold the pages of an unsent tail; nothing can tell when it lets them go.</summary>
    private SendLease? AbandonLocked(out TaskCompletionSource? drained, out TaskCompletionSource? progress)
    {
        SendLease? released = null;
        int before = _outstanding;
        for (uint n = _head; n != _next; n++)
        {
            ref Part part = ref _parts[n & (uint)(_parts.Length - 1)];
            if (part.Lease is SendLease lease)
            {
                _sink.OnPartAbandoned(part.Bytes);
                part = default;
                if (--lease.PendingParts == 0 && !lease.Sending)
                {
                    lease.NextReleased = released;
                    released = lease;
                }
            }
        }

        _head = _next;
        _outstanding = 0;
        _pendingBytes = 0;
        TakeSignals(before, out drained, out progress);
        return released;
    }

    private void TakeSignals(int before, out TaskCompletionSource? drained, out TaskCompletionSource? progress)
    {
        progress = null;
        drained = null;
        if (_outstanding < before)
        {
            progress = _progress;
            _progress = null;
        }

        if (_outstanding == 0)
        {
            drained = _drained;
            _drained = null;
        }
    }

    private static void Signal(TaskCompletionSource? drained, TaskCompletionSource? progress)
    {
        progress?.TrySetResult();
        drained?.TrySetResult();
    }

    /// <summary>Completes when the next completion has been read; null when none is outstanding.</summary>
    private Task? NextProgress()
    {
        lock (_gate)
        {
            if (_outstanding == 0)
            {
                return null;
            }

            _progress ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _progress.Task;
        }
    }

    private ValueTask WaitAsync(Interest interest, int seen, CancellationToken cancellationToken)
    {
        lock (_endGate)
        {
            return _end.WaitAsync(interest, seen, cancellationToken);
        }
    }

    private void StartPump()
    {
        // The pump outlives the send that started it: it must not carry that caller's execution context.
        using (ExecutionContext.SuppressFlow())
        {
            _ = PumpAsync();
        }
    }

    /// <summary>The completion reader: reads what has arrived, then waits for the next EPOLLERR edge, until the
    /// transport closes with nothing outstanding, or the socket closes.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PumpAsync()
    {
        CancellationToken stop = _stopPump.Token;
        while (true)
        {
            int seen = _end.Sequence(Interest.ErrorQueue);
            SendLease? released;
            TaskCompletionSource? drained, progress;
            bool leave;
            try
            {
                lock (_gate)
                {
                    // Closed with nothing outstanding: nothing more is this transport's to read (a next sender on the
                    // socket may already be sending), so it leaves without reading.
                    if (_closing && _outstanding == 0)
                    {
                        released = null;
                        drained = progress = null;
                    }
                    else
                    {
                        released = HarvestLocked(out drained, out progress);
                    }

                    leave = _closing && _outstanding == 0;
                    if (leave)
                    {
                        _pumping = false;
                    }
                }
            }
            catch (Exception e) when (e is ObjectDisposedException or ZeroCopyException)
            {
                LeaveAbandoned();
                return;
            }

            Signal(drained, progress);
            _sink.Release(released);
            if (leave)
            {
                End();
                return;
            }

            try
            {
                // Close cancels the token only when nothing is outstanding, and no send starts after Close: the next
                // round leaves.
                await WaitAsync(Interest.ErrorQueue, seen, stop).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                LeaveAbandoned();
                return;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>The socket closed under the pump: every outstanding call is abandoned and the transport ends.</summary>
    private void LeaveAbandoned()
    {
        SendLease? released;
        TaskCompletionSource? drained, progress;
        lock (_gate)
        {
            released = AbandonLocked(out drained, out progress);
            _pumping = false;
            _closing = true;
        }

        Signal(drained, progress);
        _sink.Release(released);
        End();
    }

    /// <summary>Releases the event-loop registration and hands the socket's numbering to its next sender; once.</summary>
    private void End()
    {
        lock (_gate)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
        }

        lock (_endGate)
        {
            _end.Release();
        }

        _numbering.Return(_next);
        _stopPump.Dispose();
        _endedTask.TrySetResult();
    }

    private readonly struct Part(SendLease lease, long bytes)
    {
        public readonly SendLease? Lease = lease;
        public readonly long Bytes = bytes;
    }

    /// <summary>
    /// A socket's MSG_ZEROCOPY numbering, carried from one sender to the next: the kernel's counter belongs to the
    /// socket and keeps counting after a sender is disposed. One sender uses a socket at a time.
    /// </summary>
    internal sealed class SocketNumbering
    {
        private static readonly ConditionalWeakTable<SafeHandle, SocketNumbering> s_bySocket = new();

        private bool _inUse;

        /// <summary>The number the socket's next MSG_ZEROCOPY call will take.</summary>
        public uint Next { get; private set; }

        /// <summary>Takes the numbering of <paramref name="handle"/>'s socket for a new sender.</summary>
        /// <exception cref="InvalidOperationException">Another sender still uses the socket (or still waits for the
        /// completions of its sends).</exception>
        public static SocketNumbering Acquire(SafeHandle handle)
        {
            SocketNumbering numbering = s_bySocket.GetValue(handle, static _ => new SocketNumbering());
            lock (numbering)
            {
                if (numbering._inUse)
                {
                    throw new InvalidOperationException(
                        "Another ZeroCopySender uses this socket, or still waits for the completions of its sends: " +
                        "a socket has one sender at a time.");
                }

                numbering._inUse = true;
                return numbering;
            }
        }

        /// <summary>Gives the numbering back, with the number the next call will take.</summary>
        public void Return(uint next)
        {
            lock (this)
            {
                Next = next;
                _inUse = false;
            }
        }
    }
}
