using System;
using System.Diagnostics;
using System.IO;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Transfers;

/// <summary>A filesystem that fills up part-way: a 256 KiB tmpfs mounted for the test (needs root, as CI runs).</summary>
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

    private static int Run(string program, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { UseShellExecute = false })!;
        Assert.That(process.WaitForExit(60_000), Is.True);
        return process.ExitCode;
    }
}
