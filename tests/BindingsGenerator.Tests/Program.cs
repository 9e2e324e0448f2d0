using System;
using System.Collections.Generic;
using System.Reflection;
using NUnit.Framework.Api;
using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

namespace ZeroCopyNative.BindingsGenerator.Tests;

/// <summary>Runs every test of this assembly with NUnit's own runner, prints each failure and a last line
/// "N passed, N failed"; exits non-zero when a test failed or none ran.</summary>
internal static class Program
{
    public static int Main()
    {
        var runner = new NUnitTestAssemblyRunner(new DefaultTestAssemblyBuilder());
        var settings = new Dictionary<string, object> { ["NumberOfTestWorkers"] = 0 };
        runner.Load(typeof(Program).Assembly, settings);
        var listener = new Listener();
        runner.Run(listener, TestFilter.Empty);
        Console.WriteLine($"{listener.Passed} passed, {listener.Failed} failed");
        return listener.Failed == 0 && listener.Passed > 0 ? 0 : 1;
    }

    private sealed class Listener : ITestListener
    {
        public int Passed { get; private set; }

        public int Failed { get; private set; }

        public void TestStarted(ITest test)
        {
        }

        public void TestFinished(ITestResult result)
        {
            if (result.Test.IsSuite)
            {
                if (result.ResultState.Status == TestStatus.Failed && result.ResultState.Site is FailureSite.SetUp or FailureSite.TearDown)
                {
                    Failed++;
                    Console.WriteLine($"FAIL {result.FullName} ({result.ResultState.Site}): {result.Message}");
                }

                return;
            }

            if (result.ResultState.Status == TestStatus.Passed)
            {
                Passed++;
                return;
            }

            // Skipped, ignored and inconclusive tests count as failures: nothing may hide.
            Failed++;
            Console.WriteLine($"FAIL {result.FullName}: {result.ResultState}\n{result.Message}\n{result.StackTrace}");
        }

        public void TestOutput(TestOutput output) => Console.Write(output.Text);

        public void SendMessage(TestMessage message)
        {
        }
    }
}
