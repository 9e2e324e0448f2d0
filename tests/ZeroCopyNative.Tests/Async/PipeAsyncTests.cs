using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Async;

/// <summary>Pipe's asynchronous methods: ReadAsync, WriteAsync, SpliceFromAsync, SpliceToAsync, VmSpliceAsync, byte for
/// byte, and the switch to non-blocking mode that the first of them makes.</summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.Pipes)]
#pragma warning restore CS0618
public sealed class PipeAsyncTests
{
    [Test]
    public void ReadAsync_WaitsForData_ThenReadsIt_AndGivesZeroAtTheEnd()
    {
        using Pipe pipe = Pipe.Create();
        byte[] buffer = new byte[100];

        Task<int> read = pipe.ReadAsync(buffer).AsTask();
        AsyncKit.StillWaiting(read, "a read of an empty pipe");
        pipe.Write(new byte[] { 10, 20, 30 });

        Assert.That(AsyncKit.Result(read, "the read"), Is.EqualTo(3));
        Assert.That(buffer[0] == 10 && buffer[1] == 20 && buffer[2] == 30, Is.True);
        Assert.That(AsyncKit.Result(pipe.ReadAsync(Memory<byte>.Empty).AsTask(), "an empty read"), Is.Zero);
        Task<int> end = pipe.ReadAsync(buffer).AsTask();
        AsyncKit.StillWaiting(end, "a read of an empty pipe");
        pipe.CompleteWriting();
        Assert.That(AsyncKit.Result(end, "the read at the end"), Is.Zero);
    }

    [Test]
    public void WriteAsync_OfMuchMoreThanTheCapacity_CompletesAsASlowReaderDrains()
    {
        using Pipe pipe = Pipe.Create(capacity: 4096);
        byte[] data = TestIo.Bytes((1 << 20) + 3, 601);

        Task write = pipe.WriteAsync(data).AsTask();
        AsyncKit.StillWaiting(write, "a write larger than the pipe");
        Task<byte[]> read = AsyncKit.ReadExactlyAsync(pipe, data.Length, 1000);

        AsyncKit.Succeeds(write, "the write");
        AsyncKit.SameBytes(data, AsyncKit.Result(read, "the reader"), "what was read");
    }

    [Test]
    public void SpliceFromAsync_AFileAtAnOffset_AndASocketThatIsSilentAtFirst()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(300_000, 602);
        using SafeFileHandle file = AsyncKit.SourceFile(folder, "src", data);
        using Pipe pipe = Pipe.Create(capacity: 8192);
        Task<byte[]> read = AsyncKit.ReadExactlyAsync(pipe, 200_000 + 50_000);

        Assert.That(AsyncKit.Result(pipe.SpliceFromAsync(file, 1000, 200_000).AsTask(), "splice from the file"), Is.EqualTo(200_000));
        Assert.That(TestIo.PositionOf(file), Is.Zero);

        using SocketPair pair = TestIo.Unix();
        pair.Server.Blocking = false;
        Task<long> fromSocket = pipe.SpliceFromAsync(pair.Server.SafeHandle, null, 50_000).AsTask();
        AsyncKit.StillWaiting(fromSocket, "a splice from a silent socket");
        pair.Client.Send(data.AsSpan(0, 50_000));

