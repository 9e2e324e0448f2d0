using System;
using System.Buffers;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace ZeroCopyNative;

/// <summary>
/// Sends memory over a connected stream socket without copying it (MSG_ZEROCOPY), and gives the memory back to its
/// owner only once the kernel has reported that it no longer uses it. Adaptive by default: small sends, and every send
/// on a path where the kernel reports that it copies anyway (loopback, a peer on the same host), go out as plain
/// send(2) calls.
/// </summary>
/// <remarks>
/// <para><b>How it works.</b> The constructor turns SO_ZEROCOPY on (setsockopt). A zero-copy send is send(2) with
/// MSG_ZEROCOPY: the kernel pins the buffer's pages and sends from them, and when it has finished with them (for TCP,
/// when the peer has acknowledged the data) it queues a completion on the socket's error queue. The sender reads the
/// completions (recvmsg with MSG_ERRQUEUE) when the library's event loop reports EPOLLERR, and only then releases the
/// buffer. Sends never hold a thread while the socket is full: every call is non-blocking (MSG_DONTWAIT), and the
/// sender waits for writability (EPOLLOUT) on the event loop; the socket's own mode and <see cref="Socket.Blocking"/>
/// are left alone.</para>
/// <para><b>Buffer lifetime.</b> <see cref="SendAsync(IMemoryOwner{byte}, CancellationToken)"/> takes ownership of the
/// <see cref="IMemoryOwner{T}"/> it is given: from the call on, the caller must not read, write or dispose it. The
/// sender releases it exactly once: at once after a plain send (the kernel copied the bytes), or when the last
/// completion of its zero-copy send calls has arrived. Releasing disposes the owner; a <see cref="ZeroCopyBuffer"/> goes
/// back to its pool instead, and throws on any access from the hand-over on, so that with it nothing can change the
/// bytes before the kernel is done, by construction. With another owner that is the caller's promise: a change before
/// the release may reach the peer. When a call throws before it returns its task (an argument or state error), the
/// caller keeps the owner; once it has returned a task, the sender owns it, whatever the task's outcome.</para>
/// <para><b>Adaptivity</b> (<see cref="ZeroCopySendMode.Adaptive"/>): sends shorter than
/// <see cref="ZeroCopySenderOptions.Threshold"/> are plain. The first longer send is a zero-copy probe, and the sends
/// after it are plain until its completion has arrived: if the completion says the kernel copied
/// (SO_EE_CODE_ZEROCOPY_COPIED), the sender stays plain for <see cref="ZeroCopySenderOptions.ProbeInterval"/> sends,
/// then probes again; if not, it sends zero-copy until a completion says otherwise. On loopback every completion says
/// "copied", so the adaptive sender costs one zero-copy send per interval over plain sends.
/// <see cref="ZeroCopySendMode.Forced"/> sends everything with MSG_ZEROCOPY, for reference.</para>
/// <para><b>Counters</b> (<see cref="Counters"/>) tell what happened to every byte: sent zero-copy, copied by the kernel
/// after all, still awaiting completion, or sent plainly.</para>
/// <para><b>Rules.</b> The sender must be the socket's only writer while it lives (its bytes would interleave with
/// another writer's), and one socket has one sender at a time; the socket must not have made MSG_ZEROCOPY sends of its
/// own before (the kernel numbers them per socket). Sends are sequential: start the next one when the previous task has
/// completed. Keep the socket open until <see cref="DisposeAsync"/> has returned with nothing outstanding: once the
/// socket is closed no completion can be read, and the sender then releases the outstanding buffers although the
/// kernel may still send from them (counted as <see cref="ZeroCopySenderCounters.AbandonedBytes"/>).</para>
/// </remarks>
public sealed class ZeroCopySender : IDisposable, IAsyncDisposable
{
    private static readonly Action<object?> s_cancel = static state => ((CancellationTokenSource)state!).Cancel();

    private readonly SafeHandle _handle;
    private readonly ZeroCopyTransport _transport;
    private readonly int _threshold;
    private readonly int _probeInterval;
    private readonly TimeSpan _disposeTimeout;
    private readonly Stack<SendLease> _leases = new();

