using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Transfers;

/// <summary>TransferOptions: offsets that leave positions alone, forced methods, progress, holes, and the same file on
/// both ends.</summary>
[TestFixture]
public sealed class TransferOptionsTests
{
    private const int Size = 3 * 1024 * 1024;

    [SetUp]
    public void ForgetCapabilities() => TransferCapabilities.Reset();

    [TestCase(null)] // the chain, through the hole walk (SEEK_DATA moves the position; it must be put back)
    [TestCase(TransferMethod.CopyFileRange)]
    [TestCase(TransferMethod.SendFile)]
    [TestCase(TransferMethod.Splice)]
    [TestCase(TransferMethod.SpliceThroughPipe)]
    [TestCase(TransferMethod.ReadWrite)]
    public void OffsetsLeaveBothFilePositionsWhereTheyWere(TransferMethod? method)
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Size, 61);
        File.WriteAllBytes(folder.File("src"), data);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        TestIo.Seek(source, 7);
        TestIo.Seek(destination, 9);

        TransferResult result = ZeroCopy.Transfer(source, destination, new TransferOptions
        {
            SourceOffset = 100, DestinationOffset = 50, Count = 1_000_000, Method = method,
        });

        Assert.That(result.Bytes, Is.EqualTo(1_000_000));
        TransferMethod expected = method switch
        {
            null => TransferMethod.CopyFileRange,
            TransferMethod.Splice => TransferMethod.SpliceThroughPipe,
            _ => method.Value,
        };
        Assert.That((int)result.Method, Is.EqualTo((int)expected));
        Assert.That(TestIo.PositionOf(source), Is.EqualTo(7));
        Assert.That(TestIo.PositionOf(destination), Is.EqualTo(9));
        byte[] written = File.ReadAllBytes(folder.File("dst"));
        Assert.That(written.Length, Is.EqualTo(1_000_050));
        Assert.That(written.AsSpan(50).SequenceEqual(data.AsSpan(100, 1_000_000)), Is.True);
    }

    [Test]
    public void AForcedMethodTheKernelRefusesFailsWithItsErrno()
    {
        using SafeFileHandle source = TestIo.MemFd("forced", TestIo.Bytes(4096, 62));
        using Pipe pipe = Pipe.Create();

        var error = Assert.Throws<ZeroCopyException>(() =>
            ZeroCopy.Transfer(source, pipe.Writer, new TransferOptions { Method = TransferMethod.CopyFileRange }))!;

        Assert.That(error.Operation, Is.EqualTo("copy_file_range"));
        Assert.That(error.Errno, Is.EqualTo(Errno.EINVAL), "copy_file_range refuses a pipe");
        Assert.That(error.BytesTransferred, Is.EqualTo(0));
        Assert.That(pipe.BytesAvailable, Is.EqualTo(0));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ZeroCopy.Transfer(source, pipe.Writer, new TransferOptions { Method = TransferMethod.StreamCopy }));
    }

    [Test]
    public void ProgressIsMonotonicBoundedInRateAndEndsAtTheTotal()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Size, 63);
        File.WriteAllBytes(folder.File("src"), data);
        foreach (TransferMethod method in new[] { TransferMethod.CopyFileRange, TransferMethod.ReadWrite })
        {
            using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
            using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
            var reports = new Recorder();
            var clock = System.Diagnostics.Stopwatch.StartNew();

            TransferResult result = ZeroCopy.Transfer(source, destination, new TransferOptions { Method = method, Progress = reports });

            double elapsed = clock.Elapsed.TotalMilliseconds;
            Assert.That(result.Bytes, Is.EqualTo(Size));
            Assert.That(reports.Values.Count, Is.GreaterThanOrEqualTo(1));
            Assert.That(reports.Values[^1], Is.EqualTo(Size), "the last report is the total");
            for (int i = 1; i < reports.Values.Count; i++)
            {
                Assert.That(reports.Values[i], Is.GreaterThan(reports.Values[i - 1]));
            }

            // At most one report per 100 ms, plus the final one.
            Assert.That(reports.Values.Count, Is.LessThanOrEqualTo(2 + (int)(elapsed / 100)));
        }
    }

    [Test]
    public void ASparseFileKeepsItsHolesAndItsLength()
    {
        using TempFolder folder = TestIo.Folder();
        string path = folder.File("sparse");
        WriteSparse(path, 64L << 20, (1L << 20, 62), (40L << 20, 63));
        foreach (bool keep in new[] { true, false })
        {
            string copy = folder.File(keep ? "kept" : "filled");
            using (SafeFileHandle source = TestIo.OpenRead(path))
            using (SafeFileHandle destination = TestIo.Create(copy))
            {
                TransferResult result = ZeroCopy.Transfer(source, destination, new TransferOptions { KeepHoles = keep });
                Assert.That(result.Bytes, Is.EqualTo(64L << 20));
                Assert.That(FirstData(destination), Is.EqualTo(keep ? 1L << 20 : 0L));
            }

            Assert.That(new FileInfo(copy).Length, Is.EqualTo(64L << 20), "a trailing hole keeps the length");
            Assert.That(SameContent(path, copy), Is.True);
        }
    }

    [TestCase(TransferMethod.CopyFileRange)]
    [TestCase(TransferMethod.SendFile)]
    [TestCase(TransferMethod.Splice)]
    [TestCase(TransferMethod.ReadWrite)]
    public void AForcedMethodKeepsHolesToo(TransferMethod method)
    {
        using TempFolder folder = TestIo.Folder();
        string path = folder.File("sparse");
        WriteSparse(path, 16L << 20, (3L << 20, 67));
        using (SafeFileHandle source = TestIo.OpenRead(path))
        using (SafeFileHandle destination = TestIo.Create(folder.File("copy")))
        {
            TransferResult result = ZeroCopy.Transfer(source, destination, new TransferOptions { Method = method });
            Assert.That(result.Bytes, Is.EqualTo(16L << 20));
            Assert.That(FirstData(destination), Is.EqualTo(3L << 20), "the leading hole stayed a hole");
        }

        Assert.That(SameContent(path, folder.File("copy")), Is.True);
    }

    [Test]
    public void HolesGoIntoAPipeAsZeros()
    {
        using TempFolder folder = TestIo.Folder();
        string path = folder.File("sparse");
        WriteSparse(path, 3L << 20, (1L << 20, 64));
        using SafeFileHandle source = TestIo.OpenRead(path);
        using Pipe pipe = Pipe.Create();
        var reader = Task.Factory.StartNew(() => TestIo.ReadPipe(pipe, 3 << 20), TaskCreationOptions.LongRunning);

        TransferResult result = ZeroCopy.Transfer(source, pipe.Writer);

        Assert.That(result.Bytes, Is.EqualTo(3L << 20));
        Assert.That(TestIo.Await(reader), Is.EqualTo(File.ReadAllBytes(path)));
    }

    [Test]
    public void AnEndlessTransferOfAFileIntoItselfIsRefusedBeforeAnyByteMoves()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(100_000, 65);
        string path = folder.File("f");
        File.WriteAllBytes(path, data);
        using (SafeFileHandle source = TestIo.OpenRead(path))
        using (SafeFileHandle appending = TestIo.OpenNative(path, OpenFlags.WRONLY | OpenFlags.APPEND))
        {
            var error = Assert.Throws<SameFileException>(() => ZeroCopy.Transfer(source, appending))!;
            Assert.That(error.HResult, Is.EqualTo((int)Errno.EINVAL));
        }

        using (var reading = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var writing = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            writing.Seek(0, SeekOrigin.End);
            Assert.Throws<SameFileException>(() => ZeroCopy.Transfer(reading, writing));
            Assert.That(reading.Position, Is.EqualTo(0));
            Assert.That(writing.Position, Is.EqualTo(data.Length));
        }

        Assert.That(File.ReadAllBytes(path), Is.EqualTo(data), "nothing moved");
    }

    [Test]
    public void RangesOfOneFileTransferWhenTheyDoNotOverlapAndAreRefusedWhenTheyDo()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(200_000, 66);
        string path = folder.File("f");
        File.WriteAllBytes(path, data);
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);

        TransferResult moved = ZeroCopy.Transfer(handle, handle, new TransferOptions
        {
            SourceOffset = 0, DestinationOffset = 150_000, Count = 50_000,
        });
        Assert.That(moved.Bytes, Is.EqualTo(50_000));
        byte[] expected = (byte[])data.Clone();
        Array.Copy(data, 0, expected, 150_000, 50_000);
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(expected));

        Assert.Throws<SameFileException>(() => ZeroCopy.Transfer(handle, handle, new TransferOptions
        {
            SourceOffset = 0, DestinationOffset = 10_000, Count = 50_000,
        }));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(expected), "the refused overlap wrote nothing");

        // No count, writes behind the reads: the tail moves to the front, as memmove would, and the input ends.
        TransferResult tail = ZeroCopy.Transfer(handle, handle, new TransferOptions { SourceOffset = 150_000, DestinationOffset = 0 });
        Assert.That(tail.Bytes, Is.EqualTo(50_000));
        Array.Copy(data, 0, expected, 0, 50_000);
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(expected));
    }

    /// <summary>Creates a file of <paramref name="length"/> bytes that holds 4 KiB of data at each offset given and
    /// holes everywhere else.</summary>
    internal static void WriteSparse(string path, long length, params (long Offset, int Seed)[] blocks)
    {
        using SafeFileHandle file = File.OpenHandle(path, FileMode.Create, FileAccess.Write);
        RandomAccess.SetLength(file, length);
        foreach ((long offset, int seed) in blocks)
        {
            RandomAccess.Write(file, TestIo.Bytes(4096, seed), offset);
        }
    }

    /// <summary>lseek SEEK_DATA from 0: where the file's first data is.</summary>
    internal static long FirstData(SafeHandle file) =>
        Zcn.lseek(NativeFile.Fd(file), 0, (int)Whence.SEEK_DATA);

    internal static bool SameContent(string a, string b)
    {
        using FileStream x = File.OpenRead(a), y = File.OpenRead(b);
        if (x.Length != y.Length)
        {
            return false;
        }

        byte[] one = new byte[1 << 20], two = new byte[1 << 20];
        int read;
        while ((read = x.Read(one)) > 0)
        {
            y.ReadExactly(two.AsSpan(0, read));
            if (!one.AsSpan(0, read).SequenceEqual(two.AsSpan(0, read)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Records reports synchronously (Progress&lt;T&gt; would post them to a thread-pool thread).</summary>
    private sealed class Recorder : IProgress<long>
    {
        public List<long> Values { get; } = new();

        public void Report(long value) => Values.Add(value);
    }
}
