using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace ZeroCopyNative.Tool.Bench;

/// <summary>
/// The zerocopy-send scenarios: messages of 64 KiB (zerocopy-send-64k) or 1 MiB (zerocopy-send-1m) from memory to
/// loopback TCP, a receiver thread draining: plain Socket.Send of the messages (<c>send</c>, the baseline), the adaptive
/// <see cref="ZeroCopySender"/> (<c>zerocopy</c>) and the forced one (<c>zerocopy-forced</c>), with the sender's counters
/// (how many bytes went out zero-copy, how many the kernel copied after all, how many were sent plainly) reported
/// beside the table. Every method sends the same pooled <see cref="ZeroCopyBuffer"/>s, one rented per message and
/// returned when the kernel is done with it. Loopback copies every zero-copy send (the kernel says so in each
/// completion), so the adaptive sender is expected to match plain sends here, and the forced one to lose.
/// A run sends <see cref="VolumeFactor"/> times --size (1 GiB by default, from memory, so no bigger file): a 256 MiB
/// run of 1 MiB messages lasts under 0.1 s, and runs that short spread from 0.5x to 2x each other on a 2-core machine
/// (where the scheduler happens to put the sender and the receiver), which hides a difference of 5%.
/// </summary>
internal static class ZeroCopySend
{
    public const string Scenario64K = "zerocopy-send-64k";
    public const string Scenario1M = "zerocopy-send-1m";

    /// <summary>Both scenarios, for --only.</summary>
    public const string Family = "zerocopy-send";

    /// <summary>How many times --size a run sends.</summary>
    public const int VolumeFactor = 4;

    private static readonly Copies Plain = new(1, 1);
    private static readonly Copies NoCopy = new(1, 0);

    /// <summary>The counters of each measured run (managed and C), in the order the runs were made; the last
    /// <see cref="Result.Runs"/> entries of a result are its measured runs (a warm-up run comes first).</summary>
    private static readonly Dictionary<(string Scenario, string Method, Impl Impl), List<Counts>> s_counts = new();

    public static Scenario[] Scenarios { get; } =
    [
        new(Scenario64K, "send", "64 KiB messages from memory to loopback TCP, a receiver thread draining", Methods())
            { Family = Family },
        new(Scenario1M, "send", "1 MiB messages from memory to loopback TCP, a receiver thread draining", Methods())
            { Family = Family },
    ];

    public static bool Owns(string scenario) => scenario is Scenario64K or Scenario1M;

    private static Method[] Methods() =>
    [
        new("send", false, Plain, "Socket.Send of each message (C: send(2))"),
        new("zerocopy", false, NoCopy, "ZeroCopySender, adaptive: plain where the kernel reports copies"),
        new("zerocopy-forced", false, NoCopy, "ZeroCopySender, forced: MSG_ZEROCOPY for every message"),
    ];

    private static int MessageSize(string scenario) => scenario == Scenario1M ? 1 << 20 : 64 * 1024;

    /// <summary>The bytes a run sends, managed and C alike.</summary>
    public static long Volume(BenchFiles files) => files.Size * VolumeFactor;

    /// <summary>One managed run: set-up, the timed loop (until the kernel has taken the last byte), tear-down.</summary>
    public static Measurement Run(Scenario scenario, string method, BenchFiles files)
    {
        int message = MessageSize(scenario.Name);
        long size = Volume(files);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var receiver = new Receiver(listener, size);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        WarmPool(message);

        Measurement m;
        Counts counts;
        if (method == "send")
        {
            long calls = 0;
            Probe probe = Probe.Start();
            for (long sent = 0; sent < size;)
            {
                int n = (int)Math.Min(message, size - sent);
                ZeroCopyBuffer buffer = ZeroCopyBuffer.Rent(n);
                ReadOnlySpan<byte> span = buffer.GetSpan();
                for (int done = 0; done < n;)
                {
                    calls++;
                    done += client.Send(span[done..]);
                }

                ((IDisposable)buffer).Dispose();
                sent += n;
            }

            m = probe.Stop(size, calls);
            counts = new Counts(0, 0, size, 0, 0);
        }
        else
        {
            var options = new ZeroCopySenderOptions
            {
                Mode = method == "zerocopy-forced" ? ZeroCopySendMode.Forced : ZeroCopySendMode.Adaptive,
            };
            using var sender = new ZeroCopySender(client, options);
            Probe probe = Probe.Start();
            Drive(SendAll(sender, message, size));
            // One SendAsync per message: a lower bound of the calls (sendmsg, and recvmsg for completions).
            m = probe.Stop(size, (size + message - 1) / message);
            Drive(sender.WaitForCompletionsAsync());
            ZeroCopySenderCounters c = sender.Counters;
            counts = new Counts(c.ZeroCopyBytes, c.CopiedBytes, c.PlainBytes, c.Fallbacks, c.Probes);
        }

        client.Shutdown(SocketShutdown.Send);
        long received = receiver.Finish();
        if (received != size)
        {
            throw new InvalidOperationException($"the receiver got {received} of {size} bytes");
        }

        Record(scenario.Name, method, Impl.Managed, counts);
        return m;
    }

