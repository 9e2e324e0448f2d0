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
/// Cancellation while an operation waits, on a full destination or on an empty source, for every asynchronous method:
/// a <see cref="TransferCanceledException"/> whose BytesTransferred is exactly what reached the other side (no byte lost
/// or repeated: the peer receives that many and no more), and the operation started again from there (the offset plus
/// those bytes, or the position the transfer left) finishes the job.
/// </summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.Cancellation)]
#pragma warning restore CS0618
public sealed class CancellationWhileWaitingTests
{
    // ----- while waiting on a full destination ----------------------------------------------------------------------

    [TestCase(null)]
    [TestCase(TransferMethod.Splice)]
    [TestCase(TransferMethod.ReadWrite)]
    public void TransferAsync_FileToAFullSocket_SentAnExactPrefix_AndResumesFromTheFilePosition(TransferMethod? method)
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((4 << 20) + 99, 702);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using SocketPair pair = AsyncKit.SmallTcp();
        using var cancel = new CancellationTokenSource();
        var options = new TransferOptions { Method = method };

        Task<TransferResult> transfer = ZeroCopy.TransferAsync(source, pair.Client.SafeHandle, options, cancel.Token).AsTask();
        AsyncKit.WaitUntilFull(pair.Client.SafeHandle, "the socket");
        AsyncKit.StillWaiting(transfer, "a transfer into a full socket");
        cancel.Cancel();
        long sent = AsyncKit.Fails<TransferCanceledException>(transfer, "the cancelled transfer").BytesTransferred;

        Assert.That(sent, Is.GreaterThan(0).And.LessThan(data.Length));
        AsyncKit.SameBytes(data.AsSpan(0, (int)sent), AsyncKit.ReceiveExactlyAndNoMore(pair.Server, sent), "what the peer received");
        Assert.That(TestIo.PositionOf(source), Is.EqualTo(sent),
            "the file position is left after the bytes moved (the doc: 'the file positions are left after them')");

