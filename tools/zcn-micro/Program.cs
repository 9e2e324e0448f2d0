using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ZeroCopyNative.Micro;

/// <summary>
/// Runs <see cref="PerCallBenchmarks"/> and <see cref="SafetyFloorBenchmarks"/> in this process (a short job: 3
/// warm-up and 3 measured iterations; --long for the default job), then zcn-bench-percall, the same operations written
/// in C, and prints each per-call operation's cost over C in nanoseconds (the safety floor's parts have no C twin).
/// zcn-bench-percall is found through --c-bench PATH, the environment variable ZCN_BENCH_PERCALL, or out/release/zcn/
/// under the repository; without it only the managed tables are printed.
/// </summary>
public static class Program
{
    /// <summary>The warm data file the benchmarks read (1 MiB, created in a temporary folder).</summary>
    internal static string DataFile { get; private set; } = "";

    public static int Main(string[] args)
    {
        var rest = new List<string>(args);
        string? cBench = TakeOption(rest, "--c-bench") ?? Environment.GetEnvironmentVariable("ZCN_BENCH_PERCALL");
        bool longRun = rest.Remove("--long");
        if (!rest.Exists(a => a.StartsWith("--filter", StringComparison.Ordinal) || a == "-f"))
        {
            // Every benchmark unless --filter picks some: without a filter the switcher asks on the console, and with
            // no console to answer it selects nothing.
            rest.AddRange(["--filter", "*"]);
        }

        string folder = Directory.CreateTempSubdirectory("zcn-micro-").FullName;
        DataFile = Path.Combine(folder, "data");
        try
        {
            byte[] data = new byte[1 << 20];
            new Random(11).NextBytes(data);
            File.WriteAllBytes(DataFile, data);
            Job job = (longRun ? Job.Default : Job.ShortRun).WithToolchain(InProcessEmitToolchain.Instance);
            IConfig config = DefaultConfig.Instance.AddJob(job.AsDefault()).WithOptions(ConfigOptions.DisableLogFile);
            Summary[] summaries = BenchmarkSwitcher.FromTypes([typeof(PerCallBenchmarks), typeof(SafetyFloorBenchmarks)])
                .Run(rest.ToArray(), config).ToArray();
            if (summaries.Length == 0)
            {
                Console.Error.WriteLine("zcn-micro: no benchmark matched the arguments.");
                return 2;
            }

            // The floor's parts have no C twin: their means are the figures.
            Summary? perCall = summaries.FirstOrDefault(
                s => s.BenchmarksCases.Any(c => c.Descriptor.Type == typeof(PerCallBenchmarks)));
            if (perCall != null)
            {
                PrintOverC(perCall, cBench ?? Locate());
            }

            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string? TakeOption(List<string> args, string name)
    {
        int i = args.IndexOf(name);
        if (i < 0 || i + 1 >= args.Count)
        {
            return null;
        }

        string value = args[i + 1];
        args.RemoveRange(i, 2);
        return value;
    }

    private static string? Locate()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "out", "release", "zcn", "zcn-bench-percall");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Each managed mean minus the C median of the same operation and block.</summary>
    private static void PrintOverC(Summary summary, string? cBench)
    {
        if (cBench == null || !File.Exists(cBench))
        {
            Console.WriteLine("zcn-bench-percall not found (--c-bench PATH or ZCN_BENCH_PERCALL): no figures over C.");
            return;
        }

        Console.WriteLine();
        Console.WriteLine("| block | operation | managed ns | C ns | over C, ns |");
        Console.WriteLine("|---:|---|---:|---:|---:|");
        foreach (IGrouping<int, BenchmarkReport> group in summary.Reports
                     .Where(r => r.ResultStatistics != null)
                     .GroupBy(r => (int)r.BenchmarkCase.Parameters["Block"]))
        {
            using JsonDocument c = RunC(cBench, group.Key);
            double sendfile = c.RootElement.GetProperty("sendfile_ns").GetDouble();
            double pair = c.RootElement.GetProperty("splice_pair_ns").GetDouble();
            foreach (BenchmarkReport report in group)
            {
                string name = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
                double floor = name.Contains("Splice", StringComparison.Ordinal) ? pair : sendfile;
                double mean = report.ResultStatistics!.Mean;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {group.Key} | {name} | {mean:F1} | {floor:F1} | {mean - floor:+0.0;-0.0} |"));
            }
        }
    }

    private static JsonDocument RunC(string path, int block)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in new[] { "--file", DataFile, "--block", block.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{path} failed with exit code {process.ExitCode}");
        }

        return JsonDocument.Parse(output);
    }
}