        Assert.That(AsyncKit.Result(fromSocket, "splice from the socket"), Is.EqualTo(50_000));
        byte[] all = AsyncKit.Result(read, "the reader");
        AsyncKit.SameBytes(data.AsSpan(1000, 200_000), all.AsSpan(0, 200_000), "from the file");
        AsyncKit.SameBytes(data.AsSpan(0, 50_000), all.AsSpan(200_000), "from the socket");
    }

    [Test]
    public void SpliceToAsync_ASocketThatIsFull_AndAFileAtItsPosition()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((2 << 20) + 7, 603);
        using Pipe pipe = Pipe.Create();
        using SocketPair pair = AsyncKit.SmallTcp();
        Task producer = Task.Run(async () => await pipe.WriteAsync(data).ConfigureAwait(false));

        Task<long> toSocket = pipe.SpliceToAsync(pair.Client.SafeHandle, null, 1 << 20).AsTask();
        AsyncKit.WaitUntilFull(pair.Client.SafeHandle, "the socket");
        AsyncKit.StillWaiting(toSocket, "a splice into a full socket");
        Task<byte[]> received = Task.Factory.StartNew(() => TestIo.Receive(pair.Server, 1 << 20), TaskCreationOptions.LongRunning);
        Assert.That(AsyncKit.Result(toSocket, "splice to the socket"), Is.EqualTo(1 << 20));
        AsyncKit.SameBytes(data.AsSpan(0, 1 << 20), AsyncKit.Result(received, "the receiver"), "what the peer received");

        using SafeFileHandle file = TestIo.Create(folder.File("dst"));
        TestIo.Seek(file, 5);
        long rest = data.Length - (1 << 20);
        Assert.That(AsyncKit.Result(pipe.SpliceToAsync(file, null, rest).AsTask(), "splice to the file"), Is.EqualTo(rest));
        AsyncKit.Succeeds(producer, "the producer");
        Assert.That(TestIo.PositionOf(file), Is.EqualTo(5 + rest));
        AsyncKit.SameBytes(data.AsSpan(1 << 20), File.ReadAllBytes(folder.File("dst")).AsSpan(5), "the file");
    }

    [Test]
    public void SpliceToAsync_AFile_WhileAProducerKeepsRefillingTheEmptyPipe_NeverWaitsOnTheFile()
    {
        // Each time the consumer empties the pipe, splice answers EAGAIN, and the library asks which end was short.
        // When the producer's next write lands between the two, both ends are ready: the file must not be waited on
        // (epoll refuses a regular file with EPERM), the splice is simply made again. Thousands of such windows.
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(16 << 20, 605);
        using Pipe pipe = Pipe.Create(nonBlocking: true);
        using SafeFileHandle file = TestIo.Create(folder.File("dst"));
        Task producer = Task.Factory.StartNew(() =>
        {
            for (int at = 0; at < data.Length; at += 4096)
            {
                pipe.Write(data.AsSpan(at, 4096));
                Thread.SpinWait(at / 4096 % 7 * 50);
            }
        }, TaskCreationOptions.LongRunning);

        Assert.That(AsyncKit.Result(pipe.SpliceToAsync(file, null, data.Length).AsTask(), "splice to the file"),
                    Is.EqualTo(data.Length));
        AsyncKit.Succeeds(producer, "the producer");
        AsyncKit.SameBytes(data, File.ReadAllBytes(folder.File("dst")), "the file");
    }

    [Test]
    public void VmSpliceAsync_HandsALeaseOver_WaitingWhileThePipeIsFull_AndTheLeaseUnlocksOnceDrained()
    {
        using Pipe pipe = Pipe.Create(capacity: 16384);
        using PipeBuffer lease = PipeBuffer.Rent(256 * 1024);
        byte[] data = TestIo.Bytes(200_000, 604);
        data.CopyTo(lease.Span);

        Task splice = AsyncKit.StartWithoutHolding(() => pipe.VmSpliceAsync(lease, data.Length).AsTask(), pipe,
                                                   "VmSpliceAsync into a pipe it fills");
        AsyncKit.StillWaiting(splice, "a vmsplice larger than the pipe");
        Assert.That(lease.IsLocked, Is.True, "the pipe holds its pages");
        Task<byte[]> read = AsyncKit.ReadExactlyAsync(pipe, data.Length, 10_000);

        AsyncKit.Succeeds(splice, "the vmsplice");
        AsyncKit.SameBytes(data, AsyncKit.Result(read, "the reader"), "what was read");
        Assert.That(AsyncKit.Eventually(() => !lease.IsLocked, 10), Is.True, "a drained pipe unlocks the lease");
    }

    [Test]
    public void TheFirstAsyncCallSwitchesBothEnds_AndTheSynchronousMethodsStillWait()
    {
        using Pipe pipe = Pipe.Create();
        Assert.That(AsyncKit.IsNonBlocking(pipe.Reader) || AsyncKit.IsNonBlocking(pipe.Writer), Is.False);

        pipe.WriteAsync(new byte[] { 1 }).AsTask().Wait(TimeSpan.FromSeconds(30));
        Assert.That(AsyncKit.IsNonBlocking(pipe.Reader) && AsyncKit.IsNonBlocking(pipe.Writer), Is.True, "both ends switched");
        Assert.That(pipe.Read(new byte[1]), Is.EqualTo(1));

        // A synchronous Read of the now non-blocking, empty pipe still waits for data instead of failing with EAGAIN.
        using var writeLater = new Timer(_ => pipe.Write(new byte[] { 42 }), null, 200, Timeout.Infinite);
        byte[] one = new byte[1];
        Task<int> read = Task.Factory.StartNew(() => pipe.Read(one), TaskCreationOptions.LongRunning);
        Assert.That(AsyncKit.Result(read, "the synchronous read"), Is.EqualTo(1));
        Assert.That(one[0], Is.EqualTo(42));
    }

    [Test]
    public void ABlockingSocket_IsRefusedBySpliceFromAsyncAndSpliceToAsync()
    {
        using Pipe pipe = Pipe.Create();
        using SocketPair pair = TestIo.Tcp();
        pipe.Write(new byte[] { 1, 2 });

        var from = Assert.Throws<ArgumentException>(() => pipe.SpliceFromAsync(pair.Server.SafeHandle, null, 10))!;
        var to = Assert.Throws<ArgumentException>(() => pipe.SpliceToAsync(pair.Client.SafeHandle, null, 2))!;

        Assert.That(from.ParamName, Is.EqualTo("source"));
        Assert.That(to.ParamName, Is.EqualTo("destination"));
        Assert.That(pipe.BytesAvailable, Is.EqualTo(2), "nothing moved");
        Assert.That(pair.Server.Available, Is.Zero);
    }
}
