using System;
using System.Runtime.InteropServices;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

public static partial class ZeroCopy
{
    /// <summary>
    /// Moves <paramref name="count"/> bytes from <paramref name="source"/> to <paramref name="destination"/> with
    /// splice(2), looping over partial transfers until all are moved or the source ends. At least one of the two must
    /// be a pipe. When a non-blocking end answers EAGAIN, waits with poll(2) until both ends can make progress.
    /// </summary>
    /// <param name="source">The source: a pipe's read end, a file, a socket.</param>
    /// <param name="sourceOffset">For a file source: where to read (the file position is left alone), or null to
    /// read from and advance the file position. Must be null for a pipe or socket.</param>
    /// <param name="destination">The destination: a pipe's write end, a file (not O_APPEND), a socket.</param>
    /// <param name="destinationOffset">For a file destination: where to write, or null to use and advance the file
    /// position. Must be null for a pipe or socket.</param>
    /// <param name="count">The most bytes to move.</param>
    /// <param name="options">Flags passed to every call (Move and More are hints; with NonBlocking the pipe side does
    /// not block and this method waits with poll(2) instead).</param>
    /// <returns>The bytes moved: <paramref name="count"/>, or fewer when the source ended (a pipe with no writers left,
    /// a socket shut down by its peer, the end of a file).</returns>
    /// <exception cref="ArgumentNullException">A handle is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An offset or <paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">A handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">A handle is closed.</exception>
    /// <exception cref="ZeroCopyException">splice failed: EINVAL (neither end is a pipe, the destination is O_APPEND,
    /// or a descriptor does not support splice), ESPIPE (an offset was given for a pipe or socket), EBADF, EPIPE,
    /// ENOMEM, ...; <see cref="ZeroCopyException.BytesTransferred"/> holds the bytes moved before the failure.</exception>
    public static unsafe long Splice(SafeHandle source, long? sourceOffset, SafeHandle destination, long? destinationOffset,
                                     long count, SpliceOptions options = SpliceOptions.None)
    {
        Descriptors.CheckPair(source, sourceOffset, destination, destinationOffset, count);
        using DescriptorScope input = DescriptorScope.Borrow(source);
        using DescriptorScope output = DescriptorScope.Borrow(destination);
        long inOffset = sourceOffset.GetValueOrDefault();
        long outOffset = destinationOffset.GetValueOrDefault();
        var meter = new TransferMeter(null);
        return SpliceLoop.Run(input.Fd, sourceOffset.HasValue ? &inOffset : null, output.Fd,
                              destinationOffset.HasValue ? &outOffset : null, count, options.ToNative(), ref meter)
                         .ThrowIfFailed("splice");
    }

    /// <summary>
    /// Makes one splice(2) call with SPLICE_F_NONBLOCK added: moves up to <paramref name="count"/> bytes from
    /// <paramref name="source"/> to <paramref name="destination"/> without waiting for an empty or full pipe (a
    /// blocking file or socket may still block).
    /// </summary>
    /// <param name="source">The source: a pipe's read end, a file, a socket.</param>
    /// <param name="sourceOffset">For a file source: where to read, or null to use and advance the file position;
    /// null for a pipe or socket.</param>
    /// <param name="destination">The destination: a pipe's write end, a file (not O_APPEND), a socket.</param>
    /// <param name="destinationOffset">For a file destination: where to write, or null for the file position; null
    /// for a pipe or socket.</param>
    /// <param name="count">The most bytes to move.</param>
    /// <param name="bytesMoved">The bytes moved (0 at end of input or when false is returned).</param>
    /// <param name="options">More flags (NonBlocking is always added).</param>
    /// <returns>false when the call would have had to wait (EAGAIN); otherwise true.</returns>
    /// <exception cref="ArgumentNullException">A handle is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An offset or <paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">A handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">A handle is closed.</exception>
    /// <exception cref="ZeroCopyException">splice failed with an error other than EAGAIN (EINVAL, ESPIPE, EBADF,
    /// EPIPE, ...).</exception>
    public static unsafe bool TrySplice(SafeHandle source, long? sourceOffset, SafeHandle destination, long? destinationOffset,
                                        long count, out long bytesMoved, SpliceOptions options = SpliceOptions.None)
    {
        Descriptors.CheckPair(source, sourceOffset, destination, destinationOffset, count);
        bytesMoved = 0;
        if (count == 0)
        {
            return true;
        }

        using DescriptorScope input = DescriptorScope.Borrow(source);
        using DescriptorScope output = DescriptorScope.Borrow(destination);
        long inOffset = sourceOffset.GetValueOrDefault();
        long outOffset = destinationOffset.GetValueOrDefault();
        LoopResult result = SpliceLoop.Once(input.Fd, sourceOffset.HasValue ? &inOffset : null, output.Fd,
                                            destinationOffset.HasValue ? &outOffset : null, count,
                                            (options | SpliceOptions.NonBlocking).ToNative(), wait: false);
        if (result.Failed)
        {
            if (result.Error == Errno.EAGAIN)
            {
                return false;
            }

            throw new ZeroCopyException("splice", result.Error);
        }

        bytesMoved = result.Moved;
        return true;
    }
}
