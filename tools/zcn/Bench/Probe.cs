using System;
using System.Diagnostics;
using System.IO;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tool.Cli;

namespace ZeroCopyNative.Tool.Bench;

/// <summary>One measured run of one method.</summary>
internal readonly record struct Measurement(long Bytes, double Seconds, double UserSeconds, double SysSeconds,
                                            long CtxVoluntary, long CtxInvoluntary, long Syscalls, long ResidentBytes)
{
    /// <summary>The process's threads during the run (many-sockets), or null when not counted.</summary>
    public ThreadCount? Threads { get; init; }

    /// <summary>How much of the read buffer the kernel backed with huge pages after the run (cold-read odirect), or
    /// null when not measured.</summary>
    public HugePageShare? HugePages { get; init; }

    /// <summary>Minor page faults of the process during the run (memory-to-pipe), or null when not counted.</summary>
    public long? MinorFaults { get; init; }
}

/// <summary>The bytes of a buffer on transparent huge pages (smaps AnonHugePages), and the buffer's length.</summary>
internal readonly record struct HugePageShare(long Bytes, long BufferBytes)
{
    public override string ToString() =>
        $"{Cli.Sizes.Format(Bytes)} of {Cli.Sizes.Format(BufferBytes)} ({(BufferBytes > 0 ? 100.0 * Bytes / BufferBytes : 0):0}%)";
}

/// <summary>
/// Process-wide counters around a measured loop, the managed twin of the C reference's getrusage(RUSAGE_SELF), through
/// the same call (zcn_getrusage): CPU time, context switches and page faults of every thread, those that exit during
/// the loop included. Summing /proc/self/task/*/status instead would lose the switches of a thread that exits in the
/// loop (a thread-pool worker retiring), and could even go negative.
/// </summary>
internal readonly struct Probe
{
    private readonly long _start;
    private readonly ResourceUsage _usage;

    private Probe(long start, ResourceUsage usage)
    {
        _start = start;
        _usage = usage;
    }

    public static Probe Start() => new(Stopwatch.GetTimestamp(), Usage());

    /// <summary>Ends the sample; the wall time stops first, so reading the counters is not timed. With
    /// <paramref name="countFaults"/>, the minor page faults of the loop too (memory-to-pipe), as the C reference counts
    /// them.</summary>
    public Measurement Stop(long bytes, long syscalls, long residentBytes = -1, bool countFaults = false)
    {
        long end = Stopwatch.GetTimestamp();
        ResourceUsage now = Usage();
        return new Measurement(bytes, Stopwatch.GetElapsedTime(_start, end).TotalSeconds,
                               (now.user_us - _usage.user_us) / 1e6, (now.system_us - _usage.system_us) / 1e6,
                               now.voluntary_switches - _usage.voluntary_switches,
                               now.involuntary_switches - _usage.involuntary_switches, syscalls, residentBytes)
        {
            MinorFaults = countFaults ? now.minor_faults - _usage.minor_faults : null,
        };
    }

    private static unsafe ResourceUsage Usage()
    {
        ResourceUsage usage;
        Errors.Check(Zcn.getrusage((int)UsageWho.SELF, &usage), "getrusage");
        return usage;
    }

    /// <summary>Anonymous resident memory of this process now (RssAnon), in bytes: the part of RSS that is not a
    /// mapped file.</summary>
    public static long AnonymousResidentBytes() => StatusKiB("RssAnon:") * 1024;

    /// <summary>Peak resident memory (VmHWM), in bytes, mapped files included.</summary>
    public static long PeakResidentBytes() => StatusKiB("VmHWM:") * 1024;

    private static long StatusKiB(string key)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                ReadOnlySpan<char> rest = line.AsSpan(key.Length).Trim();
                int space = rest.IndexOf(' ');
                return long.Parse(space < 0 ? rest : rest[..space], provider: null);
            }
        }

        return 0;
    }
}
