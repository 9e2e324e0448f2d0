using System;
using System.IO;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Transfers;

public sealed class CopyFileRangeTests
{
    [Test]
    public void CopiesARangeWithExplicitOffsets()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(5_000_000, 31);
        File.WriteAllBytes(folder.File("src"), data);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        Assert.That(ZeroCopy.CopyFileRange(source, 123, destination, 0, 4_000_000), Is.EqualTo(4_000_000));
        Assert.That(TestIo.PositionOf(source), Is.EqualTo(0));
        Assert.That(TestIo.PositionOf(destination), Is.EqualTo(0));
        Assert.That(File.ReadAllBytes(folder.File("dst")), Is.EqualTo(data.AsSpan(123, 4_000_000).ToArray()));
    }

    [Test]
    public void NullOffsetsAdvanceThePositionsAndStopAtEndOfFile()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(70_000, 32);
        File.WriteAllBytes(folder.File("src"), data);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        TestIo.Seek(source, 10);
        Assert.That(ZeroCopy.CopyFileRange(source, null, destination, null, 1_000_000), Is.EqualTo(69_990));
        Assert.That(TestIo.PositionOf(source), Is.EqualTo(70_000));
        Assert.That(TestIo.PositionOf(destination), Is.EqualTo(69_990));
        Assert.That(ZeroCopy.CopyFileRange(source, null, destination, null, 10), Is.EqualTo(0), "end of file");
        Assert.That(File.ReadAllBytes(folder.File("dst")), Is.EqualTo(data.AsSpan(10).ToArray()));
    }

    [Test]
    public void CopiesBetweenMemfds()
    {
        byte[] data = TestIo.Bytes(300_000, 33);
        using SafeFileHandle source = TestIo.MemFd("cfr-src", data);
        using SafeFileHandle destination = TestIo.MemFd("cfr-dst", ReadOnlySpan<byte>.Empty);
        Assert.That(ZeroCopy.CopyFileRange(source, 0, destination, 0, data.Length), Is.EqualTo(data.Length));
        var back = new byte[data.Length];
        Assert.That(RandomAccess.Read(destination, back, 0), Is.EqualTo(data.Length));
        Assert.That(back, Is.EqualTo(data));
    }

    [Test]
    public void KernelRefusalsAreZeroCopyExceptions()
    {
        using TempFolder folder = TestIo.Folder();
        File.WriteAllBytes(folder.File("src"), new byte[100]);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle append = TestIo.OpenNative(folder.File("append"), OpenFlags.WRONLY | OpenFlags.CREAT | OpenFlags.APPEND);
        var appendError = Assert.Throws<ZeroCopyException>(() => ZeroCopy.CopyFileRange(source, 0, append, null, 10))!;
        Assert.That(appendError.Errno, Is.EqualTo(Errno.EBADF), "copy_file_range refuses O_APPEND targets with EBADF");
        Assert.That(appendError.Operation, Is.EqualTo("copy_file_range"));
        Assert.That(appendError.Message, Is.EqualTo("copy_file_range failed: EBADF (Bad file descriptor)"));

        using Pipe pipe = Pipe.Create();
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        Assert.That(Assert.Throws<ZeroCopyException>(() => ZeroCopy.CopyFileRange(source, 0, pipe.Writer, null, 10))!.Errno,
                    Is.EqualTo(Errno.EINVAL), "not a regular file");
        Assert.That(Assert.Throws<ZeroCopyException>(() => ZeroCopy.CopyFileRange(source, 0, source, 50, 10))!.Errno,
                    Is.EqualTo(Errno.EBADF), "the destination is not open for writing");
    }

    [Test]
    public void RejectsBadArgumentsBeforeAnySystemCall()
    {
        using TempFolder folder = TestIo.Folder();
        File.WriteAllBytes(folder.File("src"), new byte[100]);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        Assert.That(() => ZeroCopy.CopyFileRange(null!, 0, destination, 0, 1), Throws.ArgumentNullException);
        Assert.That(() => ZeroCopy.CopyFileRange(source, -1, destination, 0, 1), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => ZeroCopy.CopyFileRange(source, 0, destination, -1, 1), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => ZeroCopy.CopyFileRange(source, 0, destination, 0, -1), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(ZeroCopy.CopyFileRange(source, 0, destination, 0, 0), Is.EqualTo(0));
        destination.Dispose();
        Assert.That(() => ZeroCopy.CopyFileRange(source, 0, destination, 0, 1), Throws.TypeOf<ObjectDisposedException>());
    }
}
