using System;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using ZeroCopyNative.Interop;
using Report = ZeroCopyNative.Tests.Reliability.Report;
using ZeroCopyNative.Tests.Transfers;
using static ZeroCopyNative.Tests.Async.AsyncKit;
using static ZeroCopyNative.Tests.Sockets.SenderTestKit;

namespace ZeroCopyNative.Tests.Sockets;

/// <summary>ZeroCopySender when things end early: cancellation, disposal with completions outstanding, a peer that
/// resets the connection, a socket closed under the sender. Every owner is released exactly once in each.</summary>
[Category("Async")]
public sealed class ZeroCopySenderLifetimeTests
{
    private const int Big = 8 << 20;

    [Test]
    public void ACancelledTokenBeforeTheSendReleasesTheOwnerAtOnce()
    {
        using SocketPair pair = TestIo.Tcp();
        using var sender = new ZeroCopySender(pair.Client, Forced());
        var owner = new CountingOwner(new byte[100_000]);
        ValueTask send = sender.SendAsync(owner, new CancellationToken(canceled: true));
        Assert.That(send.IsCanceled, Is.True);
        Assert.That(Fails<TransferCanceledException>(send).BytesTransferred, Is.Zero);
        Assert.That(owner.Disposals, Is.EqualTo(1));
        Assert.That(sender.Counters.PlainBytes + sender.Counters.PendingBytes, Is.Zero);
    }

    [Test]
    public void CancellingAWaitingSendReportsTheBytesSentAndReleasesTheOwnerAfterItsCompletions()
    {
        using SocketPair pair = TestIo.Tcp(64 * 1024);
        using var sender = new ZeroCopySender(pair.Client, Forced());
        var owner = new CountingOwner(TestIo.Bytes(Big, 20));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        TransferCanceledException e = Fails<TransferCanceledException>(sender.SendAsync(owner, cancel.Token));
        Report.Figure($"cancelled after {e.BytesTransferred} of {Big} bytes: {e.Message}");
        Assert.That(e.CancellationToken == cancel.Token, Is.True, "the caller's token");
        Assert.That(e.BytesTransferred, Is.InRange(1L, Big - 1L));
        Assert.That(sender.Counters.PendingBytes, Is.GreaterThan(0L), "the peer has not read: completions are outstanding");

        // Nothing sent after the cancellation: the peer reads exactly what was sent, then the owner is released.
        byte[] got = TestIo.Receive(pair.Server, (int)e.BytesTransferred);
        Assert.That(got.AsSpan().SequenceEqual(owner.Memory.Span[..(int)e.BytesTransferred]), Is.True);
        Wait(sender.WaitForCompletionsAsync());
        Assert.That(owner.Disposals, Is.EqualTo(1));

        // Cancelled while waiting with the socket full from the start: nothing (or, when the socket found a little
        // room after all, a few bytes) sent.
        FillUntilStable(pair.Client);
        var second = new CountingOwner(new byte[Big]);
        using var cancelSecond = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        TransferCanceledException none = Fails<TransferCanceledException>(sender.SendAsync(second, cancelSecond.Token));
        Report.Figure($"the second send took {none.BytesTransferred} bytes before its cancellation");
        Assert.That(none.BytesTransferred, Is.LessThan((long)Big));

        pair.Client.Shutdown(SocketShutdown.Send);
        Drain(pair.Server, long.MaxValue);
        Wait(sender.WaitForCompletionsAsync());
        Assert.That(second.Disposals, Is.EqualTo(1));
    }

