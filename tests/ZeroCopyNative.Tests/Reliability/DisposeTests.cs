using System;
using System.Buffers;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Reliability;

/// <summary>
/// Use after dispose: every disposable type of the safe API throws <see cref="ObjectDisposedException"/> from every
/// member that needs the resource, and Dispose racing an operation in flight on another thread never crashes the
/// process, never acts on a closed or reused descriptor, and ends in a documented outcome.
/// </summary>
[Category("Reliability")]
public sealed class DisposeTests
{
    private const int Races = 2_000;

    [Test]
    public void Pipe_EveryMemberThrowsObjectDisposedException()
    {
        Pipe pipe = Pipe.Create();
        using Pipe other = Pipe.Create();
        using PipeBuffer lease = PipeBuffer.Rent();
        using var scratch = new ScratchDirectory();
        scratch.CreateFile("f", 64);
        using SafeFileHandle file = File.OpenHandle(scratch.File("f"));
        pipe.Dispose();
        pipe.Dispose();
        Assert.Multiple(() =>
        {
            Assert.Throws<ObjectDisposedException>(() => _ = pipe.Reader);
            Assert.Throws<ObjectDisposedException>(() => _ = pipe.Writer);
            Assert.Throws<ObjectDisposedException>(() => _ = pipe.Capacity);
            Assert.Throws<ObjectDisposedException>(() => pipe.Capacity = 65536);
            Assert.Throws<ObjectDisposedException>(() => _ = pipe.BytesAvailable);
            Assert.Throws<ObjectDisposedException>(() => pipe.Write(new byte[1]));
            Assert.Throws<ObjectDisposedException>(() => pipe.Read(new byte[1]));
            Assert.Throws<ObjectDisposedException>(() => pipe.SpliceFrom(file, 0, 1));
            Assert.Throws<ObjectDisposedException>(() => pipe.SpliceTo(other.Writer, null, 1));
            Assert.Throws<ObjectDisposedException>(() => pipe.TeeTo(other, 1));
            Assert.Throws<ObjectDisposedException>(() => other.TeeTo(pipe, 1));
            Assert.Throws<ObjectDisposedException>(() => pipe.VmSplice(lease, 1));
            Assert.Throws<ObjectDisposedException>(() => pipe.VmSpliceUnsafe(new byte[1]));
        });
        Assert.That(lease.IsLocked, Is.False, "a refused splice must not lock the lease");
    }

