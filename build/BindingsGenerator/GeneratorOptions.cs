namespace ZeroCopyNative.BindingsGenerator;

/// <summary>Everything one generation needs; read from build/generate.rsp (see <see cref="OptionsParser"/>).</summary>
internal sealed class GeneratorOptions
{
    /// <summary>Relative paths below are relative to this directory (the repository root).</summary>
    public string RootDirectory { get; set; } = Directory.GetCurrentDirectory();

    /// <summary>Where outputs are written; the root unless a check regenerates into a temporary folder.</summary>
    public string? OutputRoot { get; set; }

    /// <summary>The header to bind, e.g. native/include/zcn.h.</summary>
    public string InputHeader { get; set; } = string.Empty;

    public List<string> IncludeDirectories { get; } = new();

    public List<string> Defines { get; } = new();

    /// <summary>More arguments passed to clang as they are.</summary>
    public List<string> ClangArguments { get; } = new();

    /// <summary>clang's own headers (stddef.h, ...); discovered under /usr/lib/llvm-14 when not given.</summary>
    public string? ClangResourceInclude { get; set; }

    public string LibraryName { get; set; } = "libzcn";

    public string Namespace { get; set; } = "ZeroCopyNative.Interop";

    public string ClassName { get; set; } = "Zcn";

    /// <summary>Stripped from function names: zcn_sendfile becomes Zcn.sendfile.</summary>
    public string FunctionPrefix { get; set; } = string.Empty;

    /// <summary>C type name to C# type name: renames (zcn_iovec=IoVec) and fixed-width types (int32_t=int).</summary>
    public Dictionary<string, string> Remaps { get; } = new(StringComparer.Ordinal);

    /// <summary>C enum names that get [Flags].</summary>
    public HashSet<string> FlagsEnums { get; } = new(StringComparer.Ordinal);

    /// <summary>C enum name to the member prefix to strip, overriding the common-prefix rule.</summary>
    public Dictionary<string, string> EnumMemberPrefixes { get; } = new(StringComparer.Ordinal);

    /// <summary>The generated bindings folder; every *.cs in it belongs to the generator.</summary>
    public string OutputDirectory { get; set; } = string.Empty;

    /// <summary>The generated C layout program (optional).</summary>
    public string? LayoutProgram { get; set; }

    /// <summary>The generated NUnit layout tests (optional).</summary>
    public string? LayoutTests { get; set; }

    public string LayoutTestsNamespace { get; set; } = "ZeroCopyNative.Tests.Interop";

    /// <summary>The name of the layout program's output next to the tests.</summary>
    public string LayoutFileName { get; set; } = "zcn_layout.txt";

    /// <summary>Where warnings (undocumented declarations, clang warnings) go.</summary>
    public TextWriter Log { get; set; } = Console.Error;

    /// <summary>Compare with the committed files instead of writing them (the drift check).</summary>
    public bool Check { get; set; }

    /// <summary>The input header as written in generated comments: relative to the root, with '/'.</summary>
    public string HeaderDisplayPath => Paths.Relative(RootDirectory, InputHeader);

    public string Resolve(string path) => Path.GetFullPath(Path.Combine(RootDirectory, path));
}

/// <summary>Path helpers that keep generated text independent of where the repository lives.</summary>
internal static class Paths
{
    public static string Relative(string root, string path)
    {
        string full = Path.GetFullPath(Path.Combine(root, path));
        string rel = Path.GetRelativePath(Path.GetFullPath(root), full);
        return rel.StartsWith("..", StringComparison.Ordinal) ? full : rel.Replace('\\', '/');
    }
}

