using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace ZeroCopyNative.Tool.Bench;

/// <summary>What the bench ran with, for the reports' headers.</summary>
internal sealed record BenchInfo(DateTime Date, long Size, int Runs, int Block, string Kernel, string Cpu, int Cores,
                                 string Thp, int PipeMaxSize, string? CReference, string? CUnavailableReason,
                                 long PeakRssBytes, long PeakAnonRssBytes, double Seconds, long SocketsRange);

/// <summary>The text table, Markdown, JSON and SVG reports.</summary>
internal static class Reports
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly string[] Header =
        ["scenario", "method", "impl", "GiB/s", "min", "max", "vs base", "vs C", "CPU s/GiB", "ctx/GiB", "syscalls/GiB", "copies"];

    private static string[] Row(Result r) =>
    [
        r.Scenario.Name, r.Method.Name, r.ImplName,
        r.Median.ToString("0.00", Inv), r.Min.ToString("0.00", Inv), r.Max.ToString("0.00", Inv),
        r.VsBaseline is double b ? b.ToString("0.00", Inv) + "x" : "-",
        r.VsC is double c ? c.ToString("0.00", Inv) + "x" : "-",
        r.CpuPerGiB.ToString("0.000", Inv),
        r.CtxPerGiB.ToString("0", Inv),
        r.SyscallsPerGiB is double s ? s.ToString("0", Inv) : "n/a",
        r.Method.Copies.ToString() + (r.ResidentBytes is long rb ? $"; resident after: {Cli.Sizes.Format(rb)}" : "") +
        (r.HugePages is HugePageShare h ? $"; huge pages: {h}" : "") +
        (r.FaultsPerGiB is double f ? $"; faults/GiB {f:0}" : "") +
        (r.Threads is ThreadCount t ? $"; threads {t.Max} max, {t.Before} before, {t.Other} other" : ""),
    ];

    private static string Title(BenchInfo info) =>
        $"zcn bench {Program.Version}, {info.Date:yyyy-MM-dd HH:mm} UTC: {info.Cpu}, {info.Cores} cores, Linux {info.Kernel}, " +
        $"THP {info.Thp}, pipe-max-size {info.PipeMaxSize}; {Cli.Sizes.Format(info.Size)} x {info.Runs} runs, " +
        $"{Cli.Sizes.Format(info.Block)} blocks";

    public static string Text(ResultSet results, BenchInfo info, List<Goal> goals)
    {
        List<string[]> rows = results.All.Where(r => r.Runs.Count > 0).Select(Row).ToList();
        int[] widths = new int[Header.Length];
        for (int i = 0; i < Header.Length; i++)
        {
            widths[i] = Math.Max(Header[i].Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length));
        }

        var sb = new StringBuilder();
        sb.Append(Title(info)).Append('\n').Append('\n');
        AppendRow(sb, Header, widths);
        sb.Append(string.Join("  ", widths.Select(w => new string('-', w)))).Append('\n');
        string? last = null;
        foreach (string[] row in rows)
        {
            if (last != null && row[0] != last)
            {
                sb.Append('\n');
            }

            last = row[0];
            AppendRow(sb, row, widths);
        }

        sb.Append('\n');
        foreach (Result r in results.All.Where(r => r.Error != null))
        {
            sb.Append("not measured: ").Append(r.Scenario.Name).Append('/').Append(r.Method.Name).Append(" (")
              .Append(r.ImplName).Append("): ").Append(r.Error).Append('\n');
        }

        ZeroCopySend.AppendCounters(sb, results);
        AppendNotes(sb, info);
        sb.Append("goals:\n");
        foreach (Goal g in goals)
        {
            sb.Append("  ").Append(g.Met switch { true => "met   ", false => "MISSED", null => "n/a   " })
              .Append("  ").Append(g.Text).Append(": ").Append(g.Figure).Append('\n');
        }

        return sb.ToString();
    }

    private static void AppendNotes(StringBuilder sb, BenchInfo info)
    {
        sb.Append("GiB/s: median (min, max) over the runs; vs base: against the scenario's readwrite/read/buffered of the same side\n");
        sb.Append("(C against C, managed and bcl against managed); vs C: managed against the C reference of the same method.\n");
        sb.Append("CPU: user+sys of the whole process; ctx: voluntary+involuntary switches; syscalls: counted in the loop\n");
        sb.Append("(n/a: a .NET built-in hides its calls). copies: the model count per block (see the README).\n");
        if (info.CReference == null)
        {
            sb.Append("C reference: UNAVAILABLE (").Append(info.CUnavailableReason).Append("); no C results.\n");
        }

        if (info.SocketsRange > 0)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"many-sockets: {ManySockets.Connections} connections x {Cli.Sizes.Format(info.SocketsRange)}, no C reference. threads: the process's, sampled\n");
            sb.Append("every 10 ms: the most in a run (the largest over the runs), the count before its first byte (receivers,\n");
            sb.Append("sampler and idle thread pool workers included), and other: at its end, threads neither the bench's nor the\n");
            sb.Append("runtime's (.NET ...), i.e. the library's own.\n");
        }

        sb.Append(CultureInfo.InvariantCulture,
            $"peak RSS {Cli.Sizes.Format(info.PeakRssBytes)} (mapped files included), anonymous {Cli.Sizes.Format(info.PeakAnonRssBytes)}; took {info.Seconds:0.0} s\n\n");
    }

    private static void AppendRow(StringBuilder sb, string[] row, int[] widths)
    {
        for (int i = 0; i < row.Length; i++)
        {
            bool right = i >= 3 && i <= 10;
            string cell = right ? row[i].PadLeft(widths[i]) : row[i].PadRight(widths[i]);
            sb.Append(cell).Append(i + 1 < row.Length ? "  " : "");
        }

        sb.Append('\n');
    }

    public static string Markdown(ResultSet results, BenchInfo info, List<Goal> goals)
    {
        var sb = new StringBuilder();
        sb.Append("**").Append(Title(info)).Append("**\n\n");
        sb.Append("| ").Append(string.Join(" | ", Header)).Append(" |\n");
        sb.Append('|').Append(string.Concat(Header.Select((h, i) => i >= 3 && i <= 10 ? "---:|" : "---|"))).Append('\n');
        foreach (Result r in results.All.Where(r => r.Runs.Count > 0))
        {
            sb.Append("| ").Append(string.Join(" | ", Row(r))).Append(" |\n");
        }

        ZeroCopySend.AppendCounters(sb, results, markdown: true);
        sb.Append('\n');
        foreach (Goal g in goals)
        {
            sb.Append("- ").Append(g.Met switch { true => "met", false => "**missed**", null => "n/a" })
              .Append(": ").Append(g.Text).Append(" — ").Append(g.Figure).Append('\n');
        }

        return sb.ToString();
    }

    public static void Json(Stream stream, ResultSet results, BenchInfo info, List<Goal> goals)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("zcn", Program.Version);
        w.WriteString("date", info.Date.ToString("yyyy-MM-ddTHH:mm:ssZ", Inv));
        w.WriteStartObject("machine");
        w.WriteString("kernel", info.Kernel);
        w.WriteString("cpu", info.Cpu);
        w.WriteNumber("cores", info.Cores);
        w.WriteString("thp", info.Thp);
        w.WriteNumber("pipe_max_size", info.PipeMaxSize);
        w.WriteEndObject();
        w.WriteStartObject("parameters");
        w.WriteNumber("size", info.Size);
        w.WriteNumber("runs", info.Runs);
        w.WriteNumber("block", info.Block);
        if (info.SocketsRange > 0)
        {
            w.WriteNumber("many_sockets_connections", ManySockets.Connections);
            w.WriteNumber("many_sockets_range", info.SocketsRange);
        }

        w.WriteEndObject();
        w.WriteStartObject("c_reference");
        w.WriteBoolean("available", info.CReference != null);
        if (info.CReference != null)
        {
            w.WriteString("path", info.CReference);
        }
        else
        {
            w.WriteString("reason", info.CUnavailableReason);
        }

        w.WriteEndObject();
        w.WriteStartObject("process");
        w.WriteNumber("peak_rss_bytes", info.PeakRssBytes);
        w.WriteNumber("peak_anon_rss_bytes", info.PeakAnonRssBytes);
        w.WriteNumber("seconds", Math.Round(info.Seconds, 2));
        w.WriteEndObject();
        w.WriteStartArray("results");
        foreach (Result r in results.All.Where(r => r.Runs.Count > 0))
        {
            w.WriteStartObject();
            w.WriteString("scenario", r.Scenario.Name);
            w.WriteString("method", r.Method.Name);
            w.WriteString("impl", r.ImplName);
            w.WriteNumber("gib_per_s", Math.Round(r.Median, 4));
            w.WriteNumber("gib_per_s_min", Math.Round(r.Min, 4));
            w.WriteNumber("gib_per_s_max", Math.Round(r.Max, 4));
            w.WriteNumber("cpu_s_per_gib", Math.Round(r.CpuPerGiB, 5));
            w.WriteNumber("ctx_switches_per_gib", Math.Round(r.CtxPerGiB, 1));
            w.WriteNumber("ctx_voluntary_per_gib", Math.Round(r.CtxVoluntaryPerGiB, 1));
            w.WriteNumber("ctx_involuntary_per_gib", Math.Round(r.CtxInvoluntaryPerGiB, 1));
            if (r.SyscallsPerGiB is double s)
            {
                w.WriteNumber("syscalls_per_gib", Math.Round(s, 1));
            }
            else
            {
                w.WriteNull("syscalls_per_gib");
            }

            w.WriteNumber("copies", r.Method.Copies.Total);
            w.WriteNumber("copies_dma", r.Method.Copies.Dma);
            w.WriteNumber("copies_cpu", r.Method.Copies.Cpu);
            WriteNullable(w, "vs_baseline", r.VsBaseline);
            WriteNullable(w, "vs_c", r.VsC);
            if (r.ResidentBytes is long rb)
            {
                w.WriteNumber("resident_bytes_after", rb);
            }

            if (r.FaultsPerGiB is double faults)
            {
                w.WriteNumber("minor_faults_per_gib", Math.Round(faults));
            }

            if (r.HugePages is HugePageShare h)
            {
                w.WriteNumber("huge_page_bytes", h.Bytes);
                w.WriteNumber("huge_page_buffer_bytes", h.BufferBytes);
            }

            if (r.Threads is ThreadCount t)
            {
                w.WriteNumber("threads_max", t.Max);
                w.WriteNumber("threads_before", t.Before);
                w.WriteNumber("threads_other", t.Other);
            }

            w.WriteStartArray("runs_gib_per_s");
            foreach (Measurement m in r.Runs)
            {
                w.WriteNumberValue(Math.Round(m.Bytes / (double)(1L << 30) / m.Seconds, 4));
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        ZeroCopySend.WriteJson(w, results);
        w.WriteStartArray("errors");
        foreach (Result r in results.All.Where(r => r.Error != null))
        {
            w.WriteStartObject();
            w.WriteString("scenario", r.Scenario.Name);
            w.WriteString("method", r.Method.Name);
            w.WriteString("impl", r.ImplName);
            w.WriteString("error", r.Error);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("goals");
        foreach (Goal g in goals)
        {
            w.WriteStartObject();
            w.WriteString("goal", g.Text);
            w.WriteString("figure", g.Figure);
            if (g.Met is bool met)
            {
                w.WriteBoolean("met", met);
            }
            else
            {
                w.WriteNull("met");
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        stream.Write("\n"u8);
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, double? value)
    {
        if (value is double v)
        {
            w.WriteNumber(name, Math.Round(v, 4));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    /// <summary>A bar chart of median GiB/s, one group per scenario, one bar per method and side, a log scale so that
    /// 0.5 and 80 GiB/s both show; min–max as a whisker.</summary>
    public static string Svg(ResultSet results, BenchInfo info)
    {
        List<Result> rows = results.All.Where(r => r.Runs.Count > 0).ToList();
        const int barHeight = 14, gap = 3, groupGap = 22, left = 300, plotWidth = 560, top = 50;
        double maxRate = Math.Max(1, rows.Count == 0 ? 1 : rows.Max(r => r.Max));
        double lo = 0.01, hi = Math.Pow(10, Math.Ceiling(Math.Log10(maxRate)));
        double X(double v) => left + (plotWidth * (Math.Log10(Math.Max(v, lo)) - Math.Log10(lo)) / (Math.Log10(hi) - Math.Log10(lo)));
        int groups = rows.Select(r => r.Scenario.Name).Distinct().Count();
        int height = top + (rows.Count * (barHeight + gap)) + (groups * groupGap) + 40;
        var sb = new StringBuilder();
        sb.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{left + plotWidth + 80}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        sb.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.Append(Inv, $"<text x=\"10\" y=\"18\" font-size=\"13\" font-weight=\"bold\">{Escape($"zcn bench: GiB/s (median, log scale), {Cli.Sizes.Format(info.Size)} x {info.Runs} runs")}</text>\n");
        sb.Append(Inv, $"<text x=\"10\" y=\"34\" fill=\"#555\">{Escape($"{info.Date:yyyy-MM-dd} {info.Cpu}, {info.Cores} cores, Linux {info.Kernel}")}</text>\n");
        for (double tick = lo; tick <= hi * 1.0001; tick *= 10)
        {
            double x = X(tick);
            sb.Append(Inv, $"<line x1=\"{x:0.#}\" y1=\"{top - 6}\" x2=\"{x:0.#}\" y2=\"{height - 30}\" stroke=\"#ddd\"/>\n");
            sb.Append(Inv, $"<text x=\"{x:0.#}\" y=\"{height - 16}\" text-anchor=\"middle\" fill=\"#555\">{tick.ToString("0.##", Inv)}</text>\n");
        }

        int y = top;
        string? scenario = null;
        foreach (Result r in rows)
        {
            if (r.Scenario.Name != scenario)
            {
                scenario = r.Scenario.Name;
                y += groupGap;
                sb.Append(Inv, $"<text x=\"10\" y=\"{y - 6}\" font-weight=\"bold\">{Escape(scenario)}</text>\n");
            }

            string color = r.Impl switch { Impl.Managed => "#2b6cb0", Impl.C => "#718096", _ => "#dd6b20" };
            double x1 = X(r.Median);
            sb.Append(Inv, $"<text x=\"{left - 6}\" y=\"{y + barHeight - 3}\" text-anchor=\"end\">{Escape($"{r.Method.Name} ({r.ImplName})")}</text>\n");
            sb.Append(Inv, $"<rect x=\"{left}\" y=\"{y}\" width=\"{Math.Max(1, x1 - left):0.#}\" height=\"{barHeight}\" fill=\"{color}\"/>\n");
            sb.Append(Inv, $"<line x1=\"{X(r.Min):0.#}\" y1=\"{y + (barHeight / 2)}\" x2=\"{X(r.Max):0.#}\" y2=\"{y + (barHeight / 2)}\" stroke=\"black\"/>\n");
            sb.Append(Inv, $"<text x=\"{x1 + 4:0.#}\" y=\"{y + barHeight - 3}\">{r.Median.ToString("0.00", Inv)}</text>\n");
            y += barHeight + gap;
        }

        sb.Append(Inv, $"<text x=\"{left}\" y=\"{height - 2}\" fill=\"#555\">blue: managed (ZeroCopyNative)   grey: C reference   orange: .NET built-in</text>\n");
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal)
                                                .Replace("<", "&lt;", StringComparison.Ordinal)
                                                .Replace(">", "&gt;", StringComparison.Ordinal);
}
