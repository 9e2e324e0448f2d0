using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

public static partial class ZeroCopy
{
    /// <summary>
    /// Sends <paramref name="count"/> bytes of <paramref name="source"/>, starting at <paramref name="sourceOffset"/>, to a
    /// connected stream socket with sendfile(2), without ever blocking a thread while the socket is full.
    /// </summary>
    /// <remarks>
    /// <para>How it waits: the socket is handed to the runtime's non-blocking mode (a zero-byte send, which any
    /// asynchronous socket operation would do too; <see cref="Socket.Blocking"/> is unchanged and synchronous calls on
    /// the socket keep working), so sendfile answers EAGAIN instead of sleeping. On EAGAIN the next single byte of the
    /// file is read and sent with <see cref="Socket.SendAsync(ReadOnlyMemory{byte}, SocketFlags, CancellationToken)"/>:
    /// that send waits in the runtime's epoll engine for EPOLLOUT without holding a thread, and moves the transfer one
    /// byte forward, so no byte is sent twice or skipped. A zero-byte send would not do: Linux completes it at once even
    /// on a full socket. The rest of the data moves with sendfile.</para>
    /// <para>Do not issue other sends on the socket while this runs: their bytes would interleave with the file's.</para>
    /// <para>Cancellation is observed between system calls and while waiting; the bytes sent before it stay sent and
    /// the file's position is never changed.</para>
    /// </remarks>
    /// <param name="source">A regular file open for reading; its file position is not changed.</param>
    /// <param name="sourceOffset">Where to start reading <paramref name="source"/>, in bytes.</param>
    /// <param name="destination">A connected stream socket (TCP or Unix).</param>
    /// <param name="count">The most bytes to send.</param>
    /// <param name="cancellationToken">Cancels the wait for writability and the remaining transfer.</param>
    /// <returns>The bytes sent: <paramref name="count"/>, or fewer when the file ended first.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sourceOffset"/> or <paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">The socket is not a stream socket, or the file handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed or the file handle closed.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="ZeroCopyException">sendfile, pread or send failed (EPIPE, ECONNRESET, EINVAL, EIO, ...);
    /// <see cref="ZeroCopyException.BytesTransferred"/> holds the bytes sent before the failure.</exception>
    public static ValueTask<long> SendFileAsync(SafeFileHandle source, long sourceOffset, Socket destination, long count,
                                                CancellationToken cancellationToken = default)
    {
        Descriptors.Validate(source, nameof(source));
        ArgumentOutOfRangeException.ThrowIfNegative(sourceOffset);
        SafeHandle socketHandle = Descriptors.OfSocket(destination, nameof(destination));
        Descriptors.CheckCount(count);
        if (destination.SocketType != SocketType.Stream)
        {
            throw new ArgumentException("SendFileAsync needs a stream socket.", nameof(destination));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<long>(cancellationToken);
        }

        return count == 0 ? new ValueTask<long>(0L)
                          : SendFileAsyncCore(destination, socketHandle, source, sourceOffset, count, cancellationToken);
    }

    private static async ValueTask<long> SendFileAsyncCore(Socket socket, SafeHandle socketHandle, SafeFileHandle source,
                                                           long offset, long count, CancellationToken cancellationToken)
    {
        long sent = 0;
        // Held across the awaits: a Dispose on another thread defers close(2) until the transfer lets go.
        using DescriptorScope output = DescriptorScope.Borrow(socketHandle);
        using DescriptorScope input = DescriptorScope.Borrow(source);
        int outFd = output.Fd;
        int inFd = input.Fd;

        if (!IsNonBlocking(outFd))
        {
            // Let the runtime switch the descriptor to O_NONBLOCK (and take over emulating blocking calls); a
            // zero-byte send on a stream socket moves nothing.
            await SendAsync(socket, ReadOnlyMemory<byte>.Empty, sent, cancellationToken).ConfigureAwait(false);
            if (!IsNonBlocking(outFd))
            {
                throw new InvalidOperationException("The socket could not be made non-blocking; SendFileAsync would block a thread.");
            }
        }

        byte[]? bridge = null;
        long position = offset;
        while (sent < count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            LoopResult result = SendFileUntilFull(inFd, ref position, outFd, count - sent);
            sent += result.Moved;
            if (result.Ended)
            {
                break; // end of the file
            }

            if (!result.Failed)
            {
                continue;
            }

            if (result.Error != Errno.EAGAIN)
            {
                throw new ZeroCopyException("sendfile", result.Error, sent);
            }

            // Full: wait for writability in the runtime's epoll engine by sending the next byte asynchronously.
            bridge ??= new byte[1];
            LoopResult read = ReadByteAt(inFd, bridge, position);
            if (read.Ended)
            {
                break; // the file shrank under us: end of the file
            }

            if (read.Failed)
            {
                throw new ZeroCopyException("pread", read.Error, sent);
            }

            int written = await SendAsync(socket, bridge.AsMemory(0, 1), sent, cancellationToken).ConfigureAwait(false);

            position += written;
            sent += written;
        }

        return sent;
    }

    /// <summary>Socket.SendAsync with its errors reported like every other failure of the transfer.</summary>
    private static async ValueTask<int> SendAsync(Socket socket, ReadOnlyMemory<byte> data, long sent,
                                                  CancellationToken cancellationToken)
    {
        try
        {
            return await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e) when (e.SocketErrorCode != SocketError.OperationAborted)
        {
            // On Linux the runtime reports the errno itself as the native error code.
            throw new ZeroCopyException("send", (Errno)unchecked((uint)e.NativeErrorCode), sent);
        }
    }

    /// <summary>The sendfile loop without waiting: it stops at EAGAIN, which this method awaits instead.</summary>
    private static unsafe LoopResult SendFileUntilFull(int inFd, ref long position, int outFd, long count)
    {
        long local = position;
        var meter = new TransferMeter(null);
        LoopResult result = SendFileLoop.Run(inFd, &local, outFd, count, ref meter, wait: false);
        position = local;
        return result;
    }

    private static unsafe LoopResult ReadByteAt(int fd, byte[] buffer, long position)
    {
        fixed (byte* p = buffer)
        {
            return ReadWriteLoop.ReadOnce(fd, &position, p, 1);
        }
    }

    private static bool IsNonBlocking(int fd) => (NativeFile.Query(fd).status_flags & (int)OpenFlags.NONBLOCK) != 0;
}
