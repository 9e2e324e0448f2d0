using System;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>The one tee(2) loop: ZeroCopy.Tee, ZeroCopy.TryTee and Pipe.TeeTo go through it.</summary>
internal static class TeeLoop
{
    /// <summary>Makes tee calls until one succeeds: tee never consumes its source, so a second successful call would
    /// duplicate the same bytes again, and "one success" is the whole loop. On EAGAIN waits with poll(2) when
    /// <paramref name="wait"/>, else stops with EAGAIN. Never throws.</summary>
    /// <param name="sourceFd">The source pipe's read end.</param>
    /// <param name="destinationFd">The destination pipe's write end.</param>
    /// <param name="count">The most bytes to duplicate.</param>
    /// <param name="flags">SPLICE_F_* flags.</param>
    /// <param name="wait">Whether EAGAIN waits (true) or ends the loop (false).</param>
    public static LoopResult Run(int sourceFd, int destinationFd, long count, SpliceFlags flags, bool wait = true)
    {
        while (true)
        {
            long result = Zcn.tee(sourceFd, destinationFd, (ulong)Math.Min(count, ZeroCopy.MaxChunk), (uint)flags);
            if (result > 0)
            {
                return LoopResult.Complete(result);
            }

            if (result == 0)
            {
                return LoopResult.EndOfInput(0);
            }

            Errno error = NativeResult.ErrnoOf(result);
            if (error == Errno.EAGAIN && wait)
            {
                error = Readiness.WaitBoth(sourceFd, destinationFd);
                if (error == 0)
                {
                    continue;
                }
            }

            return LoopResult.Failure(0, error);
        }
    }
}
