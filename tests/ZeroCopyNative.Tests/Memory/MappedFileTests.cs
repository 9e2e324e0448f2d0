using System;
using System.IO;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Memory;

public sealed class MappedFileTests : ScratchDirectoryTests
{
    private static readonly int Page = Environment.SystemPageSize;

    [Test]
    public void ReadOnlyMappingSeesTheFileByteForByte()
    {
        byte[] data = Dir.CreateFile("f", 3 * Page + 100);
        using MappedFile map = MappedFile.Open(Dir.File("f"));

        Assert.That(map.Length, Is.EqualTo(data.Length));
        Assert.That(map.Offset, Is.Zero);
        Assert.That(map.Access, Is.EqualTo(MappedFileAccess.ReadOnly));
        Assert.That(map.Sharing, Is.EqualTo(MappedFileSharing.Shared));
        Assert.That(map.ReadOnlySpan.SequenceEqual(data), Is.True);
        Assert.That(map.ReadOnlyMemory.Span.SequenceEqual(data), Is.True);
        Assert.That(map.GetReadOnlySpan(Page + 5, 300).SequenceEqual(data.AsSpan(Page + 5, 300)), Is.True);
    }

    [Test]
    public void SharedReadWriteMappingWritesReachTheFile()
    {
        byte[] original = Dir.CreateFile("f", 2 * Page);
        byte[] replacement = ScratchDirectory.Pattern(2 * Page, seed: 99);
        using (MappedFile map = MappedFile.Open(Dir.File("f"), MappedFileAccess.ReadWrite))
        {
            Assert.That(map.Span.SequenceEqual(original), Is.True);
            replacement.CopyTo(map.Span);
            map.Flush();
        }

        Assert.That(File.ReadAllBytes(Dir.File("f")), Is.EqualTo(replacement));
    }

    [Test]
    public void FlushMakesTheDataVisibleToPread([Values(false, true)] bool async)
    {
        Dir.CreateFile("f", 4 * Page);
        byte[] written = ScratchDirectory.Pattern(Page + 17, seed: 42);
        using MappedFile map = MappedFile.Open(Dir.File("f"), MappedFileAccess.ReadWrite);
        written.CopyTo(map.Span.Slice(Page - 9));
        map.Flush(Page - 9, written.Length, async);

        using SafeFileHandle reader = File.OpenHandle(Dir.File("f"));
        byte[] read = new byte[written.Length];
        Assert.That(RandomAccess.Read(reader, read, Page - 9), Is.EqualTo(read.Length));
        Assert.That(read, Is.EqualTo(written));
    }

    [Test]
    public void PrivateMappingWritesStayPrivate()
    {
        byte[] data = Dir.CreateFile("f", Page);
        using (MappedFile map = MappedFile.Open(Dir.File("f"), MappedFileAccess.ReadWrite,
                                                sharing: MappedFileSharing.Private))
        {
            map.Span.Fill(0xEE);
            map.Flush();
            Assert.That(map.ReadOnlySpan[0], Is.EqualTo(0xEE));
            using MappedFile other = MappedFile.Open(Dir.File("f"));
            Assert.That(other.ReadOnlySpan.SequenceEqual(data), Is.True, "another mapping must not see private writes");
        }

        Assert.That(File.ReadAllBytes(Dir.File("f")), Is.EqualTo(data));
    }

    [TestCase(1, 10)]
    [TestCase(4095, 2)]
    [TestCase(4097, 5000)]
    [TestCase(8192, 100)]
    [TestCase(3 * 4096 + 123, 0)]
    public void UnalignedOffsetsExposeExactlyTheRequestedWindow(int offset, int length)
    {
        byte[] data = Dir.CreateFile("f", 5 * 4096 + 77);
        int expected = length == 0 ? data.Length - offset : length;
        using (MappedFile map = MappedFile.Open(Dir.File("f"), MappedFileAccess.ReadWrite, offset, length))
        {
            Assert.That(map.Offset, Is.EqualTo(offset));
            Assert.That(map.Length, Is.EqualTo(expected));
            Assert.That(map.ReadOnlySpan.SequenceEqual(data.AsSpan(offset, expected)), Is.True);

            // Writing the window changes exactly those bytes of the file.
            map.Span.Fill(0xA5);
            map.Flush();
            Assert.That(map.ResidentBytes(), Is.EqualTo(expected), "every written byte is resident");
        }

        byte[] after = File.ReadAllBytes(Dir.File("f"));
        data.AsSpan(offset, expected).Fill(0xA5);
        Assert.That(after, Is.EqualTo(data));
    }

    [Test]
    public void MapOfAnOpenHandleLeavesTheHandleToTheCaller()
    {
        byte[] data = Dir.CreateFile("f", Page + 1);
        using SafeFileHandle file = File.OpenHandle(Dir.File("f"));
        using (MappedFile map = MappedFile.Map(file, offset: 1))
        {
            Assert.That(map.ReadOnlySpan.SequenceEqual(data.AsSpan(1)), Is.True);
            Assert.That(map.FileHandle, Is.Null);
            Assert.That(map.IsShrinkSealed, Is.False, "an ext4 file carries no seals");
        }

        Assert.That(file.IsClosed, Is.False);
        Assert.That(RandomAccess.GetLength(file), Is.EqualTo(data.Length));
    }

