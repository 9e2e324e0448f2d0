using System;
using System.IO;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Memory;

/// <summary>The kernel flags the safe layer exposes: locked mappings (MAP_LOCKED), huge-page memfds of a chosen size
/// (MFD_HUGE_2MB, MFD_HUGE_1GB) and memfds that can never be executed (MFD_NOEXEC_SEAL, F_SEAL_EXEC).</summary>
public sealed class MemoryFlagTests
{
    private static readonly int Page = Environment.SystemPageSize;

    [Test]
    public void LockedAnonymousMappingIsResidentAtOnce()
    {
        using MappedFile map = MappedFile.CreateAnonymous(16 * Page, MappedFileSharing.Private, MappedFileOptions.Locked);
        // MAP_LOCKED faults every page in before mmap returns; nothing has been touched yet.
        Assert.That(map.ResidentBytes(), Is.EqualTo(map.Length));
    }

    [Test]
    public void LockedFileMappingIsResidentAtOnceWithTheFilesBytes()
    {
        using var scratch = new ScratchDirectory();
        byte[] data = scratch.CreateFile("locked", 8 * Page);
        using MappedFile opened = MappedFile.Open(scratch.File("locked"), MappedFileAccess.ReadOnly, 0, 0,
                                                  MappedFileSharing.Shared, MappedFileOptions.Locked);
        Assert.That(opened.ResidentBytes(), Is.EqualTo(opened.Length));
        Assert.That(opened.GetReadOnlySpan(0, data.Length).SequenceEqual(data), Is.True);

        using SafeFileHandle file = File.OpenHandle(scratch.File("locked"));
        using MappedFile mapped = MappedFile.Map(file, MappedFileAccess.ReadOnly, Page, 2 * Page,
                                                 MappedFileSharing.Private, MappedFileOptions.Locked);
        Assert.That(mapped.ResidentBytes(), Is.EqualTo(2L * Page));
        Assert.That(mapped.GetReadOnlySpan(0, Page).SequenceEqual(data.AsSpan(Page, Page)), Is.True);
    }

    [Test]
    public void UndefinedMappedFileOptionsAreRefusedBeforeTheSystemCall()
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            () => MappedFile.CreateAnonymous(Page, MappedFileSharing.Private, (MappedFileOptions)2));
        Assert.That(MappedFileOptions.Locked.ToNative(), Is.EqualTo(MapFlags.LOCKED));
        Assert.That(MappedFileOptions.None.ToNative(), Is.EqualTo((MapFlags)0));
    }

    [Test]
    public void NoExecSealMemFdCanNeverBecomeExecutable()
    {
        using SafeFileHandle memfd = CreateOrIgnore("zcn-noexec", MemFdOptions.NoExecSeal);
        Assert.That(MemFd.GetSeals(memfd) & FileSeals.Exec, Is.EqualTo(FileSeals.Exec));
        Assert.That(File.GetUnixFileMode(memfd) & ExecuteBits, Is.EqualTo(UnixFileMode.None));
        // fchmod fails with EPERM: the seal forbids changing the execute bits.
        Assert.Throws<UnauthorizedAccessException>(
            () => File.SetUnixFileMode(memfd, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        // MFD_NOEXEC_SEAL implies MFD_ALLOW_SEALING: further seals can be added.
        MemFd.AddSeals(memfd, FileSeals.Grow);
        Assert.That(MemFd.GetSeals(memfd) & FileSeals.Grow, Is.EqualTo(FileSeals.Grow));
    }

    [Test]
    public void ExecutableMemFdHasExecuteBits()
    {
        using SafeFileHandle memfd = CreateOrIgnore("zcn-exec", MemFdOptions.Executable);
        Assert.That(File.GetUnixFileMode(memfd) & ExecuteBits, Is.Not.EqualTo(UnixFileMode.None));
    }

    [Test]
    public void ExecSealAddedLaterFreezesTheExecuteBits()
    {
        using SafeFileHandle memfd = MemFd.Create("zcn-seal-exec", MemFdOptions.AllowSealing);
        MemFd.AddSeals(memfd, FileSeals.Exec);
        Assert.That(MemFd.GetSeals(memfd) & FileSeals.Exec, Is.EqualTo(FileSeals.Exec));
        Assert.Throws<UnauthorizedAccessException>(() => File.SetUnixFileMode(memfd, UnixFileMode.UserRead));
    }

    [TestCase(MemFdOptions.HugePages2MB, 2048)]
    [TestCase(MemFdOptions.HugePages1GB, 1048576)]
    public void HugePageMemFdOfAChosenSize(MemFdOptions options, long kib)
    {
        bool poolExists = Directory.Exists($"/sys/kernel/mm/hugepages/hugepages-{kib}kB");
        try
        {
            // The file is made on the pool's hugetlbfs mount whether or not pages are reserved.
            using SafeFileHandle memfd = MemFd.Create("zcn-huge", options);
            Assert.That(poolExists, Is.True, "memfd_create succeeded without a pool of that size");
            Assert.That(RandomAccess.GetLength(memfd), Is.Zero);
        }
        catch (ZeroCopyException e) when (!poolExists)
        {
            Assert.That(e.Errno, Is.EqualTo(Errno.ENODEV).Or.EqualTo(Errno.EINVAL));
        }
    }

    [Test]
    public void MemFdOptionsCarryTheHeadersBitsAndRefuseNonsense()
    {
        Assert.That(MemFdOptions.HugePages2MB.ToNative(), Is.EqualTo(MemFdFlags.HUGETLB | MemFdFlags.HUGE_2MB));
        Assert.That(MemFdOptions.HugePages1GB.ToNative(), Is.EqualTo(MemFdFlags.HUGETLB | MemFdFlags.HUGE_1GB));
        Assert.That(MemFdOptions.NoExecSeal.ToNative(), Is.EqualTo(MemFdFlags.NOEXEC_SEAL));
        Assert.That(MemFdOptions.Executable.ToNative(), Is.EqualTo(MemFdFlags.EXEC));
        Assert.That((uint)FileSeals.Exec.ToNative(), Is.EqualTo((uint)MemFdSeals.EXEC));

        // Two sizes or'ed together encode a third (21 | 30 = 31, 2 GiB); a size needs MFD_HUGETLB.
        Assert.Throws<ArgumentOutOfRangeException>(() => MemFd.Create("x", MemFdOptions.HugePages2MB | MemFdOptions.HugePages1GB));
        Assert.Throws<ArgumentOutOfRangeException>(() => MemFd.Create("x", (MemFdOptions)(int)MemFdFlags.HUGE_2MB));
        Assert.Throws<ArgumentException>(() => MemFd.Create("x", MemFdOptions.NoExecSeal | MemFdOptions.Executable));
    }

    private const UnixFileMode ExecuteBits =
        UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>MFD_NOEXEC_SEAL and MFD_EXEC need Linux 6.3 (EINVAL before); MFD_EXEC is refused (EACCES) where
    /// vm.memfd_noexec = 2.</summary>
    private static SafeFileHandle CreateOrIgnore(string name, MemFdOptions options)
    {
        try
        {
            return MemFd.Create(name, options);
        }
        catch (ZeroCopyException e) when (e.Errno is Errno.EINVAL or Errno.EACCES)
        {
            Assert.Ignore($"memfd_create({options}) refused here: {e.Errno}");
            throw;
        }
    }
}
