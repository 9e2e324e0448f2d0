using System;
using System.IO;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Interop;

/// <summary>Raw bindings: page_size, mmap, munmap, msync, madvise, mincore, aligned_alloc, aligned_free,
/// aligned_outstanding.</summary>
[TestFixture]
public unsafe class RawBindingMemoryTests : RawBindingFixture
{
    private static ulong Page => (ulong)Zcn.page_size();

    private static void* MapAnonymous(ulong length)
    {
        void* addr;
        Raw.AssertOk(Zcn.mmap(&addr, null, length, (int)(MemoryProtection.READ | MemoryProtection.WRITE),
                              (int)(MapFlags.PRIVATE | MapFlags.ANONYMOUS), -1, 0), "mmap");
        return addr;
    }

    [Test]
    public void PageSize_IsTheSystemPageSize() =>
        Assert.That(Zcn.page_size(), Is.EqualTo(Environment.SystemPageSize));

    [Test]
    public void Mmap_AFile_ShowsItsContents()
    {
        byte[] data = Raw.Pattern(3 * (int)Page);
        int fd = Raw.OpenOk(NewFile(data), OpenFlags.RDONLY);
        void* addr = null;
        try
        {
            Assert.That(Zcn.mmap(&addr, null, (ulong)data.Length, (int)MemoryProtection.READ, (int)MapFlags.PRIVATE,
                                 fd, (long)Page), Is.Zero);
            Assert.That(addr != null);
            Assert.That(((ulong)addr) % Page, Is.Zero, "page-aligned");
            Assert.That(new ReadOnlySpan<byte>(addr, 2 * (int)Page).ToArray(), Is.EqualTo(data[(int)Page..]));
        }
        finally
        {
            if (addr != null)
            {
                Zcn.munmap(addr, (ulong)data.Length);
            }

            Raw.Close(fd);
        }
    }

    [Test]
    public void Mmap_AnonymousMemory_IsZeroedAndWritable()
    {
        void* addr = MapAnonymous(2 * Page);
        try
        {
            var span = new Span<byte>(addr, 2 * (int)Page);
            Assert.That(span.IndexOfAnyExcept((byte)0), Is.EqualTo(-1), "zero-filled");
            span.Fill(0xAB);
            Assert.That(span[^1], Is.EqualTo(0xAB));
        }
        finally
        {
            Assert.That(Zcn.munmap(addr, 2 * Page), Is.Zero);
        }
    }

    [Test]
    public void Mmap_OfLengthZero_IsEinvalAndClearsTheAddress()
    {
        void* addr = (void*)0x1234;
        Raw.AssertErrno(Zcn.mmap(&addr, null, 0, (int)MemoryProtection.READ,
                                 (int)(MapFlags.PRIVATE | MapFlags.ANONYMOUS), -1, 0), Errno.EINVAL, "mmap");
        Assert.That(addr == null, "addr_out is set to NULL on failure");
    }

    [Test]
    public void Mmap_OfAClosedDescriptor_IsEbadf()
    {
        void* addr;
        Raw.AssertErrno(Zcn.mmap(&addr, null, Page, (int)MemoryProtection.READ, (int)MapFlags.PRIVATE, Raw.BadFd, 0),
                        Errno.EBADF, "mmap");
    }

    [Test]
    public void Munmap_RemovesTheMapping()
    {
        void* addr = MapAnonymous(Page);

        Assert.That(Zcn.munmap(addr, Page), Is.Zero);
        // The range is no longer mapped: mincore says so.
        Raw.AssertErrno(Zcn.mincore(addr, Page, null), Errno.ENOMEM, "mincore after munmap");
    }

    [Test]
    public void Munmap_OfAnUnalignedAddress_IsEinval()
    {
        void* addr = MapAnonymous(Page);
        try
        {
            Raw.AssertErrno(Zcn.munmap((byte*)addr + 1, Page), Errno.EINVAL, "munmap");
        }
        finally
        {
            Zcn.munmap(addr, Page);
        }
    }

    [Test]
    public void Msync_WritesASharedMappingBackToTheFile()
    {
        string path = NewFile(new byte[Page]);
        int fd = Raw.OpenOk(path, OpenFlags.RDWR);
        void* addr = null;
        try
        {
            Raw.AssertOk(Zcn.mmap(&addr, null, Page, (int)(MemoryProtection.READ | MemoryProtection.WRITE),
                                  (int)MapFlags.SHARED, fd, 0), "mmap");
            byte[] data = Raw.Pattern((int)Page, seed: 3);
            data.AsSpan().CopyTo(new Span<byte>(addr, (int)Page));

            Assert.That(Zcn.msync(addr, Page, (int)MsyncFlags.SYNC), Is.Zero);
            Assert.That(File.ReadAllBytes(path), Is.EqualTo(data));
        }
        finally
        {
            if (addr != null)
            {
                Zcn.munmap(addr, Page);
            }

            Raw.Close(fd);
        }
    }

