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
    /// <param name="flags">SPLICE_F_* flags passed to every call (MOVE and MORE are hints; with NONBLOCK the pipe
    /// side does not block and this method waits with poll(2) instead).</param>
    /// <returns>The bytes moved: <paramref name="count"/>, or fewer when the source ended (a pipe with no writers left,
    /// a socket shut down by its peer, the end of a file).</returns>
    /// <exception cref="ArgumentNullException">A handle is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An offset or <paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">A handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">A handle is closed.</exception>
    /// <exception cref="ZeroCopyException">splice failed: EINVAL (neither end is a pipe, the destination is O_APPEND,
    /// or a descriptor does not support splice), ESPIPE (an offset was given for a pipe or socket), EBADF, EPIPE,
    /// ENOMEM, ...; <see cref="ZeroCopyException.BytesTransferred"/> holds the bytes moved before the failure.</exception>
    public static long Splice(SafeHandle source, long? sourceOffset, SafeHandle destination, long? destinationOffset,
                              long count, SpliceFlags flags = default)
    {
        Descriptors.CheckPair(source, sourceOffset, destination, destinationOffset, count);
        if (count == 0)
        {
            return 0;
        }

        using DescriptorScope input = DescriptorScope.Enter(source, nameof(source));
        using DescriptorScope output = DescriptorScope.Enter(destination, nameof(destination));
        long inOffset = sourceOffset.GetValueOrDefault();
        long outOffset = destinationOffset.GetValueOrDefault();
        return SpliceLoop(input.Fd, sourceOffset.HasValue, ref inOffset, output.Fd, destinationOffset.HasValue,
                          ref outOffset, count, flags);
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
    /// <param name="flags">More SPLICE_F_* flags (NONBLOCK is always added).</param>
    /// <returns>false when the call would have had to wait (EAGAIN); otherwise true.</returns>
    /// <exception cref="ArgumentNullException">A handle is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An offset or <paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">A handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">A handle is closed.</exception>
    /// <exception cref="ZeroCopyException">splice failed with an error other than EAGAIN (EINVAL, ESPIPE, EBADF,
    /// EPIPE, ...).</exception>
    public static unsafe bool TrySplice(SafeHandle source, long? sourceOffset, SafeHandle destination, long? destinationOffset,
                                        long count, out long bytesMoved, SpliceFlags flags = default)
    {
        Descriptors.CheckPair(source, sourceOffset, destination, destinationOffset, count);
        bytesMoved = 0;
        if (count == 0)
        {
            return true;
        }

        using DescriptorScope input = DescriptorScope.Enter(source, nameof(source));
        using DescriptorScope output = DescriptorScope.Enter(destination, nameof(destination));
        long inOffset = sourceOffset.GetValueOrDefault();
        long outOffset = destinationOffset.GetValueOrDefault();
        long result = Zcn.splice(input.Fd, sourceOffset.HasValue ? &inOffset : null, output.Fd,
                                 destinationOffset.HasValue ? &outOffset : null, Chunk(count),
                                 (uint)(flags | SpliceFlags.NONBLOCK));
        if (result < 0)
        {
            if (NativeResult.ErrnoOf(result) == Errno.EAGAIN)
            {
                return false;
            }

            NativeResult.Throw("splice", result);
        }

        bytesMoved = result;
        return true;
    }

    /// <summary>The splice loop: until <paramref name="count"/> bytes or end of input; waits on EAGAIN.</summary>
    internal static unsafe long SpliceLoop(int inFd, bool useInOffset, ref long inOffset, int outFd, bool useOutOffset,
                                           ref long outOffset, long count, SpliceFlags flags)
    {
        long moved = 0;
        long inPosition = inOffset;
        long outPosition = outOffset;
        try
        {
            while (moved < count)
            {
                long result = Zcn.splice(inFd, useInOffset ? &inPosition : null, outFd, useOutOffset ? &outPosition : null,
                                         Chunk(count - moved), (uint)flags);
                if (result > 0)
                {
                    moved += result;
                    continue;
                }

                if (result == 0)
                {
                    break; // end of input
                }

                if (NativeResult.ErrnoOf(result) == Errno.EAGAIN)
                {
                    Readiness.WaitBoth(inFd, outFd, "splice", moved);
                    continue;
                }

                NativeResult.Throw("splice", result, moved);
            }
        }
        finally
        {
            inOffset = inPosition;
            outOffset = outPosition;
        }

        return moved;
    }
}
