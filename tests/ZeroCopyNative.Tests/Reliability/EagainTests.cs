using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;

namespace ZeroCopyNative.Tests.Reliability;

/// <summary>
/// EAGAIN from a non-blocking socket whose peer does not read: the synchronous API waits (in poll) until a drain lets
/// it finish, TrySendFile returns the partial count and then false, and SendFileAsync holds no thread while it waits.
/// </summary>
[Category("Reliability")]
public sealed class EagainTests
{
    private const int FileLength = 8 << 20;
    private ScratchDirectory _scratch = null!;
    private SafeFileHandle _file = null!;
    private byte[] _data = null!;

    [OneTimeSetUp]
    public void CreateSource()
    {
        _scratch = new ScratchDirectory();
        _data = _scratch.CreateFile("source", FileLength, seed: 41);
        _file = File.OpenHandle(_scratch.File("source"));
    }

    [OneTimeTearDown]
    public void DeleteSource()
    {
        _file.Dispose();
        _scratch.Dispose();
    }

    [Test]
    public void SendFile_ToAFullNonBlockingSocket_WaitsForTheDrain_AndDeliversEveryByte()
    {
        using SocketPair pair = SocketPair.Tcp();
        pair.Left.Blocking = false;
        pair.Right.ReceiveTimeout = 30_000;
        byte[] received = new byte[FileLength];
        int drainStarted = 0;
        var drain = new Thread(() =>
        {
            // The sender meets a full socket long before this delay ends.
            Thread.Sleep(300);
            Volatile.Write(ref drainStarted, 1);
            Data.ReceiveExactly(pair.Right, received);
        });
        drain.Start();
        long sent = ZeroCopy.SendFile(_file, 0, pair.Left, FileLength);
        bool drainHadStarted = Volatile.Read(ref drainStarted) == 1;
        Assert.That(drain.Join(TimeSpan.FromSeconds(60)), Is.True, "the drain never finished");
        Assert.That(sent, Is.EqualTo(FileLength));
        Assert.That(drainHadStarted, Is.True, "SendFile returned before anyone read: it cannot have met EAGAIN and waited");
        Assert.That(Data.Fnv(received), Is.EqualTo(Data.Fnv(_data)), "checksum of the bytes received");
    }

    [Test]
    public void Splice_FromAFileIntoAFullNonBlockingPipe_Waits()
    {
        using Pipe pipe = Pipe.Create(nonBlocking: true);
        byte[] received = new byte[1 << 20];
        var drain = new Thread(() =>
        {
            Thread.Sleep(200);
            Data.ReadExactly(pipe, received);
        });
        drain.Start();
        long moved = ZeroCopy.Splice(_file, 0, pipe.Writer, null, 1 << 20);
        Assert.That(drain.Join(TimeSpan.FromSeconds(60)), Is.True);
        Assert.That(moved, Is.EqualTo(1 << 20));
        Assert.That(received.AsSpan().SequenceEqual(_data.AsSpan(0, 1 << 20)), Is.True);
    }

    [Test]
    public void TrySendFile_ReturnsThePartialCount_ThenFalse_AndNothingIsLost()
    {
        using SocketPair pair = SocketPair.Tcp();
        pair.Left.Blocking = false;
        long offset = 0;
        long partialCalls = 0;
        bool refused = false;
        for (int i = 0; i < 10_000 && !refused; i++)
        {
            long wanted = FileLength - offset;
            if (ZeroCopy.TrySendFile(_file, offset, pair.Left, wanted, out long sent))
            {
                Assert.That(sent, Is.GreaterThan(0).And.LessThanOrEqualTo(wanted));
                if (sent < wanted)
                {
                    partialCalls++;
                }

                offset += sent;
            }
            else
            {
                Assert.That(sent, Is.Zero, "a refused call sends nothing");
                refused = true;
            }
        }

        Assert.That(refused, Is.True, "the socket never filled");
        Assert.That(partialCalls, Is.GreaterThan(0), "no call returned a partial count");
        Assert.That(offset, Is.GreaterThan(0).And.LessThan(FileLength));
        Report.Figure($"eagain: TrySendFile sent {offset} bytes in {partialCalls} partial calls before EAGAIN");

        // Drain and check that exactly the bytes reported were sent, in order.
        pair.Right.ReceiveTimeout = 30_000;
        byte[] received = new byte[offset];
        Data.ReceiveExactly(pair.Right, received);
        Assert.That(received.AsSpan().SequenceEqual(_data.AsSpan(0, (int)offset)), Is.True);
        Assert.That(pair.Right.Available, Is.Zero);
    }