    [Test]
    public void Msync_WithBothSyncAndAsync_IsEinval()
    {
        void* addr = MapAnonymous(Page);
        try
        {
            Raw.AssertErrno(Zcn.msync(addr, Page, (int)(MsyncFlags.SYNC | MsyncFlags.ASYNC)), Errno.EINVAL, "msync");
        }
        finally
        {
            Zcn.munmap(addr, Page);
        }
    }

    [Test]
    public void Madvise_DontneedOnAnonymousMemory_ZeroesIt()
    {
        void* addr = MapAnonymous(Page);
        try
        {
            new Span<byte>(addr, (int)Page).Fill(7);
            Assert.That(Zcn.madvise(addr, Page, (int)MemoryAdvice.SEQUENTIAL), Is.Zero);
            Assert.That(Zcn.madvise(addr, Page, (int)MemoryAdvice.DONTNEED), Is.Zero);
            Assert.That(new Span<byte>(addr, (int)Page).IndexOfAnyExcept((byte)0), Is.EqualTo(-1),
                "private anonymous pages read as zero after MADV_DONTNEED");
        }
        finally
        {
            Zcn.munmap(addr, Page);
        }
    }

    [Test]
    public void Madvise_OfAnUnalignedAddress_IsEinval()
    {
        void* addr = MapAnonymous(Page);
        try
        {
            Raw.AssertErrno(Zcn.madvise((byte*)addr + 1, 1, (int)MemoryAdvice.NORMAL), Errno.EINVAL, "madvise");
        }
        finally
        {
            Zcn.munmap(addr, Page);
        }
    }

    [Test]
    public void Mincore_CountsTouchedPagesAsResident()
    {
        void* addr = MapAnonymous(4 * Page);
        try
        {
            for (int i = 0; i < 4; i++)
            {
                ((byte*)addr)[i * (int)Page] = 1;
            }

            byte* vec = stackalloc byte[4];
            Assert.That(Zcn.mincore(addr, 4 * Page, vec), Is.EqualTo(4));
            for (int i = 0; i < 4; i++)
            {
                Assert.That(vec[i] & 1, Is.EqualTo(1), $"page {i} resident");
            }

            Assert.That(Zcn.mincore(addr, 4 * Page, null), Is.EqualTo(4), "vec may be NULL");
        }
        finally
        {
            Zcn.munmap(addr, 4 * Page);
        }
    }

    [Test]
    public void Mincore_OfAnUnalignedAddress_IsEinval()
    {
        void* addr = MapAnonymous(Page);
        try
        {
            byte vec;
            Raw.AssertErrno(Zcn.mincore((byte*)addr + 1, 1, &vec), Errno.EINVAL, "mincore");
        }
        finally
        {
            Zcn.munmap(addr, Page);
        }
    }

    [Test]
    public void AlignedAlloc_GivesAnAlignedBlockThatFreeReleases()
    {
        long before = Zcn.aligned_outstanding();
        void* block;

        Assert.That(Zcn.aligned_alloc(&block, 4096, 10000), Is.Zero);
        Assert.That(block != null);
        Assert.That((ulong)block % 4096, Is.Zero);
        new Span<byte>(block, 10000).Fill(1);
        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(before + 1));

        Zcn.aligned_free(block);
        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(before));
    }

    [TestCase(3UL)]
    [TestCase(4UL)]
    public void AlignedAlloc_WithABadAlignment_IsEinvalAndClearsTheOutput(ulong alignment)
    {
        void* block = (void*)0x1234;
        Raw.AssertErrno(Zcn.aligned_alloc(&block, alignment, 64), Errno.EINVAL, "aligned_alloc");
        Assert.That(block == null, "out is set to NULL on failure");
    }

    [Test]
    public void AlignedAlloc_OfSizeZero_IsEinval()
    {
        void* block;
        Raw.AssertErrno(Zcn.aligned_alloc(&block, 64, 0), Errno.EINVAL, "aligned_alloc");
    }

    [Test]
    public void AlignedFree_OfNull_IsIgnored()
    {
        long before = Zcn.aligned_outstanding();
        Zcn.aligned_free(null);
        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(before));
    }
}
