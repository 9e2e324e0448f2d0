using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Transfers;

public sealed class SpliceTests
{
    [Test]
    public void FileToPipeToFileWithExplicitOffsetsLeavesPositionsAlone()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(1_000_000, 21);
        File.WriteAllBytes(folder.File("src"), data);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        using Pipe pipe = Pipe.Create();
        long moved = 0;
        while (moved < 300_000)
        {
            // A pipe holds Capacity/PageSize page buffers; unaligned file data can need one more page than its length
            // suggests, so stay well below the capacity when nobody reads concurrently.
            long chunk = Math.Min(pipe.Capacity / 2, 300_000 - moved);
            Assert.That(ZeroCopy.Splice(source, 1000 + moved, pipe.Writer, null, chunk), Is.EqualTo(chunk));
            Assert.That(ZeroCopy.Splice(pipe.Reader, null, destination, 7 + moved, chunk), Is.EqualTo(chunk));
            moved += chunk;
        }

        Assert.That(TestIo.PositionOf(source), Is.EqualTo(0));
        Assert.That(TestIo.PositionOf(destination), Is.EqualTo(0));
        byte[] written = File.ReadAllBytes(folder.File("dst"));
        Assert.That(written.AsSpan(7).ToArray(), Is.EqualTo(data.AsSpan(1000, 300_000).ToArray()));
    }

    [Test]
    public void NullOffsetsUseAndAdvanceTheFilePositions()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(50_000, 22);
        File.WriteAllBytes(folder.File("src"), data);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        TestIo.Seek(source, 100);
        using Pipe pipe = Pipe.Create();
        Assert.That(ZeroCopy.Splice(source, null, pipe.Writer, null, 40_000), Is.EqualTo(40_000));
        Assert.That(TestIo.PositionOf(source), Is.EqualTo(40_100));
        Assert.That(ZeroCopy.Splice(pipe.Reader, null, destination, null, 40_000), Is.EqualTo(40_000));
        Assert.That(TestIo.PositionOf(destination), Is.EqualTo(40_000));
        Assert.That(File.ReadAllBytes(folder.File("dst")), Is.EqualTo(data.AsSpan(100, 40_000).ToArray()));
    }

    [Test]
    public void SocketToPipeToSocketUntilThePeerShutsDown()
    {
        byte[] data = TestIo.Bytes(2_000_000, 23);
        using SocketPair inbound = TestIo.Tcp();
        using SocketPair outbound = TestIo.Unix();
        var sender = Task.Factory.StartNew(() =>
        {
            inbound.Client.Send(data);
            inbound.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        }, TaskCreationOptions.LongRunning);
        var received = TestIo.ReceiveInBackground(outbound.Server, data.Length);
        using Pipe pipe = Pipe.Create();

        long total = 0;
        for (int round = 0; round < 100_000; round++)
        {
            long filled = ZeroCopy.Splice(inbound.Server.SafeHandle, null, pipe.Writer, null, pipe.Capacity);
            if (filled == 0)
            {
                break;
            }

            Assert.That(ZeroCopy.Splice(pipe.Reader, null, outbound.Client.SafeHandle, null, filled), Is.EqualTo(filled));
            total += filled;
        }

        sender.Wait(TimeSpan.FromSeconds(60));
        Assert.That(total, Is.EqualTo(data.Length));
        Assert.That(TestIo.Await(received), Is.EqualTo(data));
    }

    [Test]
    public void TrySpliceReportsAnEmptyPipeAsFalse()
    {
        using Pipe source = Pipe.Create();
        using Pipe destination = Pipe.Create();
        Assert.That(ZeroCopy.TrySplice(source.Reader, null, destination.Writer, null, 100, out long none), Is.False);
        Assert.That(none, Is.EqualTo(0));
        source.Write(new byte[] { 1, 2, 3 });
        Assert.That(ZeroCopy.TrySplice(source.Reader, null, destination.Writer, null, 100, out long moved), Is.True);
        Assert.That(moved, Is.EqualTo(3));
        source.CompleteWriting();
        Assert.That(ZeroCopy.TrySplice(source.Reader, null, destination.Writer, null, 100, out long end), Is.True);
        Assert.That(end, Is.EqualTo(0), "0 once the pipe is empty and has no writers");
        Assert.That(TestIo.ReadPipe(destination, 3), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public void KernelRefusalsAreZeroCopyExceptions()
    {
        using TempFolder folder = TestIo.Folder();
        File.WriteAllBytes(folder.File("src"), new byte[100]);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        var neitherPipe = Assert.Throws<ZeroCopyException>(() => ZeroCopy.Splice(source, 0, destination, 0, 10))!;
        Assert.That(neitherPipe.Errno, Is.EqualTo(Errno.EINVAL));
        Assert.That(neitherPipe.Operation, Is.EqualTo("splice"));
        Assert.That(neitherPipe.Message, Is.EqualTo("splice failed: EINVAL (Invalid argument)"));

        using Pipe pipe = Pipe.Create();
        pipe.Write(new byte[10]);
        var offsetOnPipe = Assert.Throws<ZeroCopyException>(() => ZeroCopy.Splice(pipe.Reader, 0, destination, 0, 10))!;
        Assert.That(offsetOnPipe.Errno, Is.EqualTo(Errno.ESPIPE));

        using SafeFileHandle append = TestIo.OpenNative(folder.File("append"), OpenFlags.WRONLY | OpenFlags.CREAT | OpenFlags.APPEND);
        Assert.That(Assert.Throws<ZeroCopyException>(() => ZeroCopy.Splice(pipe.Reader, null, append, null, 10))!.Errno,
                    Is.EqualTo(Errno.EINVAL), "splice refuses O_APPEND targets");
    }

    [Test]
    public void RejectsBadArgumentsBeforeAnySystemCall()
    {
        using Pipe pipe = Pipe.Create();
        Assert.That(() => ZeroCopy.Splice(null!, null, pipe.Writer, null, 1), Throws.ArgumentNullException);
        Assert.That(() => ZeroCopy.Splice(pipe.Reader, null, null!, null, 1), Throws.ArgumentNullException);
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => ZeroCopy.Splice(pipe.Reader, -1, pipe.Writer, null, 1))!.ParamName, Is.EqualTo("sourceOffset"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => ZeroCopy.Splice(pipe.Reader, null, pipe.Writer, -5, 1))!.ParamName, Is.EqualTo("destinationOffset"));
        Assert.That(() => ZeroCopy.Splice(pipe.Reader, null, pipe.Writer, null, -1), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => ZeroCopy.TrySplice(pipe.Reader, null, pipe.Writer, null, -1, out _), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(ZeroCopy.Splice(pipe.Reader, null, pipe.Writer, null, 0), Is.EqualTo(0));
        var closed = Pipe.Create();
        SafeFileHandle reader = closed.Reader;
        closed.Dispose();
        Assert.That(() => ZeroCopy.Splice(reader, null, pipe.Writer, null, 1), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void TeeDuplicatesWithoutConsuming()
    {
        byte[] data = TestIo.Bytes(30_000, 24);
        using Pipe source = Pipe.Create();
        using Pipe copy = Pipe.Create();
        source.Write(data);
        Assert.That(ZeroCopy.Tee(source.Reader, copy.Writer, 100_000), Is.EqualTo(data.Length));
        Assert.That(source.BytesAvailable, Is.EqualTo(data.Length), "tee does not consume");
        Assert.That(TestIo.ReadPipe(copy, data.Length), Is.EqualTo(data));
        Assert.That(TestIo.ReadPipe(source, data.Length), Is.EqualTo(data));

        Assert.That(ZeroCopy.TryTee(source.Reader, copy.Writer, 10, out long none), Is.False, "empty source: EAGAIN");
        Assert.That(none, Is.EqualTo(0));
        source.CompleteWriting();
        Assert.That(ZeroCopy.Tee(source.Reader, copy.Writer, 10), Is.EqualTo(0), "empty with no writers");
        Assert.That(ZeroCopy.Tee(source.Reader, copy.Writer, 0), Is.EqualTo(0));

        var samePipe = Assert.Throws<ZeroCopyException>(() => ZeroCopy.Tee(copy.Reader, copy.Writer, 10))!;
        Assert.That(samePipe.Errno, Is.EqualTo(Errno.EINVAL));
        Assert.That(samePipe.Operation, Is.EqualTo("tee"));
        Assert.That(() => ZeroCopy.Tee(copy.Reader, copy.Writer, -1), Throws.TypeOf<ArgumentOutOfRangeException>());
    }
}
