using NUnit.Framework;

namespace ZeroCopyNative.BindingsGenerator.Tests;

[TestFixture]
public sealed class PointerTests
{
    private string zcn = string.Empty;

    [OneTimeSetUp]
    public void Generate() => zcn = Fixture.File(Fixture.Generate("pointers.h"), "Zcn.cs");

    [Test]
    public void ConstCharPointerIsSbytePointerAndKeepsItsCSpelling() =>
        Assert.That(zcn, Does.Contain("[return: NativeTypeName(\"const char *\")]\n    public static extern sbyte* name([NativeTypeName(\"int32_t\")] int id);"));

    [Test]
    public void PointerToPointerAndKeywordNamesAreEscaped() =>
        Assert.That(zcn, Does.Contain("public static extern int alloc(void** @out, void* @base, [NativeTypeName(\"uint64_t\")] ulong size);"));

    [Test]
    public void ConstStructPointerUsesTheRenamedStruct() =>
        Assert.That(zcn, Does.Contain("[NativeTypeName(\"const fx_point *\")] Point* points"));

    [Test]
    public void ArrayParameterDecaysToPointer() =>
        Assert.That(zcn, Does.Contain("[NativeTypeName(\"int32_t[2]\")] int* fds"));

    [Test]
    public void ConstVoidPointerAndPointerToConstPointer()
    {
        Assert.That(zcn, Does.Contain("public static extern void write([NativeTypeName(\"const void *\")] void* buf, " +
                                      "[NativeTypeName(\"uint8_t *\")] byte* bytes, [NativeTypeName(\"const char *const *\")] sbyte** names);"));
    }

    [Test]
    public void EveryFunctionIsACdeclDllImportWithItsExactEntryPoint()
    {
        Assert.That(zcn, Does.Contain("[DllImport(\"libzcn\", CallingConvention = CallingConvention.Cdecl, EntryPoint = \"fx_sum\", ExactSpelling = true)]"));
        Assert.That(zcn, Does.Contain("public static unsafe partial class Zcn"));
    }

    [Test]
    public void UndocumentedFunctionIsReportedAndStillDocumented()
    {
        string root = Fixture.TempDirectory();
        try
        {
            System.IO.File.WriteAllText(System.IO.Path.Combine(root, "bare.h"), "#include <stdint.h>\nint32_t fx_bare(int32_t a);\n");
            var log = new System.IO.StringWriter();
            GeneratorOptions options = Fixture.Options("bare.h", root);
            options.Log = log;
            string bare = Generator.Generate(options)["out/Zcn.cs"];
            Assert.That(log.ToString(), Does.Contain("bare.h:2:9: warning: function 'fx_bare' has no doc comment"));
            Assert.That(bare, Does.Contain("/// <summary>Calls fx_bare.</summary>"));
        }
        finally
        {
            System.IO.Directory.Delete(root, recursive: true);
        }
    }

    [Test]
    public void TagsInsideALineStartTheirSection()
    {
        DocComment doc = DocComment.Parse("/** Added. @param a The a. @return 0, or:\n *  @retval -EINVAL a is bad. */");
        Assert.That(doc.Summary, Is.EqualTo("Added."));
        Assert.That(doc.Parameters, Is.EqualTo(new[] { ("a", "The a.") }));
        Assert.That(doc.Returns, Is.EqualTo("0, or:"));
        Assert.That(doc.ReturnValues, Is.EqualTo(new[] { "-EINVAL a is bad." }));
    }

    [Test]
    public void UndocumentedFunctionStillGetsASummary() =>
        Assert.That(zcn, Does.Contain("/// <summary>Writes bytes.</summary>"));
}
