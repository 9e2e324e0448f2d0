using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace ZeroCopyNative.Tool.Bench;

/// <summary>
/// The C reference, zcn-bench-c, started once per run and measured by itself (it times only its loop and reports
/// getrusage deltas), so its numbers carry no process start-up. Found through --c-bench PATH, the environment
/// variable ZCN_BENCH_C, or beside the zcn binary. When it is missing, the C results are reported as unavailable.
/// </summary>
internal sealed class CReference(string path, Workspace workspace)
{
    public const string FileName = "zcn-bench-c";
    public const string EnvironmentVariable = "ZCN_BENCH_C";

    public string Path { get; } = path;

    /// <summary>Finds the binary, or returns null and says where it looked.</summary>
    public static string? Locate(string? option, out string searched)
    {
        var places = new List<string>();
        if (!string.IsNullOrEmpty(option))
        {
            searched = option;
            return File.Exists(option) ? System.IO.Path.GetFullPath(option) : null;
        }

        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(env))
        {
            places.Add(env);
        }

        places.Add(System.IO.Path.Combine(AppContext.BaseDirectory, FileName));
        searched = string.Join(", ", places);
        foreach (string place in places)
        {
            if (File.Exists(place))
            {
                return System.IO.Path.GetFullPath(place);
            }
        }

        return null;
    }

    public Measurement Run(Scenario scenario, Method method, BenchFiles files)
    {
        var start = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string file = scenario.Name == "cold-read" ? files.Cold : files.Data;
        foreach (string arg in new[]
                 {
                     "--scenario", scenario.Name, "--method", method.Name, "--file", file, "--dest", files.Destination,
                     "--size", (ZeroCopySend.Owns(scenario.Name) ? ZeroCopySend.Volume(files) : files.Size).ToString(CultureInfo.InvariantCulture),
                     "--block", files.Block.ToString(CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + Path);
        workspace.Child = process;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        workspace.Child = null;
        if (scenario.Name == "file-to-file")
        {
            File.Delete(files.Destination);
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{FileName} {scenario.Name}/{method.Name} failed (exit {process.ExitCode}): {error.Trim()}");
        }

        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement r = doc.RootElement;
        ZeroCopySend.RecordC(scenario, method, r);
        var m = new Measurement(r.GetProperty("bytes").GetInt64(), r.GetProperty("seconds").GetDouble(),
                                r.GetProperty("user_s").GetDouble(), r.GetProperty("sys_s").GetDouble(),
                                r.GetProperty("ctx_voluntary").GetInt64(), r.GetProperty("ctx_involuntary").GetInt64(),
                                r.GetProperty("syscalls").GetInt64(), r.GetProperty("resident_bytes").GetInt64());
        if (r.TryGetProperty("minflt", out JsonElement faults))
        {
            m = m with { MinorFaults = faults.GetInt64() };
        }

        return r.TryGetProperty("huge_page_bytes", out JsonElement huge) &&
               r.TryGetProperty("huge_page_buffer_bytes", out JsonElement buffer)
            ? m with { HugePages = new HugePageShare(huge.GetInt64(), buffer.GetInt64()) }
            : m;
    }
}
