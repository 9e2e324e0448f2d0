using System;
using System.Buffers;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// The fallback chain behind <see cref="ZeroCopy.Transfer(System.Runtime.InteropServices.SafeHandle, System.Runtime.InteropServices.SafeHandle, long?)"/>:
/// copy_file_range → sendfile → splice (direct, or through a pooled pipe) → read/write. Each step either finishes the
/// transfer or reports that the kernel refused it, after which the next step continues from the exact offsets reached:
/// file offsets are explicit and advanced only by the bytes the kernel reports, so no byte is lost or duplicated.
/// </summary>
/// <remarks>Refusals that fall back: EINVAL, ENOSYS, EOPNOTSUPP, EXDEV (and EIO/EPERM before anything moved, as
/// network filesystems and container sandboxes answer), plus "0 bytes on the first call" (Go's rule: /proc-like files
/// report no data to copy_file_range and sendfile while read sees it). Every other error is the transfer's error.</remarks>
internal static class TransferEngine
{
    private const int BufferSize = 128 * 1024;

    private enum Outcome
    {
        Done,
        Refused,
    }

    /// <summary>The progress shared by the steps.</summary>
    private struct Progress
    {
        public long Moved;
        public long Remaining;
        public long Budget;       // bytes the test hook still lets a zero-copy step move
        public bool BudgetActive;
        public TransferMethod Last;
    }

    /// <summary>Runs the chain. <paramref name="count"/> is long.MaxValue for "until the end of the source".</summary>
    public static TransferResult Run(ref TransferEndpoint source, ref TransferEndpoint destination, long count)
    {
        TransferTestHooks.MethodsThatMovedBytes = 0;
        var progress = new Progress { Remaining = count, Last = TransferMethod.None };
        if (TransferTestHooks.RefuseAfterBytes is long budget)
        {
            progress.Budget = budget;
            progress.BudgetActive = true;
        }

        TransferMethod start = TransferTestHooks.StartAt ?? TransferMethod.CopyFileRange;
        if (count == 0)
        {
            return new TransferResult(0, TransferMethod.None);
        }

        if (start <= TransferMethod.CopyFileRange && UseCopyFileRange(in source, in destination) &&
            CopyFileRange(ref source, ref destination, ref progress) == Outcome.Done)
        {
            return Finish(in progress);
        }

        if (start <= TransferMethod.SendFile && UseSendFile(in source, in destination) &&
            SendFile(ref source, ref destination, ref progress) == Outcome.Done)
        {
            return Finish(in progress);
        }

        if (start <= TransferMethod.Splice && UseSplice(in source, in destination) &&
            Splice(ref source, ref destination, ref progress) == Outcome.Done)
        {
            return Finish(in progress);
        }

        if (start <= TransferMethod.SpliceThroughPipe && UseSpliceThroughPipe(in source, in destination) &&
            SpliceThroughPipe(ref source, ref destination, ref progress) == Outcome.Done)
        {
            return Finish(in progress);
        }

        ReadWrite(ref source, ref destination, ref progress);
        return Finish(in progress);
    }

    private static TransferResult Finish(in Progress progress) => new(progress.Moved, progress.Last);

    private static bool UseCopyFileRange(in TransferEndpoint source, in TransferEndpoint destination) =>
        source.IsRegular && destination.IsRegular && !destination.Append && !TransferCapabilities.CopyFileRangeMissing &&
        !TransferCapabilities.IsCrossDeviceRefused(source.Device, destination.Device);

    // sendfile refuses O_APPEND destinations (EINVAL), so they go straight to a path that appends.
    private static bool UseSendFile(in TransferEndpoint source, in TransferEndpoint destination) =>
        source.Seekable && !destination.Append && !TransferCapabilities.SendFileMissing;

    private static bool UseSplice(in TransferEndpoint source, in TransferEndpoint destination) =>
        (source.IsPipe || destination.IsPipe) && !destination.Append && !TransferCapabilities.SpliceMissing;

    private static bool UseSpliceThroughPipe(in TransferEndpoint source, in TransferEndpoint destination) =>
        !source.IsPipe && !destination.IsPipe && !destination.Append && !TransferCapabilities.SpliceMissing;

