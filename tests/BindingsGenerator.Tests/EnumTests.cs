using System.Collections.Generic;
using NUnit.Framework;

namespace ZeroCopyNative.BindingsGenerator.Tests;

[TestFixture]
public sealed class EnumTests
{
    private SortedDictionary<string, string> files = new();

    [OneTimeSetUp]
    public void Generate() => files = Fixture.Generate("enums.h");

    [Test]
    public void NegativeValuesMakeASignedEnum()
    {
        string signed = Fixture.File(files, "Signed.cs");
        Assert.That(signed, Does.Contain("public enum Signed : int\n"));
        Assert.That(signed, Does.Not.Contain("NativeTypeName"), "int needs no [NativeTypeName]");
        Assert.That(signed, Does.Contain("    MINUS_ONE = -1,\n"));
        Assert.That(signed, Does.Contain("    MIN = -2147483648,\n"));
    }

    [Test]
    public void FlagsEnumsAreHexAndCarryFlags()
    {
        string bits = Fixture.File(files, "Bits.cs");
        Assert.That(bits, Does.Contain("[NativeTypeName(\"unsigned int\")]\n[Flags]\npublic enum Bits : uint\n"));
        Assert.That(bits, Does.Contain("    A = 0x1,\n"));
        Assert.That(bits, Does.Contain("    B = 0x10,\n"));
        Assert.That(bits, Does.Contain("    OCT = 0x40,\n"), "octal 0100 is 64");
        Assert.That(bits, Does.Contain("    HIGH = 0x80000000,\n"));
    }

    [Test]
    public void MembersWithoutCommentsAreDocumentedFromNameAndValue() =>
        Assert.That(Fixture.File(files, "Bits.cs"), Does.Contain("    /// <summary>A (0x1).</summary>\n    A = 0x1,"));

    [Test]
    public void UnsignedValuesAndAliases()
    {
        string unsigned = Fixture.File(files, "Unsigned.cs");
        Assert.That(unsigned, Does.Contain("public enum Unsigned : uint\n"));
        Assert.That(unsigned, Does.Contain("    BIG = 4000000000,\n"));
        Assert.That(unsigned, Does.Contain("    ALIAS = 4000000000,\n"));
        Assert.That(unsigned, Does.Not.Contain("[Flags]"));
    }

    [Test]
    public void SingleMemberIsStrippedUpToItsLastUnderscore() =>
        Assert.That(Fixture.File(files, "fx_single.cs"), Does.Contain("    NONE = 0,\n"));

    [Test]
    public void PrefixIsShortenedWhenMembersWouldStartWithADigit() =>
        Assert.That(Fixture.File(files, "fx_digits.cs"), Does.Contain("    LEVEL_1 = 1,\n"));

    [Test]
    public void MemberPrefixCanBeOverridden()
    {
        var overridden = Fixture.Generate("enums.h", o => o.EnumMemberPrefixes["fx_keywords"] = "FX_");
        Assert.That(Fixture.File(overridden, "fx_keywords.cs"), Does.Contain("    KW_IN = 1,\n"));
    }

    [Test]
    public void EnumParametersUseTheEnumTypes() =>
        Assert.That(Fixture.File(files, "Zcn.cs"),
            Does.Contain("public static extern Signed enum_echo([NativeTypeName(\"fx_signed\")] Signed s, [NativeTypeName(\"enum fx_unsigned\")] Unsigned u);"));

    [TestCase(new[] { "ZCN_EPERM", "ZCN_ENOENT", "ZCN_E2BIG" }, "ZCN_")]
    [TestCase(new[] { "ZCN_SPLICE_F_MOVE", "ZCN_SPLICE_F_NONBLOCK" }, "ZCN_SPLICE_F_")]
    [TestCase(new[] { "ZCN_POLLIN", "ZCN_POLLOUT" }, "ZCN_")]
    [TestCase(new[] { "ZCN_COPY_NONE" }, "ZCN_COPY_")]
    [TestCase(new[] { "ZCN_X_1", "ZCN_X_2" }, "ZCN_")]
    [TestCase(new[] { "A", "B" }, "")]
    public void MemberPrefixRule(string[] names, string expected) =>
        Assert.That(HeaderReader.MemberPrefix(names), Is.EqualTo(expected));
}
