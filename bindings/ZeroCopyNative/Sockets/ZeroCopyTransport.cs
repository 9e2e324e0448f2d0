using System.Threading;
using System.Threading.Tasks;

namespace ZeroCopyNative;

/// <summary>
/// What <see cref="ZeroCopySender"/> is told by a transport, and what it does with leases that are done.
/// </summary>
internal interface IZeroCopyCompletionSink
{
    /// <summary>A zero-copy send call of <paramref name="bytes"/> completed; <paramref name="copied"/> is the kernel's
    /// verdict. Called under the transport's lock: count, adapt, never call back into the transport.</summary>
    void OnPartCompleted(long bytes, bool copied);

    /// <summary>A zero-copy send call of <paramref name="bytes"/> can never complete (the socket was closed). Called
    /// under the transport's lock.</summary>
    void OnPartAbandoned(long bytes);

    /// <summary>Releases leases whose sends have ended and whose zero-copy calls have all completed, following
    /// <see cref="SendLease.NextReleased"/>. Called outside the transport's lock, once per lease.</summary>
    void Release(SendLease? leases);
}

/// <summary>
/// One kernel mechanism behind <see cref="ZeroCopySender"/>: it sends a lease's bytes from the lease's memory, with or
/// without a copy, waits for room without holding a thread, and reports each zero-copy send call's completion to the
/// sink, after which the lease's memory is free again. The sender keeps the policy (which send goes zero-copy), the
/// owners and the counters; everything that depends on how the kernel is asked and answers lives here.
/// </summary>
/// <remarks>
/// <para>MSG_ZEROCOPY is <see cref="MsgZeroCopyTransport"/>: send(2) with the flag, completions read from the socket's
/// error queue when epoll reports EPOLLERR.</para>
/// <para>io_uring's IORING_OP_SEND_ZC fits the same shape: <see cref="SendAsync"/> submits a SEND_ZC for the lease (its
/// first CQE carries the count sent), and the notification CQE (IORING_CQE_F_NOTIF) is the completion, with
/// IORING_NOTIF_USAGE_ZC_COPIED as the copied verdict; registered buffers would let it skip the pinning. Only this
/// class changes; the sender, its policy and its lifetimes stay as they are.</para>
/// </remarks>
internal abstract class ZeroCopyTransport
{
    /// <summary>Whether the socket takes zero-copy sends at all; when false every send is plain.</summary>
    public abstract bool ZeroCopyAvailable { get; }

    /// <summary>Zero-copy send calls whose completion has not arrived.</summary>
    public abstract int OutstandingCompletions { get; }

    /// <summary>The bytes of those calls.</summary>
    public abstract long PendingBytes { get; }

    /// <summary>
    /// Sends all of <paramref name="lease"/>'s bytes, zero-copy when <paramref name="zeroCopy"/> and plainly otherwise,
    /// waiting for room without holding a thread; keeps <see cref="SendLease.Sent"/> and
    /// <see cref="SendLease.PlainSent"/> up to date as bytes go, also when it fails.
    /// </summary>
    /// <exception cref="ZeroCopyException">send(2) failed (EPIPE, ECONNRESET, ...).</exception>
    /// <exception cref="System.OperationCanceledException">The token was cancelled while the socket was full.</exception>
    /// <exception cref="System.ObjectDisposedException">The socket was closed.</exception>
    public abstract ValueTask SendAsync(SendLease lease, bool zeroCopy, CancellationToken cancellationToken);

    /// <summary>The sender is done with <paramref name="lease"/> (its send ended, however): the lease is released now
    /// when none of its zero-copy calls is outstanding, else with its last completion.</summary>
    public abstract void EndSend(SendLease lease);

    /// <summary>Reads the completions that have arrived, without waiting, if there may be any: the sender calls it
    /// before deciding how to send, so that its policy sees the latest verdicts.</summary>
    public abstract void PollCompletions();

    /// <summary>Completes when no completion is outstanding (at once when none is).</summary>
    public abstract Task WhenDrained();

    /// <summary>Ends the transport once no completion is outstanding (at once when none is): its event-loop
    /// registration is released and the socket is free for another sender. No send may start afterwards.</summary>
    /// <returns>A task that completes when the transport has ended.</returns>
    public abstract Task Close();
}