    /// <summary>The length of the next call: the remainder, capped by the kernel's limit, <paramref name="cap"/> and the
    /// test hook's budget.</summary>
    private static long NextLength(in Progress progress, long cap)
    {
        long length = Math.Min(progress.Remaining, cap);
        return progress.BudgetActive ? Math.Min(length, progress.Budget) : length;
    }

    private static void Account(ref Progress progress, long bytes, TransferMethod method)
    {
        progress.Moved += bytes;
        progress.Remaining -= bytes;
        if (progress.BudgetActive)
        {
            progress.Budget -= bytes;
        }

        progress.Last = method;
        TransferTestHooks.MethodsThatMovedBytes |= 1 << (int)method;
    }

    /// <summary>After a refusal the hook's budget is spent: the later steps run freely.</summary>
    private static Outcome Refuse(ref Progress progress)
    {
        progress.BudgetActive = false;
        return Outcome.Refused;
    }

    /// <summary>Ends a step that finished: <paramref name="method"/> moved the last bytes.</summary>
    private static Outcome Done(ref Progress progress, TransferMethod method)
    {
        progress.Last = method;
        return Outcome.Done;
    }

    /// <summary>The source reported no more data. On the first call that is a refusal: a file that hides its size
    /// (as /proc files do from copy_file_range and sendfile) gets another method; later, it is the end.</summary>
    private static Outcome EndOfInput(ref Progress progress, bool firstCall, TransferMethod method) =>
        firstCall ? Refuse(ref progress) : Done(ref progress, method);

    private static bool IsRefusal(Errno errno, bool nothingMovedYet) => errno switch
    {
        Errno.EINVAL or Errno.ENOSYS or Errno.EOPNOTSUPP or Errno.EXDEV => true,
        Errno.EIO or Errno.EPERM => nothingMovedYet,
        _ => false,
    };

    private static unsafe Outcome CopyFileRange(ref TransferEndpoint source, ref TransferEndpoint destination, ref Progress progress)
    {
        bool firstCall = true;
        while (progress.Remaining > 0)
        {
            long length = NextLength(in progress, ZeroCopy.MaxChunk);
            if (length == 0)
            {
                return Refuse(ref progress);
            }

            long inOffset = source.Offset;
            long outOffset = destination.Offset;
            long result = Zcn.copy_file_range(source.Fd, &inOffset, destination.Fd, &outOffset, (ulong)length, 0);
            if (result > 0)
            {
                Advance(ref source, ref destination, result);
                Account(ref progress, result, TransferMethod.CopyFileRange);
                firstCall = false;
                continue;
            }

            if (result == 0)
            {
                return EndOfInput(ref progress, firstCall, TransferMethod.CopyFileRange);
            }

            Errno errno = NativeResult.ErrnoOf(result);
            if (errno == Errno.ENOSYS)
            {
                TransferCapabilities.CopyFileRangeMissing = true;
            }
            else if (errno == Errno.EXDEV)
            {
                TransferCapabilities.MarkCrossDeviceRefused(source.Device, destination.Device);
            }

            if (IsRefusal(errno, firstCall))
            {
                return Refuse(ref progress);
            }

            NativeResult.Throw("copy_file_range", result, progress.Moved);
        }

        return Done(ref progress, TransferMethod.CopyFileRange);
    }

    private static unsafe Outcome SendFile(ref TransferEndpoint source, ref TransferEndpoint destination, ref Progress progress)
    {
        if (destination.WritesAtOffset)
        {
            // sendfile writes at the destination's file position: put it where the transfer has reached.
            NativeResult.Check(Zcn.lseek(destination.Fd, destination.Offset, (int)Whence.SEEK_SET), "lseek");
        }

        bool firstCall = true;
        while (progress.Remaining > 0)
        {
            long length = NextLength(in progress, ZeroCopy.MaxChunk);
            if (length == 0)
            {
                return Refuse(ref progress);
            }

            long inOffset = source.Offset;
            long result = Zcn.sendfile(destination.Fd, source.Fd, &inOffset, (ulong)length);
            if (result > 0)
            {
                Advance(ref source, ref destination, result); // sendfile's source is always seekable
                Account(ref progress, result, TransferMethod.SendFile);
                firstCall = false;
                continue;
            }

            if (result == 0)
            {
                return EndOfInput(ref progress, firstCall, TransferMethod.SendFile);
            }

            Errno errno = NativeResult.ErrnoOf(result);
            if (errno == Errno.EAGAIN)
            {
                Readiness.WaitWritable(destination.Fd, "sendfile", progress.Moved);
                continue;
            }

            if (errno == Errno.ENOSYS)
            {
                TransferCapabilities.SendFileMissing = true;
            }

            if (IsRefusal(errno, firstCall))
            {
                return Refuse(ref progress);
            }

            NativeResult.Throw("sendfile", result, progress.Moved);
        }

        return Done(ref progress, TransferMethod.SendFile);
    }

