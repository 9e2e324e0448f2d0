using System;
using System.IO;
using System.Reflection;
using NUnit.Framework;
using ZeroCopyNative;

namespace ZeroCopyNative.Tests.Capabilities;

/// <summary>One version source (the VERSION file) feeds zcn_version(), the assembly version and the package version.</summary>
[TestFixture]
public sealed class VersionAgreementTests
{
    private static Version AssemblyVersionOf(Assembly assembly) =>
        Version.Parse(assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!
            .InformationalVersion.Split('+', '-')[0]);

    [Test]
    public void LibraryVersionEqualsTheAssemblyVersion()
    {
        Version assembly = AssemblyVersionOf(typeof(ZeroCopy).Assembly);
        Assert.That(ZeroCopyCapabilities.LibraryVersion.ToString(), Is.EqualTo(assembly.ToString()));
    }

    [Test]
    public void AssemblyVersionEqualsTheVersionFile()
    {
        // The test run happens inside the repository (build output under it); the VERSION file is at its root.
        string? directory = AppContext.BaseDirectory;
        string? versionFile = null;
        for (int depth = 0; directory != null && depth < 12 && versionFile == null; depth++)
        {
            string candidate = Path.Combine(directory, "VERSION");
            versionFile = File.Exists(candidate) && File.Exists(Path.Combine(directory, "native", "include", "zcn.h"))
                ? candidate : null;
            directory = Path.GetDirectoryName(directory.TrimEnd('/'));
        }

        Assert.That(versionFile, Is.Not.Null, "VERSION not found above " + AppContext.BaseDirectory);
        Version expected = Version.Parse(File.ReadAllText(versionFile!).Trim());
        Assert.That(AssemblyVersionOf(typeof(ZeroCopy).Assembly).ToString(), Is.EqualTo(expected.ToString()));
        Assert.That(ZeroCopyCapabilities.LibraryVersion.ToString(), Is.EqualTo(expected.ToString()));
    }
}
