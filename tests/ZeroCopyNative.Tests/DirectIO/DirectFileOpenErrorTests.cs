using System;
using System.IO;
using NUnit.Framework;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tests.Plumbing;

namespace ZeroCopyNative.Tests.DirectIO;

/// <summary>
/// <see cref="DirectFile.Open"/> fails as <see cref="File.OpenHandle"/> fails on the same path, mode and access: the
/// same exception type, the path in the message, the errno in HResult. One case per errno, each produced for real.
/// </summary>
public sealed class DirectFileOpenErrorTests
{
    /// <summary>Every scenario: DirectFile.Open opens and creates.</summary>
    public static string[] Cases => OpenFailure.Names;

    [TestCaseSource(nameof(Cases))]
    public void OpenFailsAsFileOpenHandleDoes(string name)
    {
        using OpenFailure failure = OpenFailure.Prepare(name);
        failure.AssertLikeOpenHandle(() => DirectFile.Open(failure.Path, failure.Mode, failure.Access));
    }

    [Test]
    public void ADirectoryOpenedForReadingIsADirectory_NotAFilesystemWithoutODirect()
    {
        // The kernel answers O_RDONLY|O_DIRECT on a directory with EINVAL, which alone would read as "no O_DIRECT".
        using var dir = new ScratchDirectory();
        var e = Assert.Throws<UnauthorizedAccessException>(
            () => DirectFile.Open(dir.Path, FileMode.Open, FileAccess.Read))!;
        Assert.That(e.Message, Does.Contain("is a directory").And.Contain(dir.Path));
        Assert.That(e.HResult, Is.EqualTo((int)Errno.EISDIR));
    }

    [Test]
    public void ABadPathIsAnArgumentError_AsFileOpenHandleHasIt()
    {
        Assert.Throws<ArgumentException>(() => File.OpenHandle(""));
        Assert.Throws<ArgumentException>(() => DirectFile.Open(""));
        Assert.Throws<ArgumentException>(() => File.OpenHandle("a\0b"));
        Assert.Throws<ArgumentException>(() => DirectFile.Open("a\0b"));
    }
}
