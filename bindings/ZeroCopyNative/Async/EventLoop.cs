using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// The library's one event loop: a single background thread that waits in epoll_wait(2) for every descriptor an
/// asynchronous operation is waiting on, and hands each readiness change to the operation's waiter, which then runs
/// on the thread pool. No thread is held while a descriptor is not ready, however many operations wait.
/// </summary>
/// <remarks>
/// <para>How a descriptor is watched: the first EAGAIN of an operation registers its descriptor, edge-triggered, for
/// reading, writing and errors at once (<see cref="Attach"/>); the registration lives while any operation uses the
/// descriptor and is removed with the last one (<see cref="Detach"/>), so a steady stream of operations costs no
/// epoll_ctl per wait. Each readiness edge advances a per-direction sequence number; an operation notes the number
/// before its system call and, after EAGAIN, parks only if no edge came since (<see cref="DescriptorRegistration.WaitAsync"/>),
/// so an edge between the call and the wait is never lost (the pattern of the runtime's socket engine and Go's
/// netpoller).</para>
/// <para>Operations hold a descriptor's reference count only during their system calls, never while waiting, so
/// disposing a handle closes its descriptor at once; the kernel then drops the registration, and the loop finds the
/// waiter whose handle closed within <see cref="SweepInterval"/> and completes it with ObjectDisposedException. The
/// same holds for the operation's other handle (a transfer waiting on its source whose destination is disposed).</para>
/// <para>The loop, its epoll instance and a wake-up pipe are created on first use and live as long as the process:
/// two descriptors and one thread, named "ZeroCopyNative epoll".</para>
/// </remarks>
internal static class EventLoop
{
    /// <summary>How often waiters are checked for a handle disposed under them, while any descriptor is registered.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(250);

    private const ulong WakeId = 0;
    private const int BatchSize = 256;

    private static readonly object s_lock = new();
    private static readonly Dictionary<int, DescriptorRegistration> s_byFd = new();
    private static readonly Dictionary<ulong, DescriptorRegistration> s_byId = new();
    private static readonly Stack<DescriptorRegistration> s_free = new();
    private static ulong s_nextId = WakeId + 1;
    private static int s_epoll = -1;
    private static int s_wakeReader = -1;
    private static int s_wakeWriter = -1;
    private static int s_active; // registrations not yet pooled: while any exists, the loop wakes to sweep
    private static int s_sleepingIndefinitely;

    /// <summary>The registration of <paramref name="handle"/>'s descriptor <paramref name="fd"/> (held open by the
    /// caller during this call), created and added to epoll by the first user; every Attach needs one Detach.</summary>
    /// <exception cref="ZeroCopyException">epoll_ctl failed (ENOMEM, ENOSPC past max_user_watches, EPERM for a
    /// descriptor epoll cannot watch).</exception>
    public static DescriptorRegistration Attach(SafeHandle handle, int fd)
    {
        EnsureStarted();
        lock (s_lock)
        {
            if (s_byFd.TryGetValue(fd, out DescriptorRegistration? existing))
            {
                if (!existing.Handle.IsClosed)
                {
                    // Two open handles with one number share one open file: one registration serves both.
                    existing.Users++;
                    return existing;
                }

                // The old handle closed and its number was reused, before the sweep found it: the kernel dropped that
                // registration already. Its operations may still hold it (one may even be parked on it): end their
                // waits, and leave it to them, out of the maps, until the last one detaches.
                Retire(existing);
            }

            DescriptorRegistration registration = s_free.Count > 0 ? s_free.Pop() : new DescriptorRegistration();
            registration.Reset(handle, fd, s_nextId++);
            const uint events = unchecked((uint)(EpollEvents.EPOLLIN | EpollEvents.EPOLLOUT | EpollEvents.EPOLLRDHUP | EpollEvents.EPOLLET));
            int result = Zcn.epoll_ctl(s_epoll, (int)EpollOperation.ADD, fd, events, registration.Id);
            if (result == -(int)Errno.EEXIST)
            {
                // A registration of this open file under this number outlived its handle (a dup kept the file
                // open): take it over.
                result = Zcn.epoll_ctl(s_epoll, (int)EpollOperation.MOD, fd, events, registration.Id);
            }

            if (result < 0)
            {
                s_free.Push(registration);
                throw new ZeroCopyException("epoll_ctl", NativeResult.ErrnoOf(result), 0);
            }

            registration.Users = 1;
            s_byFd.Add(fd, registration);
            s_byId.Add(registration.Id, registration);
            // The first registration wakes a loop that sleeps without a timeout, so that it starts sweeping. Counted
            // per registration, not per wait: an operation that waits many times costs no wake-up per wait.
            if (Interlocked.Increment(ref s_active) == 1 && Volatile.Read(ref s_sleepingIndefinitely) == 1)
            {
                Wake();
            }

            return registration;
        }
    }

    /// <summary>Ends one <see cref="Attach"/>; the last one removes the registration from epoll, while its handle is
    /// still open (a closed handle's number may already belong to another file, whose registration must stay).</summary>
    public static void Detach(DescriptorRegistration registration)
    {
        lock (s_lock)
        {
            if (--registration.Users > 0)
            {
                return;
            }

            if (registration.Retired)
            {
                // Its number belongs to another registration now: nothing to remove from epoll or from the maps.
                Recycle(registration);
                return;
            }

            bool added = false;
            try
            {
                registration.Handle.DangerousAddRef(ref added);
                _ = Zcn.epoll_ctl(s_epoll, (int)EpollOperation.DEL, registration.Fd, 0, 0);
            }
            catch (ObjectDisposedException)
            {
                // Closed: closing the descriptor removed it from epoll.
            }
            finally
            {
                if (added)
                {
                    registration.Handle.DangerousRelease();
                }
            }

            Forget(registration);
        }
    }

