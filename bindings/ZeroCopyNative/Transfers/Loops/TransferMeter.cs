using System;
using System.Diagnostics;

namespace ZeroCopyNative;

/// <summary>
/// Counts the bytes a transfer has moved and reports them to an <see cref="IProgress{T}"/> at a bounded rate: at most
/// once per <see cref="ReportInterval"/>, and once at the end. Reporting reads a timestamp and allocates nothing; a
/// meter without a progress sink costs one null check per system call.
/// </summary>
/// <remarks>A mutable struct passed by reference through the loops of one transfer; never copy it.</remarks>
internal struct TransferMeter
{
    /// <summary>The most time between two reports while bytes are moving.</summary>
    public static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The most bytes one call asks for while progress is reported, so that a report can come between calls
    /// even when the kernel would take a whole file in one (copy_file_range, sendfile).</summary>
    public const long ProgressChunk = 64L << 20;

    private static readonly long s_intervalTicks = (long)(ReportInterval.TotalSeconds * Stopwatch.Frequency);

    private readonly IProgress<long>? _progress;
    private long _nextReport;
    private long _reported;

    public TransferMeter(IProgress<long>? progress)
    {
        _progress = progress;
        _nextReport = progress == null ? 0 : Stopwatch.GetTimestamp() + s_intervalTicks;
        _reported = -1;
        Moved = 0;
    }

    /// <summary>The bytes moved so far.</summary>
    public long Moved;

    /// <summary>The most bytes the next call should ask for: the kernel's limit, or <see cref="ProgressChunk"/> while
    /// progress is reported.</summary>
    public readonly long CallLimit => _progress == null ? ZeroCopy.MaxChunk : ProgressChunk;

    /// <summary>Counts <paramref name="bytes"/> and reports when a report is due.</summary>
    public void Add(long bytes)
    {
        Moved += bytes;
        if (_progress != null && Stopwatch.GetTimestamp() >= _nextReport)
        {
            Report();
        }
    }

    /// <summary>Reports the final count (once; nothing when it was just reported).</summary>
    public void Finish()
    {
        if (_progress != null && _reported != Moved)
        {
            Report();
        }
    }

    private void Report()
    {
        _reported = Moved;
        _nextReport = Stopwatch.GetTimestamp() + s_intervalTicks;
        _progress!.Report(Moved);
    }
}
