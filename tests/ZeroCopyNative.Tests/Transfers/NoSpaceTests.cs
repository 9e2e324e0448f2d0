using System;
using System.Diagnostics;
using System.IO;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Transfers;

/// <summary>Small filesystems mounted for the test (tmpfs; needs root, as CI runs): one that fills up part-way, one
/// already full, one behind a symlink.</summary>
[NonParallelizable]
public sealed class NoSpaceTests
{
    [TestCase(null)]
    [TestCase(TransferMethod.SpliceThroughPipe)]
    [TestCase(TransferMethod.ReadWrite)]
    public void EnospcPartWayReportsExactlyTheBytesWritten(TransferMethod? start)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Ignore("mounting a small tmpfs needs root");
        }

        using TempFolder folder = TestIo.Folder();
        string mountPoint = folder.File("small");
        Directory.CreateDirectory(mountPoint);
        Assert.That(Run("mount", $"-t tmpfs -o size=256k tmpfs {mountPoint}"), Is.EqualTo(0), "mount failed");
        try
        {
            byte[] data = TestIo.Bytes(1024 * 1024, 91);
            File.WriteAllBytes(folder.File("src"), data);
            using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
            using SafeFileHandle destination = TestIo.Create(Path.Combine(mountPoint, "dst"));
            var error = Assert.Throws<ZeroCopyException>(() => TestIo.TransferVia(source, destination, start: start))!;

            Assert.That(error.Errno, Is.EqualTo(Errno.ENOSPC));
            Assert.That(error.BytesTransferred, Is.GreaterThan(0).And.LessThan(data.Length));
            byte[] written = File.ReadAllBytes(Path.Combine(mountPoint, "dst"));
            Assert.That(written.Length, Is.EqualTo(error.BytesTransferred), "BytesTransferred is what reached the file");
            Assert.That(written, Is.EqualTo(data.AsSpan(0, written.Length).ToArray()));
            Assert.That(TestIo.PositionOf(destination), Is.EqualTo(written.Length), "the position follows the bytes written");
            Assert.That(error.Message, Does.EndWith($"after {error.BytesTransferred} bytes"));
        }
        finally
        {
            Run("umount", mountPoint);
        }
    }

    [Test]
    public void AForcedMethodReplacesAFileThatFillsItsFilesystem()
    {
        // The method is tried on a nameless file beside the destination first; on a full filesystem that probe has no
        // room, which is no refusal of the method: the copy still truncates the old file and fits.
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Ignore("mounting a small tmpfs needs root");
        }

        using TempFolder folder = TestIo.Folder();
        string mountPoint = folder.File("small");
        Directory.CreateDirectory(mountPoint);
        Assert.That(Run("mount", $"-t tmpfs -o size=256k tmpfs {mountPoint}"), Is.EqualTo(0), "mount failed");
        try
        {
            string destination = Path.Combine(mountPoint, "dst");
            File.WriteAllBytes(destination, TestIo.Bytes(256 * 1024, 92));
            byte[] data = TestIo.Bytes(100_000, 93);
            File.WriteAllBytes(folder.File("src"), data);

            TransferResult result = ZeroCopy.CopyFile(folder.File("src"), destination,
                new CopyFileOptions { Overwrite = true, Method = TransferMethod.SendFile });

            Assert.That(result.Bytes, Is.EqualTo(data.Length));
            Assert.That(File.ReadAllBytes(destination), Is.EqualTo(data));
        }
        finally
        {
            Run("umount", mountPoint);
        }
    }

    [Test]
    public void AForcedMethodThroughASymlinkIntoAnotherFilesystemIsJudgedOnTheTarget()
    {
        // The destination is a symlink on this filesystem to a file on a tmpfs, and the source is on that tmpfs:
        // copy_file_range works between them. A probe in the symlink's own folder would meet EXDEV instead.
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Ignore("mounting a small tmpfs needs root");
        }

        using TempFolder folder = TestIo.Folder();
        string mountPoint = folder.File("other");
        Directory.CreateDirectory(mountPoint);
        Assert.That(Run("mount", $"-t tmpfs -o size=4m tmpfs {mountPoint}"), Is.EqualTo(0), "mount failed");
        try
        {
            byte[] data = TestIo.Bytes(200_000, 94);
            string source = Path.Combine(mountPoint, "src");
            string target = Path.Combine(mountPoint, "dst");
            File.WriteAllBytes(source, data);
            File.WriteAllBytes(target, TestIo.Bytes(5000, 95));
            File.CreateSymbolicLink(folder.File("link"), target);

            TransferResult result = ZeroCopy.CopyFile(source, folder.File("link"),
                new CopyFileOptions { Overwrite = true, Method = TransferMethod.CopyFileRange });

            Assert.That(result.Bytes, Is.EqualTo(data.Length));
            Assert.That(File.ReadAllBytes(target), Is.EqualTo(data));
        }
        finally
        {
            Run("umount", mountPoint);
        }
    }

    private static int Run(string program, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { UseShellExecute = false })!;
        Assert.That(process.WaitForExit(60_000), Is.True);
        return process.ExitCode;
    }
}
