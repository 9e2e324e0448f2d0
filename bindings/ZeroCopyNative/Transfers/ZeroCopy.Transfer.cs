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
    /// accepts for the pair; see <see cref="Transfer(SafeHandle, SafeHandle, TransferOptions?)"/>.
    /// </summary>
    /// <param name="source">Where to read: a file, pipe, socket or device open for reading.</param>
    /// <param name="destination">Where to write: a file, pipe, socket or device open for writing.</param>
    /// <param name="count">The most bytes to move, or null to move everything until the source ends.</param>
    /// <returns>The bytes moved (fewer than <paramref name="count"/> only when the source ended) and the method that
    /// finished the transfer.</returns>
    /// <exception cref="ArgumentNullException">A handle is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">A handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">A handle is closed.</exception>
    /// <exception cref="SameFileException">Both are the same file and the transfer could never end.</exception>
    /// <exception cref="ZeroCopyException">A system call failed with an error that no fallback can avoid.</exception>
    public static TransferResult Transfer(SafeHandle source, SafeHandle destination, long? count = null)
    {
        Descriptors.Validate(source, nameof(source));
        Descriptors.Validate(destination, nameof(destination));
        Descriptors.CheckOffset(count, nameof(count));
        var plan = new TransferPlan(null) { Count = count ?? long.MaxValue };
        return TransferHandles(source, null, destination, null, in plan, out _, out _).ToResult();
    }

    /// <summary>
    /// Moves bytes from <paramref name="source"/> to <paramref name="destination"/> by the fastest path the kernel
    /// accepts for the pair, falling back when it refuses one: copy_file_range(2) for file to file; sendfile(2) for a
    /// file to a socket, pipe, device or file; splice(2) directly when one end is a pipe, or through a pooled pipe
    /// otherwise (socket to socket or file); read(2)/write(2) through a pooled buffer for everything else.
    /// </summary>
    /// <remarks>
    /// <para>Positions: without offsets in <paramref name="options"/>, reads start at the source's file position and
    /// writes at the destination's, and both positions are left after the bytes moved, as read(2)/write(2) would
    /// leave them, also when the transfer fails. With an offset, that descriptor's position is left untouched, as
    /// pread(2)/pwrite(2) leave it. Internally every call takes explicit offsets, so a fallback part-way neither loses
    /// nor repeats a byte. An O_APPEND destination goes straight to a path that appends (copy_file_range and sendfile
    /// refuse it).</para>
    /// <para>The end: without a count, the source is read until a call reports end of input, never up to the size
    /// fstat reports (files of /proc report 0; a growing file is read to its new end).</para>
    /// <para>Holes: a regular file into a regular file keeps its holes (see <see cref="TransferOptions.KeepHoles"/>).</para>
    /// <para>The same file on both ends (compared by st_dev and st_ino): a transfer that could never end (no count, and
    /// writes at or after the read position, O_APPEND included) or whose ranges overlap is refused with
    /// <see cref="SameFileException"/> before any byte moves; ranges that do not overlap transfer normally.</para>
    /// <para>Fallbacks: EINVAL, ENOSYS, EOPNOTSUPP and EXDEV move on to the next method (and so do EIO and EPERM before
    /// any byte moved, as network filesystems and container sandboxes answer), as does "0 bytes on the first call"
    /// (files such as those of /proc report no data to copy_file_range and sendfile). ENOSYS, and EXDEV for a pair of
    /// devices, are remembered for the life of the process. A forced <see cref="TransferOptions.Method"/> has no
    /// fallback.</para>
    /// <para>Non-blocking descriptors: on EAGAIN the transfer waits with poll(2); it never spins.</para>
    /// <para>The steady-state loop allocates nothing.</para>
    /// </remarks>
    /// <param name="source">Where to read: a file, pipe, socket or device open for reading.</param>
    /// <param name="destination">Where to write: a file, pipe, socket or device open for writing.</param>
    /// <param name="options">The count, offsets, method, progress and hole handling; null for the defaults.</param>
    /// <returns>The bytes moved (fewer than the count only when the source ended; holes kept count as moved) and the
    /// method that finished the transfer.</returns>
    /// <exception cref="ArgumentNullException">A handle is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The count or an offset is negative, or the method is not one the
    /// chain runs.</exception>
    /// <exception cref="ArgumentException">A handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">A handle is closed.</exception>
    /// <exception cref="SameFileException">Both ends are the same file and the transfer could never end, or its ranges
    /// overlap.</exception>
    /// <exception cref="ZeroCopyException">A system call failed with an error that no fallback can avoid (EBADF,
    /// ENOSPC, EDQUOT, EFBIG, EPIPE, ECONNRESET, EIO, ...), or a forced method was refused;
    /// <see cref="ZeroCopyException.BytesTransferred"/> holds the bytes written to the destination before the failure.
    /// Bytes already taken from a pipe or socket source but not yet written are lost with the error.</exception>
    public static TransferResult Transfer(SafeHandle source, SafeHandle destination, TransferOptions? options)
    {
        Descriptors.Validate(source, nameof(source));
        Descriptors.Validate(destination, nameof(destination));
        TransferPlan.Validate(options);
        var plan = new TransferPlan(options);
        return TransferHandles(source, options?.SourceOffset, destination, options?.DestinationOffset, in plan, out _, out _)
            .ToResult();
    }

    /// <summary>The entry point behind every descriptor transfer (the public ones, the streams, the tests, which force a
    /// step through <paramref name="plan"/>). The arguments are already validated. The offsets reached are written to
    /// <paramref name="sourceEnd"/> and <paramref name="destinationEnd"/> also when the transfer throws (-1 for a
    /// descriptor without offsets, and for an O_APPEND destination).</summary>
    internal static TransferEngine.Outcome TransferHandles(SafeHandle source, long? sourceOffset, SafeHandle destination,
                                                           long? destinationOffset, in TransferPlan plan,
                                                           out long sourceEnd, out long destinationEnd)
    {
        sourceEnd = -1;
        destinationEnd = -1;
        using DescriptorScope input = DescriptorScope.Borrow(source);
        using DescriptorScope output = DescriptorScope.Borrow(destination);
        TransferEndpoint from = TransferEndpoint.Describe(input.Fd, sourceOffset);
        TransferEndpoint to = TransferEndpoint.Describe(output.Fd, destinationOffset);
        try
        {
            return TransferEngine.Run(ref from, ref to, in plan);
        }
        finally
        {
            from.SettlePosition(asDestination: false);
            to.SettlePosition(asDestination: true);
            sourceEnd = from.Seekable ? from.Offset : -1;
            destinationEnd = to.WritesAtOffset ? to.Offset : -1;
        }
    }

    /// <summary>Moves bytes from one stream to another by the fastest path; see
    /// <see cref="Transfer(Stream, Stream, TransferOptions?)"/>.</summary>
    /// <param name="source">A readable stream.</param>
    /// <param name="destination">A writable stream.</param>
    /// <param name="count">The most bytes to move, or null to move everything until the source ends.</param>
    /// <returns>The bytes moved and the method that finished the transfer.</returns>
    /// <exception cref="ArgumentNullException">A stream is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="NotSupportedException">The source cannot read or the destination cannot write.</exception>
    /// <exception cref="ObjectDisposedException">A stream is disposed.</exception>
    /// <exception cref="SameFileException">Both streams are the same file and the transfer could never end.</exception>
    /// <exception cref="ZeroCopyException">A system call failed.</exception>
    /// <exception cref="IOException">A stream without a descriptor failed to read or write.</exception>
    public static TransferResult Transfer(Stream source, Stream destination, long? count = null)
    {
        Descriptors.CheckOffset(count, nameof(count));
        return Transfer(source, destination, count is null ? null : new TransferOptions { Count = count });
    }

    /// <summary>
    /// Moves bytes from one stream to another by the fastest path; see
    /// <see cref="Transfer(SafeHandle, SafeHandle, TransferOptions?)"/>. A <see cref="FileStream"/>,
    /// <see cref="NetworkStream"/> or <see cref="PipeStream"/> is used through its descriptor (zero-copy where the kernel
    /// allows); any other stream is copied with <see cref="Stream.Read(byte[], int, int)"/> and
    /// <see cref="Stream.Write(byte[], int, int)"/> through a pooled buffer (<see cref="TransferMethod.StreamCopy"/>).
    /// </summary>
    /// <remarks>
    /// A FileStream's buffered writes are flushed first; without offsets, reading starts at the source's
    /// <see cref="Stream.Position"/> and writing at the destination's, and afterwards (also after a failure) both
    /// positions are advanced by the bytes moved (an O_APPEND destination is left at its end). With an offset, that
    /// stream's position is left alone. Do not use the streams from another thread meanwhile. Streams without a
    /// descriptor honour the count and the progress; they have no offsets, methods or holes.
    /// </remarks>
    /// <param name="source">A readable stream.</param>
    /// <param name="destination">A writable stream.</param>
    /// <param name="options">The count, offsets, method, progress and hole handling; null for the defaults.</param>
    /// <returns>The bytes moved and the method that finished the transfer.</returns>
    /// <exception cref="ArgumentNullException">A stream is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The count or an offset is negative.</exception>
    /// <exception cref="NotSupportedException">The source cannot read or the destination cannot write, or offsets or
    /// a method were given for a stream without a descriptor.</exception>
    /// <exception cref="ObjectDisposedException">A stream is disposed.</exception>
    /// <exception cref="SameFileException">Both streams are the same file and the transfer could never end.</exception>
    /// <exception cref="ZeroCopyException">A system call failed (see <see cref="Transfer(SafeHandle, SafeHandle, TransferOptions?)"/>).</exception>
    /// <exception cref="IOException">A stream without a descriptor failed to read or write.</exception>
    public static TransferResult Transfer(Stream source, Stream destination, TransferOptions? options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        TransferPlan.Validate(options);
        CheckStream(source, reading: true);
        CheckStream(destination, reading: false);
        var plan = new TransferPlan(options);

        SafeHandle? sourceHandle = HandleOf(source);
        SafeHandle? destinationHandle = HandleOf(destination);
        if (sourceHandle == null || destinationHandle == null)
        {
            if (options is { SourceOffset: not null } or { DestinationOffset: not null } or { Method: not null })
            {
                throw new NotSupportedException("Offsets and a forced method need streams with descriptors (FileStream, " +
                                                "NetworkStream, PipeStream).");
            }

            return CopyStreams(source, destination, in plan);
        }

        var sourceFile = source as FileStream;
        var destinationFile = destination as FileStream;
        if (sourceFile is { CanWrite: true })
        {
            sourceFile.Flush();
        }

        destinationFile?.Flush();
        long? sourceOffset = options?.SourceOffset ?? (sourceFile is { CanSeek: true } ? sourceFile.Position : null);
        long? destinationOffset = options?.DestinationOffset ?? (destinationFile is { CanSeek: true } ? destinationFile.Position : null);
        long sourceEnd = -1;
        long destinationEnd = -1;
        try
        {
            return TransferHandles(sourceHandle, sourceOffset, destinationHandle, destinationOffset, in plan,
                                   out sourceEnd, out destinationEnd).ToResult();
        }
        finally
        {
            // A FileStream keeps its own position: move the ones the transfer used to where it reached.
            if (options?.SourceOffset == null && sourceOffset.HasValue && sourceEnd >= 0)
            {
                sourceFile!.Position = sourceEnd;
            }

            if (options?.DestinationOffset == null && destinationOffset.HasValue)
            {
                if (destinationEnd >= 0)
                {
                    destinationFile!.Position = destinationEnd;
                }
                else
                {
                    destinationFile!.Seek(0, SeekOrigin.End); // O_APPEND: the appends put it at the end
                }
            }
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

    private static TransferResult CopyStreams(Stream source, Stream destination, in TransferPlan plan)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(81920);
        var meter = new TransferMeter(plan.Progress);
        try
        {
            while (meter.Moved < plan.Count)
            {
                int read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, plan.Count - meter.Moved));
                if (read == 0)
                {
                    break;
                }

                destination.Write(buffer, 0, read);
                meter.Add(read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        meter.Finish();
        return new TransferResult(meter.Moved, plan.Count == 0 ? TransferMethod.None : TransferMethod.StreamCopy);
    }
}
