using System;
using System.Buffers;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// The state of an asynchronous transfer with an end that can wait (a pipe or a socket), between its waits: the
/// step in use, the file offsets reached, and the bytes taken from the source but not yet delivered (in a pooled
/// pipe, or in a buffer). Each <see cref="Attempt"/> runs the step's system-call loop without waiting, up to EAGAIN,
/// the end of the source or the limit, and says which end to wait for; so no byte is lost or repeated across waits.
/// </summary>
/// <remarks>The steps are those of the synchronous chain that can meet a waiting end: sendfile (from a file),
/// splice (one end a pipe), splice through a pooled pipe (neither end a pipe), and read/write. copy_file_range needs
/// two regular files, so the chain never chooses it here; forced, it runs as asked, and the kernel refuses it as it
/// does for the synchronous transfer (no other method may stand in for a forced one).</remarks>
internal struct AsyncPump
{
    private const int BufferSize = 128 * 1024;

    public TransferEndpoint From;
    public TransferEndpoint To;
    public TransferMeter Meter;
    public TransferMethod Step;
    public bool Forced;
    public SpliceFlags ExtraFlags;

    /// <summary>Pass an offset the caller gave to the kernel even for an end that is not seekable (the single-call
    /// methods, where the kernel's ESPIPE is the answer).</summary>
    public bool ExplicitOffsets;

    /// <summary>Bytes the current step moved (for the refusal rule: "nothing moved yet").</summary>
    public long StepMoved;

    /// <summary>The methods that moved bytes (bit 1 &lt;&lt; method), and the last one.</summary>
    public int Used;
    public TransferMethod Last;

    private Pipe? _through;
    private long _inPipe;
    private byte[]? _buffer;
    private int _pendingStart;
    private int _pendingEnd;

    /// <summary>What the transfer does next, after an attempt.</summary>
    public enum Next
    {
        /// <summary>Attempt again (a limit was reached, or the step changed).</summary>
        Again,

        /// <summary>The source ended and every byte taken from it is delivered.</summary>
        Ended,

        /// <summary>Wait for the source to become readable.</summary>
        WaitSource,

        /// <summary>Wait for the destination to become writable.</summary>
        WaitDestination,

        /// <summary>The step failed; <see cref="LoopResult.Error"/> says why.</summary>
        Failed,
    }

    /// <summary>Bytes taken from the source and not yet at the destination.</summary>
    public readonly long Pending => _inPipe + (_pendingEnd - _pendingStart);

    /// <summary>Runs the step once, without waiting, for at most <paramref name="limit"/> more bytes taken from the
    /// source. The endpoints' descriptors must be borrowed for the call.</summary>
    public unsafe Next Attempt(long limit, out LoopResult result)
    {
        long inOffset = From.Offset;
        long outOffset = To.Offset;
        long* input = From.Seekable || (ExplicitOffsets && From.PositionIsCallers) ? &inOffset : null;
        long* output = To.WritesAtOffset || (ExplicitOffsets && To.PositionIsCallers) ? &outOffset : null;
        long before = Meter.Moved;
        Next next;
        switch (Step)
        {
            case TransferMethod.CopyFileRange:
                // Only when forced (a pipe or socket end): copy_file_range refuses the pair (EINVAL), and that refusal
                // is the transfer's error, as in the synchronous chain.
                result = CopyFileRangeLoop.Run(From.Fd, input, To.Fd, output, limit, ref Meter);
                next = Settle(in result, sourceWaits: null);
                break;
            case TransferMethod.SendFile:
                result = SendFileLoop.Run(From.Fd, input, To.Fd, limit, ref Meter, wait: false);
                next = Settle(in result, sourceWaits: false);
                break;
            case TransferMethod.Splice:
                result = SpliceLoop.Run(From.Fd, input, To.Fd, output, limit, SpliceFlags.NONBLOCK | ExtraFlags, ref Meter,
                                        wait: false);
                // EAGAIN does not say which end was short: ask (only then) which one is not ready.
                next = Settle(in result, sourceWaits: Readiness.SourceWaits(result.Error, From.Fd, To.Fd));
                break;
            case TransferMethod.SpliceThroughPipe:
                next = ThroughPipe(input, output, limit, out result);
                break;
            default:
                next = ReadWrite(input, output, limit, out result);
                break;
        }

        From.Offset = inOffset;
        To.Offset = outOffset;
        long moved = Meter.Moved - before;
        StepMoved += moved;
        if (moved > 0)
        {
            Used |= 1 << (int)Step;
            Last = Step;
        }

        return next;
    }

    /// <summary>Moves on to the next step after a refusal; false when there is none (or the method was forced).</summary>
    public bool TryNextStep()
    {
        if (Forced || Step == TransferMethod.ReadWrite)
        {
            return false;
        }

        TransferMethod next = Step + 1;
        while (!TransferEngine.Applies(next, in From, in To))
        {
            next++; // read/write always applies
        }

        Step = next;
        StepMoved = 0;
        return true;
    }

    /// <summary>The first step of the chain that applies to this pair, or the forced one (splice between two ends
    /// that are not pipes goes through a pooled pipe, unless <paramref name="exact"/>).</summary>
    public void ChooseFirstStep(TransferMethod? forced, bool exact)
    {
        Forced = forced.HasValue;
        Step = forced ?? TransferMethod.CopyFileRange;
        if (Step == TransferMethod.Splice && !From.IsPipe && !To.IsPipe && !exact)
        {
            Step = TransferMethod.SpliceThroughPipe;
        }

        while (!Forced && !TransferEngine.Applies(Step, in From, in To))
        {
            Step++; // copy_file_range never applies with a waiting end; read/write always does
        }
    }

