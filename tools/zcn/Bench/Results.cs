using System;
using System.Collections.Generic;
using System.Linq;

namespace ZeroCopyNative.Tool.Bench;

/// <summary>The runs of one (scenario, method, impl) and the figures drawn from them.</summary>
internal sealed class Result(Scenario scenario, Method method, Impl impl)
{
    private const double GiB = 1L << 30;

    public Scenario Scenario { get; } = scenario;
    public Method Method { get; } = method;
    public Impl Impl { get; } = impl;
    public List<Measurement> Runs { get; } = new();

    /// <summary>Why the method could not run on this machine, or null.</summary>
    public string? Error { get; set; }

    public string ImplName => Impl switch { Impl.Managed => "managed", Impl.C => "c", _ => "bcl" };

    private IEnumerable<double> Rates => Runs.Select(r => r.Bytes / GiB / r.Seconds);

    /// <summary>Median GiB/s over the runs (the mean of the two middle runs for an even count).</summary>
    public double Median
    {
        get
        {
            double[] sorted = Rates.OrderBy(x => x).ToArray();
            int n = sorted.Length;
            return n == 0 ? 0 : n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
        }
    }

    public double Min => Runs.Count == 0 ? 0 : Rates.Min();

    public double Max => Runs.Count == 0 ? 0 : Rates.Max();

    private double TotalGiB => Runs.Sum(r => r.Bytes / GiB);

    /// <summary>User + system CPU seconds per GiB moved, over all runs.</summary>
    public double CpuPerGiB => Runs.Sum(r => r.UserSeconds + r.SysSeconds) / TotalGiB;

    public double CtxPerGiB => Runs.Sum(r => (double)(r.CtxVoluntary + r.CtxInvoluntary)) / TotalGiB;

    public double CtxVoluntaryPerGiB => Runs.Sum(r => (double)r.CtxVoluntary) / TotalGiB;

    public double CtxInvoluntaryPerGiB => Runs.Sum(r => (double)r.CtxInvoluntary) / TotalGiB;

    /// <summary>Syscalls per GiB, or null when the method hides its calls (the .NET built-ins).</summary>
    public double? SyscallsPerGiB => Runs.Any(r => r.Syscalls < 0) ? null : Runs.Sum(r => (double)r.Syscalls) / TotalGiB;

    /// <summary>Minor page faults per GiB over the runs that counted them (memory-to-pipe), or null.</summary>
    public double? FaultsPerGiB => Runs.All(r => r.MinorFaults != null) && Runs.Count > 0
        ? Runs.Sum(r => (double)r.MinorFaults!.Value) / TotalGiB
        : null;

    /// <summary>The most bytes left resident after a run (cold-read), or null when not measured.</summary>
    public long? ResidentBytes => Runs.Any(r => r.ResidentBytes >= 0) ? Runs.Max(r => r.ResidentBytes) : null;

    /// <summary>The huge-page share of the read buffer in the run that had the least (cold-read odirect), or null
    /// when not measured.</summary>
    public HugePageShare? HugePages => Runs.Where(r => r.HugePages != null)
                                           .Select(r => r.HugePages!.Value)
                                           .OrderBy(h => h.BufferBytes > 0 ? (double)h.Bytes / h.BufferBytes : 0)
                                           .Cast<HugePageShare?>()
                                           .FirstOrDefault();

    /// <summary>The most threads over the runs, each figure on its own (many-sockets), or null when not counted.</summary>
    public ThreadCount? Threads => Runs.Any(r => r.Threads != null)
        ? new ThreadCount(Runs.Max(r => r.Threads?.Before ?? 0), Runs.Max(r => r.Threads?.Max ?? 0),
                          Runs.Max(r => r.Threads?.Other ?? 0))
        : null;

    /// <summary>Against the scenario's baseline (readwrite or read) of the same side: C against C, managed and
    /// built-ins against managed.</summary>
    public double? VsBaseline { get; set; }

