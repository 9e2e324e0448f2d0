using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace ZeroCopyNative.Tests.Async;

/// <summary>
/// What the process holds, for the "nothing left behind" checks of the asynchronous suite: its descriptors
/// (/proc/self/fd) and its threads (/proc/self/task), the latter split into thread-pool threads
/// (<see cref="ThreadPool.ThreadCount"/>) and the rest.
/// </summary>
internal static class ProcessCounts
{
    /// <summary>Open descriptors and what they refer to, without the runtime's lazily opened files (assemblies and
    /// symbol files, opened whenever it first needs them: they say nothing about this library). Unlike the reliability
    /// suite's count, epoll instances are counted: the library's event loop is one.</summary>
    public static Dictionary<int, string> Descriptors()
    {
        var result = new Dictionary<int, string>();
        foreach (string entry in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                string? target = new FileInfo(entry).LinkTarget;
                if (target != null && !target.EndsWith(".dll", StringComparison.Ordinal) &&
                    !target.EndsWith(".pdb", StringComparison.Ordinal))
                {
                    result[int.Parse(Path.GetFileName(entry), System.Globalization.CultureInfo.InvariantCulture)] = target;
                }
            }
            catch (IOException)
            {
                // The directory listing's own descriptor is gone by the time it is resolved.
            }
        }

        return result;
    }

    /// <summary>The threads of the process (/proc/self/task entries).</summary>
    public static int Threads() => Directory.GetDirectories("/proc/self/task").Length;

    /// <summary>The threads that are neither the thread pool's nor the runtime's own lazily started services: every
    /// thread minus <see cref="ThreadPool.ThreadCount"/>, minus the JIT's tiered-compilation worker (".NET Tiered Com",
    /// which the runtime starts and ends by itself whenever methods are recompiled; there is none under NativeAOT) and
    /// the GC's background thread (".NET BGC", started by the GC at its first background collection, which the suite's
    /// allocations may or may not cause, and which no API starts on demand). Thread-pool threads come and go with load
    /// (a worker retires after about 20 s idle), so a leak is measured on the rest: the event loop, the runtime's
    /// socket engine and timer, dedicated (LongRunning) threads.</summary>
    public static int NonPoolThreads() =>
        Threads() - ThreadPool.ThreadCount - CountNamed(".NET Tiered Com") - CountNamed(".NET BGC");

    /// <summary>Whether the GC has run a background collection in this process (and so started its background
    /// thread): GC.GetGCMemoryInfo(GCKind.Background) describes the last one, with index 0 before any.</summary>
    public static bool BackgroundGcHappened() => GC.GetGCMemoryInfo(GCKind.Background).Index != 0;

    /// <summary>The threads whose name (comm, 15 characters at most) starts with <paramref name="prefix"/>.</summary>
    public static int CountNamed(string prefix)
    {
        int count = 0;
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                count += File.ReadAllText(Path.Combine(task, "comm")).StartsWith(prefix, StringComparison.Ordinal) ? 1 : 0;
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return count;
    }

    /// <summary>The names of the threads (/proc/self/task/*/comm), for messages.</summary>
    public static string ThreadNames()
    {
        var names = new List<string>();
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                names.Add(File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n'));
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        names.Sort(StringComparer.Ordinal);
        return string.Join(", ", names);
    }

    /// <summary>
    /// Puts the library's pool of intermediate pipes (PipePool: at most four, kept by design between transfers) at
    /// exactly four, so that descriptor counts taken at two moments compare the library's leaks, not the cache's fill
    /// level: renting four takes whatever is pooled and creates the rest, and returning four empty pipes keeps them all.
    /// </summary>
    public static void FillPipePool()
    {
        var pipes = new Pipe[4];
        for (int i = 0; i < pipes.Length; i++)
        {
            pipes[i] = PipePool.Rent();
        }

        foreach (Pipe pipe in pipes)
        {
            PipePool.Return(pipe);
        }
    }
}
