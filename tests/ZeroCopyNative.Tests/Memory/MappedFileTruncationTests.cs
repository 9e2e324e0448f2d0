using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tests.Reliability;

namespace ZeroCopyNative.Tests.Memory;

/// <summary>
/// A file that shrinks under its mapping: the guarded copies (<see cref="MappedFile.Read"/>,
/// <see cref="MappedFile.Write"/>) throw and the process lives on, while every fault outside them (a managed
/// NullReferenceException, the SIGBUS of an unguarded span read, a SIGBUS sent by kill) behaves exactly as it did
/// before libzcn's SIGBUS handler was installed. Those run in child processes (this executable again, one explicit
/// test), once without the handler and once with it, and the outcomes are compared.
/// </summary>
public sealed class MappedFileTruncationTests : ScratchDirectoryTests
{
    private static readonly int Page = Environment.SystemPageSize;
    private const string ScenarioVariable = "ZCN_TRUNCATION_SCENARIO";
    private const string GuardVariable = "ZCN_TRUNCATION_GUARD";
    private const string ChildTestName =
        "ZeroCopyNative.Tests.Memory.MappedFileTruncationTests.TruncationChild_RunsTheScenarioItIsGiven";

    [Test]
    public void TruncatedByAnotherProcess_WhileAThreadReadsInALoop_ReadThrowsAndTheProcessLives()
    {
        byte[] data = Dir.CreateFile("log", 256 * Page);
        using MappedFile map = MappedFile.Open(Dir.File("log"));
        long reads = 0;
        ZeroCopyException? failure = null;
        var reader = new Thread(() =>
        {
            byte[] buffer = new byte[64 * 1024];
            var deadline = Stopwatch.StartNew();
            for (long offset = 0; deadline.Elapsed < TimeSpan.FromSeconds(60); offset = (offset + buffer.Length) % map.Length)
            {
                try
                {
                    map.Read(offset, buffer);
                }
                catch (ZeroCopyException e)
                {
                    failure = e;
                    return;
                }

                Interlocked.Increment(ref reads);
            }
        });
        reader.Start();
        SpinWait.SpinUntil(() => Interlocked.Read(ref reads) > 100, TimeSpan.FromSeconds(30));

        RunTruncate(Dir.File("log"), Page);
        Assert.That(reader.Join(TimeSpan.FromSeconds(90)), Is.True, "the reader did not stop");

        Assert.That(failure, Is.Not.Null, "no read failed after the file shrank");
        Assert.That(failure!.Errno, Is.EqualTo(Errno.EIO), failure.Message);
        Assert.That(failure.Operation, Is.EqualTo("mapped read"));
        Assert.That(failure.Message, Does.Contain("the file shrank under the mapping"));
        Report.Figure($"truncation: {Interlocked.Read(ref reads)} guarded 64 KiB reads, then: {failure.Message}");

        // The process lives on: the page still in the file reads as before; the rest fails again, every time.
        byte[] first = new byte[Page];
        map.Read(0, first);
        Assert.That(first, Is.EqualTo(data.AsSpan(0, Page).ToArray()));
        var again = Assert.Throws<ZeroCopyException>(() => map.Read(5 * Page, new byte[100]))!;
        Assert.That(again.BytesTransferred, Is.Zero);
        var across = Assert.Throws<ZeroCopyException>(() => map.Read(10, new byte[3 * Page]))!;
        Assert.That(across.Errno, Is.EqualTo(Errno.EIO));
        Assert.That(across.BytesTransferred, Is.EqualTo(Page - 10), "the bytes before the first missing page");
    }