    [Test]
    public void WaitingForCompletionsEndsOnlyAfterTheLastOwnerHasBeenReleased()
    {
        // The owner's release runs on the thread that read its last completion (here the completion reader, on the
        // thread pool), outside the sender's lock. The wait for completions must not end while that release is still
        // running, though no completion is outstanding any more: the release is held until the test has seen the wait
        // still pending. A send cancelled while the peer does not read leaves its completions outstanding (loopback
        // completes a send only when the receiver takes its data).
        using SocketPair pair = TestIo.Tcp(64 * 1024);
        using var sender = new ZeroCopySender(pair.Client, Forced());
        using var releasing = new ManualResetEventSlim();
        using var mayFinish = new ManualResetEventSlim();
        var owner = new CountingOwner(TestIo.Bytes(Big, 40), _ =>
        {
            releasing.Set();
            mayFinish.Wait(Bound);
        });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        TransferCanceledException e = Fails<TransferCanceledException>(sender.SendAsync(owner, cancel.Token));
        Assert.That(sender.Counters.PendingBytes, Is.GreaterThan(0L), "the peer has not read: completions are outstanding");
        Assert.That(releasing.IsSet, Is.False);

        _ = TestIo.Receive(pair.Server, (int)e.BytesTransferred);
        Assert.That(releasing.Wait(Bound), Is.True, "the owner's release started (its completions were read)");
        Assert.That(sender.Counters.OutstandingCompletions, Is.Zero, "nothing outstanding: only the release runs");
        Task drained = sender.WaitForCompletionsAsync().AsTask();
        StillWaiting(drained, "the wait for completions while the owner's release still runs", 200);

        mayFinish.Set();
        Wait(drained);
        Assert.That(owner.Disposals, Is.EqualTo(1));
    }

    [Test]
    public void DisposeWaitsBoundedForOutstandingCompletionsAndEveryOwnerIsReleasedOnce()
    {
        using SocketPair pair = TestIo.Tcp(64 * 1024);
        var sender = new ZeroCopySender(pair.Client, Forced(TimeSpan.FromMilliseconds(300)));
        var owners = new System.Collections.Generic.List<CountingOwner>();
        ValueTask last = default;
        long offered = 0;
        // Sends until one has to wait: the peer does not read, so the data before it sits unacknowledged.
        for (int i = 0; i < 1000; i++)
        {
            var owner = new CountingOwner(TestIo.Bytes(32 * 1024, 30 + i));
            owners.Add(owner);
            offered += owner.Memory.Length;
            last = sender.SendAsync(owner);
            if (!last.IsCompleted && !Eventually(() => last.IsCompleted, 0.2))
            {
                break;
            }

            Wait(last);
        }

        Assert.That(last.IsCompleted, Is.False, "the connection never filled");
        int outstanding = sender.Counters.OutstandingCompletions;
        Assert.That(outstanding, Is.GreaterThan(0));
        var clock = Stopwatch.StartNew();
        sender.Dispose();
        double seconds = clock.Elapsed.TotalSeconds;
        Fails<ObjectDisposedException>(last);
        ZeroCopySenderCounters afterDispose = sender.Counters;
        Report.Figure($"dispose returned after {seconds:0.000} s with {afterDispose.OutstandingCompletions} of {outstanding} completions outstanding");
        Assert.That(seconds, Is.InRange(0.25, 5.0), "bounded by DisposeTimeout");
        Assert.That(afterDispose.OutstandingCompletions, Is.GreaterThan(0), "the peer still has not read");
        Assert.That(owners.TrueForAll(o => o.Disposals <= 1), Is.True);
        Assert.Throws<InvalidOperationException>(() => new ZeroCopySender(pair.Client),
                                                 "the disposed sender still waits for its completions");

        // The peer reads everything: the remaining completions arrive and release the remaining owners.
        pair.Client.Shutdown(SocketShutdown.Send);
        Drain(pair.Server, long.MaxValue);
        Assert.That(Eventually(() => owners.TrueForAll(o => o.Disposals == 1)), Is.True, "every owner released");
        Assert.That(sender.Counters.OutstandingCompletions, Is.Zero);
        Thread.Sleep(50);
        Assert.That(owners.TrueForAll(o => o.Disposals == 1), Is.True, "exactly once");
        Assert.That(Eventually(() => CanCreateSender(pair.Client)), Is.True, "the socket is free for a new sender");
    }

    [Test]
    public void DisposeWithTheReaderRunningReturnsWithNothingOutstanding()
    {
        using SocketPair pair = TestIo.Tcp(64 * 1024);
        var owners = new CountingOwner[16];
        Task<byte[]> received = ReceiveInBackground(pair.Server, 16 * 256 * 1024, pauseMs: 1);
        var sender = new ZeroCopySender(pair.Client, Forced());
        for (int i = 0; i < owners.Length; i++)
        {
            owners[i] = new CountingOwner(TestIo.Bytes(256 * 1024, 40 + i));
            Wait(sender.SendAsync(owners[i]));
        }

        Wait(sender.DisposeAsync());
        Assert.That(sender.Counters.OutstandingCompletions, Is.Zero);
        Assert.That(Array.TrueForAll(owners, o => o.Disposals == 1), Is.True);
        Wait(received);
    }