    [Test]
    public void PipeBuffer_ThrowsObjectDisposedException_AndDisposeTwiceIsHarmless()
    {
        using Pipe pipe = Pipe.Create();
        PipeBuffer lease = PipeBuffer.Rent();
        lease.Dispose();
        lease.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _ = lease.Span);
        Assert.Throws<ObjectDisposedException>(() => pipe.VmSplice(lease, 1));
        Assert.That(lease.IsLocked, Is.False);
        Assert.That(pipe.BytesAvailable, Is.Zero);
    }

    [Test]
    public void AlignedBuffer_ThrowsObjectDisposedException()
    {
        var buffer = new AlignedBuffer(4096, 4096);
        Memory<byte> memory = buffer.Memory;
        buffer.Dispose();
        buffer.Dispose();
        Assert.Multiple(() =>
        {
            Assert.Throws<ObjectDisposedException>(() => _ = buffer.Span);
            Assert.Throws<ObjectDisposedException>(() => buffer.GetSpan());
            Assert.Throws<ObjectDisposedException>(() => buffer.Pin());
            Assert.Throws<ObjectDisposedException>(() => _ = memory.Span);
            Assert.Throws<ObjectDisposedException>(() => memory.Pin());
            unsafe
            {
                Assert.Throws<ObjectDisposedException>(() => _ = (nint)buffer.Pointer);
            }
        });
        Assert.That(buffer.Length, Is.EqualTo(4096));
        Assert.That(buffer.IsDisposed, Is.True);
    }

    [Test]
    public void DirectFile_ThrowsObjectDisposedException()
    {
        using var scratch = new ScratchDirectory();
        scratch.CreateFile("d", 8192);
        DirectFile file = DirectFile.Open(scratch.File("d"));
        using var buffer = new AlignedBuffer(4096, 4096);
        file.Dispose();
        file.Dispose();
        Assert.Multiple(() =>
        {
            Assert.Throws<ObjectDisposedException>(() => file.Read(buffer, 0));
            Assert.Throws<ObjectDisposedException>(() => file.Read(buffer.Span, 0));
            Assert.Throws<ObjectDisposedException>(() => file.Write(buffer, 0));
            Assert.Throws<ObjectDisposedException>(() => file.Write(buffer.Span, 0));
            Assert.Throws<ObjectDisposedException>(() => _ = file.Length);
            Assert.Throws<ObjectDisposedException>(() => file.SetLength(0));
            Assert.Throws<ObjectDisposedException>(() => file.Flush());
            Assert.Throws<ObjectDisposedException>(() => file.Advise(FileAccessAdvice.Normal));
            Assert.Throws<ObjectDisposedException>(() => _ = file.SafeFileHandle);
        });
        Assert.That(new FileInfo(scratch.File("d")).Length, Is.EqualTo(8192));
    }

    [Test]
    public void MappedFile_AndMemFdHandles_ThrowObjectDisposedException()
    {
        MappedFile map = MappedFile.CreateSealed(4096);
        SafeFileHandle memfd = map.FileHandle!;
        map.Dispose();
        Assert.Multiple(() =>
        {
            Assert.Throws<ObjectDisposedException>(() => _ = map.Span);
            Assert.Throws<ObjectDisposedException>(() => map.Flush());
            Assert.Throws<ObjectDisposedException>(() => map.Advise(MappedFileAdvice.Normal));
            Assert.Throws<ObjectDisposedException>(() => map.Prefetch());
            Assert.Throws<ObjectDisposedException>(() => map.ResidentBytes());
            // The memfd the mapping owned was closed with it.
            Assert.Throws<ObjectDisposedException>(() => MemFd.SetLength(memfd, 8192));
            Assert.Throws<ObjectDisposedException>(() => MemFd.AddSeals(memfd, FileSeals.Grow));
            Assert.Throws<ObjectDisposedException>(() => MemFd.GetSeals(memfd));
            Assert.Throws<ObjectDisposedException>(() => MappedFile.Map(memfd, length: 4096));
            Assert.Throws<ObjectDisposedException>(() => DirectFile.GetAlignment(memfd));
        });
    }

    [Test]
    public void TransferApis_ThrowObjectDisposedException_ForClosedHandlesSocketsAndStreams()
    {
        using var scratch = new ScratchDirectory();
        scratch.CreateFile("f", 64);
        SafeFileHandle file = File.OpenHandle(scratch.File("f"));
        file.Dispose();
        using Pipe pipe = Pipe.Create();
        SocketPair sockets = SocketPair.Unix();
        sockets.Dispose();
        using SafeFileHandle live = File.OpenHandle(scratch.File("f"));
        var stream = new FileStream(scratch.File("f"), FileMode.Open);
        stream.Dispose();
        Assert.Multiple(() =>
        {
            Assert.Throws<ObjectDisposedException>(() => ZeroCopy.SendFile(file, 0, pipe.Writer, 1));
            Assert.Throws<ObjectDisposedException>(() => ZeroCopy.TrySendFile(file, 0, pipe.Writer, 1, out _));
            Assert.Throws<ObjectDisposedException>(() => ZeroCopy.SendFile(live, 0, sockets.Left, 1));
            Assert.Throws<ObjectDisposedException>(() => ZeroCopy.TrySendFile(live, 0, sockets.Left, 1, out _));
            Assert.Throws<ObjectDisposedException>(() => ZeroCopy.SendFileAsync(live, 0, sockets.Left, 1).AsTask().GetAwaiter().GetResult());
            Assert.Throws<ObjectDisposedException>(() => ZeroCopy.Splice(file, 0, pipe.Writer, null, 1));
            Assert.Throws<ObjectDisposedException>(() => ZeroCopy.TrySplice(file, 0, pipe.Writer, null, 1, out _));
            Assert.Throws<ObjectDisposedException>(() => ZeroCopy.Tee(file, pipe.Writer, 1));
            Assert.Throws<ObjectDisposedException>(() => ZeroCopy.TryTee(pipe.Reader, file, 1, out _));
            Assert.Throws<ObjectDisposedException>(() => ZeroCopy.CopyFileRange(file, 0, live, 0, 1));
            Assert.Throws<ObjectDisposedException>(() => ZeroCopy.Transfer(file, pipe.Writer));
            Assert.Throws<ObjectDisposedException>(() => ZeroCopy.Transfer(stream, Stream.Null));
            Assert.Throws<ObjectDisposedException>(() => ZeroCopy.Transfer(Stream.Null, stream));
            Assert.Throws<ObjectDisposedException>(() => DirectFile.GetAlignment(file));
            Assert.Throws<ObjectDisposedException>(() => MappedFile.Map(file));
        });
        Assert.That(pipe.BytesAvailable, Is.Zero);
    }

    // ---- Dispose racing an operation in flight ------------------------------------------------------------

    [Test]
    public void Race_PipeDispose_AgainstWriteAndRead()
    {
        byte[] data = new byte[512];
        var outcome = Racer.Run(Races,
            create: () => Pipe.Create(),
            operate: pipe =>
            {
                for (int i = 0; i < 8; i++)
                {
                    pipe.Write(data);
                    pipe.Read(new byte[512]);
                }
            },
            dispose: pipe => pipe.Dispose(),
            allowed: e => e is ObjectDisposedException || e is ZeroCopyException { Errno: Errno.EPIPE });
        outcome.Print("Pipe write/read");
    }

    [Test]
    public void Race_PipeDispose_AgainstSpliceFromFileAndTee()
    {
        using var scratch = new ScratchDirectory();
        scratch.CreateFile("f", 4096);
        using SafeFileHandle file = File.OpenHandle(scratch.File("f"));
        using Pipe side = Pipe.Create();
        var outcome = Racer.Run(Races,
            create: () => Pipe.Create(),
            operate: pipe =>
            {
                pipe.SpliceFrom(file, 0, 1024);
                ZeroCopy.TryTee(pipe.Reader, side.Writer, 1024, out _);
                pipe.SpliceTo(side.Writer, null, 1024);
            },
            dispose: pipe => pipe.Dispose(),
            allowed: e => e is ObjectDisposedException || e is ZeroCopyException { Errno: Errno.EPIPE },
            after: _ => DrainAll(side));
        outcome.Print("Pipe splice/tee");
    }

    [Test]
    public void Race_PipeDispose_AgainstVmSplice_LeavesNoLockedLease()
    {
        var outcome = Racer.Run(Races,
            create: () => (Pipe: Pipe.Create(), Lease: PipeBuffer.Rent()),
            operate: pair =>
            {
                pair.Lease.Span.Fill(3);
                pair.Pipe.VmSplice(pair.Lease, 4096);
            },
            dispose: pair => pair.Pipe.Dispose(),
            allowed: e => e is ObjectDisposedException || e is ZeroCopyException { Errno: Errno.EPIPE },
            after: pair =>
            {
                // Disposing the pipe unlocks every lease it held, so the lease can always be returned.
                Assert.That(pair.Lease.IsLocked, Is.False, "a lease stayed locked to a disposed pipe");
                pair.Lease.Dispose();
            });
        outcome.Print("Pipe vmsplice");
    }

    [Test]
    public void Race_LeaseDispose_AgainstVmSplice()
    {
        using Pipe pipe = Pipe.Create(nonBlocking: false);
        var outcome = Racer.Run(Races,
            create: () => PipeBuffer.Rent(),
            operate: lease => pipe.VmSplice(lease, 1024),
            dispose: lease => lease.Dispose(),
            allowed: e => e is ObjectDisposedException,
            after: lease => DrainAll(pipe));
        Assert.That(pipe.BytesAvailable, Is.Zero);
        outcome.Print("PipeBuffer vmsplice");
    }

    [Test]
    public void Race_MappedFileDispose_AgainstPinnedWritesAndAdvice()
    {
        var outcome = Racer.Run(Races,
            create: () => MappedFile.CreateAnonymous(16384),
            operate: map =>
            {
                // Memory.Pin holds a reference: the pages stay mapped however the Dispose interleaves.
                using MemoryHandle pin = map.Memory.Pin();
                unsafe
                {
                    byte* p = (byte*)pin.Pointer;
                    for (int i = 0; i < 16384; i += 512)
                    {
                        p[i] = 1;
                    }
                }

                map.Advise(MappedFileAdvice.WillNeed);
                map.ResidentBytes();
                map.Flush(async: true);
            },
            dispose: map => map.Dispose(),
            allowed: e => e is ObjectDisposedException);
        outcome.Print("MappedFile");
    }

    [Test]
    public void Race_AlignedBufferDispose_AgainstPinnedUse()
    {
        long outstanding = Zcn.aligned_outstanding();
        var outcome = Racer.Run(Races,
            create: () => new AlignedBuffer(8192, 4096),
            operate: buffer =>
            {
                using MemoryHandle pin = buffer.Pin();
                unsafe
                {
                    new Span<byte>(pin.Pointer, 8192).Fill(9);
                }
            },
            dispose: buffer => buffer.Dispose(),
            allowed: e => e is ObjectDisposedException);
        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(outstanding), "every buffer was freed exactly once");
        outcome.Print("AlignedBuffer");
    }

    [Test]
    public void Race_DirectFileDispose_AgainstReads()
    {
        using var scratch = new ScratchDirectory();
        scratch.CreateFile("d", 65536);
        using var buffer = new AlignedBuffer(4096, 4096);
        var outcome = Racer.Run(Races,
            create: () => DirectFile.Open(scratch.File("d"), FileMode.Open, FileAccess.Read),
            operate: file =>
            {
                for (int i = 0; i < 4; i++)
                {
                    file.Read(buffer, i * 4096L);
                }
            },
            dispose: file => file.Dispose(),
            allowed: e => e is ObjectDisposedException);
        outcome.Print("DirectFile");
    }

    [Test]
    public void Race_HandleDispose_AgainstSendFileAndTransfer()
    {
        using var scratch = new ScratchDirectory();
        scratch.CreateFile("f", 65536);
        using SafeFileHandle devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write);
        var outcome = Racer.Run(Races,
            create: () => File.OpenHandle(scratch.File("f")),
            operate: file =>
            {
                ZeroCopy.SendFile(file, 0, devNull, 65536);
                ZeroCopy.Transfer(file, devNull);
            },
            dispose: file => file.Dispose(),
            allowed: e => e is ObjectDisposedException);
        outcome.Print("SafeFileHandle sendfile/transfer");
    }

    [Test]
    public void Race_SocketDispose_AgainstSendFile()
    {
        using var scratch = new ScratchDirectory();
        scratch.CreateFile("f", 4096);
        using SafeFileHandle file = File.OpenHandle(scratch.File("f"));
        var outcome = Racer.Run(Races / 2,
            create: () => SocketPair.Unix(),
            operate: pair =>
            {
                for (int i = 0; i < 4; i++)
                {
                    ZeroCopy.SendFile(file, 0, pair.Left, 4096);
                    Data.ReceiveExactly(pair.Right, new byte[4096]);
                }
            },
            dispose: pair => pair.Dispose(),
            // The socket may close under the receive (SocketException) or the peer before the send (EPIPE).
            allowed: e => e is ObjectDisposedException || e is SocketException ||
                          e is ZeroCopyException { Errno: Errno.EPIPE or Errno.ECONNRESET } || e is EndOfStreamException);
        outcome.Print("Socket sendfile");
    }

    private static void DrainAll(Pipe pipe)
    {
        byte[] sink = new byte[65536];
        for (int available = pipe.BytesAvailable; available > 0; available = pipe.BytesAvailable)
        {
            pipe.Read(sink.AsSpan(0, Math.Min(available, sink.Length)));
        }
    }
}

