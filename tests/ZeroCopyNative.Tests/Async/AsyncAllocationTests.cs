using System;
using System.Threading.Tasks;
using NUnit.Framework;

namespace ZeroCopyNative.Tests.Async;

/// <summary>
/// The steady state allocates nothing per operation: pipe round trips whose reads park in the event loop every time,
/// measured with GC.GetTotalAllocatedBytes(precise: true) (the whole process: the operations complete on thread-pool
/// threads, which a per-thread counter would miss).
/// </summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.Allocation)]
#pragma warning restore CS0618
public sealed class AsyncAllocationTests
{
    private const int WarmUpRounds = 1_000;
    private const int Rounds = 2_000;

    /// <summary>
    /// 2,000 round trips (8,000 operations: on each side a WriteAsync and a ReadAsync that parks) after 1,000 of
    /// warm-up. The run itself costs a fixed amount, whatever its length: two Task.Run closures, two async state
    /// machines boxed at their first await, the test thread's bounded waits. That fixed cost is measured with a run of
    /// 200 round trips and subtracted, so the figure is the growth per operation. Bound: 8 bytes per operation on
    /// average (the measured figure is reported), which a single allocation per operation (a 24-byte object at least)
    /// would exceed.
    /// </summary>
    [Test]
    public void PipeRoundTrips_AllocateNothingPerOperation()
    {
        using Pipe ping = Pipe.Create();
        using Pipe pong = Pipe.Create();
        byte[] left = new byte[1], right = new byte[1];

        Run(ping, pong, left, right, WarmUpRounds);
        long shortRun = Measure(ping, pong, left, right, Rounds / 10);
        long longRun = Measure(ping, pong, left, right, Rounds);

        const int OperationsPerRound = 4;
        double perOperation = (double)(longRun - shortRun) / ((Rounds - (Rounds / 10)) * OperationsPerRound);
        TestContext.Progress.WriteLine($"  allocation: {Rounds / 10} round trips {shortRun} bytes, {Rounds} round trips {longRun} bytes: " +
                                       $"{perOperation:F2} bytes per operation");
        Assert.That(perOperation, Is.LessThanOrEqualTo(8.0),
                    $"{longRun} bytes for {Rounds} round trips, {shortRun} for {Rounds / 10}: {perOperation:F2} bytes per operation");
    }

    private static long Measure(Pipe ping, Pipe pong, byte[] left, byte[] right, int rounds)
    {
        // The least of three runs: a GC or a thread-pool thread starting during one adds its own allocations.
        long least = long.MaxValue;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            Run(ping, pong, left, right, rounds);
            least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - before);
        }

        return least;
    }

    private static void Run(Pipe ping, Pipe pong, byte[] left, byte[] right, int rounds)
    {
        Task a = Task.Run(() => PingAsync(ping, pong, left, rounds));
        Task b = Task.Run(() => PongAsync(ping, pong, right, rounds));
        bool done = Task.WaitAll(new[] { a, b }, TimeSpan.FromSeconds(60));
        if (!done || a.IsFaulted || b.IsFaulted)
        {
            Assert.Fail($"the round trips did not finish: {a.Status} {b.Status} {a.Exception ?? b.Exception}");
        }
    }

    private static async Task PingAsync(Pipe ping, Pipe pong, byte[] one, int rounds)
    {
        for (int i = 0; i < rounds; i++)
        {
            await ping.WriteAsync(one).ConfigureAwait(false);
            await pong.ReadAsync(one).ConfigureAwait(false);
        }
    }

    private static async Task PongAsync(Pipe ping, Pipe pong, byte[] one, int rounds)
    {
        for (int i = 0; i < rounds; i++)
        {
            await ping.ReadAsync(one).ConfigureAwait(false);
            await pong.WriteAsync(one).ConfigureAwait(false);
        }
    }
}
