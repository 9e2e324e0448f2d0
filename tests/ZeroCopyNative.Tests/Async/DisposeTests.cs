using System;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Async;

/// <summary>
/// A handle disposed while an operation waits on it: a Pipe completes the operation at once with
/// ObjectDisposedException; a raw SafeHandle or a Socket within the event loop's sweep (250 ms). Never a hang, never a
/// crash, and the event loop keeps serving other operations afterwards.
/// </summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.Dispose)]
#pragma warning restore CS0618
public sealed class DisposeTests
{
    /// <summary>"Promptly" for a Pipe, whose Dispose completes its waiters itself: far below the sweep interval on an
    /// idle machine; the bound allows for a loaded one.</summary>
    private const double PromptSeconds = 3;

    /// <summary>A raw handle is found by the sweep, every 250 ms.</summary>
    private const double SweepSeconds = 10;

    [Test]
    public void DisposingThePipe_DuringReadAsync_EndsItWithObjectDisposedException_Promptly()
    {
        var pipe = Pipe.Create();
        Task<int> read = pipe.ReadAsync(new byte[10]).AsTask();
        AsyncKit.StillWaiting(read, "a read of an empty pipe");

        var clock = Stopwatch.StartNew();
        pipe.Dispose();

        AsyncKit.Fails<ObjectDisposedException>(read, "the read of a disposed pipe", PromptSeconds);
        TestContext.Progress.WriteLine($"  ReadAsync ended {clock.Elapsed.TotalMilliseconds:F1} ms after Pipe.Dispose");
        AssertTheLoopStillServes();
    }

    [Test]
    public void DisposingThePipe_DuringWriteAsync_EndsItWithObjectDisposedException_Promptly()
    {
        var pipe = Pipe.Create(capacity: 4096);
        Task write = pipe.WriteAsync(new byte[100_000]).AsTask();
        AsyncKit.StillWaiting(write, "a write into a full pipe");

        pipe.Dispose();

        AsyncKit.Fails<ObjectDisposedException>(write, "the write into a disposed pipe", PromptSeconds);
        AssertTheLoopStillServes();
    }

    [Test]
    public void DisposingThePipe_DuringSpliceToAsync_EndsItWithObjectDisposedException_Promptly()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle file = TestIo.Create(folder.File("dst"));
        var pipe = Pipe.Create();
        Task<long> splice = pipe.SpliceToAsync(file, 0, 1000).AsTask();
        AsyncKit.StillWaiting(splice, "a splice out of an empty pipe");

        pipe.Dispose();

