using System;
using System.Diagnostics;
using System.IO;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Reliability;

/// <summary>
/// ENOSPC on a 1 MiB tmpfs that the fixture mounts (with /bin/mount: the tests make no system call of their own).
/// Every transfer that runs out of space must report, in <see cref="ZeroCopyException.BytesTransferred"/>, exactly the
/// bytes that reached the destination, and the destination must be the source's prefix of that length. If mounting is
/// refused (no CAP_SYS_ADMIN), the tests are ignored with the mount command's answer as the reason.
/// </summary>
[Category("Reliability")]
public sealed class EnospcTests
{
    private const int SourceLength = 2 << 20; // twice the filesystem
    private ScratchDirectory _scratch = null!;
    private string _mount = null!;
    private bool _mounted;
    private byte[] _data = null!;
    private string _sourcePath = null!;

    [OneTimeSetUp]
    public void MountSmallTmpfs()
    {
        _scratch = new ScratchDirectory();
        _data = _scratch.CreateFile("source", SourceLength, seed: 29);
        _sourcePath = _scratch.File("source");
        _mount = _scratch.File("tmpfs");
        Directory.CreateDirectory(_mount);
        (int code, string output) = ChildProcess.RunProgram("/bin/mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "zcn-reliability", _mount);
        _mounted = code == 0;
        if (!_mounted)
        {
            Assert.Ignore($"mounting a 1 MiB tmpfs was refused (/bin/mount exited {code}: {output.Trim()}); ENOSPC is not tested here");
        }
    }

    [OneTimeTearDown]
    public void Unmount()
    {
        if (_mounted)
        {
            (int code, string output) = ChildProcess.RunProgram("/bin/umount", _mount);
            Assert.That(code, Is.Zero, $"umount: {output}");
        }

        _scratch.Dispose();
    }

    [SetUp]
    public void EmptyTheFilesystem()
    {
        foreach (string file in Directory.GetFiles(_mount))
        {
            File.Delete(file);
        }
    }

    [Test]
    public void Transfer_FileToFile_ReportsTheBytesWrittenBeforeEnospc()
    {
        using SafeFileHandle source = File.OpenHandle(_sourcePath);
        using SafeFileHandle destination = File.OpenHandle(Path.Combine(_mount, "full"), FileMode.CreateNew, FileAccess.ReadWrite);
        var e = Assert.Throws<ZeroCopyException>(() => ZeroCopy.Transfer(source, destination))!;
        AssertPrefix(e, "full", "Transfer file to file");
        // Transfer leaves both positions after the bytes moved, also when it fails.
        Assert.That(Fds.Position(source), Is.EqualTo(e.BytesTransferred));
        Assert.That(Fds.Position(destination), Is.EqualTo(e.BytesTransferred));
    }

    [Test]
    public void Transfer_Streams_AdvancePositionsByTheBytesWritten()
    {
        using var source = new FileStream(_sourcePath, FileMode.Open, FileAccess.Read);
        using var destination = new FileStream(Path.Combine(_mount, "streams"), FileMode.CreateNew, FileAccess.ReadWrite);
        var e = Assert.Throws<ZeroCopyException>(() => ZeroCopy.Transfer(source, destination))!;
        AssertPrefix(e, "streams", "Transfer of streams");
        Assert.That(source.Position, Is.EqualTo(e.BytesTransferred));
        Assert.That(destination.Position, Is.EqualTo(e.BytesTransferred));
    }

    [Test]
    public void Transfer_FromAPipe_ReportsTheBytesWrittenBeforeEnospc()
    {
        using Pipe pipe = Pipe.Create();
        using SafeFileHandle source = File.OpenHandle(_sourcePath);
        var feeder = new System.Threading.Thread(() =>
        {
            try
            {
                pipe.SpliceFrom(source, 0, SourceLength);
            }
            catch (ZeroCopyException)
            {
                // The reader stops at ENOSPC and the pipe is disposed: the feeder's EPIPE is expected.
            }
            catch (ObjectDisposedException)
            {
            }
        });
        feeder.Start();
        using SafeFileHandle destination = File.OpenHandle(Path.Combine(_mount, "piped"), FileMode.CreateNew, FileAccess.ReadWrite);
        var e = Assert.Throws<ZeroCopyException>(() => ZeroCopy.Transfer(pipe.Reader, destination))!;
        pipe.Dispose();
        feeder.Join();
        AssertPrefix(e, "piped", "Transfer pipe to file");
    }

    [Test]
    public void SendFile_ToAFile_ReportsTheBytesWrittenBeforeEnospc()
    {
        using SafeFileHandle source = File.OpenHandle(_sourcePath);
        using SafeFileHandle destination = File.OpenHandle(Path.Combine(_mount, "sendfile"), FileMode.CreateNew, FileAccess.Write);
        var e = Assert.Throws<ZeroCopyException>(() => ZeroCopy.SendFile(source, 0, destination, SourceLength))!;
        AssertPrefix(e, "sendfile", "SendFile");
        Assert.That(Fds.Position(source), Is.Zero, "SendFile leaves the source position alone");
    }

    [Test]
    public void CopyFileRange_WithinTheFullFilesystem_ReportsTheBytesCopiedBeforeEnospc()
    {
        // The source lives on the small filesystem too (768 KiB), so the copy has only 256 KiB of room.
        string inner = Path.Combine(_mount, "inner-source");
        File.WriteAllBytes(inner, _data.AsSpan(0, 768 * 1024).ToArray());
        using SafeFileHandle source = File.OpenHandle(inner);
        using SafeFileHandle destination = File.OpenHandle(Path.Combine(_mount, "cfr"), FileMode.CreateNew, FileAccess.ReadWrite);
        var e = Assert.Throws<ZeroCopyException>(() => ZeroCopy.CopyFileRange(source, 0, destination, 0, 768 * 1024))!;
        AssertPrefix(e, "cfr", "CopyFileRange");
    }

    [Test]
    public void Splice_FromAFileIntoAFullFile_ThroughAPipe_ReportsTheBytes()
    {
        using SafeFileHandle source = File.OpenHandle(_sourcePath);
        using SafeFileHandle destination = File.OpenHandle(Path.Combine(_mount, "spliced"), FileMode.CreateNew, FileAccess.Write);
        using Pipe pipe = Pipe.Create();
        long offset = 0;
        long written = 0;
        ZeroCopyException? failure = null;
        while (offset < SourceLength && failure == null)
        {
            long queued = pipe.SpliceFrom(source, offset, 65536);
            offset += queued;
            try
            {
                written += pipe.SpliceTo(destination, written, queued);
            }
            catch (ZeroCopyException e)
            {
                written += e.BytesTransferred;
                failure = e;
            }
        }

        Assert.That(failure, Is.Not.Null, "the filesystem never filled");
        Assert.That(failure!.Errno, Is.EqualTo(Errno.ENOSPC));
        byte[] landed = File.ReadAllBytes(Path.Combine(_mount, "spliced"));
        Assert.That(landed.Length, Is.EqualTo(written));
        Assert.That(landed.AsSpan().SequenceEqual(_data.AsSpan(0, landed.Length)), Is.True);
        Report.Figure($"enospc: Splice pipe to file: {written} bytes before ENOSPC");
    }

    private void AssertPrefix(ZeroCopyException e, string name, string what)
    {
        Assert.That(e.Errno, Is.EqualTo(Errno.ENOSPC), e.Message);
        byte[] landed = File.ReadAllBytes(Path.Combine(_mount, name));
        Report.Figure($"enospc: {what}: {e.BytesTransferred} bytes reported, {landed.Length} bytes in the file, " +
                      $"operation {e.Operation}");
        Assert.That(e.BytesTransferred, Is.GreaterThan(0));
        Assert.That(e.BytesTransferred, Is.LessThanOrEqualTo(1 << 20));
        Assert.That(landed.Length, Is.EqualTo(e.BytesTransferred), "the count reported is the count that landed");
        Assert.That(landed.AsSpan().SequenceEqual(_data.AsSpan(0, landed.Length)), Is.True,
            "the destination is the source's prefix");
        Assert.That(e.Message, Does.Contain($"after {e.BytesTransferred} bytes"));
    }
}
