using System;
using System.Buffers;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

internal static partial class TransferEngine
{
    private const int BufferSize = 128 * 1024;

    /// <summary>Runs one step, as one of the library's system-call loops, over at most <paramref name="count"/> bytes,
    /// advancing the endpoints' offsets by what the kernel reports. Never throws for the kernel's answers.</summary>
    private static unsafe LoopResult RunStep(TransferMethod step, ref TransferEndpoint source, ref TransferEndpoint destination,
                                             ref TransferMeter meter, long count)
    {
        long inOffset = source.Offset;
        long outOffset = destination.Offset;
        long* input = source.Seekable ? &inOffset : null;
        long* output = destination.WritesAtOffset ? &outOffset : null;
        LoopResult result;
        switch (step)
        {
            case TransferMethod.CopyFileRange:
                result = CopyFileRangeLoop.Run(source.Fd, input, destination.Fd, output, count, ref meter);
                break;
            case TransferMethod.SendFile:
                // sendfile writes at the destination's file position: put it where the transfer has reached.
                Errno moved = destination.WritesAtOffset ? destination.MovePositionToOffset() : 0;
                result = moved != 0 ? LoopResult.Failure(0, moved)
                                    : SendFileLoop.Run(source.Fd, input, destination.Fd, count, ref meter);
                if (output != null)
                {
                    outOffset += result.Moved;
                }

                break;
            case TransferMethod.Splice:
                result = SpliceLoop.Run(source.Fd, input, destination.Fd, output, count, 0, ref meter);
                break;
            case TransferMethod.SpliceThroughPipe:
                result = SpliceThroughPipe(source.Fd, input, destination.Fd, output, count, ref meter);
                break;
            default:
                byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    result = ReadWriteLoop.Copy(source.Fd, input, destination.Fd, output, count, buffer, ref meter);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                break;
        }

        source.Offset = inOffset;
        destination.Offset = outOffset;
        return result;
    }

    /// <summary>splice twice per block through a pooled pipe, for pairs where neither end is a pipe: fill the pipe with
    /// one call, then drain all of it into the destination before the source is asked again.</summary>
    private static unsafe LoopResult SpliceThroughPipe(int sourceFd, long* sourceOffset, int destinationFd,
                                                       long* destinationOffset, long count, ref TransferMeter meter)
    {
        Pipe pipe = PipePool.Rent();
        try
        {
            using DescriptorScope reader = pipe.EnterReader();
            using DescriptorScope writer = pipe.EnterWriter();
            long moved = 0;
            while (moved < count)
            {
                // The pipe is empty here, so only the source can make this wait.
                LoopResult filled = SpliceLoop.Once(sourceFd, sourceOffset, writer.Fd, null,
                                                    Math.Min(count - moved, pipe.CachedCapacity), 0);
                if (filled.Failed)
                {
                    return LoopResult.Failure(moved, filled.Error);
                }

                if (filled.Ended)
                {
                    return LoopResult.EndOfInput(moved);
                }

                LoopResult drained = SpliceLoop.Run(reader.Fd, null, destinationFd, destinationOffset, filled.Moved, 0, ref meter);
                moved += drained.Moved;
                if (drained.Moved == filled.Moved)
                {
                    continue;
                }

                Errno error = drained.Failed ? drained.Error : Errno.EIO;
                if (!IsRefusal(error, nothingMovedYet: true))
                {
                    return LoopResult.Failure(moved, error); // the pool closes a pipe that still holds bytes
                }

                // The destination refused splice with bytes already taken from the source and still in the pipe:
                // deliver them by copy, so that the next step starts from a destination that has every byte the
                // source gave.
                byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    LoopResult rest = ReadWriteLoop.Copy(reader.Fd, null, destinationFd, destinationOffset,
                                                         filled.Moved - drained.Moved, buffer, ref meter);
                    moved += rest.Moved;
                    return rest.Failed ? LoopResult.WriteFailure(moved, rest.Error) : LoopResult.Failure(moved, error);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }

            return LoopResult.Complete(moved);
        }
        finally
        {
            PipePool.Return(pipe);
        }
    }
}
