using System;
using System.IO;
using System.Threading.Tasks;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Transfers;

/// <summary>ZeroCopy.CopyFile against what cp does: identity by (st_dev, st_ino), modes, special destinations,
/// streamed sources, holes and errors that name the path.</summary>
[TestFixture]
public sealed class CopyFileTests
{
    [Test]
    public void TheSameFileThroughAHardLinkOrASymlinkIsRefusedAndLeftIntact()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(10_000, 71);
        string a = folder.File("a");
        File.WriteAllBytes(a, data);
        Directory.CreateDirectory(folder.File("dir"));
        string inDir = Path.Combine(folder.File("dir"), "b");
        File.WriteAllBytes(inDir, data);
        Directory.CreateSymbolicLink(folder.File("linkdir"), folder.File("dir"));
        Assert.That(Link(a, folder.File("hard")), Is.EqualTo(0));
        File.CreateSymbolicLink(folder.File("soft"), a);

        foreach ((string source, string destination) in new[]
                 {
                     (a, folder.File("hard")), (a, folder.File("soft")), (a, a),
                     (inDir, Path.Combine(folder.File("linkdir"), "b")),
                 })
        {
            var error = Assert.Throws<SameFileException>(() =>
                ZeroCopy.CopyFile(source, destination, new CopyFileOptions { Overwrite = true }))!;
            Assert.That(error.Message, Does.Contain("same file"));
            Assert.That(File.ReadAllBytes(source), Is.EqualTo(data), source + " is intact");
        }
    }

    [Test]
    public void AFifoOntoItselfIsRefusedBeforeItIsOpenedForReading()
    {
        // Opening the FIFO to read would wait for a writer that never comes; the refusal must come first.
        using TempFolder folder = TestIo.Folder();
        string fifo = folder.File("p");
        Assert.That(ChildProcess.RunProgram("mkfifo", fifo).Code, Is.EqualTo(0));
        File.CreateSymbolicLink(folder.File("l"), fifo);

        foreach (string destination in new[] { fifo, folder.File("l") })
        {
            Task copy = Task.Run(() => ZeroCopy.CopyFile(fifo, destination, new CopyFileOptions { Overwrite = true }));
            if (Task.WaitAny([copy], TimeSpan.FromSeconds(10)) < 0)
            {
                // Release the blocked open so the test run can go on, then fail.
                using (File.OpenHandle(fifo, FileMode.Open, FileAccess.Write))
                {
                }

                Assert.Fail($"CopyFile({fifo}, {destination}) waited on the FIFO instead of refusing it");
            }

            var error = Assert.Throws<SameFileException>(() => copy.GetAwaiter().GetResult())!;
            Assert.That(error.Message, Does.Contain("same file"));
        }
    }

    [Test]
    public void ANewFileGetsTheSourcesModeMinusTheUmaskWithoutSpecialBits()
    {
        using TempFolder folder = TestIo.Folder();
        string source = folder.File("src");
        File.WriteAllBytes(source, TestIo.Bytes(1000, 72));
        File.SetUnixFileMode(source, (UnixFileMode)Convert.ToInt32("4755", 8));
        int umask = Umask();

        ZeroCopy.CopyFile(source, folder.File("plain"));
        ZeroCopy.CopyFile(source, folder.File("kept"), new CopyFileOptions { PreserveMode = true });

        Assert.That((int)File.GetUnixFileMode(folder.File("plain")), Is.EqualTo(Convert.ToInt32("755", 8) & ~umask));
        Assert.That((int)File.GetUnixFileMode(folder.File("kept")), Is.EqualTo(Convert.ToInt32("4755", 8)));
    }

    [Test]
    public void AnExistingFileIsReplacedOnlyWhenAskedAndKeepsItsMode()
    {
        using TempFolder folder = TestIo.Folder();
        string source = folder.File("src");
        string destination = folder.File("dst");
        byte[] data = TestIo.Bytes(5000, 73);
        File.WriteAllBytes(source, data);
        File.WriteAllBytes(destination, TestIo.Bytes(9000, 74));
        File.SetUnixFileMode(destination, (UnixFileMode)Convert.ToInt32("640", 8));

        var refused = Assert.Throws<ZeroCopyException>(() => ZeroCopy.CopyFile(source, destination))!;
        Assert.That(refused.Errno, Is.EqualTo(Errno.EEXIST));
        Assert.That(refused.Message, Does.Contain(destination));
        Assert.That(new FileInfo(destination).Length, Is.EqualTo(9000));

        ZeroCopy.CopyFile(source, destination, new CopyFileOptions { Overwrite = true });
        Assert.That(File.ReadAllBytes(destination), Is.EqualTo(data));
        Assert.That((int)File.GetUnixFileMode(destination), Is.EqualTo(Convert.ToInt32("640", 8)));
    }

    [Test]
    public void AForcedMethodTheKernelRefusesLeavesAnExistingDestinationIntact()
    {
        // copy_file_range out of procfs into ext4 or tmpfs: EXDEV since Linux 5.19 (two filesystem types). The method
        // is tried on a nameless file beside the destination before the destination is truncated.
        using TempFolder folder = TestIo.Folder();
        string destination = folder.File("kept");
        byte[] old = TestIo.Bytes(9000, 77);
        File.WriteAllBytes(destination, old);
        var options = new CopyFileOptions { Overwrite = true, Method = TransferMethod.CopyFileRange };

        ZeroCopyException? refused = null;
        try
        {
            ZeroCopy.CopyFile("/proc/version", destination, options);
        }
        catch (ZeroCopyException e)
        {
            refused = e;
        }

        if (refused == null)
        {
            Assert.That(Environment.OSVersion.Version, Is.LessThan(new Version(5, 19)),
                        "copy_file_range out of procfs was accepted on a kernel that refuses it");
            Assert.That(File.ReadAllBytes(destination), Is.EqualTo(File.ReadAllBytes("/proc/version")));
            return;
        }

        Assert.That(refused.Operation, Is.EqualTo("copy_file_range"));
        Assert.That(refused.BytesTransferred, Is.Zero);
        Assert.That(File.ReadAllBytes(destination), Is.EqualTo(old), "the refused copy left the destination as it was");
        Assert.That(Directory.GetFiles(folder.Path), Is.EqualTo(new[] { destination }), "the probe left no file behind");
    }

    [Test]
    public void AForcedMethodOverAnExistingFileFromAPipe_IsTriedFirstAndLosesNoByte()
    {
        // From a stream the probe takes the first byte; the copy writes it first. sendfile cannot read a pipe (EINVAL):
        // the destination stays as it was. splice can: the copy is whole.
        using TempFolder folder = TestIo.Folder();
        string destination = folder.File("kept");
        byte[] old = TestIo.Bytes(9000, 78);
        byte[] data = TestIo.Bytes(200_000, 79);
        foreach (TransferMethod method in new[] { TransferMethod.SendFile, TransferMethod.Splice })
        {
            File.WriteAllBytes(destination, old);
            (Microsoft.Win32.SafeHandles.SafeFileHandle reader, Microsoft.Win32.SafeHandles.SafeFileHandle writer) =
                Reliability.Fds.RawPipe(capacity: 1 << 20);
            using (reader)
            {
                using (writer)
                {
                    ZeroCopy.Write(data, writer);
                }

                var options = new CopyFileOptions { Overwrite = true, Method = method };
                string source = $"/proc/self/fd/{reader.DangerousGetHandle()}";
                try
                {
                    TransferResult result = ZeroCopy.CopyFile(source, destination, options);
                    Assert.That(result.Bytes, Is.EqualTo(data.Length), method.ToString());
                    Assert.That(File.ReadAllBytes(destination), Is.EqualTo(data), $"{method}: the copy is whole");
                }
                catch (ZeroCopyException e)
                {
                    Assert.That(method, Is.EqualTo(TransferMethod.SendFile), $"{method} was refused: {e.Message}");
                    Assert.That(e.Errno, Is.EqualTo(Errno.EINVAL));
                    Assert.That(File.ReadAllBytes(destination), Is.EqualTo(old), "the refused copy left the destination");
                }
            }
        }
    }

    [Test]
    public void ADeviceDestinationIsWrittenIntoNeverTruncatedOrChmoded()
    {
        using TempFolder folder = TestIo.Folder();
        string source = folder.File("secret");
        File.WriteAllBytes(source, TestIo.Bytes(3000, 75));
        File.SetUnixFileMode(source, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        UnixFileMode before = File.GetUnixFileMode("/dev/null");

        TransferResult result = ZeroCopy.CopyFile(source, "/dev/null");

        Assert.That(result.Bytes, Is.EqualTo(3000));
        Assert.That((int)File.GetUnixFileMode("/dev/null"), Is.EqualTo((int)before));
    }

    [Test]
    public void APipeSourceIsStreamedUntilItEnds()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(1_500_000, 76);
        using Pipe pipe = Pipe.Create();
        var writer = Task.Factory.StartNew(() =>
        {
            pipe.Write(data);
            pipe.CompleteWriting();
        }, TaskCreationOptions.LongRunning);

        // /proc/self/fd/N of a pipe opens the pipe itself, as /dev/stdin does for a shell pipeline.
        TransferResult result = ZeroCopy.CopyFile($"/proc/self/fd/{NativeFile.Fd(pipe.Reader)}", folder.File("dst"));

        Assert.That(writer.Wait(TimeSpan.FromSeconds(60)), Is.True);
        Assert.That(result.Bytes, Is.EqualTo(data.Length));
        Assert.That(File.ReadAllBytes(folder.File("dst")), Is.EqualTo(data));
    }

    [Test]
    public void ASparseSourceKeepsItsHoles()
    {
        using TempFolder folder = TestIo.Folder();
        TransferOptionsTests.WriteSparse(folder.File("sparse"), 32L << 20, (2L << 20, 77));

        ZeroCopy.CopyFile(folder.File("sparse"), folder.File("copy"));

        using var copy = File.OpenHandle(folder.File("copy"));
        Assert.That(TransferOptionsTests.FirstData(copy), Is.EqualTo(2L << 20));
        Assert.That(TransferOptionsTests.SameContent(folder.File("sparse"), folder.File("copy")), Is.True);
    }

    [Test]
    public void ErrorsNameThePathAndCarryTheKernelsErrno()
    {
        using TempFolder folder = TestIo.Folder();
        string file = folder.File("f");
        File.WriteAllBytes(file, new byte[10]);

        var directory = Assert.Throws<UnauthorizedAccessException>(() => ZeroCopy.CopyFile(folder.Path, folder.File("x")))!;
        Assert.That(directory.HResult, Is.EqualTo((int)Errno.EISDIR));
        Assert.That(directory.Message, Does.Contain(folder.Path));

        var missing = Assert.Throws<FileNotFoundException>(() => ZeroCopy.CopyFile(folder.File("missing"), folder.File("x")))!;
        Assert.That(missing.HResult, Is.EqualTo((int)Errno.ENOENT));

        var notDirectory = Assert.Throws<DirectoryNotFoundException>(() => ZeroCopy.CopyFile(file, Path.Combine(file, "x")))!;
        Assert.That(notDirectory.HResult, Is.EqualTo((int)Errno.ENOTDIR));
        Assert.That(notDirectory.Message, Does.Contain(Path.Combine(file, "x")));

        Assert.Throws<ArgumentException>(() => ZeroCopy.CopyFile("", folder.File("x")));
        Assert.That(File.Exists(folder.File("x")), Is.False, "no failed copy leaves a destination behind");
    }

    /// <summary>The process umask, from /proc/self/status (.NET has no API that reads it without changing it).</summary>
    private static int Umask()
    {
        foreach (string line in File.ReadAllLines("/proc/self/status"))
        {
            if (line.StartsWith("Umask:", StringComparison.Ordinal))
            {
                return Convert.ToInt32(line.Substring(6).Trim(), 8);
            }
        }

        throw new InvalidOperationException("no Umask line in /proc/self/status");
    }

    private static int Link(string existing, string link) => ChildProcess.RunProgram("ln", existing, link).Code;
}
