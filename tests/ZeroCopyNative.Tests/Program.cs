using System.Runtime.Versioning;
using ZeroCopyNative.Testing;

// ZeroCopyNative is Linux-only, and so are its tests.
[assembly: SupportedOSPlatform("linux")]

namespace ZeroCopyNative.Tests;

/// <summary>The test executable's entry point: the same Main runs under the JIT and as a NativeAOT binary.</summary>
public static class Program
{
    /// <summary>Runs the tests; see <c>--help</c>.</summary>
    public static int Main(string[] args) => TestRunner.Run(typeof(Program).Assembly, args);
}
