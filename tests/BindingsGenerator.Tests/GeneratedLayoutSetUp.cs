using System;
using System.Diagnostics;
using System.IO;
using NUnit.Framework;

namespace ZeroCopyNative.BindingsGenerator.Tests.Generated;

/// <summary>Before the layout tests of the compiled fixture (Generated/, from Fixtures/structs.h) run: compiles the
/// generated C layout program with the system C compiler and runs it into fx_layout.txt next to the executable.</summary>
[SetUpFixture]
public sealed class GeneratedLayoutSetUp
{
    [OneTimeSetUp]
    public void WriteCLayout()
    {
        string dir = AppContext.BaseDirectory;
        string program = Path.Combine(dir, "fx_layout");
        Run("cc", $"-std=c11 -Wall -Wextra -Werror -I \"{Path.Combine(dir, "Fixtures")}\" " +
                  $"\"{Path.Combine(dir, "Generated", "fx_layout.c")}\" -o \"{program}\"");
        Run(program, $"\"{Path.Combine(dir, "fx_layout.txt")}\"");
    }

    private static void Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardError = true, UseShellExecute = false };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        string errors = process.StandardError.ReadToEnd();
        Assert.That(process.WaitForExit(60_000), Is.True, $"{file} did not finish within 60 s");
        Assert.That(process.ExitCode, Is.EqualTo(0), $"{file} {arguments} failed:\n{errors}");
    }
}
