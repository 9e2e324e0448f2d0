using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests;

/// <summary>The libzcn resolver: its search order, its messages, and a real failure in a child process.</summary>
[TestFixture]
public class NativeLibraryLoaderTests
{
    private const string ProbeTestName = "ZeroCopyNative.Tests.NativeLibraryLoaderTests.ChildProbe_CallsIntoLibzcn";

    [Test]
    public void CandidatePaths_BaseDirectoryFirstThenAssemblyDirectoryThenTheNuGetLayout()
    {
        IReadOnlyList<string> paths = NativeLibraryLoader.CandidatePaths("/app/", "/lib/pkg", Architecture.X64);

        Assert.That(paths, Is.EqualTo(new[]
        {
            "/app/libzcn.so",
            "/lib/pkg/libzcn.so",
            "/app/runtimes/linux-x64/native/libzcn.so",
            "/lib/pkg/runtimes/linux-x64/native/libzcn.so",
        }));
    }

    [Test]
    public void CandidatePaths_WithoutAnAssemblyDirectory_AsUnderNativeAot_SearchesTheBaseDirectoryOnly()
    {
        IReadOnlyList<string> empty = NativeLibraryLoader.CandidatePaths("/app", string.Empty, Architecture.Arm64);
        IReadOnlyList<string> none = NativeLibraryLoader.CandidatePaths("/app", null, Architecture.Arm64);

        Assert.That(empty, Is.EqualTo(new[] { "/app/libzcn.so", "/app/runtimes/linux-arm64/native/libzcn.so" }));
        Assert.That(none, Is.EqualTo(empty));
    }

    [Test]
    public void CandidatePaths_SameDirectoryTwice_IsSearchedOnce()
    {
        IReadOnlyList<string> paths = NativeLibraryLoader.CandidatePaths("/app/", "/app", Architecture.X64);

        Assert.That(paths, Is.EqualTo(new[] { "/app/libzcn.so", "/app/runtimes/linux-x64/native/libzcn.so" }));
    }

    [Test]
    public void Load_WithTheEnvironmentVariable_TriesExactlyThatFile()
    {
        var tried = new List<string>();
        IntPtr handle = NativeLibraryLoader.Load("/opt/zcn/libzcn.so", new[] { "/app/libzcn.so" },
            Fail(tried), Succeed(tried, "/opt/zcn/libzcn.so"));

        // Compared as long: NUnit's IEquatable<T> lookup for IntPtr throws under NativeAOT.
        Assert.That((long)handle, Is.EqualTo(42L));
        Assert.That(tried, Is.EqualTo(new[] { "/opt/zcn/libzcn.so" }));
    }

    [Test]
    public void Load_WithTheEnvironmentVariableNamingABadFile_FailsWithoutSearchingElsewhere()
    {
        var tried = new List<string>();

        var error = Assert.Throws<DllNotFoundException>(() => NativeLibraryLoader.Load(
            "/opt/zcn/missing.so", new[] { "/app/libzcn.so" }, Fail(tried), Fail(tried)));

        Assert.That(tried, Is.EqualTo(new[] { "/opt/zcn/missing.so" }));
        Assert.That(error!.Message, Does.Contain("'libzcn'"));
        Assert.That(error.Message, Does.Contain("ZCN_NATIVE_LIBRARY=/opt/zcn/missing.so"));
        Assert.That(error.Message, Does.Contain("failed: /opt/zcn/missing.so"));
    }

    [Test]
    public void Load_TriesTheCandidatesInOrderAndStopsAtTheFirstThatLoads()
    {
        var tried = new List<string>();
        IntPtr handle = NativeLibraryLoader.Load(null, new[] { "/a/libzcn.so", "/b/libzcn.so", "/c/libzcn.so" },
            Fail(tried), Succeed(tried, "/b/libzcn.so"));

        // Compared as long: NUnit's IEquatable<T> lookup for IntPtr throws under NativeAOT.
        Assert.That((long)handle, Is.EqualTo(42L));
        Assert.That(tried, Is.EqualTo(new[] { "/a/libzcn.so", "/b/libzcn.so" }));
    }

