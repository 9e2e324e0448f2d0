using System;
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
/// Many operations at once through the one event loop: 10,000 transfers each checked by checksum; one waiter per
/// direction per descriptor (a second one is refused); a read and a write waiting on one socket at the same time.
/// </summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.Concurrency)]
#pragma warning restore CS0618
public sealed class ConcurrencyTests
{
    /// <summary>
    /// 10,000 messages, each a WriteAsync on one side and ReadAsyncs on the other, checked by checksum: 2,500 pipes of
    /// one page (5,000 descriptors, a quarter of this machine's limit of 20,000, and 2,500 pages of the per-user pipe
    /// allowance of 16,384), four messages of 4.5 to 8 KiB each, so that nearly every write outgrows its pipe and parks.
    /// Every reader is started, and parked, before any writer: 2,500 waiters at once, and then up to 5,000.
    /// </summary>
    [Test]
    public void TenThousandTransfers_ThroughTwoThousandFiveHundredPipes_EachArrivesIntact()
    {
        const int Pipes = 2_500;
        const int Messages = 4;
        var pipes = new Pipe[Pipes];
        var readers = new Task<int>[Pipes];
        var writers = new Task[Pipes];
        int inFlight = 0, peak = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            for (int i = 0; i < Pipes; i++)
            {
                pipes[i] = Pipe.Create(capacity: 4096);
            }

            for (int i = 0; i < Pipes; i++)
            {
                readers[i] = ReadMessagesAsync(pipes[i], i, Messages, () => Track(ref inFlight, ref peak), () => Interlocked.Decrement(ref inFlight));
            }

            int parked = 0;
            foreach (Task<int> reader in readers)
            {
                parked += reader.IsCompleted ? 0 : 1;
            }

            Assert.That(parked, Is.EqualTo(Pipes), "every reader of an empty pipe waits");
            for (int i = 0; i < Pipes; i++)
            {
                writers[i] = WriteMessagesAsync(pipes[i], i, Messages, () => Track(ref inFlight, ref peak), () => Interlocked.Decrement(ref inFlight));
            }

            Assert.That(Task.WaitAll(writers, TimeSpan.FromSeconds(60)), Is.True, "every writer finished");
            Assert.That(Task.WaitAll(readers, TimeSpan.FromSeconds(60)), Is.True, "every reader finished");
        }
        finally
        {
            foreach (Pipe? pipe in pipes)
            {
                pipe?.Dispose();
            }
        }

        int verified = 0;
        for (int i = 0; i < Pipes; i++)
        {
            verified += readers[i].Result;
        }

