using System.Text;

namespace ZeroCopyNative.BindingsGenerator;

/// <summary>One generation: header in, files out (paths relative to the root, with '/').</summary>
internal static class Generator
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Generates every output in memory.</summary>
    public static SortedDictionary<string, string> Generate(GeneratorOptions options)
    {
        HeaderModel model = HeaderReader.Read(options);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string outputDir = Normalize(options.OutputDirectory);
        foreach ((string name, string content) in CSharpEmitter.Emit(model, options))
        {
            files[$"{outputDir}/{name}"] = content;
        }

        if (options.LayoutProgram is not null)
        {
            files[Normalize(options.LayoutProgram)] = LayoutEmitter.EmitProgram(model, options);
        }

        if (options.LayoutTests is not null)
        {
            files[Normalize(options.LayoutTests)] = LayoutEmitter.EmitTests(model, options, options.LayoutFileName);
        }

        return files;
    }

    /// <summary>Writes the files under <paramref name="root"/>: unchanged files are left alone (their timestamps
    /// too), and *.cs files in the bindings folder that the generator no longer produces are deleted.</summary>
    public static void Write(string root, SortedDictionary<string, string> files, GeneratorOptions options)
    {
        foreach ((string relative, string content) in files)
        {
            string path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (!File.Exists(path) || File.ReadAllText(path) != content)
            {
                File.WriteAllText(path, content, Utf8NoBom);
            }
        }

        string outputDir = Path.Combine(root, Normalize(options.OutputDirectory));
        foreach (string stale in OwnedFiles(root, options).Where(f => !files.ContainsKey(f)))
        {
            File.Delete(Path.Combine(root, stale));
        }
    }

    /// <summary>The files under <paramref name="root"/> that belong to the generator: every *.cs of the bindings
    /// folder plus the layout outputs.</summary>
    public static IEnumerable<string> OwnedFiles(string root, GeneratorOptions options)
    {
        string outputDir = Normalize(options.OutputDirectory);
        string full = Path.Combine(root, outputDir);
        if (Directory.Exists(full))
        {
            foreach (string file in Directory.GetFiles(full, "*.cs").OrderBy(f => f, StringComparer.Ordinal))
            {
                yield return $"{outputDir}/{Path.GetFileName(file)}";
            }
        }

        foreach (string? extra in new[] { options.LayoutProgram, options.LayoutTests })
        {
            if (extra is not null && File.Exists(Path.Combine(root, Normalize(extra))))
            {
                yield return Normalize(extra);
            }
        }
    }

    private static string Normalize(string path) => path.Replace('\\', '/').TrimEnd('/');
}