    [Test]
    public void Load_WhenNothingLoads_NamesEveryPlaceSearchedAndTheEnvironmentVariable()
    {
        var tried = new List<string>();

        var error = Assert.Throws<DllNotFoundException>(() => NativeLibraryLoader.Load(
            string.Empty, new[] { "/a/libzcn.so", "/b/runtimes/linux-x64/native/libzcn.so" },
            Fail(tried), Fail(tried)));

        Assert.That(tried, Is.EqualTo(new[]
        {
            "/a/libzcn.so", "/b/runtimes/linux-x64/native/libzcn.so", "libzcn", "libzcn.so.0", "libzcn.so",
        }), "an empty ZCN_NATIVE_LIBRARY counts as unset");
        string message = error!.Message;
        Assert.That(message, Does.StartWith("Unable to load the native library 'libzcn' (libzcn.so)."));
        Assert.That(message, Does.Contain("/a/libzcn.so: failed: /a/libzcn.so"));
        Assert.That(message, Does.Contain("/b/runtimes/linux-x64/native/libzcn.so: failed"));
        Assert.That(message, Does.Contain("libzcn.so.0 (the system loader"));
        Assert.That(message, Does.Contain("ZCN_NATIVE_LIBRARY"));
    }

    [Test]
    public void LoaderReason_KeepsTheLastLineOfTheRuntimeMessage()
    {
        const string message = "Unable to load shared library 'libzcn.so.0' or one of its dependencies. Advice:\n" +
                               "libzcn.so.0: cannot open shared object file: No such file or directory\n\n";

        Assert.That(NativeLibraryLoader.LoaderReason(message),
            Is.EqualTo("libzcn.so.0: cannot open shared object file: No such file or directory"));
        Assert.That(NativeLibraryLoader.LoaderReason("one line"), Is.EqualTo("one line"));
    }

    [Test]
    public void TheResolvedLibrary_AnswersCalls() =>
        Assert.That(Zcn.version(), Is.GreaterThan(0));

    /// <summary>Run only in the child process of the next test, where ZCN_NATIVE_LIBRARY names a missing file.
    /// </summary>
    [Test]
    [Explicit("Run by ChildProcess_WithABogusEnvironmentVariable_FailsWithTheLoaderMessage in a child process")]
    public void ChildProbe_CallsIntoLibzcn() =>
        Assert.That(Zcn.version(), Is.GreaterThan(0));

    [Test]
    public void ChildProcess_WithABogusEnvironmentVariable_FailsWithTheLoaderMessage()
    {
        string bogus = Path.Combine(Path.GetTempPath(), "zcn-no-such-dir-" + Guid.NewGuid().ToString("N"), "libzcn.so");
        var start = ChildProcess.Self("--test", ProbeTestName);
        start.Environment["ZCN_NATIVE_LIBRARY"] = bogus;

        (int exitCode, string output) = ChildProcess.Run(start, TimeSpan.FromSeconds(60));

        Assert.That(exitCode, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("DllNotFoundException"), output);
        Assert.That(output,
            Does.Contain($"Unable to load the native library 'libzcn' from ZCN_NATIVE_LIBRARY={bogus}: not found"),
            output);
        Assert.That(output, Does.EndWith("0 passed, 1 failed\n"), output);
    }

    private static NativeLibraryLoader.TryLoadLibrary Fail(List<string> tried) =>
        (string name, out IntPtr handle, out string error) =>
        {
            tried.Add(name);
            handle = IntPtr.Zero;
            error = "failed: " + name;
            return false;
        };

    private static NativeLibraryLoader.TryLoadLibrary Succeed(List<string> tried, string good) =>
        (string name, out IntPtr handle, out string error) =>
        {
            tried.Add(name);
            bool ok = name == good;
            handle = ok ? (IntPtr)42 : IntPtr.Zero;
            error = ok ? string.Empty : "failed: " + name;
            return ok;
        };
}
