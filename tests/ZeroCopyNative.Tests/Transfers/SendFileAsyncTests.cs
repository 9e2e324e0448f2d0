using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Transfers;

public sealed class SendFileAsyncTests
{
    private const int Size = (4 * 1024 * 1024) + 77;

    [Test]
    public void SendsByteForByteOverTcpAndUnixSockets()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Size, 11);
        File.WriteAllBytes(folder.File("src"), data);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        foreach (SocketPair pair in new[] { TestIo.Tcp(64 * 1024), TestIo.Unix() })
        {
            using (pair)
            {
                var received = TestIo.ReceiveInBackground(pair.Server, Size - 3);
                long sent = TestIo.Await(ZeroCopy.SendFileAsync(source, 3, pair.Client, Size).AsTask());
                Assert.That(sent, Is.EqualTo(Size - 3));
                Assert.That(TestIo.Await(received), Is.EqualTo(data.AsSpan(3).ToArray()));
                Assert.That(pair.Client.Blocking, Is.True, "the socket's Blocking property is untouched");
                pair.Client.Send(new byte[] { 42 });
                Assert.That(TestIo.Receive(pair.Server, 1), Is.EqualTo(new byte[] { 42 }), "synchronous sends still work");
            }
        }
    }

    [Test]
    public void WaitingOnFullSocketsHoldsNoThreadPoolThreads()
    {
        const int Senders = 8;
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Size, 12);
        File.WriteAllBytes(folder.File("src"), data);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        var pairs = new SocketPair[Senders];
        var sends = new Task<long>[Senders];
        WarmEventLoop();
        int idleBusy = FewestBusyWorkers();
        int threadsBefore = ThreadCount();
        try
        {
            for (int i = 0; i < Senders; i++)
            {
                pairs[i] = TestIo.Tcp(64 * 1024);
                sends[i] = ZeroCopy.SendFileAsync(source, 0, pairs[i].Client, Size).AsTask();
            }

            // Wait (bounded) until every socket is full: the peers do not read, so every transfer is parked.
            for (int round = 0; round < 3000 && !AllFull(pairs); round++)
            {
                Thread.Sleep(10);
            }

            Assert.That(AllFull(pairs), Is.True, "every sender should have filled its socket");
            foreach (Task<long> send in sends)
            {
                Assert.That(send.IsCompleted, Is.False, "a transfer to a peer that does not read cannot finish");
            }

            // The busy pool threads now, against the same measure just before the transfers started: a thread held
            // per waiting transfer would add Senders. The fewest busy over several samples filters out other work.
            int busy = FewestBusyWorkers();
            Assert.That(busy - idleBusy, Is.LessThan(Senders / 2), "a blocked thread per waiting transfer would show here");
            Assert.That(ThreadCount() - threadsBefore, Is.LessThanOrEqualTo(1), "at most the event loop's thread is new");

            var receivers = new Task<byte[]>[Senders];
            for (int i = 0; i < Senders; i++)
            {
                receivers[i] = TestIo.ReceiveInBackground(pairs[i].Server, Size);
            }

            for (int i = 0; i < Senders; i++)
            {
                Assert.That(TestIo.Await(sends[i]), Is.EqualTo(Size));
                Assert.That(TestIo.Await(receivers[i]), Is.EqualTo(data), $"sender {i}");
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

    [Test]
    public void CancellationWhileWaitingStopsAndTheBytesSentAreAnExactPrefix()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Size, 13);
        File.WriteAllBytes(folder.File("src"), data);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SocketPair pair = TestIo.Tcp(64 * 1024);
        using var cancellation = new CancellationTokenSource();
        Task<long> send = ZeroCopy.SendFileAsync(source, 0, pair.Client, Size, cancellation.Token).AsTask();
        for (int round = 0; round < 3000 && !AllFull(new[] { pair }); round++)
        {
            Thread.Sleep(10);
        }

        cancellation.Cancel();
        Assert.That(Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(60))).Result, Is.SameAs(send), "the cancellation ends the wait");
        Assert.That(send.IsCanceled, Is.True);
        // Awaiting (not Task.Wait, which always reports a bare TaskCanceledException) gives the exception with the bytes.
        var error = Assert.Throws<TransferCanceledException>(() => send.GetAwaiter().GetResult())!;
        long reported = error.BytesTransferred;

        pair.Client.Shutdown(SocketShutdown.Send);
        byte[] received = TestIo.Receive(pair.Server, Size);
        Assert.That(received.Length, Is.GreaterThan(0).And.LessThan(Size));
        Assert.That(received.Length, Is.EqualTo(reported), "the bytes reported are the bytes sent");
        Assert.That(received, Is.EqualTo(data.AsSpan(0, received.Length).ToArray()), "no byte lost or repeated");
    }

    [Test]
    public void ValidatesBeforeStarting()
    {
        using TempFolder folder = TestIo.Folder();
        File.WriteAllBytes(folder.File("src"), new byte[10]);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SocketPair pair = TestIo.Tcp();
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        Assert.That(() => ZeroCopy.SendFileAsync(source, 0, null!, 1), Throws.ArgumentNullException);
        Assert.That(() => ZeroCopy.SendFileAsync(null!, 0, pair.Client, 1), Throws.ArgumentNullException);
        Assert.That(() => ZeroCopy.SendFileAsync(source, -1, pair.Client, 1), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => ZeroCopy.SendFileAsync(source, 0, pair.Client, -1), Throws.TypeOf<ArgumentOutOfRangeException>());
        // Datagram sockets are taken as SendFile takes them, and both give the kernel's answer for this one.
        var syncUdp = Assert.Throws<ZeroCopyException>(() => ZeroCopy.SendFile(source, 0, udp, 1))!;
        var asyncUdp = Assert.Throws<ZeroCopyException>(() => ZeroCopy.SendFileAsync(source, 0, udp, 1).AsTask().GetAwaiter().GetResult())!;
        Assert.That(asyncUdp.Errno, Is.EqualTo(syncUdp.Errno).And.EqualTo(Errno.EDESTADDRREQ));
        ValueTask<long> cancelled = ZeroCopy.SendFileAsync(source, 0, pair.Client, 1, new CancellationToken(true));
        Assert.That(cancelled.IsCanceled, Is.True);
        var before = Assert.Throws<TransferCanceledException>(() => cancelled.AsTask().GetAwaiter().GetResult())!;
        Assert.That(before.BytesTransferred, Is.EqualTo(0));
        Assert.That(ZeroCopy.SendFileAsync(source, 0, pair.Client, 0).Result, Is.EqualTo(0));
        var closed = TestIo.Tcp();
        closed.Dispose();
        Assert.That(() => ZeroCopy.SendFileAsync(source, 0, closed.Client, 1), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void APeerThatGoesAwayFailsWithZeroCopyException()
    {
        using TempFolder folder = TestIo.Folder();
        File.WriteAllBytes(folder.File("src"), TestIo.Bytes(Size, 14));
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SocketPair pair = TestIo.Unix();
        pair.Server.Dispose();
        var error = Assert.Throws<AggregateException>(() => ZeroCopy.SendFileAsync(source, 0, pair.Client, Size).AsTask().Wait(TimeSpan.FromSeconds(60)))!;
        Assert.That(error.InnerException, Is.TypeOf<ZeroCopyException>());
        Assert.That(((ZeroCopyException)error.InnerException!).Errno, Is.EqualTo(Errno.EPIPE).Or.EqualTo(Errno.ECONNRESET));
    }

    /// <summary>The fewest thread-pool workers busy over 20 samples 5 ms apart.</summary>
    private static int FewestBusyWorkers()
    {
        ThreadPool.GetMaxThreads(out int maxWorkers, out _);
        int fewest = int.MaxValue;
        for (int sample = 0; sample < 20; sample++)
        {
            ThreadPool.GetAvailableThreads(out int availableWorkers, out _);
            fewest = Math.Min(fewest, maxWorkers - availableWorkers);
            Thread.Sleep(5);
        }

        return fewest;
    }

    private static int ThreadCount() => Directory.GetDirectories("/proc/self/task").Length;

    /// <summary>Makes the event loop start (its thread is created once per process) with one transfer that waits.</summary>
    private static void WarmEventLoop()
    {
        using var pipe = Pipe.Create();
        Task<int> read = pipe.ReadAsync(new byte[1]).AsTask();
        pipe.Write(new byte[] { 1 });
        Assert.That(read.Wait(TimeSpan.FromSeconds(30)), Is.True);
    }

    private static bool AllFull(SocketPair[] pairs)
    {
        foreach (SocketPair pair in pairs)
        {
            int fd = (int)pair.Client.SafeHandle.DangerousGetHandle();
            if ((Zcn.poll(fd, (int)PollEvents.POLLOUT, 0) & (int)PollEvents.POLLOUT) != 0)
            {
                return false;
            }
        }

        return true;
    }
}
