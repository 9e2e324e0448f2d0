using System;
using System.IO;
using System.Net.Sockets;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Async;

/// <summary>SpliceAsync: a pipe and a file, socket or pipe, waiting for whichever end is not ready, byte for byte;
/// the kernel alone judges the pair (no pipe in between).</summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.Splice)]
#pragma warning restore CS0618
public sealed class SpliceAsyncTests
{
    [Test]
    public void FileToPipe_AtAnOffset_LeavesTheFilePositionAlone()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((2 << 20) + 77, 301);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using Pipe pipe = Pipe.Create(capacity: 16384, nonBlocking: true);
        const int Offset = 4099;
        int count = data.Length - Offset - 50;
        Task<byte[]> drained = AsyncKit.ReadExactlyAsync(pipe, count, 3000);

        long moved = AsyncKit.Result(ZeroCopy.SpliceAsync(source, Offset, pipe.Writer, null, count).AsTask(), "splice file to pipe");

        Assert.That(moved, Is.EqualTo(count));
        AsyncKit.SameBytes(data.AsSpan(Offset, count), AsyncKit.Result(drained, "the reader"), "what left the pipe");
        Assert.That(TestIo.PositionOf(source), Is.Zero);
    }

    [Test]
    public void PipeToTcpSocket_ByteForByte_WaitingOnTheSocket()
    {
        byte[] data = TestIo.Bytes((3 << 20) + 5, 302);
        using Pipe pipe = Pipe.Create(nonBlocking: true);
        using SocketPair pair = AsyncKit.SmallTcp();
        Task producer = Task.Run(async () => await pipe.WriteAsync(data).ConfigureAwait(false));
        Task<byte[]> received = AsyncKit.ReceiveToEndInBackground(pair.Server);

        long moved = AsyncKit.Result(ZeroCopy.SpliceAsync(pipe.Reader, null, pair.Client.SafeHandle, null, data.Length,
                                                          SpliceOptions.More).AsTask(), "splice pipe to socket");
        pair.Client.Shutdown(SocketShutdown.Send);

        AsyncKit.Succeeds(producer, "the producer");
        Assert.That(moved, Is.EqualTo(data.Length));
        AsyncKit.SameBytes(data, AsyncKit.Result(received, "the receiver"), "what the peer received");
    }

    [Test]
    public void SocketToPipe_WaitsForTheSenderThenMovesTheCount()
    {
        byte[] data = TestIo.Bytes(200_000, 303);
        using Pipe pipe = Pipe.Create(nonBlocking: true);
        using SocketPair pair = TestIo.Unix();
        pair.Server.Blocking = false;
        Task<byte[]> drained = AsyncKit.ReadExactlyAsync(pipe, data.Length);

        Task<long> splice = ZeroCopy.SpliceAsync(pair.Server.SafeHandle, null, pipe.Writer, null, data.Length).AsTask();
        AsyncKit.StillWaiting(splice, "a splice from a silent socket");
        pair.Client.Send(data);

        Assert.That(AsyncKit.Result(splice, "splice socket to pipe"), Is.EqualTo(data.Length));
        AsyncKit.SameBytes(data, AsyncKit.Result(drained, "the reader"), "what left the pipe");
    }

    [Test]
    public void PipeToFile_WithoutAnOffset_AdvancesTheFilePosition_AndStopsWhenTheWriterCloses()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(500_001, 304);
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        TestIo.Seek(destination, 10);
        using Pipe pipe = Pipe.Create(nonBlocking: true);
        Task producer = Task.Run(async () =>
        {
            await pipe.WriteAsync(data).ConfigureAwait(false);
            pipe.CompleteWriting();
        });

        long moved = AsyncKit.Result(ZeroCopy.SpliceAsync(pipe.Reader, null, destination, null, 1L << 30).AsTask(), "splice pipe to file");

        AsyncKit.Succeeds(producer, "the producer");
        Assert.That(moved, Is.EqualTo(data.Length), "the writer closed before the count");
        Assert.That(TestIo.PositionOf(destination), Is.EqualTo(10 + data.Length));
        AsyncKit.SameBytes(data, File.ReadAllBytes(folder.File("dst")).AsSpan(10), "the file");
    }

    [Test]
    public void NeitherEndAPipe_IsTheKernelsEinval_AndNothingMoves()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", TestIo.Bytes(10_000, 305));
        using SocketPair pair = AsyncKit.SmallTcp();

        var error = AsyncKit.Fails<ZeroCopyException>(
            ZeroCopy.SpliceAsync(source, 0, pair.Client.SafeHandle, null, 10_000).AsTask(), "splice file to socket");

        Assert.That(error.Errno, Is.EqualTo(Errno.EINVAL));
        Assert.That(error.BytesTransferred, Is.Zero);
        Assert.That(Reliability.Fds.Queued(pair.Server.SafeHandle), Is.Zero);
    }

    [Test]
    public void ABlockingSocketEnd_IsRefusedWithArgumentException_BeforeAnythingMoves()
    {
        using Pipe pipe = Pipe.Create(nonBlocking: true);
        pipe.Write(new byte[] { 1, 2, 3 });
        using SocketPair pair = TestIo.Tcp();

        Exception error = Assert.Throws<ArgumentException>(() => ZeroCopy.SpliceAsync(pipe.Reader, null, pair.Client.SafeHandle, null, 3))!;

        Assert.That(error, Is.TypeOf<ArgumentException>());
        Assert.That(pipe.BytesAvailable, Is.EqualTo(3), "nothing left the pipe");
    }
}
