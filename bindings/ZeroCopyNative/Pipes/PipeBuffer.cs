using System;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// A page-aligned buffer owned by the library, leased from a pool, that can be handed to a pipe with vmsplice(2)
/// (<see cref="Pipe.VmSplice(PipeBuffer, int)"/>) without the hazards of splicing arbitrary memory.
/// </summary>
/// <remarks>
/// <para>vmsplice(2) does not copy: the pipe keeps references to the buffer's pages until its reader has consumed them,
/// and anything that later receives them without a copy (a socket's send queue, a tee'd pipe) keeps them longer. If the
/// memory were modified or freed meanwhile, the reader would see the change or freed memory (nix#2633). A lease
/// therefore goes through two protections once spliced:</para>
/// <list type="number">
/// <item>It is <b>locked</b> until the pipe has drained its bytes (tracked by byte position against FIONREAD): reading
/// <see cref="Span"/>, splicing it again or returning it to the pool throws <see cref="InvalidOperationException"/>;
/// <see cref="Dispose"/> is accepted but defers the return to the pool until the pipe has drained.</item>
/// <item>Its pages are <b>given away</b> right after the splice: the library maps fresh zero-filled pages at the same
/// address (mmap MAP_FIXED), so the spliced pages belong to the kernel alone. A span obtained before the splice then
/// writes into the new pages, and nothing the process does can change the bytes the reader receives, however long the
/// kernel keeps them.</item>
/// </list>
/// <para>After unlocking, the lease holds zeros, not the bytes it sent. Thread safety: one lease is used by one thread
/// at a time; <see cref="IsLocked"/> and <see cref="Dispose"/> may be called from any thread.</para>
/// </remarks>
public sealed unsafe class PipeBuffer : IDisposable
{
    /// <summary>The length of leases from <see cref="Rent(int)"/> when no larger length is asked for: 64 KiB, the default
    /// capacity of a Linux pipe.</summary>
    public const int DefaultLength = 64 * 1024;

    // One lock for every lease's state: transitions are rare and short, and a single lock has no ordering hazards
    // between leases and pipes.
    internal static readonly object Gate = new();

    private byte* _address;
    private readonly int _length;
    private Pipe? _pipe;            // the pipe holding the lease's pages; null when unlocked
    private long _endPosition;      // the pipe's write position after this lease's bytes
    private bool _disposeWhenUnlocked;
    private bool _pooled;           // in the pool, not leased
    private bool _freed;

    private PipeBuffer(byte* address, int length)
    {
        _address = address;
        _length = length;
    }

    /// <summary>Finalizer: unmaps the memory of a lease that was dropped without <see cref="Dispose"/>.</summary>
    ~PipeBuffer()
    {
        Free();
    }

    /// <summary>The length of the lease in bytes: a multiple of the page size.</summary>
    public int Length => _length;

    /// <summary>
    /// Whether the lease is locked: spliced into a pipe that has not yet drained its bytes. Checking asks the pipe
    /// (ioctl FIONREAD) and unlocks the lease once drained.
    /// </summary>
    /// <exception cref="ZeroCopyException">ioctl(FIONREAD) failed on the pipe.</exception>
    public bool IsLocked
    {
        get
        {
            Pipe? pipe;
            lock (Gate)
            {
                pipe = _pipe;
            }

            if (pipe == null)
            {
                return false;
            }

            pipe.ReleaseDrained();
            lock (Gate)
            {
                return _pipe != null;
            }
        }
    }

    /// <summary>
    /// The memory of the lease, readable and writable. Throws while the lease is locked.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The lease was disposed (returned).</exception>
    /// <exception cref="InvalidOperationException">The lease is locked: spliced into a pipe that has not drained it.</exception>
    public Span<byte> Span
    {
        get
        {
            ThrowIfUnusable();
            return new Span<byte>(_address, _length);
        }
    }

    /// <summary>
    /// Leases a page-aligned buffer of at least <paramref name="minimumLength"/> bytes (rounded up to whole pages).
    /// Leases of <see cref="DefaultLength"/> or less come from a shared pool; longer ones are mapped (mmap) for the
    /// lease and unmapped when it ends. The memory is zero-filled when first mapped; a reused lease may hold the bytes
    /// its previous holder wrote (never bytes that were spliced: those pages were given away).
    /// </summary>
    /// <param name="minimumLength">The least length wanted, at least 1.</param>
    /// <returns>A lease; dispose it to return it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minimumLength"/> is not positive, or above 1 GiB.</exception>
    /// <exception cref="ZeroCopyException">mmap failed (ENOMEM).</exception>
    public static PipeBuffer Rent(int minimumLength = DefaultLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minimumLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minimumLength, 1 << 30);
        if (minimumLength <= DefaultLength && PipeBufferPool.TryTake(out PipeBuffer? pooled))
        {
            return pooled;
        }

