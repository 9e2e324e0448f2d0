using System;
using System.Buffers;
using System.Threading;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// A page-aligned buffer owned by the library, leased from a pool, that can be handed to a pipe with vmsplice(2)
/// (<see cref="Pipe.VmSplice(PipeBuffer, int)"/>) without the hazards of splicing arbitrary memory.
/// </summary>
/// <remarks>
/// <para>vmsplice(2) does not copy: the pipe keeps references to the buffer's pages until its reader has consumed them,
/// and anything that receives them without a copy (a socket's send queue, another pipe, tee) keeps them longer. If the
/// memory were modified or freed meanwhile, the receiver would see the change or freed memory (nix#2633). So once
/// spliced, a lease is <b>locked</b>: <see cref="Span"/>, <see cref="Memory"/>'s span, a second splice and the return to
/// the pool throw <see cref="InvalidOperationException"/> (<see cref="Dispose"/> is accepted and deferred) until the
/// pipe has drained its bytes. Whether it has is proved without a system call where the pipe allows it (the bytes its
/// own <see cref="Pipe.Read"/> and <see cref="Pipe.SpliceTo"/> consumed, or more than the pipe's capacity written
/// after the lease), and asked of the kernel (ioctl FIONREAD) only where it cannot be proved: when the pipe's
/// <see cref="Pipe.Reader"/> or <see cref="Pipe.Writer"/> handle was handed out.</para>
/// <para>What happens to the lease's pages depends on how bytes leave the pipe (see <see cref="Pipe"/>):</para>
/// <list type="bullet">
/// <item>Every byte leaves through a <b>copy</b> (<see cref="Pipe.Read"/>, <see cref="Pipe.SpliceTo"/> into a regular
/// file or /dev/null, and their async forms): once drained, nothing references the pages any more, and the lease is
/// reused as it is, at no cost. It keeps the bytes it sent.</item>
/// <item>Bytes may leave <b>without a copy</b> (into a socket or another pipe, tee, or through a handed-out
/// <see cref="Pipe.Reader"/>): the pages may outlive the pipe, so they are <b>given away</b>: the library maps fresh
/// zero-filled pages at the same address (mmap MAP_FIXED) right after the splice, and the spliced pages belong to the
/// kernel alone. A lease of <see cref="AlignedBuffer.HugePageSize"/> bytes or more is aligned to it and advised for
/// transparent huge pages (madvise MADV_HUGEPAGE), so a give-away costs one fault per huge page instead of one per
/// 4 KiB page. A given-away lease holds zeros when it unlocks.</item>
/// </list>
/// <para>Either way, nothing the process does through the lease's <see cref="Span"/> or <see cref="Memory"/> changes
/// the bytes a reader or socket receives. As with any pooled buffer, a span or pointer taken <i>before</i> the splice
/// must not be written until the lease unlocks: with a copying consumer the pages are still the pipe's.</para>
/// <para>Thread safety: one lease is used by one thread at a time; <see cref="IsLocked"/> and <see cref="Dispose"/> may
/// be called from any thread. <see cref="PipeBufferRing"/> hands out leases in turn and waits for them to drain.</para>
/// </remarks>
public sealed unsafe class PipeBuffer : IDisposable
{
    /// <summary>The length of leases from <see cref="Rent(int)"/> when no larger length is asked for: 64 KiB, the default
    /// capacity of a Linux pipe.</summary>
    public const int DefaultLength = 64 * 1024;

    // The one state field; every transition is a compare-exchange.
    private const int Held = 0;            // leased, usable by its holder
    private const int Locked = 1;          // spliced into a pipe that has not drained it
    private const int LockedDisposed = 2;  // locked, and Dispose was called: returned once drained
    private const int Pooled = 3;          // in the pool
    private const int Freed = 4;           // unmapped

    private byte* _address;
    private readonly int _length;
    private readonly bool _hugeMapping;    // from zcn_aligned_map, advised MADV_HUGEPAGE
    private int _state;
    private Pipe? _pipe;                   // the pipe holding the lease's pages while locked
    private long _endPosition;             // the pipe's write position after this lease's bytes
    private bool _pagesGiven;              // pages replaced since the lease was last spliced
    private LeaseMemory? _memory;

    private PipeBuffer(byte* address, int length, bool hugeMapping)
    {
        _address = address;
        _length = length;
        _hugeMapping = hugeMapping;
    }

