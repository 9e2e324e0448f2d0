using System;
using System.Buffers;
using System.Linq;
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

/// <summary>ZeroCopySender over loopback TCP: completions, releases, the kernel's "copied" verdict and the adaptive
/// policy, the forced mode, and buffers that cannot change before their completion.</summary>
[Category("Async")]
public sealed class ZeroCopySenderTests
{
    private const int Message = 64 * 1024;

    [Test]
    public void CompletionsArriveAndEveryOwnerIsReleasedExactlyOnce()
    {
        const int Count = 32;
        using SocketPair pair = TestIo.Tcp();
        byte[] expected = TestIo.Bytes(Count * Message, 1);
        Task<byte[]> received = ReceiveInBackground(pair.Server, expected.Length);
        var owners = new CountingOwner[Count];
        using (var sender = new ZeroCopySender(pair.Client, Forced()))
        {
            for (int i = 0; i < Count; i++)
            {
                owners[i] = new CountingOwner(expected.AsSpan(i * Message, Message).ToArray());
                Wait(sender.SendAsync(owners[i]));
            }

            Wait(sender.WaitForCompletionsAsync());
            ZeroCopySenderCounters counters = sender.Counters;
            Report.Figure($"forced, {Count} x 64 KiB over loopback: {counters}");
            Assert.That(owners.Select(o => o.Disposals).ToArray(), Is.EqualTo(Enumerable.Repeat(1, Count).ToArray()));
            Assert.That(counters.OutstandingCompletions, Is.Zero);
            Assert.That(counters.PendingBytes, Is.Zero);
            Assert.That(counters.ZeroCopyBytes + counters.CopiedBytes, Is.EqualTo((long)expected.Length));
            Assert.That(counters.PlainBytes, Is.Zero);
        }

        Wait(received);
        Assert.That(received.Result, Is.EqualTo(expected));
        Assert.That(owners.Select(o => o.Disposals).ToArray(), Is.EqualTo(Enumerable.Repeat(1, Count).ToArray()),
                    "disposing the sender releases nothing twice");
    }

    [Test]
    public void OnLoopbackTheKernelCopiesAndTheAdaptiveSenderFallsBackThenProbesAgain()
    {
        const int Interval = 3;
        using SocketPair pair = TestIo.Tcp();
        byte[] data = TestIo.Bytes(Message, 2);
        // probe, 3 plain, probe, 1 small plain
        Task<byte[]> received = ReceiveInBackground(pair.Server, (5 * Message) + 1000);
        var options = new ZeroCopySenderOptions { Threshold = 16 * 1024, ProbeInterval = Interval };
        using var sender = new ZeroCopySender(pair.Client, options);
        Assert.That(sender.IsZeroCopyAvailable, Is.True);
        Assert.That(sender.Mode, Is.EqualTo(ZeroCopySendMode.Adaptive));

        var probe = new CountingOwner(data.ToArray());
        Wait(sender.SendAsync(probe));
        Wait(sender.WaitForCompletionsAsync());
        ZeroCopySenderCounters afterProbe = sender.Counters;
        Assert.That(afterProbe.Probes, Is.EqualTo(1), "the first eligible send probes");
        Assert.That(afterProbe.CopiedBytes, Is.EqualTo((long)Message), "loopback: the kernel reports a copy");
        Assert.That(afterProbe.ZeroCopyBytes, Is.Zero);
        Assert.That(afterProbe.Fallbacks, Is.EqualTo(1));
        Assert.That(probe.Disposals, Is.EqualTo(1));

        for (int i = 0; i < Interval; i++)
        {
            var plain = new CountingOwner(data.ToArray());
            Wait(sender.SendAsync(plain));
            Assert.That(plain.Disposals, Is.EqualTo(1), "a plain send releases its owner when it completes");
            Assert.That(sender.Counters.OutstandingCompletions, Is.Zero);
        }

        Assert.That(sender.Counters.PlainBytes, Is.EqualTo((long)Interval * Message));
        Wait(sender.SendAsync(new CountingOwner(data.ToArray())));
        Assert.That(sender.Counters.Probes, Is.EqualTo(2), "after the interval, the next eligible send probes again");
        Wait(sender.WaitForCompletionsAsync());
        Assert.That(sender.Counters.Fallbacks, Is.EqualTo(2));
        Assert.That(sender.Counters.CopiedBytes, Is.EqualTo(2L * Message));

        var small = new CountingOwner(data.AsSpan(0, 1000).ToArray());
        Wait(sender.SendAsync(small));
        Assert.That(small.Disposals, Is.EqualTo(1));
        ZeroCopySenderCounters last = sender.Counters;
        Report.Figure($"adaptive over loopback: {last}");
        Assert.That(last.PlainBytes, Is.EqualTo(((long)Interval * Message) + 1000));
        Wait(received);
        Assert.That(received.Result.Length, Is.EqualTo((5 * Message) + 1000));
    }

