using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Reliability;

/// <summary>
/// Concurrency: 8 threads make 10,000 transfers each over their own pipes and sockets, every transfer checksummed; and
/// the objects the library shares between threads (the intermediate pipe pool behind Transfer, the lease pool behind
/// PipeBuffer, the capability caches) behave as documented under concurrent use.
/// </summary>
[Category("Reliability")]
public sealed class ConcurrencyTests
{
    private const int Threads = 8;
    private ScratchDirectory _scratch = null!;
    private byte[] _data = null!;

    [OneTimeSetUp]
    public void CreateSource()
    {
        _scratch = new ScratchDirectory();
        _data = _scratch.CreateFile("source", 65536, seed: 53);
    }

    [OneTimeTearDown]
    public void DeleteSource() => _scratch.Dispose();

    [Test]
    public void EightThreads_TenThousandTransfersEach_OverTheirOwnPipesAndSockets_AllChecksummed()
    {
        const int PerThread = 10_000;
        long[] moved = new long[Threads];
        // The runtime opens its socket engine's descriptors on first use; let that happen before counting.
        using (SocketPair warm = SocketPair.Unix())
        {
            warm.Left.Send(new byte[1]);
            warm.Right.Receive(new byte[1]);
        }

        ProcessState.Settle();
        int fdsBefore = ProcessState.FdCount();
        var watch = Stopwatch.StartNew();
        RunThreads(Threads, t =>
        {
            using SafeFileHandle file = File.OpenHandle(_scratch.File("source"));
            using Pipe pipe = Pipe.Create();
            using SocketPair sockets = SocketPair.Unix();
            sockets.Right.ReceiveTimeout = 30_000;
            byte[] buffer = new byte[4096];
            var random = new Random(1000 + t);
            for (int i = 0; i < PerThread; i++)
            {
                int length = random.Next(1, 2048);
                int offset = random.Next(0, _data.Length - length);
                ReadOnlySpan<byte> expected = _data.AsSpan(offset, length);
                Span<byte> got = buffer.AsSpan(0, length);
                switch (i % 5)
                {
                    case 0: // sendfile file -> pipe
                        Assert.That(ZeroCopy.SendFile(file, offset, pipe.Writer, length), Is.EqualTo(length));
                        Data.ReadExactly(pipe, got);
                        break;
                    case 1: // splice file -> pipe
                        Assert.That(ZeroCopy.Splice(file, offset, pipe.Writer, null, length), Is.EqualTo(length));
                        Data.ReadExactly(pipe, got);
                        break;
                    case 2: // sendfile file -> socket
                        Assert.That(ZeroCopy.SendFile(file, offset, sockets.Left, length), Is.EqualTo(length));
                        Data.ReceiveExactly(sockets.Right, got);
                        break;
                    case 3: // splice file -> pipe -> socket
                        Assert.That(pipe.SpliceFrom(file, offset, length), Is.EqualTo(length));
                        Assert.That(pipe.SpliceTo(sockets.Left.SafeHandle, null, length), Is.EqualTo(length));
                        Data.ReceiveExactly(sockets.Right, got);
                        break;
                    default: // Transfer socket -> pipe (splice), after a plain send
                        sockets.Left.Send(expected);
                        Assert.That(ZeroCopy.Transfer(sockets.Right.SafeHandle, pipe.Writer, length).Bytes, Is.EqualTo(length));
                        Data.ReadExactly(pipe, got);
                        break;
                }

                if (Data.Fnv(got) != Data.Fnv(expected))
                {
                    Assert.Fail($"thread {t}, transfer {i} (kind {i % 5}): checksum mismatch at offset {offset}, length {length}");
                }

                moved[t] += length;
            }

            Assert.That(pipe.BytesAvailable, Is.Zero);
            Assert.That(sockets.Right.Available, Is.Zero);
        });
        watch.Stop();
        ProcessState.Settle();
        Report.Figure($"concurrency: {Threads} threads x {PerThread} transfers, {moved.Sum()} bytes checksummed in " +
                      $"{watch.ElapsedMilliseconds} ms; descriptors {fdsBefore} -> {ProcessState.FdCount()}");
        Assert.That(ProcessState.FdCount(), Is.LessThanOrEqualTo(fdsBefore));
    }

    [Test]
    public void TheTransferPipePool_ServesConcurrentSocketToSocketTransfers_WithoutMixingTheirBytes()
    {
        // Socket to socket has no pipe end, so Transfer rents an intermediate pipe from the shared pool.
        const int PerThread = 1_500;
        Dictionary<int, string> before = ProcessState.FdTargets();
        RunThreads(Threads, t =>
        {
            using SocketPair from = SocketPair.Unix();
            using SocketPair to = SocketPair.Unix();
            to.Right.ReceiveTimeout = 30_000;
            byte[] payload = new byte[3000];
            byte[] got = new byte[3000];
            for (int i = 0; i < PerThread; i++)
            {
                int length = 1 + ((i * 37 + t) % payload.Length);
                payload.AsSpan(0, length).Fill((byte)(t * 31 + i));
                from.Left.Send(payload.AsSpan(0, length));
                TransferResult result = ZeroCopy.Transfer(from.Right.SafeHandle, to.Left.SafeHandle, length);
                Assert.That(result.Bytes, Is.EqualTo(length));
                Assert.That(result.Method, Is.EqualTo(TransferMethod.SpliceThroughPipe));
                Data.ReceiveExactly(to.Right, got.AsSpan(0, length));
                if (!got.AsSpan(0, length).SequenceEqual(payload.AsSpan(0, length)))
                {
                    Assert.Fail($"thread {t}, transfer {i}: another transfer's bytes came through the pooled pipe");
                }
            }
        });

        // The pool keeps at most a few pipes, whatever the concurrency.
        Dictionary<int, string> after = ProcessState.FdTargets();
        int pooledPipeEnds = after.Count(p => !before.ContainsKey(p.Key) && p.Value.StartsWith("pipe:", StringComparison.Ordinal));
        Report.Figure($"concurrency: pipe pool after {Threads} x {PerThread} socket-to-socket transfers holds {pooledPipeEnds / 2} new pipes");
        Assert.That(pooledPipeEnds, Is.LessThanOrEqualTo(2 * 4), "the pool keeps at most 4 pipes");
    }

