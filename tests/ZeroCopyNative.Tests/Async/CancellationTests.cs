using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Async;

/// <summary>
/// Cancellation before an operation starts (every async method) and between two file chunks: a
/// <see cref="TransferCanceledException"/> whose BytesTransferred is exactly what reached the other side, and the
/// operation started again from there finishes the job. Cancellation while waiting: <see cref="CancellationWhileWaitingTests"/>.
/// </summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.Cancellation)]
#pragma warning restore CS0618
public sealed class CancellationTests
{
    private const int Chunk = 8 << 20;

    // ----- before the start -----------------------------------------------------------------------------------------

    [TestCase("TransferAsync")]
    [TestCase("TransferAsync(streams)")]
    [TestCase("SendFileAsync")]
    [TestCase("SpliceAsync")]
    [TestCase("TeeAsync")]
    [TestCase("CopyFileRangeAsync")]
    [TestCase("ReadAsync")]
    [TestCase("WriteAsync")]
    [TestCase("SpliceFromAsync")]
    [TestCase("SpliceToAsync")]
    [TestCase("VmSpliceAsync")]
    public void AnAlreadyCancelledToken_StopsTheMethodWithZeroBytes_BeforeAnythingMoves(string method)
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(100_000, 701);
        using SafeFileHandle file = AsyncKit.SourceFile(folder, "src", data);
        using SafeFileHandle copy = TestIo.Create(folder.File("dst"));
        using Pipe pipe = Pipe.Create(nonBlocking: true);
        using Pipe other = Pipe.Create(nonBlocking: true);
        using SocketPair pair = AsyncKit.SmallTcp();
        using PipeBuffer lease = PipeBuffer.Rent(4096);
        using var fileStream = new FileStream(folder.File("src"), FileMode.Open, FileAccess.Read);
        using SocketPair streamPair = AsyncKit.SmallTcp(nonBlockingClient: false); // NetworkStream needs a blocking socket
        using var network = new NetworkStream(streamPair.Client, ownsSocket: false);
        pipe.Write(data.AsSpan(0, 1000));
        var token = new CancellationToken(canceled: true);

        Task operation = method switch
        {
            "TransferAsync" => ZeroCopy.TransferAsync(file, pair.Client.SafeHandle, null, token).AsTask(),
            "TransferAsync(streams)" => ZeroCopy.TransferAsync(fileStream, network, null, token).AsTask(),
            "SendFileAsync" => ZeroCopy.SendFileAsync(file, 0, pair.Client, data.Length, token).AsTask(),
            "SpliceAsync" => ZeroCopy.SpliceAsync(pipe.Reader, null, copy, 0, 1000, SpliceOptions.None, token).AsTask(),
            "TeeAsync" => ZeroCopy.TeeAsync(pipe.Reader, other.Writer, 1000, SpliceOptions.None, token).AsTask(),
            "CopyFileRangeAsync" => ZeroCopy.CopyFileRangeAsync(file, 0, copy, 0, data.Length, token).AsTask(),
            "ReadAsync" => pipe.ReadAsync(new byte[1000], token).AsTask(),
            "WriteAsync" => other.WriteAsync(data, token).AsTask(),
            "SpliceFromAsync" => other.SpliceFromAsync(file, 0, data.Length, SpliceOptions.None, token).AsTask(),
            "SpliceToAsync" => pipe.SpliceToAsync(copy, 0, 1000, SpliceOptions.None, token).AsTask(),
            "VmSpliceAsync" => other.VmSpliceAsync(lease, 4096, token).AsTask(),
            _ => throw new ArgumentException(method),
        };

