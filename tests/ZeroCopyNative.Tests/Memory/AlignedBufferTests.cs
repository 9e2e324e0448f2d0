using System;
using System.Buffers;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Memory;

public sealed unsafe class AlignedBufferTests
{
    [TestCase(8)]
    [TestCase(16)]
    [TestCase(512)]
    [TestCase(4096)]
    [TestCase(65536)]
    public void AllocatesAtTheAlignmentAsked(int alignment)
    {
        using var buffer = new AlignedBuffer(3 * alignment + 1, alignment);
        Assert.That((long)buffer.Pointer % alignment, Is.Zero);
        Assert.That(buffer.Length, Is.EqualTo(3 * alignment + 1));
        Assert.That(buffer.Alignment, Is.EqualTo(alignment));
        Assert.That(buffer.Span.Length, Is.EqualTo(buffer.Length));
        Assert.That(buffer.Memory.Length, Is.EqualTo(buffer.Length));

        byte[] data = ScratchDirectory.Pattern(buffer.Length);
        data.CopyTo(buffer.Span);
        Assert.That(new ReadOnlySpan<byte>(buffer.Pointer, buffer.Length).SequenceEqual(data), Is.True);
        Assert.That(buffer.Memory.Span.SequenceEqual(data), Is.True);
    }

    [Test]
    public void ZeroFillClearsTheMemory()
    {
        using var buffer = new AlignedBuffer(1 << 20, 4096, zeroFill: true);
        Assert.That(buffer.Span.IndexOfAnyExcept((byte)0), Is.EqualTo(-1));
    }

    [TestCase(0)]
    [TestCase(-8)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(24)]
    [TestCase(4095)]
    public void RejectsAnAlignmentThatIsNotAPowerOfTwoOfAtLeastAPointer(int alignment)
    {
        long before = Zcn.aligned_outstanding();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedBuffer(64, alignment))!;
        Assert.That(e.ParamName, Is.EqualTo("alignment"));
        Assert.That(e.Message, Does.Contain("power of two").And.Contain($"at least {IntPtr.Size}")
                                   .And.Contain($"{alignment} is not"));
        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(before), "nothing was allocated");
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void RejectsALengthThatIsNotPositive(int length)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedBuffer(length, 64))!;
        Assert.That(e.ParamName, Is.EqualTo("length"));
        Assert.That(e.Message, Does.Contain("above 0").And.Contain($"{length} is not"));
    }

    [Test]
    public void DisposeFreesExactlyOnceAndIsSafeTwice()
    {
        long before = Zcn.aligned_outstanding();
        var buffer = new AlignedBuffer(100, 64);
        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(before + 1));
        buffer.Dispose();
        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(before));
        ((IDisposable)buffer).Dispose();
        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(before));
        Assert.That(buffer.IsDisposed, Is.True);
    }

    [Test]
    public void EveryMemberThrowsObjectDisposedExceptionAfterDispose()
    {
        var buffer = new AlignedBuffer(100, 64);
        Memory<byte> memory = buffer.Memory;
        ((IDisposable)buffer).Dispose();
        Assert.Multiple(() =>
        {
            Assert.Throws<ObjectDisposedException>(() => _ = buffer.Span);
            Assert.Throws<ObjectDisposedException>(() => buffer.GetSpan());
            Assert.Throws<ObjectDisposedException>(() => _ = (nint)buffer.Pointer);
            Assert.Throws<ObjectDisposedException>(() => buffer.Pin());
            Assert.Throws<ObjectDisposedException>(() => _ = buffer.Memory);
            Assert.Throws<ObjectDisposedException>(() => _ = memory.Span);
            Assert.Throws<ObjectDisposedException>(() => memory.Pin());
        });
        Assert.That(buffer.Length, Is.EqualTo(100));
        Assert.That(buffer.Alignment, Is.EqualTo(64));
    }

    [Test]
    public void PinReturnsTheNativeAddressAndDefersTheFree()
    {
        long before = Zcn.aligned_outstanding();
        var buffer = new AlignedBuffer(4096, 4096);
        byte* start = buffer.Pointer;
        MemoryHandle whole = buffer.Memory.Pin();
        MemoryHandle tail = buffer.Memory.Slice(100).Pin();
        Assert.That((long)whole.Pointer, Is.EqualTo((long)start));
        Assert.That((long)tail.Pointer, Is.EqualTo((long)(start + 100)));
        Assert.That(buffer.PinCount, Is.EqualTo(2));

        buffer.Dispose();
        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(before + 1), "pinned memory survives Dispose");
        ((byte*)tail.Pointer)[0] = 42;
        Assert.That(start[100], Is.EqualTo(42));

        whole.Dispose();
        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(before + 1));
        tail.Dispose();
        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(before), "the last unpin frees");
    }

    [Test]
    public void PinRejectsAnIndexOutsideTheBuffer()
    {
        using var buffer = new AlignedBuffer(10, 16);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Pin(11));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Pin(-1));
        buffer.Pin(10).Dispose();
        Assert.That(buffer.PinCount, Is.Zero);
    }

    [Test]
    public void UnpinWithoutPinIsReportedNotFreedTwice()
    {
        long before = Zcn.aligned_outstanding();
        var buffer = new AlignedBuffer(10, 16);
        buffer.Dispose();
        Assert.Throws<InvalidOperationException>(() => buffer.Unpin());
        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(before));
    }
}
