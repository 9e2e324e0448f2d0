using System;
using System.IO;
using System.IO.Pipes;
using System.Net.Sockets;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Transfers;

[NonParallelizable]
public sealed class TransferTests
{
    private const int Size = (2 * 1024 * 1024) + 4099;

    [SetUp]
    public void ForgetCapabilities() => TransferCapabilities.Reset();

    [TestCase(null, TransferMethod.CopyFileRange)]
    [TestCase(TransferMethod.SendFile, TransferMethod.SendFile)]
    [TestCase(TransferMethod.Splice, TransferMethod.SpliceThroughPipe)] // no pipe end: direct splice does not apply
    [TestCase(TransferMethod.SpliceThroughPipe, TransferMethod.SpliceThroughPipe)]
    [TestCase(TransferMethod.ReadWrite, TransferMethod.ReadWrite)]
    public void FileToFileByEveryMethodFromThePositionsAndAdvancingThem(TransferMethod? start, TransferMethod expected)
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Size, 41);
        File.WriteAllBytes(folder.File("src"), data);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        TestIo.Seek(source, 333);
        TestIo.Seek(destination, 10);
        TransferResult result = start == null ? ZeroCopy.Transfer(source, destination)
                                              : TestIo.TransferVia(source, destination, start: start).Result;

        Assert.That(result, Is.EqualTo(new TransferResult(Size - 333, expected)));
        Assert.That(TestIo.PositionOf(source), Is.EqualTo(Size));
        Assert.That(TestIo.PositionOf(destination), Is.EqualTo(10 + Size - 333));
        byte[] written = File.ReadAllBytes(folder.File("dst"));
        Assert.That(written.AsSpan(10).ToArray(), Is.EqualTo(data.AsSpan(333).ToArray()));
    }

    [TestCase(TransferMethod.CopyFileRange, TransferMethod.SendFile)]
    [TestCase(TransferMethod.SendFile, TransferMethod.SpliceThroughPipe)]
    [TestCase(TransferMethod.SpliceThroughPipe, TransferMethod.ReadWrite)]
    public void ARefusalPartWayFallsBackWithoutLosingOrRepeatingAByte(TransferMethod start, TransferMethod next)
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Size, 42);
        File.WriteAllBytes(folder.File("src"), data);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        // The first step moves 1_000_003 bytes (not page-aligned on purpose), then counts as refused.
        (TransferResult result, int used) = TestIo.TransferVia(source, destination, Size - 5, start, refuseAfter: 1_000_003);

        Assert.That(result, Is.EqualTo(new TransferResult(Size - 5, next)));
        Assert.That(used, Is.EqualTo((1 << (int)start) | (1 << (int)next)));
        Assert.That(File.ReadAllBytes(folder.File("dst")), Is.EqualTo(data.AsSpan(0, Size - 5).ToArray()));
        Assert.That(TestIo.PositionOf(source), Is.EqualTo(Size - 5));
    }

    [Test]
    public void PipeSourceSplicesDirectlyAndFallsBackToReadWritePartWay()
    {
        byte[] data = TestIo.Bytes(Size, 43);
        foreach (long? refuseAfter in new long?[] { null, 100_001 })
        {
            using TempFolder folder = TestIo.Folder();
            using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
            using Pipe pipe = Pipe.Create();
            Task writer = Task.Factory.StartNew(() =>
            {
                pipe.Write(data);
                pipe.CompleteWriting();
            }, TaskCreationOptions.LongRunning);
            TransferResult result = TestIo.TransferVia(pipe.Reader, destination, refuseAfter: refuseAfter).Result;

            Assert.That(writer.Wait(TimeSpan.FromSeconds(60)), Is.True);
            Assert.That(result.Bytes, Is.EqualTo(Size));
            Assert.That(result.Method, Is.EqualTo(refuseAfter.HasValue ? TransferMethod.ReadWrite : TransferMethod.Splice));
            Assert.That(File.ReadAllBytes(folder.File("dst")), Is.EqualTo(data));
        }
    }

    [Test]
    public void FileToPipeUsesSendFileAndForcedSplice()
    {
        byte[] data = TestIo.Bytes(Size, 44);
        foreach (TransferMethod? start in new TransferMethod?[] { null, TransferMethod.Splice })
        {
            using SafeFileHandle source = TestIo.MemFd("to-pipe", data);
            using Pipe pipe = Pipe.Create();
            var reader = Task.Factory.StartNew(() => TestIo.ReadPipe(pipe, Size), TaskCreationOptions.LongRunning);
            TransferResult result = TestIo.TransferVia(source, pipe.Writer, start: start).Result;

            Assert.That(result, Is.EqualTo(new TransferResult(Size, start ?? TransferMethod.SendFile)));
            Assert.That(TestIo.Await(reader), Is.EqualTo(data));
            Assert.That(TestIo.PositionOf(source), Is.EqualTo(Size));
        }
    }

    [Test]
    public void FileToTcpUsesSendFileAndTcpToFileSplicesThroughAPipe()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Size, 45);
        File.WriteAllBytes(folder.File("src"), data);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        using SocketPair pair = TestIo.Tcp();
        Task<TransferResult> receiving = Task.Factory.StartNew(() => ZeroCopy.Transfer(pair.Server.SafeHandle, destination),
                                                               TaskCreationOptions.LongRunning);

        TransferResult sent = ZeroCopy.Transfer(source, pair.Client.SafeHandle);
        pair.Client.Shutdown(SocketShutdown.Send);

        Assert.That(sent, Is.EqualTo(new TransferResult(Size, TransferMethod.SendFile)));
        Assert.That(TestIo.Await(receiving), Is.EqualTo(new TransferResult(Size, TransferMethod.SpliceThroughPipe)));
        Assert.That(File.ReadAllBytes(folder.File("dst")), Is.EqualTo(data));
    }

    [Test]
    public void SocketToSocketSplicesThroughAPipeAndForcedReadWriteWorksToo()
    {
        byte[] data = TestIo.Bytes(Size, 46);
        foreach (TransferMethod? start in new TransferMethod?[] { null, TransferMethod.ReadWrite })
        {
            using SocketPair inbound = TestIo.Unix();
            using SocketPair outbound = TestIo.Tcp();
            Task sender = Task.Factory.StartNew(() =>
            {
                inbound.Client.Send(data);
                inbound.Client.Shutdown(SocketShutdown.Send);
            }, TaskCreationOptions.LongRunning);
            var received = TestIo.ReceiveInBackground(outbound.Server, Size);
            TransferResult result = TestIo.TransferVia(inbound.Server.SafeHandle, outbound.Client.SafeHandle, start: start).Result;

            Assert.That(sender.Wait(TimeSpan.FromSeconds(60)), Is.True);
            Assert.That(result, Is.EqualTo(new TransferResult(Size, start ?? TransferMethod.SpliceThroughPipe)));
            Assert.That(TestIo.Await(received), Is.EqualTo(data));
        }
    }

    [Test]
    public void AnAppendDestinationGetsTheBytesAtItsEnd()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(500_000, 47);
        File.WriteAllBytes(folder.File("src"), data);
        File.WriteAllBytes(folder.File("dst"), new byte[] { 9, 9, 9 });
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle destination = TestIo.OpenNative(folder.File("dst"), OpenFlags.WRONLY | OpenFlags.APPEND);

        TransferResult result = ZeroCopy.Transfer(source, destination, 400_000);

        Assert.That(result, Is.EqualTo(new TransferResult(400_000, TransferMethod.ReadWrite)));
        byte[] written = File.ReadAllBytes(folder.File("dst"));
        Assert.That(written.AsSpan(0, 3).ToArray(), Is.EqualTo(new byte[] { 9, 9, 9 }));
        Assert.That(written.AsSpan(3).ToArray(), Is.EqualTo(data.AsSpan(0, 400_000).ToArray()));
    }

    [Test]
    public void ACrossFilesystemCopyFallsBackAndIsRemembered()
    {
        byte[] data = TestIo.Bytes(300_000, 48);
        using SafeFileHandle source = TestIo.MemFd("cross-fs", data);
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));

        (TransferResult result, int used) = TestIo.TransferVia(source, destination);

        Assert.That(result.Bytes, Is.EqualTo(data.Length));
        Assert.That(File.ReadAllBytes(folder.File("dst")), Is.EqualTo(data));
        // memfd (shmem) to ext4: copy_file_range answers EXDEV and sendfile takes over; the pair is remembered.
        Assert.That(result.Method, Is.EqualTo(TransferMethod.SendFile));
        Assert.That(used, Is.EqualTo(1 << (int)TransferMethod.SendFile));
        Assert.That(TransferCapabilities.IsCrossDeviceRefused(TestIo.DeviceOf(source), TestIo.DeviceOf(destination)), Is.True);
    }

    [Test]
    public void AProcFileThatHidesItsSizeIsCopiedCompletely()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle source = TestIo.OpenRead("/proc/self/mounts");
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        byte[] expected = File.ReadAllBytes("/proc/self/mounts");

        TransferResult result = ZeroCopy.Transfer(source, destination);

        Assert.That(result.Bytes, Is.EqualTo(expected.Length).And.GreaterThan(0));
        Assert.That(result.Method, Is.Not.EqualTo(TransferMethod.CopyFileRange), "0 bytes on the first call means unsupported");
        Assert.That(File.ReadAllBytes(folder.File("dst")), Is.EqualTo(expected));
    }

    [Test]
    public void StreamsAreTransferredFromAndToTheirPositions()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Size, 49);
        File.WriteAllBytes(folder.File("src"), data);
        using var source = new FileStream(folder.File("src"), FileMode.Open, FileAccess.Read);
        using var destination = new FileStream(folder.File("dst"), FileMode.Create, FileAccess.ReadWrite);
        source.Position = 1000;
        Assert.That(source.ReadByte(), Is.EqualTo(data[1000]), "a buffered read moves the logical position to 1001");
        destination.Write(new byte[] { 1, 2, 3 }); // still in the FileStream's buffer

        TransferResult result = ZeroCopy.Transfer(source, destination, 2_000_000);

        Assert.That(result, Is.EqualTo(new TransferResult(2_000_000, TransferMethod.CopyFileRange)));
        Assert.That(source.Position, Is.EqualTo(2_001_001));
        Assert.That(destination.Position, Is.EqualTo(2_000_003));
        Assert.That(source.ReadByte(), Is.EqualTo(data[2_001_001]), "the source stream continues where the transfer stopped");
        destination.Write(new byte[] { 7 });
        destination.Flush();
        byte[] written = File.ReadAllBytes(folder.File("dst"));
        Assert.That(written.Length, Is.EqualTo(2_000_004));
        Assert.That(written.AsSpan(0, 3).ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(written.AsSpan(3, 2_000_000).ToArray(), Is.EqualTo(data.AsSpan(1001, 2_000_000).ToArray()));
        Assert.That(written[^1], Is.EqualTo(7));
    }

    [Test]
    public void NetworkStreamsAndPipeStreamsUseTheirDescriptors()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Size, 50);
        File.WriteAllBytes(folder.File("src"), data);
        using var source = new FileStream(folder.File("src"), FileMode.Open, FileAccess.Read);
        using SocketPair pair = TestIo.Tcp();
        using var network = new NetworkStream(pair.Client, ownsSocket: false);
        var received = TestIo.ReceiveInBackground(pair.Server, Size);
        Assert.That(ZeroCopy.Transfer(source, network), Is.EqualTo(new TransferResult(Size, TransferMethod.SendFile)));
        Assert.That(TestIo.Await(received), Is.EqualTo(data));
        Assert.That(source.Position, Is.EqualTo(Size));

        using var pipeServer = new AnonymousPipeServerStream(PipeDirection.Out);
        using var pipeClient = new AnonymousPipeClientStream(PipeDirection.In, pipeServer.ClientSafePipeHandle);
        using var destination = new FileStream(folder.File("dst"), FileMode.Create, FileAccess.Write);
        Task writer = Task.Factory.StartNew(() =>
        {
            pipeServer.Write(data);
            pipeServer.Dispose();
        }, TaskCreationOptions.LongRunning);
        Assert.That(ZeroCopy.Transfer(pipeClient, destination), Is.EqualTo(new TransferResult(Size, TransferMethod.Splice)));
        Assert.That(writer.Wait(TimeSpan.FromSeconds(60)), Is.True);
        Assert.That(destination.Position, Is.EqualTo(Size));
        destination.Flush();
        Assert.That(File.ReadAllBytes(folder.File("dst")), Is.EqualTo(data));
    }

    [Test]
    public void StreamsWithoutADescriptorAreCopied()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(300_000, 51);
        using var source = new MemoryStream(data);
        using var destination = new FileStream(folder.File("dst"), FileMode.Create, FileAccess.ReadWrite);
        source.Position = 5;
        Assert.That(ZeroCopy.Transfer(source, destination, 200_000), Is.EqualTo(new TransferResult(200_000, TransferMethod.StreamCopy)));
        Assert.That(source.Position, Is.EqualTo(200_005));
        Assert.That(destination.Position, Is.EqualTo(200_000));
        destination.Flush();
        Assert.That(File.ReadAllBytes(folder.File("dst")), Is.EqualTo(data.AsSpan(5, 200_000).ToArray()));
    }

    [Test]
    public void ZeroCountMovesNothingAndAnEmptySourceEndsAtOnce()
    {
        using TempFolder folder = TestIo.Folder();
        File.WriteAllBytes(folder.File("src"), new byte[10]);
        File.WriteAllBytes(folder.File("empty"), Array.Empty<byte>());
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle empty = TestIo.OpenRead(folder.File("empty"));
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        Assert.That(ZeroCopy.Transfer(source, destination, 0), Is.EqualTo(new TransferResult(0, TransferMethod.None)));
        Assert.That(ZeroCopy.Transfer(empty, destination).Bytes, Is.EqualTo(0));
        Assert.That(TestIo.PositionOf(destination), Is.EqualTo(0));
    }

    [Test]
    public void NoSpaceFailsWithTheBytesWrittenSoFar()
    {
        using TempFolder folder = TestIo.Folder();
        File.WriteAllBytes(folder.File("src"), TestIo.Bytes(100_000, 52));
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle full = File.OpenHandle("/dev/full", FileMode.Open, FileAccess.Write);
        foreach (TransferMethod? start in new TransferMethod?[] { null, TransferMethod.ReadWrite })
        {
            var error = Assert.Throws<ZeroCopyException>(() => TestIo.TransferVia(source, full, start: start))!;
            Assert.That(error.Errno, Is.EqualTo(Errno.ENOSPC));
            Assert.That(error.BytesTransferred, Is.EqualTo(0));
            // /dev/full refuses sendfile and splice (EINVAL), so the chain reaches write(2), which reports ENOSPC.
            Assert.That(error.Operation, Is.EqualTo("write"));
            TestIo.Seek(source, 0);
        }
    }

    [Test]
    public void BadArgumentsClosedHandlesAndDisposedStreams()
    {
        using TempFolder folder = TestIo.Folder();
        File.WriteAllBytes(folder.File("src"), new byte[10]);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        Assert.That(() => ZeroCopy.Transfer((SafeFileHandle)null!, destination), Throws.ArgumentNullException);
        Assert.That(() => ZeroCopy.Transfer(source, destination, -1), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => ZeroCopy.Transfer((Stream)null!, Stream.Null), Throws.ArgumentNullException);
        SafeFileHandle closed = TestIo.OpenRead(folder.File("src"));
        closed.Dispose();
        Assert.That(() => ZeroCopy.Transfer(closed, destination), Throws.TypeOf<ObjectDisposedException>());

        var disposed = new FileStream(folder.File("src"), FileMode.Open, FileAccess.Read);
        disposed.Dispose();
        Assert.That(() => ZeroCopy.Transfer(disposed, Stream.Null), Throws.TypeOf<ObjectDisposedException>());
        using var writeOnly = new FileStream(folder.File("dst2"), FileMode.Create, FileAccess.Write);
        using var readOnly = new FileStream(folder.File("src"), FileMode.Open, FileAccess.Read);
        Assert.That(() => ZeroCopy.Transfer(writeOnly, readOnly), Throws.TypeOf<NotSupportedException>());
        Assert.That(() => ZeroCopy.Transfer(readOnly, readOnly), Throws.TypeOf<NotSupportedException>());
    }

    [Test]
    public void AnUnwritableDestinationIsAnErrorNotAFallback()
    {
        using TempFolder folder = TestIo.Folder();
        File.WriteAllBytes(folder.File("src"), new byte[10]);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle readOnly = TestIo.OpenRead(folder.File("src"));
        var error = Assert.Throws<ZeroCopyException>(() => ZeroCopy.Transfer(source, readOnly))!;
        Assert.That(error.Errno, Is.EqualTo(Errno.EBADF));
        Assert.That(error.Operation, Is.EqualTo("copy_file_range"));
    }
}
