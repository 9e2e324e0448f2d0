using System.Collections.Generic;
using NUnit.Framework;

namespace ZeroCopyNative.BindingsGenerator.Tests;

[TestFixture]
public sealed class StructTests
{
    private SortedDictionary<string, string> files = new();

    [OneTimeSetUp]
    public void Generate() => files = Fixture.Generate("structs.h");

    [Test]
    public void NestedStructIsItsOwnTypeAndAField()
    {
        Assert.That(Fixture.File(files, "Inner.cs"), Does.Contain("public partial struct Inner\n{"));
        Assert.That(Fixture.File(files, "Outer.cs"), Does.Contain("    [NativeTypeName(\"struct fx_inner\")]\n    public Inner inner;\n"));
    }

    [Test]
    public void PrimitiveArraysAreFixedBuffers()
    {
        string outer = Fixture.File(files, "Outer.cs");
        Assert.That(outer, Does.Contain("public unsafe partial struct Outer\n"));
        Assert.That(outer, Does.Contain("    [NativeTypeName(\"uint8_t[16]\")]\n    public fixed byte pad[16];\n"));
        Assert.That(outer, Does.Contain("    [NativeTypeName(\"int32_t[2][3]\")]\n    public fixed int grid[6];\n"));
    }

    [Test]
    public void OtherArraysAreInlineArrays()
    {
        string outer = Fixture.File(files, "Outer.cs");
        Assert.That(outer, Does.Contain("    public _items_e__FixedBuffer items;\n"));
        Assert.That(outer, Does.Contain("    [InlineArray(3)]\n    public partial struct _items_e__FixedBuffer\n    {\n"));
        Assert.That(outer, Does.Contain("        public Inner e0;\n"));
    }

    [Test]
    public void PointerArraysHaveOneFieldPerElementAndARefIndexer()
    {
        string outer = Fixture.File(files, "Outer.cs");
        Assert.That(outer, Does.Contain("    public _slots_e__FixedBuffer slots;\n"));
        Assert.That(outer, Does.Contain("    public unsafe partial struct _slots_e__FixedBuffer\n"));
        Assert.That(outer, Does.Contain("        public void* e0;\n"));
        Assert.That(outer, Does.Contain("        public void* e1;\n"));
        Assert.That(outer, Does.Not.Contain("        public void* e2;\n"));
        Assert.That(outer, Does.Contain("        public ref void* this[int index]\n"));
    }

    [Test]
    public void LayoutProgramPrintsEverySizeAndOffset()
    {
        string program = files["layout/fx_layout.c"];
        Assert.That(program, Does.Contain("#include \"structs.h\""));
        Assert.That(program, Does.Contain("put(out, \"sizeof:Outer\", sizeof(struct fx_outer));"));
        Assert.That(program, Does.Contain("put(out, \"alignof:Outer\", _Alignof(struct fx_outer));"));
        foreach (string field in new[] { "inner", "pad", "grid", "items", "slots", "tail" })
        {
            Assert.That(program, Does.Contain($"put(out, \"offsetof:Outer.{field}\", offsetof(struct fx_outer, {field}));"));
        }

        Assert.That(program, Does.Contain("put(out, \"offsetof:Inner.value\", offsetof(struct fx_inner, value));"));
    }

    [Test]
    public void LayoutTestsTakeAddressesTheWayEachShapeAllows()
    {
        string tests = files["tests/LayoutTests.g.cs"];
        Assert.That(tests, Does.Contain("Assert.That((long)sizeof(Outer), Is.EqualTo(CLayout.Value(\"sizeof:Outer\")), \"sizeof(struct fx_outer)\");"));
        Assert.That(tests, Does.Contain("Assert.That((byte*)s.pad - start, Is.EqualTo(CLayout.Value(\"offsetof:Outer.pad\"))"), "fixed buffer");
        Assert.That(tests, Does.Contain("Assert.That((byte*)&s.items - start, Is.EqualTo(CLayout.Value(\"offsetof:Outer.items\"))"), "inline array");
        Assert.That(tests, Does.Contain("Assert.That((byte*)&s.tail - start, Is.EqualTo(CLayout.Value(\"offsetof:Outer.tail\"))"));
    }
}