/// <summary>Reads ClangSharp-style arguments: "--option value [value ...]", with "@file" expanding a response
/// file (one or more tokens per line, '#' starts a comment line, relative paths stay relative to the root).</summary>
internal static class OptionsParser
{
    public static GeneratorOptions Parse(IReadOnlyList<string> args)
    {
        List<string> tokens = Expand(args, depth: 0);
        var options = new GeneratorOptions();
        string? current = null;
        foreach (string token in tokens)
        {
            if (token.StartsWith("--", StringComparison.Ordinal))
            {
                current = token;
                switch (token)
                {
                    case "--check":
                        options.Check = true;
                        current = null;
                        break;
                    case "--file" or "--include-directory" or "--define-macro" or "--clang-arg" or "--clang-resource-include"
                        or "--library" or "--namespace" or "--class" or "--prefix-strip" or "--remap" or "--flags-enum"
                        or "--enum-member-prefix" or "--output" or "--layout-program" or "--layout-tests"
                        or "--layout-tests-namespace" or "--layout-file-name" or "--root" or "--output-root":
                        break;
                    default:
                        throw new GeneratorException($"unknown option '{token}'");
                }

                continue;
            }

            if (current is null)
            {
                throw new GeneratorException($"value '{token}' does not follow an option");
            }

            Apply(options, current, token);
        }

        if (options.InputHeader.Length == 0)
        {
            throw new GeneratorException("no input header: give --file <header>");
        }

        if (options.OutputDirectory.Length == 0)
        {
            throw new GeneratorException("no output folder: give --output <folder>");
        }

        return options;
    }

    private static void Apply(GeneratorOptions o, string option, string value)
    {
        switch (option)
        {
            case "--file": o.InputHeader = value; break;
            case "--include-directory": o.IncludeDirectories.Add(value); break;
            case "--define-macro": o.Defines.Add(value); break;
            case "--clang-arg": o.ClangArguments.Add(value); break;
            case "--clang-resource-include": o.ClangResourceInclude = value; break;
            case "--library": o.LibraryName = value; break;
            case "--namespace": o.Namespace = value; break;
            case "--class": o.ClassName = value; break;
            case "--prefix-strip": o.FunctionPrefix = value; break;
            case "--remap": AddPair(o.Remaps, option, value); break;
            case "--flags-enum": o.FlagsEnums.Add(value); break;
            case "--enum-member-prefix": AddPair(o.EnumMemberPrefixes, option, value); break;
            case "--output": o.OutputDirectory = value; break;
            case "--layout-program": o.LayoutProgram = value; break;
            case "--layout-tests": o.LayoutTests = value; break;
            case "--layout-tests-namespace": o.LayoutTestsNamespace = value; break;
            case "--layout-file-name": o.LayoutFileName = value; break;
            case "--root": o.RootDirectory = Path.GetFullPath(value); break;
            case "--output-root": o.OutputRoot = Path.GetFullPath(value); break;
        }
    }

    private static void AddPair(Dictionary<string, string> map, string option, string value)
    {
        int eq = value.IndexOf('=');
        if (eq <= 0 || eq == value.Length - 1)
        {
            throw new GeneratorException($"{option} expects name=value, not '{value}'");
        }

        map[value[..eq]] = value[(eq + 1)..];
    }

    private static List<string> Expand(IReadOnlyList<string> args, int depth)
    {
        if (depth > 4)
        {
            throw new GeneratorException("response files nest too deeply");
        }

        var result = new List<string>();
        foreach (string arg in args)
        {
            if (!arg.StartsWith('@'))
            {
                result.Add(arg);
                continue;
            }

            string path = arg[1..];
            if (!File.Exists(path))
            {
                throw new GeneratorException($"response file '{path}' not found");
            }

            var tokens = new List<string>();
            foreach (string rawLine in File.ReadAllLines(path))
            {
                string line = rawLine.Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                {
                    continue;
                }

                tokens.AddRange(line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            }

            result.AddRange(Expand(tokens, depth + 1));
        }

        return result;
    }
}

/// <summary>A failure the generator reports as one "error: ..." line and exit code 1.</summary>
internal sealed class GeneratorException : Exception
{
    public GeneratorException(string message)
        : base(message)
    {
    }
}