    [Test]
    public void Truncated_ThenAGuardedWrite_ThrowsAndWritesOnlyWhatIsStillInTheFile()
    {
        Dir.CreateFile("f", 8 * Page);
        using MappedFile map = MappedFile.Open(Dir.File("f"), MappedFileAccess.ReadWrite);
        RunTruncate(Dir.File("f"), 2 * Page);
        byte[] bytes = ScratchDirectory.Pattern(3 * Page, seed: 5);

        var past = Assert.Throws<ZeroCopyException>(() => map.Write(4 * Page, bytes))!;
        Assert.That(past.Errno, Is.EqualTo(Errno.EIO));
        Assert.That(past.Operation, Is.EqualTo("mapped write"));
        Assert.That(past.BytesTransferred, Is.Zero);
        Assert.That(past.Message, Does.Contain("the file shrank under the mapping"));

        var across = Assert.Throws<ZeroCopyException>(() => map.Write(Page, bytes))!;
        Assert.That(across.BytesTransferred, Is.EqualTo(Page));

        map.Write(0, bytes.AsSpan(0, Page));
        map.Flush(0, 2 * Page);
        byte[] file = File.ReadAllBytes(Dir.File("f"));
        Assert.That(file.Length, Is.EqualTo(2 * Page));
        Assert.That(file.AsSpan(0, Page).SequenceEqual(bytes.AsSpan(0, Page)), Is.True);
        Assert.That(file.AsSpan(Page, Page).SequenceEqual(bytes.AsSpan(0, Page)), Is.True, "the partial write");

        using MappedFile readOnly = MappedFile.Open(Dir.File("f"));
        Assert.Throws<NotSupportedException>(() => readOnly.Write(0, bytes));
        Assert.Throws<ArgumentOutOfRangeException>(() => map.Write(8 * Page - 1, bytes.AsSpan(0, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => map.Read(-1, new byte[1]));
    }

    [Test]
    public void Truncation_AManagedNullReferenceException_IsCaughtAsBefore() =>
        CompareWithAndWithoutTheHandler("nullref", expectSurvival: true);

    /// <summary>A SIGBUS that kill(1) sends to the process: whatever the runtime does with it (under the JIT it
    /// survives it), it does the same with libzcn's handler in front.</summary>
    [Test]
    public void Truncation_ASigbusSentByKill_IsHandledAsBefore() =>
        CompareWithAndWithoutTheHandler("kill", expectSurvival: null);

    [Test]
    public void Truncation_AnUnguardedSpanReadOfTheTruncatedMapping_StillKillsTheProcessAsBefore() =>
        CompareWithAndWithoutTheHandler("span", expectSurvival: false);

    /// <summary>Run only in the child processes of the tests above, which name the scenario in the environment.</summary>
    [Test]
    [Explicit("Run by the Truncation_* tests in a child process")]
    public void TruncationChild_RunsTheScenarioItIsGiven()
    {
        // Selected by name without a scenario (a filtered run), it still tests something: the guard proof below.
        string? scenario = Environment.GetEnvironmentVariable(ScenarioVariable);
        bool guard = scenario == null || Environment.GetEnvironmentVariable(GuardVariable) == "1";
        Dir.CreateFile("child", 4 * Page);
        using MappedFile map = MappedFile.Open(Dir.File("child"));
        if (guard)
        {
            // Installs the handler, and proves it is active: a guarded read of a truncated page throws.
            map.Read(0, new byte[16]);
            using (FileStream shrink = new(Dir.File("child"), FileMode.Open, FileAccess.Write))
            {
                shrink.SetLength(Page);
            }

            Assert.Throws<ZeroCopyException>(() => map.Read(2 * Page, new byte[16]));
        }

        switch (scenario)
        {
            case null:
                break;
            case "nullref":
                object? nothing = Environment.GetEnvironmentVariable("ZCN_NO_SUCH_VARIABLE");
                Assert.Throws<NullReferenceException>(() => _ = nothing!.GetHashCode());
                break;
            case "span":
                using (FileStream shrink = new(Dir.File("child"), FileMode.Open, FileAccess.Write))
                {
                    shrink.SetLength(0);
                }

                byte value = map.ReadOnlySpan[3 * Page];
                Assert.Fail($"survived an unguarded read of a truncated page ({value})");
                break;
            case "kill":
                using (Process kill = Process.Start("kill", $"-BUS {Environment.ProcessId}"))
                {
                    kill.WaitForExit();
                    Assert.That(kill.ExitCode, Is.Zero, "kill -BUS failed");
                }

                Thread.Sleep(3000);
                break;
            default:
                Assert.Fail($"unknown scenario {scenario}");
                break;
        }
    }

    /// <summary>Runs the scenario in a child without the handler and in one with it, and requires the same outcome:
    /// the exit code, whether the test passed, and what the runtime printed about the fault. <paramref
    /// name="expectSurvival"/> pins the outcome where it is known (null: whatever the runtime does).</summary>
    private static void CompareWithAndWithoutTheHandler(string scenario, bool? expectSurvival)
    {
        (int beforeCode, string beforeOutput) = RunChild(scenario, guard: false);
        (int afterCode, string afterOutput) = RunChild(scenario, guard: true);
        Report.Figure($"truncation/{scenario} under {SigPipeTests.Mode}: exit {beforeCode} without the handler, {afterCode} with it");
        string both = $"--- without the handler (exit {beforeCode}):\n{beforeOutput}\n--- with it (exit {afterCode}):\n{afterOutput}";
        Assert.That(afterCode, Is.EqualTo(beforeCode), both);
        const string Passed = "1 passed, 0 failed";
        Assert.That(afterOutput.Contains(Passed, StringComparison.Ordinal),
            Is.EqualTo(beforeOutput.Contains(Passed, StringComparison.Ordinal)), both);
        // Whatever the runtime says when it meets the fault, it says it with the handler too.
        foreach (string marker in new[] { "AccessViolationException", "SIGBUS", "Bus error", "NullReferenceException" })
        {
            Assert.That(afterOutput.Contains(marker, StringComparison.Ordinal),
                Is.EqualTo(beforeOutput.Contains(marker, StringComparison.Ordinal)), $"{marker}\n{both}");
        }

        if (expectSurvival == true)
        {
            Assert.That(afterCode, Is.Zero, both);
            Assert.That(afterOutput, Does.Contain(Passed), both);
        }
        else if (expectSurvival == false)
        {
            Assert.That(afterCode, Is.Not.Zero, both);
            Assert.That(afterOutput, Does.Not.Contain("passed"), both);
        }
    }

    private static (int ExitCode, string Output) RunChild(string scenario, bool guard)
    {
        ProcessStartInfo start = ChildProcess.Self("--test", ChildTestName);
        start.Environment[ScenarioVariable] = scenario;
        start.Environment[GuardVariable] = guard ? "1" : "0";
        // No crash dump for the children that are meant to die.
        start.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        return ChildProcess.Run(start, TimeSpan.FromSeconds(120));
    }

    /// <summary>Shrinks a file from another process: truncate(1).</summary>
    private static void RunTruncate(string path, long size)
    {
        var start = new ProcessStartInfo("truncate") { UseShellExecute = false, RedirectStandardError = true };
        start.ArgumentList.Add("-s");
        start.ArgumentList.Add(size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(path);
        using Process truncate = Process.Start(start) ?? throw new InvalidOperationException("truncate did not start");
        string errors = truncate.StandardError.ReadToEnd();
        Assert.That(truncate.WaitForExit(30_000), Is.True, "truncate did not finish");
        Assert.That(truncate.ExitCode, Is.Zero, errors);
    }
}