    /// <summary>Records the counters a C run printed (zcn-bench-c adds them to its JSON line for these scenarios).</summary>
    public static void RecordC(Scenario scenario, Method method, JsonElement line)
    {
        if (Owns(scenario.Name) && line.TryGetProperty("zerocopy_bytes", out JsonElement zeroCopy))
        {
            Record(scenario.Name, method.Name, Impl.C, new Counts(zeroCopy.GetInt64(), line.GetProperty("copied_bytes").GetInt64(),
                line.GetProperty("plain_bytes").GetInt64(), line.GetProperty("fallbacks").GetInt64(),
                line.GetProperty("probes").GetInt64()));
        }
    }

    /// <summary>The goals: the adaptive sender at least 0.95x plain sends, for each message size.</summary>
    public static IEnumerable<Goal> Goals(ResultSet results)
    {
        foreach (Scenario s in Scenarios)
        {
            string text = $"{s.Name}: zerocopy >= 0.95x send";
            Result? adaptive = results.Find(s.Name, "zerocopy", Impl.Managed);
            Result? plain = results.Find(s.Name, "send", Impl.Managed);
            if (adaptive == null || plain == null || plain.Median <= 0)
            {
                yield return new Goal(text, "not run", null);
                continue;
            }

            double ratio = adaptive.Median / plain.Median;
            Result? forced = results.Find(s.Name, "zerocopy-forced", Impl.Managed);
            string reference = forced != null ? $"; zerocopy-forced {forced.Median / plain.Median:0.00}x" : "";
            yield return new Goal(text, string.Create(CultureInfo.InvariantCulture,
                $"{ratio:0.00}x ({adaptive.Median:0.00} vs {plain.Median:0.00} GiB/s{reference})"), ratio >= 0.95);
        }
    }

    /// <summary>The counters of the measured runs, for the text report (nothing when the scenarios did not run).</summary>
    public static void AppendCounters(StringBuilder sb, ResultSet results, bool markdown = false)
    {
        List<(Result Result, Counts Total)> rows = Totals(results).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        sb.Append(markdown ? "\n" : "")
          .Append(CultureInfo.InvariantCulture, $"zerocopy-send: {VolumeFactor} x --size per run. ")
          .Append("Counters, over the measured runs (what each byte became: sent zero-copy / copied by the kernel\n")
          .Append("although sent with MSG_ZEROCOPY / sent plainly; fallbacks to plain sends after a \"copied\" completion, probes):\n");
        foreach ((Result r, Counts t) in rows)
        {
            sb.Append(markdown ? "- " : "  ").Append(CultureInfo.InvariantCulture,
                $"{r.Scenario.Name}/{r.Method.Name} ({r.ImplName}): {Cli.Sizes.Format(t.ZeroCopy)} / {Cli.Sizes.Format(t.Copied)} / " +
                $"{Cli.Sizes.Format(t.Plain)}; fallbacks {t.Fallbacks}, probes {t.Probes}\n");
        }

        sb.Append('\n');
    }