    [Test]
    public void TheForcedModeKeepsUsingZeroCopyWhateverTheKernelReports()
    {
        using SocketPair pair = TestIo.Tcp();
        byte[] data = TestIo.Bytes(Message, 3);
        Task<byte[]> received = ReceiveInBackground(pair.Server, (10 * Message) + (5 * 100));
        using var sender = new ZeroCopySender(pair.Client, Forced());
        for (int i = 0; i < 10; i++)
        {
            Wait(sender.SendAsync(new CountingOwner(data.ToArray())));
            Wait(sender.WaitForCompletionsAsync()); // every verdict seen before the next send
        }

        for (int i = 0; i < 5; i++)
        {
            Wait(sender.SendAsync(new CountingOwner(data.AsSpan(0, 100).ToArray()))); // below any threshold
        }

        Wait(sender.WaitForCompletionsAsync());
        ZeroCopySenderCounters counters = sender.Counters;
        Report.Figure($"forced over loopback: {counters}");
        Assert.That(counters.PlainBytes, Is.Zero);
        Assert.That(counters.CopiedBytes + counters.ZeroCopyBytes, Is.EqualTo((10L * Message) + 500));
        Assert.That(counters.CopiedBytes, Is.GreaterThan(0L), "loopback copies");
        Assert.That(counters.Fallbacks, Is.Zero);
        Assert.That(counters.Probes, Is.Zero);
        Wait(received);
    }

    [Test]
    public void ShortSendsArePlainAndReleasedAtOnce()
    {
        using SocketPair pair = TestIo.Tcp();
        Task<byte[]> received = ReceiveInBackground(pair.Server, 3 * 4096);
        using var sender = new ZeroCopySender(pair.Client);
        for (int i = 0; i < 3; i++)
        {
            var owner = new CountingOwner(TestIo.Bytes(4096, 4 + i));
            Wait(sender.SendAsync(owner));
            Assert.That(owner.Disposals, Is.EqualTo(1));
        }

        Assert.That(sender.Counters.PlainBytes, Is.EqualTo(3L * 4096));
        Assert.That(sender.Counters.Probes, Is.Zero);
        Wait(received);
    }

