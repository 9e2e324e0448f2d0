using System;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;

namespace ZeroCopyNative;

public static partial class ZeroCopy
{
    /// <summary>
    /// Sends <paramref name="count"/> bytes of <paramref name="source"/>, starting at <paramref name="sourceOffset"/>, to
    /// a connected socket with sendfile(2), without holding a thread while the socket is full.
    /// </summary>
    /// <remarks>
    /// <para>How it waits: the runtime is made to switch the socket to non-blocking mode, as it does for its own
    /// asynchronous calls (<see cref="Socket.Blocking"/> is unchanged and synchronous calls keep working). sendfile
    /// then answers EAGAIN on a full socket, and the transfer parks in the library's event loop (one epoll thread for
    /// every waiting operation) until the socket is writable; no byte goes any other way than sendfile.</para>
    /// <para>Every socket <see cref="SendFile(SafeFileHandle, long, Socket, long)"/> takes is taken here too (stream
    /// and datagram).</para>
    /// <para>Do not issue other sends on the socket while this runs: their bytes would interleave with the file's.</para>
    /// <para>Cancellation is seen between sendfile calls and while waiting; it throws
    /// <see cref="TransferCanceledException"/> with the bytes sent, which are an exact prefix of the range. The file's
    /// position is never changed.</para>
    /// </remarks>
    /// <param name="source">A regular file open for reading; its file position is not changed.</param>
    /// <param name="sourceOffset">Where to start reading <paramref name="source"/>, in bytes.</param>
    /// <param name="destination">A connected socket.</param>
    /// <param name="count">The most bytes to send.</param>
    /// <param name="cancellationToken">Stops the transfer between calls or while it waits.</param>
    /// <returns>The bytes sent: <paramref name="count"/>, or fewer when the file ended first.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sourceOffset"/> or <paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">The file handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed or the file handle closed, also while the
    /// transfer waits.</exception>
    /// <exception cref="TransferCanceledException">The token was cancelled; holds the bytes sent.</exception>
    /// <exception cref="ZeroCopyException">sendfile failed (EPIPE, ECONNRESET, ENOTCONN, EINVAL for a source sendfile
    /// cannot read, EIO, ...); <see cref="ZeroCopyException.BytesTransferred"/> holds the bytes sent before.</exception>
    public static ValueTask<long> SendFileAsync(SafeFileHandle source, long sourceOffset, Socket destination, long count,
                                                CancellationToken cancellationToken = default)
    {
        Descriptors.Validate(source, nameof(source));
        ArgumentOutOfRangeException.ThrowIfNegative(sourceOffset);
        SafeHandle socketHandle = Descriptors.OfSocket(destination, nameof(destination));
        Descriptors.CheckCount(count);
        if (cancellationToken.IsCancellationRequested)
        {
            return Canceled.Before<long>(cancellationToken);
        }

        return count == 0 ? new ValueTask<long>(0L)
                          : SendFileAsyncCore(source, sourceOffset, destination, socketHandle, count, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> SendFileAsyncCore(SafeFileHandle source, long sourceOffset, Socket socket,
                                                           SafeHandle socketHandle, long count, CancellationToken cancellationToken)
    {
        await SocketModes.EnsureNonBlockingAsync(socket, socketHandle, cancellationToken).ConfigureAwait(false);
        var plan = new TransferPlan(null) { Count = count, Method = TransferMethod.SendFile, KeepHoles = false };
        return (await AsyncTransfer.RunAsync(source, sourceOffset, socketHandle, null, plan, 0, exact: true, cancellationToken)
                                   .ConfigureAwait(false)).Bytes;
    }
}
