using ZeroCopyNative.Testing;

namespace ZeroCopyNative.BindingsGenerator.Tests;

/// <summary>The generator tests' entry point (ctest generator-tests): the shared NUnit runner; see <c>--help</c>.</summary>
internal static class Program
{
    public static int Main(string[] args) => TestRunner.Run(typeof(Program).Assembly, args);
}