    [Test]
    public void MemFdMappingRoundTrips()
    {
        using SafeFileHandle memfd = MemFd.Create("mapped-memfd");
        byte[] data = ScratchDirectory.Pattern(3 * Page + 5);
        RandomAccess.Write(memfd, data, 0);
        using MappedFile map = MappedFile.Map(memfd, MappedFileAccess.ReadWrite);
        Assert.That(map.Length, Is.EqualTo(data.Length));
        Assert.That(map.ReadOnlySpan.SequenceEqual(data), Is.True);

        map.Span.Slice(Page, 10).Fill(7);
        byte[] back = new byte[10];
        RandomAccess.Read(memfd, back, Page);
        Assert.That(back.AsSpan().IndexOfAnyExcept((byte)7), Is.EqualTo(-1),
                    "a shared memfd mapping and read(2) see the same pages");
    }

    [TestCase(MappedFileSharing.Private)]
    [TestCase(MappedFileSharing.Shared)]
    public void AnonymousMappingIsZeroedAndWritable(MappedFileSharing sharing)
    {
        using MappedFile map = MappedFile.CreateAnonymous(2 * Page + 3, sharing);
        Assert.That(map.Length, Is.EqualTo(2 * Page + 3));
        Assert.That(map.Sharing, Is.EqualTo(sharing));
        Assert.That(map.IsShrinkSealed, Is.True, "anonymous memory cannot shrink under the mapping");
        Assert.That(map.ReadOnlySpan.IndexOfAnyExcept((byte)0), Is.EqualTo(-1));

        byte[] data = ScratchDirectory.Pattern((int)map.Length);
        data.CopyTo(map.Memory.Span);
        Assert.That(map.ReadOnlySpan.SequenceEqual(data), Is.True);
        map.Flush();
    }

    [Test]
    public void ReadOnlyMappingRefusesWritableViews()
    {
        Dir.CreateFile("f", Page);
        using MappedFile map = MappedFile.Open(Dir.File("f"));

        var span = Assert.Throws<NotSupportedException>(() => _ = map.Span)!;
        Assert.That(span.Message, Does.Contain("read-only"));
        Assert.Throws<NotSupportedException>(() => _ = map.Memory);
        Assert.Throws<NotSupportedException>(() => map.GetSpan(0, 1));
        Assert.That(map.ReadOnlySpan.Length, Is.EqualTo(Page));
        Assert.That(map.ReadOnlyMemory.Length, Is.EqualTo(Page));
    }

    [Test]
    public void SharedWritableMappingOfAReadOnlyHandleIsRefusedByTheKernel()
    {
        Dir.CreateFile("f", Page);
        using SafeFileHandle file = File.OpenHandle(Dir.File("f"), FileMode.Open, FileAccess.Read);
        var e = Assert.Throws<ZeroCopyException>(() => MappedFile.Map(file, MappedFileAccess.ReadWrite))!;
        Assert.That(e.Errno, Is.EqualTo(Errno.EACCES));
        Assert.That(e.Operation, Is.EqualTo("mmap"));

        // A private writable mapping needs only read access.
        using MappedFile map = MappedFile.Map(file, MappedFileAccess.ReadWrite, sharing: MappedFileSharing.Private);
        map.Span[0] = 1;
        Assert.That(map.ReadOnlySpan[0], Is.EqualTo(1));
    }

    [Test]
    public void SealedMappingRefusesShrinkSoItCannotFault()
    {
        using MappedFile map = MappedFile.CreateSealed(4 * Page);
        SafeFileHandle memfd = map.FileHandle!;
        Assert.That(map.IsShrinkSealed, Is.True);
        Assert.That(MemFd.GetSeals(memfd) & FileSeals.Shrink, Is.EqualTo(FileSeals.Shrink));
        Assert.That(MemFd.GetSeals(memfd) & FileSeals.Grow, Is.EqualTo(FileSeals.None));

        var e = Assert.Throws<ZeroCopyException>(() => MemFd.SetLength(memfd, Page))!;
        Assert.That(e.Errno, Is.EqualTo(Errno.EPERM));
        Assert.That(e.Operation, Is.EqualTo("ftruncate"));

        // The whole mapping is still backed: touching its last byte is safe.
        map.Span[^1] = 0x5A;
        Assert.That(map.ReadOnlySpan[^1], Is.EqualTo(0x5A));

        // Growing is allowed unless asked otherwise.
        MemFd.SetLength(memfd, 8 * Page);
        Assert.That(RandomAccess.GetLength(memfd), Is.EqualTo(8 * Page));
    }

    [Test]
    public void SealedMappingCanAlsoRefuseGrowth()
    {
        using MappedFile map = MappedFile.CreateSealed(Page, sealGrow: true, name: "fixed-size");
        var e = Assert.Throws<ZeroCopyException>(() => MemFd.SetLength(map.FileHandle!, 2 * Page))!;
        Assert.That(e.Errno, Is.EqualTo(Errno.EPERM));
        Assert.That(MemFd.GetSeals(map.FileHandle!), Is.EqualTo(FileSeals.Shrink | FileSeals.Grow));
    }

    [Test]
    public void MapReportsShrinkSealOfACallersMemFd()
    {
        using SafeFileHandle memfd = MemFd.Create("sealed", MemFdOptions.AllowSealing);
        MemFd.SetLength(memfd, Page);
        MemFd.AddSeals(memfd, FileSeals.Shrink);
        using MappedFile map = MappedFile.Map(memfd, MappedFileAccess.ReadWrite);
        Assert.That(map.IsShrinkSealed, Is.True);
    }

    [Test]
    public void DisposeClosesTheOwnedMemFd()
    {
        MappedFile map = MappedFile.CreateSealed(Page);
        SafeFileHandle memfd = map.FileHandle!;
        map.Dispose();
        Assert.That(memfd.IsClosed, Is.True);
    }
}
