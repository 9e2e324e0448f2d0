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
    /// Sends <paramref name="count"/> bytes of <paramref name="source"/>, starting at <paramref name="offset"/>, to a
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
    /// <param name="destination">A connected stream socket (TCP or Unix).</param>
    /// <param name="source">A regular file open for reading; its file position is not changed.</param>
    /// <param name="offset">Where to start reading <paramref name="source"/>.</param>
    /// <param name="count">The most bytes to send.</param>
    /// <param name="cancellationToken">Cancels the wait for writability and the remaining transfer.</param>
    /// <returns>The bytes sent: <paramref name="count"/>, or fewer when the file ended first.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">The socket is not a stream socket, or the file handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed or the file handle closed.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="ZeroCopyException">sendfile, pread or send failed (EPIPE, ECONNRESET, EINVAL, EIO, ...);
    /// <see cref="ZeroCopyException.BytesTransferred"/> holds the bytes sent before the failure.</exception>
    public static ValueTask<long> SendFileAsync(Socket destination, SafeFileHandle source, long offset, long count,
                                                CancellationToken cancellationToken = default)
    {
        SafeHandle socketHandle = Descriptors.OfSocket(destination, nameof(destination));
        Descriptors.Validate(source, nameof(source));
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
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
                          : SendFileAsyncCore(destination, socketHandle, source, offset, count, cancellationToken);
    }

    private static async ValueTask<long> SendFileAsyncCore(Socket socket, SafeHandle socketHandle, SafeFileHandle source,
                                                           long offset, long count, CancellationToken cancellationToken)
    {
        bool socketAdded = false;
        bool sourceAdded = false;
        long sent = 0;
        try
        {
            // Held across the awaits: a Dispose on another thread defers close(2) until the transfer lets go.
            socketHandle.DangerousAddRef(ref socketAdded);
            source.DangerousAddRef(ref sourceAdded);
            int outFd = unchecked((int)socketHandle.DangerousGetHandle());
            int inFd = unchecked((int)source.DangerousGetHandle());

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
                long result = SendFileOnce(outFd, inFd, ref position, count - sent);
                if (result > 0)
                {
                    sent += result;
                    continue;
                }

                if (result == 0)
                {
                    break; // end of the file
                }

                if (NativeResult.ErrnoOf(result) != Errno.EAGAIN)
                {
                    NativeResult.Throw("sendfile", result, sent);
                }

                // Full: wait for writability in the runtime's epoll engine by sending the next byte asynchronously.
                bridge ??= new byte[1];
                long read = ReadAt(inFd, bridge, position);
                if (read == 0)
                {
                    break; // the file shrank under us: end of the file
                }

                if (read < 0)
                {
                    NativeResult.Throw("pread", read, sent);
                }

                int written = await SendAsync(socket, bridge.AsMemory(0, 1), sent, cancellationToken).ConfigureAwait(false);

                position += written;
                sent += written;
            }

            return sent;
        }
        finally
        {
            if (sourceAdded)
            {
                source.DangerousRelease();
            }

            if (socketAdded)
            {
                socketHandle.DangerousRelease();
            }
        }
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

    private static unsafe long SendFileOnce(int outFd, int inFd, ref long position, long remaining)
    {
        long local = position;
        long result = Zcn.sendfile(outFd, inFd, &local, Chunk(remaining));
        position = local;
        return result;
    }

    private static unsafe long ReadAt(int fd, byte[] buffer, long position)
    {
        fixed (byte* p = buffer)
        {
            return Zcn.pread(fd, p, 1, position);
        }
    }

    private static unsafe bool IsNonBlocking(int fd)
    {
        FdInfo info;
        int result = Zcn.fd_query(fd, &info);
        NativeResult.Check(result, "fcntl");
        return (info.status_flags & (int)OpenFlags.NONBLOCK) != 0;
    }
}
