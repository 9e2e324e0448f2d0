using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using NUnit;
using NUnit.Framework.Api;
using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

namespace ZeroCopyNative.Testing;

/// <summary>
/// Runs the NUnit tests of an assembly from its executable's Main, under the JIT or as a NativeAOT binary:
/// <c>static int Main(string[] args) =&gt; TestRunner.Run(typeof(Program).Assembly, args);</c>
/// </summary>
/// <remarks>
/// NUnit is driven through <see cref="NUnitTestAssemblyRunner"/> with the default builder and no worker threads
/// (tests run one after another on the calling thread). Under NativeAOT the test assembly and nunit.framework must
/// be rooted (<c>TrimmerRootAssembly</c>) so that discovery by reflection finds every test. Not thread-safe: call
/// once per process.
/// </remarks>
public static class TestRunner
{
    /// <summary>Exit code: every selected test passed.</summary>
    public const int ExitSuccess = 0;

    /// <summary>Exit code: a test failed, or no test ran.</summary>
    public const int ExitFailure = 1;

    /// <summary>Exit code: the command line was not understood.</summary>
    public const int ExitUsage = 2;

    /// <summary>Runs the tests of <paramref name="assembly"/> as the command line <paramref name="args"/> asks.
    /// </summary>
    /// <param name="assembly">The test assembly, normally <c>typeof(Program).Assembly</c>.</param>
    /// <param name="args">The command line: see <c>--help</c>.</param>
    /// <returns>The process exit code: <see cref="ExitSuccess"/>, <see cref="ExitFailure"/> or
    /// <see cref="ExitUsage"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="assembly"/> or <paramref name="args"/> is null.
    /// </exception>
    public static int Run(Assembly assembly, string[] args)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(args);

        // Written through our own stdout stream: NUnit redirects Console.Out into each test's captured output
        // while tests run, and the report must not land there.
        using var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };

        RunnerOptions? options = RunnerOptions.Parse(args, Console.Error);
        if (options is null)
        {
            Console.Error.WriteLine(RunnerOptions.Usage);
            return ExitUsage;
        }

        if (options.Help)
        {
            output.WriteLine(RunnerOptions.Usage);
            return ExitSuccess;
        }

        var runner = new NUnitTestAssemblyRunner(new DefaultTestAssemblyBuilder());
        var settings = new Dictionary<string, object>
        {
            [FrameworkPackageSettings.NumberOfTestWorkers] = 0,
            [FrameworkPackageSettings.SynchronousEvents] = true,
            [FrameworkPackageSettings.WorkDirectory] = Environment.CurrentDirectory,
        };
        ITest loaded = runner.Load(assembly, settings);
        ITestFilter filter = BuildFilter(options.Categories, options.TestPrefixes);

        if (options.List)
        {
            ITest explored = runner.ExploreTests(filter);
            foreach (string name in TestNames(explored))
            {
                output.WriteLine(name);
            }

            return ExitSuccess;
        }

        if (loaded.RunState == RunState.NotRunnable)
        {
            output.WriteLine($"FAIL  {loaded.FullName}: the test assembly cannot be run: " +
                             loaded.Properties.Get(PropertyNames.SkipReason));
            output.WriteLine("0 passed, 1 failed");
            return ExitFailure;
        }

        var reporter = new ConsoleReporter(output, options.Verbose);
        runner.Run(reporter, filter);

        if (reporter.FailedNames.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Failed:");
            foreach (string name in reporter.FailedNames)
            {
                output.WriteLine("  " + name);
            }
        }

        string summary = $"{reporter.Passed} passed, {reporter.Failed} failed";
        if (reporter.Skipped > 0)
        {
            summary += $", {reporter.Skipped} skipped";
        }

        if (reporter.Passed + reporter.Failed == 0)
        {
            Console.Error.WriteLine("error: no test ran (check --category and --test)");
        }

        output.WriteLine(summary);
        return reporter.Failed == 0 && reporter.Passed > 0 ? ExitSuccess : ExitFailure;
    }

    /// <summary>Builds the NUnit filter: categories are OR-ed, prefixes are OR-ed, and the two groups are AND-ed.
    /// </summary>
    /// <remarks>NUnit 5 keeps its filter classes internal; its XML filter format is the public way in. A prefix
    /// becomes an anchored, escaped regular expression on the full name.</remarks>
    internal static TestFilter BuildFilter(IReadOnlyList<string> categories, IReadOnlyList<string> prefixes)
    {
        if (categories.Count == 0 && prefixes.Count == 0)
        {
            return TestFilter.Empty;
        }

        var and = new XElement("and");
        if (categories.Count > 0)
        {
            var any = new XElement("or");
            foreach (string category in categories)
            {
                any.Add(new XElement("cat", category));
            }

            and.Add(any);
        }

        if (prefixes.Count > 0)
        {
            var any = new XElement("or");
            foreach (string prefix in prefixes)
            {
                any.Add(new XElement("test", new XAttribute("re", "1"), "^" + Regex.Escape(prefix)));
            }

            and.Add(any);
        }

        return TestFilter.FromXml(new XElement("filter", and).ToString(SaveOptions.DisableFormatting));
    }

    private static IEnumerable<string> TestNames(ITest test)
    {
        if (!test.IsSuite)
        {
            yield return test.FullName;
            yield break;
        }

        foreach (ITest child in test.Tests)
        {
            foreach (string name in TestNames(child))
            {
                yield return name;
            }
        }
    }
}