    private static unsafe Outcome Splice(ref TransferEndpoint source, ref TransferEndpoint destination, ref Progress progress)
    {
        bool firstCall = true;
        while (progress.Remaining > 0)
        {
            long length = NextLength(in progress, ZeroCopy.MaxChunk);
            if (length == 0)
            {
                return Refuse(ref progress);
            }

            long inOffset = source.Offset;
            long outOffset = destination.Offset;
            long result = Zcn.splice(source.Fd, source.Seekable ? &inOffset : null, destination.Fd,
                                     destination.WritesAtOffset ? &outOffset : null, (ulong)length, 0);
            if (result > 0)
            {
                Advance(ref source, ref destination, result);
                Account(ref progress, result, TransferMethod.Splice);
                firstCall = false;
                continue;
            }

            if (result == 0)
            {
                return EndOfInput(ref progress, firstCall, TransferMethod.Splice);
            }

            Errno errno = NativeResult.ErrnoOf(result);
            if (errno == Errno.EAGAIN)
            {
                Readiness.WaitBoth(source.Fd, destination.Fd, "splice", progress.Moved);
                continue;
            }

            if (errno == Errno.ENOSYS)
            {
                TransferCapabilities.SpliceMissing = true;
            }

            if (IsRefusal(errno, firstCall))
            {
                return Refuse(ref progress);
            }

            NativeResult.Throw("splice", result, progress.Moved);
        }

        return Done(ref progress, TransferMethod.Splice);
    }

    private static Outcome SpliceThroughPipe(ref TransferEndpoint source, ref TransferEndpoint destination, ref Progress progress)
    {
        Pipe pipe = PipePool.Rent();
        try
        {
            using DescriptorScope reader = pipe.EnterEnd(pipe.Reader);
            using DescriptorScope writer = pipe.EnterEnd(pipe.Writer);
            return SpliceThroughPipe(ref source, ref destination, ref progress, reader.Fd, writer.Fd, pipe.CachedCapacity);
        }
        finally
        {
            PipePool.Return(pipe);
        }
    }

    private static unsafe Outcome SpliceThroughPipe(ref TransferEndpoint source, ref TransferEndpoint destination,
                                                    ref Progress progress, int pipeReader, int pipeWriter, int capacity)
    {
        bool firstCall = true;
        while (progress.Remaining > 0)
        {
            long length = NextLength(in progress, capacity);
            if (length == 0)
            {
                return Refuse(ref progress);
            }

            // Fill: the pipe is empty here, so only the source can make this wait.
            long inOffset = source.Offset;
            long filled = Zcn.splice(source.Fd, source.Seekable ? &inOffset : null, pipeWriter, null, (ulong)length, 0);
            if (filled == 0)
            {
                return EndOfInput(ref progress, firstCall, TransferMethod.SpliceThroughPipe);
            }

            if (filled < 0)
            {
                Errno errno = NativeResult.ErrnoOf(filled);
                if (errno == Errno.EAGAIN)
                {
                    Readiness.WaitReadable(source.Fd, "splice", progress.Moved);
                    continue;
                }

                if (errno == Errno.ENOSYS)
                {
                    TransferCapabilities.SpliceMissing = true;
                }

                if (IsRefusal(errno, firstCall))
                {
                    return Refuse(ref progress);
                }

                NativeResult.Throw("splice", filled, progress.Moved);
            }

            if (source.Seekable)
            {
                source.Offset += filled;
            }

            firstCall = false;

            // Drain: everything that entered the pipe goes to the destination before anything else happens.
            long inPipe = filled;
            while (inPipe > 0)
            {
                long outOffset = destination.Offset;
                long drained = Zcn.splice(pipeReader, null, destination.Fd, destination.WritesAtOffset ? &outOffset : null,
                                          (ulong)inPipe, 0);
                if (drained > 0)
                {
                    if (destination.WritesAtOffset)
                    {
                        destination.Offset += drained;
                    }

                    inPipe -= drained;
                    Account(ref progress, drained, TransferMethod.SpliceThroughPipe);
                    continue;
                }

                Errno errno = drained == 0 ? Errno.EIO : NativeResult.ErrnoOf(drained);
                if (errno == Errno.EAGAIN)
                {
                    Readiness.WaitWritable(destination.Fd, "splice", progress.Moved);
                    continue;
                }

                if (IsRefusal(errno, nothingMovedYet: false) || errno == Errno.EIO || errno == Errno.EPERM)
                {
                    // The destination refuses splice: the bytes already taken from the source are in the pipe, so
                    // deliver them by copy before the next method continues from the source.
                    CopyOutOfPipe(pipeReader, ref destination, ref progress, inPipe);
                    return Refuse(ref progress);
                }

                NativeResult.Throw("splice", drained, progress.Moved);
            }
        }

        return Done(ref progress, TransferMethod.SpliceThroughPipe);
    }