    /// <summary>Completes at once, with ObjectDisposedException, every operation parked on <paramref name="handle"/>,
    /// which its owner is about to dispose (the sweep would find it later).</summary>
    public static void Abandon(SafeHandle handle)
    {
        if (Volatile.Read(ref s_epoll) < 0 || handle.IsClosed)
        {
            return;
        }

        lock (s_lock)
        {
            if (s_byFd.TryGetValue(NativeFile.Fd(handle), out DescriptorRegistration? registration) &&
                ReferenceEquals(registration.Handle, handle))
            {
                registration.FailDisposed();
            }
        }
    }

    /// <summary>Removes a registration whose last operation detached from the maps, and pools it.</summary>
    private static void Forget(DescriptorRegistration registration)
    {
        s_byFd.Remove(registration.Fd);
        s_byId.Remove(registration.Id);
        Recycle(registration);
    }

    /// <summary>Takes the registration of a closed handle out of the maps while operations still hold it, so that its
    /// descriptor number can be registered again for the file that now has it; fails its parked waiters (the handle is
    /// disposed), and marks it so that its last <see cref="Detach"/> only pools it. Under the loop's lock.</summary>
    private static void Retire(DescriptorRegistration registration)
    {
        s_byFd.Remove(registration.Fd);
        s_byId.Remove(registration.Id);
        registration.Retired = true;
        registration.FailDisposed();
    }

    /// <summary>Pools a registration no operation holds any more (it is in no map).</summary>
    private static void Recycle(DescriptorRegistration registration)
    {
        Interlocked.Decrement(ref s_active);
        registration.Clear();
        s_free.Push(registration);
    }

    private static unsafe void EnsureStarted()
    {
        if (Volatile.Read(ref s_epoll) >= 0)
        {
            return;
        }

        lock (s_lock)
        {
            if (s_epoll >= 0)
            {
                return;
            }

            int epoll = NativeResult.Check(Zcn.epoll_create(), "epoll_create1");
            int* wake = stackalloc int[2];
            int result = Zcn.pipe(wake, (uint)PipeFlags.NONBLOCK);
            if (result == 0)
            {
                result = Zcn.epoll_ctl(epoll, (int)EpollOperation.ADD, wake[0], (uint)EpollEvents.EPOLLIN, WakeId);
                if (result < 0)
                {
                    _ = Zcn.close(wake[0]);
                    _ = Zcn.close(wake[1]);
                }
            }

            if (result < 0)
            {
                _ = Zcn.close(epoll);
                throw new ZeroCopyException(result == -(int)Errno.EMFILE ? "pipe2" : "epoll_ctl", NativeResult.ErrnoOf(result), 0);
            }

            s_wakeReader = wake[0];
            s_wakeWriter = wake[1];
            var thread = new Thread(Run) { IsBackground = true, Name = "ZeroCopyNative epoll" };
            Volatile.Write(ref s_epoll, epoll);
            thread.UnsafeStart();
        }
    }

    private static unsafe void Wake()
    {
        byte one = 1;
        var meter = new TransferMeter(null);
        _ = ReadWriteLoop.WriteAll(s_wakeWriter, null, &one, 1, ref meter, wait: false); // full: the loop wakes anyway
    }

    private static unsafe void Run()
    {
        EpollEvent* events = stackalloc EpollEvent[BatchSize];
        int sweepMs = (int)SweepInterval.TotalMilliseconds;
        long nextSweep = Environment.TickCount64 + sweepMs;
        while (true)
        {
            // Announce an indefinite sleep first, then look for registrations: one made after the look sees the
            // announcement and wakes the loop (both sides use full fences).
            Interlocked.Exchange(ref s_sleepingIndefinitely, 1);
            int timeout = Volatile.Read(ref s_active) > 0 ? (int)Math.Max(0, nextSweep - Environment.TickCount64) : -1;
            if (timeout >= 0)
            {
                Interlocked.Exchange(ref s_sleepingIndefinitely, 0);
            }

            int ready = Zcn.epoll_wait(s_epoll, events, BatchSize, timeout);
            Interlocked.Exchange(ref s_sleepingIndefinitely, 0);
            for (int i = 0; i < ready; i++)
            {
                Dispatch(events[i].data, events[i].events);
            }

            long now = Environment.TickCount64;
            if (now >= nextSweep)
            {
                nextSweep = now + sweepMs;
                Sweep();
            }
        }
    }

    private static unsafe void Dispatch(ulong id, uint events)
    {
        if (id == WakeId)
        {
            byte* drain = stackalloc byte[64];
            while (ReadWriteLoop.ReadOnce(s_wakeReader, null, drain, 64, wait: false).Moved > 0)
            {
            }

            return;
        }

        DescriptorRegistration? registration;
        lock (s_lock)
        {
            // A registration detached after epoll_wait returned is gone (or reused under a new id): drop its event.
            _ = s_byId.TryGetValue(id, out registration);
        }

        registration?.Signal((EpollEvents)events);
    }

    private static void Sweep()
    {
        lock (s_lock)
        {
            foreach (DescriptorRegistration registration in s_byFd.Values)
            {
                registration.SweepClosed();
            }
        }
    }
}
