using System;
using System.IO;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Plumbing;

/// <summary>
/// The errno-to-exception choice of <see cref="PathErrors"/>, for every errno it maps, including those a test cannot
/// always produce for real (EPERM and EROFS need root; <see cref="OpenFailure"/> produces them where it can). The
/// types are those File.OpenHandle threw on this machine for the same errno.
/// </summary>
public sealed class PathErrorsTests
{
    private static readonly object[] s_table =
    {
        new object[] { Errno.ENOTDIR, typeof(DirectoryNotFoundException) },
        new object[] { Errno.EACCES, typeof(UnauthorizedAccessException) },
        new object[] { Errno.EPERM, typeof(UnauthorizedAccessException) },
        new object[] { Errno.EISDIR, typeof(UnauthorizedAccessException) },
        new object[] { Errno.ENAMETOOLONG, typeof(PathTooLongException) },
        // File.OpenHandle throws a plain IOException for these; ours is the ZeroCopyException that derives from it.
        new object[] { Errno.EROFS, typeof(ZeroCopyException) },
        new object[] { Errno.ELOOP, typeof(ZeroCopyException) },
        new object[] { Errno.EEXIST, typeof(ZeroCopyException) },
        new object[] { Errno.ENXIO, typeof(ZeroCopyException) },
        new object[] { Errno.EMFILE, typeof(ZeroCopyException) },
    };

    [TestCaseSource(nameof(s_table))]
    public void EachErrnoGetsTheTypeFileOpenHandleThrows_NamesThePath_AndKeepsTheErrno(Errno errno, Type expected)
    {
        const string Path = "/var/tmp/zcn-no-such-dir/file";
        Exception e = PathErrors.For(errno, Path, "open");
        Assert.That(e.GetType() == expected, Is.True, $"{errno}: {e.GetType().Name}, expected {expected.Name}");
        Assert.That(e.HResult, Is.EqualTo((int)errno));
        Assert.That(e.Message, Does.Contain($"'{Path}'").And.Contain(ZeroCopyException.NameOf(errno)));
        var zce = e as ZeroCopyException ?? (ZeroCopyException)e.InnerException!;
        Assert.That(zce.Errno, Is.EqualTo(errno));
        Assert.That(zce.Operation, Is.EqualTo("open"));
        Assert.That(zce.Path, Is.EqualTo(Path));
    }

    [Test]
    public void EnoentBlamesTheFileWhenItsDirectoryExists_AndTheDirectoryOtherwise()
    {
        using var dir = new ScratchDirectory();
        Exception inExisting = PathErrors.For(Errno.ENOENT, dir.File("missing"), "open");
        Assert.That(inExisting, Is.TypeOf<FileNotFoundException>());
        Assert.That(((FileNotFoundException)inExisting).FileName, Is.EqualTo(dir.File("missing")));
        Assert.That(PathErrors.For(Errno.ENOENT, dir.File("missing/file"), "open"), Is.TypeOf<DirectoryNotFoundException>());
        Assert.That(PathErrors.For(Errno.ENOENT, dir.File("missing") + "/", "open"), Is.TypeOf<FileNotFoundException>());
        // A bare name lives in the working directory, which exists.
        Assert.That(PathErrors.For(Errno.ENOENT, "zcn-no-such-file", "open"), Is.TypeOf<FileNotFoundException>());
        Assert.That(PathErrors.For(Errno.ENOENT, "x", "open").HResult, Is.EqualTo((int)Errno.ENOENT));
    }

    [Test]
    public void CheckPassesValuesAndThrowsForNegativeErrnos()
    {
        Assert.That(PathErrors.Check(7, "/p", "open"), Is.EqualTo(7));
        Assert.Throws<UnauthorizedAccessException>(() => PathErrors.Check(-(int)Errno.EACCES, "/p", "open"));
    }
}
