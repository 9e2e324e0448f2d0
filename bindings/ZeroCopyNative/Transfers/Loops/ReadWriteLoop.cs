using System;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>The one read(2)/write(2) loop (pread/pwrite when an offset is given): the transfer chain's last step,
/// Pipe.Read and Pipe.Write go through it.</summary>
internal static class ReadWriteLoop
{
    /// <summary>One successful read (or pread at <paramref name="offset"/>, which it advances): waits with poll(2) on
    /// EAGAIN when <paramref name="wait"/>. Never throws.</summary>
    /// <returns>The bytes read in <see cref="LoopResult.Moved"/>; <see cref="LoopResult.Ended"/> when the call
    /// returned 0.</returns>
    public static unsafe LoopResult ReadOnce(int fd, long* offset, byte* buffer, long length, bool wait = true)
    {
        LoopResult outcome;
        while (!LoopResult.Settle(offset != null ? Zcn.pread(fd, buffer, (ulong)length, *offset) : Zcn.read(fd, buffer, (ulong)length),
                                  wait, fd, -1, out outcome))
        {
        }

        if (offset != null)
        {
            *offset += outcome.Moved;
        }

        return outcome;
    }

    /// <summary>Writes all <paramref name="count"/> bytes (pwrite at <paramref name="offset"/>, which it advances,
    /// when given), looping over partial writes and waiting with poll(2) on EAGAIN when <paramref name="wait"/>.
    /// Never throws; a write that returns 0 for a non-empty request is reported as EIO.</summary>
    public static unsafe LoopResult WriteAll(int fd, long* offset, byte* data, long count, ref TransferMeter meter,
                                             bool wait = true)
    {
        long written = 0;
        while (written < count)
        {
            ulong length = (ulong)Math.Min(count - written, ZeroCopy.MaxChunk);
            long result = offset != null ? Zcn.pwrite(fd, data + written, length, *offset) : Zcn.write(fd, data + written, length);
            if (result > 0)
            {
                if (offset != null)
                {
                    *offset += result;
                }

                written += result;
                meter.Add(result);
                continue;
            }

            Errno error = result == 0 ? Errno.EIO : NativeResult.ErrnoOf(result);
            if (error == Errno.EAGAIN && wait)
            {
                error = Readiness.WaitFor(-1, fd);
                if (error == 0)
                {
                    continue;
                }
            }

            return LoopResult.Failure(written, error);
        }

        return LoopResult.Complete(written);
    }

    /// <summary>Copies up to <paramref name="count"/> bytes through <paramref name="buffer"/>: read a block, write
    /// it all, until the count, the end of the source, or an error. Never throws. Bytes read but not written when a
    /// write fails are lost with the error (they left a pipe or socket source).</summary>
    public static unsafe LoopResult Copy(int sourceFd, long* sourceOffset, int destinationFd, long* destinationOffset,
                                         long count, Span<byte> buffer, ref TransferMeter meter)
    {
        long moved = 0;
        fixed (byte* start = buffer)
        {
            while (moved < count)
            {
                LoopResult read = ReadOnce(sourceFd, sourceOffset, start, Math.Min(count - moved, buffer.Length));
                if (read.Failed)
                {
                    return LoopResult.Failure(moved, read.Error);
                }

                if (read.Ended)
                {
                    return LoopResult.EndOfInput(moved);
                }

                LoopResult written = WriteAll(destinationFd, destinationOffset, start, read.Moved, ref meter);
                moved += written.Moved;
                if (written.Failed)
                {
                    return LoopResult.WriteFailure(moved, written.Error);
                }
            }
        }

        return LoopResult.Complete(moved);
    }
}
