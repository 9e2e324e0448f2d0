using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using NUnit.Framework.Interfaces;

namespace ZeroCopyNative.Testing;

/// <summary>Receives NUnit's events and prints failures, skips and (verbose) one line per test; keeps the
/// counts for the closing line.</summary>
/// <remarks>The runner uses NumberOfTestWorkers=0, so events arrive on one thread; the lock only guards against a
/// test that starts its own threads and writes through NUnit's output capture.</remarks>
internal sealed class ConsoleReporter : ITestListener
{
    private readonly TextWriter _out;
    private readonly bool _verbose;
    private readonly object _gate = new();
    private readonly List<string> _failedNames = new();

    public ConsoleReporter(TextWriter output, bool verbose)
    {
        _out = output;
        _verbose = verbose;
    }

    public int Passed { get; private set; }

    public int Failed { get; private set; }

    public int Skipped { get; private set; }

    public IReadOnlyList<string> FailedNames => _failedNames;

    public void TestStarted(ITest test)
    {
    }

    public void TestFinished(ITestResult result)
    {
        lock (_gate)
        {
            if (result.Test.IsSuite)
            {
                SuiteFinished(result);
                return;
            }

            string duration = (result.Duration * 1000).ToString("0", CultureInfo.InvariantCulture) + " ms";
            switch (result.ResultState.Status)
            {
                case TestStatus.Passed:
                    Passed++;
                    if (_verbose)
                    {
                        _out.WriteLine($"PASS  {result.FullName} ({duration})");
                    }

                    break;
                case TestStatus.Skipped when result.ResultState == ResultState.Explicit:
                    // An [Explicit] test that no --test or --category named: excluded by design, not skipped.
                    if (_verbose)
                    {
                        _out.WriteLine($"EXPL  {result.FullName}: explicit, not selected");
                    }

                    break;
                case TestStatus.Skipped:
                    Skipped++;
                    _out.WriteLine($"SKIP  {result.FullName}: {Reason(result, "skipped")}");
                    break;
                case TestStatus.Inconclusive:
                    // Reported as a skip with its reason: the test neither passed nor failed.
                    Skipped++;
                    _out.WriteLine($"SKIP  {result.FullName}: inconclusive: {Reason(result, "no reason given")}");
                    break;
                default:
                    // Failed, and also Warning: a warning must not pass unnoticed, so it counts as a failure.
                    Failed++;
                    _failedNames.Add(result.FullName);
                    WriteFailure(result.ResultState.Status == TestStatus.Warning ? "WARN" : "FAIL", result);
                    break;
            }
        }
    }

    public void TestOutput(TestOutput output)
    {
        if (_verbose)
        {
            lock (_gate)
            {
                _out.Write(output.Text);
            }
        }
    }

    public void SendMessage(TestMessage message)
    {
    }

    private void SuiteFinished(ITestResult result)
    {
        // A failure of the suite itself (OneTimeTearDown, a fixture that cannot be built). A failed OneTimeSetUp
        // was already reported and counted through each child (NUnit fails every child with its message).
        ResultState state = result.ResultState;
        if (state.Status != TestStatus.Failed || state.Site == FailureSite.Child)
        {
            return;
        }

        if (state.Site == FailureSite.SetUp && result.TotalCount > 0)
        {
            return;
        }

        WriteFailure("FAIL", result);
        Failed++;
        _failedNames.Add(result.FullName);
    }

    private void WriteFailure(string label, ITestResult result)
    {
        _out.WriteLine($"{label}  {result.FullName}");
        WriteIndented(string.IsNullOrEmpty(result.Message) ? result.ResultState.ToString() : result.Message);
        if (!string.IsNullOrEmpty(result.StackTrace))
        {
            WriteIndented(result.StackTrace);
        }

        if (IsNUnitReflectionGap(result))
        {
            _out.WriteLine("    hint: NUnit's own reflection failed under NativeAOT, not the code under test. " +
                           "Give the compared type reflection metadata (TrimmerRootDescriptor) or add the generic " +
                           "instantiation (RdXmlFile) in the test project, or assert on a primitive value instead.");
        }

        if (!string.IsNullOrEmpty(result.Output))
        {
            _out.WriteLine("    --- output ---");
            WriteIndented(result.Output);
        }
    }

    /// <summary>Failures raised inside NUnit's equality comparers or its MakeGenericMethod calls: under NativeAOT they
    /// mean missing metadata or code in the binary, which the message alone does not make obvious.</summary>
    private static bool IsNUnitReflectionGap(ITestResult result)
    {
        string message = result.Message ?? string.Empty;
        string stack = result.StackTrace ?? string.Empty;
        return message.Contains("is missing native code", StringComparison.Ordinal) ||
               (stack.Contains("NUnit.Framework.Constraints.Comparers.EquatablesComparer", StringComparison.Ordinal) &&
                (message.Contains("IndexOutOfRangeException", StringComparison.Ordinal) ||
                 message.Contains("NotSupportedException", StringComparison.Ordinal)));
    }

    private void WriteIndented(string text)
    {
        foreach (string line in text.TrimEnd().Split('\n'))
        {
            _out.WriteLine("    " + line.TrimEnd('\r'));
        }
    }

    private static string Reason(ITestResult result, string fallback) =>
        string.IsNullOrWhiteSpace(result.Message) ? fallback : result.Message.Trim();
}
