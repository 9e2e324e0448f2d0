using System;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using ZeroCopyNative.Tool.Bench;
using ZeroCopyNative.Tool.Cli;

namespace ZeroCopyNative.Tool.Commands;

/// <summary>zcn bench: every zero-copy path against read/write, the .NET built-ins and the C reference.</summary>
internal static class BenchCommand
{
    /// <summary>Stands in the help for the scenarios' methods, which come from the catalog when the help is printed:
    /// building the catalog's list at every start would tax zcn cat and zcn copy too.</summary>
    public const string MethodListMarker = "{scenarios}";

    public const string Help =
        "usage: zcn bench [--size 256M] [--runs 5] [--only LIST] [--quick] [--json FILE|-] [--markdown FILE]\n" +
        "                 [--svg FILE] [--block 128K] [--c-bench PATH] [--dir DIR]\n" +
        "\n" +
        "Measures each scenario's methods as managed code (ZeroCopyNative), as C (zcn-bench-c, the same libzcn calls)\n" +
        "and as the .NET built-ins, interleaved run by run, and reports the median, min and max GiB/s, CPU s/GiB,\n" +
        "context switches/GiB, syscalls/GiB and the copies each method makes.\n" +
        "\n" +
        "scenarios (methods):\n" +
        MethodListMarker + "\n" +
        "  --size N        bytes per run (default 256M; --quick: 64M); many-sockets: 200 x 8M (--quick: 200 x 1M),\n" +
        "                  or N split over its 200 connections\n" +
        "  --runs N        runs per method (default 5; --quick: 3)\n" +
        "  --only LIST     scenarios, scenario/method pairs or a family (zerocopy-send: both message sizes),\n" +
        "                  comma-separated (file-to-tcp,scan/mmap)\n" +
        "  --quick         the short run (about 30 s or less)\n" +
        "  --json FILE     write JSON results ('-': to stdout, with no table and no progress)\n" +
        "  --markdown FILE write a Markdown table\n" +
        "  --svg FILE      write a bar chart\n" +
        "  --block N       the block size of read/write loops (default 128K)\n" +
        "  --c-bench PATH  the C reference (default: $ZCN_BENCH_C, else zcn-bench-c beside zcn)\n" +
        "  --dir DIR       where to put the temporary data (default: $TMPDIR or /tmp); it is removed afterwards,\n" +
        "                  also on Ctrl+C\n";

    private static readonly Option<long?> SizeOption = ValueOptions.Size("--size", 1 << 20, 64L << 30);
    private static readonly Option<int?> RunsOption = ValueOptions.WholeNumber("--runs", 1, 1000);
    private static readonly Option<string?> OnlyOption = new("--only");
    private static readonly Option<bool> QuickOption = new("--quick") { Arity = ArgumentArity.Zero };
    private static readonly Option<string?> JsonOption = new("--json");
    private static readonly Option<string?> MarkdownOption = new("--markdown");
    private static readonly Option<string?> SvgOption = new("--svg");
    private static readonly Option<long?> BlockOption = ValueOptions.Size("--block", 4096, 64 << 20);
    private static readonly Option<string?> CBenchOption = new("--c-bench");
    private static readonly Option<string?> DirOption = new("--dir");

    public static Command Create()
    {
        Command command = ZcnCommandLine.Create("bench", Help, Run);
        foreach (Option option in new Option[]
                 {
                     SizeOption, RunsOption, OnlyOption, QuickOption, JsonOption, MarkdownOption, SvgOption,
                     BlockOption, CBenchOption, DirOption,
                 })
        {
            command.Options.Add(option);
        }

        return command;
    }

