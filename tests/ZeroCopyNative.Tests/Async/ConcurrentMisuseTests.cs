using System;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace ZeroCopyNative.Tests.Async;

/// <summary>
/// Concurrent reads of one pipe are not supported, and the library says so with InvalidOperationException. Hammered
/// from three readers at once, each read must end one of the documented ways (bytes, end of input, or that
/// exception) and no byte may be lost or doubled; never a hang of a read whose wake-up went to another, never a crash
/// of the process (a waiter completed twice throws on a thread-pool thread, which ends the process: so the hammering
/// runs in a child process).
/// </summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.Concurrency)]
#pragma warning restore CS0618
public sealed class ConcurrentMisuseTests
{
    private const string ChildName = "ZeroCopyNative.Tests.Async.ConcurrentMisuseTests.ChildProbe_ThreeReadersOfOnePipe";

    [Test]
    public void ThreeConcurrentReadersOfOnePipe_GetEveryByteOnceOrARefusal_NeverAHangOrACrash()
    {
        (int exitCode, string output) = ChildProcess.Run(ChildProcess.Self("--test", ChildName), TimeSpan.FromSeconds(180));

        Assert.That(output, Does.Not.Contain("Unhandled exception"), output);
        Assert.That(exitCode, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("1 passed, 0 failed"), output);
    }

    [Test]
    [Explicit("Run by ThreeConcurrentReadersOfOnePipe_GetEveryByteOnceOrARefusal_NeverAHangOrACrash in a child process")]
    public void ChildProbe_ThreeReadersOfOnePipe()
    {
        const int Bytes = 30_000;
        using Pipe pipe = Pipe.Create();
        int received = 0, refused = 0;
        long sum = 0;

        async Task ReadAsync()
        {
            byte[] one = new byte[1];
            while (true)
            {
                int n;
                try
                {
                    n = await pipe.ReadAsync(one).ConfigureAwait(false);
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref refused);
                    await Task.Yield();
                    continue;
                }

                if (n == 0)
                {
                    return;
                }

                Interlocked.Increment(ref received);
                Interlocked.Add(ref sum, one[0]);
            }
        }

        Task[] readers = { Task.Run(ReadAsync), Task.Run(ReadAsync), Task.Run(ReadAsync) };
        long expected = 0;
        for (int i = 0; i < Bytes; i++)
        {
            pipe.Write(new[] { (byte)(i % 251) });
            expected += i % 251;
            if (i % 64 == 0)
            {
                Thread.Sleep(0);
            }
        }

        Assert.That(AsyncKit.Eventually(() => Volatile.Read(ref received) == Bytes, 60), Is.True,
                    $"every byte was read ({Volatile.Read(ref received)} of {Bytes})");
        pipe.CompleteWriting();
        Assert.That(Task.WaitAll(readers, TimeSpan.FromSeconds(30)), Is.True,
                    "every reader saw the end of input (a reader whose wake-up went to another would wait forever)");
        Assert.That(Interlocked.Read(ref sum), Is.EqualTo(expected), "no byte lost or read twice");
        TestContext.Progress.WriteLine($"  {Bytes} bytes read by 3 concurrent readers, {refused} reads refused");
    }
}