    /// <summary>The owners overwrite their memory the moment they are released, as a pool reusing it would: a slow
    /// reader keeps the zero-copy sends in the socket's queue, still referencing the memory, so a release before the
    /// completion would send the overwritten bytes.</summary>
    [Test]
    public void TheReceiverGetsTheBytesOfSendTimeAlthoughReleasedMemoryIsOverwrittenAtOnce()
    {
        const int Count = 24, Length = 256 * 1024;
        using SocketPair pair = TestIo.Tcp(128 * 1024);
        byte[] expected = TestIo.Bytes(Count * Length, 5);
        Task<byte[]> received = ReceiveInBackground(pair.Server, expected.Length, pauseMs: 2);
        var owners = new CountingOwner[Count];
        using (var sender = new ZeroCopySender(pair.Client, Forced()))
        {
            for (int i = 0; i < Count; i++)
            {
                owners[i] = new CountingOwner(expected.AsSpan(i * Length, Length).ToArray(), static memory => memory.AsSpan().Fill(0xEE));
                Wait(sender.SendAsync(owners[i]));
            }

            Wait(sender.WaitForCompletionsAsync());
        }

        Wait(received);
        Assert.That(received.Result.Length, Is.EqualTo(expected.Length));
        Assert.That(received.Result.AsSpan().SequenceEqual(expected), Is.True,
                    "the peer received bytes written after a release");
        Assert.That(owners.All(o => o.Disposals == 1), Is.True);
    }

    /// <summary>The same with pooled ZeroCopyBuffers: a buffer comes back from the pool only after its completion, and
    /// the test writes the next message into whatever the pool hands out.</summary>
    [Test]
    public void PooledBuffersComeBackOnlyAfterTheirCompletion()
    {
        const int Count = 48, Length = 128 * 1024;
        using SocketPair pair = TestIo.Tcp(128 * 1024);
        byte[] expected = TestIo.Bytes(Count * Length, 6);
        Task<byte[]> received = ReceiveInBackground(pair.Server, expected.Length, pauseMs: 1);
        using (var sender = new ZeroCopySender(pair.Client, Forced()))
        {
            for (int i = 0; i < Count; i++)
            {
                ZeroCopyBuffer buffer = ZeroCopyBuffer.Rent(Length);
                expected.AsSpan(i * Length, Length).CopyTo(buffer.GetSpan());
                Wait(sender.SendAsync(buffer));
            }
        }

        Wait(received);
        Assert.That(received.Result.AsSpan().SequenceEqual(expected), Is.True);
    }

    [Test]
    public void AZeroCopyBufferIsOutOfReachFromTheHandOverUntilItsCompletion()
    {
        using SocketPair pair = TestIo.Tcp(64 * 1024);
        using var sender = new ZeroCopySender(pair.Client, Forced());
        ZeroCopyBuffer buffer = ZeroCopyBuffer.Rent(Message);
        Memory<byte> kept = buffer.Memory;
        kept.Span.Fill(7);
        Assert.That(buffer.Length, Is.EqualTo(Message));
        Wait(sender.SendAsync(buffer));

        // The peer has not read: the completion cannot have arrived, and every way in throws.
        Assert.Throws<InvalidOperationException>(() => _ = buffer.Memory);
        Assert.Throws<InvalidOperationException>(() => _ = kept.Span);
        Assert.Throws<InvalidOperationException>(() => buffer.GetSpan());
        Assert.Throws<InvalidOperationException>(() => kept.Pin());
        Assert.Throws<InvalidOperationException>(() => sender.SendAsync(buffer), "a second hand-over");
        ((IDisposable)buffer).Dispose(); // does nothing: the sender returns it
        Assert.Throws<InvalidOperationException>(() => _ = kept.Span);

        Assert.That(Drain(pair.Server, Message), Is.EqualTo((long)Message));
        Wait(sender.WaitForCompletionsAsync());
        Assert.Throws<ObjectDisposedException>(() => _ = kept.Span, "back in the pool");

        // A buffer that is not sent goes back with Dispose.
        ZeroCopyBuffer unsent = ZeroCopyBuffer.Rent(100);
        ((IDisposable)unsent).Dispose();
        Assert.Throws<ObjectDisposedException>(() => unsent.GetSpan());
        Assert.Throws<ObjectDisposedException>(() => sender.SendAsync(unsent));
        Assert.Throws<ArgumentOutOfRangeException>(() => ZeroCopyBuffer.Rent(0));
    }

