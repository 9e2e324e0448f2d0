using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NUnit.Framework;

namespace ZeroCopyNative.Tests.Async;

/// <summary>
/// Runs after every other fixture of the suite (the largest [Order]): the descriptors and threads are back to what
/// <see cref="AsyncSuiteSetUp"/> recorded after its warm-up. Descriptors must be exactly as many, once the pool
/// of intermediate pipes is put at its fixed size again (its pipes may have been replaced meanwhile, so the count is
/// compared, and the numbers that differ are listed); threads outside the thread pool (and the JIT's tiering
/// worker, see <see cref="ProcessCounts.NonPoolThreads"/>) must be no more than before, once they had a few seconds to
/// end (dedicated threads of finished tests). The thread pool's own size is reported, not judged: it grows and shrinks
/// with load by design.
/// </summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.Last)]
#pragma warning restore CS0618
public sealed class ResourceGrowthTests
{
    /// <summary>The loop thread's name, "ZeroCopyNative epoll", as the kernel keeps it (15 characters). Not just
    /// "ZeroCopyNative": the NativeAOT test executable's main thread is named after the file, "ZeroCopyNative.".</summary>
    private const string EventLoopThreadComm = "ZeroCopyNative ";

    private static string Flags(int fd)
    {
        try
        {
            return File.ReadAllLines($"/proc/self/fdinfo/{fd}").FirstOrDefault(l => l.StartsWith("flags:", StringComparison.Ordinal)) ?? "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    [Test]
    public void NoDescriptorOrThreadOutlivesTheSuite()
    {
        Assert.That(AsyncSuiteSetUp.BaselineDescriptors, Is.Not.Null, "the suite's set-up recorded a baseline");
        Dictionary<int, string> baseline = AsyncSuiteSetUp.BaselineDescriptors!;

        // Handles of failed operations are closed by finalizers, and a handle disposed under a waiter is found by the
        // loop's sweep (250 ms): poll for a few seconds before judging.
        Dictionary<int, string> now = new();
        bool same = AsyncKit.Eventually(() =>
        {
            ProcessCounts.FillPipePool();
            Reliability.ProcessState.Settle();
            now = ProcessCounts.Descriptors();
            return now.Count == baseline.Count;
        }, 10);
        string added = string.Join(", ", now.Where(p => !baseline.ContainsKey(p.Key)).Select(p => $"{p.Key}->{p.Value} {Flags(p.Key)}"));
        string gone = string.Join(", ", baseline.Where(p => !now.ContainsKey(p.Key)).Select(p => $"{p.Key}->{p.Value}"));
        TestContext.Progress.WriteLine($"  async suite end: {now.Count} descriptors (baseline {baseline.Count})");
        Assert.That(same, Is.True, $"descriptors {baseline.Count} -> {now.Count}; new: [{added}]; gone: [{gone}]");

        // The GC's background thread is left out by name; where threads carry no names (the GC's own threads under
        // NativeAOT may not), it is allowed for when a background collection started since the baseline.
        int allowance = !AsyncSuiteSetUp.BaselineBackgroundGc && ProcessCounts.BackgroundGcHappened() &&
                        ProcessCounts.CountNamed(".NET BGC") == 0 ? 1 : 0;
        int nonPool = 0;
        bool settled = AsyncKit.Eventually(
            () => (nonPool = ProcessCounts.NonPoolThreads()) <= AsyncSuiteSetUp.BaselineNonPoolThreads + allowance, 15);
        TestContext.Progress.WriteLine(
            $"  async suite end: {ProcessCounts.Threads()} threads (baseline {AsyncSuiteSetUp.BaselineThreads}), " +
            $"{nonPool} outside the thread pool (baseline {AsyncSuiteSetUp.BaselineNonPoolThreads}), " +
            $"thread pool {System.Threading.ThreadPool.ThreadCount}, unnamed background GC thread allowed: {allowance}");
        Assert.That(settled, Is.True,
            $"threads outside the thread pool: {AsyncSuiteSetUp.BaselineNonPoolThreads} -> {nonPool} ({ProcessCounts.ThreadNames()})");

        Assert.That(ProcessCounts.CountNamed(EventLoopThreadComm), Is.LessThanOrEqualTo(1),
                    "one event loop thread at most, however many operations ran");
    }
}
