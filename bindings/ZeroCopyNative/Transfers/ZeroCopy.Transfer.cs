using System;
using System.Buffers;
using System.IO;
using System.IO.Pipes;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

public static partial class ZeroCopy
{
    /// <summary>
    /// Moves bytes from <paramref name="source"/> to <paramref name="destination"/> by the fastest path the kernel
    /// accepts for the pair, falling back when it refuses one: copy_file_range(2) for file to file; sendfile(2) for a
    /// file to a socket, pipe, device or file; splice(2) directly when one end is a pipe, or through a pooled pipe
    /// otherwise (socket to socket or file); read(2)/write(2) through a pooled buffer for everything else.
    /// </summary>
    /// <remarks>
    /// <para>Positions: reads start at the source's file position and writes at the destination's (for files); both
    /// positions are left after the bytes moved, as read(2)/write(2) would, also when the transfer fails. Internally
    /// every call takes explicit offsets, so a fallback part-way neither loses nor repeats a byte. An O_APPEND
    /// destination goes straight to a path that appends (copy_file_range and sendfile refuse it).</para>
    /// <para>Fallbacks: EINVAL, ENOSYS, EOPNOTSUPP and EXDEV move on to the next method (and so do EIO and EPERM before
    /// any byte moved, as network filesystems and container sandboxes answer), as does "0 bytes on the first call"
    /// (files such as those of /proc report no data to copy_file_range and sendfile). ENOSYS, and EXDEV for a pair of
    /// devices, are remembered for the life of the process.</para>
    /// <para>Non-blocking descriptors: on EAGAIN the transfer waits with poll(2); it never spins.</para>
    /// <para>The steady-state loop allocates nothing.</para>
    /// </remarks>
    /// <param name="source">Where to read: a file, pipe, socket or device open for reading.</param>
    /// <param name="destination">Where to write: a file, pipe, socket or device open for writing.</param>
    /// <param name="count">The most bytes to move, or null to move everything until the source ends.</param>
    /// <returns>The bytes moved (fewer than <paramref name="count"/> only when the source ended) and the method that
    /// finished the transfer.</returns>
    /// <exception cref="ArgumentNullException">A handle is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">A handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">A handle is closed.</exception>
    /// <exception cref="ZeroCopyException">A system call failed with an error that no fallback can avoid (EBADF,
    /// ENOSPC, EDQUOT, EFBIG, EPIPE, ECONNRESET, EIO, ...); <see cref="ZeroCopyException.BytesTransferred"/> holds the
    /// bytes written to the destination before the failure. Bytes already taken from a pipe or socket source but not
    /// yet written are lost with the error.</exception>
    public static TransferResult Transfer(SafeHandle source, SafeHandle destination, long? count = null)
    {
        Descriptors.Validate(source, nameof(source));
        Descriptors.Validate(destination, nameof(destination));
        CheckTransferCount(count);
        using DescriptorScope input = DescriptorScope.Enter(source, nameof(source));
        using DescriptorScope output = DescriptorScope.Enter(destination, nameof(destination));
        TransferEndpoint from = TransferEndpoint.Describe(input.Fd, null);
        TransferEndpoint to = TransferEndpoint.Describe(output.Fd, null);
        try
        {
            return TransferEngine.Run(ref from, ref to, count ?? long.MaxValue);
        }
        finally
        {
            // Leave the file positions after the bytes moved, as read(2) and write(2) would.
            if (from.Seekable)
            {
                _ = Zcn.lseek(from.Fd, from.Offset, (int)Whence.SEEK_SET);
            }

            if (to.WritesAtOffset)
            {
                _ = Zcn.lseek(to.Fd, to.Offset, (int)Whence.SEEK_SET);
            }
        }
    }

