using System;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Plumbing;

/// <summary>
/// One way to make open(2) fail, set up for real in a scratch directory (root or not, as CI runs), with the errno the
/// kernel must give. <see cref="AssertLikeOpenHandle"/> runs <see cref="File.OpenHandle"/> on the same path, mode and
/// access, and checks that the safe API throws the same type, names the path and carries the errno: the expectation
/// comes from the BCL on this machine, not from a table that could drift from it.
/// </summary>
internal sealed class OpenFailure : IDisposable
{
    /// <summary>The scenarios, as plain strings for TestCaseSource (they survive trimming).</summary>
    public static readonly string[] Names =
    {
        "ENOENT.File", "ENOENT.Directory", "ENOENT.DanglingSymlink", "ENOENT.CreateInMissingDirectory",
        "ENOENT.CreateThroughDanglingSymlink", "ENOTDIR", "EACCES", "EPERM", "EISDIR.Read", "EISDIR.ReadWrite",
        "ENAMETOOLONG.Component", "ENAMETOOLONG.Path", "ELOOP", "EROFS", "EEXIST", "ENXIO",
    };

    // A read-only sysfs attribute: kernfs refuses to open it for writing with EACCES even to root, whose
    // CAP_DAC_OVERRIDE passes the permission bits, and the permission bits refuse everybody else. It exists on every
    // kernel with sysfs.
    private const string ReadOnlySysfsAttribute = "/sys/kernel/uevent_seqnum";

    private readonly ScratchDirectory _scratch = new();
    private string? _immutable;
    private string? _mountPoint;
    private Socket? _socket;

    private OpenFailure(string name) => Name = name;

    public string Name { get; }
    public string Path { get; private set; } = "";
    public Errno Errno { get; private set; }
    public FileMode Mode { get; private set; } = FileMode.Open;
    public FileAccess Access { get; private set; } = FileAccess.Read;

    /// <summary>True for the scenarios that create a file (only APIs that can create test them).</summary>
    public bool Creates => Mode != FileMode.Open;

    /// <summary>Sets up scenario <paramref name="name"/>; ignores the test, with the tool's answer, when the set-up
    /// needs a privilege this process lacks (chattr +i, mount), as the ENOSPC tests do.</summary>
    public static OpenFailure Prepare(string name)
    {
        var failure = new OpenFailure(name);
        try
        {
            failure.SetUp();
            return failure;
        }
        catch
        {
            failure.Dispose();
            throw;
        }
    }

    /// <summary>Checks that <paramref name="open"/> fails as File.OpenHandle fails on the same path.</summary>
    /// <param name="open">The safe API's open, returning what it opened (disposed if it wrongly succeeds).</param>
    public void AssertLikeOpenHandle(Func<IDisposable> open)
    {
        Exception? expected = Catch(() => File.OpenHandle(Path, Mode, Access).Dispose());
        Assert.That(expected, Is.Not.Null, $"{Name}: File.OpenHandle succeeded, so the scenario does not fail");
        AssertBclSawTheErrno(expected!);

        Exception? actual = Catch(() => open().Dispose());
        Assert.That(actual, Is.Not.Null, $"{Name}: the open succeeded");
        // File.OpenHandle's plain IOException is our ZeroCopyException, which derives from it.
        Type want = expected!.GetType() == typeof(IOException) ? typeof(ZeroCopyException) : expected.GetType();
        Assert.That(actual!.GetType() == want, Is.True, $"{Name}: File.OpenHandle threw {expected}, the safe API {actual}");
        Assert.That(actual.HResult, Is.EqualTo((int)Errno), $"{Name}: HResult of {actual}");
        Assert.That(actual.Message, Does.Contain($"'{Path}'"), $"{Name}: the message does not name the path");

        var zce = actual as ZeroCopyException ?? actual.InnerException as ZeroCopyException;
        Assert.That(zce, Is.Not.Null, $"{Name}: no ZeroCopyException carries the errno: {actual}");
        Assert.That(zce!.Errno, Is.EqualTo(Errno), Name);
        Assert.That(zce.Operation, Is.EqualTo("open"), Name);
        Assert.That(zce.Path, Is.EqualTo(Path), Name);
        if (actual is FileNotFoundException notFound)
        {
            Assert.That(notFound.FileName, Is.EqualTo(Path), Name);
        }
    }

    public void Dispose()
    {
        if (_immutable != null)
        {
            // Before the scratch directory goes: nobody, root included, can delete an immutable file.
            (int code, string output) = ChildProcess.RunProgram("chattr", "-i", _immutable);
            Assert.That(code, Is.Zero, $"chattr -i: {output}");
        }

        if (_mountPoint != null)
        {
            (int code, string output) = ChildProcess.RunProgram("umount", _mountPoint);
            Assert.That(code, Is.Zero, $"umount: {output}");
        }

        _socket?.Dispose();
        _scratch.Dispose();
    }

