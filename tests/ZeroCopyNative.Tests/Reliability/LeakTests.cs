using System;
using System.Diagnostics;
using System.IO;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Reliability;

/// <summary>
/// 100,000 mixed operations (pipes, mappings, aligned buffers, leases, memfds, DirectFile, transfers of every kind,
/// and failing calls) leave the process as they found it: the same descriptors, no growth of /proc/self/maps that
/// follows the iterations, and every aligned allocation freed.
/// </summary>
[Category("Reliability")]
public sealed class LeakTests
{
    private const int Operations = 100_000;
    private const int Kinds = 14;

    [Test]
    public void HundredThousandMixedOperations_LeaveNoDescriptorMappingOrAllocation()
    {
        using var scratch = new ScratchDirectory();
        byte[] data = scratch.CreateFile("source", 16384);
        using SafeFileHandle source = File.OpenHandle(scratch.File("source"));
        using SafeFileHandle copy = File.OpenHandle(scratch.File("copy"), FileMode.Create, FileAccess.ReadWrite);
        using SafeFileHandle devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write);
        using SafeFileHandle widowed = Fds.WidowedPipeWriter();
        using Pipe lane = Pipe.Create();
        using SocketPair sockets = SocketPair.Unix();
        sockets.Right.ReceiveTimeout = 10_000;
        using SocketPair relay = SocketPair.Unix();
        relay.Right.ReceiveTimeout = 10_000;
        var state = new State(scratch, source, copy, devNull, widowed, lane, sockets, relay);

        // Warm up: the runtime's own descriptors and heaps, the library's pools (pipes, leases) reach steady state.
        for (int i = 0; i < 2_000; i++)
        {
            Run(state, i);
        }

        ProcessState.Settle();
        System.Collections.Generic.Dictionary<int, string> targetsBefore = ProcessState.FdTargets();
        int fdsBefore = targetsBefore.Count;
        int mapsBefore = ProcessState.MapsCount();
        long alignedBefore = Zcn.aligned_outstanding();

        var watch = Stopwatch.StartNew();
        for (int i = 0; i < Operations; i++)
        {
            Run(state, i);
        }

        watch.Stop();
        ProcessState.Settle();
        System.Collections.Generic.Dictionary<int, string> targetsAfter = ProcessState.FdTargets();
        int fdsAfter = targetsAfter.Count;
        string added = string.Join(", ", System.Linq.Enumerable.Select(
            System.Linq.Enumerable.Where(targetsAfter, p => !targetsBefore.ContainsKey(p.Key)), p => $"{p.Key}->{p.Value}"));
        int mapsAfter = ProcessState.MapsCount();
        long alignedAfter = Zcn.aligned_outstanding();