        Task<byte[]> rest = AsyncKit.ReceiveToEndInBackground(pair.Server);
        TransferResult resumed = AsyncKit.Result(ZeroCopy.TransferAsync(source, pair.Client.SafeHandle, options).AsTask(), "the resumed transfer");
        pair.Client.Shutdown(SocketShutdown.Send);
        Assert.That(sent + resumed.Bytes, Is.EqualTo(data.Length));
        AsyncKit.SameBytes(data.AsSpan((int)sent), AsyncKit.Result(rest, "the receiver"), "what the resumed transfer sent");
    }

    [Test]
    public void TransferAsync_NetworkStream_CancelledWhileFull_AdvancesTheFileStreamByTheBytesSent_AndResumes()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((3 << 20) + 7, 703);
        File.WriteAllBytes(folder.File("src"), data);
        using var source = new FileStream(folder.File("src"), FileMode.Open, FileAccess.Read);
        using SocketPair pair = AsyncKit.SmallTcp(nonBlockingClient: false);
        using var network = new NetworkStream(pair.Client, ownsSocket: false);
        using var cancel = new CancellationTokenSource();

        Task<TransferResult> transfer = ZeroCopy.TransferAsync(source, network, null, cancel.Token).AsTask();
        AsyncKit.WaitUntilFull(pair.Client.SafeHandle, "the socket");
        AsyncKit.StillWaiting(transfer, "a transfer into a full socket");
        cancel.Cancel();
        long sent = AsyncKit.Fails<TransferCanceledException>(transfer, "the cancelled transfer").BytesTransferred;

        Assert.That(sent, Is.GreaterThan(0).And.LessThan(data.Length));
        Assert.That(source.Position, Is.EqualTo(sent), "the FileStream is left after the bytes sent");
        AsyncKit.SameBytes(data.AsSpan(0, (int)sent), AsyncKit.ReceiveExactlyAndNoMore(pair.Server, sent), "what the peer received");
        Task<byte[]> rest = AsyncKit.ReceiveToEndInBackground(pair.Server);
        AsyncKit.Result(ZeroCopy.TransferAsync(source, network).AsTask(), "the resumed transfer");
        pair.Client.Shutdown(SocketShutdown.Send);
        AsyncKit.SameBytes(data.AsSpan((int)sent), AsyncKit.Result(rest, "the receiver"), "what the resumed transfer sent");
    }

    [Test]
    public void SendFileAsync_CancelledWhileTheSocketIsFull_SentAnExactPrefix_AndResumesAtOffsetPlusBytes()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes((4 << 20) + 13, 704);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using SocketPair pair = TestIo.Tcp(16 * 1024);
        using var cancel = new CancellationTokenSource();

        Task<long> send = ZeroCopy.SendFileAsync(source, 0, pair.Client, data.Length, cancel.Token).AsTask();
        AsyncKit.WaitUntilFull(pair.Client.SafeHandle, "the socket");
        AsyncKit.StillWaiting(send, "a sendfile into a full socket");
        cancel.Cancel();
        long sent = AsyncKit.Fails<TransferCanceledException>(send, "the cancelled sendfile").BytesTransferred;

        Assert.That(sent, Is.GreaterThan(0).And.LessThan(data.Length));
        AsyncKit.SameBytes(data.AsSpan(0, (int)sent), AsyncKit.ReceiveExactlyAndNoMore(pair.Server, sent), "what the peer received");
        Task<byte[]> rest = AsyncKit.ReceiveToEndInBackground(pair.Server);
        Assert.That(AsyncKit.Result(ZeroCopy.SendFileAsync(source, sent, pair.Client, data.Length - sent).AsTask(), "the resumed sendfile"),
                    Is.EqualTo(data.Length - sent));
        pair.Client.Shutdown(SocketShutdown.Send);
        AsyncKit.SameBytes(data.AsSpan((int)sent), AsyncKit.Result(rest, "the receiver"), "what the resumed sendfile sent");
    }

    [Test]
    public void SpliceAsync_PipeToAFullSocket_MovedAnExactPrefix_TheRestStaysInThePipe_AndResumes()
    {
        byte[] data = TestIo.Bytes(200_000, 705);
        using Pipe pipe = Pipe.Create(capacity: 256 * 1024, nonBlocking: true);
        pipe.Write(data);
        using SocketPair pair = AsyncKit.SmallTcp();
        using var cancel = new CancellationTokenSource();

        Task<long> splice = ZeroCopy.SpliceAsync(pipe.Reader, null, pair.Client.SafeHandle, null, data.Length,
                                                 SpliceOptions.None, cancel.Token).AsTask();
        AsyncKit.WaitUntilFull(pair.Client.SafeHandle, "the socket");
        AsyncKit.StillWaiting(splice, "a splice into a full socket");
        cancel.Cancel();
        long moved = AsyncKit.Fails<TransferCanceledException>(splice, "the cancelled splice").BytesTransferred;

        Assert.That(moved, Is.GreaterThan(0).And.LessThan(data.Length));
        Assert.That(pipe.BytesAvailable, Is.EqualTo(data.Length - moved), "every byte not moved is still in the pipe");
        AsyncKit.SameBytes(data.AsSpan(0, (int)moved), AsyncKit.ReceiveExactlyAndNoMore(pair.Server, moved), "what the peer received");
        Task<byte[]> rest = AsyncKit.ReceiveToEndInBackground(pair.Server);
        Assert.That(AsyncKit.Result(ZeroCopy.SpliceAsync(pipe.Reader, null, pair.Client.SafeHandle, null, data.Length - moved).AsTask(),
                                    "the resumed splice"), Is.EqualTo(data.Length - moved));
        pair.Client.Shutdown(SocketShutdown.Send);
        AsyncKit.SameBytes(data.AsSpan((int)moved), AsyncKit.Result(rest, "the receiver"), "what the resumed splice sent");
    }

    [Test]
    public void PipeWriteAsync_CancelledWhileThePipeIsFull_WroteAnExactPrefix_AndResumes()
    {
        byte[] data = TestIo.Bytes(1 << 20, 706);
        using Pipe pipe = Pipe.Create(capacity: 65536);
        using var cancel = new CancellationTokenSource();

        Task write = pipe.WriteAsync(data, cancel.Token).AsTask();
        AsyncKit.StillWaiting(write, "a write into a full pipe");
        cancel.Cancel();
        long written = AsyncKit.Fails<TransferCanceledException>(write, "the cancelled write").BytesTransferred;

        Assert.That(written, Is.GreaterThan(0).And.LessThan(data.Length));
        Assert.That(pipe.BytesAvailable, Is.EqualTo(written), "the pipe holds exactly the bytes written");
        AsyncKit.SameBytes(data.AsSpan(0, (int)written), AsyncKit.DrainNow(pipe.Reader), "what the pipe held");
        Task<byte[]> rest = AsyncKit.ReadExactlyAsync(pipe, data.Length - (int)written);
        AsyncKit.Succeeds(pipe.WriteAsync(data.AsMemory((int)written)).AsTask(), "the resumed write");
        AsyncKit.SameBytes(data.AsSpan((int)written), AsyncKit.Result(rest, "the reader"), "the rest");
    }

    [Test]
    public void PipeVmSpliceAsync_CancelledWhileThePipeIsFull_HandedOverAnExactPrefix_AndTheRestFollows()
    {
        byte[] data = TestIo.Bytes(256 * 1024, 707);
        using Pipe pipe = Pipe.Create(capacity: 65536);
        using PipeBuffer lease = PipeBuffer.Rent(data.Length);
        data.CopyTo(lease.Span);
        using var cancel = new CancellationTokenSource();

        Task splice = AsyncKit.StartWithoutHolding(() => pipe.VmSpliceAsync(lease, data.Length, cancel.Token).AsTask(), pipe,
                                                   "VmSpliceAsync into a pipe it fills");
        AsyncKit.StillWaiting(splice, "a vmsplice into a full pipe");
        cancel.Cancel();
        long handed = AsyncKit.Fails<TransferCanceledException>(splice, "the cancelled vmsplice").BytesTransferred;

        Assert.That(handed, Is.GreaterThan(0).And.LessThan(data.Length));
        Assert.That(pipe.BytesAvailable, Is.EqualTo(handed));
        Assert.That(lease.IsLocked, Is.True, "the pipe still holds pages of the lease");
        AsyncKit.SameBytes(data.AsSpan(0, (int)handed), AsyncKit.Result(AsyncKit.ReadExactlyAsync(pipe, (int)handed), "the reader"),
                           "what the pipe held");
        Assert.That(AsyncKit.Eventually(() => !lease.IsLocked, 10), Is.True, "drained: the lease is free again");

        using PipeBuffer rest = PipeBuffer.Rent(data.Length - (int)handed);
        data.AsSpan((int)handed).CopyTo(rest.Span);
        Task<byte[]> read = AsyncKit.ReadExactlyAsync(pipe, data.Length - (int)handed);
        AsyncKit.Succeeds(pipe.VmSpliceAsync(rest, data.Length - (int)handed).AsTask(), "the resumed vmsplice");
        AsyncKit.SameBytes(data.AsSpan((int)handed), AsyncKit.Result(read, "the reader"), "the rest");
    }

    [Test]
    public void PipeSpliceFromAsync_AFileIntoAFullPipe_MovedAnExactPrefix_AndResumesAtOffsetPlusBytes()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(1 << 20, 708);
        using SafeFileHandle source = AsyncKit.SourceFile(folder, "src", data);
        using Pipe pipe = Pipe.Create(capacity: 65536);
        using var cancel = new CancellationTokenSource();

        Task<long> splice = pipe.SpliceFromAsync(source, 0, data.Length, SpliceOptions.None, cancel.Token).AsTask();
        AsyncKit.StillWaiting(splice, "a splice into a full pipe");
        cancel.Cancel();
        long moved = AsyncKit.Fails<TransferCanceledException>(splice, "the cancelled splice").BytesTransferred;

        Assert.That(moved, Is.GreaterThan(0).And.LessThan(data.Length));
        AsyncKit.SameBytes(data.AsSpan(0, (int)moved), AsyncKit.DrainNow(pipe.Reader), "what the pipe held");
        Task<byte[]> rest = AsyncKit.ReadExactlyAsync(pipe, data.Length - (int)moved);
        Assert.That(AsyncKit.Result(pipe.SpliceFromAsync(source, moved, data.Length - moved).AsTask(), "the resumed splice"),
                    Is.EqualTo(data.Length - moved));
        AsyncKit.SameBytes(data.AsSpan((int)moved), AsyncKit.Result(rest, "the reader"), "the rest");
    }

    [Test]
    public void PipeSpliceToAsync_IntoAFullSocket_MovedAnExactPrefix_AndResumes()
    {
        byte[] data = TestIo.Bytes(200_000, 709);
        using Pipe pipe = Pipe.Create(capacity: 256 * 1024);
        pipe.Write(data);
        using SocketPair pair = AsyncKit.SmallTcp();
        using var cancel = new CancellationTokenSource();

        Task<long> splice = pipe.SpliceToAsync(pair.Client.SafeHandle, null, data.Length, SpliceOptions.None, cancel.Token).AsTask();
        AsyncKit.WaitUntilFull(pair.Client.SafeHandle, "the socket");
        AsyncKit.StillWaiting(splice, "a splice into a full socket");
        cancel.Cancel();
        long moved = AsyncKit.Fails<TransferCanceledException>(splice, "the cancelled splice").BytesTransferred;

        Assert.That(moved, Is.GreaterThan(0).And.LessThan(data.Length));
        Assert.That(pipe.BytesAvailable, Is.EqualTo(data.Length - moved));
        AsyncKit.SameBytes(data.AsSpan(0, (int)moved), AsyncKit.ReceiveExactlyAndNoMore(pair.Server, moved), "what the peer received");
        Task<byte[]> rest = AsyncKit.ReceiveToEndInBackground(pair.Server);
        Assert.That(AsyncKit.Result(pipe.SpliceToAsync(pair.Client.SafeHandle, null, data.Length - moved).AsTask(), "the resumed splice"),
                    Is.EqualTo(data.Length - moved));
        pair.Client.Shutdown(SocketShutdown.Send);
        AsyncKit.SameBytes(data.AsSpan((int)moved), AsyncKit.Result(rest, "the receiver"), "the rest");
    }

    [Test]
    public void TeeAsync_CancelledWhileTheDestinationIsFull_DuplicatedNothing_AndRunsAgainLater()
    {
        using Pipe source = Pipe.Create(nonBlocking: true);
        using Pipe destination = Pipe.Create(capacity: 4096, nonBlocking: true);
        source.Write(new byte[] { 1, 2, 3, 4 });
        long filled = Reliability.Fds.FillUntilFull(destination.Writer);
        using var cancel = new CancellationTokenSource();

        Task<long> tee = ZeroCopy.TeeAsync(source.Reader, destination.Writer, 4, SpliceOptions.None, cancel.Token).AsTask();
        AsyncKit.StillWaiting(tee, "a tee into a full pipe");
        cancel.Cancel();

        Assert.That(AsyncKit.Fails<TransferCanceledException>(tee, "the cancelled tee").BytesTransferred, Is.Zero);
        Assert.That(destination.BytesAvailable, Is.EqualTo(filled), "nothing was added");
        Assert.That(source.BytesAvailable, Is.EqualTo(4));
        Assert.That(AsyncKit.DrainNow(destination.Reader).Length, Is.EqualTo(filled));
        Assert.That(AsyncKit.Result(ZeroCopy.TeeAsync(source.Reader, destination.Writer, 4).AsTask(), "the tee again"), Is.EqualTo(4));
    }

    [Test]
    public void TransferAsync_PipeToAFullPipe_MovedAnExactPrefix_TheRestStaysInTheSource_AndResumes()
    {
        byte[] data = TestIo.Bytes(200_000, 710);
        using Pipe source = Pipe.Create(capacity: 256 * 1024, nonBlocking: true);
        using Pipe destination = Pipe.Create(capacity: 16384, nonBlocking: true);
        source.Write(data);
        using var cancel = new CancellationTokenSource();

        Task<TransferResult> transfer = ZeroCopy.TransferAsync(source.Reader, destination.Writer,
                                                               new TransferOptions { Count = data.Length }, cancel.Token).AsTask();
        AsyncKit.StillWaiting(transfer, "a transfer into a full pipe");
        cancel.Cancel();
        long moved = AsyncKit.Fails<TransferCanceledException>(transfer, "the cancelled transfer").BytesTransferred;

        Assert.That(moved, Is.GreaterThan(0).And.LessThan(data.Length));
        Assert.That(source.BytesAvailable, Is.EqualTo(data.Length - moved), "every byte not moved is still in the source");
        AsyncKit.SameBytes(data.AsSpan(0, (int)moved), AsyncKit.DrainNow(destination.Reader), "what the destination held");
        Task<byte[]> rest = AsyncKit.ReadExactlyAsync(destination, data.Length - (int)moved);
        AsyncKit.Result(ZeroCopy.TransferAsync(source.Reader, destination.Writer,
                                               new TransferOptions { Count = data.Length - moved }).AsTask(), "the resumed transfer");
        AsyncKit.SameBytes(data.AsSpan((int)moved), AsyncKit.Result(rest, "the reader"), "the rest");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void TransferAsync_SocketToAFullSocket_DeliveredAnExactPrefix(bool intoUnix)
    {
        byte[] data = TestIo.Bytes((2 << 20) + 3, 711);
        using SocketPair near = TestIo.Tcp(16 * 1024);
        using SocketPair far = intoUnix ? TestIo.Unix() : TestIo.Tcp(16 * 1024);

        (TransferCanceledException cancelled, Task sender) = CancelARelayIntoAFullSocket(near, far, data);
        long delivered = cancelled.BytesTransferred;

        AsyncKit.SameBytes(data.AsSpan(0, (int)delivered), AsyncKit.ReceiveExactlyAndNoMore(far.Server, delivered), "what the far end received");
        near.Server.Dispose();
        AsyncKit.Finish(sender, "the sender");
    }

    /// <summary>
    /// A relay between two sockets goes through an intermediate pipe (splice in, splice out); cancelled while the far
    /// socket is full, the bytes already taken from the near socket and not yet delivered cannot be read again: the
    /// cancellation hands them back (Undelivered), and a relay that writes them first and then resumes loses nothing
    /// (TCP far ends leave about one pipe fill, 32 KiB, pending every time).
    /// </summary>
    [Test]
    public void TransferAsync_SocketToAFullTcpSocket_TheRelayResumedAfterACancellationLosesNoByte()
    {
        byte[] data = TestIo.Bytes((2 << 20) + 3, 712);
        using SocketPair near = TestIo.Tcp(16 * 1024);
        using SocketPair far = TestIo.Tcp(16 * 1024);

        (TransferCanceledException cancelled, Task sender) = CancelARelayIntoAFullSocket(near, far, data);
        long delivered = cancelled.BytesTransferred;
        ReadOnlyMemory<byte> undelivered = cancelled.Undelivered;

        AsyncKit.SameBytes(data.AsSpan(0, (int)delivered), AsyncKit.ReceiveExactlyAndNoMore(far.Server, delivered), "what the far end received");
        AsyncKit.SameBytes(data.AsSpan((int)delivered, undelivered.Length), undelivered.Span, "the bytes taken and not delivered");
        Task<byte[]> rest = AsyncKit.ReceiveToEndInBackground(far.Server);
        // Resuming: the undelivered bytes first (through the runtime's own sends), then the relay again.
        Assert.That(AsyncKit.Result(far.Client.SendAsync(undelivered, SocketFlags.None).AsTask(), "the undelivered bytes"),
                    Is.EqualTo(undelivered.Length));
        TransferResult resumed = AsyncKit.Result(ZeroCopy.TransferAsync(near.Server.SafeHandle, far.Client.SafeHandle).AsTask(),
                                                 "the resumed relay");
        far.Client.Shutdown(SocketShutdown.Send);
        AsyncKit.Succeeds(sender, "the sender");
        Assert.That(delivered + undelivered.Length + resumed.Bytes, Is.EqualTo(data.Length),
            $"{data.Length - delivered - undelivered.Length - resumed.Bytes} bytes taken from the near socket were lost");
        AsyncKit.SameBytes(data.AsSpan((int)delivered), AsyncKit.Result(rest, "the far end"), "what the resumed relay delivered");
    }

    /// <summary>Starts a relay near.Server → far.Client while a sender fills near.Client, cancels it once far.Client is
    /// full, and returns its cancellation (the bytes it reported delivered are checked to be a strict, non-empty part
    /// of the data).</summary>
    private static (TransferCanceledException Cancelled, Task Sender) CancelARelayIntoAFullSocket(SocketPair near, SocketPair far,
                                                                                                byte[] data)
    {
        near.Server.Blocking = false;
        far.Client.Blocking = false;
        far.Client.SendBufferSize = 16 * 1024;
        Task sender = Task.Factory.StartNew(() =>
        {
            near.Client.SendTimeout = 30_000;
            try
            {
                near.Client.Send(data);
                near.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The test ended the relay without reading everything.
            }
        }, TaskCreationOptions.LongRunning);
        using var cancel = new CancellationTokenSource();

        Task<TransferResult> relay = ZeroCopy.TransferAsync(near.Server.SafeHandle, far.Client.SafeHandle, null, cancel.Token).AsTask();
        AsyncKit.WaitUntilFull(far.Client.SafeHandle, "the far socket");
        AsyncKit.StillWaiting(relay, "a relay into a full socket");
        cancel.Cancel();
        TransferCanceledException cancelled = AsyncKit.Fails<TransferCanceledException>(relay, "the cancelled relay");

        Assert.That(cancelled.BytesTransferred, Is.GreaterThan(0).And.LessThan(data.Length));
        return (cancelled, sender);
    }

    // ----- while waiting on an empty source -------------------------------------------------------------------------

    [Test]
    public void PipeReadAsync_CancelledOnAnEmptyPipe_ReadsNothing_AndTheNextReadGetsEverything()
    {
        using Pipe pipe = Pipe.Create();
        using var cancel = new CancellationTokenSource();

        Task<int> read = pipe.ReadAsync(new byte[100], cancel.Token).AsTask();
        AsyncKit.StillWaiting(read, "a read of an empty pipe");
        cancel.Cancel();

        Assert.That(AsyncKit.Fails<TransferCanceledException>(read, "the cancelled read").BytesTransferred, Is.Zero);
        pipe.Write(new byte[] { 5, 6, 7 });
        byte[] buffer = new byte[100];
        Assert.That(AsyncKit.Result(pipe.ReadAsync(buffer).AsTask(), "the next read"), Is.EqualTo(3));
        Assert.That(buffer[0] == 5 && buffer[2] == 7, Is.True);
    }

    [Test]
    public void TransferAsync_FromAnEmptyPipe_MovedExactlyWhatCame_AndResumesFromTheFilePosition()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(300_000, 712);
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        using Pipe pipe = Pipe.Create(nonBlocking: true);
        using var cancel = new CancellationTokenSource();
        AsyncKit.Succeeds(pipe.WriteAsync(data.AsMemory(0, 50_000)).AsTask(), "the first write");

        Task<TransferResult> transfer = ZeroCopy.TransferAsync(pipe.Reader, destination, null, cancel.Token).AsTask();
        Assert.That(AsyncKit.Eventually(() => new FileInfo(folder.File("dst")).Length == 50_000), Is.True, "the first bytes arrive");
        AsyncKit.StillWaiting(transfer, "a transfer from an empty pipe");
        cancel.Cancel();
        long moved = AsyncKit.Fails<TransferCanceledException>(transfer, "the cancelled transfer").BytesTransferred;

        Assert.That(moved, Is.EqualTo(50_000));
        Assert.That(TestIo.PositionOf(destination), Is.EqualTo(50_000));
        Task producer = Task.Run(async () =>
        {
            await pipe.WriteAsync(data.AsMemory(50_000)).ConfigureAwait(false);
            pipe.CompleteWriting();
        });
        TransferResult resumed = AsyncKit.Result(ZeroCopy.TransferAsync(pipe.Reader, destination).AsTask(), "the resumed transfer");
        AsyncKit.Succeeds(producer, "the producer");
        Assert.That(resumed.Bytes, Is.EqualTo(data.Length - 50_000));
        AsyncKit.SameBytes(data, File.ReadAllBytes(folder.File("dst")), "the file");
    }

    [Test]
    public void TransferAsync_FromASilentSocket_MovedExactlyWhatCame_AndResumes()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(400_000, 713);
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        using SocketPair pair = TestIo.Tcp();
        pair.Server.Blocking = false;
        pair.Client.Send(data.AsSpan(0, 70_000));
        using var cancel = new CancellationTokenSource();

        Task<TransferResult> transfer = ZeroCopy.TransferAsync(pair.Server.SafeHandle, destination, null, cancel.Token).AsTask();
        Assert.That(AsyncKit.Eventually(() => new FileInfo(folder.File("dst")).Length == 70_000), Is.True, "the first bytes arrive");
        AsyncKit.StillWaiting(transfer, "a transfer from a silent socket");
        cancel.Cancel();
        long moved = AsyncKit.Fails<TransferCanceledException>(transfer, "the cancelled transfer").BytesTransferred;

        Assert.That(moved, Is.EqualTo(70_000));
        Task sender = AsyncKit.SendAndShutdownInBackground(pair.Client, data[70_000..]);
        TransferResult resumed = AsyncKit.Result(ZeroCopy.TransferAsync(pair.Server.SafeHandle, destination).AsTask(), "the resumed transfer");
        AsyncKit.Succeeds(sender, "the sender");
        Assert.That(moved + resumed.Bytes, Is.EqualTo(data.Length));
        AsyncKit.SameBytes(data, File.ReadAllBytes(folder.File("dst")), "the file");
    }

    [Test]
    public void SpliceAsync_FromASilentSocket_MovedExactlyWhatCame_AndResumes()
    {
        byte[] data = TestIo.Bytes(100_000, 714);
        using Pipe pipe = Pipe.Create(capacity: 256 * 1024, nonBlocking: true);
        using SocketPair pair = TestIo.Unix();
        pair.Server.Blocking = false;
        pair.Client.Send(data.AsSpan(0, 30_000));
        using var cancel = new CancellationTokenSource();

        Task<long> splice = ZeroCopy.SpliceAsync(pair.Server.SafeHandle, null, pipe.Writer, null, data.Length,
                                                 SpliceOptions.None, cancel.Token).AsTask();
        Assert.That(AsyncKit.Eventually(() => pipe.BytesAvailable == 30_000), Is.True, "the first bytes arrive");
        AsyncKit.StillWaiting(splice, "a splice from a silent socket");
        cancel.Cancel();

        Assert.That(AsyncKit.Fails<TransferCanceledException>(splice, "the cancelled splice").BytesTransferred, Is.EqualTo(30_000));
        pair.Client.Send(data.AsSpan(30_000));
        Assert.That(AsyncKit.Result(ZeroCopy.SpliceAsync(pair.Server.SafeHandle, null, pipe.Writer, null, 70_000).AsTask(),
                                    "the resumed splice"), Is.EqualTo(70_000));
        AsyncKit.SameBytes(data, AsyncKit.DrainNow(pipe.Reader), "the pipe");
    }

    [Test]
    public void PipeSpliceToAsync_FromAnEmptyPipe_AndSpliceFromAsync_FromASilentSocket_MoveNothing()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        using Pipe pipe = Pipe.Create();
        using SocketPair pair = TestIo.Unix();
        pair.Server.Blocking = false;
        using var cancel = new CancellationTokenSource();

        Task<long> to = pipe.SpliceToAsync(destination, 0, 100, SpliceOptions.None, cancel.Token).AsTask();
        using Pipe other = Pipe.Create();
        Task<long> from = other.SpliceFromAsync(pair.Server.SafeHandle, null, 100, SpliceOptions.None, cancel.Token).AsTask();
        AsyncKit.StillWaiting(to, "a splice out of an empty pipe");
        AsyncKit.StillWaiting(from, "a splice from a silent socket", 10);
        cancel.Cancel();

        Assert.That(AsyncKit.Fails<TransferCanceledException>(to, "the cancelled splice out").BytesTransferred, Is.Zero);
        Assert.That(AsyncKit.Fails<TransferCanceledException>(from, "the cancelled splice in").BytesTransferred, Is.Zero);
        pipe.Write(new byte[] { 1, 2 });
        pair.Client.Send(new byte[] { 3 });
        Assert.That(AsyncKit.Result(pipe.SpliceToAsync(destination, 0, 2).AsTask(), "splice out again"), Is.EqualTo(2));
        Assert.That(AsyncKit.Result(other.SpliceFromAsync(pair.Server.SafeHandle, null, 1).AsTask(), "splice in again"), Is.EqualTo(1));
    }

    [Test]
    public void TeeAsync_CancelledOnAnEmptySource_GivesZero()
    {
        using Pipe source = Pipe.Create(nonBlocking: true);
        using Pipe destination = Pipe.Create(nonBlocking: true);
        using var cancel = new CancellationTokenSource();

        Task<long> tee = ZeroCopy.TeeAsync(source.Reader, destination.Writer, 100, SpliceOptions.None, cancel.Token).AsTask();
        AsyncKit.StillWaiting(tee, "a tee from an empty pipe");
        cancel.Cancel();

        Assert.That(AsyncKit.Fails<TransferCanceledException>(tee, "the cancelled tee").BytesTransferred, Is.Zero);
        Assert.That(destination.BytesAvailable, Is.Zero);
    }
}
