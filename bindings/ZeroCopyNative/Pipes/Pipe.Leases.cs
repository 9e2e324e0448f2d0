using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

// How the pipe keeps track of the PipeBuffer leases spliced into it: which have drained, and whether their pages
// may outlive the pipe.
//
// Drained. A lease's bytes end at position E of the stream written through this object. The lease has drained once
// the reader has consumed E bytes of that stream. Three ways to know, cheapest first:
//  - the bytes this object's own Read/SpliceTo (and async forms) consumed: exact while no handle was handed out;
//  - more than the capacity written after E: a pipe never holds more than its capacity, so the lease's bytes have
//    left (sound while no handle was handed out, through which the capacity could grow behind our back);
//  - ioctl(FIONREAD): with W bytes written and Q queued, at least W - Q were consumed (bytes written behind our back
//    raise Q, never lower it, so this errs on the safe side). The only way once a handle was handed out.
//
// Uncopied. While every byte leaves through a copy, nothing references a drained lease's pages: it is reused as it is.
// Once bytes may leave without one (splice to a socket, another pipe or device, tee, the Reader handed out), the flag
// is set for good, before the call that could take pages: leases spliced from then on give their pages away right
// after the splice, and leases already in the pipe give them away when they unlock.
public sealed partial class Pipe
{
    private static (ulong Device, ulong Inode)? s_devNull;

    private readonly Queue<PipeBuffer> _leases = new(); // in splice order; also the lock for the lease bookkeeping
    private readonly object _drainGate = new();
    private int _leaseCount;            // _leases.Count, readable without the lock
    private long _bytesRead;            // bytes consumed through this object
    private int _handedOut;             // 1 once Reader or Writer was taken: counts no longer prove drains
    private int _uncopied;              // 1 once bytes may have left without a copy: leases give their pages away
    private int _proofCapacity;         // the largest capacity set or read; 0 when not known
    private int _drainWaiters;
    private TaskCompletionSource? _drainSignal;
    private SafeHandle? _copyingDestination; // the last destination found to consume by copying

    /// <summary>Whether bytes may have left the pipe without a copy (a splice into a socket, pipe or other device,
    /// tee, or the <see cref="Reader"/> handle taken): then leases spliced into it have their pages given away
    /// (see <see cref="PipeBuffer"/>). Once true it stays true.</summary>
    public bool MayForwardPages => Volatile.Read(ref _uncopied) != 0;

    /// <summary>Bytes consumed through this object (Read, SpliceTo and their async forms).</summary>
    internal long BytesRead => Volatile.Read(ref _bytesRead);

    /// <summary>Notes a handle taken by the caller.</summary>
    private void HandOut(bool reader)
    {
        if (reader)
        {
            MarkUncopied();
        }

        Volatile.Write(ref _handedOut, 1);
    }

    /// <summary>Marks the pipe: bytes may leave without a copy. Called before the system call that could take pages.</summary>
    private void MarkUncopied()
    {
        if (Volatile.Read(ref _uncopied) == 0)
        {
            Interlocked.Exchange(ref _uncopied, 1);
        }
    }

    /// <summary>Notes a capacity the kernel granted or reported.</summary>
    private void NoteCapacity(int capacity)
    {
        int known;
        while (capacity > (known = Volatile.Read(ref _proofCapacity)) &&
               Interlocked.CompareExchange(ref _proofCapacity, capacity, known) != known)
        {
        }
    }

    /// <summary>Before a splice out of the pipe: a regular file or /dev/null consumes by copying (the kernel copies
    /// the bytes into the page cache, or drops them); anything else may keep the pages, and marks the pipe. One
    /// fstat(2) per new destination handle.</summary>
    private void NoteDestination(SafeHandle destination, int fd)
    {
        if (Volatile.Read(ref _uncopied) != 0 || ReferenceEquals(Volatile.Read(ref _copyingDestination), destination))
        {
            return;
        }

        NoteDestination(destination, NativeFile.Query(fd));
    }

    /// <summary>The same decision for a destination already queried.</summary>
    private void NoteDestination(SafeHandle destination, FdInfo info)
    {
        if (IsCopyingDestination(info))
        {
            Volatile.Write(ref _copyingDestination, destination);
        }
        else
        {
            MarkUncopied();
        }
    }

    private static bool IsCopyingDestination(FdInfo info)
    {
        var kind = (FdKind)unchecked((uint)info.kind);
        if (kind == FdKind.REGULAR)
        {
            return true;
        }

        return kind == FdKind.CHARDEV && DevNull() is (ulong device, ulong inode) &&
               info.device == device && info.inode == inode;
    }

    /// <summary>/dev/null's (st_dev, st_ino), read once; null where it cannot be opened.</summary>
    private static (ulong, ulong)? DevNull()
    {
        if (s_devNull is null)
        {
            try
            {
                using SafeFileHandle handle = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write);
                FdInfo info = NativeFile.Query(handle);
                s_devNull = (info.device, info.inode);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                s_devNull = (ulong.MaxValue, ulong.MaxValue);
            }
        }

