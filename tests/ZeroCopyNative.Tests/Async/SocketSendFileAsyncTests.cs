using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Async;

/// <summary>SendFileAsync: ranges byte for byte over TCP and Unix sockets, many senders sharing one file, datagram
/// sockets, and a socket that keeps working both ways afterwards.</summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.SendFile)]
#pragma warning restore CS0618
public sealed class SocketSendFileAsyncTests
{
    [Test]
    public void ARangeArrivesByteForByte_OverTcpAndUnix_AndACountPastTheEndStopsAtTheEnd()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((5 << 20) + 4321, 201);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        TestIo.Seek(source, 99);
        foreach (SocketPair pair in new[] { TestIo.Tcp(16 * 1024), TestIo.Unix() })
        {
            using (pair)
            {
                Task<byte[]> received = AsyncKit.ReceiveToEndInBackground(pair.Server);
                long sent = AsyncKit.Result(ZeroCopy.SendFileAsync(source, 12345, pair.Client, 1L << 40).AsTask(), "sendfile");
                pair.Client.Shutdown(SocketShutdown.Send);

                Assert.That(sent, Is.EqualTo(data.Length - 12345), "the file ended before the count");
                AsyncKit.SameBytes(data.AsSpan(12345), AsyncKit.Result(received, "the receiver"), $"{pair.Client.AddressFamily}");
                Assert.That(TestIo.PositionOf(source), Is.EqualTo(99), "the file position is never changed");
            }
        }
    }

    [Test]
    public void SixteenSendersShareOneFile_EachPeerGetsItsOwnRange()
    {
        const int Senders = 16;
        const int Range = 700_001;
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Senders * Range, 202);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        var pairs = new SocketPair[Senders];
        var sends = new Task<long>[Senders];
        var receivers = new Task<byte[]>[Senders];
        try
        {
            for (int i = 0; i < Senders; i++)
            {
                pairs[i] = i % 2 == 0 ? TestIo.Tcp(16 * 1024) : TestIo.Unix();
                sends[i] = ZeroCopy.SendFileAsync(source, (long)i * Range, pairs[i].Client, Range).AsTask();
            }

            for (int i = 0; i < Senders; i++)
            {
                receivers[i] = AsyncKit.ReceiveToEndInBackground(pairs[i].Server);
            }

            for (int i = 0; i < Senders; i++)
            {
                Assert.That(AsyncKit.Result(sends[i], $"sender {i}"), Is.EqualTo(Range));
                pairs[i].Client.Shutdown(SocketShutdown.Send);
                AsyncKit.SameBytes(data.AsSpan(i * Range, Range), AsyncKit.Result(receivers[i], $"receiver {i}"), $"peer {i}");
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
    public void AConnectedDatagramSocket_GetsTheRangeAsADatagram()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(5000, 203);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        sender.Connect(receiver.LocalEndPoint!);
        receiver.ReceiveTimeout = 30_000;

        long sent = AsyncKit.Result(ZeroCopy.SendFileAsync(source, 100, sender, 1000).AsTask(), "sendfile to UDP");

        Assert.That(sent, Is.EqualTo(1000));
        byte[] datagram = new byte[4096];
        int length = receiver.Receive(datagram);
        AsyncKit.SameBytes(data.AsSpan(100, 1000), datagram.AsSpan(0, length), "the datagram");
        Assert.That(receiver.Available, Is.Zero, "no empty datagram was sent to switch the socket");
    }

    [Test]
    public void AfterwardsTheSocketWorksSynchronouslyAndAsynchronously_AndAZeroCountSendsNothing()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(300_000, 204);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using SocketPair pair = TestIo.Tcp(16 * 1024);

        Assert.That(AsyncKit.Result(ZeroCopy.SendFileAsync(source, 0, pair.Client, 0).AsTask(), "a zero count"), Is.Zero);
        Task<byte[]> received = AsyncKit.ReceiveToEndInBackground(pair.Server);
        Assert.That(AsyncKit.Result(ZeroCopy.SendFileAsync(source, 0, pair.Client, data.Length).AsTask(), "sendfile"),
                    Is.EqualTo(data.Length));
        pair.Client.Send(new byte[] { 1, 2 });
        Assert.That(AsyncKit.Result(pair.Client.SendAsync(new byte[] { 3 }, SocketFlags.None), "SendAsync"), Is.EqualTo(1));
        pair.Client.Shutdown(SocketShutdown.Send);

        byte[] all = AsyncKit.Result(received, "the receiver");
        Assert.That(all.Length, Is.EqualTo(data.Length + 3));
        AsyncKit.SameBytes(data, all.AsSpan(0, data.Length), "the file");
        Assert.That(all[^3] == 1 && all[^2] == 2 && all[^1] == 3, Is.True, "the socket's own sends follow, in order");
        Assert.That(pair.Client.Blocking, Is.True, "Blocking is unchanged");
    }
}
