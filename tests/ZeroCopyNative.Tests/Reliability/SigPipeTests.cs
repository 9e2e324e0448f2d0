using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Reliability;

/// <summary>
/// SIGPIPE: writing into a pipe or socket whose reader is gone raises SIGPIPE, which kills a process that does not
/// ignore it. Under the runtime (JIT and NativeAOT alike, since this binary runs both ways) every such write must come
/// back as <see cref="ZeroCopyException"/> with EPIPE, and the process must live on: each test ends by doing more work.
/// </summary>
[Category("Reliability")]
public sealed class SigPipeTests
{
    private const int Sigpipe = 13;
    private ScratchDirectory _scratch = null!;
    private SafeFileHandle _file = null!;

    [OneTimeSetUp]
    public void CreateSource()
    {
        _scratch = new ScratchDirectory();
        _scratch.CreateFile("source", 4 << 20);
        _file = File.OpenHandle(_scratch.File("source"));
    }

    [OneTimeTearDown]
    public void DeleteSource()
    {
        _file.Dispose();
        _scratch.Dispose();
    }

    [Test]
    public void TheRuntimeIgnoresSigpipe_SoWritesReportEpipe()
    {
        // /proc/self/status lists the ignored signals as a hexadecimal mask; SIGPIPE is bit 13 - 1.
        string line = File.ReadAllLines("/proc/self/status").Single(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        ulong ignored = ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.That(ignored & (1UL << (Sigpipe - 1)), Is.Not.Zero, $"SIGPIPE is not ignored ({line})");
        Report.Figure($"sigpipe: under {Mode}, {line}");
    }

    /// <summary>"JIT" when the tests run in the dotnet host, "NativeAOT" in the published binary.</summary>
    internal static string Mode => Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? "JIT" : "NativeAOT";

    [Test]
    public void SendFile_IntoAPipeWithoutReader_IsEpipe()
    {
        using SafeFileHandle writer = Fds.WidowedPipeWriter();
        var e = Assert.Throws<ZeroCopyException>(() => ZeroCopy.SendFile(_file, 0, writer, 1 << 20))!;
        AssertEpipe(e, "sendfile");
        AssertStillAlive();
    }

    [Test]
    public void SendFile_IntoASocketWhosePeerClosed_IsEpipe()
    {
        using SocketPair pair = SocketPair.Unix();
        pair.Right.Dispose();
        var e = Assert.Throws<ZeroCopyException>(() => ZeroCopy.SendFile(_file, 0, pair.Left, 1 << 20))!;
        AssertEpipe(e, "sendfile");
        AssertStillAlive();
    }

    [Test]
    public void SendFile_IntoTcpPeerThatClosesMidTransfer_ReportsEpipeAndTheBytesSent()
    {
        using SocketPair pair = SocketPair.Tcp();
        var reader = new Thread(() =>
        {
            // Read a little, then hang up while the sender is still going.
            byte[] buffer = new byte[65536];
            int total = 0;
            while (total < 256 * 1024)
            {
                int n = pair.Right.Receive(buffer);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            pair.Right.Close(0);
        });
        reader.Start();
        // Loopback TCP buffers hold megabytes: keep sending (bounded) until the hang-up is felt.
        ZeroCopyException? failure = null;
        long before = 0;
        for (int i = 0; i < 64 && failure == null; i++)
        {
            try
            {
                before += ZeroCopy.SendFile(_file, 0, pair.Left, 4 << 20);
            }
            catch (ZeroCopyException caught)
            {
                failure = caught;
            }
        }

        reader.Join();
        Assert.That(failure, Is.Not.Null, "256 MiB went into a socket whose peer hung up");
        ZeroCopyException e = failure!;
        // TCP answers a write after the peer's reset with ECONNRESET or EPIPE, depending on when the RST arrived.
        Assert.That(e.Errno is Errno.EPIPE or Errno.ECONNRESET, Is.True, e.Message);
        Assert.That(e.Operation, Is.EqualTo("sendfile"));
        Assert.That(e.BytesTransferred, Is.LessThan(4 << 20));
        Report.Figure($"sigpipe: sendfile to a TCP peer that hung up: {e.Errno} after {before} + {e.BytesTransferred} bytes");
        AssertStillAlive();
    }

    [Test]
    public void Splice_FromFileIntoAPipeWithoutReader_IsEpipe()
    {
        using SafeFileHandle writer = Fds.WidowedPipeWriter();
        var e = Assert.Throws<ZeroCopyException>(() => ZeroCopy.Splice(_file, 0, writer, null, 1 << 20))!;
        AssertEpipe(e, "splice");
        AssertStillAlive();
    }

    [Test]
    public void Splice_FromPipeIntoASocketWhosePeerClosed_IsEpipe()
    {
        using SocketPair pair = SocketPair.Unix();
        pair.Right.Dispose();
        using Pipe pipe = Pipe.Create();
        pipe.Write(new byte[4096]);
        var e = Assert.Throws<ZeroCopyException>(() => pipe.SpliceTo(pair.Left.SafeHandle, null, 4096))!;
        AssertEpipe(e, "splice");
        AssertStillAlive();
    }

    [Test]
    public void VmSplice_IntoAPipeWhoseReaderClosed_IsEpipe_AndTheLeaseIsNotLost()
    {
        using Pipe pipe = Pipe.Create();
        pipe.Reader.Dispose();
        using PipeBuffer lease = PipeBuffer.Rent();
        var e = Assert.Throws<ZeroCopyException>(() => pipe.VmSplice(lease, lease.Length))!;
        AssertEpipe(e, "vmsplice");
        Assert.That(lease.IsLocked, Is.False);
        var raw = Assert.Throws<ZeroCopyException>(() => pipe.VmSpliceUnsafe(new byte[100]))!;
        AssertEpipe(raw, "vmsplice");
        AssertStillAlive();
    }

    [Test]
    public void Write_IntoAPipeWhoseReaderClosed_IsEpipe()
    {
        using Pipe pipe = Pipe.Create();
        pipe.Reader.Dispose();
        var e = Assert.Throws<ZeroCopyException>(() => pipe.Write(new byte[100_000]))!;
        AssertEpipe(e, "write");
        AssertStillAlive();
    }

    [Test]
    public void Write_ReaderClosesWhileTheWriterWaits_IsEpipeWithTheBytesWritten()
    {
        using Pipe pipe = Pipe.Create();
        var closer = new Thread(() =>
        {
            byte[] buffer = new byte[16384];
            int total = 0;
            while (total < 100_000)
            {
                total += pipe.Read(buffer);
            }

            pipe.Reader.Dispose();
        });
        closer.Start();
        var e = Assert.Throws<ZeroCopyException>(() => pipe.Write(new byte[1 << 20]))!;
        closer.Join();
        Assert.That(e.Errno, Is.EqualTo(Errno.EPIPE));
        Assert.That(e.BytesTransferred, Is.GreaterThanOrEqualTo(100_000));
        AssertStillAlive();
    }

    [Test]
    public void Transfer_IntoDeadPipeAndSocket_IsEpipe()
    {
        using SafeFileHandle writer = Fds.WidowedPipeWriter();
        AssertEpipe(Assert.Throws<ZeroCopyException>(() => ZeroCopy.Transfer(_file, writer))!, "sendfile");

        // Socket to socket goes through a pooled pipe; the pool must not keep the failed transfer's bytes.
        using SocketPair from = SocketPair.Unix();
        using SocketPair to = SocketPair.Unix();
        to.Right.Dispose();
        from.Left.Send(new byte[1000]);
        from.Left.Shutdown(SocketShutdown.Send);
        AssertEpipe(Assert.Throws<ZeroCopyException>(() => ZeroCopy.Transfer(from.Right.SafeHandle, to.Left.SafeHandle))!, "splice");
        AssertStillAlive();
    }

    [Test]
    public void SendFileAsync_IntoASocketWhosePeerClosed_IsEpipe()
    {
        using SocketPair pair = SocketPair.Unix();
        pair.Right.Dispose();
        System.Threading.Tasks.Task<long> send = ZeroCopy.SendFileAsync(_file, 0, pair.Left, 1 << 20).AsTask();
        Assert.That(((IAsyncResult)send).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)), Is.True, "SendFileAsync hung");
        Assert.That(send.IsFaulted, Is.True);
        Exception inner = send.Exception!.InnerException!;
        Assert.That(inner is ZeroCopyException, Is.True, inner.ToString());
        var e = (ZeroCopyException)inner;
        Assert.That(e.Errno is Errno.EPIPE or Errno.ECONNRESET, Is.True, e.Message);
        AssertStillAlive();
    }

    private static void AssertEpipe(ZeroCopyException e, string operation)
    {
        Assert.That(e.Errno, Is.EqualTo(Errno.EPIPE), e.Message);
        Assert.That(e.Operation, Is.EqualTo(operation));
        Assert.That(e.Message, Does.StartWith($"{operation} failed: EPIPE (Broken pipe)"));
    }

    /// <summary>Proof of life after the failed write: the process still moves data.</summary>
    private void AssertStillAlive()
    {
        using Pipe pipe = Pipe.Create();
        Assert.That(ZeroCopy.SendFile(_file, 0, pipe.Writer, 1000), Is.EqualTo(1000));
        Assert.That(pipe.BytesAvailable, Is.EqualTo(1000));
    }
}