    /// <summary>Finalizer: unmaps the memory of a lease that was dropped without <see cref="Dispose"/>.</summary>
    ~PipeBuffer()
    {
        Free();
    }

    /// <summary>The length of the lease in bytes: a multiple of the page size.</summary>
    public int Length => _length;

    /// <summary>
    /// Whether the lease is locked: spliced into a pipe that has not yet drained its bytes. Checking proves the drain
    /// from the pipe's byte counts where it can, and otherwise asks the pipe (ioctl FIONREAD); a drained lease
    /// unlocks (and, if its pipe let bytes leave without a copy, gets fresh pages: mmap).
    /// </summary>
    /// <exception cref="ZeroCopyException">ioctl(FIONREAD) or mmap failed.</exception>
    public bool IsLocked
    {
        get
        {
            int state = Volatile.Read(ref _state);
            if (state != Locked && state != LockedDisposed)
            {
                return false;
            }

            Pipe? pipe = Volatile.Read(ref _pipe);
            pipe?.ReleaseDrained(this);
            state = Volatile.Read(ref _state);
            return state == Locked || state == LockedDisposed;
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
    /// The lease as <see cref="Memory{T}"/>, for asynchronous producers (a <see cref="System.IO.Stream.ReadAsync(Memory{byte}, CancellationToken)"/>
    /// into the lease, say). No system call. Its <see cref="Memory{T}.Span"/> checks the lease as <see cref="Span"/>
    /// does, each time: it throws while the lease is locked or after it was disposed. Pinning it returns the address
    /// (the memory is native and never moves) without keeping the lease from the pool: do not use a pin after
    /// <see cref="Dispose"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The lease was disposed (returned).</exception>
    public Memory<byte> Memory
    {
        get
        {
            int state = Volatile.Read(ref _state);
            ObjectDisposedException.ThrowIf(state >= LockedDisposed, this);
            return (_memory ??= new LeaseMemory(this)).Memory;
        }
    }

    /// <summary>
    /// Leases a page-aligned buffer of at least <paramref name="minimumLength"/> bytes (rounded up to whole pages).
    /// Leases of <see cref="DefaultLength"/> or less come from a shared pool; longer ones are mapped (mmap) for the
    /// lease and unmapped when it ends. From <see cref="AlignedBuffer.HugePageSize"/> bytes on (2 MiB here) the lease is
    /// a mapping aligned to the huge-page size (zcn_aligned_map) advised with madvise(2) MADV_HUGEPAGE: pass a
    /// multiple of the huge-page size for leases that will go to a socket or another pipe, whose pages are given away
    /// after each splice. The memory is zero-filled when first mapped; a reused lease may hold the bytes its previous
    /// holder wrote or spliced.
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

        int length = minimumLength <= DefaultLength ? DefaultLength : checked((int)PageMath.AlignUp(minimumLength));
        if (length >= HugePages.Size)
        {
            void* block;
            NativeResult.Check(Zcn.aligned_map(&block, (ulong)HugePages.Size, (ulong)length), "mmap");
            _ = HugePages.Advise(block, length);
            return new PipeBuffer((byte*)block, length, hugeMapping: true);
        }

        return new PipeBuffer(Map(null, length, fixedAddress: false), length, hugeMapping: false);
    }

    /// <summary>
    /// Ends the lease: the buffer goes back to the pool (or is unmapped). While the lease is locked the return is
    /// deferred until its pipe has drained it (or is disposed). Calling it twice does nothing. As with any pool, a span
    /// obtained earlier must not be used afterwards: the memory may already be leased to someone else.
    /// </summary>
    public void Dispose()
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            if (state == Held)
            {
                if (Interlocked.CompareExchange(ref _state, Pooled, Held) == Held)
                {
                    ReturnToPool();
                    return;
                }
            }
            else if (state == Locked)
            {
                if (Interlocked.CompareExchange(ref _state, LockedDisposed, Locked) == Locked)
                {
                    return;
                }
            }
            else
            {
                return;
            }
        }
    }

    /// <summary>Whether the lease is locked now, without checking for a drain.</summary>
    internal bool IsLockedNow => Volatile.Read(ref _state) is Locked or LockedDisposed;

    /// <summary>The start of the memory, for vmsplice.</summary>
    internal byte* Address => _address;

    /// <summary>Checks that the lease can be used by its holder: not returned, not locked (a locked lease is first
    /// checked for a drain).</summary>
    internal void ThrowIfUnusable()
    {
        int state = Volatile.Read(ref _state);
        if (state == Held)
        {
            return;
        }

        if (state == Locked)
        {
            Volatile.Read(ref _pipe)?.ReleaseDrained(this);
            state = Volatile.Read(ref _state);
            if (state == Held)
            {
                return;
            }

            if (state == Locked)
            {
                throw new InvalidOperationException(
                    "The PipeBuffer is locked: it was spliced into a pipe (vmsplice) that has not yet drained its bytes. " +
                    "Wait until the pipe's reader has consumed them (see IsLocked, or PipeBufferRing.Next).");
            }
        }

        throw new ObjectDisposedException(nameof(PipeBuffer));
    }

    /// <summary>Locks the lease to <paramref name="pipe"/> before its pages are spliced; the end position is set later.</summary>
    internal void LockTo(Pipe pipe)
    {
        if (Interlocked.CompareExchange(ref _state, Locked, Held) != Held)
        {
            ThrowIfUnusable(); // disposed, or locked by a concurrent splice
            throw new InvalidOperationException("The PipeBuffer is locked: it was already spliced into a pipe that has not drained it.");
        }

        _endPosition = long.MaxValue;
        _pagesGiven = false;
        Volatile.Write(ref _pipe, pipe);
    }

    /// <summary>Where the lease's bytes end in the pipe's write stream (set under the pipe's write gate).</summary>
    internal long EndPosition
    {
        get => Volatile.Read(ref _endPosition);
        set => Volatile.Write(ref _endPosition, value);
    }

    /// <summary>Called by the pipe once it has drained the lease (or is disposed): gives the pages away first when
    /// <paramref name="giveAway"/> and they were not given away since the splice, then unlocks, and completes a
    /// deferred Dispose.</summary>
    internal void Unlock(bool giveAway)
    {
        if (giveAway && !_pagesGiven && _address != null)
        {
            GiveAwayPages();
        }

        _pipe = null;
        if (Interlocked.CompareExchange(ref _state, Held, Locked) == Locked)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _state, Pooled, LockedDisposed) == LockedDisposed)
        {
            ReturnToPool();
        }
    }

    /// <summary>Replaces the lease's pages with fresh zero-filled ones at the same address (mmap MAP_FIXED; and
    /// madvise MADV_HUGEPAGE again for a huge-page lease), so the pages handed to the kernel can never be written or
    /// freed by the process.</summary>
    internal void GiveAwayPages()
    {
        byte* address = Map(_address, _length, fixedAddress: true);
        if (address != _address)
        {
            // MAP_FIXED places the mapping exactly or fails; anything else would be a broken contract.
            throw new InvalidOperationException("mmap(MAP_FIXED) placed the replacement pages elsewhere.");
        }

        if (_hugeMapping)
        {
            _ = HugePages.Advise(address, _length);
        }

        _pagesGiven = true;
    }

    /// <summary>Taken out of the pool for a new lease.</summary>
    internal void Reopen() => Volatile.Write(ref _state, Held);

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
        if (address == null || Interlocked.Exchange(ref _state, Freed) == Freed)
        {
            return;
        }

        _address = null;
        _ = _hugeMapping ? Zcn.aligned_unmap(address, (ulong)_length) : Zcn.munmap(address, (ulong)_length);
    }

    private static byte* Map(byte* hint, int length, bool fixedAddress)
    {
        void* address;
        int flags = (int)(MapFlags.PRIVATE | MapFlags.ANONYMOUS) | (fixedAddress ? (int)MapFlags.FIXED : 0);
        int result = Zcn.mmap(&address, hint, (ulong)length, (int)(MemoryProtection.READ | MemoryProtection.WRITE), flags, -1, 0);
        NativeResult.Check(result, "mmap");
        return (byte*)address;
    }

    /// <summary>The lease as a <see cref="MemoryManager{T}"/>: its span is the lease's checked <see cref="Span"/>.</summary>
    private sealed class LeaseMemory(PipeBuffer lease) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => lease.Span;

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, lease._length);
            lease.ThrowIfUnusable();
            return new MemoryHandle(lease._address + elementIndex);
        }

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
