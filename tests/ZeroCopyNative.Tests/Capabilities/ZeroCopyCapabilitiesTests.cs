using System;
using System.IO;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Capabilities;

public sealed class ZeroCopyCapabilitiesTests
{
    [Test]
    public void KernelVersionMatchesOsRelease()
    {
        string release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        Assert.That(ZeroCopyCapabilities.KernelRelease, Is.EqualTo(release));
        Version v = ZeroCopyCapabilities.KernelVersion;
        Assert.That(v.Major, Is.GreaterThanOrEqualTo(6));
        Assert.That(release, Does.StartWith($"{v.Major}.{v.Minor}"));
        Assert.That(ReferenceEquals(ZeroCopyCapabilities.KernelVersion, v), Is.True, "cached");
    }

    [TestCase("6.18.44-fc-v595", 6, 18, 44)]
    [TestCase("5.15.0-91-generic", 5, 15, 0)]
    [TestCase("6.1", 6, 1, 0)]
    [TestCase("4.19.0+", 4, 19, 0)]
    [TestCase("garbage", 0, 0, 0)]
    public void KernelReleasesParse(string release, int major, int minor, int patch)
    {
        // Compared as text: NUnit's IEquatable comparer needs reflection that NativeAOT does not keep.
        Assert.That(ZeroCopyCapabilities.ParseKernelVersion(release).ToString(),
                    Is.EqualTo($"{major}.{minor}.{patch}"));
    }

    [Test]
    public void PipeMaxSizeMatchesProc()
    {
        int expected = int.Parse(File.ReadAllText("/proc/sys/fs/pipe-max-size").Trim());
        Assert.That(ZeroCopyCapabilities.PipeMaxSize, Is.EqualTo(expected));
        Assert.That(ZeroCopyCapabilities.PipeMaxSize, Is.GreaterThanOrEqualTo(4096));
    }

    [Test]
    public void SystemCallsThisKernelOffersAreReported()
    {
        Assert.That(ZeroCopyCapabilities.CopyFileRange, Is.True);
        Assert.That(ZeroCopyCapabilities.Splice, Is.True);
        Assert.That(ZeroCopyCapabilities.VmSplice, Is.True);
        Assert.That(ZeroCopyCapabilities.Tee, Is.True);
        Assert.That(ZeroCopyCapabilities.MemFd, Is.True);
        bool statxKnowsDioAlign = ZeroCopyCapabilities.KernelVersion >= new Version(6, 1);
        Assert.That(ZeroCopyCapabilities.DioAlign, statxKnowsDioAlign ? Is.True : Is.False);
        Assert.That((int)ZeroCopyCapabilities.Features, Is.EqualTo(Zcn.capabilities()));

        // io_uring is reported unless the administrator disabled it for everyone (kernel.io_uring_disabled = 2).
        const string Disabled = "/proc/sys/kernel/io_uring_disabled";
        bool disabled = File.Exists(Disabled) && File.ReadAllText(Disabled).Trim() == "2";
        Assert.That(ZeroCopyCapabilities.IoUring, disabled ? Is.False : Is.True);
    }

    [Test]
    public void EveryFeatureIsTheHeadersCapabilityBit()
    {
        ZeroCopyFeatures[] features = { ZeroCopyFeatures.CopyFileRange, ZeroCopyFeatures.Splice, ZeroCopyFeatures.VmSplice,
            ZeroCopyFeatures.Tee, ZeroCopyFeatures.MemFd, ZeroCopyFeatures.DirectIOAlignment, ZeroCopyFeatures.IoUring };
        CapabilityFlags[] native = { CapabilityFlags.COPY_FILE_RANGE, CapabilityFlags.SPLICE, CapabilityFlags.VMSPLICE,
            CapabilityFlags.TEE, CapabilityFlags.MEMFD, CapabilityFlags.STATX_DIOALIGN, CapabilityFlags.IO_URING };
        Assert.That(Enum.GetValues<CapabilityFlags>().Length, Is.EqualTo(native.Length), "a new zcn_capability bit needs a safe name");
        for (int i = 0; i < features.Length; i++)
        {
            Assert.That((uint)features[i], Is.EqualTo((uint)native[i]), features[i].ToString());
        }

        Assert.That(ZeroCopyCapabilities.DioAlign, Is.EqualTo(ZeroCopyCapabilities.Features.HasFlag(ZeroCopyFeatures.DirectIOAlignment)));
    }

    [Test]
    public void TransparentHugePagesMatchTheBracketedChoice()
    {
        const string Path = "/sys/kernel/mm/transparent_hugepage/enabled";
        TransparentHugePageMode expected = TransparentHugePageMode.Unavailable;
        if (File.Exists(Path))
        {
            string text = File.ReadAllText(Path);
            expected = text.Contains("[always]") ? TransparentHugePageMode.Always
                : text.Contains("[madvise]") ? TransparentHugePageMode.Madvise
                : text.Contains("[never]") ? TransparentHugePageMode.Never
                : TransparentHugePageMode.Unavailable;
        }

        Assert.That(ZeroCopyCapabilities.TransparentHugePages, Is.EqualTo(expected));
    }

    [TestCase("always [madvise] never", TransparentHugePageMode.Madvise)]
    [TestCase("[always] madvise never\n", TransparentHugePageMode.Always)]
    [TestCase("always madvise [never]", TransparentHugePageMode.Never)]
    [TestCase("always madvise never", TransparentHugePageMode.Unavailable)]
    [TestCase("[inherit] always", TransparentHugePageMode.Unavailable)]
    [TestCase(null, TransparentHugePageMode.Unavailable)]
    public void ThpSettingsParse(string? text, TransparentHugePageMode expected)
    {
        Assert.That(ZeroCopyCapabilities.ParseThp(text), Is.EqualTo(expected));
    }

    [Test]
    public void PageSizeIsTheSystemPageSize()
    {
        Assert.That(ZeroCopyCapabilities.PageSize, Is.EqualTo(Environment.SystemPageSize));
    }
}