    // The adaptive policy (guarded by _policyGate; the transport reports verdicts under its own lock, which is taken
    // first).
    private readonly object _policyGate = new();
    private Policy _policy = Policy.ProbeNext;
    private int _plainLeft;

    private long _zeroCopyBytes;
    private long _copiedBytes;
    private long _plainBytes;
    private long _abandonedBytes;
    private int _fallbacks;
    private int _probes;

    private int _sending;
    private int _disposeStarted;
    private int _disposed;
    private CancellationTokenSource _sendCancel = new();
    private TaskCompletionSource? _sendEnded;
    private ExceptionDispatchInfo? _releaseFailure;

    /// <summary>
    /// Creates a sender for <paramref name="socket"/> and turns SO_ZEROCOPY on for it (setsockopt). A socket that
    /// refuses it (a Unix socket: EOPNOTSUPP) gets an adaptive sender that sends plainly; see
    /// <see cref="IsZeroCopyAvailable"/>.
    /// </summary>
    /// <param name="socket">A connected stream socket: TCP over IPv4 or IPv6 for zero-copy sends. The sender does not
    /// own it: dispose the sender first, then the socket.</param>
    /// <param name="options">How to send; null for the defaults (adaptive, 10 KiB threshold, a probe every 1024
    /// sends, 10 s to wait for completions when disposed).</param>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="socket"/> is not a stream socket.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range: <see cref="ZeroCopySenderOptions.Mode"/>
    /// undefined, <see cref="ZeroCopySenderOptions.Threshold"/> negative, <see cref="ZeroCopySenderOptions.ProbeInterval"/>
    /// below 1, or <see cref="ZeroCopySenderOptions.DisposeTimeout"/> negative (other than infinite).</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="socket"/> is disposed.</exception>
    /// <exception cref="InvalidOperationException">Another sender uses the socket, or still waits for the completions
    /// of its sends.</exception>
    /// <exception cref="ZeroCopyException">setsockopt(SO_ZEROCOPY) failed: with EOPNOTSUPP or ENOPROTOOPT in
    /// <see cref="ZeroCopySendMode.Forced"/> mode (the socket cannot send without copying), with anything else in
    /// either mode.</exception>
    public ZeroCopySender(Socket socket, ZeroCopySenderOptions? options = null)
    {
        _handle = Descriptors.OfSocket(socket, nameof(socket));
        if (socket.SocketType != SocketType.Stream)
        {
            throw new ArgumentException("ZeroCopySender needs a connected stream socket (TCP; a Unix socket sends plainly).",
                                        nameof(socket));
        }

        options ??= new ZeroCopySenderOptions();
        if (!Enum.IsDefined(options.Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Mode, "Undefined ZeroCopySendMode.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(options.Threshold, "options.Threshold");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ProbeInterval, 1, "options.ProbeInterval");
        if (options.DisposeTimeout < TimeSpan.Zero && options.DisposeTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException("options.DisposeTimeout", options.DisposeTimeout,
                                                  "The timeout must not be negative (or must be Timeout.InfiniteTimeSpan).");
        }

        Mode = options.Mode;
        _threshold = options.Threshold;
        _probeInterval = options.ProbeInterval;
        _disposeTimeout = options.DisposeTimeout;
        var transport = MsgZeroCopyTransport.Create(_handle, new Sink(this), waitForRoom: Mode == ZeroCopySendMode.Forced);
        if (Mode == ZeroCopySendMode.Forced && !transport.ZeroCopyAvailable)
        {
            _ = transport.Close();
            throw new ZeroCopyException("setsockopt(SO_ZEROCOPY)", transport.Refusal, 0, null,
                                        "Forced mode needs a socket that can send without copying (TCP)");
        }

        _transport = transport;
    }

    /// <summary>The sender's mode, from its options.</summary>
    public ZeroCopySendMode Mode { get; }

    /// <summary>Whether the socket accepted SO_ZEROCOPY; when false (a Unix socket), every send is plain.</summary>
    public bool IsZeroCopyAvailable => _transport.ZeroCopyAvailable;

    /// <summary>What the sender has done so far: bytes sent zero-copy, copied by the kernel, pending, sent plainly,
    /// and the completions outstanding.</summary>
    public ZeroCopySenderCounters Counters => new(
        Interlocked.Read(ref _zeroCopyBytes), Interlocked.Read(ref _copiedBytes), _transport.PendingBytes,
        Interlocked.Read(ref _plainBytes), Interlocked.Read(ref _abandonedBytes), _transport.OutstandingCompletions,
        Volatile.Read(ref _fallbacks), Volatile.Read(ref _probes));

    /// <summary>
    /// Sends all of <paramref name="owner"/>'s memory, zero-copy or plainly as the mode decides, and takes ownership
    /// of <paramref name="owner"/>: it is released (disposed, or a <see cref="ZeroCopyBuffer"/> returned to its pool)
    /// exactly once, when the kernel no longer uses the memory.
    /// </summary>
    /// <param name="owner">The memory to send. From this call on, the caller must not touch it.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the socket (the system calls themselves never
    /// wait).</param>
    /// <returns>A task that completes when the kernel has taken every byte (not when the completion arrives; the
    /// owner's release follows then).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="owner"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The sender or the socket is disposed (thrown at once), or the
    /// socket or sender was disposed during the send (from the task).</exception>
    /// <exception cref="InvalidOperationException">Another send has not completed yet, or the
    /// <see cref="ZeroCopyBuffer"/> was already handed over.</exception>
    /// <exception cref="TransferCanceledException">The token was cancelled (before the send, or while it waited for
    /// room); <see cref="TransferCanceledException.BytesTransferred"/> holds the bytes of this buffer the kernel took,
    /// an exact prefix of it (an <see cref="OperationCanceledException"/>).</exception>
    /// <exception cref="ZeroCopyException">send(2) failed (EPIPE, ECONNRESET when the peer reset the connection, ...);
    /// <see cref="ZeroCopyException.BytesTransferred"/> holds the bytes of this buffer the kernel took.</exception>
    public ValueTask SendAsync(IMemoryOwner<byte> owner, CancellationToken cancellationToken = default) =>
        SendAsync(owner, 0, -1, cancellationToken);

    /// <summary>
    /// Sends <paramref name="length"/> bytes of <paramref name="owner"/>'s memory from <paramref name="start"/>, and
    /// takes ownership of <paramref name="owner"/>, as <see cref="SendAsync(IMemoryOwner{byte}, CancellationToken)"/>
    /// does.
    /// </summary>
    /// <param name="owner">The memory to send. From this call on, the caller must not touch it.</param>
    /// <param name="start">The offset of the first byte to send.</param>
    /// <param name="length">The bytes to send; -1 for the rest of the memory.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the socket.</param>
    /// <returns>A task that completes when the kernel has taken every byte.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="owner"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> or <paramref name="length"/> is outside
    /// the memory.</exception>
    /// <exception cref="ObjectDisposedException">The sender or the socket is disposed (thrown at once), or the
    /// socket or sender was disposed during the send (from the task).</exception>
    /// <exception cref="InvalidOperationException">Another send has not completed yet, or the
    /// <see cref="ZeroCopyBuffer"/> was already handed over.</exception>
    /// <exception cref="TransferCanceledException">The token was cancelled (before the send, or while it waited for
    /// room); <see cref="TransferCanceledException.BytesTransferred"/> holds the bytes of this buffer the kernel took,
    /// an exact prefix of it.</exception>
    /// <exception cref="ZeroCopyException">send(2) failed (EPIPE, ECONNRESET, ...);
    /// <see cref="ZeroCopyException.BytesTransferred"/> holds the bytes of this buffer the kernel took.</exception>
    public unsafe ValueTask SendAsync(IMemoryOwner<byte> owner, int start, int length,
                                      CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_handle.IsClosed)
        {
            throw new ObjectDisposedException(typeof(Socket).FullName, "The sender's socket is disposed.");
        }

        // Read once: a ZeroCopyBuffer that is not held throws here, and the caller keeps it.
        Memory<byte> memory = owner.Memory;
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)start, (uint)memory.Length, nameof(start));
        if (length == -1)
        {
            length = memory.Length - start;
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)(memory.Length - start), nameof(length));
        var buffer = owner as ZeroCopyBuffer;
        MemoryHandle pin = buffer == null ? memory.Slice(start, length).Pin() : default;
        if (Interlocked.CompareExchange(ref _sending, 1, 0) != 0)
        {
            pin.Dispose();
            throw new InvalidOperationException("Another SendAsync of this ZeroCopySender has not completed yet: sends are sequential.");
        }

        // Dispose sets _disposed, then looks at _sending; a send sets _sending, then looks at _disposed (both with full
        // fences): one of the two sees the other.
        if (Volatile.Read(ref _disposed) != 0)
        {
            pin.Dispose();
            FinishSend();
            throw new ObjectDisposedException(nameof(ZeroCopySender));
        }

        if (buffer != null && !buffer.TryHandOver())
        {
            Volatile.Write(ref _sending, 0);
            throw new InvalidOperationException("The ZeroCopyBuffer was already handed to a sender, or returned to its pool.");
        }

        // From here on the sender owns the owner, whatever happens.
        SendLease lease = RentLease();
        lease.Start(owner, pin, buffer != null ? buffer.Pointer + start : (byte*)pin.Pointer, length);
        if (length == 0 || cancellationToken.IsCancellationRequested)
        {
            _transport.EndSend(lease); // nothing sent: released at once
            FinishSend();
            return cancellationToken.IsCancellationRequested ? Canceled.Before(cancellationToken) : default;
        }

        return SendCoreAsync(lease, cancellationToken);
    }

    /// <summary>
    /// Waits until every zero-copy send made so far has its completion, so that every owner handed over so far has
    /// been released.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait (not the sends).</param>
    /// <returns>A task that completes when no completion is outstanding.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    public ValueTask WaitForCompletionsAsync(CancellationToken cancellationToken = default) =>
        new(_transport.WhenDrained().WaitAsync(cancellationToken));

    /// <summary>
    /// Ends the sender: a send still waiting for room is cancelled (its task fails with ObjectDisposedException), then
    /// the sender waits up to <see cref="ZeroCopySenderOptions.DisposeTimeout"/> for the completions still outstanding,
    /// releasing each owner as its completion arrives. Completions that have not arrived by then still release their
    /// owners when they arrive, or when the socket is closed; <see cref="Counters"/> shows them as pending. The socket
    /// itself is left open. A second call does nothing.
    /// </summary>
    /// <returns>A task that completes when every completion has arrived or the timeout has passed.</returns>
    /// <exception cref="Exception">The first exception an owner's Dispose threw while the sender released it (the
    /// other owners were released all the same).</exception>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposeStarted, 1) != 0)
        {
            return;
        }

        var sendEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _sendEnded = sendEnded;
        Interlocked.Exchange(ref _disposed, 1);
        _sendCancel.Cancel();
        if (Volatile.Read(ref _sending) != 0)
        {
            await sendEnded.Task.ConfigureAwait(false);
        }

        Task drained = _transport.WhenDrained();
        if (!drained.IsCompleted && _disposeTimeout != TimeSpan.Zero)
        {
            try
            {
                await drained.WaitAsync(_disposeTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Left to the completion reader, which goes on until they arrive or the socket closes.
            }
        }

        Task ended = _transport.Close();
        if (drained.IsCompleted)
        {
            // Nothing outstanding: the completion reader leaves at once, and then the socket is free for a next
            // sender.
            await ended.ConfigureAwait(false);
        }

        Volatile.Read(ref _releaseFailure)?.Throw();
    }

    /// <summary>Ends the sender as <see cref="DisposeAsync"/> does, blocking the calling thread for at most
    /// <see cref="ZeroCopySenderOptions.DisposeTimeout"/> (plus the end of a send in progress).</summary>
    /// <exception cref="Exception">The first exception an owner's Dispose threw while the sender released it.</exception>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendCoreAsync(SendLease lease, CancellationToken cancellationToken)
    {
        CancellationTokenRegistration linked = default;
        try
        {
            _transport.PollCompletions();
            bool zeroCopy = Decide(lease.Length);
            CancellationTokenSource cancel = _sendCancel;
            if (cancellationToken.CanBeCanceled)
            {
                linked = cancellationToken.UnsafeRegister(s_cancel, cancel);
            }

            await _transport.SendAsync(lease, zeroCopy, cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new TransferCanceledException(lease.Sent, cancellationToken);
        }
        catch (OperationCanceledException) when (Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException(nameof(ZeroCopySender),
                $"The ZeroCopySender was disposed while the send waited for room, after {lease.Sent} of {lease.Length} bytes.");
        }
        finally
        {
            linked.Dispose();
            Interlocked.Add(ref _plainBytes, lease.PlainSent);
            _transport.EndSend(lease);
            if (_sendCancel.IsCancellationRequested && Volatile.Read(ref _disposed) == 0)
            {
                _sendCancel = new CancellationTokenSource(); // the caller's token fired: the next send needs a fresh one
            }

            FinishSend();
        }
    }

    private void FinishSend()
    {
        Interlocked.Exchange(ref _sending, 0);
        if (Volatile.Read(ref _disposed) != 0)
        {
            _sendEnded?.TrySetResult();
        }
    }

    /// <summary>Zero-copy or plain, for a send of <paramref name="length"/> bytes.</summary>
    private bool Decide(int length)
    {
        if (!_transport.ZeroCopyAvailable)
        {
            return false;
        }

        if (Mode == ZeroCopySendMode.Forced)
        {
            return true;
        }

        if (length < _threshold)
        {
            return false;
        }

        lock (_policyGate)
        {
            switch (_policy)
            {
                case Policy.ZeroCopy:
                    return true;
                case Policy.Probing:
                    return false; // until the probe's verdict
                case Policy.Plain when _plainLeft > 0:
                    _plainLeft--;
                    return false;
                default: // ProbeNext, or Plain with the interval over
                    _policy = Policy.Probing;
                    _probes++;
                    return true;
            }
        }
    }

    /// <summary>A completion's verdict, for the adaptive policy.</summary>
    private void OnVerdict(bool copied)
    {
        if (Mode == ZeroCopySendMode.Forced)
        {
            return;
        }

        lock (_policyGate)
        {
            if (copied && _policy is Policy.ZeroCopy or Policy.Probing)
            {
                _policy = Policy.Plain;
                _plainLeft = _probeInterval;
                _fallbacks++;
            }
            else if (!copied && _policy == Policy.Probing)
            {
                _policy = Policy.ZeroCopy;
            }
        }
    }

    private SendLease RentLease()
    {
        lock (_leases)
        {
            return _leases.Count > 0 ? _leases.Pop() : new SendLease();
        }
    }

    /// <summary>Releases leases: unpins, gives the owner back (once), and pools the lease.</summary>
    private void Release(SendLease? lease)
    {
        while (lease != null)
        {
            SendLease? next = lease.NextReleased;
            IMemoryOwner<byte>? owner = lease.Owner;
            MemoryHandle pin = lease.Pin;
            lease.Owner = null;
            lease.Pin = default;
            lease.NextReleased = null;
            unsafe
            {
                lease.Data = null;
            }

            lock (_leases)
            {
                _leases.Push(lease);
            }

            try
            {
                pin.Dispose();
                if (owner is ZeroCopyBuffer buffer)
                {
                    buffer.Return();
                }
                else
                {
                    owner?.Dispose();
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _releaseFailure, ExceptionDispatchInfo.Capture(e), null);
            }

            lease = next;
        }
    }

    private enum Policy
    {
        ProbeNext,
        Probing,
        ZeroCopy,
        Plain,
    }

    /// <summary>The transport's view of the sender.</summary>
    private sealed class Sink(ZeroCopySender sender) : IZeroCopyCompletionSink
    {
        public void OnPartCompleted(long bytes, bool copied)
        {
            Interlocked.Add(ref copied ? ref sender._copiedBytes : ref sender._zeroCopyBytes, bytes);
            sender.OnVerdict(copied);
        }

        public void OnPartAbandoned(long bytes) => Interlocked.Add(ref sender._abandonedBytes, bytes);

        public void Release(SendLease? leases) => sender.Release(leases);
    }
}
