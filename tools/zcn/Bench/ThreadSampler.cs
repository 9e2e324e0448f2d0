using System;
using System.Globalization;
using System.IO;
using System.Threading;

namespace ZeroCopyNative.Tool.Bench;

/// <summary>
/// The process's threads during one run: just before its first byte, the most any sample saw, and those at its end
/// that were neither the bench's nor the .NET runtime's (see <see cref="ThreadSampler"/>).
/// </summary>
internal readonly record struct ThreadCount(int Before, int Max, int Other);

/// <summary>
/// Samples the process's thread count every 10 ms on a thread of its own (num_threads of /proc/self/stat, the number
/// of entries in /proc/self/task, in one small read) from <see cref="Start"/> to <see cref="Stop"/>. The counts are of
/// the whole process: the main thread, this sampler, the receivers, the runtime's threads (including idle thread pool
/// workers that earlier runs left behind; they retire after about 20 s), which is why "before" is reported beside the
/// maximum. At the end of the run, while its threads are still alive (the pool's wait to be released), they are sorted
/// by name (/proc/self/task/*/comm); not sooner, because a new thread carries its creator's name until it has set its
/// own, and the pool's workers would count as the library's:
/// <list type="bullet">
/// <item><description>the bench's: the main thread and the threads it names "zcn-bench-..." (sampler, receivers,
/// pool);</description></item>
/// <item><description>the runtime's: ".NET ..." (thread pool workers, the socket engine's epoll thread, finalizer,
/// signal handler, GC);</description></item>
/// <item><description>other: everything else, which in this process can only be the library's own threads (an
/// unnamed thread carries the name of the thread that made it: one made by the main thread is "zcn", and counts
/// here).</description></item>
/// </list>
/// A thread the library keeps for the process's lifetime is alive in every row once it has started, so only its name
/// can tell it apart; a difference between two rows' totals cannot.
/// </summary>
internal sealed class ThreadSampler : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);
    private static readonly string MainThread = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    private readonly Thread _thread;
    private readonly ManualResetEventSlim _go = new();
    private readonly ManualResetEventSlim _stop = new();
    private readonly int _before;
    private int _max;

    private ThreadSampler()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "zcn-bench-threads" };
        _thread.Start();
        try
        {
            // Counted after the sampler has started, so "before" and every sample include it alike.
            _before = Count();
            _max = _before;
        }
        catch
        {
            Dispose();
            throw;
        }

        _go.Set();
    }

    /// <summary>Starts sampling; the count taken now is the run's "before".</summary>
    public static ThreadSampler Start() => new();

    /// <summary>Takes a last sample, stops, and sorts the threads alive now by name.</summary>
    public ThreadCount Stop()
    {
        _stop.Set();
        _thread.Join();
        return new ThreadCount(_before, _max, Other());
    }

    private void Loop()
    {
        _go.Wait();
        do
        {
            _max = Math.Max(_max, Count());
        }
        while (!_stop.Wait(Period));
    }

    /// <summary>num_threads, field 20 of /proc/self/stat; the fields are counted after the last ')', because the
    /// command name before it may hold spaces and parentheses.</summary>
    private static int Count()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[20 - 3], CultureInfo.InvariantCulture);
    }

    /// <summary>The threads that are neither the bench's nor the runtime's.</summary>
    private static int Other()
    {
        int other = 0;
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string name;
            try
            {
                name = File.ReadAllText(Path.Combine(task, "comm"));
            }
            catch (IOException)
            {
                continue; // the thread ended between the listing and the read
            }

            bool bench = Path.GetFileName(task) == MainThread || name.StartsWith("zcn-bench", StringComparison.Ordinal);
            if (!bench && !name.StartsWith(".NET", StringComparison.Ordinal))
            {
                other++;
            }
        }

        return other;
    }

    public void Dispose()
    {
        _stop.Set();
        _go.Set();
        if (_thread.IsAlive)
        {
            _thread.Join();
        }

        _stop.Dispose();
        _go.Dispose();
    }
}