    [Test]
    public void APeerResetIsEconnresetOrEpipeWithTheBytesDoneAndTheOwnersAreReleased()
    {
        using SocketPair pair = TestIo.Tcp(64 * 1024);
        using var sender = new ZeroCopySender(pair.Client, Forced());
        var owner = new CountingOwner(TestIo.Bytes(Big, 50));
        ValueTask send = sender.SendAsync(owner);
        Assert.That(Eventually(() => sender.Counters.PendingBytes > 0), Is.True);
        pair.Server.LingerState = new LingerOption(true, 0);
        pair.Server.Close(); // a reset: unread data and SO_LINGER 0

        ZeroCopyException e = Fails<ZeroCopyException>(send);
        Report.Figure($"peer reset: {e.Message}");
        Assert.That(e.Errno, Is.AnyOf(Errno.ECONNRESET, Errno.EPIPE));
        Assert.That(e.Operation, Is.EqualTo("send"));
        Assert.That(e.BytesTransferred, Is.InRange(1L, Big - 1L));
        Wait(sender.WaitForCompletionsAsync()); // the kernel drops the queue and reports every call complete
        Assert.That(owner.Disposals, Is.EqualTo(1));

        var next = new CountingOwner(new byte[100_000]);
        ZeroCopyException after = Fails<ZeroCopyException>(sender.SendAsync(next));
        Assert.That(after.Errno, Is.AnyOf(Errno.EPIPE, Errno.ECONNRESET));
        Assert.That(after.BytesTransferred, Is.Zero);
        Assert.That(next.Disposals, Is.EqualTo(1));
    }

    [Test]
    public void ASocketClosedUnderOutstandingCompletionsReleasesTheOwnersAsAbandoned()
    {
        using SocketPair pair = TestIo.Tcp(64 * 1024);
        var sender = new ZeroCopySender(pair.Client, Forced(TimeSpan.Zero));
        var owner = new CountingOwner(TestIo.Bytes(Big, 60));
        ValueTask waiting = sender.SendAsync(owner); // the peer does not read: part of it stays unacknowledged
        Assert.That(Eventually(() => sender.Counters.PendingBytes > 0), Is.True);
        sender.Dispose(); // cancels the waiting send; DisposeTimeout 0: returns at once
        Fails<ObjectDisposedException>(waiting);
        Thread.Sleep(200); // what reached the peer's buffer is acknowledged meanwhile; the rest stays
        long pending = sender.Counters.PendingBytes;
        Assert.That(pending, Is.GreaterThan(0L));
        Assert.That(owner.Disposals, Is.Zero);

        pair.Client.Dispose(); // no completion can be read any more
        Assert.That(Eventually(() => owner.Disposals == 1), Is.True, "released when the socket closed");
        ZeroCopySenderCounters counters = sender.Counters;
        Report.Figure($"socket closed with {pending} bytes pending: {counters}");
        Assert.That(counters.AbandonedBytes, Is.InRange(1L, pending));
        Assert.That(counters.OutstandingCompletions, Is.Zero);
        Assert.That(counters.PendingBytes, Is.Zero);
        Thread.Sleep(300);
        Assert.That(owner.Disposals, Is.EqualTo(1));
    }

    private static bool CanCreateSender(Socket socket)
    {
        try
        {
            new ZeroCopySender(socket).Dispose();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Writes into the socket without blocking until a whole round finds no room (TCP keeps moving queued
    /// data to the peer for a while after the first EAGAIN).</summary>
    private static void FillUntilStable(Socket socket)
    {
        var chunk = new byte[64 * 1024];
        socket.Blocking = false;
        try
        {
            FillRounds(socket, chunk);
        }
        finally
        {
            socket.Blocking = true;
        }
    }

    private static void FillRounds(Socket socket, byte[] chunk)
    {
        for (int round = 0; round < 100; round++)
        {
            long written = 0;
            while (true)
            {
                int n = socket.Send(chunk, 0, chunk.Length, SocketFlags.None, out SocketError error);
                if (error == SocketError.WouldBlock)
                {
                    break;
                }

                Assert.That(error, Is.EqualTo(SocketError.Success));
                written += n;
            }

            if (written == 0 && round > 0)
            {
                return;
            }

            Thread.Sleep(100);
        }

        Assert.Fail("the socket never stayed full");
    }
}
