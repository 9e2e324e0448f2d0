using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Pipes;

/// <summary>
/// The lease guarantee with every kind of consumer: a lease is overwritten the moment it unlocks, and what the
/// consumer received must still be the bytes it was spliced with. Copying consumers keep the lease's pages (it still
/// holds the bytes it sent: nothing was replaced); the others get them given away (the lease holds zeros).
/// </summary>
[NonParallelizable]
public sealed class LeaseConsumerTests
{
    public enum Consumer
    {
        Read,
        RegularFile,
        DevNull,
        Tcp,
        Unix,
        AnotherPipe,
        Tee,
        ReaderHandedOut,
    }

    private const int Length = PipeBuffer.DefaultLength;

    [TestCase(Consumer.Read, true)]
    [TestCase(Consumer.RegularFile, true)]
    [TestCase(Consumer.DevNull, true)]
    [TestCase(Consumer.Tcp, false)]
    [TestCase(Consumer.Unix, false)]
    [TestCase(Consumer.AnotherPipe, false)]
    [TestCase(Consumer.Tee, false)]
    [TestCase(Consumer.ReaderHandedOut, false)]
    public void OverwritingALeaseTheMomentItUnlocksNeverChangesWhatTheConsumerReceived(Consumer kind, bool copying)
    {
        using TempFolder folder = TestIo.Folder();
        using var sink = new Sink(kind, folder);
        using Pipe pipe = Pipe.Create();
        using PipeBuffer lease = PipeBuffer.Rent(Length);
        // Two rounds with one lease: the first spliced before the pipe knows its consumer, the second after.
        for (int round = 0; round < 2; round++)
        {
            byte[] data = TestIo.Bytes(Length, 80 + round);
            data.CopyTo(lease.Span);
            pipe.VmSplice(lease, Length);
            Assert.That(lease.IsLocked, Is.True);
            sink.Expect(data);
            sink.Drain(pipe, Length);
            Assert.That(lease.IsLocked, Is.False, "drained");
            byte[] kept = lease.Span.ToArray();
            lease.Span.Fill(0xEE); // the moment it unlocks
            Assert.That(sink.Received(Length), Is.EqualTo(data), $"round {round}: the bytes the consumer received");
            Assert.That(pipe.MayForwardPages, Is.EqualTo(!copying));
            if (copying)
            {
                Assert.That(kept, Is.EqualTo(data), "a copying consumer costs no page replacement: the lease kept its bytes");
            }
            else
            {
                Assert.That(kept, Is.All.EqualTo((byte)0), "pages that may outlive the pipe were given away");
            }
        }
    }

    [Test]
    public void ARingHandsOutLeasesInTurnAndWaitsForASlowReader()
    {
        const int lease = PipeBuffer.DefaultLength, total = 4 << 20;
        using Pipe pipe = Pipe.Create(128 * 1024);
        using var ring = new PipeBufferRing(pipe, lease);
        Assert.That(ring.Count, Is.EqualTo((128 * 1024 / lease) + 2));
        byte[] expected = TestIo.Bytes(total, 90);
        Task<byte[]> reader = Task.Factory.StartNew(() =>
        {
            var got = new MemoryStream();
            var buffer = new byte[3000]; // short reads: leases drain in pieces
            int n;
            while ((n = pipe.Read(buffer)) > 0)
            {
                got.Write(buffer, 0, n);
                if (got.Length % 7 == 0)
                {
                    Thread.Sleep(1);
                }
            }

            return got.ToArray();
        }, TaskCreationOptions.LongRunning);
        for (int sent = 0; sent < total; sent += lease)
        {
            PipeBuffer next = ring.Next();
            expected.AsSpan(sent, lease).CopyTo(next.Span);
            pipe.VmSplice(next, lease);
        }

        pipe.CompleteWriting();
        Assert.That(TestIo.Await(reader), Is.EqualTo(expected));
    }

    [Test]
    public void AnAsyncProducerFillsLeasesThroughMemory()
    {
        const int lease = PipeBuffer.DefaultLength, total = 2 << 20;
        using Pipe pipe = Pipe.Create(64 * 1024);
        using var ring = new PipeBufferRing(pipe, lease, count: 3);
        byte[] expected = TestIo.Bytes(total, 91);
        using var source = new MemoryStream(expected);
        Task<byte[]> reader = Task.Factory.StartNew(() => TestIo.ReadPipe(pipe, total), TaskCreationOptions.LongRunning);

        // The test runner (also as a NativeAOT binary) takes synchronous test methods: the producer is a task.
        async Task<int> ProduceAsync()
        {
            for (int sent = 0; sent < total; sent += lease)
            {
                PipeBuffer next = await ring.NextAsync();
                int n = await source.ReadAsync(next.Memory);
                Assert.That(n, Is.EqualTo(lease));
                await pipe.VmSpliceAsync(next, n);
            }

            return total;
        }

        Assert.That(TestIo.Await(ProduceAsync()), Is.EqualTo(total));
        Assert.That(TestIo.Await(reader), Is.EqualTo(expected));
    }