        var error = AsyncKit.Fails<TransferCanceledException>(operation, method);
        Assert.That(error.BytesTransferred, Is.Zero);
        Assert.That(error.CancellationToken.IsCancellationRequested, Is.True, "the exception carries the caller's token");
        Assert.That(pipe.BytesAvailable, Is.EqualTo(1000), "nothing left the first pipe");
        Assert.That(other.BytesAvailable, Is.Zero, "nothing entered the second pipe");
        Assert.That(new FileInfo(folder.File("dst")).Length, Is.Zero, "nothing reached the file");
        Assert.That(Reliability.Fds.Queued(pair.Server.SafeHandle) + Reliability.Fds.Queued(streamPair.Server.SafeHandle), Is.Zero,
                    "nothing reached the sockets");
        Assert.That(lease.IsLocked, Is.False, "the lease was not handed over");
    }

    // ----- between file chunks --------------------------------------------------------------------------------------

    [Test]
    public void TransferAsync_FileToFile_AProgressCallbackThatCancels_StopsAtAChunkBoundary_AndResumes()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((4 * Chunk) + 1234, 715);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        using var cancel = new CancellationTokenSource();
        var progress = new ProgressLog(cancel, threshold: 1);

        Task<TransferResult> transfer = ZeroCopy.TransferAsync(source, destination, new TransferOptions { Progress = progress },
                                                               cancel.Token).AsTask();
        long moved = AsyncKit.Fails<TransferCanceledException>(transfer, "the cancelled copy").BytesTransferred;

        Assert.That(moved, Is.GreaterThan(0).And.LessThan(data.Length));
        Assert.That(moved % Chunk, Is.Zero, $"cancellation is seen between chunks ({moved} bytes)");
        Assert.That(TestIo.PositionOf(source), Is.EqualTo(moved));
        Assert.That(TestIo.PositionOf(destination), Is.EqualTo(moved));
        AsyncKit.SameBytes(data.AsSpan(0, (int)moved), File.ReadAllBytes(folder.File("dst")), "the copied prefix");

        TransferResult resumed = AsyncKit.Result(ZeroCopy.TransferAsync(source, destination).AsTask(), "the resumed copy");
        Assert.That(moved + resumed.Bytes, Is.EqualTo(data.Length));
        AsyncKit.SameBytes(data, File.ReadAllBytes(folder.File("dst")), "the whole copy");
    }

    [Test]
    public void TransferAsync_FileToFile_CancelledAtTheFirstYield_MovedExactlyOneChunk()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((2 * Chunk) + 5, 716);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        using var cancel = new CancellationTokenSource();
        var held = new HeldContext();

        Task<TransferResult> transfer = held.Start(() => ZeroCopy.TransferAsync(source, destination,
            new TransferOptions { SourceOffset = 0, DestinationOffset = 0 }, cancel.Token).AsTask());
        Assert.That(held.Pending, Is.EqualTo(1), "the first chunk ran and the transfer yielded");
        cancel.Cancel();
        held.RunAll();
        long moved = AsyncKit.Fails<TransferCanceledException>(transfer, "the cancelled copy").BytesTransferred;

        Assert.That(moved, Is.EqualTo(Chunk));
        AsyncKit.SameBytes(data.AsSpan(0, Chunk), File.ReadAllBytes(folder.File("dst")), "the first chunk");
        AsyncKit.Result(ZeroCopy.TransferAsync(source, destination,
            new TransferOptions { SourceOffset = moved, DestinationOffset = moved }).AsTask(), "the resumed copy");
        AsyncKit.SameBytes(data, File.ReadAllBytes(folder.File("dst")), "the whole copy");
    }

    [Test]
    public void CopyFileRangeAsync_CancelledAtTheFirstYield_CopiedExactlyOneChunk_AndResumes()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((3 * Chunk) + 77, 717);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        using var cancel = new CancellationTokenSource();
        var held = new HeldContext();

        Task<long> copy = held.Start(() => ZeroCopy.CopyFileRangeAsync(source, null, destination, null, data.Length, cancel.Token).AsTask());
        Assert.That(held.Pending, Is.EqualTo(1), "the first chunk ran on the caller's thread and the copy yielded");
        cancel.Cancel();
        held.RunAll();
        long copied = AsyncKit.Fails<TransferCanceledException>(copy, "the cancelled copy").BytesTransferred;

        Assert.That(copied, Is.EqualTo(Chunk));
        Assert.That(TestIo.PositionOf(source), Is.EqualTo(Chunk));
        Assert.That(TestIo.PositionOf(destination), Is.EqualTo(Chunk));
        Assert.That(AsyncKit.Result(ZeroCopy.CopyFileRangeAsync(source, null, destination, null, data.Length - copied).AsTask(),
                                    "the resumed copy"), Is.EqualTo(data.Length - copied));
        AsyncKit.SameBytes(data, File.ReadAllBytes(folder.File("dst")), "the whole copy");
    }
}
