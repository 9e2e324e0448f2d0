using System;
using System.Buffers;
using System.IO;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Memory;

public sealed unsafe class MappedFileLifetimeTests
{
    private static readonly int Page = Environment.SystemPageSize;

    [Test]
    public void EveryMemberThrowsObjectDisposedExceptionAfterDispose()
    {
        MappedFile map = MappedFile.CreateAnonymous(2 * Page);
        map.Dispose();
        map.Dispose(); // twice is fine

        Assert.Multiple(() =>
        {
            Assert.Throws<ObjectDisposedException>(() => _ = map.Span);
            Assert.Throws<ObjectDisposedException>(() => _ = map.ReadOnlySpan);
            Assert.Throws<ObjectDisposedException>(() => _ = map.Memory);
            Assert.Throws<ObjectDisposedException>(() => _ = map.ReadOnlyMemory);
            Assert.Throws<ObjectDisposedException>(() => map.GetSpan(0, 1));
            Assert.Throws<ObjectDisposedException>(() => map.GetReadOnlySpan(0, 1));
            Assert.Throws<ObjectDisposedException>(() => _ = map.Handle);
            Assert.Throws<ObjectDisposedException>(() => _ = map.FileHandle);
            Assert.Throws<ObjectDisposedException>(() => map.Flush());
            Assert.Throws<ObjectDisposedException>(() => map.Flush(0, 1, async: true));
            Assert.Throws<ObjectDisposedException>(() => map.Advise(MappedFileAdvice.Normal));
            Assert.Throws<ObjectDisposedException>(() => map.Advise(MappedFileAdvice.Normal, 0, 1));
            Assert.Throws<ObjectDisposedException>(() => map.Prefetch());
            Assert.Throws<ObjectDisposedException>(() => map.Prefetch(0, 1));
            Assert.Throws<ObjectDisposedException>(() => map.ResidentBytes());
            Assert.Throws<ObjectDisposedException>(() => map.ResidentBytes(0, 1));
        });

        // Descriptive properties stay readable.
        Assert.That(map.Length, Is.EqualTo(2 * Page));
        Assert.That(map.Access, Is.EqualTo(MappedFileAccess.ReadWrite));
    }

