using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Transfers;

/// <summary>ZeroCopy.Read and ZeroCopy.Write: the library's read/write loop for any descriptor.</summary>
[TestFixture]
public sealed class ReadWriteTests
{
    [Test]
    public void WriteWaitsOnAFullNonBlockingPipeAndReadReturnsWhatIsThere()
    {
        byte[] data = TestIo.Bytes(1_000_000, 95); // more than the pipe holds: the write must wait for the reader
        using Pipe pipe = Pipe.Create(nonBlocking: true);
        var reader = Task.Factory.StartNew(() =>
        {
            var received = new MemoryStream();
            var block = new byte[70_000];
            int n;
            while ((n = ZeroCopy.Read(pipe.Reader, null, block)) > 0)
            {
                received.Write(block, 0, n);
            }

            return received.ToArray();
        }, TaskCreationOptions.LongRunning);

        ZeroCopy.Write(data, pipe.Writer);
        pipe.CompleteWriting();

        Assert.That(TestIo.Await(reader), Is.EqualTo(data));
    }

    [Test]
    public void OffsetsReadAndWriteInPlaceAndLeaveThePositionAlone()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle file = TestIo.Create(folder.File("f"));
        ZeroCopy.Write(new byte[] { 1, 2, 3, 4, 5 }, file);
        ZeroCopy.Write(new byte[] { 9, 9 }, file, destinationOffset: 1);
        Assert.That(TestIo.PositionOf(file), Is.EqualTo(5));

        var buffer = new byte[8];
        Assert.That(ZeroCopy.Read(file, 0, buffer), Is.EqualTo(5));
        Assert.That(buffer[..5], Is.EqualTo(new byte[] { 1, 9, 9, 4, 5 }));
        Assert.That(ZeroCopy.Read(file, null, buffer), Is.EqualTo(0), "the position is at the end");
        Assert.That(ZeroCopy.Read(file, 100, buffer), Is.EqualTo(0), "past the end");
    }

    [Test]
    public void TheKernelsRefusalsComeBackWithTheirErrno()
    {
        using Pipe pipe = Pipe.Create();
        var espipe = Assert.Throws<ZeroCopyException>(() => ZeroCopy.Read(pipe.Reader, 0, new byte[4]))!;
        Assert.That(espipe.Errno, Is.EqualTo(Errno.ESPIPE));
        Assert.That(espipe.Operation, Is.EqualTo("pread"));
        var ebadf = Assert.Throws<ZeroCopyException>(() => ZeroCopy.Write(new byte[4], pipe.Reader))!;
        Assert.That(ebadf.Errno, Is.EqualTo(Errno.EBADF));
        using SafeFileHandle full = File.OpenHandle("/dev/full", FileMode.Open, FileAccess.Write);
        var enospc = Assert.Throws<ZeroCopyException>(() => ZeroCopy.Write(new byte[4], full))!;
        Assert.That(enospc.Errno, Is.EqualTo(Errno.ENOSPC));
        Assert.Throws<ArgumentOutOfRangeException>(() => ZeroCopy.Read(pipe.Reader, -1, new byte[4]));
        Assert.Throws<ArgumentNullException>(() => ZeroCopy.Write(new byte[4], null!));
    }
}
