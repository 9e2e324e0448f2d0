namespace ZeroCopyNative;

/// <summary>
/// Refuses, before any byte moves, a transfer whose two ends are the same file (st_dev and st_ino, never paths) when it
/// could not end or would read back what it wrote:
/// <list type="bullet">
/// <item>no count, something left to read, and the writes land at or after the read position (an O_APPEND destination
/// writes at the end): each byte written becomes input again, and the file grows until the disk is full
/// (<c>cat f &gt;&gt; f</c>);</item>
/// <item>a count, and the read range and the write range overlap: copy_file_range itself answers EINVAL for that, and
/// the other methods would read bytes they had just written. Overlaps are refused rather than copied as memmove would,
/// because no method of the chain can copy backwards.</item>
/// </list>
/// Ranges that do not overlap transfer normally, and so does a read position after the write position without a count
/// (each write lands behind the reads, and the input ends).
/// </summary>
internal static class SameFileGuard
{
    /// <exception cref="SameFileException">The transfer is one of those above.</exception>
    public static void Check(in TransferEndpoint source, in TransferEndpoint destination, in TransferPlan plan)
    {
        // A destination not open for writing moves nothing: the kernel's EBADF is the better answer.
        if (!source.Seekable || !destination.Seekable || !destination.Writable || !source.IsSameFileAs(in destination))
        {
            return;
        }

        long read = source.Offset;
        long write = destination.Append ? destination.Size : destination.Offset;
        if (!plan.Bounded)
        {
            if (read < source.Size && write >= read)
            {
                throw new SameFileException(
                    $"The source and the destination are the same file (device {source.Device}, inode {source.Inode}), " +
                    $"and writing at {write} while reading from {read} with no count would read back every byte written " +
                    "and never end.");
            }

            return;
        }

        // [read, read + count) and [write, write + count) overlap; written with differences, which cannot overflow.
        if (plan.Count > 0 && read - write < plan.Count && write - read < plan.Count)
        {
            throw new SameFileException(
                $"The source and the destination are the same file (device {source.Device}, inode {source.Inode}), and " +
                $"the ranges overlap: {plan.Count} bytes from {read} into {write}.");
        }
    }
}