    [Test]
    public void ALockedLeasesMemoryRefusesItsSpan()
    {
        using Pipe pipe = Pipe.Create();
        using PipeBuffer lease = PipeBuffer.Rent();
        Memory<byte> memory = lease.Memory;
        memory.Span[0] = 7;
        pipe.VmSplice(lease, 100);
        Assert.That(() => memory.Span[0] = 8, Throws.InvalidOperationException.With.Message.Contains("locked"));
        Assert.That(TestIo.ReadPipe(pipe, 100)[0], Is.EqualTo(7));
        memory.Span[0] = 8;
        lease.Dispose();
        Assert.That(() => memory.Span[0] = 9, Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void AHandedOutWriterFallsBackToAskingTheKernel()
    {
        using Pipe pipe = Pipe.Create();
        using PipeBuffer lease = PipeBuffer.Rent();
        _ = pipe.Writer;
        pipe.VmSplice(lease, 1000);
        Assert.That(lease.IsLocked, Is.True);
        Assert.That(TestIo.ReadPipe(pipe, 1000).Length, Is.EqualTo(1000));
        Assert.That(lease.IsLocked, Is.False, "FIONREAD says the pipe is empty");
        Assert.That(pipe.MayForwardPages, Is.False, "the writer alone does not let bytes leave without a copy");
    }

    [Test]
    public void AHugePageLeaseGivenAwayToASocketKeepsItsBytesIntact()
    {
        int length = AlignedBuffer.HugePageSize;
        using SocketPair pair = TestIo.Tcp();
        using Pipe pipe = Pipe.Create(1 << 20);
        using PipeBuffer lease = PipeBuffer.Rent(length);
        Assert.That(lease.Length, Is.EqualTo(length));
        byte[] data = TestIo.Bytes(length, 92);
        data.CopyTo(lease.Span);
        Task<byte[]> receiver = TestIo.ReceiveInBackground(pair.Server, length);
        Task splicer = Task.Factory.StartNew(() => pipe.VmSplice(lease, length), TaskCreationOptions.LongRunning);
        Assert.That(pipe.SpliceTo(pair.Client.SafeHandle, null, length), Is.EqualTo(length));
        TestIo.Await(splicer.ContinueWith(t => { t.GetAwaiter().GetResult(); return 0; }));
        Assert.That(lease.IsLocked, Is.False);
        lease.Span.Fill(0xEE);
        Assert.That(TestIo.Await(receiver), Is.EqualTo(data));
    }

    /// <summary>One consumer: moves the pipe's bytes out, then hands back what the final receiver got.</summary>
    private sealed class Sink : IDisposable
    {
        private readonly Consumer _kind;
        private readonly SafeFileHandle? _file;
        private readonly string _path = "";
        private readonly SocketPair? _sockets;
        private readonly Pipe? _second;
        private long _fileOffset;
        private byte[]? _read;
        private byte[]? _expected;

        public Sink(Consumer kind, TempFolder folder)
        {
            _kind = kind;
            switch (kind)
            {
                case Consumer.RegularFile:
                    _path = folder.File("sink");
                    _file = TestIo.Create(_path);
                    break;
                case Consumer.DevNull:
                    _file = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write);
                    break;
                case Consumer.Tcp:
                case Consumer.ReaderHandedOut:
                    _sockets = TestIo.Tcp();
                    break;
                case Consumer.Unix:
                    _sockets = TestIo.Unix();
                    break;
                case Consumer.AnotherPipe:
                case Consumer.Tee:
                    _second = Pipe.Create();
                    break;
            }
        }

        public void Drain(Pipe pipe, int count)
        {
            switch (_kind)
            {
                case Consumer.Read:
                    _read = TestIo.ReadPipe(pipe, count);
                    break;
                case Consumer.RegularFile:
                    Assert.That(pipe.SpliceTo(_file!, _fileOffset, count), Is.EqualTo(count));
                    break;
                case Consumer.DevNull:
                    Assert.That(pipe.SpliceTo(_file!, null, count), Is.EqualTo(count));
                    break;
                case Consumer.Tcp:
                case Consumer.Unix:
                    Assert.That(pipe.SpliceTo(_sockets!.Client.SafeHandle, null, count), Is.EqualTo(count));
                    break;
                case Consumer.ReaderHandedOut:
                    Assert.That(ZeroCopy.Splice(pipe.Reader, null, _sockets!.Client.SafeHandle, null, count), Is.EqualTo(count));
                    break;
                case Consumer.AnotherPipe:
                    Assert.That(pipe.SpliceTo(_second!.Writer, null, count), Is.EqualTo(count));
                    break;
                case Consumer.Tee:
                    // tee duplicates the pages into the second pipe; the first is then drained by a copy.
                    Assert.That(pipe.TeeTo(_second!, count), Is.EqualTo(count));
                    Assert.That(TestIo.ReadPipe(pipe, count).Length, Is.EqualTo(count));
                    break;
            }
        }

        public byte[]? Received(int count)
        {
            switch (_kind)
            {
                case Consumer.Read:
                    return _read;
                case Consumer.RegularFile:
                    var back = new byte[count];
                    Assert.That(RandomAccess.Read(_file!, back, _fileOffset), Is.EqualTo(count));
                    _fileOffset += count;
                    return back;
                case Consumer.DevNull:
                    // /dev/null keeps nothing to compare: its part is checked by the lease's kept bytes instead.
                    return _expected;
                case Consumer.Tcp:
                case Consumer.Unix:
                case Consumer.ReaderHandedOut:
                    return TestIo.Receive(_sockets!.Server, count);
                default:
                    return TestIo.ReadPipe(_second!, count);
            }
        }

        public void Dispose()
        {
            _file?.Dispose();
            _sockets?.Dispose();
            _second?.Dispose();
        }

        public void Expect(byte[] data) => _expected = data;
    }
}
