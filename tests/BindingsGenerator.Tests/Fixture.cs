using System;
using System.Collections.Generic;
using System.IO;
using NUnit.Framework;

namespace ZeroCopyNative.BindingsGenerator.Tests;

/// <summary>Runs the generator in-process over the fixture headers copied next to the test executable.</summary>
internal static class Fixture
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public static string UnsupportedDirectory => Path.Combine(Directory, "Unsupported");

    /// <summary>The options build/generate.rsp would give, for one fixture header.</summary>
    public static GeneratorOptions Options(string header, string? root = null)
    {
        var options = new GeneratorOptions
        {
            RootDirectory = root ?? Directory,
            InputHeader = header,
            OutputDirectory = "out",
            FunctionPrefix = "fx_",
            LayoutProgram = "layout/fx_layout.c",
            LayoutTests = "tests/LayoutTests.g.cs",
            Log = TextWriter.Null,
        };
        options.IncludeDirectories.Add(".");
        foreach ((string c, string cs) in new[]
                 {
                     ("fx_point", "Point"), ("fx_outer", "Outer"), ("fx_inner", "Inner"), ("fx_range_t", "Range"),
                     ("fx_signed", "Signed"), ("fx_bits", "Bits"), ("fx_unsigned", "Unsigned"),
                 })
        {
            options.Remaps[c] = cs;
        }

        options.FlagsEnums.Add("fx_bits");
        return options;
    }

    public static SortedDictionary<string, string> Generate(string header, Action<GeneratorOptions>? configure = null)
    {
        GeneratorOptions options = Options(header);
        configure?.Invoke(options);
        return Generator.Generate(options);
    }

    /// <summary>A generated bindings file by name (out/Name.cs).</summary>
    public static string File(SortedDictionary<string, string> files, string name)
    {
        Assert.That(files.ContainsKey($"out/{name}"), Is.True, $"out/{name} was not generated; got: {string.Join(", ", files.Keys)}");
        return files[$"out/{name}"];
    }

    /// <summary>The message of the error the generator stops with on an unsupported fixture.</summary>
    public static string Error(string header)
    {
        GeneratorOptions options = Options(header, UnsupportedDirectory);
        var e = Assert.Throws<GeneratorException>(() => Generator.Generate(options));
        return e!.Message;
    }

    /// <summary>The repository root (holding native/include/zcn.h): from the working directory (ctest runs in the
    /// source tree) or above the executable.</summary>
    public static string RepositoryRoot()
    {
        foreach (string start in new[] { System.IO.Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                if (System.IO.File.Exists(Path.Combine(dir.FullName, "native", "include", "zcn.h")) &&
                    System.IO.File.Exists(Path.Combine(dir.FullName, "build", "generate.rsp")))
                {
                    return dir.FullName;
                }
            }
        }

        Assert.Fail("the repository root (native/include/zcn.h, build/generate.rsp) is not above the working " +
                    "directory or the executable; run the tests from the source tree");
        return string.Empty;
    }

    /// <summary>A fresh temporary folder, deleted by the caller.</summary>
    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "zcn-generator-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(path);
        return path;
    }
}