    /// <summary>Takes out the bytes read from the source and not delivered (from the pooled pipe, which holds them so
    /// that this read never waits, and from the buffer), for a source that cannot be read again; empty otherwise.
    /// Allocates, once, on the cancellation path only.</summary>
    public unsafe byte[] TakeUndelivered()
    {
        if (From.Seekable || Pending == 0)
        {
            return Array.Empty<byte>();
        }

        var undelivered = new byte[Pending];
        int taken = _pendingEnd - _pendingStart;
        _buffer.AsSpan(_pendingStart, taken).CopyTo(undelivered);
        _pendingStart = _pendingEnd = 0;
        if (_inPipe > 0 && _through != null)
        {
            using DescriptorScope reader = _through.EnterReader();
            fixed (byte* start = undelivered)
            {
                while (_inPipe > 0)
                {
                    LoopResult read = ReadWriteLoop.ReadOnce(reader.Fd, null, start + taken, _inPipe, wait: false);
                    if (read.Moved == 0)
                    {
                        break;
                    }

                    taken += (int)read.Moved;
                    _inPipe -= read.Moved;
                }
            }
        }

        return taken == undelivered.Length ? undelivered : undelivered.AsSpan(0, taken).ToArray();
    }

    /// <summary>Returns the pooled pipe and buffer. Bytes still pending are lost with the pipe, which the pool then
    /// closes: the caller reports the failure that stopped the transfer.</summary>
    public void Release()
    {
        if (_through != null)
        {
            PipePool.Return(_through);
            _through = null;
        }

        if (_buffer != null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    /// <summary>Turns a loop's result into the next move: EAGAIN waits for the end given (null: neither end is short
    /// of readiness any more, so attempt again).</summary>
    private static Next Settle(in LoopResult result, bool? sourceWaits)
    {
        if (result.Error == Errno.EAGAIN)
        {
            return sourceWaits switch { true => Next.WaitSource, false => Next.WaitDestination, _ => Next.Again };
        }

        return result.Failed ? Next.Failed : result.Ended ? Next.Ended : Next.Again;
    }

    private unsafe Next ThroughPipe(long* input, long* output, long limit, out LoopResult result)
    {
        _through ??= PipePool.Rent();
        using DescriptorScope reader = _through.EnterReader();
        using DescriptorScope writer = _through.EnterWriter();
        if (_inPipe == 0)
        {
            // The pipe is empty: only the source can make this wait.
            LoopResult filled = SpliceLoop.Once(From.Fd, input, writer.Fd, null, Math.Min(limit, _through.CachedCapacity),
                                                SpliceFlags.NONBLOCK, wait: false);
            if (filled.Failed || filled.Ended)
            {
                result = filled;
                return Settle(in filled, sourceWaits: true);
            }

            _inPipe = filled.Moved;
        }

        LoopResult drained = SpliceLoop.Run(reader.Fd, null, To.Fd, output, _inPipe, SpliceFlags.NONBLOCK | ExtraFlags,
                                            ref Meter, wait: false);
        _inPipe -= drained.Moved;
        result = drained;
        if (drained.Failed && drained.Error != Errno.EAGAIN && _inPipe > 0 && TransferEngine.IsRefusal(drained.Error, true) &&
            !Forced)
        {
            // Keep the bytes the source gave: move them from the pipe into the read/write buffer (the pipe holds
            // them, so this read never waits), then let the refusal move the transfer on to read/write.
            TakeIntoBuffer(reader.Fd);
        }

        return Settle(in drained, sourceWaits: false);
    }

    private unsafe void TakeIntoBuffer(int pipeReader)
    {
        _buffer ??= ArrayPool<byte>.Shared.Rent((int)Math.Max(BufferSize, _inPipe));
        fixed (byte* start = _buffer)
        {
            while (_inPipe > 0)
            {
                LoopResult read = ReadWriteLoop.ReadOnce(pipeReader, null, start + _pendingEnd, _inPipe, wait: false);
                if (read.Moved == 0)
                {
                    break;
                }

                _pendingEnd += (int)read.Moved;
                _inPipe -= read.Moved;
            }
        }
    }

    private unsafe Next ReadWrite(long* input, long* output, long limit, out LoopResult result)
    {
        _buffer ??= ArrayPool<byte>.Shared.Rent(BufferSize);
        fixed (byte* start = _buffer)
        {
            if (_pendingEnd == _pendingStart)
            {
                _pendingStart = _pendingEnd = 0;
                LoopResult read = ReadWriteLoop.ReadOnce(From.Fd, input, start, Math.Min(limit, _buffer.Length), wait: false);
                if (read.Failed || read.Ended)
                {
                    result = read;
                    return Settle(in read, sourceWaits: true);
                }

                _pendingEnd = (int)read.Moved;
            }

            LoopResult written = ReadWriteLoop.WriteAll(To.Fd, output, start + _pendingStart, _pendingEnd - _pendingStart,
                                                        ref Meter, wait: false);
            _pendingStart += (int)written.Moved;
            result = written.Failed ? LoopResult.WriteFailure(written.Moved, written.Error) : written;
            return Settle(in result, sourceWaits: false);
        }
    }
}
