namespace ZeroCopyNative.BindingsGenerator;

/// <summary>Entry point: <c>BindingsGenerator @build/generate.rsp [--check]</c> from the repository root.</summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        try
        {
            GeneratorOptions options = OptionsParser.Parse(args);
            return Run(options, Console.Out);
        }
        catch (DllNotFoundException e)
        {
            Console.Error.WriteLine($"error: libclang could not be loaded ({e.Message}); install libclang1-14 (libclang-14.so.1)");
            return 1;
        }
        catch (GeneratorException e)
        {
            // Located errors already read "file:line:column: error: ..."; the others get the prefix.
            bool located = System.Text.RegularExpressions.Regex.IsMatch(e.Message, @"^\S+:\d+:\d+: error: ");
            Console.Error.WriteLine(located ? e.Message : "error: " + e.Message);
            return 1;
        }
    }

    /// <summary>Generates (or, with --check, verifies); returns the exit code.</summary>
    public static int Run(GeneratorOptions options, TextWriter output)
    {
        if (options.Check)
        {
            // The drift check reports differences only; the header's doc warnings belong to regeneration.
            options.Log = TextWriter.Null;
        }

        SortedDictionary<string, string> files = Generator.Generate(options);
        if (!options.Check)
        {
            string root = options.OutputRoot ?? options.RootDirectory;
            Generator.Write(root, files, options);
            output.WriteLine($"Generated {files.Count} files ({files.Values.Sum(f => f.Split('\n').Length - 1)} lines) " +
                             $"from {options.HeaderDisplayPath}.");
            return 0;
        }

        string temp = Path.Combine(Path.GetTempPath(), $"zcn-bindings-drift-{Guid.NewGuid():N}");
        try
        {
            Generator.Write(temp, files, options);
            string diff = Drift.Compare(options.RootDirectory, temp, options);
            if (diff.Length == 0)
            {
                output.WriteLine($"The committed bindings match {options.HeaderDisplayPath} ({files.Count} files).");
                return 0;
            }

            output.Write(diff);
            output.WriteLine($"error: the committed bindings differ from what {options.HeaderDisplayPath} generates; " +
                             "run build/generate.sh and commit the result.");
            return 1;
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }
}
