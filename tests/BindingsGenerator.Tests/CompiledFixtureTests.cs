using NUnit.Framework;
using ZeroCopyNative.BindingsGenerator.Tests.Generated;

namespace ZeroCopyNative.BindingsGenerator.Tests;

/// <summary>The compiled fixture (Generated/, from Fixtures/structs.h) is usable as C code would use it; its sizes and
/// offsets are checked against the C compiler by Generated/LayoutTests.g.cs.</summary>
[TestFixture]
public sealed unsafe class CompiledFixtureTests
{
    [Test]
    public void InlineArrayElementsAreContiguous()
    {
        Outer outer = default;
        outer.items[2].value = 42;
        Assert.That(outer.items[2].value, Is.EqualTo(42));
        Assert.That((byte*)&outer.items[1] - (byte*)&outer.items[0], Is.EqualTo(sizeof(Inner)));
    }

    [Test]
    public void PointerArrayIndexerAliasesTheFields()
    {
        Outer outer = default;
        outer.slots[1] = (void*)0x1234;
        Assert.That((nint)outer.slots.e1, Is.EqualTo((nint)0x1234));
        Assert.That((nint)outer.slots.e0, Is.EqualTo((nint)0));
    }

    [Test]
    public void FlattenedFixedBufferHoldsEveryElement()
    {
        Outer outer = default;
        outer.grid[5] = 7;
        Assert.That(outer.grid[5], Is.EqualTo(7));
        Assert.That((byte*)&outer.tail - (byte*)outer.grid, Is.GreaterThanOrEqualTo(6 * sizeof(int)));
    }
}
