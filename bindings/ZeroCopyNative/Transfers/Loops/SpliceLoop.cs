using System;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>The one splice(2) loop: ZeroCopy.Splice, the Pipe methods and the transfer chain all go through it.</summary>
internal static class SpliceLoop
{
    /// <summary>Calls splice until <paramref name="count"/> bytes moved, the input ended (a call returned 0) or a
    /// call failed. On EAGAIN waits with poll(2) until both ends can make progress when <paramref name="wait"/>, else
    /// stops with EAGAIN. Never throws.</summary>
    /// <param name="sourceFd">The source: a pipe's read end, a file, a socket.</param>
    /// <param name="sourceOffset">For a file source: where to read, advanced by the kernel (the file position is
    /// left alone); null to use the descriptor's position.</param>
    /// <param name="destinationFd">The destination: a pipe's write end, a file, a socket.</param>
    /// <param name="destinationOffset">For a file destination: where to write, advanced by the kernel; null to use
    /// the descriptor's position.</param>
    /// <param name="count">The most bytes to move.</param>
    /// <param name="flags">SPLICE_F_* flags passed to every call.</param>
    /// <param name="meter">Counts the bytes moved and reports progress.</param>
    /// <param name="wait">Whether EAGAIN waits (true) or ends the loop (false).</param>
    public static unsafe LoopResult Run(int sourceFd, long* sourceOffset, int destinationFd, long* destinationOffset,
                                        long count, SpliceFlags flags, ref TransferMeter meter, bool wait = true)
    {
        long moved = 0;
        while (moved < count)
        {
            LoopResult call = Once(sourceFd, sourceOffset, destinationFd, destinationOffset,
                                   Math.Min(count - moved, meter.CallLimit), flags, wait);
            moved += call.Moved;
            meter.Add(call.Moved);
            if (call.Failed)
            {
                return LoopResult.Failure(moved, call.Error);
            }

            if (call.Ended)
            {
                return LoopResult.EndOfInput(moved);
            }
        }

        return LoopResult.Complete(moved);
    }

    /// <summary>One successful splice call (retried only on EAGAIN, after poll(2), when <paramref name="wait"/>): for
    /// a caller that must act on whatever arrived before asking for more, such as the fill of an intermediate pipe,
    /// which must be drained before the source is asked again. Never throws.</summary>
    public static unsafe LoopResult Once(int sourceFd, long* sourceOffset, int destinationFd, long* destinationOffset,
                                         long count, SpliceFlags flags, bool wait = true)
    {
        LoopResult outcome;
        while (!LoopResult.Settle(Zcn.splice(sourceFd, sourceOffset, destinationFd, destinationOffset,
                                             (ulong)Math.Min(count, ZeroCopy.MaxChunk), (uint)flags),
                                  wait, sourceFd, destinationFd, out outcome))
        {
        }

        return outcome;
    }
}
