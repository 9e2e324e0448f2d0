using System;
using System.IO;
using System.IO.Pipes;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace ZeroCopyNative;

public static partial class ZeroCopy
{
    /// <summary>
    /// Moves bytes from <paramref name="source"/> to <paramref name="destination"/> asynchronously, by the same chain
    /// as <see cref="Transfer(SafeHandle, SafeHandle, TransferOptions?)"/> (copy_file_range(2), sendfile(2),
    /// splice(2), read(2)/write(2)), with the same options, positions, holes, same-file checks and fallbacks.
    /// </summary>
    /// <remarks>
    /// <para>Waiting: a pipe or socket end must be non-blocking (O_NONBLOCK; a <see cref="Socket"/>, a
    /// <see cref="NetworkStream"/> or a <see cref="Pipe"/>'s own async methods arrange it). On EAGAIN the transfer
    /// parks in the library's event loop, one epoll thread for every waiting operation, and no thread is held until
    /// the descriptor is ready again.</para>
    /// <para>Regular files and devices cannot be waited for (epoll refuses them; they are always "ready"): a transfer
    /// between two of them runs the synchronous chain in chunks of 8 MiB, and yields its thread between chunks.</para>
    /// <para>Cancellation is seen between system calls, at most 8 MiB apart, and while waiting. It throws
    /// <see cref="TransferCanceledException"/> with the bytes moved, which stay moved; the file positions are left
    /// after them, as after a failure.</para>
    /// <para>Do not start another read of the source, or write of the destination, while this runs.</para>
    /// <para>The steady state allocates nothing per operation: the state machine and the waits are pooled.</para>
    /// </remarks>
    /// <param name="source">Where to read: a file, pipe, socket or device open for reading.</param>
    /// <param name="destination">Where to write: a file, pipe, socket or device open for writing.</param>
    /// <param name="options">The count, offsets, method, progress and hole handling; null for the defaults.</param>
    /// <param name="cancellationToken">Stops the transfer between two system calls or while it waits.</param>
    /// <returns>The bytes moved (fewer than the count only when the source ended) and the method that finished.</returns>
    /// <exception cref="ArgumentNullException">A handle is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The count or an offset is negative, or the method is not one the
    /// chain runs.</exception>
    /// <exception cref="ArgumentException">A handle is invalid, or a pipe or socket end is in blocking mode.</exception>
    /// <exception cref="ObjectDisposedException">A handle is closed, also while the transfer waits.</exception>
    /// <exception cref="SameFileException">Both ends are the same file and the transfer could never end, or its ranges
    /// overlap.</exception>
    /// <exception cref="TransferCanceledException">The token was cancelled; holds the bytes moved.</exception>
    /// <exception cref="ZeroCopyException">A system call failed (EPIPE, ECONNRESET, ENOSPC, EIO, ...), or a forced
    /// method was refused; <see cref="ZeroCopyException.BytesTransferred"/> holds the bytes moved before.</exception>
    public static ValueTask<TransferResult> TransferAsync(SafeHandle source, SafeHandle destination, TransferOptions? options = null,
                                                         CancellationToken cancellationToken = default)
    {
        Descriptors.Validate(source, nameof(source));
        Descriptors.Validate(destination, nameof(destination));
        TransferPlan.Validate(options);
        if (cancellationToken.IsCancellationRequested)
        {
            return Canceled.Before<TransferResult>(cancellationToken);
        }

        return ToResult(AsyncTransfer.RunAsync(source, options?.SourceOffset, destination, options?.DestinationOffset,
                                               new TransferPlan(options), 0, exact: false, cancellationToken));
    }

