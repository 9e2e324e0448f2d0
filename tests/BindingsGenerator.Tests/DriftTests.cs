using System.IO;
using NUnit.Framework;

namespace ZeroCopyNative.BindingsGenerator.Tests;

/// <summary>The comparison bindings-drift runs (<c>BindingsGenerator @build/generate.rsp --check</c>): regenerate
/// into a temporary folder and diff against the committed files.</summary>
[TestFixture]
public sealed class DriftTests
{
    private string root = string.Empty;
    private GeneratorOptions options = new();

    [SetUp]
    public void Commit()
    {
        // A miniature repository: a header and the bindings generated from it, as if committed.
        root = Fixture.TempDirectory();
        File.Copy(Path.Combine(Fixture.Directory, "pointers.h"), Path.Combine(root, "pointers.h"));
        options = Fixture.Options("pointers.h", root);
        Generator.Write(root, Generator.Generate(options), options);
        options.Check = true;
    }

    [TearDown]
    public void Remove() => Directory.Delete(root, recursive: true);

    [Test]
    public void UpToDateBindingsPass()
    {
        (int code, string output) = Check();
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("The committed bindings match pointers.h"));
    }

    [Test]
    public void HeaderChangedWithoutRegeneratingFailsWithTheDiff()
    {
        File.AppendAllText(Path.Combine(root, "pointers.h"), "\n/** Added later. */\nint32_t fx_added(int32_t value);\n");
        (int code, string output) = Check();
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Does.Contain("--- committed/out/Zcn.cs\n+++ regenerated/out/Zcn.cs\n"));
        Assert.That(output, Does.Contain("+    public static extern int added([NativeTypeName(\"int32_t\")] int value);"));
        Assert.That(output, Does.Contain("error: the committed bindings differ"));
    }

    [Test]
    public void HandEditedBindingsFail()
    {
        string point = Path.Combine(root, "out", "Point.cs");
        File.WriteAllText(point, File.ReadAllText(point).Replace("public int y;", "public long y;"));
        (int code, string output) = Check();
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Does.Contain("-    public long y;\n+    public int y;\n"));
    }

    [Test]
    public void ExtraFileInTheBindingsFolderFails()
    {
        File.WriteAllText(Path.Combine(root, "out", "Stale.cs"), "// left over\n");
        (int code, string output) = Check();
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Does.Contain("+++ regenerated/out/Stale.cs (not generated)"));
    }

    [Test]
    public void MissingLayoutProgramFails()
    {
        File.Delete(Path.Combine(root, "layout", "fx_layout.c"));
        (int code, string output) = Check();
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Does.Contain("--- committed/layout/fx_layout.c (missing)"));
    }

    [Test]
    public void RegeneratingRemovesStaleFiles()
    {
        File.WriteAllText(Path.Combine(root, "out", "Stale.cs"), "// left over\n");
        options.Check = false;
        Generator.Write(root, Generator.Generate(options), options);
        Assert.That(File.Exists(Path.Combine(root, "out", "Stale.cs")), Is.False);
        options.Check = true;
        Assert.That(Check().Code, Is.EqualTo(0));
    }

    [Test]
    public void UnifiedDiffShowsContext()
    {
        string diff = Drift.UnifiedDiff(new[] { "a", "b", "c", "d", "e" }, new[] { "a", "b", "X", "d", "e" });
        Assert.That(diff, Is.EqualTo("@@ -1,5 +1,5 @@\n a\n b\n-c\n+X\n d\n e\n"));
    }

    [Test]
    public void CompiledFixtureIsUpToDate()
    {
        // Generated/ is compiled into this assembly; regenerate it from its rsp and compare, as bindings-drift does.
        string repository = Fixture.RepositoryRoot();
        GeneratorOptions fixture = OptionsParser.Parse(new[]
        {
            "@" + Path.Combine(repository, "tests", "BindingsGenerator.Tests", "generate-fixture.rsp"), "--root", repository, "--check",
        });
        fixture.Log = TextWriter.Null;
        var writer = new StringWriter { NewLine = "\n" };
        Assert.That(ZeroCopyNative.BindingsGenerator.Program.Run(fixture, writer), Is.EqualTo(0), writer.ToString());
    }

    private (int Code, string Output) Check()
    {
        var writer = new StringWriter { NewLine = "\n" };
        int code = ZeroCopyNative.BindingsGenerator.Program.Run(options, writer);
        return (code, writer.ToString());
    }
}
