using System;
using System.IO;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Transfers;

public sealed class SendFileTests
{
    private const int Size = (3 * 1024 * 1024) + 123;

    [Test]
    public void SendsARangeOverTcpByteForByteAndLeavesTheFilePositionAlone()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Size, 1);
        File.WriteAllBytes(folder.File("src"), data);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SocketPair pair = TestIo.Tcp();
        const long offset = 4097;
        long count = Size - offset - 1000;
        var received = TestIo.ReceiveInBackground(pair.Server, (int)count);

        long sent = ZeroCopy.SendFile(source, offset, pair.Client, count);

        Assert.That(sent, Is.EqualTo(count));
        Assert.That(TestIo.Await(received), Is.EqualTo(data.AsSpan((int)offset, (int)count).ToArray()));
        Assert.That(TestIo.PositionOf(source), Is.EqualTo(0), "sendfile with an offset must not move the file position");
    }

    [Test]
    public void SendsOverAUnixSocketUntilEndOfFile()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Size, 2);
        File.WriteAllBytes(folder.File("src"), data);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SocketPair pair = TestIo.Unix();
        var received = TestIo.ReceiveInBackground(pair.Server, Size - 10);

        long sent = ZeroCopy.SendFile(source, 10, pair.Client.SafeHandle, long.MaxValue / 2);

        Assert.That(sent, Is.EqualTo(Size - 10), "stops at end of file");
        Assert.That(TestIo.Await(received), Is.EqualTo(data.AsSpan(10).ToArray()));
    }

    [Test]
    public void SendsFromAMemfdIntoAPipeAndIntoAFile()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(200_000, 3);
        using SafeFileHandle memfd = TestIo.MemFd("sendfile-src", data);
        using Pipe pipe = Pipe.Create();
        var reader = System.Threading.Tasks.Task.Factory.StartNew(() => TestIo.ReadPipe(pipe, data.Length),
            System.Threading.Tasks.TaskCreationOptions.LongRunning);

        Assert.That(ZeroCopy.SendFile(memfd, 0, pipe.Writer, data.Length), Is.EqualTo(data.Length));
        Assert.That(TestIo.Await(reader), Is.EqualTo(data));

        using SafeFileHandle file = TestIo.Create(folder.File("dst"));
        TestIo.Seek(file, 5);
        Assert.That(ZeroCopy.SendFile(memfd, 100, file, 1000), Is.EqualTo(1000));
        Assert.That(TestIo.PositionOf(file), Is.EqualTo(1005), "sendfile writes at and advances the destination's position");
        byte[] written = File.ReadAllBytes(folder.File("dst"));
        Assert.That(written.AsSpan(5).ToArray(), Is.EqualTo(data.AsSpan(100, 1000).ToArray()));
    }

    [Test]
    public void WaitsForWritabilityOnAFullNonBlockingSocket()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Size, 4);
        File.WriteAllBytes(folder.File("src"), data);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SocketPair pair = TestIo.Tcp(bufferSize: 32 * 1024);
        pair.Client.Blocking = false; // sendfile now answers EAGAIN whenever the socket is full
        var received = TestIo.ReceiveInBackground(pair.Server, Size);

        Assert.That(ZeroCopy.SendFile(source, 0, pair.Client, Size), Is.EqualTo(Size));
        Assert.That(TestIo.Await(received), Is.EqualTo(data));
    }

    [Test]
    public void TrySendFileMakesOneCallAndReportsAFullSocketAsFalse()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Size, 5);
        File.WriteAllBytes(folder.File("src"), data);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SocketPair pair = TestIo.Tcp(bufferSize: 32 * 1024);
        pair.Client.Blocking = false;

        long total = 0;
        int calls = 0;
        bool sawFull = false;
        while (calls++ < 10_000)
        {
            if (!ZeroCopy.TrySendFile(source, total, pair.Client, Size - total, out long sent))
            {
                Assert.That(sent, Is.EqualTo(0));
                sawFull = true;
                break;
            }

            Assert.That(sent, Is.GreaterThan(0));
            total += sent;
        }

        Assert.That(sawFull, Is.True, "a peer that does not read must fill the socket");
        Assert.That(total, Is.LessThan(Size));
        Assert.That(TestIo.Receive(pair.Server, (int)total), Is.EqualTo(data.AsSpan(0, (int)total).ToArray()));
        Assert.That(ZeroCopy.TrySendFile(source, Size, pair.Client, 10, out long atEnd), Is.True);
        Assert.That(atEnd, Is.EqualTo(0), "0 at end of file");
        Assert.That(ZeroCopy.TrySendFile(source, 0, pair.Client, 0, out long none), Is.True);
        Assert.That(none, Is.EqualTo(0));
    }

    [Test]
    public void RejectsBadArgumentsBeforeAnySystemCall()
    {
        using TempFolder folder = TestIo.Folder();
        File.WriteAllBytes(folder.File("src"), new byte[10]);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SocketPair pair = TestIo.Tcp();

        Assert.That(() => ZeroCopy.SendFile(source, 0, (System.Runtime.InteropServices.SafeHandle)null!, 1), Throws.ArgumentNullException);
        // ParamName is read directly: property constraints use reflection that NativeAOT trims away.
        Assert.That(Assert.Throws<ArgumentNullException>(() => ZeroCopy.SendFile(null!, 0, pair.Client, 1))!.ParamName, Is.EqualTo("source"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => ZeroCopy.SendFile(source, -1, pair.Client, 1))!.ParamName, Is.EqualTo("sourceOffset"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => ZeroCopy.SendFile(source, 0, pair.Client, -1))!.ParamName, Is.EqualTo("count"));
        Assert.That(() => ZeroCopy.SendFile(new SafeFileHandle(-1, false), 0, pair.Client.SafeHandle, 1), Throws.ArgumentException);
        Assert.That(ZeroCopy.SendFile(source, 0, pair.Client, 0), Is.EqualTo(0));
    }

    [Test]
    public void ClosedHandlesAndDisposedSocketsThrowObjectDisposed()
    {
        using TempFolder folder = TestIo.Folder();
        File.WriteAllBytes(folder.File("src"), new byte[10]);
        SafeFileHandle closed = TestIo.OpenRead(folder.File("src"));
        closed.Dispose();
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        SocketPair pair = TestIo.Tcp();
        Assert.That(() => ZeroCopy.SendFile(closed, 0, pair.Client, 1), Throws.TypeOf<ObjectDisposedException>());
        pair.Dispose();
        Assert.That(() => ZeroCopy.SendFile(source, 0, pair.Client, 1), Throws.TypeOf<ObjectDisposedException>());
        Assert.That(() => ZeroCopy.TrySendFile(source, 0, pair.Client, 1, out _), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void KernelErrorsCarryErrnoOperationAndMessage()
    {
        using TempFolder folder = TestIo.Folder();
        File.WriteAllBytes(folder.File("src"), new byte[100]);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));

        // A pipe is not a valid sendfile source.
        using Pipe pipe = Pipe.Create();
        pipe.Write(new byte[10]);
        using SafeFileHandle sink = TestIo.Create(folder.File("sink"));
        var invalid = Assert.Throws<ZeroCopyException>(() => ZeroCopy.SendFile(pipe.Reader, 0, sink, 10))!;
        Assert.That(invalid.Errno, Is.EqualTo(Errno.EINVAL).Or.EqualTo(Errno.ESPIPE));
        Assert.That(invalid.Operation, Is.EqualTo("sendfile"));
        Assert.That(invalid.Message, Does.StartWith("sendfile failed: " + ZeroCopyException.NameOf(invalid.Errno) + " ("));
        Assert.That(invalid.BytesTransferred, Is.EqualTo(0));

        // A read-only destination: EBADF.
        using SafeFileHandle readOnly = TestIo.OpenRead(folder.File("src"));
        var badf = Assert.Throws<ZeroCopyException>(() => ZeroCopy.SendFile(source, 0, readOnly, 10))!;
        Assert.That(badf.Errno, Is.EqualTo(Errno.EBADF));
        Assert.That(badf.HResult, Is.EqualTo((int)Errno.EBADF));

        // O_APPEND destinations are refused by sendfile.
        using SafeFileHandle append = TestIo.OpenNative(folder.File("append"), OpenFlags.WRONLY | OpenFlags.CREAT | OpenFlags.APPEND);
        Assert.That(Assert.Throws<ZeroCopyException>(() => ZeroCopy.SendFile(source, 0, append, 10))!.Errno, Is.EqualTo(Errno.EINVAL));
    }

    [Test]
    public void APeerThatGoesAwayGivesEpipeOrEconnresetWithTheBytesSentSoFar()
    {
        using TempFolder folder = TestIo.Folder();
        File.WriteAllBytes(folder.File("src"), TestIo.Bytes(Size, 6));
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SocketPair pair = TestIo.Unix();
        pair.Server.Dispose();
        var error = Assert.Throws<ZeroCopyException>(() => ZeroCopy.SendFile(source, 0, pair.Client, Size))!;
        Assert.That(error.Errno, Is.EqualTo(Errno.EPIPE).Or.EqualTo(Errno.ECONNRESET));
        Assert.That(error.BytesTransferred, Is.GreaterThanOrEqualTo(0).And.LessThan(Size));
    }
}
