using System.IO;
using NUnit.Framework;

namespace ZeroCopyNative.BindingsGenerator.Tests;

[TestFixture]
public sealed class OptionsTests
{
    [Test]
    public void ResponseFileListsValuesOnFollowingLinesAndSkipsComments()
    {
        string rsp = Path.Combine(Fixture.TempDirectory(), "test.rsp");
        try
        {
            File.WriteAllText(rsp, "# comment\n--file a.h\n--remap\nzcn_iovec=IoVec\nint32_t=int\n--flags-enum zcn_prot zcn_seals\n--output out\n");
            GeneratorOptions options = OptionsParser.Parse(new[] { "@" + rsp, "--check" });
            Assert.That(options.InputHeader, Is.EqualTo("a.h"));
            Assert.That(options.Remaps["zcn_iovec"], Is.EqualTo("IoVec"));
            Assert.That(options.Remaps["int32_t"], Is.EqualTo("int"));
            Assert.That(options.FlagsEnums, Is.EquivalentTo(new[] { "zcn_prot", "zcn_seals" }));
            Assert.That(options.OutputDirectory, Is.EqualTo("out"));
            Assert.That(options.Check, Is.True);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(rsp)!, recursive: true);
        }
    }

    [TestCase(new[] { "--file", "a.h", "--output", "o", "--bogus" }, "unknown option '--bogus'")]
    [TestCase(new[] { "stray" }, "value 'stray' does not follow an option")]
    [TestCase(new[] { "--output", "o" }, "no input header")]
    [TestCase(new[] { "--file", "a.h" }, "no output folder")]
    [TestCase(new[] { "--file", "a.h", "--output", "o", "--remap", "novalue" }, "--remap expects name=value")]
    [TestCase(new[] { "@/nonexistent/zcn.rsp" }, "response file '/nonexistent/zcn.rsp' not found")]
    public void BadCommandLinesAreRejected(string[] args, string message)
    {
        var e = Assert.Throws<GeneratorException>(() => OptionsParser.Parse(args));
        Assert.That(e!.Message, Does.Contain(message));
    }
}