    [Test]
    public void ArgumentAndStateErrorsLeaveTheOwnerWithTheCaller()
    {
        using SocketPair pair = TestIo.Tcp(64 * 1024);
        var sender = new ZeroCopySender(pair.Client, Forced(TimeSpan.FromMilliseconds(200)));
        var owner = new CountingOwner(new byte[1000]);
        Assert.Throws<ArgumentNullException>(() => sender.SendAsync(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => sender.SendAsync(owner, 1001, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => sender.SendAsync(owner, 10, 991));
        Assert.Throws<ArgumentOutOfRangeException>(() => sender.SendAsync(owner, -1, 10));
        Assert.That(owner.Disposals, Is.Zero);

        // A send that waits for room (the peer does not read), and a second send meanwhile.
        var big = new CountingOwner(new byte[16 << 20]);
        ValueTask waiting = sender.SendAsync(big);
        Assert.That(waiting.IsCompleted, Is.False, "16 MiB cannot fit a 64 KiB connection");
        Assert.Throws<InvalidOperationException>(() => sender.SendAsync(owner));
        Assert.That(owner.Disposals, Is.Zero);

        sender.Dispose();
        Fails<ObjectDisposedException>(waiting);
        Assert.Throws<ObjectDisposedException>(() => sender.SendAsync(owner));
        Assert.That(owner.Disposals, Is.Zero);
        // The cancelled send's sent part completes once the peer has read it; then its owner is released.
        pair.Client.Shutdown(SocketShutdown.Send);
        Drain(pair.Server, long.MaxValue);
        Assert.That(Eventually(() => big.Disposals == 1), Is.True, "the big owner is released after its completions");
        Assert.That(big.Disposals, Is.EqualTo(1));

        using (var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            Assert.Throws<ArgumentException>(() => new ZeroCopySender(udp));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new ZeroCopySender(pair.Client, new ZeroCopySenderOptions { Threshold = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZeroCopySender(pair.Client, new ZeroCopySenderOptions { ProbeInterval = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZeroCopySender(pair.Client, new ZeroCopySenderOptions { Mode = (ZeroCopySendMode)7 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZeroCopySender(pair.Client, new ZeroCopySenderOptions { DisposeTimeout = TimeSpan.FromSeconds(-2) }));
    }

    [Test]
    public void AUnixSocketSendsPlainlyAndRefusesTheForcedMode()
    {
        using SocketPair pair = TestIo.Unix();
        var refused = Assert.Throws<ZeroCopyException>(() => new ZeroCopySender(pair.Client, Forced()));
        Assert.That(refused!.Errno, Is.EqualTo(Errno.EOPNOTSUPP));
        Assert.That(refused.Operation, Is.EqualTo("setsockopt(SO_ZEROCOPY)"));

        byte[] data = TestIo.Bytes(Message, 7);
        Task<byte[]> received = ReceiveInBackground(pair.Server, Message);
        using var sender = new ZeroCopySender(pair.Client); // the refused one let go of the socket
        Assert.That(sender.IsZeroCopyAvailable, Is.False);
        var owner = new CountingOwner(data.ToArray());
        Wait(sender.SendAsync(owner));
        Assert.That(owner.Disposals, Is.EqualTo(1));
        Assert.That(sender.Counters.PlainBytes, Is.EqualTo((long)Message));
        Wait(received);
        Assert.That(received.Result, Is.EqualTo(data));
    }

    /// <summary>The kernel numbers a socket's zero-copy sends for the socket's lifetime: a second sender continues
    /// where the first stopped, and a sender waits for the previous one to be done with the socket.</summary>
    [Test]
    public void ASecondSenderOnTheSameSocketContinuesTheNumbering()
    {
        using SocketPair pair = TestIo.Tcp();
        byte[] data = TestIo.Bytes(Message, 8);
        Task<byte[]> received = ReceiveInBackground(pair.Server, 6 * Message);
        for (int round = 0; round < 3; round++)
        {
            using var sender = new ZeroCopySender(pair.Client, Forced());
            Assert.Throws<InvalidOperationException>(() => new ZeroCopySender(pair.Client), "one sender per socket");
            var first = new CountingOwner(data.ToArray());
            var second = new CountingOwner(data.ToArray());
            Wait(sender.SendAsync(first));
            Wait(sender.SendAsync(second));
            Wait(sender.WaitForCompletionsAsync());
            Assert.That(first.Disposals + second.Disposals, Is.EqualTo(2), $"round {round}: completions matched the sends");
        }

        Wait(received);
    }

    /// <summary>A send that the socket takes at once (the common case with a reader that keeps up) allocates nothing on
    /// the caller's thread: the lease, the buffer and the state machines come from pools (in forced mode the lease pool
    /// grows until it covers the most sends ever in flight at once). Sends that wait go through the event loop and the
    /// thread pool, which may allocate now and then; the whole process's figure per send is printed (in forced mode it
    /// includes new pooled buffers while many await their completion).</summary>
    [Test]
    public void SendsTheSocketTakesAtOnceAllocateNothing()
    {
        // Probes every 64 sends, so that the warm-up has met every path (a probe, its completion, the reader's first
        // wait) and made the one-time objects (a waiter per interest, a cancellation registration, the pools).
        const int Warm = 1000, Measured = 3000;
        using SocketPair pair = TestIo.Tcp();
        Task drain = Task.Factory.StartNew(() =>
        {
            var sink = new byte[256 * 1024];
            while (pair.Server.Receive(sink) > 0)
            {
            }
        }, TaskCreationOptions.LongRunning);
        foreach (ZeroCopySendMode mode in new[] { ZeroCopySendMode.Adaptive, ZeroCopySendMode.Forced })
        {
            using var sender = new ZeroCopySender(pair.Client, new ZeroCopySenderOptions { Mode = mode, ProbeInterval = 64 });
            SendAndMeasure(sender, Warm);
            Wait(sender.WaitForCompletionsAsync());
            long before = GC.GetTotalAllocatedBytes(precise: true);
            (int atOnce, long atOnceBytes) = SendAndMeasure(sender, Measured);
            long process = GC.GetTotalAllocatedBytes(precise: true) - before;
            Wait(sender.WaitForCompletionsAsync());
            Report.Figure($"{mode}: {atOnce} of {Measured} sends taken at once, {atOnceBytes} bytes allocated by them; " +
                          $"{(double)process / Measured:0.0} bytes per send in the whole process; {sender.Counters}");
            Assert.That(atOnce, Is.GreaterThan(Measured / 10), "the reader keeps up: most sends complete at once");
            // A zero-copy send's lease waits for its completion after the send (every send when forced, the probes
            // when adaptive), so the lease pool grows whenever more of them than ever before are in flight at once
            // (96 bytes a lease, measured once at 120 bytes over 2,997 adaptive sends); never per send: one object
            // per send would be 24 bytes or more each.
            Assert.That((double)atOnceBytes / atOnce, Is.LessThan(16.0));
        }

        pair.Client.Shutdown(SocketShutdown.Send);
        Wait(drain);
    }

    /// <summary>Sends pooled 64 KiB buffers; returns how many completed within the call, and what those calls allocated
    /// on this thread.</summary>
    private static (int AtOnce, long Bytes) SendAndMeasure(ZeroCopySender sender, int count)
    {
        int atOnce = 0;
        long bytes = 0;
        for (int i = 0; i < count; i++)
        {
            ZeroCopyBuffer buffer = ZeroCopyBuffer.Rent(Message);
            long before = GC.GetAllocatedBytesForCurrentThread();
            ValueTask send = sender.SendAsync(buffer);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (send.IsCompletedSuccessfully)
            {
                atOnce++;
                bytes += allocated;
            }
            else
            {
                Wait(send);
            }
        }

        return (atOnce, bytes);
    }
}
