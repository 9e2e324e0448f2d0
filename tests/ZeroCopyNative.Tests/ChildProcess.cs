using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using NUnit.Framework;

namespace ZeroCopyNative.Tests;

/// <summary>Runs this test executable again as a child process, for the tests that need a process of their own (a
/// different environment, a fault that may kill it), under the JIT and as the NativeAOT binary alike.</summary>
internal static class ChildProcess
{
    /// <summary>This test executable again: the NativeAOT binary itself, or under the JIT "dotnet" with the
    /// test assembly's path (beside the application, never Assembly.Location).</summary>
    public static ProcessStartInfo Self(params string[] args)
    {
        string processPath = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = new ProcessStartInfo(processPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ZeroCopyNative.Tests.dll"));
        }

        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    /// <summary>Runs <paramref name="start"/> to its end, at most <paramref name="timeout"/> (then kills it and fails the
    /// test); returns its exit code and its standard output followed by its standard error.</summary>
    public static (int ExitCode, string Output) Run(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException("the child did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"the child process did not finish within {timeout}");
        }

        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Runs a system program (mount, umount, chattr) for a test's set-up, at most 30 s; never throws: a
    /// program that is missing or hangs gives -1 and says so in the output.</summary>
    public static (int Code, string Output) RunProgram(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            using Process process = Process.Start(info)!;
            string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            if (!process.WaitForExit(30_000))
            {
                process.Kill();
                return (-1, $"{program} did not finish");
            }

            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"{program} could not be started: {e.Message}");
        }
    }
}
