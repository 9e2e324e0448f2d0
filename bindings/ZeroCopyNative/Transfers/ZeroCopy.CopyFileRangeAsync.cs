using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;

namespace ZeroCopyNative;

public static partial class ZeroCopy
{
    /// <summary>
    /// Copies <paramref name="count"/> bytes between two regular files inside the kernel with copy_file_range(2), as
    /// <see cref="CopyFileRange"/> does, in chunks of 8 MiB that yield the thread between them.
    /// </summary>
    /// <remarks>Regular files are never "not ready", so there is no readiness to wait for and the copy itself runs on a
    /// thread: one chunk at a time, the first on the caller's thread and the rest on the thread pool, so that
    /// cancellation is seen within one chunk and other work runs in between. No fallback: use
    /// <see cref="TransferAsync(System.Runtime.InteropServices.SafeHandle, System.Runtime.InteropServices.SafeHandle, TransferOptions?, CancellationToken)"/>
    /// for a copy that works whatever the filesystem supports.</remarks>
    /// <param name="source">The source file, open for reading.</param>
    /// <param name="sourceOffset">Where to read (the file position is left alone), or null to read from and advance
    /// the file position.</param>
    /// <param name="destination">The destination file, open for writing, not O_APPEND.</param>
    /// <param name="destinationOffset">Where to write, or null to use and advance the file position.</param>
    /// <param name="count">The most bytes to copy.</param>
    /// <param name="cancellationToken">Stops the copy between two chunks.</param>
    /// <returns>The bytes copied: <paramref name="count"/>, or fewer when the source ended first.</returns>
    /// <exception cref="ArgumentNullException">A handle is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An offset or <paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">A handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">A handle is closed, also between chunks.</exception>
    /// <exception cref="TransferCanceledException">The token was cancelled; holds the bytes copied.</exception>
    /// <exception cref="ZeroCopyException">copy_file_range failed (EBADF, EINVAL, EXDEV, EOPNOTSUPP, ENOSYS, EFBIG,
    /// ENOSPC, EIO); <see cref="ZeroCopyException.BytesTransferred"/> holds the bytes copied before.</exception>
    public static ValueTask<long> CopyFileRangeAsync(SafeFileHandle source, long? sourceOffset, SafeFileHandle destination,
                                                     long? destinationOffset, long count,
                                                     CancellationToken cancellationToken = default)
    {
        Descriptors.CheckPair(source, sourceOffset, destination, destinationOffset, count);
        if (cancellationToken.IsCancellationRequested)
        {
            return Canceled.Before<long>(cancellationToken);
        }

        return CopyFileRangeAsyncCore(source, sourceOffset, destination, destinationOffset, count, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> CopyFileRangeAsyncCore(SafeFileHandle source, long? sourceOffset, SafeFileHandle destination,
                                                                long? destinationOffset, long count,
                                                                CancellationToken cancellationToken)
    {
        long copied = 0;
        while (copied < count)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw new TransferCanceledException(copied, cancellationToken);
            }

            LoopResult chunk = CopyFileRangeChunk(source, ref sourceOffset, destination, ref destinationOffset,
                                                  Math.Min(count - copied, AsyncTransfer.Chunk));
            copied += chunk.Moved;
            if (chunk.Failed)
            {
                throw new ZeroCopyException("copy_file_range", chunk.Error, copied);
            }

            if (chunk.Ended)
            {
                break;
            }

            await Task.Yield();
        }

        return copied;
    }

    private static unsafe LoopResult CopyFileRangeChunk(SafeFileHandle source, ref long? sourceOffset, SafeFileHandle destination,
                                                        ref long? destinationOffset, long count)
    {
        using DescriptorScope input = DescriptorScope.Borrow(source);
        using DescriptorScope output = DescriptorScope.Borrow(destination);
        long inOffset = sourceOffset.GetValueOrDefault();
        long outOffset = destinationOffset.GetValueOrDefault();
        var meter = new TransferMeter(null);
        LoopResult result = CopyFileRangeLoop.Run(input.Fd, sourceOffset.HasValue ? &inOffset : null, output.Fd,
                                                  destinationOffset.HasValue ? &outOffset : null, count, ref meter);
        sourceOffset = sourceOffset.HasValue ? inOffset : null;
        destinationOffset = destinationOffset.HasValue ? outOffset : null;
        return result;
    }
}