    private static int Run(ParseResult p)
    {
        bool quick = p.GetValue(QuickOption);
        long size = p.GetValue(SizeOption) ?? (quick ? 64L << 20 : 256L << 20);
        // many-sockets' own file: 200 ranges of 8 MiB as its issue specifies, unless --size says how much in all.
        long socketsRange = p.GetValue(SizeOption) is long explicitSize
            ? Math.Max(4096, explicitSize / ManySockets.Connections / 4096 * 4096)
            : quick ? 1L << 20 : ManySockets.DefaultRange;
        int runs = p.GetValue(RunsOption) ?? (quick ? 3 : 5);
        int block = (int)(p.GetValue(BlockOption) ?? 128 * 1024);
        if (size % 4096 != 0)
        {
            throw new UsageException("--size must be a multiple of 4 KiB (O_DIRECT reads whole blocks)");
        }

        Func<Scenario, Method, bool> selected = Catalog.ParseOnly(p.GetValue(OnlyOption));
        string? jsonPath = p.GetValue(JsonOption);
        bool jsonToStdout = jsonPath == "-";
        // Progress on stderr, except when stdout carries the JSON (a script reads it; stderr stays quiet but for
        // warnings and failures).
        bool progress = !jsonToStdout;
        var status = new StatusLine();

        string? cPath = CReference.Locate(p.GetValue(CBenchOption), out string searched);
        string? cReason = null;
        if (cPath == null)
        {
            cReason = $"{CReference.FileName} not found (looked in: {searched}); build it with CMake, or pass --c-bench PATH";
            Console.Error.Write($"zcn bench: warning: C reference unavailable: {cReason}\n");
        }

        var clock = Stopwatch.StartNew();
        var results = new ResultSet();
        long peakAnon = 0;
        using var workspace = new Workspace(p.GetValue(DirOption));
        try
        {
            RunAll(workspace, selected, cPath, size, socketsRange, runs, block, status, progress, results, ref peakAnon);
        }
        catch (Exception) when (workspace.Cancelled)
        {
            workspace.Dispose();
            status.Clear();
            Console.Error.Write("zcn bench: interrupted; temporary files removed\n");
            return workspace.ExitCode;
        }

        workspace.Dispose();
        status.Clear();

        var outputs = new ReportFiles(jsonPath, p.GetValue(MarkdownOption), p.GetValue(SvgOption));
        return Report(outputs, results, size, socketsRange, runs, block, cPath, cReason, peakAnon, clock);
    }

