using NUnit.Framework;

namespace ZeroCopyNative.BindingsGenerator.Tests;

/// <summary>Every construct without an exact blittable C# form stops the generator with "file:line:column: error:"
/// naming the construct.</summary>
[TestFixture]
public sealed class UnsupportedTests
{
    [TestCase("union.h", "union.h:3:7: error: union 'fx_u' is not supported")]
    [TestCase("bitfield.h", "bitfield.h:4:14: error: bitfield 'fx_bits.a' is not supported")]
    [TestCase("varargs.h", "varargs.h:4:9: error: varargs function 'fx_printf' is not supported")]
    [TestCase("function_pointer.h", "function_pointer.h:4:27: error: function pointer 'int32_t (*)(int32_t)' in parameter 'callback' of 'fx_each' is not supported")]
    [TestCase("function_pointer_typedef.h", "function_pointer_typedef.h:4:16: error: function pointer 'fx_callback' in typedef 'fx_callback' is not supported")]
    [TestCase("knr.h", "knr.h:2:5: error: K&R function declaration 'fx_old' (no prototype) is not supported")]
    [TestCase("long.h", "long.h:2:6: error: platform-dependent type 'long' (long) in the return type of 'fx_long' is not supported")]
    [TestCase("size_t.h", "size_t.h:4:20: error: platform-dependent type 'size_t' (unsigned long) in parameter 'length' of 'fx_size' is not supported")]
    [TestCase("anonymous_struct.h", "anonymous_struct.h:3:9: error: anonymous struct is not supported")]
    [TestCase("anonymous_enum.h", "anonymous_enum.h:2:1: error: anonymous enum is not supported")]
    [TestCase("global.h", "global.h:4:16: error: global variable 'fx_global' is not supported")]
    [TestCase("flexible_array.h", "flexible_array.h:5:13: error: flexible array member 'fx_flex.data' is not supported")]
    [TestCase("packed.h", "packed.h:6:18: error: attribute 'packed' on struct 'fx_packed' is not supported")]
    [TestCase("aligned_field.h", "aligned_field.h:4:5: error: alignment attribute on field 'fx_aligned.a' is not supported")]
    [TestCase("opaque.h", "opaque.h:2:8: error: opaque struct 'fx_opaque' is not supported")]
    [TestCase("static_function.h", "static_function.h:2:19: error: static function 'fx_inline' is not supported")]
    [TestCase("nested_union.h", "nested_union.h:4:5: error: anonymous union is not supported")]
    public void StopsWithTheConstructFileAndLine(string header, string expected) =>
        Assert.That(Fixture.Error(header), Does.StartWith(expected));

    [Test]
    public void CompileErrorsAreReportedAsClangPrintsThem()
    {
        string message = Fixture.Error("syntax_error.h");
        Assert.That(message, Does.StartWith("the header does not compile:"));
        Assert.That(message, Does.Contain("syntax_error.h:3:28: error: expected ')'"));
    }

    [Test]
    public void MissingHeaderIsAnError() =>
        Assert.That(Fixture.Error("no_such_header.h"), Does.Contain("no_such_header.h' not found"));
}
