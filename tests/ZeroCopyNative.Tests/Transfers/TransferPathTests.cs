using System;
using System.IO;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Transfers;

/// <summary>ZeroCopy.Transfer from a path: cat's open, with the kernel's errno and the path in every error.</summary>
[TestFixture]
public sealed class TransferPathTests
{
    [Test]
    public void AFileAndAProcFileAreReadToTheirEnd()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(700_000, 91);
        File.WriteAllBytes(folder.File("src"), data);
        using (SafeFileHandle destination = TestIo.Create(folder.File("dst")))
        {
            Assert.That(ZeroCopy.Transfer(folder.File("src"), destination).Bytes, Is.EqualTo(data.Length));
        }

        Assert.That(File.ReadAllBytes(folder.File("dst")), Is.EqualTo(data));
        using (SafeFileHandle destination = TestIo.Create(folder.File("version")))
        {
            Assert.That(ZeroCopy.Transfer("/proc/version", destination).Bytes, Is.GreaterThan(0));
        }

        Assert.That(File.ReadAllText(folder.File("version")), Is.EqualTo(File.ReadAllText("/proc/version")));
    }

    [Test]
    public void OpenFailuresCarryTheKernelsErrnoAndThePath()
    {
        using TempFolder folder = TestIo.Folder();
        File.WriteAllBytes(folder.File("f"), new byte[3]);
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));

        var directory = Assert.Throws<UnauthorizedAccessException>(() => ZeroCopy.Transfer(folder.Path, destination))!;
        Assert.That(directory.HResult, Is.EqualTo((int)Errno.EISDIR));
        Assert.That(directory.Message, Does.Contain(folder.Path));
        var missing = Assert.Throws<FileNotFoundException>(() => ZeroCopy.Transfer(folder.File("missing"), destination))!;
        Assert.That(missing.HResult, Is.EqualTo((int)Errno.ENOENT));
        var notDirectory = Assert.Throws<DirectoryNotFoundException>(() =>
            ZeroCopy.Transfer(Path.Combine(folder.File("f"), "x"), destination))!;
        Assert.That(notDirectory.HResult, Is.EqualTo((int)Errno.ENOTDIR));
        Assert.Throws<ArgumentException>(() => ZeroCopy.Transfer("", destination));
    }

    [Test]
    public void CatFileIntoItselfIsRefusedNamingThePath()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(50_000, 92);
        string path = folder.File("f");
        File.WriteAllBytes(path, data);
        using SafeFileHandle appending = TestIo.OpenNative(path, OpenFlags.WRONLY | OpenFlags.APPEND);

        var error = Assert.Throws<SameFileException>(() => ZeroCopy.Transfer(path, appending))!;

        Assert.That(error.Path, Is.EqualTo(path));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(data));
    }
}
