using System;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.DirectIO;

/// <summary>The safe layer's Direct I/O enums convert to and from the header's values member by member.</summary>
public sealed class DirectIOEnumTests
{
    [Test]
    public void EveryFileAccessAdviceBecomesThePosixFadvValueOfTheSameName()
    {
        FileAccessAdvice[] all = Enum.GetValues<FileAccessAdvice>();
        Assert.That(all.Length, Is.EqualTo(Enum.GetValues<FileAdvice>().Length), "one safe member per POSIX_FADV_* value");
        foreach (FileAccessAdvice advice in all)
        {
            Assert.That(advice.ToNative().ToString(), Is.EqualTo(advice.ToString().ToUpperInvariant()));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => ((FileAccessAdvice)6).ToNative());
    }

    [Test]
    public void EveryDioSourceHasASafeName_AndUnknownValuesAreUnknown()
    {
        Assert.That(DirectIOAlignmentSourceConversion.FromNative((int)DioSource.STATX), Is.EqualTo(DirectIOAlignmentSource.Statx));
        Assert.That(DirectIOAlignmentSourceConversion.FromNative((int)DioSource.BLOCK_DEVICE), Is.EqualTo(DirectIOAlignmentSource.BlockDevice));
        Assert.That(DirectIOAlignmentSourceConversion.FromNative((int)DioSource.BLKSIZE), Is.EqualTo(DirectIOAlignmentSource.BlockSize));
        Assert.That(DirectIOAlignmentSourceConversion.FromNative(0), Is.EqualTo(DirectIOAlignmentSource.Unknown));
        Assert.That(DirectIOAlignmentSourceConversion.FromNative(99), Is.EqualTo(DirectIOAlignmentSource.Unknown));
        Assert.That(Enum.GetValues<DioSource>().Length, Is.EqualTo(Enum.GetValues<DirectIOAlignmentSource>().Length - 1),
                    "a new zcn_dio_source value needs a safe name");
    }
}
