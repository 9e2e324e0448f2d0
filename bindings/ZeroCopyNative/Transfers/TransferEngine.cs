using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// The transfer chain behind <see cref="ZeroCopy.Transfer(System.Runtime.InteropServices.SafeHandle, System.Runtime.InteropServices.SafeHandle, TransferOptions?)"/>:
/// an ordered list of steps, copy_file_range → sendfile → splice (direct) → splice through a pooled pipe →
/// read/write, each of which is one of the library's system-call loops. A step either finishes the transfer or is
/// refused, after which the next step continues from the exact offsets reached: file offsets are explicit and
/// advanced only by the bytes the kernel reports, so no byte is lost or duplicated.
/// </summary>
/// <remarks>The refusal rule, written once (<see cref="IsRefusal"/>): EINVAL, ENOSYS, EOPNOTSUPP or EXDEV (and EIO or
/// EPERM before the step moved anything, as network filesystems and container sandboxes answer), or 0 bytes on the
/// step's first call (Go's rule: /proc-like files report no data to copy_file_range and sendfile while read sees it).
/// Every other error is the transfer's error. A forced method has no fallback: its refusal is the error.</remarks>
internal static partial class TransferEngine
{
    /// <summary>What a transfer did, with the methods that moved bytes (bit 1 &lt;&lt; method) for the tests.</summary>
    internal readonly record struct Outcome(long Bytes, TransferMethod Method, int MethodsThatMovedBytes)
    {
        public TransferResult ToResult() => new(Bytes, Method);
    }

    /// <summary>The chain's state across its steps (and across the data segments of a sparse file).</summary>
    private struct Chain
    {
        public TransferMeter Meter;
        public TransferMethod NextStep;
        public long FirstStepLimit;
        public TransferMethod Last;
        public int Used;
        public TransferMethod? Forced;
    }

    /// <summary>Runs the transfer: refuses a same-file transfer that could not end, then the forced method, the
    /// sparse walk, or the chain. Throws <see cref="ZeroCopyException"/> for the transfer's error, with the bytes
    /// moved before it.</summary>
    public static Outcome Run(ref TransferEndpoint source, ref TransferEndpoint destination, in TransferPlan plan)
    {
        SameFileGuard.Check(in source, in destination, plan);
        if (plan.Count == 0)
        {
            return new Outcome(0, TransferMethod.None, 0);
        }

        var chain = new Chain
        {
            Meter = new TransferMeter(plan.Progress),
            NextStep = plan.FirstStep,
            FirstStepLimit = plan.FirstStepLimit,
            Last = TransferMethod.None,
            Forced = plan.Method,
        };

        if (plan.KeepHoles && KeepsHoles(in source, in destination))
        {
            RunSparse(ref source, ref destination, ref chain, plan.Count);
        }
        else
        {
            _ = RunSegment(ref source, ref destination, ref chain, plan.Count);
        }

        chain.Meter.Finish();
        return new Outcome(chain.Meter.Moved, chain.Last, chain.Used);
    }

    /// <summary>Moves up to <paramref name="count"/> bytes by the forced method, or else through the chain.</summary>
    /// <returns>True when the source ended before <paramref name="count"/> bytes.</returns>
    private static bool RunSegment(ref TransferEndpoint source, ref TransferEndpoint destination, ref Chain chain, long count) =>
        chain.Forced is TransferMethod forced
            ? RunForced(ref source, ref destination, ref chain, forced, count)
            : RunChain(ref source, ref destination, ref chain, count);

    /// <summary>Moves up to <paramref name="count"/> bytes through the chain, from <see cref="Chain.NextStep"/> on.</summary>
    /// <returns>True when the source ended before <paramref name="count"/> bytes.</returns>
    private static bool RunChain(ref TransferEndpoint source, ref TransferEndpoint destination, ref Chain chain, long count)
    {
        long moved = 0;
        for (TransferMethod step = chain.NextStep; ; step++)
        {
            if (step != TransferMethod.ReadWrite && !Applies(step, in source, in destination))
            {
                continue;
            }

            long limit = count - moved;
            bool limited = step != TransferMethod.ReadWrite && chain.FirstStepLimit < limit;
            if (limited)
            {
                limit = chain.FirstStepLimit;
            }

            chain.FirstStepLimit = long.MaxValue;
            LoopResult result = RunStep(step, ref source, ref destination, ref chain.Meter, limit);
            moved += result.Moved;
            Note(ref chain, step, result.Moved);
            if (result.Failed)
            {
                Remember(step, result.Error, in source, in destination);
                if (step == TransferMethod.ReadWrite || !IsRefusal(result.Error, result.Moved == 0))
                {
                    throw new ZeroCopyException(OperationOf(step, result), result.Error, chain.Meter.Moved);
                }

                chain.NextStep = step + 1;
                continue;
            }

            bool refusedByZero = result.Ended && result.Moved == 0 && moved == 0 && step != TransferMethod.ReadWrite;
            if ((limited && !result.Ended) || refusedByZero)
            {
                chain.NextStep = step + 1;
                continue;
            }

            if (chain.Last == TransferMethod.None)
            {
                chain.Last = step; // nothing moved at all: the step that found the end
            }

            return result.Ended;
        }
    }