    private static void RunAll(Workspace workspace, Func<Scenario, Method, bool> selected, string? cPath, long size,
                               long socketsRange, int runs, int block, StatusLine status, bool progress,
                               ResultSet results, ref long peakAnon)
    {
        {
            CReference? c = cPath == null ? null : new CReference(cPath, workspace);
            bool anySelected = false, coldSelected = false, copySelected = false, socketsSelected = false,
                 dataSelected = false;
            foreach (Scenario s in Catalog.Scenarios)
            {
                foreach (Method m in s.Methods)
                {
                    if (selected(s, m))
                    {
                        anySelected = true;
                        coldSelected |= s.Name == "cold-read";
                        copySelected |= s.Name == "file-to-file";
                        socketsSelected |= s.Name == "many-sockets";
                        dataSelected |= s.Name != "many-sockets";
                    }
                }
            }

            if (!anySelected)
            {
                throw new UsageException("--only selects nothing");
            }

            var files = new BenchFiles(workspace.PathOf("data.bin"), workspace.PathOf("cold.bin"),
                                       workspace.PathOf("copy.bin"), size, block, workspace.PathOf("sockets.bin"),
                                       socketsRange);
            long socketsSize = socketsRange * ManySockets.Connections;
            long needed = (dataSelected ? size : 0) + (coldSelected ? size : 0) + (copySelected ? size : 0) +
                          (socketsSelected ? socketsSize : 0);
            long free = new DriveInfo(workspace.Root).AvailableFreeSpace;
            if (needed > free)
            {
                throw new IOException(
                    $"the data does not fit: it needs {Sizes.Format(needed)}" +
                    (socketsSelected ? $" (many-sockets alone {Sizes.Format(socketsSize)})" : "") +
                    $" and {workspace.Root} has {Sizes.Format(free)} free; use --dir on a larger filesystem, or a smaller --size");
            }

            if (progress)
            {
                status.Line($"zcn bench: writing {Sizes.Format(needed - (copySelected ? size : 0))} of data to {workspace.Root}");
            }

            if (coldSelected && DataFiles.FilesystemType(workspace.Root) is "tmpfs" or "ramfs")
            {
                Console.Error.Write($"zcn bench: warning: {workspace.Root} is on a memory filesystem: cold-read reads " +
                                    "memory, not a disk, and its pages always stay resident; use --dir on a disk\n");
            }

            if (dataSelected)
            {
                DataFiles.Write(files.Data, size, workspace);
            }

            if (coldSelected)
            {
                DataFiles.Write(files.Cold, size, workspace);
            }

            if (socketsSelected)
            {
                DataFiles.Write(files.Sockets, socketsSize, workspace);
                DataFiles.Warm(files.Sockets);
            }

            if (dataSelected)
            {
                DataFiles.Warm(files.Data);
            }

            foreach (Scenario s in Catalog.Scenarios)
            {
                // Off a terminal the runs are not drawn one by one: one plain line says which scenario runs.
                if (progress && !status.IsTerminal && Array.Exists(s.Methods, m => selected(s, m)))
                {
                    status.Line($"zcn bench: {s.Name}: {runs} runs of each method");
                }

                // One unrecorded run of each managed and built-in method first: the first call of a path pays for
                // type initialisation, pools and first-touch page faults that a C process does not have.
                foreach (Method m in s.Methods)
                {
                    if (selected(s, m))
                    {
                        if (progress)
                        {
                            status.Show($"[warm-up] {s.Name} {m.Name}");
                        }

                        workspace.ThrowIfCancelled();
                        Result warm = results.Get(s, m, m.Bcl ? Impl.Bcl : Impl.Managed);
                        Measure(warm, () => ManagedRunner.Run(s, m, files), 0, runs, status, progress: false, workspace);
                        warm.Runs.Clear();
                        if (!m.Bcl && c != null && s.HasC)
                        {
                            results.Get(s, m, Impl.C); // the C row sits beside the managed row in the reports
                        }
                    }
                }

                for (int run = 1; run <= runs; run++)
                {
                    foreach (Method m in s.Methods)
                    {
                        if (!selected(s, m))
                        {
                            continue;
                        }

                        // Managed and C side by side; who goes first alternates run by run, so neither always
                        // inherits the other's cache and write-back state.
                        bool cFirst = run % 2 == 0;
                        if (cFirst)
                        {
                            MeasureC(m);
                        }

                        workspace.ThrowIfCancelled();
                        Measure(results.Get(s, m, m.Bcl ? Impl.Bcl : Impl.Managed),
                                () => ManagedRunner.Run(s, m, files), run, runs, status, progress, workspace);
                        peakAnon = Math.Max(peakAnon, Probe.AnonymousResidentBytes());
                        if (!cFirst)
                        {
                            MeasureC(m);
                        }

                        // The C reference's run of the same method (built-ins have none).
                        void MeasureC(Method method)
                        {
                            if (!method.Bcl && c != null && s.HasC)
                            {
                                workspace.ThrowIfCancelled();
                                Measure(results.Get(s, method, Impl.C), () => c.Run(s, method, files), run, runs,
                                        status, progress, workspace);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Where the reports go: --json (a file, or "-" for stdout), --markdown, --svg.</summary>
    private sealed record ReportFiles(string? Json, string? Markdown, string? Svg)
    {
        public bool JsonToStdout => Json == "-";
    }

    private static int Report(ReportFiles outputs, ResultSet results, long size, long socketsRange, int runs, int block,
                              string? cPath, string? cReason, long peakAnon, Stopwatch clock)
    {
        string? jsonPath = outputs.Json;
        bool jsonToStdout = outputs.JsonToStdout;
        results.ComputeRatios();
        var info = new BenchInfo(DateTime.UtcNow, size, runs, block, ZeroCopyCapabilities.KernelRelease, Machine.CpuModel(),
                                 Environment.ProcessorCount, Machine.ThpMode(), ZeroCopyCapabilities.PipeMaxSize, cPath,
                                 cReason, Probe.PeakResidentBytes(), peakAnon, clock.Elapsed.TotalSeconds,
                                 results.All.Exists(r => r.Scenario.Name == "many-sockets") ? socketsRange : 0);
        var goals = Goals.Evaluate(results);
        if (jsonPath != null)
        {
            if (jsonToStdout)
            {
                using Stream stdout = Console.OpenStandardOutput();
                Reports.Json(stdout, results, info, goals);
            }
            else
            {
                using FileStream file = File.Create(jsonPath);
                Reports.Json(file, results, info, goals);
            }
        }

        if (outputs.Markdown is { } markdown)
        {
            File.WriteAllText(markdown, Reports.Markdown(results, info, goals));
        }

        if (outputs.Svg is { } svg)
        {
            File.WriteAllText(svg, Reports.Svg(results, info));
        }

        if (!jsonToStdout)
        {
            Console.Out.Write(Reports.Text(results, info, goals));
        }

        return Program.Success;
    }

    /// <summary>
    /// One run of one method. A method the machine refuses (O_DIRECT on a filesystem without it, a missing system
    /// call) is reported with its error and not run again; the other methods go on. A signal is never swallowed.
    /// </summary>
    private static void Measure(Result result, Func<Measurement> run, int index, int runs, StatusLine status,
                                bool progress, Workspace workspace)
    {
        if (result.Error != null)
        {
            return;
        }

        if (progress)
        {
            status.Show($"[{index}/{runs}] {result.Scenario.Name} {result.Method.Name} ({result.ImplName})");
        }

        try
        {
            Measurement m = run();
            if (m.Bytes <= 0 || m.Seconds <= 0)
            {
                throw new InvalidOperationException("the run moved no bytes");
            }

            result.Runs.Add(m);
        }
        catch (Exception e) when (!workspace.Cancelled && e is IOException or InvalidOperationException
                                      or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            result.Error = Errors.Describe(e);
            status.Line(
                $"zcn bench: {result.Scenario.Name}/{result.Method.Name} ({result.ImplName}) failed and is skipped: " +
                result.Error);
        }
    }
}

/// <summary>The bench's data files: pseudo-random bytes (so no filesystem or page can compress or deduplicate them),
/// flushed to the device so that fadvise(DONTNEED) can drop them for the cold-read scenario.</summary>
internal static class DataFiles
{
    public static void Write(string path, long size, Workspace workspace)
    {
        byte[] block = new byte[1 << 20];
        ulong state = 0x9E3779B97F4A7C15UL ^ (ulong)size;
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 0);
        for (long written = 0; written < size; written += block.Length)
        {
            workspace.ThrowIfCancelled();
            Span<ulong> words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(block.AsSpan());
            for (int i = 0; i < words.Length; i++)
            {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                words[i] = state;
            }

            stream.Write(block, 0, (int)Math.Min(block.Length, size - written));
        }

        stream.Flush(flushToDisk: true);
    }

    /// <summary>The type of the filesystem that holds <paramref name="path"/> ("ext4", "tmpfs"), from the longest
    /// mount point in /proc/self/mountinfo that contains it; null when unknown.</summary>
    public static string? FilesystemType(string path)
    {
        string full = Path.GetFullPath(path);
        string? best = null, type = null;
        try
        {
            foreach (string line in File.ReadLines("/proc/self/mountinfo"))
            {
                // id parent major:minor root mount-point options [optional...] - fstype source super-options
                string[] fields = line.Split(' ');
                int dash = Array.IndexOf(fields, "-");
                if (fields.Length < 5 || dash < 0 || dash + 1 >= fields.Length)
                {
                    continue;
                }

                string mount = fields[4].Replace("\\040", " ", StringComparison.Ordinal);
                bool contains = full == mount || full.StartsWith(mount.TrimEnd('/') + "/", StringComparison.Ordinal);
                if (contains && (best == null || mount.Length >= best.Length))
                {
                    best = mount;
                    type = fields[dash + 1];
                }
            }
        }
        catch (IOException)
        {
        }

        return type;
    }

    /// <summary>Reads the file once so the warm scenarios start from the page cache.</summary>
    public static void Warm(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0);
        byte[] buffer = new byte[1 << 20];
        while (stream.Read(buffer) > 0)
        {
        }
    }
}