        long pageSize = Zcn.page_size();
        int length = minimumLength <= DefaultLength ? DefaultLength : checked((int)((minimumLength + pageSize - 1) / pageSize * pageSize));
        return new PipeBuffer(Map(null, length, fixedAddress: false), length);
    }

    /// <summary>
    /// Ends the lease: the buffer goes back to the pool (or is unmapped). While the lease is locked the return is
    /// deferred until its pipe has drained it (or is disposed). Calling it twice does nothing. As with any pool, a span
    /// obtained earlier must not be used afterwards: the memory may already be leased to someone else (whose spliced
    /// bytes are still safe, because spliced pages are given away).
    /// </summary>
    public void Dispose()
    {
        bool returnNow;
        lock (Gate)
        {
            if (_pooled || _disposeWhenUnlocked || _freed)
            {
                return;
            }

            returnNow = _pipe == null;
            _disposeWhenUnlocked = !returnNow;
            if (returnNow)
            {
                _pooled = true;
            }
        }

        if (returnNow)
        {
            ReturnToPool();
        }
    }

    /// <summary>The start of the memory, for vmsplice.</summary>
    internal byte* Address => _address;

    /// <summary>Checks that the lease can be used by its holder: not returned, not locked.</summary>
    internal void ThrowIfUnusable()
    {
        Pipe? pipe;
        lock (Gate)
        {
            ObjectDisposedException.ThrowIf(_pooled || _disposeWhenUnlocked || _freed, this);
            pipe = _pipe;
        }

        if (pipe == null)
        {
            return;
        }

        pipe.ReleaseDrained();
        lock (Gate)
        {
            if (_pipe != null)
            {
                throw new InvalidOperationException(
                    "The PipeBuffer is locked: it was spliced into a pipe (vmsplice) that has not yet drained its bytes. " +
                    "Wait until the pipe's reader has consumed them (see IsLocked).");
            }
        }
    }

    /// <summary>Locks the lease to <paramref name="pipe"/> before its pages are spliced; the end position is set later.</summary>
    internal void LockTo(Pipe pipe)
    {
        lock (Gate)
        {
            ObjectDisposedException.ThrowIf(_pooled || _disposeWhenUnlocked || _freed, this);
            if (_pipe != null)
            {
                throw new InvalidOperationException("The PipeBuffer is locked: it was already spliced into a pipe that has not drained it.");
            }

            _pipe = pipe;
            _endPosition = long.MaxValue;
        }
    }

    /// <summary>Records where the lease's bytes end in the pipe's write stream.</summary>
    internal void SetEndPosition(long endPosition)
    {
        lock (Gate)
        {
            _endPosition = endPosition;
        }
    }

    /// <summary>The end position recorded by <see cref="SetEndPosition"/>.</summary>
    internal long EndPosition
    {
        get
        {
            lock (Gate)
            {
                return _endPosition;
            }
        }
    }

    /// <summary>Called by the pipe once it has drained the lease (or is disposed): unlocks, and completes a deferred
    /// Dispose.</summary>
    internal void Unlock()
    {
        bool returnNow;
        lock (Gate)
        {
            _pipe = null;
            returnNow = _disposeWhenUnlocked;
            if (returnNow)
            {
                _disposeWhenUnlocked = false;
                _pooled = true;
            }
        }

        if (returnNow)
        {
            ReturnToPool();
        }
    }

    /// <summary>Replaces the lease's pages with fresh zero-filled ones at the same address, so the pages handed to the
    /// kernel can never be written or freed by the process.</summary>
    internal void GiveAwayPages()
    {
        byte* address = Map(_address, _length, fixedAddress: true);
        if (address != _address)
        {
            // MAP_FIXED places the mapping exactly or fails; anything else would be a broken contract.
            throw new InvalidOperationException("mmap(MAP_FIXED) placed the replacement pages elsewhere.");
        }
    }

    /// <summary>Taken out of the pool for a new lease.</summary>
    internal void Reopen()
    {
        lock (Gate)
        {
            _pooled = false;
        }
    }

    private void ReturnToPool()
    {
        if (_length != DefaultLength || !PipeBufferPool.TryAdd(this))
        {
            Free();
            GC.SuppressFinalize(this);
        }
    }

    private void Free()
    {
        byte* address = _address;
        if (address == null || _freed)
        {
            return;
        }

        _freed = true;
        _address = null;
        _ = Zcn.munmap(address, (ulong)_length);
    }

    private static byte* Map(byte* hint, int length, bool fixedAddress)
    {
        void* address;
        int flags = (int)(MapFlags.PRIVATE | MapFlags.ANONYMOUS) | (fixedAddress ? (int)MapFlags.FIXED : 0);
        int result = Zcn.mmap(&address, hint, (ulong)length, (int)(MemoryProtection.READ | MemoryProtection.WRITE), flags, -1, 0);
        NativeResult.Check(result, "mmap");
        return (byte*)address;
    }
}