    /// <summary>
    /// Moves bytes from one stream to another by the fastest path; see
    /// <see cref="Transfer(SafeHandle, SafeHandle, long?)"/>. A <see cref="FileStream"/>, <see cref="NetworkStream"/> or
    /// <see cref="PipeStream"/> is used through its descriptor (zero-copy where the kernel allows); any other stream is
    /// copied with <see cref="Stream.Read(byte[], int, int)"/> and <see cref="Stream.Write(byte[], int, int)"/>
    /// through a pooled buffer (<see cref="TransferMethod.StreamCopy"/>).
    /// </summary>
    /// <remarks>
    /// A FileStream's buffered writes are flushed first; reading starts at the source's <see cref="Stream.Position"/>
    /// and writing at the destination's, and afterwards (also after a failure) both positions are advanced by the bytes
    /// moved (an O_APPEND destination is left at its end). Do not use the streams from another thread meanwhile.
    /// </remarks>
    /// <param name="source">A readable stream.</param>
    /// <param name="destination">A writable stream.</param>
    /// <param name="count">The most bytes to move, or null to move everything until the source ends.</param>
    /// <returns>The bytes moved and the method that finished the transfer.</returns>
    /// <exception cref="ArgumentNullException">A stream is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="NotSupportedException">The source cannot read or the destination cannot write.</exception>
    /// <exception cref="ObjectDisposedException">A stream is disposed.</exception>
    /// <exception cref="ZeroCopyException">A system call failed (see <see cref="Transfer(SafeHandle, SafeHandle, long?)"/>).</exception>
    /// <exception cref="IOException">A stream without a descriptor failed to read or write.</exception>
    public static TransferResult Transfer(Stream source, Stream destination, long? count = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        CheckTransferCount(count);
        CheckStream(source, reading: true);
        CheckStream(destination, reading: false);

        SafeHandle? sourceHandle = HandleOf(source);
        SafeHandle? destinationHandle = HandleOf(destination);
        if (sourceHandle == null || destinationHandle == null)
        {
            return CopyStreams(source, destination, count ?? long.MaxValue);
        }

        var sourceFile = source as FileStream;
        var destinationFile = destination as FileStream;
        if (sourceFile is { CanWrite: true })
        {
            sourceFile.Flush();
        }

        destinationFile?.Flush();
        long? sourceOffset = sourceFile is { CanSeek: true } ? sourceFile.Position : null;
        long? destinationOffset = destinationFile is { CanSeek: true } ? destinationFile.Position : null;

        using DescriptorScope input = DescriptorScope.Enter(sourceHandle, nameof(source));
        using DescriptorScope output = DescriptorScope.Enter(destinationHandle, nameof(destination));
        TransferEndpoint from = TransferEndpoint.Describe(input.Fd, sourceOffset);
        TransferEndpoint to = TransferEndpoint.Describe(output.Fd, destinationOffset);
        try
        {
            return TransferEngine.Run(ref from, ref to, count ?? long.MaxValue);
        }
        finally
        {
            if (sourceOffset.HasValue && from.Seekable)
            {
                sourceFile!.Position = from.Offset;
            }

            if (destinationOffset.HasValue)
            {
                if (to.Append)
                {
                    destinationFile!.Seek(0, SeekOrigin.End);
                }
                else if (to.Seekable)
                {
                    destinationFile!.Position = to.Offset;
                }
            }
        }
    }

    private static void CheckTransferCount(long? count)
    {
        if (count is long value)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(count));
        }
    }

    /// <summary>Stream.CopyTo's checks: a closed stream can neither read nor write (nor seek).</summary>
    private static void CheckStream(Stream stream, bool reading)
    {
        bool able = reading ? stream.CanRead : stream.CanWrite;
        if (able)
        {
            return;
        }

        if (!stream.CanRead && !stream.CanWrite)
        {
            throw new ObjectDisposedException(stream.GetType().FullName, "Cannot access a closed stream.");
        }

        throw new NotSupportedException(reading ? "The source stream does not support reading."
                                                : "The destination stream does not support writing.");
    }

    /// <summary>The descriptor behind a stream, for the stream types that expose one.</summary>
    private static SafeHandle? HandleOf(Stream stream) => stream switch
    {
        FileStream file => file.SafeFileHandle,
        NetworkStream network => network.Socket.SafeHandle,
        PipeStream pipe => pipe.SafePipeHandle,
        _ => null,
    };

    private static TransferResult CopyStreams(Stream source, Stream destination, long count)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(81920);
        long moved = 0;
        try
        {
            while (moved < count)
            {
                int read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, count - moved));
                if (read == 0)
                {
                    break;
                }

                destination.Write(buffer, 0, read);
                moved += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return new TransferResult(moved, moved == 0 && count == 0 ? TransferMethod.None : TransferMethod.StreamCopy);
    }
}