    private void SetUp()
    {
        string file = _scratch.File("file");
        File.WriteAllBytes(file, new byte[4096]);
        switch (Name)
        {
            case "ENOENT.File":
                Set(_scratch.File("missing"), Errno.ENOENT);
                break;
            case "ENOENT.Directory":
                Set(_scratch.File("missing/file"), Errno.ENOENT);
                break;
            case "ENOENT.DanglingSymlink":
                File.CreateSymbolicLink(_scratch.File("dangling"), _scratch.File("missing/file"));
                Set(_scratch.File("dangling"), Errno.ENOENT);
                break;
            case "ENOENT.CreateInMissingDirectory":
                Set(_scratch.File("missing/file"), Errno.ENOENT, FileMode.CreateNew, FileAccess.ReadWrite);
                break;
            case "ENOENT.CreateThroughDanglingSymlink":
                // O_CREAT follows the link into a missing directory; the link's own directory exists, so
                // File.OpenHandle blames the file.
                File.CreateSymbolicLink(_scratch.File("dangling"), _scratch.File("missing/file"));
                Set(_scratch.File("dangling"), Errno.ENOENT, FileMode.OpenOrCreate, FileAccess.ReadWrite);
                break;
            case "ENOTDIR":
                Set(file + "/below", Errno.ENOTDIR);
                break;
            case "EACCES":
                Set(ReadOnlySysfsAttribute, Errno.EACCES, access: FileAccess.ReadWrite);
                break;
            case "EPERM":
                Need(ChildProcess.RunProgram("chattr", "+i", file), "chattr +i (CAP_LINUX_IMMUTABLE, and a filesystem with the flag)");
                _immutable = file;
                Set(file, Errno.EPERM, access: FileAccess.ReadWrite);
                break;
            case "EISDIR.Read":
                Set(_scratch.Path, Errno.EISDIR);
                break;
            case "EISDIR.ReadWrite":
                Set(_scratch.Path, Errno.EISDIR, access: FileAccess.ReadWrite);
                break;
            case "ENAMETOOLONG.Component":
                Set(_scratch.File(new string('n', 256)), Errno.ENAMETOOLONG);
                break;
            case "ENAMETOOLONG.Path":
                // Longer than PATH_MAX in all, though every component is short.
                Set(_scratch.Path + string.Concat(System.Linq.Enumerable.Repeat("/" + new string('p', 200), 21)),
                    Errno.ENAMETOOLONG);
                break;
            case "ELOOP":
                File.CreateSymbolicLink(_scratch.File("loop"), _scratch.File("loop"));
                Set(_scratch.File("loop"), Errno.ELOOP);
                break;
            case "EROFS":
                string mountPoint = _scratch.File("read-only");
                Directory.CreateDirectory(mountPoint);
                Need(ChildProcess.RunProgram("mount", "--bind", "-o", "ro", _scratch.Path, mountPoint), "a read-only bind mount");
                _mountPoint = mountPoint;
                Set(System.IO.Path.Combine(mountPoint, "file"), Errno.EROFS, access: FileAccess.ReadWrite);
                break;
            case "EEXIST":
                Set(file, Errno.EEXIST, FileMode.CreateNew, FileAccess.ReadWrite);
                break;
            case "ENXIO":
                // A socket's inode cannot be opened. The socket stays open for the test: disposing it would remove
                // the file it bound.
                _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                _socket.Bind(new UnixDomainSocketEndPoint(_scratch.File("socket")));
                Set(_scratch.File("socket"), Errno.ENXIO);
                break;
            default:
                throw new ArgumentException($"unknown scenario {Name}", nameof(Name));
        }
    }

    private void Set(string path, Errno errno, FileMode mode = FileMode.Open, FileAccess access = FileAccess.Read)
    {
        Path = path;
        Errno = errno;
        Mode = mode;
        Access = access;
    }

    /// <summary>Where File.OpenHandle exposes the errno (its plain IOException's HResult, the IOException inside its
    /// UnauthorizedAccessException), it must be the scenario's: otherwise the set-up made another failure than the
    /// one named. File.OpenHandle reports a directory as EACCES.</summary>
    private void AssertBclSawTheErrno(Exception expected)
    {
        int? bcl = expected switch
        {
            UnauthorizedAccessException { InnerException: IOException inner } => inner.HResult,
            _ when expected.GetType() == typeof(IOException) => expected.HResult,
            _ => null,
        };
        Errno want = Errno == Errno.EISDIR ? Errno.EACCES : Errno;
        Assert.That(bcl is null || bcl == (int)want, Is.True,
            $"{Name}: File.OpenHandle failed with errno {bcl}, not {want}: {expected}");
    }

    private static void Need((int Code, string Output) result, string what)
    {
        if (result.Code != 0)
        {
            Assert.Ignore($"{what} was refused ({result.Output.Trim()}); this errno is tested through PathErrorsTests only");
        }
    }

    private static Exception? Catch(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception e) when (e is not AssertionException)
        {
            return e;
        }
    }
}
