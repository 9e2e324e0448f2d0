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
/// <para>Who reads the completions: while a send runs, the send itself, before each call and after each wait (EPOLLERR
/// also wakes a writer, so a send waiting for room wakes for completions too). Between sends, the pump: a loop, started
/// by the first zero-copy send, that reads what has arrived and waits for <see cref="Interest.ErrorQueue"/>, built on
/// one cached continuation so that it allocates nothing however often it stops and starts. It stops when an edge finds
/// a send running (the send reads instead, and starts it again when it ends), so steady zero-copy sending costs no
/// second thread's wake-up per completion; while the path copies and every send is plain, no edge comes and the pump
/// stays parked at no cost. Both wait on one <see cref="WaitableEnd"/>, with the socket's reference count held only
/// during each system call.</para>
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
    private bool _sending;
    private PumpState _pump;
    private bool _closing;
    private bool _ended;
    private TaskCompletionSource? _drained;
    private int _releasing; // lists of leases taken out under the lock and not yet released: drain waits for them
    private int _polledSequence = -1;

    // The event-loop registration: created by the first wait of either side, so guarded.
    private readonly object _endGate = new();
    private WaitableEnd _end;
    private readonly CancellationTokenSource _stopPump = new();
    private readonly TaskCompletionSource _endedTask = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action _pumpResume;
    private ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter _pumpWait;

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
        _pumpResume = ResumePump;
    }

    private enum PumpState
    {
        /// <summary>Not running: never started (no zero-copy send yet), or the socket closed under it.</summary>
        Idle,

        /// <summary>Reading completions, on some thread.</summary>
        Running,

        /// <summary>Waiting for an EPOLLERR edge.</summary>
        Parked,

        /// <summary>Stopped because a send runs; the send's end starts it again.</summary>
        Suspended,
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
        lock (_gate)
        {
            _sending = true; // the pump stops at its next round: this send reads the completions meanwhile
        }

        zeroCopy &= _available;
        while (lease.Sent < lease.Length)
        {
            PollCompletions();
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
                // The kernel cannot record another send awaiting completion (net.core.optmem_max). Forced: wait for a
                // completion to free room (EPOLLERR wakes a writer too), then read it and try again. Adaptive: send the
                // rest of the buffer plainly.
                if (!_waitForRoom)
                {
                    zeroCopy = false;
                }
                else if (Volatile.Read(ref _outstanding) > 0)
                {
                    await WaitAsync(Interest.Write, seen, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    throw new ZeroCopyException("send", result.Error, lease.Sent);
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
        bool release, resume;
        lock (_gate)
        {
            lease.Sending = false;
            release = lease.PendingParts == 0;
            if (release)
            {
                _releasing++;
            }

            _sending = false;
            // Completions still to come are the pump's now: it goes back to waiting for them (a pump stopped by this
            // send), or starts when this send left the first of them outstanding.
            resume = !_ended && (_pump == PumpState.Suspended || (_pump == PumpState.Idle && _outstanding > 0));
            if (resume)
            {
                _pump = PumpState.Running;
            }
        }

        if (release)
        {
            lease.NextReleased = null;
            Release(lease);
        }

        if (resume)
        {
            RunPump();
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
        TaskCompletionSource? drained;
        lock (_gate)
        {
            _polledSequence = sequence;
            released = HarvestLocked(out drained);
        }

        Release(released);
        drained?.TrySetResult();
    }

    /// <inheritdoc/>
    public override Task WhenDrained()
    {
        lock (_gate)
        {
            if (_outstanding == 0 && _releasing == 0)
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
            // A running pump sees the flag; a parked one is woken to leave when nothing is outstanding, and leaves by
            // itself when the last completion arrives otherwise.
            endNow = _pump is PumpState.Idle or PumpState.Suspended;
            if (endNow)
            {
                _pump = PumpState.Idle;
            }
            else if (_pump == PumpState.Parked && _outstanding == 0)
            {
                _stopPump.Cancel();
            }
        }

        if (endNow)
        {
            if (Volatile.Read(ref _outstanding) > 0)
            {
                // Nothing reads the remaining completions yet (no send ended to start the pump): start it.
                lock (_gate)
                {
                    _pump = PumpState.Running;
                }

                RunPump();
            }
            else
            {
                End();
            }
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
        lock (_gate)
        {
            using DescriptorScope scope = DescriptorScope.Borrow(_handle);
            result = SendLoop.Once(scope.Fd, lease.Data + lease.Sent, lease.Length - lease.Sent, SendFlags.MSG_ZEROCOPY);
            if (result.Moved > 0)
            {
                Record(lease, result.Moved);
            }
        }

        lease.Sent += result.Moved;
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
    private unsafe SendLease? HarvestLocked(out TaskCompletionSource? drained)
    {
        SendLease? released = null;
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

        if (released != null)
        {
            _releasing++;
        }

        drained = TakeDrained();
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
    private SendLease? AbandonLocked(out TaskCompletionSource? drained)
    {
        SendLease? released = null;
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
        if (released != null)
        {
            _releasing++;
        }

        drained = TakeDrained();
        return released;
    }

    private TaskCompletionSource? TakeDrained()
    {
        if (_outstanding != 0 || _releasing != 0)
        {
            return null;
        }

        TaskCompletionSource? drained = _drained;
        _drained = null;
        return drained;
    }

    /// <summary>Releases a list of leases taken out under the lock (counted in <see cref="_releasing"/> there), then
    /// signals drain if nothing is outstanding and no other list is still being released: a drained transport has
    /// released every owner, so WaitForCompletionsAsync never completes while an owner's release is still running
    /// on another thread.</summary>
    private void Release(SendLease? released)
    {
        if (released == null)
        {
            return;
        }

        try
        {
            _sink.Release(released);
        }
        finally
        {
            TaskCompletionSource? drained;
            lock (_gate)
            {
                _releasing--;
                drained = TakeDrained();
            }

            drained?.TrySetResult();
        }
    }

    private ValueTask WaitAsync(Interest interest, int seen, CancellationToken cancellationToken)
    {
        lock (_endGate)
        {
            return _end.WaitAsync(interest, seen, cancellationToken);
        }
    }

    /// <summary>The pump, from where it is told to run (state already Running): reads what has arrived, then waits
    /// for the next EPOLLERR edge, until nothing is outstanding, a send starts, the transport closes or the socket
    /// closes. Never throws: it runs on the event loop's continuations, where an exception would end the process.</summary>
    private void RunPump()
    {
        try
        {
            PumpRounds();
        }
        catch (ObjectDisposedException)
        {
            LeaveAbandoned();
        }
        catch (Exception e) when (e is ZeroCopyException or InvalidOperationException)
        {
            // recvmsg failed with an unexpected errno, or another operation waits on the socket's error queue: the
            // completions cannot be tracked, so the outstanding buffers are given up as if the socket had closed.
            LeaveAbandoned();
        }
    }

    private void PumpRounds()
    {
        CancellationToken stop = _stopPump.Token;
        while (true)
        {
            int seen = _end.Sequence(Interest.ErrorQueue);
            SendLease? released = null;
            TaskCompletionSource? drained = null;
            bool leave = false, suspend = false;
            lock (_gate)
            {
                if (!(_closing && _outstanding == 0))
                {
                    released = HarvestLocked(out drained);
                }

                if (_closing && _outstanding == 0)
                {
                    leave = true;
                    _pump = PumpState.Idle;
                }
                else if (_sending)
                {
                    // A send reads the completions while it runs, and starts the pump again when it ends.
                    suspend = true;
                    _pump = PumpState.Suspended;
                }
                else
                {
                    // Parked also with nothing outstanding: a parked waiter costs nothing until an EPOLLERR edge, and
                    // no edge comes while nothing is outstanding; the sends that follow then find the pump waiting
                    // instead of starting it each time.
                    _pump = PumpState.Parked;
                }
            }

            Release(released);
            drained?.TrySetResult();
            if (leave)
            {
                End();
                return;
            }

            if (suspend)
            {
                return;
            }

            // Not on the caller's synchronisation context or scheduler: the continuation runs where the waiter
            // completes it (the thread pool), and nothing is captured or allocated.
            ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter wait =
                WaitAsync(Interest.ErrorQueue, seen, stop).ConfigureAwait(false).GetAwaiter();
            if (!wait.IsCompleted)
            {
                _pumpWait = wait;
                _pumpWait.UnsafeOnCompleted(_pumpResume);
                return;
            }

            FinishWait(wait, stop);
        }
    }

    /// <summary>The pump's continuation after a wait (on the thread pool).</summary>
    private void ResumePump()
    {
        ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter wait = _pumpWait;
        _pumpWait = default;
        try
        {
            FinishWait(wait, _stopPump.Token);
        }
        catch (ObjectDisposedException)
        {
            LeaveAbandoned();
            return;
        }

        lock (_gate)
        {
            _pump = PumpState.Running;
        }

        RunPump();
    }

    /// <summary>Ends a wait: an edge, or Close's cancellation (which only comes with nothing outstanding).</summary>
    /// <exception cref="ObjectDisposedException">The socket was closed under the wait.</exception>
    private static void FinishWait(ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter wait, CancellationToken stop)
    {
        try
        {
            wait.GetResult();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>The socket closed (or the completions cannot be read): every outstanding call is abandoned, and the
    /// transport ends once it is closed.</summary>
    private void LeaveAbandoned()
    {
        SendLease? released;
        TaskCompletionSource? drained;
        bool end;
        lock (_gate)
        {
            released = AbandonLocked(out drained);
            _pump = _sending ? PumpState.Suspended : PumpState.Idle;
            end = _closing;
        }

        Release(released);
        drained?.TrySetResult();
        if (end)
        {
            End();
        }
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