    [Test]
    public void ThePipeBufferPool_NeverHandsOneLeaseToTwoHolders()
    {
        const int PerThread = 2_000;
        var live = new ConcurrentDictionary<nint, int>();
        long outstanding = Zcn.aligned_outstanding();
        RunThreads(Threads, t =>
        {
            using Pipe pipe = Pipe.Create();
            byte[] got = new byte[512];
            for (int i = 0; i < PerThread; i++)
            {
                using PipeBuffer lease = PipeBuffer.Rent();
                nint address;
                unsafe
                {
                    fixed (byte* p = lease.Span)
                    {
                        address = (nint)p;
                    }
                }

                Assert.That(live.TryAdd(address, t), Is.True, $"thread {t}: lease {address:x} is held by another thread");
                byte mark = (byte)(t * 16 + (i & 15));
                lease.Span[..512].Fill(mark);
                Thread.Yield();
                Assert.That(lease.Span[511], Is.EqualTo(mark), "someone else wrote into this lease");
                live.TryRemove(address, out _);
                pipe.VmSplice(lease, 512);
                Data.ReadExactly(pipe, got);
                Assert.That(got.All(b => b == mark), Is.True, "the reader saw another lease's bytes");
            }
        });
        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(outstanding));
    }

    [Test]
    public void CapabilityCaches_GiveOneAnswer_UnderConcurrentFirstUse()
    {
        var answers = new ConcurrentBag<string>();
        RunThreads(Threads, t =>
        {
            for (int i = 0; i < 2_000; i++)
            {
                answers.Add($"{ZeroCopyCapabilities.Features}|{ZeroCopyCapabilities.KernelVersion}|{ZeroCopyCapabilities.PipeMaxSize}|" +
                            $"{ZeroCopyCapabilities.TransparentHugePages}|{ZeroCopyCapabilities.PageSize}|{ZeroCopyCapabilities.LibraryVersion}|" +
                            $"{Pipe.MaxCapacity}|{ZeroCopyException.NameOf(Errno.EAGAIN)}|{ZeroCopyException.MessageOf(Errno.EPIPE)}");
            }
        });
        string[] distinct = answers.Distinct().ToArray();
        Assert.That(distinct.Length, Is.EqualTo(1), string.Join("\n", distinct));
        Assert.That(ZeroCopyCapabilities.Splice && ZeroCopyCapabilities.VmSplice && ZeroCopyCapabilities.Tee, Is.True);
    }

    [Test]
    public void OnePipe_SharedByWriterThreads_KeepsEachWriteWhole()
    {
        // Writes through one Pipe object are serialized, so writes of up to PIPE_BUF never interleave; 8 writers and
        // one reader agree on every record.
        const int PerThread = 5_000;
        const int Record = 64;
        using Pipe pipe = Pipe.Create();
        long readRecords = 0;
        var reader = new Thread(() =>
        {
            byte[] record = new byte[Record];
            for (long n = 0; n < (long)Threads * PerThread; n++)
            {
                Data.ReadExactly(pipe, record);
                if (record.Any(b => b != record[0]))
                {
                    return;
                }

                readRecords++;
            }
        });
        reader.Start();
        RunThreads(Threads, t =>
        {
            byte[] record = new byte[Record];
            record.AsSpan().Fill((byte)(t + 1));
            for (int i = 0; i < PerThread; i++)
            {
                pipe.Write(record);
            }
        });
        Assert.That(reader.Join(TimeSpan.FromSeconds(60)), Is.True);
        Assert.That(readRecords, Is.EqualTo((long)Threads * PerThread), "a record was torn");
    }

    /// <summary>Runs <paramref name="body"/> on <paramref name="count"/> threads at once; rethrows the first failure.</summary>
    internal static void RunThreads(int count, Action<int> body)
    {
        var failures = new ConcurrentQueue<Exception>();
        using var start = new Barrier(count);
        Thread[] threads = Enumerable.Range(0, count).Select(t => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                body(t);
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToArray();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.That(thread.Join(TimeSpan.FromSeconds(120)), Is.True, "a thread hung");
        }

        if (failures.TryDequeue(out Exception? first))
        {
            Assert.Fail($"{failures.Count + 1} thread(s) failed; the first: {first}");
        }
    }
}