        Report.Figure(
            $"leaks: {Operations} operations ({Kinds} kinds, {state.Failures} failing on purpose) in {watch.ElapsedMilliseconds} ms; " +
            $"descriptors {fdsBefore} -> {fdsAfter} (growth {fdsAfter - fdsBefore}), mappings {mapsBefore} -> {mapsAfter} " +
            $"(growth {mapsAfter - mapsBefore}), aligned blocks outstanding {alignedBefore} -> {alignedAfter}");
        Assert.That(fdsAfter, Is.LessThanOrEqualTo(fdsBefore), $"descriptors leaked: {added}");
        // Each mapping kind ran about 7,000 times: a leak would add thousands. A few dozen anonymous entries come and
        // go with the GC heap and the runtime's own allocators, which is why this is not an equality.
        Assert.That(mapsAfter - mapsBefore, Is.LessThanOrEqualTo(32), "mappings leaked");
        Assert.That(alignedAfter, Is.EqualTo(alignedBefore), "aligned allocations not freed");
        Assert.That(state.Checked, Is.GreaterThan(Operations / 2), "the operations' results were checked");
    }

    private sealed class State
    {
        public State(ScratchDirectory scratch, SafeFileHandle source, SafeFileHandle copy, SafeFileHandle devNull,
                     SafeFileHandle widowed, Pipe lane, SocketPair sockets, SocketPair relay)
        {
            Scratch = scratch;
            Source = source;
            Copy = copy;
            DevNull = devNull;
            Widowed = widowed;
            Lane = lane;
            Sockets = sockets;
            Relay = relay;
        }

        public ScratchDirectory Scratch { get; }
        public SafeFileHandle Source { get; }
        public SafeFileHandle Copy { get; }
        public SafeFileHandle DevNull { get; }
        public SafeFileHandle Widowed { get; }
        public Pipe Lane { get; }
        public SocketPair Sockets { get; }
        public SocketPair Relay { get; }
        public byte[] Buffer { get; } = new byte[4096];
        public int Failures { get; set; }
        public int Checked { get; set; }
    }

    private static void Run(State s, int i)
    {
        int offset = (i * 61) % 8192;
        switch (i % Kinds)
        {
            case 0:
            {
                using Pipe pipe = Pipe.Create();
                pipe.Write(s.Buffer.AsSpan(0, 64));
                Check(s, pipe.Read(s.Buffer) == 64);
                break;
            }

            case 1:
            {
                using MappedFile map = MappedFile.CreateAnonymous(8192);
                map.Span[4100] = 1;
                Check(s, map.Span[4100] == 1);
                break;
            }

            case 2:
            {
                using var buffer = new AlignedBuffer(4096, 512);
                using System.Buffers.MemoryHandle pin = buffer.Pin();
                Check(s, buffer.Length == 4096);
                break;
            }

            case 3:
                Check(s, ZeroCopy.SendFile(s.Source, offset, s.Lane.Writer, 128) == 128);
                Check(s, s.Lane.Read(s.Buffer.AsSpan(0, 128)) == 128);
                break;
            case 4:
                Check(s, ZeroCopy.CopyFileRange(s.Source, offset, s.Copy, 0, 256) == 256);
                break;
            case 5:
            {
                using DirectFile file = DirectFile.Open(s.Scratch.File("source"), FileMode.Open, FileAccess.Read);
                Check(s, file.Alignment.OffsetAlignment > 0);
                break;
            }

            case 6:
            {
                using PipeBuffer lease = PipeBuffer.Rent();
                lease.Span[0] = 7;
                s.Lane.VmSplice(lease, 32);
                Check(s, s.Lane.Read(s.Buffer.AsSpan(0, 32)) == 32 && s.Buffer[0] == 7);
                break;
            }

            case 7:
            {
                using MappedFile map = MappedFile.Map(s.Source, offset: offset, length: 100);
                Check(s, map.ReadOnlySpan.Length == 100);
                break;
            }

            case 8:
            {
                using SafeFileHandle memfd = MemFd.Create("zcn-leak");
                MemFd.SetLength(memfd, 4096);
                break;
            }

            case 9:
                // File to socket: sendfile; then socket to socket through a pooled pipe.
                Check(s, ZeroCopy.SendFile(s.Source, offset, s.Sockets.Left, 200) == 200);
                Check(s, ZeroCopy.Transfer(s.Sockets.Right.SafeHandle, s.Relay.Left.SafeHandle, 200).Bytes == 200);
                Data.ReceiveExactly(s.Relay.Right, s.Buffer.AsSpan(0, 200));
                break;
            case 10:
                Check(s, ZeroCopy.Splice(s.Source, offset, s.Lane.Writer, null, 100) == 100);
                Check(s, ZeroCopy.Splice(s.Lane.Reader, null, s.DevNull, null, 100) == 100);
                break;
            case 11:
                try
                {
                    ZeroCopy.SendFile(s.Source, 0, s.Widowed, 16);
                }
                catch (ZeroCopyException e) when (e.Errno == Errno.EPIPE)
                {
                    s.Failures++;
                }

                break;
            case 12:
                try
                {
                    using MappedFile map = MappedFile.Map(s.Widowed, length: 4096);
                }
                catch (ZeroCopyException)
                {
                    s.Failures++;
                }

                break;
            default:
            {
                using var file = new FileStream(s.Scratch.File("source"), FileMode.Open, FileAccess.Read, FileShare.Read, 1);
                file.Position = offset;
                Check(s, ZeroCopy.Transfer(file, Stream.Null, 64).Bytes == 64);
                break;
            }
        }
    }

    private static void Check(State s, bool condition)
    {
        if (!condition)
        {
            Assert.Fail("an operation of the leak run returned a wrong result");
        }

        s.Checked++;
    }
}