    [Test]
    public void SendFileAsync_HoldsNoThreadWhileSocketsAreFull()
    {
        const int Transfers = 16;
        const int Length = 4 << 20;
        var pairs = new List<SocketPair>();
        try
        {
            for (int i = 0; i < Transfers; i++)
            {
                pairs.Add(SocketPair.Tcp());
            }

            int threadsBefore = ThreadCount();
            int poolBefore = ThreadPool.ThreadCount;
            long completedBefore = ThreadPool.CompletedWorkItemCount;
            int blockedBefore = ThreadsBlockedInSendOrPoll();
            Task<long>[] sends = pairs.Select(p => ZeroCopy.SendFileAsync(_file, 0, p.Left, Length).AsTask()).ToArray();

            // Let every transfer fill its socket and park in the runtime's epoll engine.
            Thread.Sleep(500);
            int threadsDuring = ThreadCount();
            int poolDuring = ThreadPool.ThreadCount;
            long pending = ThreadPool.PendingWorkItemCount;
            long workItems = ThreadPool.CompletedWorkItemCount - completedBefore;
            int blockedInSyscall = ThreadsBlockedInSendOrPoll();
            Report.Figure($"eagain: {Transfers} SendFileAsync waiting on full sockets: process threads {threadsBefore} -> " +
                          $"{threadsDuring}, pool threads {poolBefore} -> {poolDuring}, pending work items {pending}, " +
                          $"work items run while waiting {workItems}, threads blocked in sendfile/poll {blockedBefore} -> {blockedInSyscall}");
            Assert.That(sends.Count(s => s.IsCompleted), Is.Zero, "a transfer finished although nobody read");
            // A thread per waiting transfer would add 16; the pool may grow by a worker or two on its own.
            Assert.That(threadsDuring - threadsBefore, Is.LessThan(Transfers / 2), "threads were held by the waits");
            Assert.That(poolDuring - poolBefore, Is.LessThan(Transfers / 2), "pool threads were held by the waits");
            if (blockedInSyscall >= 0)
            {
                Assert.That(blockedInSyscall, Is.LessThanOrEqualTo(blockedBefore), "a thread sleeps in sendfile or poll for a transfer");
            }

            // Drain every peer; every transfer completes with every byte.
            // Dedicated threads: blocking receives on pool threads would starve the transfers' own continuations.
            ulong[] sums = new ulong[Transfers];
            Thread[] drains = Enumerable.Range(0, Transfers).Select(i => new Thread(() =>
            {
                pairs[i].Right.ReceiveTimeout = 30_000;
                byte[] received = new byte[Length];
                Data.ReceiveExactly(pairs[i].Right, received);
                sums[i] = Data.Fnv(received);
            })).ToArray();
            foreach (Thread drain in drains)
            {
                drain.Start();
            }

            Assert.That(Task.WaitAll(sends, TimeSpan.FromSeconds(60)), Is.True, "a transfer never completed");
            foreach (Thread drain in drains)
            {
                Assert.That(drain.Join(TimeSpan.FromSeconds(60)), Is.True, "a drain never completed");
            }

            ulong expected = Data.Fnv(_data.AsSpan(0, Length));
            foreach (Task<long> send in sends)
            {
                Assert.That(send.Result, Is.EqualTo(Length));
            }

            foreach (ulong sum in sums)
            {
                Assert.That(sum, Is.EqualTo(expected));
            }
        }
        finally
        {
            foreach (SocketPair pair in pairs)
            {
                pair.Dispose();
            }
        }
    }

    private static int ThreadCount() => Directory.GetDirectories("/proc/self/task").Length;

    /// <summary>Threads sleeping in sendfile(2) or poll(2)/ppoll(2) (x86-64 numbers: 40, 7, 271), from
    /// /proc/self/task/*/syscall; -1 on other architectures.</summary>
    private static int ThreadsBlockedInSendOrPoll()
    {
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            return -1;
        }

        int count = 0;
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                string text = File.ReadAllText(Path.Combine(task, "syscall"));
                string first = text.Split(' ', 2)[0].Trim();
                if (first is "40" or "7" or "271")
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return count;
    }
}
