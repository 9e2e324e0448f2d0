using NUnit.Framework;

namespace ZeroCopyNative.BindingsGenerator.Tests;

[TestFixture]
public sealed class TypedefTests
{
    [Test]
    public void ChainsResolveToTheCanonicalTypeAndKeepTheTypedefSpelling()
    {
        string zcn = Fixture.File(Fixture.Generate("typedefs.h"), "Zcn.cs");
        Assert.That(zcn, Does.Contain("[return: NativeTypeName(\"fx_pos\")]\n    public static extern long seek("));
        Assert.That(zcn, Does.Contain("[NativeTypeName(\"fx_handle\")] void* handle"));
        Assert.That(zcn, Does.Contain("[NativeTypeName(\"fx_pos\")] long pos"));
    }

    [Test]
    public void StructNamedThroughADifferentTypedefTakesThatTypedefsRename()
    {
        var files = Fixture.Generate("typedefs.h");
        Assert.That(Fixture.File(files, "Range.cs"), Does.Contain("public partial struct Range\n"));
        Assert.That(Fixture.File(files, "Range.cs"), Does.Contain("    [NativeTypeName(\"fx_count\")]\n    public uint length;\n"));
        Assert.That(Fixture.File(files, "Zcn.cs"), Does.Contain("[NativeTypeName(\"const fx_range_t *\")] Range* range"));
    }

    [Test]
    public void RemapOverridesAChain()
    {
        var files = Fixture.Generate("typedefs.h", o => o.Remaps["fx_off"] = "ulong");
        Assert.That(Fixture.File(files, "Zcn.cs"), Does.Contain("[NativeTypeName(\"fx_pos\")] ulong pos"));
    }
}
