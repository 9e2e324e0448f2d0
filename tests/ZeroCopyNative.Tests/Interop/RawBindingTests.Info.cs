using System;
using System.Runtime.InteropServices;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Interop;

/// <summary>Raw bindings: version, errno names and messages, capabilities.</summary>
[TestFixture]
public unsafe class RawBindingInfoTests
{
    [Test]
    public void Version_MatchesTheAssemblyVersion()
    {
        Version expected = typeof(Zcn).Assembly.GetName().Version!;
        int version = Zcn.version();

        Assert.That(version >> 16, Is.EqualTo(expected.Major));
        Assert.That((version >> 8) & 0xff, Is.EqualTo(expected.Minor));
        Assert.That(version & 0xff, Is.EqualTo(expected.Build));
    }

    [TestCase(11, "EAGAIN")]
    [TestCase(-11, "EAGAIN")]
    [TestCase(9, "EBADF")]
    [TestCase(-133, "EHWPOISON")]
    public void ErrnoName_KnownNumber_GivesTheSymbol(int error, string expected)
    {
        sbyte* name = Zcn.errno_name(error);

        Assert.That(name != null, "errno_name returned NULL");
        Assert.That(Marshal.PtrToStringUTF8((IntPtr)name), Is.EqualTo(expected));
    }

    [TestCase(0)]
    [TestCase(100000)]
    [TestCase(int.MinValue)]
    public void ErrnoName_UnknownNumber_GivesNull(int error) =>
        Assert.That(Zcn.errno_name(error) == null, $"errno_name({error}) should be NULL");

    [Test]
    public void ErrnoMessage_KnownNumber_GivesTheStrerrorText()
    {
        Assert.That(Marshal.PtrToStringUTF8((IntPtr)Zcn.errno_message((int)Errno.EAGAIN)),
            Is.EqualTo("Resource temporarily unavailable"));
        Assert.That(Marshal.PtrToStringUTF8((IntPtr)Zcn.errno_message(-(int)Errno.ENOENT)),
            Is.EqualTo("No such file or directory"));
    }

    [TestCase(0)]
    [TestCase(4096)]
    public void ErrnoMessage_UnknownNumber_GivesNull(int error) =>
        Assert.That(Zcn.errno_message(error) == null, $"errno_message({error}) should be NULL");

    [Test]
    public void Capabilities_ReportsTheZeroCopyCallsOfThisKernelAndNoUnknownBits()
    {
        int caps = Zcn.capabilities();
        var required = CapabilityFlags.COPY_FILE_RANGE | CapabilityFlags.SPLICE | CapabilityFlags.VMSPLICE |
                       CapabilityFlags.TEE | CapabilityFlags.MEMFD;
        uint known = 0;
        foreach (CapabilityFlags flag in Enum.GetValues<CapabilityFlags>())
        {
            known |= (uint)flag;
        }

        // Every Linux the project supports (5.x and later) has these calls.
        Assert.That((uint)caps & (uint)required, Is.EqualTo((uint)required));
        Assert.That((uint)caps & ~known, Is.Zero, "unknown capability bits");
        Assert.That(Zcn.capabilities(), Is.EqualTo(caps), "the probe result is cached");
    }
}