        AsyncKit.Fails<ObjectDisposedException>(splice, "the splice out of a disposed pipe", PromptSeconds);
        Assert.That(new FileInfo(folder.File("dst")).Length, Is.Zero);
    }

    [Test]
    public void DisposingADestinationPipe_DuringTeeAsync_EndsItWithObjectDisposedException_Promptly()
    {
        using Pipe source = Pipe.Create(nonBlocking: true);
        var destination = Pipe.Create(capacity: 4096, nonBlocking: true);
        source.Write(new byte[] { 1, 2, 3 });
        Reliability.Fds.FillUntilFull(destination.Writer);
        Task<long> tee = ZeroCopy.TeeAsync(source.Reader, destination.Writer, 3).AsTask();
        AsyncKit.StillWaiting(tee, "a tee into a full pipe");

        destination.Dispose();

        AsyncKit.Fails<ObjectDisposedException>(tee, "the tee into a disposed pipe", PromptSeconds);
        Assert.That(source.BytesAvailable, Is.EqualTo(3));
    }

    [Test]
    public void DisposingARawPipeHandle_ThatATransferWaitsOn_EndsItWithObjectDisposedException_WithinTheSweep()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        (SafeFileHandle reader, SafeFileHandle writer) = Reliability.Fds.RawPipe(nonBlocking: true);
        using (writer)
        {
            Task<TransferResult> transfer = ZeroCopy.TransferAsync(reader, destination).AsTask();
            AsyncKit.StillWaiting(transfer, "a transfer from an empty pipe");

            var clock = Stopwatch.StartNew();
            reader.Dispose();

            AsyncKit.Fails<ObjectDisposedException>(transfer, "the transfer from a disposed handle", SweepSeconds);
            TestContext.Progress.WriteLine($"  TransferAsync ended {clock.Elapsed.TotalMilliseconds:F0} ms after SafeHandle.Dispose");
        }

        AssertTheLoopStillServes();
    }

    [Test]
    public void DisposingTheOtherEnd_WhileATransferWaitsOnItsSource_EndsItWithObjectDisposedException_WithinTheSweep()
    {
        (SafeFileHandle sourceReader, SafeFileHandle sourceWriter) = Reliability.Fds.RawPipe(nonBlocking: true);
        (SafeFileHandle destinationReader, SafeFileHandle destinationWriter) = Reliability.Fds.RawPipe(nonBlocking: true);
        using (sourceReader)
        using (sourceWriter)
        using (destinationReader)
        {
            Task<TransferResult> transfer = ZeroCopy.TransferAsync(sourceReader, destinationWriter).AsTask();
            AsyncKit.StillWaiting(transfer, "a transfer from an empty pipe");

            destinationWriter.Dispose();

            // The doc: "ObjectDisposedException: A handle is closed, also while the transfer waits." The transfer waits
            // on its source, which stays silent: only the disposed destination can end it.
            Exception error = AsyncKit.FailureOf(transfer, "a transfer whose destination was disposed", SweepSeconds);
            Assert.That(error, Is.InstanceOf<ObjectDisposedException>());
        }
    }

    [Test]
    public void DisposingThePipe_WhileSpliceFromAsyncWaitsOnASilentSocket_EndsIt()
    {
        using SocketPair pair = TestIo.Unix();
        pair.Server.Blocking = false;
        var pipe = Pipe.Create();
        Task<long> splice = pipe.SpliceFromAsync(pair.Server.SafeHandle, null, 1000).AsTask();
        AsyncKit.StillWaiting(splice, "a splice from a silent socket");

        pipe.Dispose();

        // The doc: "ObjectDisposedException: The pipe or the source is disposed, also while waiting."
        Exception error = AsyncKit.FailureOf(splice, "a splice into a disposed pipe", SweepSeconds);
        Assert.That(error, Is.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public void DisposingTheSocket_DuringSendFileAsync_EndsIt_WithADocumentedException()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", TestIo.Bytes(4 << 20, 801));
        SocketPair pair = TestIo.Tcp(16 * 1024);
        try
        {
            Task<long> send = ZeroCopy.SendFileAsync(source, 0, pair.Client, 4 << 20).AsTask();
            AsyncKit.WaitUntilFull(pair.Client.SafeHandle, "the socket");
            AsyncKit.StillWaiting(send, "a sendfile into a full socket");

            pair.Client.Dispose();

            Exception error = AsyncKit.FailureOf(send, "a sendfile into a disposed socket", SweepSeconds);
            Assert.That(error is ObjectDisposedException || error is ZeroCopyException, Is.True,
                        $"ObjectDisposedException or ZeroCopyException, got {error}");
            TestContext.Progress.WriteLine($"  SendFileAsync on a disposed socket: {error.GetType().Name}");
        }
        finally
        {
            pair.Dispose();
        }

        AssertTheLoopStillServes();
    }

    [Test]
    public void ClosingTheFile_WhileSendFileAsyncWaitsOnAFullSocket_EndsItWithObjectDisposedException_WithinTheSweep()
    {
        using TempFolder folder = TestIo.Folder();
        SafeFileHandle source = AsyncKit.SourceFile(folder, "src", TestIo.Bytes(4 << 20, 803));
        using SocketPair pair = TestIo.Tcp(16 * 1024);
        Task<long> send = ZeroCopy.SendFileAsync(source, 0, pair.Client, 4 << 20).AsTask();
        AsyncKit.WaitUntilFull(pair.Client.SafeHandle, "the socket");
        AsyncKit.StillWaiting(send, "a sendfile into a full socket");

        source.Dispose();

        // The doc: "ObjectDisposedException: The socket is disposed or the file handle closed, also while the transfer
        // waits." The socket stays full (its peer never reads): only the closed file can end the wait.
        AsyncKit.Fails<ObjectDisposedException>(send, "a sendfile from a closed file", SweepSeconds);
        Assert.That(pair.Client.Connected, Is.True, "the socket itself is untouched");
    }

    [Test]
    public void DisposingTheSocket_DuringTransferAsync_EndsIt_WithObjectDisposedException()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", TestIo.Bytes(4 << 20, 802));
        SocketPair pair = AsyncKit.SmallTcp();
        try
        {
            Task<TransferResult> transfer = ZeroCopy.TransferAsync(source, pair.Client.SafeHandle).AsTask();
            AsyncKit.WaitUntilFull(pair.Client.SafeHandle, "the socket");
            AsyncKit.StillWaiting(transfer, "a transfer into a full socket");

            pair.Client.Dispose();

            Exception error = AsyncKit.FailureOf(transfer, "a transfer into a disposed socket", SweepSeconds);
            Assert.That(error is ObjectDisposedException || error is ZeroCopyException, Is.True,
                        $"ObjectDisposedException or ZeroCopyException, got {error}");
        }
        finally
        {
            pair.Dispose();
        }
    }

    /// <summary>After a dispose under a waiter, the loop still parks and wakes other operations.</summary>
    private static void AssertTheLoopStillServes()
    {
        using Pipe pipe = Pipe.Create();
        Task<int> read = pipe.ReadAsync(new byte[4]).AsTask();
        AsyncKit.StillWaiting(read, "a read of an empty pipe", 20);
        pipe.Write(new byte[] { 1, 2 });
        Assert.That(AsyncKit.Result(read, "a read after the dispose"), Is.EqualTo(2));
    }
}
