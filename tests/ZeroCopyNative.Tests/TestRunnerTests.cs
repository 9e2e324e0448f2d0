using System.IO;
using NUnit.Framework;
using NUnit.Framework.Internal;
using ZeroCopyNative.Testing;

namespace ZeroCopyNative.Tests;

/// <summary>The test executable's own command line and filters (ZeroCopyNative.TestRunner).</summary>
[TestFixture]
public class TestRunnerTests
{
    [Test]
    public void Parse_FlagsAndRepeatableValuesInBothSpellings()
    {
        var error = new StringWriter();
        RunnerOptions? options = RunnerOptions.Parse(
            new[] { "--verbose", "--category", "slow", "--category=io", "--test=A.B", "--test", "C", "--list" }, error);

        Assert.That(options, Is.Not.Null, error.ToString());
        Assert.That(options!.Verbose && options.List && !options.Help);
        Assert.That(options.Categories, Is.EqualTo(new[] { "slow", "io" }));
        Assert.That(options.TestPrefixes, Is.EqualTo(new[] { "A.B", "C" }));
    }

    // The reasons are System.CommandLine's: each names the word it could not place.
    [TestCase("--nope", "Unrecognized command or argument '--nope'")]
    [TestCase("--list=yes", "Unrecognized command or argument 'yes'")]
    [TestCase("--category", "Required argument missing for option: '--category'")]
    [TestCase("--test=", "Required argument missing for option: '--test'")]
    [TestCase("-x", "Unrecognized command or argument '-x'")]
    public void Parse_ABadCommandLine_IsRejectedWithTheReason(string arg, string reason)
    {
        var error = new StringWriter();

        Assert.That(RunnerOptions.Parse(new[] { arg }, error), Is.Null);
        Assert.That(error.ToString(), Does.Contain(reason));
    }

    [Test]
    public void BuildFilter_WithoutSelection_IsTheEmptyFilter() =>
        Assert.That(TestRunner.BuildFilter(new string[0], new string[0]).IsEmpty);

    [Test]
    public void BuildFilter_AndsTheCategoryGroupWithTheEscapedPrefixGroup()
    {
        TestFilter filter = TestRunner.BuildFilter(new[] { "a<b", "c" }, new[] { "Ns.Type(1,2)" });
        string xml = filter.ToXml(recursive: true).OuterXml;

        Assert.That(xml, Does.StartWith("<and>"));
        Assert.That(xml, Does.Contain("<cat>a&lt;b</cat>"));
        Assert.That(xml, Does.Contain("<cat>c</cat>"));
        Assert.That(xml, Does.Contain(@"^Ns\.Type\(1,2\)"));
    }
}
