using System;
using System.IO;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Memory;

public sealed class MemFdTests
{
    [Test]
    public void CreateReturnsAnEmptyReadWriteFileWithItsName()
    {
        using SafeFileHandle memfd = MemFd.Create("zcn-test-name");
        Assert.That(RandomAccess.GetLength(memfd), Is.Zero);
        string link = new FileInfo($"/proc/self/fd/{(int)memfd.DangerousGetHandle()}").LinkTarget!;
        Assert.That(link, Does.StartWith("/memfd:zcn-test-name"));

        byte[] data = ScratchDirectory.Pattern(10000);
        RandomAccess.Write(memfd, data, 0);
        byte[] back = new byte[data.Length];
        Assert.That(RandomAccess.Read(memfd, back, 0), Is.EqualTo(data.Length));
        Assert.That(back, Is.EqualTo(data));
    }

    [Test]
    public void NameIsValidatedBeforeTheSystemCall()
    {
        Assert.Throws<ArgumentNullException>(() => MemFd.Create(null!));
        var nul = Assert.Throws<ArgumentException>(() => MemFd.Create("a\0b"))!;
        Assert.That(nul.Message, Does.Contain("NUL"));
        var longName = Assert.Throws<ArgumentException>(() => MemFd.Create(new string('x', 250)))!;
        Assert.That(longName.Message, Does.Contain("250 bytes").And.Contain("249"));
        // 125 two-byte characters are 250 bytes of UTF-8.
        Assert.Throws<ArgumentException>(() => MemFd.Create(new string('\u00e9', 125)));

        using SafeFileHandle longest = MemFd.Create(new string('x', MemFd.MaxNameBytes));
        using SafeFileHandle wide = MemFd.Create(new string('\u00e9', 124));
        using SafeFileHandle empty = MemFd.Create("");
        Assert.That(longest.IsInvalid || wide.IsInvalid || empty.IsInvalid, Is.False);
    }

    [Test]
    public void UnknownOptionsAndSealsAreRefusedBeforeTheSystemCall()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MemFd.Create("x", (MemFdOptions)0x1000));
        // MFD_CLOEXEC's bit is not an option: it is always set.
        Assert.Throws<ArgumentOutOfRangeException>(() => MemFd.Create("x", (MemFdOptions)1));
        using SafeFileHandle memfd = MemFd.Create("sealable", MemFdOptions.AllowSealing);
        Assert.Throws<ArgumentOutOfRangeException>(() => MemFd.AddSeals(memfd, (FileSeals)0x4000));
        Assert.That(MemFd.GetSeals(memfd), Is.EqualTo(FileSeals.None));
    }

    [Test]
    public void SealsAreAddedAndReported()
    {
        using SafeFileHandle memfd = MemFd.Create("sealable", MemFdOptions.AllowSealing);
        Assert.That(MemFd.GetSeals(memfd), Is.EqualTo(FileSeals.None));
        MemFd.SetLength(memfd, 8192);
        MemFd.AddSeals(memfd, FileSeals.Shrink);
        MemFd.AddSeals(memfd, FileSeals.Grow);
        Assert.That(MemFd.GetSeals(memfd), Is.EqualTo(FileSeals.Shrink | FileSeals.Grow));

        var shrink = Assert.Throws<ZeroCopyException>(() => MemFd.SetLength(memfd, 4096))!;
        Assert.That(shrink.Errno, Is.EqualTo(Errno.EPERM));
        var grow = Assert.Throws<ZeroCopyException>(() => MemFd.SetLength(memfd, 16384))!;
        Assert.That(grow.Errno, Is.EqualTo(Errno.EPERM));
        MemFd.SetLength(memfd, 8192); // the same size is no change

        MemFd.AddSeals(memfd, FileSeals.Seal);
        var e = Assert.Throws<ZeroCopyException>(() => MemFd.AddSeals(memfd, FileSeals.Write))!;
        Assert.That(e.Errno, Is.EqualTo(Errno.EPERM));
        Assert.That(e.Operation, Is.EqualTo("fcntl(F_ADD_SEALS)"));
    }

    [Test]
    public void AMemFdWithoutAllowSealingIsSealedAgainstSeals()
    {
        using SafeFileHandle memfd = MemFd.Create("unsealable");
        Assert.That(MemFd.GetSeals(memfd), Is.EqualTo(FileSeals.Seal));
        Assert.That(Assert.Throws<ZeroCopyException>(() => MemFd.AddSeals(memfd, FileSeals.Shrink))!.Errno,
                    Is.EqualTo(Errno.EPERM));
    }

    [Test]
    public void SealsOnARegularFileAreRefused()
    {
        using var dir = new ScratchDirectory();
        dir.CreateFile("f", 10);
        using SafeFileHandle file = File.OpenHandle(dir.File("f"), FileMode.Open, FileAccess.ReadWrite);
        Assert.That(Assert.Throws<ZeroCopyException>(() => MemFd.GetSeals(file))!.Errno, Is.EqualTo(Errno.EINVAL));
        Assert.That(Assert.Throws<ZeroCopyException>(() => MemFd.AddSeals(file, FileSeals.Shrink))!.Errno,
                    Is.EqualTo(Errno.EINVAL));
    }

    [Test]
    public void ClosedAndNullHandlesAreRefused()
    {
        SafeFileHandle memfd = MemFd.Create("closed");
        memfd.Dispose();
        Assert.Throws<ObjectDisposedException>(() => MemFd.GetSeals(memfd));
        Assert.Throws<ObjectDisposedException>(() => MemFd.AddSeals(memfd, FileSeals.Shrink));
        Assert.Throws<ObjectDisposedException>(() => MemFd.SetLength(memfd, 1));
        Assert.Throws<ArgumentNullException>(() => MemFd.GetSeals(null!));
        using SafeFileHandle open = MemFd.Create("open");
        Assert.Throws<ArgumentOutOfRangeException>(() => MemFd.SetLength(open, -1));
    }
}
