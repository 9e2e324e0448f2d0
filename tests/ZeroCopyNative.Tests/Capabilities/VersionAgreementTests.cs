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
        // The build bakes the VERSION file's path into this assembly (ZeroCopyNative.Tests.csproj): the test binaries
        // may be anywhere (a build directory outside the source tree, the NativeAOT output), the file stays put.
        string? versionFile = null;
        foreach (AssemblyMetadataAttribute metadata in
                 typeof(VersionAgreementTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>())
        {
            if (metadata.Key == "ZcnVersionFile")
            {
                versionFile = metadata.Value;
            }
        }

        Assert.That(versionFile, Is.Not.Null, "the test assembly carries no ZcnVersionFile metadata");
        Assert.That(File.Exists(versionFile), Is.True,
            $"{versionFile}, the VERSION file this build was made from, is gone");
        Version expected = Version.Parse(File.ReadAllText(versionFile!).Trim());
        Assert.That(AssemblyVersionOf(typeof(ZeroCopy).Assembly).ToString(), Is.EqualTo(expected.ToString()));
        Assert.That(ZeroCopyCapabilities.LibraryVersion.ToString(), Is.EqualTo(expected.ToString()));
    }
}
