using System;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>The one copy_file_range(2) loop: ZeroCopy.CopyFileRange and the transfer chain go through it.</summary>
internal static class CopyFileRangeLoop
{
    /// <summary>Calls copy_file_range until <paramref name="count"/> bytes are copied, the source ended (a call
    /// returned 0) or a call failed. Regular files never answer EAGAIN, so there is nothing to wait for. Never
    /// throws.</summary>
    /// <param name="sourceFd">A regular file open for reading.</param>
    /// <param name="sourceOffset">Where to read, advanced by the kernel; null to use the file position.</param>
    /// <param name="destinationFd">A regular file open for writing, not O_APPEND.</param>
    /// <param name="destinationOffset">Where to write, advanced by the kernel; null to use the file position.</param>
    /// <param name="count">The most bytes to copy.</param>
    /// <param name="meter">Counts the bytes copied and reports progress.</param>
    public static unsafe LoopResult Run(int sourceFd, long* sourceOffset, int destinationFd, long* destinationOffset,
                                        long count, ref TransferMeter meter)
    {
        long moved = 0;
        while (moved < count)
        {
            long result = Zcn.copy_file_range(sourceFd, sourceOffset, destinationFd, destinationOffset,
                                              (ulong)Math.Min(count - moved, meter.CallLimit),
                                              (uint)CopyFileRangeFlags.NONE);
            if (result > 0)
            {
                moved += result;
                meter.Add(result);
                continue;
            }

            return result == 0 ? LoopResult.EndOfInput(moved) : LoopResult.Failure(moved, NativeResult.ErrnoOf(result));
        }

        return LoopResult.Complete(moved);
    }
}
