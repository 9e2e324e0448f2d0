using System;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Memory;

/// <summary>The safe layer's enums convert to the header's values member by member, and undefined values stop before
/// the system call.</summary>
public sealed class MemoryEnumTests
{
    [Test]
    public void EveryMappedFileAdviceBecomesTheMadviseValueOfTheSameName()
    {
        MappedFileAdvice[] all = Enum.GetValues<MappedFileAdvice>();
        Assert.That(all.Length, Is.EqualTo(Enum.GetValues<MemoryAdvice>().Length), "one safe member per MADV_* value");
        foreach (MappedFileAdvice advice in all)
        {
            // WillNeed is WILLNEED, PopulateRead is POPULATE_READ.
            Assert.That(advice.ToNative().ToString().Replace("_", ""), Is.EqualTo(advice.ToString().ToUpperInvariant()));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => ((MappedFileAdvice)25).ToNative());
        Assert.Throws<ArgumentOutOfRangeException>(() => ((MappedFileAdvice)(-1)).ToNative());
    }

    [Test]
    public void EveryAdviceReachesTheKernelOrIsRefusedByIt()
    {
        // Each advice is one the kernel knows for some mapping: none comes back as an unknown value would.
        using MappedFile map = MappedFile.CreateAnonymous(4 * Environment.SystemPageSize);
        foreach (MappedFileAdvice advice in Enum.GetValues<MappedFileAdvice>())
        {
            try
            {
                map.Advise(advice);
            }
            catch (ZeroCopyException e)
            {
                // REMOVE needs a shared mapping; MERGEABLE needs KSM in the kernel; COLLAPSE refuses a range that
                // NOHUGEPAGE (earlier in this loop) has excluded from transparent huge pages.
                Assert.That(advice is MappedFileAdvice.Remove or MappedFileAdvice.Mergeable or MappedFileAdvice.Unmergeable
                                or MappedFileAdvice.Collapse,
                            Is.True, $"{advice}: {e.Message}");
            }
        }
    }

    [Test]
    public void MemFdOptionsAndFileSealsCarryTheHeadersBits()
    {
        Assert.That((uint)MemFdOptions.AllowSealing.ToNative(), Is.EqualTo((uint)MemFdFlags.ALLOW_SEALING));
        Assert.That((uint)MemFdOptions.HugePages.ToNative(), Is.EqualTo((uint)MemFdFlags.HUGETLB));
        Assert.That((uint)MemFdOptions.None.ToNative(), Is.EqualTo((uint)MemFdFlags.NONE));
        Assert.Throws<ArgumentOutOfRangeException>(() => ((MemFdOptions)(int)MemFdFlags.CLOEXEC).ToNative());

        FileSeals[] seals = { FileSeals.Seal, FileSeals.Shrink, FileSeals.Grow, FileSeals.Write, FileSeals.FutureWrite };
        MemFdSeals[] native = { MemFdSeals.SEAL, MemFdSeals.SHRINK, MemFdSeals.GROW, MemFdSeals.WRITE, MemFdSeals.FUTURE_WRITE };
        for (int i = 0; i < seals.Length; i++)
        {
            Assert.That((uint)seals[i].ToNative(), Is.EqualTo((uint)native[i]), seals[i].ToString());
            Assert.That(FileSealsConversion.FromNative((int)native[i]), Is.EqualTo(seals[i]));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => ((FileSeals)0x40).ToNative());
        // A seal a newer kernel reports (F_SEAL_EXEC, 0x20) is kept, not dropped.
        Assert.That((int)FileSealsConversion.FromNative(0x20 | (int)MemFdSeals.SHRINK), Is.EqualTo(0x20 | (int)FileSeals.Shrink));
    }
}