    /// <summary>Managed against the C reference of the same method.</summary>
    public double? VsC { get; set; }
}

/// <summary>All results of a bench, in the order they were first run.</summary>
internal sealed class ResultSet
{
    public List<Result> All { get; } = new();

    public Result Get(Scenario scenario, Method method, Impl impl)
    {
        Result? r = All.Find(x => x.Scenario == scenario && x.Method == method && x.Impl == impl);
        if (r == null)
        {
            r = new Result(scenario, method, impl);
            All.Add(r);
        }

        return r;
    }

    public Result? Find(string scenario, string method, Impl impl) =>
        All.Find(x => x.Scenario.Name == scenario && x.Method.Name == method && x.Impl == impl && x.Runs.Count > 0);

    public void ComputeRatios()
    {
        foreach (Result r in All)
        {
            Impl baseImpl = r.Impl == Impl.C ? Impl.C : Impl.Managed;
            Result? baseline = Find(r.Scenario.Name, r.Scenario.Baseline, baseImpl);
            r.VsBaseline = baseline != null && baseline.Median > 0 ? r.Median / baseline.Median : null;
            if (r.Impl == Impl.Managed)
            {
                Result? c = Find(r.Scenario.Name, r.Method.Name, Impl.C);
                r.VsC = c != null && c.Median > 0 ? r.Median / c.Median : null;
            }
        }
    }
}

/// <summary>One goal of the bench: a figure, its bound, and whether it is met.</summary>
internal sealed record Goal(string Text, string Figure, bool? Met);

internal static class Goals
{
    public static List<Goal> Evaluate(ResultSet results)
    {
        var goals = new List<Goal>();
        double? worst = null;
        string worstName = "";
        foreach (Result r in results.All)
        {
            if (r.VsC is double v && (worst == null || v < worst))
            {
                worst = v;
                worstName = $"{r.Scenario.Name}/{r.Method.Name}";
            }
        }

        goals.Add(new Goal("each managed method >= 0.95x its C reference",
                           worst is double w ? $"lowest {w:0.00}x ({worstName})" : "no C reference", worst is double w2 ? w2 >= 0.95 : null));
        goals.Add(Ratio(results, "file-to-null: sendfile >= 5x bcl-copyto", "file-to-null", "sendfile", Impl.Managed, "bcl-copyto", Impl.Bcl, 5));
        goals.Add(Ratio(results, "memory-to-pipe: vmsplice-read >= 0.9x its C twin", "memory-to-pipe", "vmsplice-read", Impl.Managed, "vmsplice-read", Impl.C, 0.9));
        goals.Add(Ratio(results, "memory-to-pipe: vmsplice-null >= 0.9x its C twin", "memory-to-pipe", "vmsplice-null", Impl.Managed, "vmsplice-null", Impl.C, 0.9));
        goals.Add(Ratio(results, "memory-to-pipe: vmsplice-file >= 0.9x its C twin", "memory-to-pipe", "vmsplice-file", Impl.Managed, "vmsplice-file", Impl.C, 0.9));
        goals.Add(Ratio(results, "memory-to-pipe: vmsplice-tcp >= 0.8x its C twin (pages given away)", "memory-to-pipe", "vmsplice-tcp", Impl.Managed, "vmsplice-tcp", Impl.C, 0.8));
        goals.Add(Ratio(results, "memory-to-pipe: vmsplice-null >= 2.5x bcl-anonpipe", "memory-to-pipe", "vmsplice-null", Impl.Managed, "bcl-anonpipe", Impl.Bcl, 2.5));
        goals.Add(Ratio(results, "file-to-file: auto >= 0.95x bcl-filecopy", "file-to-file", "auto", Impl.Managed, "bcl-filecopy", Impl.Bcl, 0.95));
        goals.Add(Ratio(results, "file-to-tcp: sendfile >= 0.95x bcl-sendfile", "file-to-tcp", "sendfile", Impl.Managed, "bcl-sendfile", Impl.Bcl, 0.95));
        goals.Add(Ratio(results, "small-blocks: sendfile-4k >= 0.95x its C twin", "small-blocks", "sendfile-4k", Impl.Managed, "sendfile-4k", Impl.C, 0.95));
        goals.Add(Ratio(results, "small-blocks: sendfile-16k >= 0.95x its C twin", "small-blocks", "sendfile-16k", Impl.Managed, "sendfile-16k", Impl.C, 0.95));
        goals.Add(Ratio(results, "small-blocks: splice-4k >= 0.95x its C twin", "small-blocks", "splice-4k", Impl.Managed, "splice-4k", Impl.C, 0.95));
        goals.Add(Ratio(results, "small-blocks: splice-16k >= 0.95x its C twin", "small-blocks", "splice-16k", Impl.Managed, "splice-16k", Impl.C, 0.95));
        goals.Add(Ratio(results, "scan: mmap >= 3x bcl-mmf-accessor", "scan", "mmap", Impl.Managed, "bcl-mmf-accessor", Impl.Bcl, 3));
        goals.Add(Ratio(results, "many-sockets: sendfile-async >= 0.95x pool", "many-sockets", "sendfile-async", Impl.Managed, "pool", Impl.Managed, 0.95));
        goals.Add(Ratio(results, "many-sockets: sendfile-async >= bcl-readsend-async", "many-sockets", "sendfile-async", Impl.Managed, "bcl-readsend-async", Impl.Bcl, 1));
        goals.Add(LibraryThreads(results));
        goals.Add(Ratio(results, "cold-read: odirect >= 1.2x buffered (1 MiB requests, one in flight)", "cold-read", "odirect", Impl.Managed, "buffered", Impl.Managed, 1.2));
        Result? odirect = results.Find("cold-read", "odirect", Impl.Managed);
        goals.Add(new Goal("cold-read: odirect leaves 0 resident bytes",
                           odirect?.ResidentBytes is long rb ? $"{rb} bytes" : "not run",
                           odirect?.ResidentBytes is long rb2 ? rb2 == 0 : null));
        goals.AddRange(ZeroCopySend.Goals(results));
        return goals;
    }