    /// <summary>Runs one method with no fallback: whatever the kernel refuses is the error.</summary>
    /// <returns>True when the source ended before <paramref name="count"/> bytes.</returns>
    private static bool RunForced(ref TransferEndpoint source, ref TransferEndpoint destination, ref Chain chain,
                                  TransferMethod method, long count)
    {
        if (method == TransferMethod.Splice && !source.IsPipe && !destination.IsPipe)
        {
            method = TransferMethod.SpliceThroughPipe;
        }

        LoopResult result = RunStep(method, ref source, ref destination, ref chain.Meter, count);
        Note(ref chain, method, result.Moved);
        chain.Last = method;
        if (result.Failed)
        {
            throw new ZeroCopyException(OperationOf(method, result), result.Error, chain.Meter.Moved);
        }

        return result.Ended;
    }

    private static void Note(ref Chain chain, TransferMethod step, long moved)
    {
        if (moved > 0)
        {
            chain.Used |= 1 << (int)step;
            chain.Last = step;
        }
    }

    internal static bool Applies(TransferMethod step, in TransferEndpoint source, in TransferEndpoint destination) => step switch
    {
        TransferMethod.CopyFileRange => source.IsRegular && destination.IsRegular && !destination.Append &&
                                        !TransferCapabilities.CopyFileRangeMissing &&
                                        !TransferCapabilities.IsCrossDeviceRefused(source.Device, destination.Device),
        // sendfile refuses O_APPEND destinations (EINVAL), so they go straight to a path that appends.
        TransferMethod.SendFile => source.Seekable && !destination.Append && !TransferCapabilities.SendFileMissing,
        TransferMethod.Splice => (source.IsPipe || destination.IsPipe) && !destination.Append && !TransferCapabilities.SpliceMissing,
        TransferMethod.SpliceThroughPipe => !source.IsPipe && !destination.IsPipe && !destination.Append &&
                                            !TransferCapabilities.SpliceMissing,
        _ => true,
    };

    /// <summary>The refusal rule: the errors that mean "this method cannot do this pair", not "the transfer failed".</summary>
    internal static bool IsRefusal(Errno errno, bool nothingMovedYet) => errno switch
    {
        Errno.EINVAL or Errno.ENOSYS or Errno.EOPNOTSUPP or Errno.EXDEV => true,
        Errno.EIO or Errno.EPERM => nothingMovedYet,
        _ => false,
    };

    /// <summary>Remembers for the life of the process what will be refused again: a missing system call, and a pair of
    /// devices copy_file_range cannot copy between.</summary>
    internal static void Remember(TransferMethod step, Errno errno, in TransferEndpoint source, in TransferEndpoint destination)
    {
        if (errno == Errno.EXDEV && step == TransferMethod.CopyFileRange)
        {
            TransferCapabilities.MarkCrossDeviceRefused(source.Device, destination.Device);
        }
        else if (errno == Errno.ENOSYS)
        {
            switch (step)
            {
                case TransferMethod.CopyFileRange:
                    TransferCapabilities.CopyFileRangeMissing = true;
                    break;
                case TransferMethod.SendFile:
                    TransferCapabilities.SendFileMissing = true;
                    break;
                case TransferMethod.Splice or TransferMethod.SpliceThroughPipe:
                    TransferCapabilities.SpliceMissing = true;
                    break;
            }
        }
    }

    internal static string OperationOf(TransferMethod step, in LoopResult result) => result.FailedWriting ? "write" : step switch
    {
        TransferMethod.CopyFileRange => "copy_file_range",
        TransferMethod.SendFile => "sendfile",
        TransferMethod.Splice or TransferMethod.SpliceThroughPipe => "splice",
        _ => "read",
    };
}
