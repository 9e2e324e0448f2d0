using System;
using System.Diagnostics;
using System.IO;
using ZeroCopyNative.Tool.Bench;
using ZeroCopyNative.Tool.Cli;

namespace ZeroCopyNative.Tool.Commands;

/// <summary>zcn bench: every zero-copy path against read/write, the .NET built-ins and the C reference.</summary>
internal static class BenchCommand
{
    public const string Help =
        "usage: zcn bench [--size 256M] [--runs 5] [--only LIST] [--quick] [--json FILE|-] [--markdown FILE]\n" +
        "                 [--svg FILE] [--block 128K] [--c-bench PATH] [--dir DIR]\n" +
        "\n" +
        "Measures each scenario's methods as managed code (ZeroCopyNative), as C (zcn-bench-c, the same libzcn calls)\n" +
        "and as the .NET built-ins, interleaved run by run, and reports the median, min and max GiB/s, CPU s/GiB,\n" +
        "context switches/GiB, syscalls/GiB and the copies each method makes.\n" +
        "\n" +
        "scenarios (methods):\n" +
        "  file-to-null    readwrite sendfile splice mmap bcl-copyto\n" +
        "  file-to-tcp     readwrite sendfile splice bcl-sendfile bcl-copyto\n" +
        "  memory-to-pipe  readwrite vmsplice-read vmsplice-splice bcl-anonpipe\n" +
        "  file-to-file    readwrite copy_file_range sendfile auto bcl-filecopy bcl-copyto\n" +
        "  scan            read bcl-randomaccess mmap mmap-populate bcl-mmf-accessor\n" +
        "  cold-read       buffered odirect\n" +
        "\n" +
        "  --size N        bytes per run (default 256M; --quick: 64M)\n" +
        "  --runs N        runs per method (default 5; --quick: 3)\n" +
        "  --only LIST     scenarios or scenario/method pairs, comma-separated (file-to-tcp,scan/mmap)\n" +
        "  --quick         the short run (about 30 s or less)\n" +
        "  --json FILE     write JSON results ('-': to stdout, with no table and no progress)\n" +
        "  --markdown FILE write a Markdown table\n" +
        "  --svg FILE      write a bar chart\n" +
        "  --block N       the block size of read/write loops (default 128K)\n" +
        "  --c-bench PATH  the C reference (default: $ZCN_BENCH_C, else zcn-bench-c beside zcn)\n" +
        "  --dir DIR       where to put the temporary data (default: $TMPDIR or /tmp); it is removed afterwards,\n" +
        "                  also on Ctrl+C\n";

    public static int Run(ReadOnlySpan<string> args)
    {
        if (Program.WantsHelp(args))
        {
            Console.Out.Write(Help);
            return Program.Success;
        }

        var p = new ArgParser()
            .Option("--size").Option("--runs").Option("--only").Flag("--quick").Option("--json").Option("--markdown")
            .Option("--svg").Option("--block").Option("--c-bench").Option("--dir")
            .Parse(args);
        if (p.Positionals.Count != 0)
        {
            throw new UsageException($"bench takes no arguments ('{p.Positionals[0]}')");
        }

        bool quick = p.Has("--quick");
        long size = p.Size("--size", quick ? 64L << 20 : 256L << 20, 1 << 20, 64L << 30);
        int runs = p.Int("--runs", quick ? 3 : 5, 1, 1000);
        int block = (int)p.Size("--block", 128 * 1024, 4096, 64 << 20);
        if (size % 4096 != 0)
        {
            throw new UsageException("--size must be a multiple of 4 KiB (O_DIRECT reads whole blocks)");
        }

        Func<Scenario, Method, bool> selected = Catalog.ParseOnly(p.Value("--only"));
        string? jsonPath = p.Value("--json");
        bool jsonToStdout = jsonPath == "-";
        bool progress = !jsonToStdout;

        string? cPath = CReference.Locate(p.Value("--c-bench"), out string searched);
        string? cReason = null;
        if (cPath == null)
        {
            cReason = $"{CReference.FileName} not found (looked in: {searched}); build it with CMake, or pass --c-bench PATH";
            Console.Error.Write($"zcn bench: warning: C reference unavailable: {cReason}\n");
        }

        var clock = Stopwatch.StartNew();
        var results = new ResultSet();
        long peakAnon = 0;
        using var workspace = new Workspace(p.Value("--dir"));
        try
        {
            RunAll(workspace, selected, cPath, size, runs, block, progress, results, ref peakAnon);
        }
        catch (Exception) when (workspace.Cancelled)
        {
            workspace.Dispose();
            Console.Error.Write("\nzcn bench: interrupted; temporary files removed\n");
            return workspace.ExitCode;
        }

        workspace.Dispose();
        if (progress)
        {
            Console.Error.Write("\r\u001b[K");
        }

        return Report(p, results, size, runs, block, cPath, cReason, peakAnon, clock, jsonPath, jsonToStdout);
    }