        Assert.That(verified, Is.EqualTo(Pipes * Messages), "every message arrived with its checksum");
        Assert.That(peak, Is.GreaterThanOrEqualTo(Pipes), "the operations were in flight together");
        TestContext.Progress.WriteLine($"  {Pipes * Messages} transfers through {Pipes} pipes in {clock.ElapsedMilliseconds} ms, " +
                                       $"up to {peak} operations in flight");
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(60));
    }

    [Test]
    public void TwoReadsWaitingOnOnePipe_TheSecondIsRefused_AndTheFirstStillGetsTheData()
    {
        using Pipe pipe = Pipe.Create();
        Task<int> first = pipe.ReadAsync(new byte[10]).AsTask();
        AsyncKit.StillWaiting(first, "the first read", 20);

        Task<int> second = pipe.ReadAsync(new byte[10]).AsTask();

        AsyncKit.Fails<InvalidOperationException>(second, "a second read of the same pipe");
        Assert.That(first.IsCompleted, Is.False, "the first read still waits");
        pipe.Write(new byte[] { 1, 2, 3, 4 });
        Assert.That(AsyncKit.Result(first, "the first read"), Is.EqualTo(4));
    }

    [Test]
    public void TwoSendsWaitingOnOneSocket_TheSecondIsRefused_AndTheFirstCompletes()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(2 << 20, 1001);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using SocketPair pair = TestIo.Tcp(16 * 1024);

        Task<long> first = ZeroCopy.SendFileAsync(source, 0, pair.Client, data.Length).AsTask();
        AsyncKit.WaitUntilFull(pair.Client.SafeHandle, "the socket");
        AsyncKit.StillWaiting(first, "the first sendfile", 20);
        Task<long> second = ZeroCopy.SendFileAsync(source, 0, pair.Client, data.Length).AsTask();

        AsyncKit.Fails<InvalidOperationException>(second, "a second sendfile into the same full socket");
        Task<byte[]> received = AsyncKit.ReceiveToEndInBackground(pair.Server);
        Assert.That(AsyncKit.Result(first, "the first sendfile"), Is.EqualTo(data.Length));
        pair.Client.Shutdown(SocketShutdown.Send);
        AsyncKit.SameBytes(data, AsyncKit.Result(received, "the receiver"), "only the first sendfile's bytes");
    }

    [Test]
    public void AReadAndAWriteWaitingOnOneSocket_AtTheSameTime_BothComplete()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] outgoing = TestIo.Bytes(3 << 20, 1002);
        byte[] incoming = TestIo.Bytes(1 << 20, 1003);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", outgoing);
        using SafeFileHandle sink = TestIo.Create(folder.File("sink"));
        using SocketPair pair = AsyncKit.SmallTcp(nonBlockingClient: true);

        // One descriptor, both directions parked: the send on a full socket, the receive on a silent one.
        Task<TransferResult> send = ZeroCopy.TransferAsync(source, pair.Client.SafeHandle).AsTask();
        Task<TransferResult> receive = ZeroCopy.TransferAsync(pair.Client.SafeHandle, sink,
                                                              new TransferOptions { Count = incoming.Length }).AsTask();
        AsyncKit.WaitUntilFull(pair.Client.SafeHandle, "the socket");
        AsyncKit.StillWaiting(send, "the send", 20);
        AsyncKit.StillWaiting(receive, "the receive", 20);

        Task peer = Task.Factory.StartNew(() =>
        {
            pair.Server.Send(incoming);
            byte[] got = TestIo.Receive(pair.Server, outgoing.Length);
            AsyncKit.SameBytes(outgoing, got, "what the peer received");
        }, TaskCreationOptions.LongRunning);

        Assert.That(AsyncKit.Result(send, "the send").Bytes, Is.EqualTo(outgoing.Length));
        Assert.That(AsyncKit.Result(receive, "the receive").Bytes, Is.EqualTo(incoming.Length));
        AsyncKit.Succeeds(peer, "the peer");
        AsyncKit.SameBytes(incoming, File.ReadAllBytes(folder.File("sink")), "what the socket received");
    }

    private static void Track(ref int inFlight, ref int peak)
    {
        int now = Interlocked.Increment(ref inFlight);
        int seen;
        while (now > (seen = Volatile.Read(ref peak)) && Interlocked.CompareExchange(ref peak, now, seen) != seen)
        {
        }
    }

    /// <summary>The message <paramref name="index"/> of lane <paramref name="lane"/>: 4.5 to 8 KiB, deterministic.</summary>
    private static byte[] Message(int lane, int index)
    {
        int length = 4608 + ((lane * 7919 + index * 104729) % 3584);
        return TestIo.Bytes(length, (lane * 16) + index);
    }

    private static async Task WriteMessagesAsync(Pipe pipe, int lane, int count, Action started, Action ended)
    {
        await Task.Yield();
        for (int m = 0; m < count; m++)
        {
            byte[] message = Message(lane, m);
            started();
            try
            {
                await pipe.WriteAsync(message).ConfigureAwait(false);
            }
            finally
            {
                ended();
            }
        }
    }

    /// <summary>Reads the lane's messages (sizes known from the seed), checks each against its checksum, returns how
    /// many matched.</summary>
    private static async Task<int> ReadMessagesAsync(Pipe pipe, int lane, int count, Action started, Action ended)
    {
        int matched = 0;
        byte[] buffer = new byte[8192];
        for (int m = 0; m < count; m++)
        {
            byte[] expected = Message(lane, m);
            ulong hash = Reliability.Data.Fnv(ReadOnlySpan<byte>.Empty);
            int got = 0;
            while (got < expected.Length)
            {
                started();
                int n;
                try
                {
                    n = await pipe.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, expected.Length - got))).ConfigureAwait(false);
                }
                finally
                {
                    ended();
                }

                if (n == 0)
                {
                    return matched;
                }

                hash = Reliability.Data.Fnv(buffer.AsSpan(0, n), hash);
                got += n;
            }

            matched += hash == Reliability.Data.Fnv(expected) ? 1 : 0;
        }

        return matched;
    }
}
