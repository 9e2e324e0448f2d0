using System;
using System.Buffers;
using System.IO;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Memory;

/// <summary>Buffers of <see cref="AlignedBuffer.HugePageSize"/> or more: their own mapping, aligned to a huge page,
/// advised for transparent huge pages, and an honest report of what the kernel gave.</summary>
public sealed unsafe class AlignedBufferHugePageTests
{
    private const string EnabledPath = "/sys/kernel/mm/transparent_hugepage/enabled";

    private static readonly int Huge = AlignedBuffer.HugePageSize;

    [Test]
    public void HugePageSizeIsTheKernelsPmdSize()
    {
        const string path = "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size";
        int expected = File.Exists(path) ? int.Parse(File.ReadAllText(path).Trim()) : 2 << 20;
        Assert.That(AlignedBuffer.HugePageSize, Is.EqualTo(expected));
    }

    [TestCase(0, 8)]
    [TestCase(0, 4096)]
    [TestCase(1, 512)]
    [TestCase(3 * 4096 + 5, 64)]
    [TestCase(-1, 4096)] // 2 huge pages less one byte: still at least one huge page
    public void BuffersOfAHugePageOrMoreAreAlignedToIt(int extra, int alignment)
    {
        int length = (extra < 0 ? 2 * Huge : Huge) + extra;
        long before = Zcn.aligned_outstanding();
        using (var buffer = new AlignedBuffer(length, alignment))
        {
            Assert.That((long)buffer.Pointer % Huge, Is.Zero, "aligned to the huge-page size");
            Assert.That(buffer.Alignment, Is.EqualTo(Huge), "the alignment it has, not the smaller one asked");
            Assert.That(buffer.Length, Is.EqualTo(length));
            Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(before + 1));
            Assert.That(buffer.Span.IndexOfAnyExcept((byte)0), Is.EqualTo(-1), "a new mapping reads as zeros");

            byte[] data = ScratchDirectory.Pattern(length, seed: 5);
            data.CopyTo(buffer.Span);
            Assert.That(new ReadOnlySpan<byte>(buffer.Pointer, length).SequenceEqual(data), Is.True);
        }

        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(before), "unmapped by Dispose");
    }

    [Test]
    public void AnAlignmentAboveAHugePageIsKept()
    {
        using var buffer = new AlignedBuffer(Huge, 4 * Huge);
        Assert.That((long)buffer.Pointer % (4L * Huge), Is.Zero);
        Assert.That(buffer.Alignment, Is.EqualTo(4 * Huge));
    }

    [TestCase(1, 8)]
    [TestCase(1 << 20, 4096)]
    [TestCase(1 << 20, 512)]
    [TestCase(-1, 4096)] // one byte short of a huge page
    public void SmallerBuffersKeepTheirAlignmentAndReportNoHugePage(int length, int alignment)
    {
        if (length < 0)
        {
            length = Huge - 1;
        }

        using var buffer = new AlignedBuffer(length, alignment, zeroFill: true);
        Assert.That(buffer.Alignment, Is.EqualTo(alignment));
        Assert.That((long)buffer.Pointer % alignment, Is.Zero);
        Assert.That(buffer.HugePagesAdvised, Is.False);
        buffer.Span.Fill(7);
        Assert.That(buffer.HugePageBytes(), Is.Zero, "shorter than a huge page: it cannot hold a whole one");
    }

    /// <summary>
    /// The report agrees with the kernel's policy. Untouched, the buffer has no page at all. Touched: with "never"
    /// none is huge; with "always" or "madvise" the kernel normally gives huge pages at the first touch. When it gave
    /// none (fragmented memory), MADV_COLLAPSE asks again synchronously: if the kernel says it collapsed, the report
    /// must show the whole buffer; if it cannot either, the test says why instead of failing.
    /// </summary>
    [Test]
    public void HugePageReportAgreesWithTheKernelPolicy()
    {
        string? policy = File.Exists(EnabledPath) ? Bracketed(File.ReadAllText(EnabledPath)) : null;
        using var buffer = new AlignedBuffer(2 * Huge, 4096);
        Assert.That(buffer.HugePageBytes(), Is.Zero, "nothing is allocated before the first touch");

        buffer.Span.Fill(0x5a);
        long bytes = buffer.HugePageBytes();
        TestContext.Out.WriteLine($"policy {policy ?? "(no transparent huge pages)"}, advised {buffer.HugePagesAdvised}, " +
                                  $"{bytes} of {buffer.Length} bytes on huge pages after the first touch");
        Assert.That(bytes % Huge, Is.Zero, "whole huge pages");
        Assert.That(bytes, Is.InRange(0, buffer.Length));
        switch (policy)
        {
            case null:
                Assert.That(buffer.HugePagesAdvised, Is.False, "a kernel without THP refuses MADV_HUGEPAGE");
                Assert.That(bytes, Is.Zero);
                break;
            case "never":
                Assert.That(buffer.HugePagesAdvised, Is.True, "the advice is taken, the policy overrides it");
                Assert.That(bytes, Is.Zero, "THP is disabled: the kernel gives none, and the report must say 0");
                break;
            default:
                Assert.That(policy, Is.EqualTo("always").Or.EqualTo("madvise"));
                Assert.That(buffer.HugePagesAdvised, Is.True);
                if (bytes == 0)
                {
                    int collapsed = Zcn.madvise(buffer.Pointer, (ulong)buffer.Length, (int)MemoryAdvice.COLLAPSE);
                    bytes = buffer.HugePageBytes();
                    TestContext.Progress.WriteLine(
                        $"  no huge page at the first touch (THP {policy}); MADV_COLLAPSE returned " +
                        $"{(collapsed == 0 ? "0" : ((Errno)(-collapsed)).ToString())}, then {bytes} bytes");
                    if (collapsed == 0)
                    {
                        Assert.That(bytes, Is.EqualTo(buffer.Length), "the kernel collapsed the range");
                    }
                }
                else
                {
                    Assert.That(bytes, Is.GreaterThan(0));
                }

                break;
        }

        Assert.That(buffer.Span.IndexOfAnyExcept((byte)0x5a), Is.EqualTo(-1), "the bytes survive");
    }

    /// <summary>Two huge buffers advised alike would merge into one mapping without the guard pages, and each would
    /// report the other's huge pages: touching one must leave the other at 0.</summary>
    [Test]
    public void EachBufferReportsOnlyItsOwnHugePages()
    {
        using var touched = new AlignedBuffer(Huge, 4096);
        using var untouched = new AlignedBuffer(Huge, 4096);
        touched.Span.Fill(1);
        Assert.That(untouched.HugePageBytes(), Is.Zero);
        Assert.That(touched.HugePageBytes(), Is.EqualTo(0).Or.EqualTo(Huge));
    }

    [Test]
    public void DisposeAndPinsWorkAsForSmallBuffers()
    {
        long before = Zcn.aligned_outstanding();
        var buffer = new AlignedBuffer(Huge, 4096);
        bool advised = buffer.HugePagesAdvised;
        MemoryHandle pin = buffer.Memory.Slice(Huge - 1).Pin();
        buffer.Dispose();
        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(before + 1), "pinned memory survives Dispose");
        ((byte*)pin.Pointer)[0] = 9; // still mapped
        Assert.Throws<ObjectDisposedException>(() => buffer.HugePageBytes());
        Assert.That(buffer.HugePagesAdvised, Is.EqualTo(advised), "readable after Dispose");
        Assert.That(buffer.Alignment, Is.EqualTo(Huge));
        pin.Dispose();
        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(before), "the last unpin unmaps");
    }

    private static string? Bracketed(string text)
    {
        int open = text.IndexOf('[');
        int close = open < 0 ? -1 : text.IndexOf(']', open + 1);
        return close < 0 ? null : text.Substring(open + 1, close - open - 1);
    }
}