/// <summary>Runs an operation on one thread while another disposes its object, many times, with a random delay
/// before the Dispose so that it lands before, during and after the operation.</summary>
internal static class Racer
{
    public sealed class Outcome
    {
        public int Completed;
        public int Refused;
        public string Errors = "";
        public int Races;

        public void Print(string what) =>
            Report.Figure(
                $"dispose race {what}: {Races} races, {Completed} completed before the Dispose, {Refused} refused after it{Errors}");
    }

    public static Outcome Run<T>(int races, Func<T> create, Action<T> operate, Action<T> dispose, Func<Exception, bool> allowed,
                                 Action<T>? after = null)
    {
        var outcome = new Outcome { Races = races };
        var random = new Random(races);
        var seen = new System.Collections.Generic.SortedSet<string>(StringComparer.Ordinal);
        using var start = new Barrier(2);
        T current = default!;
        long window = System.Diagnostics.Stopwatch.Frequency / 20_000; // 50 microseconds to start with
        long maxWindow = System.Diagnostics.Stopwatch.Frequency / 500;  // 2 milliseconds at most
        int completedAtCheck = 0;
        Exception? failure = null;
        bool stop = false;
        var worker = new Thread(() =>
        {
            while (true)
            {
                start.SignalAndWait();
                if (Volatile.Read(ref stop))
                {
                    return;
                }

                try
                {
                    operate(current);
                    failure = null;
                }
                catch (Exception e)
                {
                    failure = e;
                }

                start.SignalAndWait();
            }
        })
        { IsBackground = true, Name = "dispose-race" };
        worker.Start();
        try
        {
            for (int i = 0; i < races; i++)
            {
                current = create();
                // A random delay up to a window that adapts (every 50 races) until the Dispose lands sometimes before
                // and sometimes after the operation, whatever the speed of the machine, the runtime or the load.
                if (i % 50 == 49)
                {
                    int recentCompleted = outcome.Completed - completedAtCheck;
                    window = recentCompleted < 10 ? Math.Min(window * 2, maxWindow) : recentCompleted > 40 ? Math.Max(window / 2, 1) : window;
                    completedAtCheck = outcome.Completed;
                }

                long delay = (long)(random.NextDouble() * window);
                start.SignalAndWait();
                long until = System.Diagnostics.Stopwatch.GetTimestamp() + delay;
                while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
                {
                    Thread.SpinWait(10);
                }

                dispose(current);
                Assert.That(start.SignalAndWait(TimeSpan.FromSeconds(30)), Is.True, "the operation hung after Dispose");
                Exception? e = failure;
                if (e == null)
                {
                    outcome.Completed++;
                }
                else
                {
                    Assert.That(allowed(e), Is.True, $"race {i}: an undocumented outcome: {e}");
                    outcome.Refused++;
                    seen.Add(e is ZeroCopyException z ? $"ZeroCopyException({z.Errno})" : e.GetType().Name);
                }

                after?.Invoke(current);
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            worker.Join(TimeSpan.FromSeconds(30));
        }

        outcome.Errors = seen.Count == 0 ? "" : " (" + string.Join(", ", seen) + ")";
        return outcome;
    }
}
