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
            long result = Zcn.sendfile(destinationFd, sourceFd, sourceOffset, (ulong)Math.Min(count - moved, meter.CallLimit));
            if (result > 0)
            {
                moved += result;
                meter.Add(result);
                continue;
            }

            if (result == 0)
            {
                return LoopResult.EndOfInput(moved);
            }

            Errno error = NativeResult.ErrnoOf(result);
            if (error == Errno.EAGAIN && wait)
            {
                error = Readiness.WaitWritable(destinationFd);
                if (error == 0)
                {
                    continue;
                }
            }

            return LoopResult.Failure(moved, error);
        }

        return LoopResult.Complete(moved);
    }
}