    /// <summary>Moves the <paramref name="count"/> bytes left in the intermediate pipe to the destination by read/write.</summary>
    private static unsafe void CopyOutOfPipe(int pipeReader, ref TransferEndpoint destination, ref Progress progress, long count)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            fixed (byte* start = buffer)
            {
                while (count > 0)
                {
                    long read = Zcn.read(pipeReader, start, (ulong)Math.Min(count, buffer.Length));
                    if (read <= 0)
                    {
                        NativeResult.Throw("read", read == 0 ? -(long)Errno.EIO : read, progress.Moved);
                    }

                    WriteAll(ref destination, ref progress, start, read, TransferMethod.ReadWrite);
                    count -= read;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static unsafe void ReadWrite(ref TransferEndpoint source, ref TransferEndpoint destination, ref Progress progress)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            fixed (byte* start = buffer)
            {
                while (progress.Remaining > 0)
                {
                    long length = Math.Min(progress.Remaining, buffer.Length);
                    long read = source.Seekable
                        ? Zcn.pread(source.Fd, start, (ulong)length, source.Offset)
                        : Zcn.read(source.Fd, start, (ulong)length);
                    if (read == 0)
                    {
                        break;
                    }

                    if (read < 0)
                    {
                        Errno errno = NativeResult.ErrnoOf(read);
                        if (errno == Errno.EAGAIN)
                        {
                            Readiness.WaitReadable(source.Fd, "read", progress.Moved);
                            continue;
                        }

                        if (errno == Errno.ESPIPE && source.Seekable)
                        {
                            source.Seekable = false; // a file kind that cannot pread after all: read its position
                            continue;
                        }

                        NativeResult.Throw(source.Seekable ? "pread" : "read", read, progress.Moved);
                    }

                    if (source.Seekable)
                    {
                        source.Offset += read;
                    }

                    WriteAll(ref destination, ref progress, start, read, TransferMethod.ReadWrite);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        progress.Last = TransferMethod.ReadWrite;
    }

    private static unsafe void WriteAll(ref TransferEndpoint destination, ref Progress progress, byte* data, long count,
                                        TransferMethod method)
    {
        long written = 0;
        while (written < count)
        {
            long result = destination.WritesAtOffset
                ? Zcn.pwrite(destination.Fd, data + written, (ulong)(count - written), destination.Offset)
                : Zcn.write(destination.Fd, data + written, (ulong)(count - written));
            if (result > 0)
            {
                if (destination.WritesAtOffset)
                {
                    destination.Offset += result;
                }

                written += result;
                Account(ref progress, result, method);
                continue;
            }

            Errno errno = result == 0 ? Errno.EIO : NativeResult.ErrnoOf(result);
            if (errno == Errno.EAGAIN)
            {
                Readiness.WaitWritable(destination.Fd, "write", progress.Moved);
                continue;
            }

            throw new ZeroCopyException(destination.WritesAtOffset ? "pwrite" : "write", errno, progress.Moved);
        }
    }

    private static void Advance(ref TransferEndpoint source, ref TransferEndpoint destination, long bytes)
    {
        if (source.Seekable)
        {
            source.Offset += bytes;
        }

        if (destination.WritesAtOffset)
        {
            destination.Offset += bytes;
        }
    }
}
