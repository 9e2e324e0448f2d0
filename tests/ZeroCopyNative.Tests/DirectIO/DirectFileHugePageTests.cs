using System;
using System.IO;
using NUnit.Framework;

namespace ZeroCopyNative.Tests.DirectIO;

/// <summary>O_DIRECT reads into buffers on transparent huge pages give the bytes buffered reads give.</summary>
public sealed unsafe class DirectFileHugePageTests : ScratchDirectoryTests
{
    private const int Request = 1 << 20;

    /// <summary>A file of several MiB whose end falls inside a block, read with O_DIRECT in 1 MiB requests into
    /// the first half of a huge-page buffer (as the bench does), and in whole-buffer requests, against the bytes
    /// read through the page cache.</summary>
    [Test]
    public void ReadsIntoAHugePageBufferMatchBufferedReads()
    {
        string path = Dir.File("data");
        int huge = AlignedBuffer.HugePageSize;
        int length = (3 * huge) + (5 * 4096) + 100;
        File.WriteAllBytes(path, ScratchDirectory.Pattern(length, seed: 11));
        byte[] buffered = File.ReadAllBytes(path);
        Assert.That(buffered.Length, Is.EqualTo(length));

        using DirectFile file = DirectFile.Open(path, FileMode.Open, FileAccess.Read);
        using var buffer = new AlignedBuffer(huge, file.Alignment.BufferAlignment);
        Assert.That((long)buffer.Pointer % huge, Is.Zero);

        byte[] direct = new byte[length];
        int total = 0, read;
        do
        {
            Span<byte> half = buffer.Span[..Request];
            half.Fill(0xee); // stale bytes must not pass for data
            read = file.Read(half, total);
            half[..read].CopyTo(direct.AsSpan(total));
            total += read;
        }
        while (read == Request);

        Assert.That(total, Is.EqualTo(length));
        Assert.That(direct.AsSpan().SequenceEqual(buffered), Is.True, "1 MiB requests");

        Array.Clear(direct);
        total = 0;
        do
        {
            read = file.Read(buffer, total);
            buffer.Span[..read].CopyTo(direct.AsSpan(total));
            total += read;
        }
        while (read == huge);

        Assert.That(total, Is.EqualTo(length));
        Assert.That(direct.AsSpan().SequenceEqual(buffered), Is.True, "whole-buffer requests");
        TestContext.Out.WriteLine($"huge pages under the buffer after the reads: {buffer.HugePageBytes()} of {huge} bytes " +
                                  $"(advised: {buffer.HugePagesAdvised})");
    }

    /// <summary>Writing from a huge-page buffer and reading back, both with O_DIRECT, round-trips, and buffered
    /// reads of the file see the same bytes.</summary>
    [Test]
    public void WritesFromAHugePageBufferReachTheFile()
    {
        string path = Dir.File("out");
        int huge = AlignedBuffer.HugePageSize;
        byte[] data = ScratchDirectory.Pattern(2 * huge, seed: 12);
        using (DirectFile file = DirectFile.Open(path, FileMode.CreateNew))
        using (var buffer = new AlignedBuffer(2 * huge, file.Alignment.BufferAlignment))
        {
            data.CopyTo(buffer.Span);
            file.Write(buffer, 0);
            buffer.Span.Clear();
            Assert.That(file.Read(buffer, 0), Is.EqualTo(data.Length));
            Assert.That(buffer.Span.SequenceEqual(data), Is.True);
        }

        Assert.That(File.ReadAllBytes(path).AsSpan().SequenceEqual(data), Is.True);
    }
}