    /// <summary>
    /// Moves bytes between two streams asynchronously: by <see cref="TransferAsync(SafeHandle, SafeHandle, TransferOptions?, CancellationToken)"/>
    /// when both have a descriptor (<see cref="FileStream"/>, <see cref="NetworkStream"/>, <see cref="PipeStream"/>),
    /// otherwise by the streams' own ReadAsync/WriteAsync (<see cref="TransferMethod.StreamCopy"/>).
    /// </summary>
    /// <remarks>
    /// A <see cref="NetworkStream"/>'s socket is switched to non-blocking mode the way the runtime does for its own
    /// asynchronous calls. A <see cref="PipeStream"/> or a FileStream on a FIFO in blocking mode cannot be waited for
    /// without holding a thread, so such a pair is copied with the streams' own asynchronous methods. Positions follow
    /// <see cref="Transfer(Stream, Stream, TransferOptions?)"/>: a FileStream used without an offset is left after the
    /// bytes moved.
    /// </remarks>
    /// <param name="source">A readable stream.</param>
    /// <param name="destination">A writable stream.</param>
    /// <param name="options">The count, offsets, method, progress and hole handling; null for the defaults. Offsets and a
    /// forced method need streams with descriptors.</param>
    /// <param name="cancellationToken">Stops the transfer between two calls or while it waits.</param>
    /// <returns>The bytes moved and the method that finished.</returns>
    /// <exception cref="ArgumentNullException">A stream is null.</exception>
    /// <exception cref="NotSupportedException">A stream cannot read or write as needed, or offsets or a method were
    /// given for streams without descriptors.</exception>
    /// <exception cref="ObjectDisposedException">A stream is closed.</exception>
    /// <exception cref="TransferCanceledException">The token was cancelled; holds the bytes moved.</exception>
    /// <exception cref="ZeroCopyException">A system call failed; holds the bytes moved before.</exception>
    public static ValueTask<TransferResult> TransferAsync(Stream source, Stream destination, TransferOptions? options = null,
                                                         CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        TransferPlan.Validate(options);
        CheckStream(source, reading: true);
        CheckStream(destination, reading: false);
        if (cancellationToken.IsCancellationRequested)
        {
            return Canceled.Before<TransferResult>(cancellationToken);
        }

        return TransferStreamsAsync(source, destination, options, new TransferPlan(options), cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<TransferResult> ToResult(ValueTask<TransferEngine.Outcome> outcome) =>
        (await outcome.ConfigureAwait(false)).ToResult();

    private static async ValueTask<TransferResult> TransferStreamsAsync(Stream source, Stream destination, TransferOptions? options,
                                                                       TransferPlan plan, CancellationToken cancellationToken)
    {
        SafeHandle? sourceHandle = HandleOf(source);
        SafeHandle? destinationHandle = HandleOf(destination);
        if (sourceHandle != null && destinationHandle != null)
        {
            await PrepareAsync(source, sourceHandle, cancellationToken).ConfigureAwait(false);
            await PrepareAsync(destination, destinationHandle, cancellationToken).ConfigureAwait(false);
            if (!CanWaitFor(sourceHandle) || !CanWaitFor(destinationHandle))
            {
                sourceHandle = destinationHandle = null;
            }
        }

        if (sourceHandle == null || destinationHandle == null)
        {
            if (options is { SourceOffset: not null } or { DestinationOffset: not null } or { Method: not null })
            {
                throw new NotSupportedException("Offsets and a forced method need streams with descriptors that can be " +
                                                "waited for (FileStream, NetworkStream, non-blocking pipes).");
            }

            return await CopyStreamsAsync(source, destination, plan, cancellationToken).ConfigureAwait(false);
        }

        var sourceFile = source as FileStream;
        var destinationFile = destination as FileStream;
        if (sourceFile is { CanWrite: true })
        {
            await sourceFile.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        if (destinationFile != null)
        {
            await destinationFile.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        long? sourceOffset = options?.SourceOffset ?? (sourceFile is { CanSeek: true } ? sourceFile.Position : null);
        long? destinationOffset = options?.DestinationOffset ?? (destinationFile is { CanSeek: true } ? destinationFile.Position : null);
        long moved = 0;
        try
        {
            TransferEngine.Outcome outcome = await AsyncTransfer.RunAsync(sourceHandle, sourceOffset, destinationHandle,
                                                                          destinationOffset, plan, 0, exact: false, cancellationToken)
                                                                .ConfigureAwait(false);
            moved = outcome.Bytes;
            return outcome.ToResult();
        }
        catch (TransferCanceledException e)
        {
            moved = e.BytesTransferred;
            throw;
        }
        catch (ZeroCopyException e)
        {
            moved = e.BytesTransferred;
            throw;
        }
        finally
        {
            // A FileStream keeps its own position: move the ones the transfer used past the bytes moved.
            if (options?.SourceOffset == null && sourceOffset.HasValue)
            {
                sourceFile!.Position = sourceOffset.Value + moved;
            }

            if (options?.DestinationOffset == null && destinationOffset.HasValue)
            {
                if ((destinationFile!.SafeFileHandle is { } handle) && IsAppend(handle))
                {
                    destinationFile.Seek(0, SeekOrigin.End);
                }
                else
                {
                    destinationFile.Position = destinationOffset.Value + moved;
                }
            }
        }
    }

    private static ValueTask PrepareAsync(Stream stream, SafeHandle handle, CancellationToken cancellationToken) =>
        stream is NetworkStream network ? SocketModes.EnsureNonBlockingAsync(network.Socket, handle, cancellationToken) : default;

    /// <summary>Whether an asynchronous transfer can use this descriptor without holding a thread: it cannot wait
    /// (a file or device), or it waits in non-blocking mode.</summary>
    private static bool CanWaitFor(SafeHandle handle) => !AsyncTransfer.WouldBlock(NativeFile.Query(handle));

    private static bool IsAppend(SafeHandle handle) =>
        (NativeFile.Query(handle).status_flags & (int)Interop.OpenFlags.APPEND) != 0;

    private static async ValueTask<TransferResult> CopyStreamsAsync(Stream source, Stream destination, TransferPlan plan,
                                                                   CancellationToken cancellationToken)
    {
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        var meter = new TransferMeter(plan.Progress);
        try
        {
            while (meter.Moved < plan.Count)
            {
                int read;
                try
                {
                    read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, plan.Count - meter.Moved)),
                                                  cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new TransferCanceledException(meter.Moved, cancellationToken);
                }

                meter.Add(read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        meter.Finish();
        return new TransferResult(meter.Moved, plan.Count == 0 ? TransferMethod.None : TransferMethod.StreamCopy);
    }
}