    private static void RunAll(Workspace workspace, Func<Scenario, Method, bool> selected, string? cPath, long size,
                               int runs, int block, bool progress, ResultSet results, ref long peakAnon)
    {
        {
            CReference? c = cPath == null ? null : new CReference(cPath, workspace);
            bool anySelected = false, coldSelected = false;
            foreach (Scenario s in Catalog.Scenarios)
            {
                foreach (Method m in s.Methods)
                {
                    if (selected(s, m))
                    {
                        anySelected = true;
                        coldSelected |= s.Name == "cold-read";
                    }
                }
            }

            if (!anySelected)
            {
                throw new UsageException("--only selects nothing");
            }

            var files = new BenchFiles(workspace.PathOf("data.bin"), workspace.PathOf("cold.bin"),
                                       workspace.PathOf("copy.bin"), size, block);
            if (progress)
            {
                Console.Error.Write($"zcn bench: writing {Sizes.Format(size)} of data to {workspace.Root}\n");
            }

            if (coldSelected && DataFiles.FilesystemType(workspace.Root) is "tmpfs" or "ramfs")
            {
                Console.Error.Write($"zcn bench: warning: {workspace.Root} is on a memory filesystem: cold-read reads " +
                                    "memory, not a disk, and its pages always stay resident; use --dir on a disk\n");
            }

            DataFiles.Write(files.Data, size, workspace);
            if (coldSelected)
            {
                DataFiles.Write(files.Cold, size, workspace);
            }

            DataFiles.Warm(files.Data);

            foreach (Scenario s in Catalog.Scenarios)
            {
                // One unrecorded run of each managed and built-in method first: the first call of a path pays for
                // type initialisation, pools and first-touch page faults that a C process does not have.
                foreach (Method m in s.Methods)
                {
                    if (selected(s, m))
                    {
                        if (progress)
                        {
                            Console.Error.Write($"\r\u001b[K[warm-up] {s.Name} {m.Name}");
                        }

                        workspace.ThrowIfCancelled();
                        Result warm = results.Get(s, m, m.Bcl ? Impl.Bcl : Impl.Managed);
                        Measure(warm, () => ManagedRunner.Run(s, m, files), 0, runs, progress: false, workspace);
                        warm.Runs.Clear();
                        if (!m.Bcl && c != null)
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
                                () => ManagedRunner.Run(s, m, files), run, runs, progress, workspace);
                        peakAnon = Math.Max(peakAnon, Probe.AnonymousResidentBytes());
                        if (!cFirst)
                        {
                            MeasureC(m);
                        }

                        // The C reference's run of the same method (built-ins have none).
                        void MeasureC(Method method)
                        {
                            if (!method.Bcl && c != null)
                            {
                                workspace.ThrowIfCancelled();
                                Measure(results.Get(s, method, Impl.C), () => c.Run(s, method, files), run, runs,
                                        progress, workspace);
                            }
                        }
                    }
                }
            }
        }
    }

    private static int Report(ArgParser p, ResultSet results, long size, int runs, int block, string? cPath,
                              string? cReason, long peakAnon, Stopwatch clock, string? jsonPath, bool jsonToStdout)
    {
        results.ComputeRatios();
        var info = new BenchInfo(DateTime.UtcNow, size, runs, block, ZeroCopyCapabilities.KernelRelease, Machine.CpuModel(),
                                 Environment.ProcessorCount, Machine.ThpMode(), ZeroCopyCapabilities.PipeMaxSize, cPath,
                                 cReason, Probe.PeakResidentBytes(), peakAnon, clock.Elapsed.TotalSeconds);
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

        if (p.Value("--markdown") is { } markdown)
        {
            File.WriteAllText(markdown, Reports.Markdown(results, info, goals));
        }

        if (p.Value("--svg") is { } svg)
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
    private static void Measure(Result result, Func<Measurement> run, int index, int runs, bool progress,
                                Workspace workspace)
    {
        if (result.Error != null)
        {
            return;
        }

        if (progress)
        {
            Console.Error.Write($"\r\u001b[K[{index}/{runs}] {result.Scenario.Name} {result.Method.Name} ({result.ImplName})");
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
            Console.Error.Write($"\r\u001b[Kzcn bench: {result.Scenario.Name}/{result.Method.Name} ({result.ImplName}) " +
                                $"failed and is skipped: {result.Error}\n");
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
