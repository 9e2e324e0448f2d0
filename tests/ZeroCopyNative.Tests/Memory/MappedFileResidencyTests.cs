using System;
using System.IO;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Memory;

/// <summary>Advise, Prefetch and ResidentBytes: the page cache and page tables change as the calls say.</summary>
public sealed class MappedFileResidencyTests : ScratchDirectoryTests
{
    private static readonly int Page = Environment.SystemPageSize;

    [Test]
    public void PrefetchMakesAFileMappingResidentAndFadviseDontNeedDropsIt()
    {
        const int Pages = 64;
        Dir.CreateFile("f", Pages * Page);
        using SafeFileHandle file = File.OpenHandle(Dir.File("f"), FileMode.Open, FileAccess.ReadWrite);
        DropCache(file);

        using MappedFile map = MappedFile.Map(file);
        long before = map.ResidentBytes();
        Assert.That(before, Is.LessThan(map.Length), "after DONTNEED on a clean file its pages are not all cached");

        map.Prefetch();
        Assert.That(map.ResidentBytes(), Is.EqualTo(map.Length), "MADV_POPULATE_READ faults in every page");
        Assert.That(map.ResidentBytes(Page + 13, 3 * Page), Is.EqualTo(3 * Page),
                    "an unaligned sub-range counts exactly");

        // Pages mapped into a process are not dropped by fadvise: unmap them from our page tables first.
        map.Advise(MappedFileAdvice.DontNeed);
        DropCache(file);
        Assert.That(map.ResidentBytes(), Is.LessThan(map.Length), "the clean pages left the page cache");
    }

    [Test]
    public void PrefetchOfARangeFaultsInThatRange()
    {
        Dir.CreateFile("f", 32 * Page);
        using SafeFileHandle file = File.OpenHandle(Dir.File("f"), FileMode.Open, FileAccess.ReadWrite);
        DropCache(file);
        using MappedFile map = MappedFile.Map(file, offset: 100);
        map.Prefetch(4 * Page, 2 * Page + 1);
        Assert.That(map.ResidentBytes(4 * Page, 2 * Page + 1), Is.EqualTo(2 * Page + 1));
    }

    [Test]
    public void PrefetchFallsBackToWillNeedWhereMadvPopulateReadIsMissing()
    {
        Dir.CreateFile("f", 32 * Page);
        using SafeFileHandle file = File.OpenHandle(Dir.File("f"), FileMode.Open, FileAccess.ReadWrite);
        DropCache(file);
        using MappedFile map = MappedFile.Map(file);
        bool saved = MappedFile.PopulateUnsupported;
        MappedFile.PopulateUnsupported = true;
        try
        {
            map.Prefetch();
        }
        finally
        {
            MappedFile.PopulateUnsupported = saved;
        }

        // MADV_WILLNEED only starts read-ahead; the pages arrive in the page cache shortly after.
        long resident = 0;
        for (int i = 0; i < 500 && resident < map.Length; i++)
        {
            Thread.Sleep(10);
            resident = map.ResidentBytes();
        }

        Assert.That(resident, Is.EqualTo(map.Length), "read-ahead brought the whole file into the page cache");
    }

    [Test]
    public void AnonymousPagesBecomeResidentWhenTouchedAndGoAfterDontNeed()
    {
        using MappedFile map = MappedFile.CreateAnonymous(4 * Page);
        Assert.That(map.ResidentBytes(), Is.Zero, "untouched anonymous memory has no pages");

        map.Span.Slice(Page, Page).Fill(0x11);
        Assert.That(map.ResidentBytes(Page, Page), Is.EqualTo(Page));

        map.Advise(MappedFileAdvice.DontNeed, Page, Page);
        Assert.That(map.ResidentBytes(Page, Page), Is.Zero);
        Assert.That(map.ReadOnlySpan.Slice(Page, Page).IndexOfAnyExcept((byte)0), Is.EqualTo(-1),
            "private anonymous pages read back as zero after MADV_DONTNEED");
    }

    [Test]
    public void DiscardingAdviceNeverReachesBytesOutsideTheRange()
    {
        using MappedFile map = MappedFile.CreateAnonymous(3 * Page);
        map.Span.Fill(0xFF);

        // [100, Page + 100) contains no whole page: nothing may be dropped.
        map.Advise(MappedFileAdvice.DontNeed, 100, Page);
        Assert.That(map.ReadOnlySpan.IndexOfAnyExcept((byte)0xFF), Is.EqualTo(-1));

        // [Page - 1, 2 Page + 1) contains exactly the middle page.
        map.Advise(MappedFileAdvice.DontNeed, Page - 1, Page + 2);
        Assert.That(map.ReadOnlySpan.Slice(0, Page).IndexOfAnyExcept((byte)0xFF), Is.EqualTo(-1));
        Assert.That(map.ReadOnlySpan.Slice(Page, Page).IndexOfAnyExcept((byte)0), Is.EqualTo(-1));
        Assert.That(map.ReadOnlySpan.Slice(2 * Page).IndexOfAnyExcept((byte)0xFF), Is.EqualTo(-1));
    }

    [Test]
    public void AdviceTheKernelRejectsIsReportedWithItsErrno()
    {
        Dir.CreateFile("f", Page);
        using MappedFile map = MappedFile.Open(Dir.File("f"));
        // An undefined value never reaches the kernel.
        Assert.Throws<ArgumentOutOfRangeException>(() => map.Advise((MappedFileAdvice)999));

        // MADV_FREE applies only to private anonymous memory.
        var e = Assert.Throws<ZeroCopyException>(() => map.Advise(MappedFileAdvice.Free))!;
        Assert.That(e.Errno, Is.EqualTo(Errno.EINVAL));
        Assert.That(e.Operation, Is.EqualTo("madvise"));
    }

    [Test]
    public void OrdinaryAdviceIsAccepted()
    {
        Dir.CreateFile("f", 8 * Page);
        using MappedFile map = MappedFile.Open(Dir.File("f"), offset: 3);
        map.Advise(MappedFileAdvice.Sequential);
        map.Advise(MappedFileAdvice.Random, 1, 5);
        map.Advise(MappedFileAdvice.WillNeed, Page, Page);
        map.Advise(MappedFileAdvice.Normal);
        Assert.That(map.ResidentBytes(), Is.InRange(0, map.Length));
    }

    private static void DropCache(SafeFileHandle file)
    {
        bool added = false;
        file.DangerousAddRef(ref added);
        try
        {
            int fd = (int)file.DangerousGetHandle();
            Assert.That(Zcn.fsync(fd, 0), Is.Zero);
            Assert.That(Zcn.fadvise(fd, 0, 0, (int)FileAdvice.DONTNEED), Is.Zero);
        }
        finally
        {
            file.DangerousRelease();
        }
    }
}
