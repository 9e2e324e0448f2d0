using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

public static partial class ZeroCopy
{
    /// <summary>
    /// Sends <paramref name="count"/> bytes of <paramref name="source"/>, starting at <paramref name="sourceOffset"/>,
    /// to <paramref name="destination"/> with sendfile(2), looping over partial transfers until all are sent or the
    /// source ends. When the destination is non-blocking and full (EAGAIN), waits for writability with poll(2)
    /// instead of spinning.
    /// </summary>
    /// <param name="source">A regular file (or block device) open for reading. Its file position is not changed.</param>
    /// <param name="sourceOffset">Where to start reading <paramref name="source"/>, in bytes.</param>
    /// <param name="destination">Any descriptor open for writing: a socket, a pipe, a regular file (written at its file
    /// position), a character device. Not opened with O_APPEND.</param>
    /// <param name="count">The most bytes to send.</param>
    /// <returns>The bytes sent: <paramref name="count"/>, or fewer when the source ended first.</returns>
    /// <exception cref="ArgumentNullException">A handle is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sourceOffset"/> or <paramref name="count"/> is
    /// negative.</exception>
    /// <exception cref="ArgumentException">A handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">A handle is closed.</exception>
    /// <exception cref="ZeroCopyException">sendfile failed: EBADF (wrong access mode), EINVAL (the source does not
    /// support sendfile, or the destination is O_APPEND), EPIPE/ECONNRESET (the peer is gone), ENOSPC, EIO, ...;
    /// <see cref="ZeroCopyException.BytesTransferred"/> holds the bytes sent before the failure.</exception>
    public static unsafe long SendFile(SafeFileHandle source, long sourceOffset, SafeHandle destination, long count)
    {
        Descriptors.Validate(source, nameof(source));
        Descriptors.Validate(destination, nameof(destination));
        ArgumentOutOfRangeException.ThrowIfNegative(sourceOffset);
        Descriptors.CheckCount(count);
        using DescriptorScope input = DescriptorScope.Borrow(source);
        using DescriptorScope output = DescriptorScope.Borrow(destination);
        var meter = new TransferMeter(null);
        return SendFileLoop.Run(input.Fd, &sourceOffset, output.Fd, count, ref meter).ThrowIfFailed("sendfile");
    }

    /// <summary>
    /// Sends <paramref name="count"/> bytes of <paramref name="source"/>, starting at <paramref name="sourceOffset"/>,
    /// to a connected stream socket with sendfile(2); see <see cref="SendFile(SafeFileHandle, long, SafeHandle, long)"/>.
    /// Unlike <see cref="Socket.SendFile(string)"/>, it takes an offset and a length. When the runtime has made the
    /// socket non-blocking (it does for any asynchronous operation) and the socket is full, waits with poll(2).
    /// </summary>
    /// <param name="source">A regular file open for reading; its file position is not changed.</param>
    /// <param name="sourceOffset">Where to start reading <paramref name="source"/>, in bytes.</param>
    /// <param name="destination">A connected stream socket (TCP or Unix).</param>
    /// <param name="count">The most bytes to send.</param>
    /// <returns>The bytes sent: <paramref name="count"/>, or fewer when the source ended first.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sourceOffset"/> or <paramref name="count"/> is
    /// negative.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed or the file handle closed.</exception>
    /// <exception cref="ZeroCopyException">sendfile failed (EPIPE, ECONNRESET, ENOTCONN, EINVAL, EIO, ...).</exception>
    public static long SendFile(SafeFileHandle source, long sourceOffset, Socket destination, long count) =>
        SendFile(source, sourceOffset, Descriptors.OfSocket(destination, nameof(destination)), count);

    /// <summary>
    /// Makes one sendfile(2) call: sends up to <paramref name="count"/> bytes of <paramref name="source"/> from
    /// <paramref name="sourceOffset"/> to <paramref name="destination"/> without waiting for a full non-blocking
    /// destination.
    /// </summary>
    /// <param name="source">A regular file open for reading; its file position is not changed.</param>
    /// <param name="sourceOffset">Where to start reading <paramref name="source"/>, in bytes.</param>
    /// <param name="destination">Any descriptor open for writing (not O_APPEND).</param>
    /// <param name="count">The most bytes to send (one call moves at most 0x7ffff000).</param>
    /// <param name="bytesSent">The bytes sent by this call: possibly fewer than <paramref name="count"/>; 0 at end of
    /// the source (or when <paramref name="count"/> is 0), and 0 when the method returns false.</param>
    /// <returns>false when the destination is non-blocking and full (EAGAIN: nothing was sent); otherwise true.</returns>
    /// <exception cref="ArgumentNullException">A handle is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sourceOffset"/> or <paramref name="count"/> is
    /// negative.</exception>
    /// <exception cref="ArgumentException">A handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">A handle is closed.</exception>
    /// <exception cref="ZeroCopyException">sendfile failed with an error other than EAGAIN.</exception>
    public static unsafe bool TrySendFile(SafeFileHandle source, long sourceOffset, SafeHandle destination, long count,
                                          out long bytesSent)
    {
        Descriptors.Validate(source, nameof(source));
        Descriptors.Validate(destination, nameof(destination));
        ArgumentOutOfRangeException.ThrowIfNegative(sourceOffset);
        Descriptors.CheckCount(count);
        bytesSent = 0;
        if (count == 0)
        {
            return true;
        }

        using DescriptorScope input = DescriptorScope.Borrow(source);
        using DescriptorScope output = DescriptorScope.Borrow(destination);
        LoopResult result = SendFileLoop.Once(input.Fd, &sourceOffset, output.Fd, count, wait: false);
        if (result.Error == Errno.EAGAIN)
        {
            return false;
        }

        bytesSent = result.ThrowIfFailed("sendfile");
        return true;
    }

    /// <summary>Makes one sendfile(2) call to a socket; see
    /// <see cref="TrySendFile(SafeFileHandle, long, SafeHandle, long, out long)"/>.</summary>
    /// <param name="source">A regular file open for reading; its file position is not changed.</param>
    /// <param name="sourceOffset">Where to start reading <paramref name="source"/>, in bytes.</param>
    /// <param name="destination">A connected stream socket.</param>
    /// <param name="count">The most bytes to send.</param>
    /// <param name="bytesSent">The bytes sent (0 at end of the source, or when false is returned).</param>
    /// <returns>false when the socket is non-blocking and full (EAGAIN); otherwise true.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sourceOffset"/> or <paramref name="count"/> is
    /// negative.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed or the file handle closed.</exception>
    /// <exception cref="ZeroCopyException">sendfile failed with an error other than EAGAIN.</exception>
    public static bool TrySendFile(SafeFileHandle source, long sourceOffset, Socket destination, long count, out long bytesSent) =>
        TrySendFile(source, sourceOffset, Descriptors.OfSocket(destination, nameof(destination)), count, out bytesSent);
}