    [Test]
    public void MemoryObtainedBeforeDisposeRefusesItsSpanAfterwards()
    {
        MappedFile map = MappedFile.CreateAnonymous(Page);
        Memory<byte> memory = map.Memory;
        map.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _ = memory.Span);
        Assert.Throws<ObjectDisposedException>(() => memory.Pin());
    }

    [Test]
    public void DisposeIsDeferredWhileTheMemoryIsPinned()
    {
        MappedFile map = MappedFile.CreateAnonymous(3 * Page);
        map.Span.Fill(0x3C);
        nint start = map.Handle.DangerousGetHandle();
        MemoryHandle pin = map.Memory.Slice(Page).Pin();
        Assert.That((long)pin.Pointer, Is.EqualTo((long)start + Page));

        map.Dispose();
        Assert.That(IsMapped(start), Is.True, "a pinned mapping outlives Dispose");
        Assert.That(((byte*)pin.Pointer)[0], Is.EqualTo(0x3C), "the pinned memory is still readable");

        pin.Dispose();
        Assert.That(IsMapped(start), Is.False, "releasing the last pin unmaps");
    }

    [Test]
    public void AReferenceOnTheHandleDefersTheUnmap()
    {
        MappedFile map = MappedFile.CreateAnonymous(Page);
        MappedFileHandle handle = map.Handle;
        nint start = handle.DangerousGetHandle();
        bool added = false;
        handle.DangerousAddRef(ref added);
        map.Dispose();
        Assert.That(IsMapped(start), Is.True);
        Assert.Throws<ObjectDisposedException>(() => map.Flush());
        handle.DangerousRelease();
        Assert.That(IsMapped(start), Is.False);
        Assert.That(handle.MappedLength, Is.EqualTo(Page));
    }

    [Test]
    public void DisposingTheHandleDirectlyDisposesTheMapping()
    {
        using MappedFile map = MappedFile.CreateAnonymous(Page);
        map.Handle.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _ = map.Span);
        Assert.Throws<ObjectDisposedException>(() => map.Flush());
    }

    [Test]
    public void OpenClosesItsDescriptorAndTheMappingOutlivesIt()
    {
        using var dir = new ScratchDirectory();
        byte[] data = dir.CreateFile("f", 2 * Page);
        int before = Directory.GetFiles("/proc/self/fd").Length;
        using MappedFile map = MappedFile.Open(dir.File("f"), MappedFileAccess.ReadWrite);
        Assert.That(Directory.GetFiles("/proc/self/fd").Length, Is.EqualTo(before), "no descriptor is kept");
        Assert.That(map.ReadOnlySpan.SequenceEqual(data), Is.True);
    }

    [Test]
    public void PinRejectsAnIndexOutsideTheMapping()
    {
        using MappedFile map = MappedFile.CreateAnonymous(Page);
        Assert.Throws<ArgumentOutOfRangeException>(() => MemoryMarshalPin(map, Page + 1));
    }

    [Test]
    public void ArgumentsAreCheckedBeforeAnySystemCall()
    {
        using var dir = new ScratchDirectory();
        dir.CreateFile("f", Page);
        File.WriteAllBytes(dir.File("empty"), Array.Empty<byte>());
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentNullException>(() => MappedFile.Open(null!));
            Assert.Throws<ArgumentException>(() => MappedFile.Open("bad\0path"));
            Assert.Throws<ArgumentOutOfRangeException>(() => MappedFile.Open(dir.File("f"), offset: -1));
            Assert.Throws<ArgumentOutOfRangeException>(() => MappedFile.Open(dir.File("f"), length: -1));
            Assert.Throws<ArgumentOutOfRangeException>(() => MappedFile.Open(dir.File("f"), offset: Page + 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => MappedFile.Open(dir.File("f"), (MappedFileAccess)7));
            Assert.Throws<ArgumentOutOfRangeException>(() =>
                MappedFile.Open(dir.File("f"), sharing: (MappedFileSharing)7));
            var past = Assert.Throws<ArgumentOutOfRangeException>(
                () => MappedFile.Open(dir.File("f"), length: Page + 1))!;
            Assert.That(past.Message, Does.Contain("SIGBUS"));
            Assert.Throws<ArgumentException>(() => MappedFile.Open(dir.File("empty")));
            Assert.Throws<ArgumentException>(() => MappedFile.Open(dir.File("f"), offset: Page));
            Assert.Throws<ArgumentOutOfRangeException>(() => MappedFile.CreateAnonymous(0));
            Assert.Throws<ArgumentOutOfRangeException>(() => MappedFile.CreateSealed(-1));
            Assert.Throws<ArgumentNullException>(() => MappedFile.Map(null!));
            Assert.Throws<ArgumentException>(() => MappedFile.Open(""));
            var e = Assert.Throws<FileNotFoundException>(() => MappedFile.Open(dir.File("missing")))!;
            Assert.That(e.HResult, Is.EqualTo((int)Errno.ENOENT));
        });

        var closed = File.OpenHandle(dir.File("f"));
        closed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => MappedFile.Map(closed));

        using MappedFile map = MappedFile.CreateAnonymous(Page);
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => map.Flush(-1, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => map.Flush(0, Page + 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => map.Advise(MappedFileAdvice.Normal, Page, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => map.Prefetch(1, Page));
            Assert.Throws<ArgumentOutOfRangeException>(() => map.ResidentBytes(0, -1));
            Assert.Throws<ArgumentOutOfRangeException>(() => map.GetSpan(long.MaxValue, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => map.GetReadOnlySpan(0, -1));
        });
    }

    private static void MemoryMarshalPin(MappedFile map, int index)
    {
        // Reach the manager's Pin(index) through the public MemoryManager surface.
        System.Runtime.InteropServices.MemoryMarshal.TryGetMemoryManager(
            map.ReadOnlyMemory, out MemoryManager<byte>? manager);
        manager!.Pin(index).Dispose();
    }

    /// <summary>True when the page at <paramref name="start"/> is mapped: mincore(2) fails with ENOMEM on an
    /// unmapped range.</summary>
    private static bool IsMapped(nint start)
    {
        long result = Zcn.mincore((void*)start, (ulong)Page, null);
        Assert.That(result, Is.GreaterThanOrEqualTo(0).Or.EqualTo(-(long)Errno.ENOMEM));
        return result >= 0;
    }
}
