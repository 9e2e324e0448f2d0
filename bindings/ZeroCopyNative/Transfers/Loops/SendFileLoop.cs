using System;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>The one sendfile(2) loop: every caller (ZeroCopy.SendFile, the transfer chain) goes through it.</summary>
internal static class SendFileLoop
{
    /// <summary>Calls sendfile until <paramref name="count"/> bytes moved, the source ended (a call returned 0) or a
    /// call failed. On EAGAIN waits for the destination with poll(2) when <paramref name="wait"/>, else stops with
    /// EAGAIN. Never throws.</summary>
    /// <param name="sourceFd">A file open for reading.</param>
    /// <param name="sourceOffset">Where to read; advanced by the kernel as bytes move (the file position is left
    /// alone).</param>
    /// <param name="destinationFd">Any descriptor open for writing; written at its file position.</param>
    /// <param name="count">The most bytes to move.</param>
    /// <param name="meter">Counts the bytes moved and reports progress.</param>
    /// <param name="wait">Whether EAGAIN waits for writability (true) or ends the loop (false).</param>
    public static unsafe LoopResult Run(int sourceFd, long* sourceOffset, int destinationFd, long count,
                                        ref TransferMeter meter, bool wait = true)
    {
        long moved = 0;
        while (moved < count)
        {
            LoopResult call = Once(sourceFd, sourceOffset, destinationFd, Math.Min(count - moved, meter.CallLimit), wait);
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

    /// <summary>One successful sendfile call (retried only on EAGAIN, after poll(2), when <paramref name="wait"/>):
    /// the single call of ZeroCopy.TrySendFile, and the step of <see cref="Run"/>. Never throws.</summary>
    public static unsafe LoopResult Once(int sourceFd, long* sourceOffset, int destinationFd, long count, bool wait = true)
    {
        LoopResult outcome;
        while (!LoopResult.Settle(Zcn.sendfile(destinationFd, sourceFd, sourceOffset, (ulong)Math.Min(count, ZeroCopy.MaxChunk)),
                                  wait, -1, destinationFd, out outcome))
        {
        }

        return outcome;
    }
}
