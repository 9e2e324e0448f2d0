using System;
using System.IO;
using System.Net.Sockets;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Async;

/// <summary>
/// TransferAsync moves every pair kind it handles byte for byte: file to file (in 8 MiB chunks), file to a TCP socket,
/// file to a pipe, pipe to file, socket to file, socket to socket, pipe to pipe, and the stream overloads; it keeps
/// holes, runs each forced method, and refuses a blocking pipe or socket end before anything moves.
/// </summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.Transfers)]
#pragma warning restore CS0618
public sealed class TransferAsyncTests
{
    private const long Chunk = 8L << 20;

    [Test]
    public void FileToFile_InSeveralChunks_WithOffsets_ReportsMonotoneProgressEndingAtTheTotal()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((int)(2 * Chunk + (3 << 20) + 12345), 101);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        const long SourceOffset = 1000, DestinationOffset = 5000;
        long count = data.Length - SourceOffset - 7;
        var progress = new ProgressLog();

        TransferResult result = AsyncKit.Result(ZeroCopy.TransferAsync(source, destination, new TransferOptions
        {
            SourceOffset = SourceOffset, DestinationOffset = DestinationOffset, Count = count, Progress = progress,
        }).AsTask(), "the file copy");

        Assert.That(result.Bytes, Is.EqualTo(count));
        Assert.That(count, Is.GreaterThan(2 * Chunk), "the copy spans three chunks");
        byte[] copy = File.ReadAllBytes(folder.File("dst"));
        Assert.That(copy.Length, Is.EqualTo(DestinationOffset + count));
        AsyncKit.SameBytes(new byte[DestinationOffset], copy.AsSpan(0, (int)DestinationOffset), "before the destination offset");
        AsyncKit.SameBytes(data.AsSpan((int)SourceOffset, (int)count), copy.AsSpan((int)DestinationOffset), "the copied range");
        long[] reports = progress.Values;
        Assert.That(reports.Length, Is.GreaterThanOrEqualTo(1), "progress was reported");
        for (int i = 1; i < reports.Length; i++)
        {
            Assert.That(reports[i], Is.GreaterThanOrEqualTo(reports[i - 1]), $"report {i} went backwards: {string.Join(", ", reports)}");
        }

