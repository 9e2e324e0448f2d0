using System;
using System.Net.Sockets;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Async;

/// <summary>
/// The other side goes away mid-transfer: a TCP peer that resets (SO_LINGER 0), a Unix peer that closes, a pipe whose
/// reader closes. The waiting operation wakes and fails with ZeroCopyException (ECONNRESET or EPIPE) carrying the bytes
/// moved before; SIGPIPE never kills the process (each test goes on working afterwards).
/// </summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.PeerReset)]
#pragma warning restore CS0618
public sealed class PeerResetTests
{
    private const int Size = 32 << 20;
    private const int ReadBeforeReset = 1 << 20;

    [Test]
    public void ATcpPeerThatResets_FailsTransferAsync_WithEconnresetOrEpipe_AndTheBytesSent()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", TestIo.Bytes(Size, 901));
        using SocketPair pair = AsyncKit.SmallTcp();
        Task reader = ReadThenReset(pair.Server);

        var error = AsyncKit.Fails<ZeroCopyException>(ZeroCopy.TransferAsync(source, pair.Client.SafeHandle).AsTask(),
                                                      "a transfer to a peer that resets");

        AsyncKit.Succeeds(reader, "the peer");
        AssertBrokenConnection(error, Size);
        AssertTheProcessGoesOn();
    }

    [Test]
    public void ATcpPeerThatResets_FailsSendFileAsync_WithEconnresetOrEpipe_AndTheBytesSent()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", TestIo.Bytes(Size, 902));
        using SocketPair pair = TestIo.Tcp(16 * 1024);
        Task reader = ReadThenReset(pair.Server);

        var error = AsyncKit.Fails<ZeroCopyException>(ZeroCopy.SendFileAsync(source, 0, pair.Client, Size).AsTask(),
                                                      "a sendfile to a peer that resets");

        AsyncKit.Succeeds(reader, "the peer");
        AssertBrokenConnection(error, Size);
        AssertTheProcessGoesOn();
    }

    [Test]
    public void ATcpPeerThatResets_DuringAReadWriteTransfer_LeavesTheSourcePositionAfterTheBytesSent()
    {
        // Read/write reads ahead of what the socket takes (a 128 KiB buffer): after the failure the file position must
        // be after the bytes sent, not after the bytes read, as ZeroCopyException.BytesTransferred says.
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", TestIo.Bytes(Size, 907));
        using SocketPair pair = AsyncKit.SmallTcp();
        Task reader = ReadThenReset(pair.Server);

        var error = AsyncKit.Fails<ZeroCopyException>(
            ZeroCopy.TransferAsync(source, pair.Client.SafeHandle, new TransferOptions { Method = TransferMethod.ReadWrite }).AsTask(),
            "a read/write transfer to a peer that resets");

        AsyncKit.Succeeds(reader, "the peer");
        AssertBrokenConnection(error, Size);
        Assert.That(TestIo.PositionOf(source), Is.EqualTo(error.BytesTransferred), "the source position is after the bytes sent");
    }

    [Test]
    public void ATcpPeerThatResets_FailsARelayBetweenSockets_WithEconnresetOrEpipe()
    {
        using SocketPair near = TestIo.Tcp(16 * 1024);
        using SocketPair far = AsyncKit.SmallTcp();
        near.Server.Blocking = false;
        byte[] data = TestIo.Bytes(8 << 20, 903);
        Task sender = Task.Factory.StartNew(() =>
        {
            near.Client.SendTimeout = 30_000;
            try
            {
                near.Client.Send(data);
            }
            catch (SocketException)
            {
                // The relay stopped reading when it failed: the send times out or is cut when the test disposes.
            }
        }, TaskCreationOptions.LongRunning);
        Task reader = ReadThenReset(far.Server);

        var error = AsyncKit.Fails<ZeroCopyException>(
            ZeroCopy.TransferAsync(near.Server.SafeHandle, far.Client.SafeHandle, new TransferOptions { Count = data.Length }).AsTask(),
            "a relay to a peer that resets");

        AsyncKit.Succeeds(reader, "the peer");
        AssertBrokenConnection(error, data.Length);
        near.Client.Dispose();
        AsyncKit.Finish(sender, "the sender");
    }

    [Test]
    public void AUnixPeerThatCloses_FailsTransferAsync_WithEpipe()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", TestIo.Bytes(Size, 904));
        using SocketPair pair = TestIo.Unix();
        pair.Client.Blocking = false;
        Task reader = Task.Factory.StartNew(() =>
        {
            TestIo.Receive(pair.Server, ReadBeforeReset);
            pair.Server.Close();
        }, TaskCreationOptions.LongRunning);

        var error = AsyncKit.Fails<ZeroCopyException>(ZeroCopy.TransferAsync(source, pair.Client.SafeHandle).AsTask(),
                                                      "a transfer to a Unix peer that closes");

        AsyncKit.Succeeds(reader, "the peer");
        Assert.That(error.Errno, Is.EqualTo(Errno.EPIPE));
        Assert.That(error.BytesTransferred, Is.GreaterThanOrEqualTo(ReadBeforeReset).And.LessThanOrEqualTo(Size));
        AssertTheProcessGoesOn();
    }

    [Test]
    public void APipeReaderThatCloses_FailsWriteAsync_WithEpipe_AndTheBytesWritten()
    {
        using Pipe pipe = Pipe.Create(capacity: 65536);
        byte[] data = TestIo.Bytes(1 << 20, 905);

        Task write = pipe.WriteAsync(data).AsTask();
        AsyncKit.StillWaiting(write, "a write into a full pipe");
        pipe.Reader.Dispose();

        var error = AsyncKit.Fails<ZeroCopyException>(write, "a write into a pipe without reader");
        Assert.That(error.Errno, Is.EqualTo(Errno.EPIPE));
        Assert.That(error.BytesTransferred, Is.EqualTo(65536), "the pipe took its capacity before the reader left");
        AssertTheProcessGoesOn();
    }

    [Test]
    public void APipeReaderThatCloses_FailsTransferAsync_FileToPipe_WithEpipe()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", TestIo.Bytes(1 << 20, 906));
        (SafeFileHandle reader, SafeFileHandle writer) = Reliability.Fds.RawPipe(nonBlocking: true, capacity: 65536);
        using (writer)
        {
            Task<TransferResult> transfer = ZeroCopy.TransferAsync(source, writer).AsTask();
            AsyncKit.StillWaiting(transfer, "a transfer into a full pipe");
            reader.Dispose();

            var error = AsyncKit.Fails<ZeroCopyException>(transfer, "a transfer into a pipe without reader");
            Assert.That(error.Errno, Is.EqualTo(Errno.EPIPE));
            Assert.That(error.BytesTransferred, Is.EqualTo(65536));
        }

        AssertTheProcessGoesOn();
    }

    [Test]
    public void APipeReaderThatCloses_FailsVmSpliceAsync_WithEpipe()
    {
        using Pipe pipe = Pipe.Create(capacity: 65536);
        using PipeBuffer lease = PipeBuffer.Rent(256 * 1024);

        Task splice = AsyncKit.StartWithoutHolding(() => pipe.VmSpliceAsync(lease, 256 * 1024).AsTask(), pipe,
                                                   "VmSpliceAsync into a pipe it fills");
        AsyncKit.StillWaiting(splice, "a vmsplice into a full pipe");
        pipe.Reader.Dispose();

        var error = AsyncKit.Fails<ZeroCopyException>(splice, "a vmsplice into a pipe without reader");
        Assert.That(error.Errno, Is.EqualTo(Errno.EPIPE));
        AssertTheProcessGoesOn();
    }

    /// <summary>On a thread of its own: receives the first bytes, then resets the connection.</summary>
    private static Task ReadThenReset(Socket peer) => Task.Factory.StartNew(() =>
    {
        peer.Blocking = true;
        byte[] head = TestIo.Receive(peer, ReadBeforeReset);
        Assert.That(head.Length, Is.EqualTo(ReadBeforeReset));
        AsyncKit.Reset(peer);
    }, TaskCreationOptions.LongRunning);

    private static void AssertBrokenConnection(ZeroCopyException error, long total)
    {
        Assert.That(error.Errno, Is.EqualTo(Errno.ECONNRESET).Or.EqualTo(Errno.EPIPE), error.Message);
        Assert.That(error.BytesTransferred, Is.GreaterThanOrEqualTo(ReadBeforeReset).And.LessThanOrEqualTo(total),
                    "the bytes moved before the reset: at least what the peer read");
    }

    /// <summary>SIGPIPE did not end the process, and the library still works.</summary>
    private static void AssertTheProcessGoesOn()
    {
        using Pipe pipe = Pipe.Create();
        Task<int> read = pipe.ReadAsync(new byte[8]).AsTask();
        pipe.Write(new byte[] { 1, 2, 3 });
        Assert.That(AsyncKit.Result(read, "a read after the failure"), Is.EqualTo(3));
    }
}
