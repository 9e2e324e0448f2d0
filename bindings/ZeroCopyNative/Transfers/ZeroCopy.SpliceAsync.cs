using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

public static partial class ZeroCopy
{
    /// <summary>
    /// Moves up to <paramref name="count"/> bytes between a pipe and another descriptor with splice(2), as
    /// <see cref="Splice"/> does, without holding a thread while an end is not ready.
    /// </summary>
    /// <remarks>
    /// <para>SPLICE_F_NONBLOCK is added to every call, so the pipe side never sleeps; the other end, if it is a pipe or
    /// a socket, must be non-blocking (O_NONBLOCK). On EAGAIN the operation parks in the library's event loop until the
    /// end it waits for is ready.</para>
    /// <para>Cancellation is seen between calls (at most 8 MiB apart) and while waiting; it throws
    /// <see cref="TransferCanceledException"/> with the bytes moved. A file end without an offset is left after the
    /// bytes moved.</para>
    /// </remarks>
    /// <param name="source">The source: a pipe's read end, a file, a socket.</param>
    /// <param name="sourceOffset">For a file source: where to read (the file position is left alone), or null to read
    /// from and advance the file position; null for a pipe or socket.</param>
    /// <param name="destination">The destination: a pipe's write end, a file (not O_APPEND), a socket.</param>
    /// <param name="destinationOffset">For a file destination: where to write, or null for the file position; null for
    /// a pipe or socket.</param>
    /// <param name="count">The most bytes to move.</param>
    /// <param name="options">Flags passed to every call (Move and More are hints; NonBlocking is always added).</param>
    /// <param name="cancellationToken">Stops the operation between calls or while it waits.</param>
    /// <returns>The bytes moved: <paramref name="count"/>, or fewer when the source ended.</returns>
    /// <exception cref="ArgumentNullException">A handle is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An offset or <paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">A handle is invalid, or a pipe or socket end is in blocking mode.</exception>
    /// <exception cref="ObjectDisposedException">A handle is closed, also while the operation waits.</exception>
    /// <exception cref="TransferCanceledException">The token was cancelled; holds the bytes moved.</exception>
    /// <exception cref="ZeroCopyException">splice failed: EINVAL (neither end is a pipe, the destination is O_APPEND,
    /// or a descriptor does not support splice), ESPIPE, EBADF, EPIPE, ECONNRESET, ...;
    /// <see cref="ZeroCopyException.BytesTransferred"/> holds the bytes moved before.</exception>
    public static ValueTask<long> SpliceAsync(SafeHandle source, long? sourceOffset, SafeHandle destination,
                                              long? destinationOffset, long count, SpliceOptions options = SpliceOptions.None,
                                              CancellationToken cancellationToken = default)
    {
        Descriptors.CheckPair(source, sourceOffset, destination, destinationOffset, count);
        if (cancellationToken.IsCancellationRequested)
        {
            return Canceled.Before<long>(cancellationToken);
        }

        if (count == 0)
        {
            return new ValueTask<long>(0L);
        }

        var plan = new TransferPlan(null) { Count = count, Method = TransferMethod.Splice, KeepHoles = false };
        return BytesOf(AsyncTransfer.RunAsync(source, sourceOffset, destination, destinationOffset, plan, options.ToNative(),
                                              exact: true, cancellationToken));
    }

    /// <summary>
    /// Duplicates up to <paramref name="count"/> bytes queued in one pipe into another with tee(2), as
    /// <see cref="Tee"/> does (one successful call: tee never consumes), without holding a thread while the source is
    /// empty or the destination full.
    /// </summary>
    /// <remarks>SPLICE_F_NONBLOCK is added to the call; on EAGAIN the operation parks in the library's event loop until
    /// the source has data (or the destination room), and then calls again.</remarks>
    /// <param name="source">The source pipe's read end.</param>
    /// <param name="destination">The destination pipe's write end; a different pipe.</param>
    /// <param name="count">The most bytes to duplicate.</param>
    /// <param name="options">Flags for tee (NonBlocking is always added).</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The bytes duplicated: at most <paramref name="count"/> and at most what the source holds; 0 when the
    /// source is empty and has no writers left (or <paramref name="count"/> is 0).</returns>
    /// <exception cref="ArgumentNullException">A handle is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">A handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">A handle is closed, also while the operation waits.</exception>
    /// <exception cref="TransferCanceledException">The token was cancelled (nothing was duplicated).</exception>
    /// <exception cref="ZeroCopyException">tee failed: EINVAL (an end is not a pipe, or both are the same pipe), EBADF,
    /// ENOMEM.</exception>
    public static ValueTask<long> TeeAsync(SafeHandle source, SafeHandle destination, long count,
                                           SpliceOptions options = SpliceOptions.None,
                                           CancellationToken cancellationToken = default)
    {
        Descriptors.Validate(source, nameof(source));
        Descriptors.Validate(destination, nameof(destination));
        Descriptors.CheckCount(count);
        if (cancellationToken.IsCancellationRequested)
        {
            return Canceled.Before<long>(cancellationToken);
        }

        return count == 0 ? new ValueTask<long>(0L)
                          : TeeAsyncCore(source, destination, count, options.ToNative() | SpliceFlags.NONBLOCK, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> TeeAsyncCore(SafeHandle source, SafeHandle destination, long count, SpliceFlags flags,
                                                      CancellationToken cancellationToken)
    {
        var sourceEnd = new WaitableEnd(source);
        var destinationEnd = new WaitableEnd(destination);
        try
        {
            while (true)
            {
                // Also on the path that calls again at once, without a wait that could notice it.
                cancellationToken.ThrowIfCancellationRequested();
                int sourceSeen = sourceEnd.Sequence(Interest.Read);
                int destinationSeen = destinationEnd.Sequence(Interest.Write);
                LoopResult result;
                bool? sourceWaits;
                using (DescriptorScope input = DescriptorScope.Borrow(source))
                using (DescriptorScope output = DescriptorScope.Borrow(destination))
                {
                    result = TeeLoop.Run(input.Fd, output.Fd, count, flags, wait: false);
                    sourceWaits = Readiness.SourceWaits(result.Error, input.Fd, output.Fd);
                }

                if (result.Error != Errno.EAGAIN)
                {
                    return result.ThrowIfFailed("tee");
                }

                if (sourceWaits is bool sourceShort)
                {
                    await (sourceShort ? sourceEnd.WaitAsync(Interest.Read, sourceSeen, cancellationToken, destination)
                                       : destinationEnd.WaitAsync(Interest.Write, destinationSeen, cancellationToken, source))
                        .ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException e) when (e is not TransferCanceledException)
        {
            throw new TransferCanceledException(0, cancellationToken);
        }
        finally
        {
            sourceEnd.Release();
            destinationEnd.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> BytesOf(ValueTask<TransferEngine.Outcome> outcome) =>
        (await outcome.ConfigureAwait(false)).Bytes;
}
