using System;
using System.Threading;
using System.Threading.Tasks;

namespace ZeroCopyNative;

/// <summary>
/// A ring of <see cref="PipeBuffer"/> leases for one producer of one <see cref="Pipe"/>: <see cref="Next"/> hands out
/// the leases in turn, waiting (without spinning) until the one in turn has drained from the pipe. The producer fills
/// it (<see cref="PipeBuffer.Span"/> or <see cref="PipeBuffer.Memory"/>) and hands it to the pipe with
/// <see cref="Pipe.VmSplice(PipeBuffer, int)"/> or <see cref="Pipe.VmSpliceAsync"/>.
/// </summary>
/// <remarks>
/// <para>By default the ring holds capacity / lease length + 2 leases: a pipe never holds more than its capacity, so
/// when full leases go round, the lease in turn has more than the capacity written after it and has drained. Its
/// drain is then proved by arithmetic, and with a pipe whose bytes all leave through a copy (see <see cref="Pipe"/>),
/// getting the next lease makes no system call. Waiting happens only when the proof fails (short leases, or a handle
/// of the pipe handed out): the ring is woken by the pipe's own reads and splices, and checks the pipe
/// (ioctl FIONREAD) every few milliseconds for readers behind its back.</para>
/// <para>For a pipe whose bytes go to a socket or another pipe, leases of <see cref="AlignedBuffer.HugePageSize"/> bytes
/// (or a multiple) give their pages away a huge page at a time: hundreds of times fewer page faults than 4 KiB
/// pages.</para>
/// <para>The leases belong to the ring: do not dispose them; <see cref="Dispose"/> returns them all (each once its
/// pipe has drained it). Thread safety: one producer at a time calls <see cref="Next"/> or <see cref="NextAsync"/>;
/// <see cref="Dispose"/> may be called from any thread.</para>
/// </remarks>
public sealed class PipeBufferRing : IDisposable
{
    private readonly Pipe _pipe;
    private readonly PipeBuffer[] _leases;
    private int _next;
    private volatile bool _disposed;

    /// <summary>
    /// Rents the ring's leases (<see cref="PipeBuffer.Rent(int)"/>; mmap) for <paramref name="pipe"/>.
    /// </summary>
    /// <param name="pipe">The pipe the leases will be spliced into. Its capacity is read (fcntl F_GETPIPE_SZ) when
    /// <paramref name="count"/> is not given.</param>
    /// <param name="leaseLength">The least length of each lease in bytes (rounded up to whole pages; see
    /// <see cref="PipeBuffer.Rent(int)"/>).</param>
    /// <param name="count">The number of leases, at least 1; null for the pipe's capacity / lease length + 2.</param>
    /// <exception cref="ArgumentNullException"><paramref name="pipe"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="leaseLength"/> is not positive or above 1 GiB, or
    /// <paramref name="count"/> is not positive or above 4096.</exception>
    /// <exception cref="ObjectDisposedException">The pipe is disposed.</exception>
    /// <exception cref="ZeroCopyException">fcntl or mmap failed (ENOMEM).</exception>
    public PipeBufferRing(Pipe pipe, int leaseLength, int? count = null)
    {
        ArgumentNullException.ThrowIfNull(pipe);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(leaseLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(leaseLength, 1 << 30);
        if (count is int wanted)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(wanted, nameof(count));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(wanted, 4096, nameof(count));
        }

        _pipe = pipe;
        int capacity = count == null ? pipe.Capacity : 0; // before the first rent: a disposed pipe throws here
        PipeBuffer first = PipeBuffer.Rent(leaseLength);
        int leases = count ?? (capacity / first.Length) + 2;
        _leases = new PipeBuffer[leases];
        _leases[0] = first;
        try
        {
            for (int i = 1; i < leases; i++)
            {
                _leases[i] = PipeBuffer.Rent(leaseLength);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The number of leases.</summary>
    public int Count => _leases.Length;

    /// <summary>The length of each lease in bytes.</summary>
    public int LeaseLength => _leases[0].Length;

    /// <summary>
    /// The next lease in turn, once it has drained from the pipe: at once when that is proved (no system call), else
    /// after waiting for the pipe's reader (see the remarks of <see cref="PipeBufferRing"/>).
    /// </summary>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>An unlocked lease, ready to be filled.</returns>
    /// <exception cref="ObjectDisposedException">The ring is disposed.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled while waiting.</exception>
    /// <exception cref="ZeroCopyException">ioctl(FIONREAD) or mmap (giving pages away) failed.</exception>
    public PipeBuffer Next(CancellationToken cancellationToken = default)
    {
        PipeBuffer lease = Advance();
        _pipe.WaitUntilDrained(lease, cancellationToken); // returns at once for a lease proved drained
        return lease;
    }

    /// <summary>
    /// The asynchronous form of <see cref="Next"/>: completes at once (allocating nothing) when the lease in turn is
    /// proved drained; otherwise no thread is held while the pipe's reader catches up.
    /// </summary>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>An unlocked lease, ready to be filled.</returns>
    /// <exception cref="ObjectDisposedException">The ring is disposed.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled while waiting.</exception>
    /// <exception cref="ZeroCopyException">ioctl(FIONREAD) or mmap (giving pages away) failed.</exception>
    public ValueTask<PipeBuffer> NextAsync(CancellationToken cancellationToken = default)
    {
        PipeBuffer lease = Advance();
        return lease.IsLocked ? WaitAsync(lease, cancellationToken) : new ValueTask<PipeBuffer>(lease);
    }

    /// <summary>Returns every lease: at once if unlocked, otherwise once its pipe has drained it (or is disposed).
    /// Calling it twice does nothing.</summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (PipeBuffer? lease in _leases)
        {
            lease?.Dispose();
        }
    }

    private PipeBuffer Advance()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        PipeBuffer lease = _leases[_next];
        _next = _next + 1 == _leases.Length ? 0 : _next + 1;
        return lease;
    }

    private async ValueTask<PipeBuffer> WaitAsync(PipeBuffer lease, CancellationToken cancellationToken)
    {
        await _pipe.WaitUntilDrainedAsync(lease, cancellationToken).ConfigureAwait(false);
        return lease;
    }
}
