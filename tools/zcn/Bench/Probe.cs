using System;
using System.Diagnostics;
using System.IO;

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
/// Process-wide counters around a measured loop, the managed twin of the C reference's getrusage(RUSAGE_SELF):
/// CPU time from <see cref="Environment.CpuUsage"/> (getrusage underneath, microseconds), context switches summed over
/// every thread in /proc/self/task/*/status. Threads a method starts are kept alive until the end sample, so their
/// switches are counted like getrusage counts them.
/// </summary>
internal readonly struct Probe
{
    private readonly long _start;
    private readonly TimeSpan _user;
    private readonly TimeSpan _sys;
    private readonly long _voluntary;
    private readonly long _involuntary;

    private Probe(long start, TimeSpan user, TimeSpan sys, long voluntary, long involuntary)
    {
        _start = start;
        _user = user;
        _sys = sys;
        _voluntary = voluntary;
        _involuntary = involuntary;
    }

    public static Probe Start()
    {
        (long v, long i) = ContextSwitches();
        Environment.ProcessCpuUsage cpu = Environment.CpuUsage;
        return new Probe(Stopwatch.GetTimestamp(), cpu.UserTime, cpu.PrivilegedTime, v, i);
    }

    /// <summary>Ends the sample; the wall time stops first, so reading the counters is not timed.</summary>
    public Measurement Stop(long bytes, long syscalls, long residentBytes = -1)
    {
        long end = Stopwatch.GetTimestamp();
        Environment.ProcessCpuUsage cpu = Environment.CpuUsage;
        (long v, long i) = ContextSwitches();
        return new Measurement(bytes, Stopwatch.GetElapsedTime(_start, end).TotalSeconds,
                               (cpu.UserTime - _user).TotalSeconds, (cpu.PrivilegedTime - _sys).TotalSeconds,
                               v - _voluntary, i - _involuntary, syscalls, residentBytes);
    }

    private static (long Voluntary, long Involuntary) ContextSwitches()
    {
        long voluntary = 0, involuntary = 0;
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                using var reader = new StreamReader(Path.Combine(task, "status"));
                while (reader.ReadLine() is { } line)
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        voluntary += long.Parse(line.AsSpan(24).Trim(), provider: null);
                    }
                    else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        involuntary += long.Parse(line.AsSpan(27).Trim(), provider: null);
                    }
                }
            }
            catch (IOException)
            {
                // the thread exited between the listing and the read
            }
        }

        return (voluntary, involuntary);
    }

    /// <summary>Minor page faults of this process so far: minflt, field 10 of /proc/self/stat (getrusage's
    /// ru_minflt for the whole process).</summary>
    public static long MinorFaults()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        // "pid (comm) state ppid ...": comm may hold spaces, so count from the last ')'; state is field 3.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[10 - 3], provider: null);
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
