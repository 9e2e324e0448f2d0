using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

// The asynchronous methods. The first one called switches both ends of the pipe to O_NONBLOCK (the pipe is the
// library's, as the runtime does for a Socket it makes asynchronous): a call that cannot proceed then answers EAGAIN,
// and the operation parks in the library's event loop instead of holding a thread. The synchronous methods keep
// their blocking behaviour by waiting with poll(2); a Reader or Writer handle taken from the pipe sees O_NONBLOCK.
public sealed partial class Pipe
{
    private int _asynchronous;

    /// <summary>
    /// Reads up to <paramref name="buffer"/>.Length bytes from the pipe with read(2) (a copy): one call, parked in the
    /// library's event loop while the pipe is empty.
    /// </summary>
    /// <param name="buffer">Receives the bytes.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The bytes read; 0 when the pipe is empty and its write end closed (or the buffer is empty).</returns>
    /// <exception cref="ObjectDisposedException">The pipe is disposed, also while the read waits.</exception>
    /// <exception cref="TransferCanceledException">The token was cancelled (nothing was read).</exception>
    /// <exception cref="InvalidOperationException">Another asynchronous read of this pipe is waiting.</exception>
    /// <exception cref="ZeroCopyException">read failed.</exception>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return Canceled.Before<int>(cancellationToken);
        }

        return buffer.IsEmpty ? new ValueTask<int>(0) : ReadAsyncCore(buffer, cancellationToken);
    }

    /// <summary>
    /// Writes all of <paramref name="data"/> into the pipe with write(2) (a copy), parked in the library's event loop
    /// while the pipe is full.
    /// </summary>
    /// <param name="data">The bytes.</param>
    /// <param name="cancellationToken">Stops the write between calls or while it waits.</param>
    /// <exception cref="ObjectDisposedException">The pipe is disposed or its write end closed, also while the write
    /// waits.</exception>
    /// <exception cref="TransferCanceledException">The token was cancelled; holds the bytes written, a prefix of
    /// <paramref name="data"/>.</exception>
    /// <exception cref="InvalidOperationException">Another asynchronous write into this pipe is waiting.</exception>
    /// <exception cref="ZeroCopyException">write failed: EPIPE (the read end is closed); holds the bytes written.</exception>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return Canceled.Before(cancellationToken);
        }

        return data.IsEmpty ? default : PushAsyncCore(data, null, data.Length, cancellationToken);
    }

    /// <summary>
    /// Moves up to <paramref name="count"/> bytes from <paramref name="source"/> into the pipe with splice(2), as
    /// <see cref="SpliceFrom"/> does, parked in the library's event loop while the source has no data or the pipe is
    /// full. A socket or pipe source must be non-blocking.
    /// </summary>
    /// <param name="source">A file, socket or pipe open for reading.</param>
    /// <param name="sourceOffset">For a file: where to read (its position is left alone), or null to read from and
    /// advance its position. Null for a socket or pipe.</param>
    /// <param name="count">The most bytes to move.</param>
    /// <param name="options">Flags added to every call (NonBlocking always is).</param>
    /// <param name="cancellationToken">Stops the operation between calls or while it waits.</param>
    /// <returns>The bytes moved: <paramref name="count"/>, or fewer when the source ended.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sourceOffset"/> or <paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">The handle is invalid, or a socket or pipe source is in blocking mode.</exception>
    /// <exception cref="ObjectDisposedException">The pipe or the source is disposed, also while waiting.</exception>
    /// <exception cref="TransferCanceledException">The token was cancelled; holds the bytes moved.</exception>
    /// <exception cref="ZeroCopyException">splice failed (EINVAL, ESPIPE, EBADF, ...); holds the bytes moved.</exception>
    public ValueTask<long> SpliceFromAsync(SafeHandle source, long? sourceOffset, long count,
                                           SpliceOptions options = SpliceOptions.None,
                                           CancellationToken cancellationToken = default)
    {
        Descriptors.Validate(source, nameof(source));
        Descriptors.CheckOffset(sourceOffset, nameof(sourceOffset));
        Descriptors.CheckCount(count);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return StartSplice(source, sourceOffset, count, options, into: true, cancellationToken);
    }

    /// <summary>
    /// Moves up to <paramref name="count"/> bytes from the pipe into <paramref name="destination"/> with splice(2), as
    /// <see cref="SpliceTo"/> does, parked in the library's event loop while the pipe is empty or the destination
    /// full. A socket or pipe destination must be non-blocking.
    /// </summary>
    /// <param name="destination">A file (not O_APPEND), socket or pipe open for writing.</param>
    /// <param name="destinationOffset">For a file: where to write (its position is left alone), or null to use and
    /// advance its position. Null for a socket or pipe.</param>
    /// <param name="count">The most bytes to move.</param>
    /// <param name="options">Flags added to every call (NonBlocking always is).</param>
    /// <param name="cancellationToken">Stops the operation between calls or while it waits.</param>
    /// <returns>The bytes moved: <paramref name="count"/>, or fewer when the pipe's write end closed first.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="destinationOffset"/> or <paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">The handle is invalid, or a socket or pipe destination is in blocking mode.</exception>
    /// <exception cref="ObjectDisposedException">The pipe or the destination is disposed, also while waiting.</exception>
    /// <exception cref="TransferCanceledException">The token was cancelled; holds the bytes moved.</exception>
    /// <exception cref="ZeroCopyException">splice failed (EINVAL, EPIPE, ECONNRESET, ENOSPC, ...); holds the bytes moved.</exception>
    public ValueTask<long> SpliceToAsync(SafeHandle destination, long? destinationOffset, long count,
                                         SpliceOptions options = SpliceOptions.None,
                                         CancellationToken cancellationToken = default)
    {
        Descriptors.Validate(destination, nameof(destination));
        Descriptors.CheckOffset(destinationOffset, nameof(destinationOffset));
        Descriptors.CheckCount(count);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return StartSplice(destination, destinationOffset, count, options, into: false, cancellationToken);
    }

    /// <summary>
    /// Hands the first <paramref name="length"/> bytes of <paramref name="buffer"/> to the pipe with vmsplice(2), as
    /// <see cref="VmSplice"/> does (the lease stays locked until the pipe has drained it), parked in the library's
    /// event loop while the pipe is full.
    /// </summary>
    /// <param name="buffer">A lease from <see cref="PipeBuffer.Rent(int)"/>, not locked.</param>
    /// <param name="length">How many of its bytes to hand over.</param>
    /// <param name="cancellationToken">Stops the operation between calls or while it waits.</param>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative or beyond the lease.</exception>
    /// <exception cref="ObjectDisposedException">The pipe or the lease is disposed.</exception>
    /// <exception cref="InvalidOperationException">The lease is still locked by an earlier splice.</exception>
    /// <exception cref="TransferCanceledException">The token was cancelled; holds the bytes handed over (they stay in
    /// the pipe, and the lease stays locked until they are drained).</exception>
    /// <exception cref="ZeroCopyException">vmsplice failed: EPIPE (the read end is closed), ENOMEM.</exception>
    public ValueTask VmSpliceAsync(PipeBuffer buffer, int length, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, buffer.Length);
        ObjectDisposedException.ThrowIf(_disposed, this);
        buffer.ThrowIfUnusable();
        if (cancellationToken.IsCancellationRequested)
        {
            return Canceled.Before(cancellationToken);
        }

        return length == 0 ? default : PushAsyncCore(default, buffer, length, cancellationToken);
    }

    /// <summary>Switches both ends to O_NONBLOCK, once, before the first asynchronous call.</summary>
    private void BecomeAsynchronous()
    {
        if (Volatile.Read(ref _asynchronous) != 0)
        {
            return;
        }

        foreach (Microsoft.Win32.SafeHandles.SafeFileHandle end in new[] { _reader, _writer })
        {
            if (!end.IsClosed)
            {
                using DescriptorScope scope = DescriptorScope.Borrow(end);
                NativeResult.Check(Zcn.set_nonblocking(scope.Fd, 1), "fcntl(F_SETFL)");
            }
        }

        Volatile.Write(ref _asynchronous, 1);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadAsyncCore(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        BecomeAsynchronous();
        var end = new WaitableEnd(_reader);
        try
        {
            while (true)
            {
                int seen = end.Sequence(Interest.Read);
                LoopResult result = ReadSome(buffer.Span);
                Consumed(result.Moved);
                if (result.Error != Errno.EAGAIN)
                {
                    return (int)result.ThrowIfFailed("read");
                }

                await end.WaitAsync(Interest.Read, seen, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException e) when (e is not TransferCanceledException)
        {
            throw new TransferCanceledException(0, cancellationToken);
        }
        finally
        {
            end.Release();
        }
    }

    private unsafe LoopResult ReadSome(Span<byte> buffer)
    {
        using DescriptorScope input = EnterEnd(_reader);
        fixed (byte* start = buffer)
        {
            return ReadWriteLoop.ReadOnce(input.Fd, null, start, buffer.Length, wait: false);
        }
    }

    private unsafe LoopResult WriteSome(ReadOnlySpan<byte> data)
    {
        using DescriptorScope output = EnterEnd(_writer);
        // Under the write gate, as every write into the pipe: a lease's end position counts every byte before it.
        lock (_writeGate)
        {
            fixed (byte* start = data)
            {
                var meter = new TransferMeter(null);
                LoopResult result = ReadWriteLoop.WriteAll(output.Fd, null, start, data.Length, ref meter, wait: false);
                AddWritten(result.Moved);
                return result;
            }
        }
    }

    private ValueTask<long> StartSplice(SafeHandle other, long? offset, long count, SpliceOptions options, bool into,
                                        CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Canceled.Before<long>(cancellationToken);
        }

        if (count == 0)
        {
            return new ValueTask<long>(0L);
        }

        FdInfo info = NativeFile.Query(other);
        if (!into)
        {
            NoteDestination(other, info); // before any byte moves: a socket or pipe marks the pipe
        }

        AsyncTransfer.RequireNonBlocking((FdKind)unchecked((uint)info.kind), (info.status_flags & (int)OpenFlags.NONBLOCK) != 0,
                                         into ? "source" : "destination");

        return SpliceAsyncCore(other, offset, count, options.ToNative() | SpliceFlags.NONBLOCK, into, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<long> SpliceAsyncCore(SafeHandle other, long? offset, long count, SpliceFlags flags, bool into,
                                                  CancellationToken cancellationToken)
    {
        BecomeAsynchronous();
        var sourceEnd = new WaitableEnd(into ? other : _reader);
        var destinationEnd = new WaitableEnd(into ? _writer : other);
        long moved = 0;
        try
        {
            while (moved < count)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    throw new TransferCanceledException(moved, cancellationToken);
                }

                int sourceSeen = sourceEnd.Sequence(Interest.Read);
                int destinationSeen = destinationEnd.Sequence(Interest.Write);
                LoopResult result = SpliceSome(other, ref offset, Math.Min(count - moved, AsyncTransfer.Chunk), flags, into,
                                               out bool? sourceWaits);
                moved += result.Moved;
                if (result.Ended)
                {
                    break;
                }

                if (result.Failed && result.Error != Errno.EAGAIN)
                {
                    throw new ZeroCopyException("splice", result.Error, moved);
                }

                if (sourceWaits is bool source)
                {
                    await (source ? sourceEnd.WaitAsync(Interest.Read, sourceSeen, cancellationToken, destinationEnd.Handle)
                                  : destinationEnd.WaitAsync(Interest.Write, destinationSeen, cancellationToken, sourceEnd.Handle))
                        .ConfigureAwait(false);
                }
            }

            return moved;
        }
        catch (OperationCanceledException e) when (e is not TransferCanceledException)
        {
            throw new TransferCanceledException(moved, cancellationToken);
        }
        finally
        {
            sourceEnd.Release();
            destinationEnd.Release();
        }
    }

    /// <summary>One bounded splice loop between the pipe and <paramref name="other"/>, without waiting; on EAGAIN also
    /// says whether the source has data (so the destination is the end to wait for).</summary>
    private unsafe LoopResult SpliceSome(SafeHandle other, ref long? offset, long count, SpliceFlags flags, bool into,
                                         out bool? sourceWaits)
    {
        using DescriptorScope outside = DescriptorScope.Borrow(other);
        using DescriptorScope mine = EnterEnd(into ? _writer : _reader);
        long position = offset.GetValueOrDefault();
        long* at = offset.HasValue ? &position : null;
        var meter = new TransferMeter(null);
        LoopResult result;
        if (into)
        {
            lock (_writeGate)
            {
                result = SpliceLoop.Run(outside.Fd, at, mine.Fd, null, count, flags, ref meter, wait: false);
                AddWritten(result.Moved);
            }
        }
        else
        {
            result = SpliceLoop.Run(mine.Fd, null, outside.Fd, at, count, flags, ref meter, wait: false);
            Consumed(result.Moved);
        }

        offset = offset.HasValue ? position : null;
        sourceWaits = into ? Readiness.SourceWaits(result.Error, outside.Fd, mine.Fd)
                           : Readiness.SourceWaits(result.Error, mine.Fd, outside.Fd);
        return result;
    }

    /// <summary>Writes <paramref name="data"/> (write(2)), or hands <paramref name="length"/> bytes of
    /// <paramref name="lease"/> over (vmsplice(2)), parking while the pipe is full.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PushAsyncCore(ReadOnlyMemory<byte> data, PipeBuffer? lease, int length,
                                          CancellationToken cancellationToken)
    {
        BecomeAsynchronous();
        if (lease != null)
        {
            LockLease(lease);
        }

        var end = new WaitableEnd(_writer);
        long pushed = 0;
        try
        {
            while (pushed < length)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    throw new TransferCanceledException(pushed, cancellationToken);
                }

                int seen = end.Sequence(Interest.Write);
                LoopResult result = lease != null ? VmSpliceSome(lease, pushed, length - pushed)
                                                  : WriteSome(data.Span.Slice((int)pushed));
                pushed += result.Moved;
                if (result.Failed && result.Error != Errno.EAGAIN)
                {
                    throw new ZeroCopyException(lease != null ? "vmsplice" : "write", result.Error, pushed);
                }

                if (result.Failed)
                {
                    await end.WaitAsync(Interest.Write, seen, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException e) when (e is not TransferCanceledException)
        {
            throw new TransferCanceledException(pushed, cancellationToken);
        }
        finally
        {
            end.Release();
            if (lease != null)
            {
                SettleLease(lease, pushed);
            }
        }
    }

    private unsafe LoopResult VmSpliceSome(PipeBuffer buffer, long from, long length)
    {
        using DescriptorScope output = EnterEnd(_writer);
        lock (_writeGate)
        {
            LoopResult result = VmSpliceLoop.Run(output.Fd, buffer.Address + from, length, wait: false);
            AddWritten(result.Moved);
            return result;
        }
    }
}
