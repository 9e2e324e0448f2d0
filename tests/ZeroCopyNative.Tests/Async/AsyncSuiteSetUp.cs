using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Async;

/// <summary>
/// Runs once around every fixture of the asynchronous suite (namespace ZeroCopyNative.Tests.Async): warms everything
/// that lives as long as the process once first used (the library's event loop and its two descriptors and thread,
/// the runtime's socket engine and timer thread, the pool of intermediate pipes), then records the descriptors and
/// threads the process holds. <see cref="ResourceGrowthTests"/>, ordered last, compares with these.
/// </summary>
/// <remarks>Fixture order: NUnit runs fixtures that carry [Order] before those that do not, so every fixture of the
/// suite carries one (see <see cref="SuiteOrder"/>) and the growth check the largest. NUnit 5 marks [Order] obsolete
/// in favour of [DependsOnFixture], which names a single fixture (the attribute cannot be repeated), so a check that
/// must follow all of them keeps [Order], with the obsolescence warning silenced where it is used.</remarks>
[SetUpFixture]
public sealed class AsyncSuiteSetUp
{
    /// <summary>The descriptors open after the warm-up (number → target).</summary>
    internal static Dictionary<int, string>? BaselineDescriptors { get; private set; }

    /// <summary>The threads that are not the thread pool's, after the warm-up.</summary>
    internal static int BaselineNonPoolThreads { get; private set; } = -1;

    /// <summary>Every thread, after the warm-up (reported, not compared: the thread pool grows with load).</summary>
    internal static int BaselineThreads { get; private set; } = -1;

    /// <summary>Whether the GC's background thread existed at the baseline (see <see cref="ProcessCounts.NonPoolThreads"/>).</summary>
    internal static bool BaselineBackgroundGc { get; private set; }

    [OneTimeSetUp]
    public void WarmUpAndRecord()
    {
        WarmUp();
        ProcessCounts.FillPipePool();
        Reliability.ProcessState.Settle();
        BaselineDescriptors = ProcessCounts.Descriptors();
        BaselineThreads = ProcessCounts.Threads();
        BaselineNonPoolThreads = ProcessCounts.NonPoolThreads();
        BaselineBackgroundGc = ProcessCounts.BackgroundGcHappened();
        TestContext.Progress.WriteLine(
            $"  async suite baseline: {BaselineDescriptors.Count} descriptors, {BaselineThreads} threads " +
            $"({BaselineNonPoolThreads} outside the thread pool and the runtime's services: {ProcessCounts.ThreadNames()})");
    }

    /// <summary>One tiny operation of each kind that creates something for the life of the process.</summary>
    internal static void WarmUp()
    {
        // The runtime's terminal and signal handling (SystemNative_InitializeTerminalAndSignalHandling), which makes a
        // pipe of its own the first time System.Console or System.Diagnostics.Process needs it, possibly on another
        // thread after the baseline, or in the tests that run a child process: starting one initializes it now.
        (int code, string output) = ChildProcess.RunProgram("true");
        Assert.That(code, Is.Zero, output);
        Console.Out.Flush();

        // The runtime's timer thread (a time-out on a task that has not finished yet needs it).
        Task.Delay(1).Wait(TimeSpan.FromSeconds(30));

        // The event loop starts on the first wait: a read of an empty pipe parks, then a write wakes it.
        using (Pipe pipe = Pipe.Create())
        {
            Task<int> read = pipe.ReadAsync(new byte[1]).AsTask();
            AsyncKit.StillWaiting(read, "the warm-up read", 20);
            pipe.WriteAsync(new byte[] { 1 }).AsTask().Wait(TimeSpan.FromSeconds(30));
            AsyncKit.Result(read, "the warm-up read");
        }

        // The runtime's socket engine (SendFileAsync switches the socket as the runtime's async calls do), and a
        // transfer through an intermediate pipe (socket to socket).
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(4096, 1);
        using SafeFileHandle file = AsyncKit.SourceFile(folder, "warm", data);
        using SocketPair a = TestIo.Tcp();
        using SocketPair b = TestIo.Unix();
        AsyncKit.Result(ZeroCopy.SendFileAsync(file, 0, a.Client, data.Length).AsTask(), "the warm-up sendfile");
        TestIo.Receive(a.Server, data.Length);
        a.Client.Send(data);
        a.Server.Blocking = false;
        b.Client.Blocking = false;
        AsyncKit.Result(ZeroCopy.TransferAsync(a.Server.SafeHandle, b.Client.SafeHandle,
                                               new TransferOptions { Count = data.Length }).AsTask(), "the warm-up relay");
        b.Server.Blocking = true;
        TestIo.Receive(b.Server, data.Length);
        Thread.Sleep(50);
    }
}

/// <summary>The order of the suite's fixtures (NUnit [Order]); the growth check runs last.</summary>
internal static class SuiteOrder
{
    public const int Transfers = 10;
    public const int SendFile = 20;
    public const int Splice = 30;
    public const int Tee = 40;
    public const int CopyFileRange = 50;
    public const int Pipes = 60;
    public const int Cancellation = 70;
    public const int Dispose = 80;
    public const int PeerReset = 90;
    public const int Concurrency = 100;
    public const int Storms = 110;
    public const int EventLoop = 120;
    public const int Allocation = 130;
    public const int Last = 1000;
}