    /// <summary>
    /// The library's own threads while sendfile-async serves 200 connections: at most 2 (its event loop is one). The
    /// figure is the count of threads that are neither the bench's nor the runtime's (see ThreadSampler): a thread the
    /// library keeps for the process's lifetime is alive in the pool row too once started, so a difference of totals
    /// cannot show it. That difference is printed beside it: pool's maximum less its 16 workers is the same process
    /// without a sending method, and what sendfile-async has above that is what it costs in threads of any kind (the
    /// thread pool's workers included).
    /// </summary>
    private static Goal LibraryThreads(ResultSet results)
    {
        const string text = "many-sockets: sendfile-async uses <= 2 threads of the library's own";
        if (results.Find("many-sockets", "sendfile-async", Impl.Managed)?.Threads is not ThreadCount a)
        {
            return new Goal(text, "not run", null);
        }

        string figure = $"{a.Other} (threads at most: {a.Max}";
        if (results.Find("many-sockets", "pool", Impl.Managed)?.Threads is ThreadCount p)
        {
            int without = p.Max - ManySockets.PoolThreads;
            figure += $"; pool {p.Max}, {without} without its {ManySockets.PoolThreads} workers: {a.Max - without:+0;-0;+0}";
        }

        return new Goal(text, figure + ")", a.Other <= 2);
    }

    private static Goal Ratio(ResultSet results, string text, string scenario, string a, Impl ai, string b, Impl bi, double bound)
    {
        Result? x = results.Find(scenario, a, ai);
        Result? y = results.Find(scenario, b, bi);
        if (x == null || y == null || y.Median <= 0)
        {
            return new Goal(text, "not run", null);
        }

        double ratio = x.Median / y.Median;
        return new Goal(text, $"{ratio:0.00}x ({x.Median:0.00} vs {y.Median:0.00} GiB/s)", ratio >= bound);
    }
}