        Assert.That(reports[^1], Is.EqualTo(count), "the last report is the total");
        Assert.That(reports[0], Is.GreaterThan(0));
        Assert.That(TestIo.PositionOf(source), Is.EqualTo(0), "offsets given: the source position is untouched");
        Assert.That(TestIo.PositionOf(destination), Is.EqualTo(0), "offsets given: the destination position is untouched");
    }

    [Test]
    public void FileToFile_WithoutOffsets_StartsAtAndAdvancesBothPositions()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((int)Chunk + 4097, 102);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        TestIo.Seek(source, 777);
        TestIo.Seek(destination, 333);

        TransferResult result = AsyncKit.Result(ZeroCopy.TransferAsync(source, destination).AsTask(), "the file copy");

        Assert.That(result.Bytes, Is.EqualTo(data.Length - 777));
        Assert.That(result.Method, Is.EqualTo(TransferMethod.CopyFileRange));
        Assert.That(TestIo.PositionOf(source), Is.EqualTo(data.Length), "the source position is after the bytes read");
        Assert.That(TestIo.PositionOf(destination), Is.EqualTo(333 + data.Length - 777), "the destination position is after the bytes written");
        byte[] copy = File.ReadAllBytes(folder.File("dst"));
        AsyncKit.SameBytes(data.AsSpan(777), copy.AsSpan(333), "the copy");
    }

    [Test]
    public void FileToTcpSocket_UsesSendFile_ByteForByte()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((6 << 20) + 333, 103);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using SocketPair pair = AsyncKit.SmallTcp();
        Task<byte[]> received = AsyncKit.ReceiveToEndInBackground(pair.Server);

        TransferResult result = AsyncKit.Result(ZeroCopy.TransferAsync(source, pair.Client.SafeHandle,
                                                new TransferOptions { SourceOffset = 3 }).AsTask(), "file to TCP");
        pair.Client.Shutdown(SocketShutdown.Send);

        Assert.That(result.Bytes, Is.EqualTo(data.Length - 3));
        Assert.That(result.Method, Is.EqualTo(TransferMethod.SendFile));
        AsyncKit.SameBytes(data.AsSpan(3), AsyncKit.Result(received, "the receiver"), "what the peer received");
    }

    [Test]
    public void FileToPipe_ByteForByte_WhileAReaderDrainsItAsynchronously()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((3 << 20) + 5, 104);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using Pipe pipe = Pipe.Create(nonBlocking: true);
        Task<byte[]> drained = AsyncKit.ReadExactlyAsync(pipe, data.Length, 7000);

        TransferResult result = AsyncKit.Result(ZeroCopy.TransferAsync(source, pipe.Writer).AsTask(), "file to pipe");

        Assert.That(result.Bytes, Is.EqualTo(data.Length));
        Assert.That(result.Method, Is.EqualTo(TransferMethod.Splice).Or.EqualTo(TransferMethod.SendFile));
        AsyncKit.SameBytes(data, AsyncKit.Result(drained, "the reader"), "what came out of the pipe");
        Assert.That(TestIo.PositionOf(source), Is.EqualTo(data.Length));
    }

    [Test]
    public void PipeToFile_ByteForByte_UntilTheWriterCloses()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((3 << 20) + 11, 105);
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        using Pipe pipe = Pipe.Create(nonBlocking: true);
        Task producer = Task.Run(async () =>
        {
            for (int at = 0; at < data.Length; at += 100_000)
            {
                await pipe.WriteAsync(data.AsMemory(at, Math.Min(100_000, data.Length - at))).ConfigureAwait(false);
            }

            pipe.CompleteWriting();
        });

        TransferResult result = AsyncKit.Result(ZeroCopy.TransferAsync(pipe.Reader, destination).AsTask(), "pipe to file");

        AsyncKit.Succeeds(producer, "the producer");
        Assert.That(result.Bytes, Is.EqualTo(data.Length));
        Assert.That(result.Method, Is.EqualTo(TransferMethod.Splice));
        AsyncKit.SameBytes(data, File.ReadAllBytes(folder.File("dst")), "the file");
        Assert.That(TestIo.PositionOf(destination), Is.EqualTo(data.Length));
    }

    [Test]
    public void SocketToFile_ByteForByte_UntilThePeerShutsDown()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((4 << 20) + 17, 106);
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        using SocketPair pair = TestIo.Tcp(32 * 1024);
        pair.Server.Blocking = false;
        Task sender = AsyncKit.SendAndShutdownInBackground(pair.Client, data);

        TransferResult result = AsyncKit.Result(ZeroCopy.TransferAsync(pair.Server.SafeHandle, destination,
                                                new TransferOptions { DestinationOffset = 10 }).AsTask(), "socket to file");

        AsyncKit.Succeeds(sender, "the sender");
        Assert.That(result.Bytes, Is.EqualTo(data.Length));
        byte[] file = File.ReadAllBytes(folder.File("dst"));
        AsyncKit.SameBytes(data, file.AsSpan(10), "the file");
    }

    [Test]
    public void SocketToSocket_TcpIntoUnix_ByteForByte()
    {
        byte[] data = TestIo.Bytes((4 << 20) + 19, 107);
        using SocketPair tcp = TestIo.Tcp(32 * 1024);
        using SocketPair unix = TestIo.Unix();
        tcp.Server.Blocking = false;
        unix.Client.Blocking = false;
        Task sender = AsyncKit.SendAndShutdownInBackground(tcp.Client, data);
        Task<byte[]> received = AsyncKit.ReceiveToEndInBackground(unix.Server);

        TransferResult result = AsyncKit.Result(ZeroCopy.TransferAsync(tcp.Server.SafeHandle, unix.Client.SafeHandle).AsTask(),
                                                "socket to socket");
        unix.Client.Shutdown(SocketShutdown.Send);

        AsyncKit.Succeeds(sender, "the sender");
        Assert.That(result.Bytes, Is.EqualTo(data.Length));
        Assert.That(result.Method, Is.EqualTo(TransferMethod.SpliceThroughPipe));
        AsyncKit.SameBytes(data, AsyncKit.Result(received, "the receiver"), "what the far end received");
    }

    [Test]
    public void PipeToPipe_ByteForByte_WithACount()
    {
        byte[] data = TestIo.Bytes((2 << 20) + 23, 108);
        using Pipe first = Pipe.Create(capacity: 16384, nonBlocking: true);
        using Pipe second = Pipe.Create(capacity: 8192, nonBlocking: true);
        Task producer = Task.Run(async () =>
        {
            await first.WriteAsync(data).ConfigureAwait(false);
            await first.WriteAsync(new byte[] { 1, 2, 3 }).ConfigureAwait(false); // beyond the count: stays in the pipe
        });
        Task<byte[]> consumer = AsyncKit.ReadExactlyAsync(second, data.Length, 5000);

        TransferResult result = AsyncKit.Result(ZeroCopy.TransferAsync(first.Reader, second.Writer,
                                                new TransferOptions { Count = data.Length }).AsTask(), "pipe to pipe");

        Assert.That(result.Bytes, Is.EqualTo(data.Length));
        Assert.That(result.Method, Is.EqualTo(TransferMethod.Splice));
        AsyncKit.SameBytes(data, AsyncKit.Result(consumer, "the consumer"), "what came out of the second pipe");
        AsyncKit.Succeeds(producer, "the producer");
        Assert.That(first.BytesAvailable, Is.EqualTo(3), "not a byte beyond the count was taken");
    }

    [Test]
    public void FileStreamToNetworkStream_AdvancesTheFileStreamLikeTheSynchronousTransfer()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((2 << 20) + 29, 109);
        File.WriteAllBytes(folder.File("src"), data);
        using SocketPair asyncPair = TestIo.Tcp(32 * 1024);
        using SocketPair syncPair = TestIo.Tcp(32 * 1024);
        using var asyncSource = new FileStream(folder.File("src"), FileMode.Open, FileAccess.Read, FileShare.Read);
        using var syncSource = new FileStream(folder.File("src"), FileMode.Open, FileAccess.Read, FileShare.Read);
        // Read a little first through each FileStream: its buffer runs ahead of its Position, which must count.
        byte[] head = new byte[100];
        asyncSource.ReadExactly(head);
        syncSource.ReadExactly(head);
        using var asyncNetwork = new NetworkStream(asyncPair.Client, ownsSocket: false);
        using var syncNetwork = new NetworkStream(syncPair.Client, ownsSocket: false);
        Task<byte[]> asyncReceived = AsyncKit.ReceiveToEndInBackground(asyncPair.Server);
        Task<byte[]> syncReceived = AsyncKit.ReceiveToEndInBackground(syncPair.Server);
        const long Count = (1 << 20) + 3;

        TransferResult asyncResult = AsyncKit.Result(ZeroCopy.TransferAsync(asyncSource, asyncNetwork,
                                                     new TransferOptions { Count = Count }).AsTask(), "stream transfer");
        TransferResult syncResult = ZeroCopy.Transfer(syncSource, syncNetwork, new TransferOptions { Count = Count });
        asyncPair.Client.Shutdown(SocketShutdown.Send);
        syncPair.Client.Shutdown(SocketShutdown.Send);

        Assert.That(asyncResult.Bytes, Is.EqualTo(Count));
        Assert.That(asyncResult.Bytes, Is.EqualTo(syncResult.Bytes));
        Assert.That(asyncSource.Position, Is.EqualTo(100 + Count), "the FileStream is left after the bytes moved");
        Assert.That(asyncSource.Position, Is.EqualTo(syncSource.Position), "as the synchronous Transfer leaves it");
        AsyncKit.SameBytes(data.AsSpan(100, (int)Count), AsyncKit.Result(asyncReceived, "the receiver"), "what the peer received");
        AsyncKit.SameBytes(AsyncKit.Result(syncReceived, "the receiver"), AsyncKit.Result(asyncReceived, "the receiver"),
                           "the async and sync transfers sent the same");
        Assert.That(asyncPair.Client.Blocking, Is.True, "the socket's Blocking property is untouched");

        // The FileStream reads on from where the transfer left it.
        byte[] next = new byte[16];
        asyncSource.ReadExactly(next);
        AsyncKit.SameBytes(data.AsSpan((int)(100 + Count), 16), next, "the next read of the FileStream");
    }

    [Test]
    public void NetworkStreamToFileStream_AdvancesTheDestinationAndKeepsItsEarlierWrites()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((2 << 20) + 31, 110);
        using SocketPair pair = TestIo.Tcp(32 * 1024);
        using var network = new NetworkStream(pair.Server, ownsSocket: false);
        using var destination = new FileStream(folder.File("dst"), FileMode.Create, FileAccess.ReadWrite);
        destination.Write(new byte[] { 9, 8, 7 }); // buffered by the FileStream: it must be flushed first
        Task sender = AsyncKit.SendAndShutdownInBackground(pair.Client, data);

        TransferResult result = AsyncKit.Result(ZeroCopy.TransferAsync(network, destination).AsTask(), "stream transfer");

        AsyncKit.Succeeds(sender, "the sender");
        Assert.That(result.Bytes, Is.EqualTo(data.Length));
        Assert.That(destination.Position, Is.EqualTo(3 + data.Length));
        destination.Write(new byte[] { 6 });
        destination.Flush();
        byte[] file = File.ReadAllBytes(folder.File("dst"));
        Assert.That(file.Length, Is.EqualTo(3 + data.Length + 1));
        Assert.That(file[0] == 9 && file[1] == 8 && file[2] == 7 && file[^1] == 6, Is.True, "the stream's own writes around it");
        AsyncKit.SameBytes(data, file.AsSpan(3, data.Length), "the transferred bytes");
    }

    [Test]
    public void ASparseFileKeepsItsHoles_AcrossChunks()
    {
        using TempFolder folder = TestIo.Folder();
        string path = folder.File("sparse");
        TransferOptionsTests.WriteSparse(path, 40L << 20, (1L << 20, 111), (Chunk - 4096, 112), (Chunk, 113), (30L << 20, 114));
        using SafeFileHandle source = TestIo.OpenRead(path);
        using SafeFileHandle destination = TestIo.Create(folder.File("copy"));

        TransferResult result = AsyncKit.Result(ZeroCopy.TransferAsync(source, destination).AsTask(), "the sparse copy");

        Assert.That(result.Bytes, Is.EqualTo(40L << 20));
        Assert.That(new FileInfo(folder.File("copy")).Length, Is.EqualTo(40L << 20), "a trailing hole keeps the length");
        string sourceExtents = AsyncKit.Describe(AsyncKit.DataExtents(source));
        string copyExtents = AsyncKit.Describe(AsyncKit.DataExtents(destination));
        Assert.That(copyExtents, Is.EqualTo(sourceExtents), "the copy's allocated ranges are the source's");
        Assert.That(TransferOptionsTests.FirstData(destination), Is.EqualTo(1L << 20), "the leading hole stayed a hole");
        Assert.That(TransferOptionsTests.SameContent(path, folder.File("copy")), Is.True);
    }

    [TestCase(TransferMethod.CopyFileRange)]
    [TestCase(TransferMethod.SendFile)]
    [TestCase(TransferMethod.Splice)]
    [TestCase(TransferMethod.SpliceThroughPipe)]
    [TestCase(TransferMethod.ReadWrite)]
    public void AForcedMethod_FileToFile_IsTheOneUsed(TransferMethod method)
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((int)Chunk + 65537, 115 + (int)method);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));

        TransferResult result = AsyncKit.Result(ZeroCopy.TransferAsync(source, destination,
                                                new TransferOptions { Method = method }).AsTask(), $"forced {method}");
        TransferResult reference;
        using (SafeFileHandle again = TestIo.OpenRead(folder.File("src")))
        using (SafeFileHandle other = TestIo.Create(folder.File("ref")))
        {
            reference = ZeroCopy.Transfer(again, other, new TransferOptions { Method = method });
        }

        Assert.That(result.Bytes, Is.EqualTo(data.Length));
        Assert.That(result.Method, Is.EqualTo(reference.Method), "the method the synchronous transfer reports");
        Assert.That(result.Method, Is.EqualTo(method == TransferMethod.Splice ? TransferMethod.SpliceThroughPipe : method));
        AsyncKit.SameBytes(data, File.ReadAllBytes(folder.File("dst")), $"the copy by {method}");
    }

    [TestCase(TransferMethod.SendFile)]
    [TestCase(TransferMethod.Splice)]
    [TestCase(TransferMethod.SpliceThroughPipe)]
    [TestCase(TransferMethod.ReadWrite)]
    public void AForcedMethod_FileToSocket_IsTheOneUsed(TransferMethod method)
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((3 << 20) + 41, 121 + (int)method);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using SocketPair pair = AsyncKit.SmallTcp();
        Task<byte[]> received = AsyncKit.ReceiveToEndInBackground(pair.Server);

        TransferResult result = AsyncKit.Result(ZeroCopy.TransferAsync(source, pair.Client.SafeHandle,
                                                new TransferOptions { Method = method }).AsTask(), $"forced {method}");
        pair.Client.Shutdown(SocketShutdown.Send);

        Assert.That(result.Bytes, Is.EqualTo(data.Length));
        Assert.That(result.Method, Is.EqualTo(method == TransferMethod.Splice ? TransferMethod.SpliceThroughPipe : method));
        AsyncKit.SameBytes(data, AsyncKit.Result(received, "the receiver"), $"what {method} sent");
    }

    [Test]
    public void AForcedMethodThatCannotDoThePair_FailsAsTheSynchronousTransferDoes()
    {
        // copy_file_range needs two regular files: forced on a file and a socket, it is refused, with no fallback.
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(100_000, 125);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using SocketPair pair = AsyncKit.SmallTcp();
        var options = new TransferOptions { Method = TransferMethod.CopyFileRange };

        var sync = Assert.Throws<ZeroCopyException>(() => ZeroCopy.Transfer(source, pair.Client.SafeHandle, options))!;
        Exception error = AsyncKit.FailureOf(ZeroCopy.TransferAsync(source, pair.Client.SafeHandle, options).AsTask(),
                                             "forced copy_file_range into a socket", seconds: 10);

        Assert.That(error, Is.TypeOf<ZeroCopyException>(), $"the async transfer: {error}");
        Assert.That(((ZeroCopyException)error).Errno, Is.EqualTo(sync.Errno), "the same errno as the synchronous transfer");
        Assert.That(((ZeroCopyException)error).BytesTransferred, Is.Zero);
        Assert.That(Reliability.Fds.Queued(pair.Server.SafeHandle), Is.Zero, "nothing was sent another way");
    }

    [Test]
    public void ABlockingPipeEnd_IsRefusedWithArgumentException_BeforeAnythingMoves()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", TestIo.Bytes(100_000, 126));
        using SafeFileHandle file = TestIo.Create(folder.File("dst"));
        (SafeFileHandle reader, SafeFileHandle writer) = Reliability.Fds.RawPipe(nonBlocking: false);
        using (reader)
        using (writer)
        {
            // Arguments are judged by the call itself, before it returns a task.
            Exception into = Assert.Throws<ArgumentException>(() => ZeroCopy.TransferAsync(source, writer))!;
            Assert.That(into, Is.TypeOf<ArgumentException>());
            Assert.That(((ArgumentException)into).ParamName, Is.EqualTo("destination"));
            Assert.That(Reliability.Fds.Queued(reader), Is.Zero, "nothing entered the pipe");
            Assert.That(TestIo.PositionOf(source), Is.Zero, "nothing was read");

            ZeroCopy.Transfer(source, writer, new TransferOptions { Count = 10 }); // something to read, synchronously
            Exception outOf = Assert.Throws<ArgumentException>(() => ZeroCopy.TransferAsync(reader, file))!;
            Assert.That(outOf, Is.TypeOf<ArgumentException>());
            Assert.That(((ArgumentException)outOf).ParamName, Is.EqualTo("source"));
            Assert.That(Reliability.Fds.Queued(reader), Is.EqualTo(10), "nothing left the pipe");
            Assert.That(AsyncKit.IsNonBlocking(reader) || AsyncKit.IsNonBlocking(writer), Is.False, "the ends were not switched");
        }
    }

    [Test]
    public void ABlockingSocketHandle_IsRefusedWithArgumentException_BeforeAnythingMoves()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", TestIo.Bytes(100_000, 127));
        using SocketPair pair = TestIo.Tcp();

        Exception error = Assert.Throws<ArgumentException>(() => ZeroCopy.TransferAsync(source, pair.Client.SafeHandle))!;

        Assert.That(error, Is.TypeOf<ArgumentException>());
        Assert.That(((ArgumentException)error).ParamName, Is.EqualTo("destination"));
        Assert.That(pair.Client.Blocking, Is.True);
        Assert.That(AsyncKit.IsNonBlocking(pair.Client.SafeHandle), Is.False, "a raw handle is never switched behind the socket");
        Assert.That(TestIo.PositionOf(source), Is.Zero, "nothing was read");
        Assert.That(Reliability.Fds.Queued(pair.Server.SafeHandle), Is.Zero, "nothing was sent");
    }

    [Test]
    public void ASourceThatEndsEarly_GivesFewerBytesThanTheCount()
    {
        byte[] data = TestIo.Bytes(300_000, 128);
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        using Pipe pipe = Pipe.Create(nonBlocking: true);
        Task producer = Task.Run(async () =>
        {
            await pipe.WriteAsync(data).ConfigureAwait(false);
            pipe.CompleteWriting();
        });

        TransferResult result = AsyncKit.Result(ZeroCopy.TransferAsync(pipe.Reader, destination,
                                                new TransferOptions { Count = 1L << 30 }).AsTask(), "the transfer");

        AsyncKit.Succeeds(producer, "the producer");
        Assert.That(result.Bytes, Is.EqualTo(data.Length));
        AsyncKit.SameBytes(data, File.ReadAllBytes(folder.File("dst")), "the file");
    }
}