    /// <summary>The counters of the measured runs as a JSON array.</summary>
    public static void WriteJson(Utf8JsonWriter w, ResultSet results)
    {
        List<(Result Result, Counts Total)> rows = Totals(results).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        w.WriteStartArray("zerocopy_send_counters");
        foreach ((Result r, Counts t) in rows)
        {
            w.WriteStartObject();
            w.WriteString("scenario", r.Scenario.Name);
            w.WriteString("method", r.Method.Name);
            w.WriteString("impl", r.ImplName);
            w.WriteNumber("zerocopy_bytes", t.ZeroCopy);
            w.WriteNumber("copied_bytes", t.Copied);
            w.WriteNumber("plain_bytes", t.Plain);
            w.WriteNumber("fallbacks", t.Fallbacks);
            w.WriteNumber("probes", t.Probes);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static IEnumerable<(Result, Counts)> Totals(ResultSet results)
    {
        foreach (Result r in results.All.Where(r => Owns(r.Scenario.Name) && r.Method.Name != "send" && r.Runs.Count > 0))
        {
            if (s_counts.TryGetValue((r.Scenario.Name, r.Method.Name, r.Impl), out List<Counts>? runs) && runs.Count >= r.Runs.Count)
            {
                yield return (r, runs.Skip(runs.Count - r.Runs.Count).Aggregate(default(Counts), (a, b) => a + b));
            }
        }
    }

    private static void Record(string scenario, string method, Impl impl, Counts counts)
    {
        lock (s_counts)
        {
            if (!s_counts.TryGetValue((scenario, method, impl), out List<Counts>? list))
            {
                s_counts[(scenario, method, impl)] = list = new List<Counts>();
            }

            list.Add(counts);
        }
    }

    /// <summary>Fills the pool with buffers of this size that hold bytes, so that no run sends fresh, untouched
    /// pages (and no run pays for the first allocation).</summary>
    private static void WarmPool(int message)
    {
        var warm = new ZeroCopyBuffer[8];
        for (int i = 0; i < warm.Length; i++)
        {
            warm[i] = ZeroCopyBuffer.Rent(message);
            warm[i].GetSpan().Fill(0x5a);
        }

        foreach (ZeroCopyBuffer buffer in warm)
        {
            ((IDisposable)buffer).Dispose();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask SendAll(ZeroCopySender sender, int message, long size)
    {
        for (long sent = 0; sent < size;)
        {
            int n = (int)Math.Min(message, size - sent);
            await sender.SendAsync(ZeroCopyBuffer.Rent(n)).ConfigureAwait(false);
            sent += n;
        }
    }

    private static void Drive(ValueTask task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            task.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Bytes by fate, and the adaptive sender's decisions.</summary>
    private readonly record struct Counts(long ZeroCopy, long Copied, long Plain, long Fallbacks, long Probes)
    {
        public static Counts operator +(Counts a, Counts b) =>
            new(a.ZeroCopy + b.ZeroCopy, a.Copied + b.Copied, a.Plain + b.Plain, a.Fallbacks + b.Fallbacks, a.Probes + b.Probes);
    }

    /// <summary>The receiving end: accepts, drains until the sender shuts down, stays alive until disposed so that the
    /// end sample of the run still sees its context switches (as the other scenarios' helper threads do).</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly Thread _thread;
        private readonly ManualResetEventSlim _done = new();
        private readonly ManualResetEventSlim _release = new();
        private readonly Socket _listener;
        private long _received;
        private Exception? _error;

        public Receiver(Socket listener, long expected)
        {
            _listener = listener;
            _thread = new Thread(() =>
            {
                try
                {
                    using Socket peer = listener.Accept();
                    byte[] buffer = GC.AllocateUninitializedArray<byte>(128 * 1024, pinned: true);
                    long received = 0;
                    while (received < expected)
                    {
                        int r = peer.Receive(buffer);
                        if (r == 0)
                        {
                            break;
                        }

                        received += r;
                    }

                    Volatile.Write(ref _received, received);
                }
                catch (Exception e)
                {
                    _error = e;
                }

                _done.Set();
                _release.Wait();
            }) { IsBackground = true, Name = "zcn-bench-receiver" };
            _thread.Start();
        }

        public long Finish()
        {
            _done.Wait();
            if (_error != null)
            {
                throw new InvalidOperationException("the receiver failed: " + _error.Message, _error);
            }

            return Volatile.Read(ref _received);
        }

        public void Dispose()
        {
            _release.Set();
            if (!_done.IsSet)
            {
                _listener.Dispose(); // a run that failed before connecting: the accept ends
            }

            _thread.Join();
            _done.Dispose();
            _release.Dispose();
        }
    }
}
