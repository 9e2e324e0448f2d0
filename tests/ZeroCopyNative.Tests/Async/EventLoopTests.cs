using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Async;

/// <summary>
/// The event loop itself: waiting operations hold no thread; no wake-up is lost when a writer acts in the window
/// between a reader's EAGAIN and its parking; continuations run on the thread pool, never on the loop's thread or on
/// the thread that wrote or cancelled; a registration is removed from epoll with its last operation.
/// </summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.EventLoop)]
#pragma warning restore CS0618
public sealed class EventLoopTests
{
    /// <summary>
    /// 64 transfers parked on full sockets hold no thread. Measured against a baseline taken the same way just before:
    /// busy thread-pool workers (GetMaxThreads - GetAvailableThreads) and the process's threads (/proc/self/task), each
    /// the minimum of 20 samples 10 ms apart, so that a worker briefly busy with unrelated work (a timer, the runtime's
    /// own housekeeping) is not counted, while 64 blocked threads would show in every sample. Growth of at most 2 is
    /// allowed: the event loop thread (started by the suite's warm-up already) and one worker injected meanwhile.
    /// </summary>
    [Test]
    public void SixtyFourTransfersParkedOnFullSockets_HoldNoThread()
    {
        const int Transfers = 64;
        const int Size = 2 << 20;
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Size, 1401);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        var pairs = new SocketPair[Transfers];
        var transfers = new Task<TransferResult>[Transfers];
        try
        {
            for (int i = 0; i < Transfers; i++)
            {
                pairs[i] = AsyncKit.SmallTcp();
            }

            (int busyBefore, int threadsBefore) = Sample();
            for (int i = 0; i < Transfers; i++)
            {
                transfers[i] = ZeroCopy.TransferAsync(source, pairs[i].Client.SafeHandle, new TransferOptions { SourceOffset = 0 }).AsTask();
            }

            for (int i = 0; i < Transfers; i++)
            {
                AsyncKit.WaitUntilFull(pairs[i].Client.SafeHandle, $"socket {i}");
            }

            Thread.Sleep(100);
            int waiting = 0;
            foreach (Task<TransferResult> transfer in transfers)
            {
                waiting += transfer.IsCompleted ? 0 : 1;
            }

            Assert.That(waiting, Is.EqualTo(Transfers), "every transfer waits on its full socket");
            (int busyDuring, int threadsDuring) = Sample();
            TestContext.Progress.WriteLine($"  {Transfers} parked transfers: busy pool workers {busyBefore} -> {busyDuring}, " +
                                           $"threads {threadsBefore} -> {threadsDuring}");
            Assert.That(busyDuring - busyBefore, Is.LessThanOrEqualTo(2), "busy thread-pool workers while the transfers wait");
            Assert.That(threadsDuring - threadsBefore, Is.LessThanOrEqualTo(2), "threads while the transfers wait");

            var receivers = new Task<byte[]>[Transfers];
            for (int i = 0; i < Transfers; i++)
            {
                receivers[i] = AsyncKit.ReceiveToEndInBackground(pairs[i].Server);
            }

            for (int i = 0; i < Transfers; i++)
            {
                Assert.That(AsyncKit.Result(transfers[i], $"transfer {i}").Bytes, Is.EqualTo(Size));
                pairs[i].Client.Shutdown(SocketShutdown.Send);
                AsyncKit.SameBytes(data, AsyncKit.Result(receivers[i], $"receiver {i}"), $"peer {i}");
            }
        }
        finally
        {
            foreach (SocketPair? pair in pairs)
            {
                pair?.Dispose();
            }
        }
    }

    /// <summary>
    /// 20,000 one-byte round trips over two pipes: each side's read finds the pipe empty and parks, and the other side
    /// writes at any moment, including between the EAGAIN and the parking. A lost wake-up would stall a lane forever,
    /// which the bound turns into a failure.
    /// </summary>
    [Test]
    public void TwentyThousandOneBytePingPongs_NoWakeUpIsLost()
    {
        const int Rounds = 20_000;
        using Pipe ping = Pipe.Create();
        using Pipe pong = Pipe.Create();
        var clock = Stopwatch.StartNew();

        Task<int> left = Task.Run(async () =>
        {
            byte[] one = new byte[1];
            int wrong = 0;
            for (int i = 0; i < Rounds; i++)
            {
                one[0] = (byte)i;
                await ping.WriteAsync(one).ConfigureAwait(false);
                int n = await pong.ReadAsync(one).ConfigureAwait(false);
                wrong += n == 1 && one[0] == (byte)(i * 7) ? 0 : 1;
            }

            return wrong;
        });
        Task<int> right = Task.Run(async () =>
        {
            byte[] one = new byte[1];
            int wrong = 0;
            for (int i = 0; i < Rounds; i++)
            {
                int n = await ping.ReadAsync(one).ConfigureAwait(false);
                wrong += n == 1 && one[0] == (byte)i ? 0 : 1;
                one[0] = (byte)(i * 7);
                await pong.WriteAsync(one).ConfigureAwait(false);
            }

            return wrong;
        });

        Assert.That(AsyncKit.Result(left, "the pinging side", 60), Is.Zero, "every answer was the expected byte");
        Assert.That(AsyncKit.Result(right, "the ponging side", 60), Is.Zero, "every ping was the expected byte");
        TestContext.Progress.WriteLine($"  {Rounds} round trips in {clock.ElapsedMilliseconds} ms " +
                                       $"({clock.Elapsed.TotalMilliseconds * 1000 / Rounds:F1} us each)");
    }

    [Test]
    public void EightPingPongPairsAtOnce_FiveThousandRoundTripsEach_NoWakeUpIsLost()
    {
        const int Pairs = 8;
        const int Rounds = 5_000;
        var pipes = new List<Pipe>();
        var lanes = new List<Task<int>>();
        try
        {
            for (int p = 0; p < Pairs; p++)
            {
                Pipe ping = Pipe.Create(capacity: 4096), pong = Pipe.Create(capacity: 4096);
                pipes.Add(ping);
                pipes.Add(pong);
                lanes.Add(Task.Run(async () =>
                {
                    byte[] two = new byte[2];
                    int wrong = 0;
                    for (int i = 0; i < Rounds; i++)
                    {
                        two[0] = (byte)i;
                        two[1] = (byte)(i >> 8);
                        await ping.WriteAsync(two).ConfigureAwait(false);
                        byte[] back = await AsyncKit.ReadExactlyAsync(pong, 2).ConfigureAwait(false);
                        wrong += back.Length == 2 && back[0] == (byte)~i && back[1] == (byte)~(i >> 8) ? 0 : 1;
                    }

                    return wrong;
                }));
                lanes.Add(Task.Run(async () =>
                {
                    int wrong = 0;
                    for (int i = 0; i < Rounds; i++)
                    {
                        byte[] got = await AsyncKit.ReadExactlyAsync(ping, 2).ConfigureAwait(false);
                        wrong += got.Length == 2 && got[0] == (byte)i && got[1] == (byte)(i >> 8) ? 0 : 1;
                        await pong.WriteAsync(new[] { (byte)~i, (byte)~(i >> 8) }).ConfigureAwait(false);
                    }

                    return wrong;
                }));
            }

            for (int i = 0; i < lanes.Count; i++)
            {
                Assert.That(AsyncKit.Result(lanes[i], $"lane {i}", 60), Is.Zero, $"lane {i} saw every byte it expected");
            }
        }
        finally
        {
            pipes.ForEach(p => p.Dispose());
        }
    }

    [Test]
    public void ContinuationsRunOnTheThreadPool_NeverOnTheLoopOrTheWritingOrCancellingThread()
    {
        int testThread = Environment.CurrentManagedThreadId;
        using Pipe pipe = Pipe.Create();
        for (int i = 0; i < 100; i++)
        {
            using var cancel = new CancellationTokenSource();
            bool cancelled = i % 2 == 1;
            Task<(int Thread, bool Pool, string? Name)> read = ReadAndReportThreadAsync(pipe, cancel.Token);
            AsyncKit.StillWaiting(read, "a read of an empty pipe", 1);
            if (cancelled)
            {
                cancel.Cancel();
            }
            else
            {
                pipe.Write(new byte[] { 1 });
            }

            (int thread, bool pool, string? name) = AsyncKit.Result(read, $"read {i}");
            Assert.That(pool, Is.True, $"round {i}: the continuation ran on a thread-pool thread");
            Assert.That(thread, Is.Not.EqualTo(testThread), $"round {i}: not inline on the thread that {(cancelled ? "cancelled" : "wrote")}");
            Assert.That(name ?? string.Empty, Does.Not.StartWith("ZeroCopyNative"), $"round {i}: not on the event loop's thread");
        }
    }

    [Test]
    public void ARegistrationLeavesEpollWithItsLastOperation()
    {
        using Pipe pipe = Pipe.Create();
        int reader = AsyncKit.Fd(pipe.Reader);

        Task<int> read = pipe.ReadAsync(new byte[4]).AsTask();
        AsyncKit.StillWaiting(read, "a read of an empty pipe", 20);
        List<int> watching = EpollInstancesWatching(reader);
        Assert.That(watching.Count, Is.EqualTo(1), "exactly one epoll instance (the library's) watches the waiting pipe");
        int epoll = watching[0];

        pipe.Write(new byte[] { 9 });
        Assert.That(AsyncKit.Result(read, "the read"), Is.EqualTo(1));
        Assert.That(AsyncKit.Eventually(() => !Watched(epoll, reader), 5), Is.True,
                    "the descriptor left epoll when its operation ended");

        // Two operations on one descriptor share a registration, which stays until the second ends.
        Task<int> first = pipe.ReadAsync(new byte[1]).AsTask();
        AsyncKit.StillWaiting(first, "a read of an empty pipe", 20);
        Assert.That(Watched(epoll, reader), Is.True);
        pipe.Write(new byte[] { 1 });
        AsyncKit.Result(first, "the read");
        Assert.That(AsyncKit.Eventually(() => !Watched(epoll, reader), 5), Is.True);
    }

    [Test]
    public void ThousandsOfShortWaitsInARow_KeepTheEpollSetAtItsSize()
    {
        using Pipe pipe = Pipe.Create();
        Task<int> probe = pipe.ReadAsync(new byte[1]).AsTask();
        AsyncKit.StillWaiting(probe, "a read of an empty pipe", 20);
        int epoll = EpollInstancesWatching(AsyncKit.Fd(pipe.Reader))[0];
        pipe.Write(new byte[] { 1 });
        AsyncKit.Result(probe, "the probe");
        int before = WatchedCount(epoll);

        for (int i = 0; i < 2_000; i++)
        {
            using Pipe other = Pipe.Create();
            Task<int> read = other.ReadAsync(new byte[1]).AsTask();
            other.Write(new byte[] { 1 });
            AsyncKit.Result(read, $"read {i}");
        }

        Assert.That(AsyncKit.Eventually(() => WatchedCount(epoll) <= before, 5), Is.True,
                    $"the epoll set went back to {before} entries (it has {WatchedCount(epoll)})");
    }

    private static async Task<(int Thread, bool Pool, string? Name)> ReadAndReportThreadAsync(Pipe pipe, CancellationToken token)
    {
        try
        {
            await pipe.ReadAsync(new byte[1], token).ConfigureAwait(false);
        }
        catch (TransferCanceledException)
        {
            // Cancelled on purpose: where the continuation runs is what counts.
        }

        Thread current = Thread.CurrentThread;
        return (current.ManagedThreadId, current.IsThreadPoolThread, current.Name);
    }

    /// <summary>Busy thread-pool workers and process threads: each the minimum over 20 samples 10 ms apart.</summary>
    private static (int Busy, int Threads) Sample()
    {
        ThreadPool.GetMaxThreads(out int maxWorkers, out _);
        int busy = int.MaxValue, threads = int.MaxValue;
        for (int i = 0; i < 20; i++)
        {
            ThreadPool.GetAvailableThreads(out int available, out _);
            busy = Math.Min(busy, maxWorkers - available);
            threads = Math.Min(threads, ProcessCounts.Threads());
            Thread.Sleep(10);
        }

        return (busy, threads);
    }

    /// <summary>The epoll instances of the process (anon_inode:[eventpoll]) whose set holds <paramref name="fd"/>.</summary>
    private static List<int> EpollInstancesWatching(int fd)
    {
        var result = new List<int>();
        foreach ((int number, string target) in ProcessCounts.Descriptors())
        {
            if (target == "anon_inode:[eventpoll]" && Watched(number, fd))
            {
                result.Add(number);
            }
        }

        return result;
    }

    /// <summary>Whether epoll instance <paramref name="epoll"/> watches <paramref name="fd"/> (its fdinfo "tfd:" lines).</summary>
    private static bool Watched(int epoll, int fd) => WatchedDescriptors(epoll).Contains(fd);

    private static int WatchedCount(int epoll) => WatchedDescriptors(epoll).Count;

    private static HashSet<int> WatchedDescriptors(int epoll)
    {
        var result = new HashSet<int>();
        foreach (string line in File.ReadAllLines($"/proc/self/fdinfo/{epoll}"))
        {
            if (line.StartsWith("tfd:", StringComparison.Ordinal))
            {
                string[] fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                result.Add(int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return result;
    }
}
