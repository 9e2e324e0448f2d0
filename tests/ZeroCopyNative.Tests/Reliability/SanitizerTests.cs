using System;
using System.IO;
using System.Linq;
using NUnit.Framework;

namespace ZeroCopyNative.Tests.Reliability;

/// <summary>
/// The run uses the libzcn it was meant to: exactly one copy is mapped, the one ZCN_NATIVE_LIBRARY names when it is
/// set. Under the managed-reliability-asan test (ZCN_EXPECT_ASAN=1) AddressSanitizer's runtime is loaded too, so the
/// rest of the category really exercises the sanitized library.
/// </summary>
[Category("Reliability")]
public sealed class SanitizerTests
{
    [Test]
    public void TheIntendedLibzcnIsLoaded_AndAsanWhenExpected()
    {
        _ = ZeroCopyCapabilities.LibraryVersion; // make sure libzcn is loaded
        string[] maps = File.ReadAllLines("/proc/self/maps");
        string[] libraries = maps.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                                 .Where(f => f.Length >= 6)
                                 .Select(f => f[5])
                                 .Where(p => Path.GetFileName(p).StartsWith("libzcn.so", StringComparison.Ordinal))
                                 .Distinct()
                                 .ToArray();
        Assert.That(libraries.Length, Is.EqualTo(1), string.Join(", ", libraries));
        string? wanted = Environment.GetEnvironmentVariable("ZCN_NATIVE_LIBRARY");
        if (!string.IsNullOrEmpty(wanted))
        {
            Assert.That(libraries[0], Is.EqualTo(Path.GetFullPath(wanted)));
        }

        bool asanLoaded = maps.Any(l => l.Contains("/libasan.so", StringComparison.Ordinal));
        Report.Figure($"sanitizer: libzcn from {libraries[0]}; AddressSanitizer runtime {(asanLoaded ? "loaded" : "not loaded")}");
        if (Environment.GetEnvironmentVariable("ZCN_EXPECT_ASAN") == "1")
        {
            Assert.That(asanLoaded, Is.True, "ZCN_EXPECT_ASAN=1 but libasan is not mapped");
        }
    }
}
