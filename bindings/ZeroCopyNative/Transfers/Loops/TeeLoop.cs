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
        LoopResult outcome;
        while (!LoopResult.Settle(Zcn.tee(sourceFd, destinationFd, (ulong)Math.Min(count, ZeroCopy.MaxChunk), (uint)flags),
                                  wait, sourceFd, destinationFd, out outcome))
        {
        }

        return outcome;
    }
}
