using NUnit.Framework;

namespace ZeroCopyNative.Tests;

/// <summary>Base of the test classes whose every test works in a fresh <see cref="ScratchDirectory"/>: one is
/// made before each test and deleted after it, so no test sees another's files.</summary>
public abstract class ScratchDirectoryTests
{
    private ScratchDirectory? _dir;

    /// <summary>This test's directory.</summary>
    private protected ScratchDirectory Dir => _dir ?? throw new System.InvalidOperationException("No test is running.");

    [SetUp]
    public void CreateScratchDirectory() => _dir = new ScratchDirectory();

    [TearDown]
    public void DeleteScratchDirectory()
    {
        _dir?.Dispose();
        _dir = null;
    }
}
