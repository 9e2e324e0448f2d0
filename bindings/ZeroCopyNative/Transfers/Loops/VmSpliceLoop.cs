using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>The one vmsplice(2) loop: both Pipe.VmSplice forms go through it.</summary>
internal static class VmSpliceLoop
{
    /// <summary>Hands <paramref name="length"/> bytes at <paramref name="start"/> to the pipe, looping over partial
    /// calls and waiting with poll(2) while a non-blocking pipe is full (or, unless <paramref name="wait"/>, stopping
    /// with EAGAIN). Never throws; a call that returns 0 for a non-empty request (which vmsplice never should) is
    /// reported as EIO rather than looped on.</summary>
    /// <remarks>vmsplice(2) waits for room in a full pipe unless SPLICE_F_NONBLOCK is given, whatever the pipe's
    /// O_NONBLOCK says (the kernel's wait_for_space looks at the flag only): without <paramref name="wait"/> the flag is
    /// passed, or an asynchronous caller would sleep in the kernel, holding its thread, until a reader made room.</remarks>
    public static unsafe LoopResult Run(int pipeWriter, byte* start, long length, bool wait = true)
    {
        uint flags = wait ? 0 : (uint)SpliceFlags.NONBLOCK;
        long spliced = 0;
        while (spliced < length)
        {
            IoVec segment;
            segment.@base = start + spliced;
            segment.len = (ulong)(length - spliced);
            long result = Zcn.vmsplice(pipeWriter, &segment, 1, flags);
            if (result > 0)
            {
                spliced += result;
                continue;
            }

            Errno error = result == 0 ? Errno.EIO : NativeResult.ErrnoOf(result);
            if (error == Errno.EAGAIN && wait)
            {
                error = Readiness.WaitFor(-1, pipeWriter);
                if (error == 0)
                {
                    continue;
                }
            }

            return LoopResult.Failure(spliced, error);
        }

        return LoopResult.Complete(spliced);
    }
}
