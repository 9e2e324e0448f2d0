using System;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Threading.Tasks;
using NUnit.Framework;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Async;

/// <summary>
/// EAGAIN storms: pipes of one page, many producers and consumers at once, readers that take one byte at a time, and
/// chains of transfers where every link keeps filling and draining its neighbours. Every stream is checked byte for
/// byte.
/// </summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.Storms)]
#pragma warning restore CS0618
public sealed class EagainStormTests
{
    [Test]
    public void SixtyFourProducersAndConsumers_OnePagePipes_RandomPieces_EveryStreamIntact()
    {
        const int Lanes = 64;
        const int Size = 256 * 1024;
        var pipes = new Pipe[Lanes];
        var producers = new Task[Lanes];
        var consumers = new Task<byte[]>[Lanes];
        var clock = Stopwatch.StartNew();
        try
        {
            for (int i = 0; i < Lanes; i++)
            {
                pipes[i] = Pipe.Create(capacity: 4096);
                byte[] data = TestIo.Bytes(Size, 1100 + i);
                producers[i] = ProduceAsync(pipes[i], data, seed: i, maxPiece: 20_000);
                consumers[i] = ConsumeAsync(pipes[i], seed: i + 1000, maxPiece: 9000);
            }

            Assert.That(Task.WaitAll(producers, TimeSpan.FromSeconds(60)), Is.True, "every producer finished");
            for (int i = 0; i < Lanes; i++)
            {
                AsyncKit.SameBytes(TestIo.Bytes(Size, 1100 + i), AsyncKit.Result(consumers[i], $"consumer {i}"), $"lane {i}");
            }
        }
        finally
        {
            Array.ForEach(pipes, p => p?.Dispose());
        }

        TestContext.Progress.WriteLine($"  {Lanes} lanes x {Size / 1024} KiB through one-page pipes in {clock.ElapsedMilliseconds} ms");
    }

    [Test]
    public void SlowReadersTakingOneByteAtATime_AgainstWritersOfWholeBlocks()
    {
        const int Lanes = 8;
        const int Size = 32 * 1024;
        var pipes = new Pipe[Lanes];
        var producers = new Task[Lanes];
        var consumers = new Task<byte[]>[Lanes];
        try
        {
            for (int i = 0; i < Lanes; i++)
            {
                pipes[i] = Pipe.Create(capacity: 4096);
                byte[] data = TestIo.Bytes(Size, 1200 + i);
                Pipe pipe = pipes[i];
                producers[i] = Task.Run(async () =>
                {
                    await pipe.WriteAsync(data).ConfigureAwait(false); // one call: parks every time the page fills
                    pipe.CompleteWriting();
                });
                consumers[i] = AsyncKit.ReadToEndAsync(pipe, piece: 1);
            }

            Assert.That(Task.WaitAll(producers, TimeSpan.FromSeconds(60)), Is.True, "every writer finished");
            for (int i = 0; i < Lanes; i++)
            {
                AsyncKit.SameBytes(TestIo.Bytes(Size, 1200 + i), AsyncKit.Result(consumers[i], $"reader {i}"), $"lane {i}");
            }
        }
        finally
        {
            Array.ForEach(pipes, p => p?.Dispose());
        }
    }

    /// <summary>producer → pipe → TransferAsync → pipe → SpliceAsync → Unix socket → Pipe.SpliceFromAsync → pipe →
    /// consumer reading 1 to 100 bytes at a time; every link has one page (or a small socket buffer) of room.</summary>
    [Test]
    public void EightChainsOfTransfersThroughOnePagePipesAndASocket_EveryStreamIntact()
    {
        const int Chains = 8;
        const int Size = 192 * 1024;
        var tasks = new Task[Chains];
        var outputs = new Task<byte[]>[Chains];
        var disposables = new System.Collections.Generic.List<IDisposable>();
        try
        {
            for (int i = 0; i < Chains; i++)
            {
                Pipe first = Pipe.Create(capacity: 4096, nonBlocking: true);
                Pipe second = Pipe.Create(capacity: 4096, nonBlocking: true);
                Pipe last = Pipe.Create(capacity: 4096, nonBlocking: true);
                SocketPair link = TestIo.Unix();
                link.Client.SendBufferSize = 4096;
                link.Client.Blocking = false;
                link.Server.Blocking = false;
                disposables.AddRange(new IDisposable[] { first, second, last, link });
                byte[] data = TestIo.Bytes(Size, 1300 + i);

                Task produce = ProduceAsync(first, data, seed: i, maxPiece: 12_000);
                Task hop1 = Task.Run(async () =>
                {
                    await ZeroCopy.TransferAsync(first.Reader, second.Writer).ConfigureAwait(false);
                    second.CompleteWriting();
                });
                Task hop2 = Task.Run(async () =>
                {
                    long moved = await ZeroCopy.SpliceAsync(second.Reader, null, link.Client.SafeHandle, null, long.MaxValue)
                                               .ConfigureAwait(false);
                    Assert.That(moved, Is.EqualTo(Size));
                    link.Client.Shutdown(SocketShutdown.Send);
                });
                Task hop3 = Task.Run(async () =>
                {
                    long moved = await last.SpliceFromAsync(link.Server.SafeHandle, null, long.MaxValue).ConfigureAwait(false);
                    Assert.That(moved, Is.EqualTo(Size));
                    last.CompleteWriting();
                });
                outputs[i] = ConsumeAsync(last, seed: i + 2000, maxPiece: 100);
                tasks[i] = Task.WhenAll(produce, hop1, hop2, hop3);
            }

            for (int i = 0; i < Chains; i++)
            {
                AsyncKit.Succeeds(tasks[i], $"chain {i}", 60);
                AsyncKit.SameBytes(TestIo.Bytes(Size, 1300 + i), AsyncKit.Result(outputs[i], $"the end of chain {i}"), $"chain {i}");
            }
        }
        finally
        {
            disposables.ForEach(d => d.Dispose());
        }
    }

    /// <summary>Writes <paramref name="data"/> in random pieces with WriteAsync, then closes the write end.</summary>
    private static async Task ProduceAsync(Pipe pipe, byte[] data, int seed, int maxPiece)
    {
        await Task.Yield();
        var random = new Random(seed);
        int at = 0;
        while (at < data.Length)
        {
            int piece = Math.Min(random.Next(1, maxPiece + 1), data.Length - at);
            await pipe.WriteAsync(data.AsMemory(at, piece)).ConfigureAwait(false);
            at += piece;
        }

        pipe.CompleteWriting();
    }

    /// <summary>Reads to the end in random pieces with ReadAsync.</summary>
    private static async Task<byte[]> ConsumeAsync(Pipe pipe, int seed, int maxPiece)
    {
        await Task.Yield();
        var random = new Random(seed);
        var result = new MemoryStream();
        byte[] buffer = new byte[maxPiece];
        int n;
        while ((n = await pipe.ReadAsync(buffer.AsMemory(0, random.Next(1, maxPiece + 1))).ConfigureAwait(false)) > 0)
        {
            result.Write(buffer, 0, n);
        }

        return result.ToArray();
    }
}
