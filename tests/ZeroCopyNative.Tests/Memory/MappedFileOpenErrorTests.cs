using System;
using System.IO;
using NUnit.Framework;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tests.Plumbing;

namespace ZeroCopyNative.Tests.Memory;

/// <summary>
/// <see cref="MappedFile.Open"/> fails as <see cref="File.OpenHandle"/> fails on the same path: the same exception
/// type, the path in the message, the errno in HResult. One case per errno, each produced for real.
/// </summary>
public sealed class MappedFileOpenErrorTests
{
    /// <summary>The scenarios MappedFile.Open can meet: it never creates a file.</summary>
    public static string[] Cases => Array.FindAll(OpenFailure.Names, n => !n.StartsWith("ENOENT.Create") && n != "EEXIST");

    [TestCaseSource(nameof(Cases))]
    public void OpenFailsAsFileOpenHandleDoes(string name)
    {
        using OpenFailure failure = OpenFailure.Prepare(name);
        // ReadWrite and shared is the one combination that opens O_RDWR, as File.OpenHandle's ReadWrite does.
        MappedFileAccess access = failure.Access == FileAccess.Read ? MappedFileAccess.ReadOnly : MappedFileAccess.ReadWrite;
        failure.AssertLikeOpenHandle(() => MappedFile.Open(failure.Path, access, sharing: MappedFileSharing.Shared));
    }

    [Test]
    public void ADirectorySaysItIsADirectoryNotThatItNeedsALength()
    {
        using var dir = new ScratchDirectory();
        var e = Assert.Throws<UnauthorizedAccessException>(() => MappedFile.Open(dir.Path))!;
        Assert.That(e.Message, Does.Contain("is a directory").And.Contain(dir.Path).And.Not.Contain("length"));
        Assert.That(e.HResult, Is.EqualTo((int)Errno.EISDIR));
    }

    [Test]
    public void ABadPathIsAnArgumentError_AsFileOpenHandleHasIt()
    {
        Assert.Throws<ArgumentException>(() => File.OpenHandle(""));
        Assert.Throws<ArgumentException>(() => MappedFile.Open(""));
        Assert.Throws<ArgumentException>(() => File.OpenHandle("a\0b"));
        Assert.Throws<ArgumentException>(() => MappedFile.Open("a\0b"));
    }

    [Test]
    public void MapFailuresAfterOpenNameThePath()
    {
        // /dev/zero opens, but its size is unknown; with a length, mmap of a character device it cannot map fails.
        var noLength = Assert.Throws<ArgumentException>(() => MappedFile.Open("/dev/zero"))!;
        Assert.That(noLength.Message, Does.Contain("'/dev/zero'").And.Contain("give a length"));
        var e = Assert.Throws<ZeroCopyException>(() => MappedFile.Open("/dev/null", length: 4096))!;
        Assert.That(e.Operation, Is.EqualTo("mmap"));
        Assert.That(e.Path, Is.EqualTo("/dev/null"));
        Assert.That(e.Message, Does.StartWith("mmap on '/dev/null' failed: ENODEV ("));
    }
}