        return s_devNull;
    }

    /// <summary>After a read or splice out of the pipe through this object: counts the bytes and unlocks the leases
    /// they drained.</summary>
    private void Consumed(long count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _bytesRead, count);
        }

        if (Volatile.Read(ref _leaseCount) != 0)
        {
            ReleaseDrained(null);
        }
    }

    /// <summary>Locks a lease to this pipe and queues it, before any of its pages are spliced.</summary>
    private void LockLease(PipeBuffer buffer)
    {
        if (Volatile.Read(ref _proofCapacity) == 0 && Volatile.Read(ref _handedOut) == 0)
        {
            NoteCapacity(Capacity);
        }

        lock (_writeGate)
        {
            buffer.LockTo(this);
            bool tracked;
            lock (_leases)
            {
                tracked = !_disposed;
                if (tracked)
                {
                    _leases.Enqueue(buffer);
                    _leaseCount = _leases.Count;
                }
            }

            // Dispose sets _disposed before it takes the queue's lock to unlock the leases, so either this sees the
            // flag, or Dispose sees the lease: a lease can never stay locked to a disposed pipe.
            if (!tracked)
            {
                buffer.Unlock(giveAway: false); // nothing was spliced: the lease is free again
                throw new ObjectDisposedException(nameof(Pipe));
            }
        }
    }

    /// <summary>Records where the lease's bytes end in the pipe (every byte written so far, so never too early), and
    /// gives its spliced pages to the kernel when bytes may leave the pipe without a copy.</summary>
    private void SettleLease(PipeBuffer buffer, long spliced)
    {
        lock (_writeGate)
        {
            // Nothing spliced: the lease holds nothing of the pipe's, and unlocks as soon as it is first in line.
            buffer.EndPosition = spliced > 0 ? BytesWritten : long.MinValue;
        }

        if (spliced == 0)
        {
            ReleaseDrained(buffer);
        }
        else if (Volatile.Read(ref _uncopied) != 0)
        {
            buffer.GiveAwayPages();
        }
    }

    /// <summary>The stream position up to which the reader has certainly consumed, proved without a system call;
    /// long.MinValue when nothing can be proved (a handle was handed out).</summary>
    private long ProvenConsumed()
    {
        if (Volatile.Read(ref _handedOut) != 0)
        {
            return long.MinValue;
        }

        long consumed = BytesRead;
        int capacity = Volatile.Read(ref _proofCapacity);
        return capacity > 0 ? Math.Max(consumed, BytesWritten - capacity) : consumed;
    }

    /// <summary>
    /// Unlocks the leases that have drained. The position is proved from the byte counts where possible; ioctl(FIONREAD)
    /// is asked only when a handle was handed out and <paramref name="wanted"/> (or, with null, the oldest lease) is not
    /// proved drained.
    /// </summary>
    internal void ReleaseDrained(PipeBuffer? wanted)
    {
        if (Volatile.Read(ref _leaseCount) == 0 || _disposed)
        {
            return;
        }

        long consumed = ProvenConsumed();
        if (consumed == long.MinValue)
        {
            PipeBuffer? first;
            lock (_leases)
            {
                first = _leases.Count > 0 ? _leases.Peek() : null;
            }

            PipeBuffer? target = wanted ?? first;
            if (target == null || target.EndPosition > consumed)
            {
                long written = BytesWritten;
                int queued;
                using (DescriptorScope end = EnterEnd(_reader.IsClosed ? _writer : _reader))
                {
                    queued = NativeResult.Check(Zcn.bytes_available(end.Fd), "ioctl(FIONREAD)");
                }

                consumed = written - queued;
            }
        }

        bool any = false;
        while (true)
        {
            PipeBuffer? drained = null;
            lock (_leases)
            {
                if (_leases.Count > 0 && _leases.Peek().EndPosition <= consumed)
                {
                    drained = _leases.Dequeue();
                    _leaseCount = _leases.Count;
                }
            }

            if (drained == null)
            {
                break;
            }

            drained.Unlock(giveAway: Volatile.Read(ref _uncopied) != 0);
            any = true;
        }

        if (any)
        {
            SignalDrain();
        }
    }

    /// <summary>On Dispose: unlocks every lease, giving its pages away.</summary>
    private void ReleaseAllLeases()
    {
        PipeBuffer[] leases;
        lock (_leases)
        {
            leases = _leases.ToArray();
            _leases.Clear();
            _leaseCount = 0;
        }

        foreach (PipeBuffer lease in leases)
        {
            try
            {
                lease.Unlock(giveAway: true);
            }
            catch (ZeroCopyException)
            {
                // mmap could not replace the pages (ENOMEM): the lease stays locked, unusable but safe.
            }
        }

        SignalDrain();
    }

    private void SignalDrain()
    {
        if (Volatile.Read(ref _drainWaiters) == 0)
        {
            return;
        }

        TaskCompletionSource? signal;
        lock (_drainGate)
        {
            Monitor.PulseAll(_drainGate);
            signal = _drainSignal;
            _drainSignal = null;
        }

        signal?.TrySetResult();
    }

    /// <summary>Waits until <paramref name="lease"/> unlocks: woken by this pipe's own consumers, and checking every
    /// few milliseconds (FIONREAD) for consumers behind its back.</summary>
    internal void WaitUntilDrained(PipeBuffer lease, CancellationToken cancellationToken)
    {
        int timeout = 1;
        while (lease.IsLocked)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Interlocked.Increment(ref _drainWaiters);
            try
            {
                lock (_drainGate)
                {
                    if (lease.IsLockedNow)
                    {
                        Monitor.Wait(_drainGate, timeout);
                    }
                }
            }
            finally
            {
                Interlocked.Decrement(ref _drainWaiters);
            }

            timeout = Math.Min(timeout * 2, 32);
        }
    }

    /// <summary>The asynchronous form of <see cref="WaitUntilDrained"/>.</summary>
    internal async ValueTask WaitUntilDrainedAsync(PipeBuffer lease, CancellationToken cancellationToken)
    {
        int timeout = 1;
        while (lease.IsLocked)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Interlocked.Increment(ref _drainWaiters);
            try
            {
                Task signal;
                lock (_drainGate)
                {
                    signal = (_drainSignal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                }

                if (lease.IsLockedNow)
                {
                    await Task.WhenAny(signal, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _drainWaiters);
            }

            timeout = Math.Min(timeout * 2, 32);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }
}
