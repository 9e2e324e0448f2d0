using System;
using System.Runtime.InteropServices;

namespace ZeroCopyNative;

public static partial class ZeroCopy
{
    /// <summary>
    /// Reads from <paramref name="source"/> into <paramref name="buffer"/> with read(2), or pread(2) at
    /// <paramref name="sourceOffset"/>: one successful call, which returns what the descriptor has (possibly fewer
    /// bytes than asked). When a non-blocking descriptor has no data (EAGAIN), waits with poll(2) instead of failing.
    /// </summary>
    /// <param name="source">Any descriptor open for reading.</param>
    /// <param name="sourceOffset">For a seekable file: where to read, in bytes (its file position is left alone);
    /// null to read at, and advance, the file position. Must be null for a pipe or socket.</param>
    /// <param name="buffer">Receives the bytes.</param>
    /// <returns>The bytes read; 0 at the end of the input (or for an empty buffer).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sourceOffset"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is invalid.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="source"/> is closed.</exception>
    /// <exception cref="ZeroCopyException">read or pread failed: EBADF (not open for reading), EISDIR, ESPIPE (an
    /// offset for a pipe or socket), EINVAL (an O_DIRECT misalignment), EIO, ...</exception>
    public static unsafe int Read(SafeHandle source, long? sourceOffset, Span<byte> buffer)
    {
        Descriptors.Validate(source, nameof(source));
        Descriptors.CheckOffset(sourceOffset, nameof(sourceOffset));
        if (buffer.IsEmpty)
        {
            return 0;
        }

        using DescriptorScope input = DescriptorScope.Borrow(source);
        long offset = sourceOffset.GetValueOrDefault();
        fixed (byte* start = buffer)
        {
            return (int)ReadWriteLoop.ReadOnce(input.Fd, sourceOffset.HasValue ? &offset : null, start, buffer.Length)
                                     .ThrowIfFailed(sourceOffset.HasValue ? "pread" : "read");
        }
    }

    /// <summary>
    /// Writes all of <paramref name="data"/> to <paramref name="destination"/> with write(2), or pwrite(2) at
    /// <paramref name="destinationOffset"/>, looping over partial writes. When a non-blocking descriptor is full
    /// (EAGAIN), waits with poll(2) instead of failing.
    /// </summary>
    /// <param name="data">The bytes to write.</param>
    /// <param name="destination">Any descriptor open for writing.</param>
    /// <param name="destinationOffset">For a seekable file: where to write, in bytes (its file position is left
    /// alone); null to write at, and advance, the file position (at the end for O_APPEND).</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="destinationOffset"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is invalid.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="destination"/> is closed.</exception>
    /// <exception cref="ZeroCopyException">write or pwrite failed: EBADF, EPIPE (the reader is gone), ENOSPC, EDQUOT,
    /// EFBIG, ESPIPE (an offset for a pipe or socket), EIO, ...; <see cref="ZeroCopyException.BytesTransferred"/>
    /// holds the bytes written before the failure.</exception>
    public static unsafe void Write(ReadOnlySpan<byte> data, SafeHandle destination, long? destinationOffset = null)
    {
        Descriptors.Validate(destination, nameof(destination));
        Descriptors.CheckOffset(destinationOffset, nameof(destinationOffset));
        using DescriptorScope output = DescriptorScope.Borrow(destination);
        long offset = destinationOffset.GetValueOrDefault();
        var meter = new TransferMeter(null);
        fixed (byte* start = data)
        {
            _ = ReadWriteLoop.WriteAll(output.Fd, destinationOffset.HasValue ? &offset : null, start, data.Length, ref meter)
                             .ThrowIfFailed(destinationOffset.HasValue ? "pwrite" : "write");
        }
    }
}
