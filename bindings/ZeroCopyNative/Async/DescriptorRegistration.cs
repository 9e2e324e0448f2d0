using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>What an asynchronous operation waits for on a descriptor.</summary>
internal enum Interest
{
    /// <summary>Data to read, end of input, or an error (EPOLLIN, EPOLLRDHUP, EPOLLHUP, EPOLLERR).</summary>
    Read = 0,

    /// <summary>Room to write, or an error (EPOLLOUT, EPOLLHUP, EPOLLERR).</summary>
    Write = 1,

    /// <summary>A message on a socket's error queue, such as a zero-copy completion (EPOLLERR).</summary>
    ErrorQueue = 2,
}

/// <summary>
/// One descriptor watched by the <see cref="EventLoop"/>: a readiness sequence and at most one parked waiter per
/// <see cref="Interest"/>. Pooled by the loop; an operation reaches it through <see cref="EventLoop.Attach"/>.
/// </summary>
internal sealed class DescriptorRegistration
{
    private const int Interests = 3;
    private readonly int[] _sequence = new int[Interests];
    private readonly ReadinessWaiter?[] _waiters = new ReadinessWaiter?[Interests];

    /// <summary>The handle whose descriptor is registered; a closed handle means the kernel dropped the registration.</summary>
    public SafeHandle Handle { get; private set; } = null!;

    /// <summary>The descriptor number.</summary>
    public int Fd { get; private set; } = -1;

    /// <summary>The epoll data of this registration; a reused registration gets a new one, so that a stale event for
    /// its previous descriptor finds nothing.</summary>
    public ulong Id { get; private set; }

    /// <summary>The operations attached (guarded by the loop's lock).</summary>
    public int Users { get; set; }

    /// <summary>The handle closed and its descriptor number was registered again for another file while operations
    /// still held this registration: it is in none of the loop's maps any more (guarded by the loop's lock).</summary>
    public bool Retired { get; set; }

    /// <summary>The readiness edges seen so far for <paramref name="interest"/>: note it before a system call, and pass
    /// it to <see cref="WaitAsync"/> after EAGAIN.</summary>
    public int Sequence(Interest interest) => Volatile.Read(ref _sequence[(int)interest]);

    /// <summary>
    /// Waits for the next readiness edge for <paramref name="interest"/> after <paramref name="observed"/>: completes at
    /// once if one came since (the caller then tries its call again), else parks until the loop sees one, the token is
    /// cancelled (OperationCanceledException) or the handle is disposed (ObjectDisposedException). Continuations run
    /// on the thread pool, never on the loop's thread.
    /// </summary>
    /// <param name="interest">What to wait for.</param>
    /// <param name="observed">The <see cref="Sequence"/> noted before the system call that answered EAGAIN.</param>
    /// <param name="cancellationToken">Ends the wait with OperationCanceledException.</param>
    /// <param name="companion">The operation's other handle, if any: disposing it ends the wait too (found by the
    /// loop's sweep), as the operation could never use it again.</param>
    /// <exception cref="InvalidOperationException">Another operation is already waiting for the same interest on this
    /// descriptor (concurrent reads, or concurrent writes, of one descriptor are not supported).</exception>
    /// <exception cref="ObjectDisposedException">The handle, or the companion, is already closed.</exception>
    public ValueTask WaitAsync(Interest interest, int observed, CancellationToken cancellationToken, SafeHandle? companion = null)
    {
        lock (this)
        {
            if (_sequence[(int)interest] != observed)
            {
                return default;
            }

            ReadinessWaiter waiter = _waiters[(int)interest] ??= new ReadinessWaiter(this);
            if (waiter.IsClaimed)
            {
                throw new InvalidOperationException(
                    $"Another asynchronous operation is already waiting to {Describe(interest)} descriptor {Fd}.");
            }

            // Disposed since the operation's last call: no edge will come (the kernel dropped the registration with the
            // descriptor), and a registration retired for its number's reuse is no longer swept.
            ObjectDisposedException.ThrowIf(Handle.IsClosed, Handle);
            if (companion != null)
            {
                ObjectDisposedException.ThrowIf(companion.IsClosed, companion);
            }

            return waiter.Park(cancellationToken, companion);
        }
    }

    /// <summary>Called by the loop's thread with the events epoll reported.</summary>
    internal void Signal(EpollEvents events)
    {
        const EpollEvents failure = EpollEvents.EPOLLERR | EpollEvents.EPOLLHUP;
        ReadinessWaiter? reader = null, writer = null, errors = null;
        lock (this)
        {
            if ((events & (EpollEvents.EPOLLIN | EpollEvents.EPOLLRDHUP | failure)) != 0)
            {
                reader = Advance(Interest.Read);
            }

            if ((events & (EpollEvents.EPOLLOUT | failure)) != 0)
            {
                writer = Advance(Interest.Write);
            }

            if ((events & EpollEvents.EPOLLERR) != 0)
            {
                errors = Advance(Interest.ErrorQueue);
            }
        }

        reader?.Complete(null);
        writer?.Complete(null);
        errors?.Complete(null);
    }

    /// <summary>For the loop's sweep: completes with ObjectDisposedException every parked waiter whose handle, or
    /// whose operation's other handle, was disposed under it.</summary>
    internal void SweepClosed() => FailParked(everyOne: false);

    /// <summary>Completes every parked waiter with ObjectDisposedException (the handle was disposed under it).</summary>
    internal void FailDisposed() => FailParked(everyOne: true);

    /// <summary>Unparks and fails the parked waiters: all of them when <paramref name="everyOne"/>, else those whose
    /// handle or companion handle is closed. Each completes outside the lock, with the disposed handle named.</summary>
    private void FailParked(bool everyOne)
    {
        for (int i = 0; i < Interests; i++)
        {
            ReadinessWaiter? waiter = null;
            SafeHandle? closed = null;
            lock (this)
            {
                if (_waiters[i] is { IsParked: true } parked)
                {
                    closed = everyOne || Handle.IsClosed ? Handle
                        : parked.Companion is { IsClosed: true } companion ? companion : null;
                    waiter = closed != null && parked.Unpark() ? parked : null;
                }
            }

            waiter?.Complete(new ObjectDisposedException(closed!.GetType().FullName,
                                                         "The handle was disposed while an asynchronous operation waited on it."));
        }
    }

    /// <summary>Takes a parked waiter out for cancellation; false when an event already took it.</summary>
    internal bool TryUnpark(ReadinessWaiter waiter)
    {
        lock (this)
        {
            return waiter.IsParked && waiter.Unpark();
        }
    }

    internal void Reset(SafeHandle handle, int fd, ulong id)
    {
        Handle = handle;
        Fd = fd;
        Id = id;
    }

    internal void Clear()
    {
        Handle = null!;
        Fd = -1;
        Users = 0;
        Retired = false;
    }

    private ReadinessWaiter? Advance(Interest interest)
    {
        _sequence[(int)interest]++;
        ReadinessWaiter? waiter = _waiters[(int)interest];
        return waiter is { IsParked: true } && waiter.Unpark() ? waiter : null;
    }

    private static string Describe(Interest interest) => interest switch
    {
        Interest.Read => "read",
        Interest.Write => "write",
        _ => "read the error queue of",
    };
}
