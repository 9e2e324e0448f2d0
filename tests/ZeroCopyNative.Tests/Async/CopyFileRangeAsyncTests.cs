using System;
using System.IO;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Async;

/// <summary>CopyFileRangeAsync: 8 MiB chunks, offsets or file positions, the end of the source, and the kernel's
/// refusals (no fallback).</summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.CopyFileRange)]
#pragma warning restore CS0618
public sealed class CopyFileRangeAsyncTests
{
    private const int Chunk = 8 << 20;

    [Test]
    public void SeveralChunksAtOffsets_ByteForByte_PositionsUntouched()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((2 * Chunk) + 999_999, 501);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        int count = data.Length - 8192;

        long copied = AsyncKit.Result(ZeroCopy.CopyFileRangeAsync(source, 8192, destination, 100, count).AsTask(), "the copy");

        Assert.That(copied, Is.EqualTo(count));
        byte[] copy = File.ReadAllBytes(folder.File("dst"));
        Assert.That(copy.Length, Is.EqualTo(100 + count));
        AsyncKit.SameBytes(data.AsSpan(8192), copy.AsSpan(100), "the copy");
        Assert.That(TestIo.PositionOf(source), Is.Zero);
        Assert.That(TestIo.PositionOf(destination), Is.Zero);
    }

    [Test]
    public void WithoutOffsets_UsesAndAdvancesThePositions_AndStopsAtTheEndOfTheSource()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(Chunk + 12345, 502);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        TestIo.Seek(source, 45);

        long copied = AsyncKit.Result(ZeroCopy.CopyFileRangeAsync(source, null, destination, null, 1L << 40).AsTask(), "the copy");

        Assert.That(copied, Is.EqualTo(data.Length - 45), "the source ended before the count");
        Assert.That(TestIo.PositionOf(source), Is.EqualTo(data.Length));
        Assert.That(TestIo.PositionOf(destination), Is.EqualTo(data.Length - 45));
        AsyncKit.SameBytes(data.AsSpan(45), File.ReadAllBytes(folder.File("dst")), "the copy");
    }

    [Test]
    public void AnAppendingDestination_IsRefused_WithNoByteMoved()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", TestIo.Bytes(10_000, 503));
        File.WriteAllBytes(folder.File("dst"), new byte[] { 1 });
        using SafeFileHandle appending = TestIo.OpenNative(folder.File("dst"), OpenFlags.WRONLY | OpenFlags.APPEND);

        var error = AsyncKit.Fails<ZeroCopyException>(
            ZeroCopy.CopyFileRangeAsync(source, 0, appending, null, 10_000).AsTask(), "copy_file_range to O_APPEND");

        Assert.That(error.Errno, Is.EqualTo(Errno.EBADF), "copy_file_range(2): fd_out is open with O_APPEND");
        Assert.That(error.BytesTransferred, Is.Zero);
        Assert.That(new FileInfo(folder.File("dst")).Length, Is.EqualTo(1));
    }
}
