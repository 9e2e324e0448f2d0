using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Reliability;

/// <summary>What the process holds: open descriptors (/proc/self/fd) and mappings (/proc/self/maps), for the
/// "nothing left behind" checks of the reliability suite.</summary>
internal static class ProcessState
{
    /// <summary>The open descriptors (the directory stream used to list them is not counted).</summary>
    public static int FdCount() => FdTargets().Count;

    /// <summary>Every open descriptor and what it refers to ("pipe:[123]", "/memfd:x (deleted)", a path), except the
    /// runtime's own lazily opened files (see <see cref="IsRuntimeFile"/>), which can appear in the middle of a
    /// measurement and say nothing about this library.</summary>
    public static Dictionary<int, string> FdTargets()
    {
        var result = new Dictionary<int, string>();
        foreach (string entry in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                string? target = new FileInfo(entry).LinkTarget;
                if (target != null && !IsRuntimeFile(target))
                {
                    result[int.Parse(Path.GetFileName(entry), System.Globalization.CultureInfo.InvariantCulture)] = target;
                }
            }
            catch (IOException)
            {
                // The descriptor of the directory listing itself is gone by the time it is resolved.
            }
        }

        return result;
    }

    /// <summary>The number of mappings (lines of /proc/self/maps), without the JIT's code heap: the runtime maps
    /// its executable memory from a memfd named "doublemapper" and keeps adding to it as methods are tiered up, which
    /// says nothing about this library.</summary>
    public static int MapsCount()
    {
        int lines = 0;
        foreach (string line in File.ReadAllLines("/proc/self/maps"))
        {
            if (!line.Contains("doublemapper", StringComparison.Ordinal) && !IsRuntimeFile(line))
            {
                lines++;
            }
        }

        return lines;
    }

    /// <summary>Descriptors and mappings that belong to the runtime, opened lazily whenever it first needs them: assemblies
    /// (*.dll), symbol files (*.pdb, read when an exception's stack trace is first formatted) and the epoll instance of
    /// the socket engine (made on the first asynchronous socket operation). libzcn creates none of these kinds.</summary>
    private static bool IsRuntimeFile(string target) =>
        target.EndsWith(".dll", StringComparison.Ordinal) || target.EndsWith(".pdb", StringComparison.Ordinal) ||
        target.EndsWith("anon_inode:[eventpoll]", StringComparison.Ordinal);

    /// <summary>Closes the pipes the transfer pool keeps (a cache of at most four, by design), so that counts taken
    /// before and after a run compare the library's descriptors, not the cache's fill level.</summary>
    public static void EmptyPipePool()
    {
        var pipes = new List<Pipe>();
        for (int i = 0; i < 16; i++)
        {
            pipes.Add(PipePool.Rent());
        }

        pipes.ForEach(p => p.Dispose());
    }

    /// <summary>Collects garbage and runs finalizers twice, so that counts taken afterwards reflect steady state.</summary>
    public static void Settle()
    {
        for (int i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        GC.Collect();
    }

    /// <summary>
    /// Runs <paramref name="action"/> and asserts that it leaves no descriptor and no mapping behind. A leak repeats
    /// on every call while runtime noise (a GC heap segment, a runtime thread's first descriptor) does not: when the
    /// counts differ after one run, the action runs 64 more times and the growth must not follow.
    /// </summary>
    public static void AssertLeavesNothing(Action action, string what) => AssertLeavesNothing(action, action, what);

    /// <summary>As <see cref="AssertLeavesNothing(Action, string)"/>, with a different action for the repeats (one that
    /// sets up its own fresh state, when the first run consumed what it needed).</summary>
    public static void AssertLeavesNothing(Action first, Action repeat, string what)
    {
        Dictionary<int, string> fds = FdTargets();
        int maps = MapsCount();
        first();
        Dictionary<int, string> fdsAfter = FdTargets();
        int mapsAfter = MapsCount();
        if (fdsAfter.Count == fds.Count && mapsAfter == maps)
        {
            return;
        }

        // A leak grows by at least one per repeat; runtime noise (the GC, an AddressSanitizer allocator growing its
        // size classes) grows by far less, so half the repeats separates the two with margin.
        const int Repeats = 64;
        for (int i = 0; i < Repeats; i++)
        {
            repeat();
        }

        Settle();
        Dictionary<int, string> fdsLater = FdTargets();
        int mapsLater = MapsCount();
        string added = string.Join(", ", fdsLater.Where(p => !fds.ContainsKey(p.Key)).Select(p => $"{p.Key}->{p.Value}"));
        Assert.That(fdsLater.Count - fdsAfter.Count, Is.LessThan(Repeats / 2),
            $"{what}: descriptors {fds.Count} -> {fdsAfter.Count} after one run -> {fdsLater.Count} after {Repeats + 1}: " +
            $"a descriptor leaks (new: {added})");
        Assert.That(mapsLater - mapsAfter, Is.LessThan(Repeats / 2),
            $"{what}: mappings {maps} -> {mapsAfter} after one run -> {mapsLater} after {Repeats + 1}: a mapping leaks");
    }
}

/// <summary>Descriptors of every kind for the reliability tests, made through libzcn's raw bindings (the only native
/// calls the tests make) and wrapped in SafeFileHandles that close them.</summary>
internal static unsafe class Fds
{
    public static SafeFileHandle Open(string path, OpenFlags flags, uint mode = 0x180)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(path + "\0");
        int fd;
        fixed (byte* p = bytes)
        {
            fd = Zcn.open((sbyte*)p, (int)flags, mode);
        }

        Assert.That(fd, Is.GreaterThanOrEqualTo(0), $"open({path}) failed: {fd}");
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>A raw pipe as two owned handles, blocking or not, with a capacity when given (for tests that need
    /// a pipe end the library does not own: a SafeFileHandle over a descriptor, disposed or closed on purpose).</summary>
    public static (SafeFileHandle Reader, SafeFileHandle Writer) RawPipe(bool nonBlocking = false, int? capacity = null)
    {
        int* fds = stackalloc int[2];
        int result = Zcn.pipe(fds, (uint)(nonBlocking ? PipeFlags.NONBLOCK : PipeFlags.NONE));
        Assert.That(result, Is.Zero, "pipe2");
        if (capacity is int size)
        {
            Assert.That(Zcn.pipe_set_size(fds[1], size), Is.GreaterThanOrEqualTo(size), "F_SETPIPE_SZ");
        }

        return (new SafeFileHandle(fds[0], ownsHandle: true), new SafeFileHandle(fds[1], ownsHandle: true));
    }

    /// <summary>The write end of a pipe whose read end is already closed.</summary>
    public static SafeFileHandle WidowedPipeWriter()
    {
        (SafeFileHandle reader, SafeFileHandle writer) = RawPipe();
        reader.Dispose();
        return writer;
    }

    /// <summary>Writes <paramref name="value"/> bytes into a non-blocking descriptor until it is full (EAGAIN);
    /// returns the bytes written.</summary>
    public static long FillUntilFull(SafeHandle handle, byte value = 0x5a)
    {
        byte[] chunk = new byte[4096];
        Array.Fill(chunk, value);
        long total = 0;
        fixed (byte* p = chunk)
        {
            for (int i = 0; i < 100_000; i++)
            {
                long n = Zcn.write((int)handle.DangerousGetHandle(), p, (ulong)chunk.Length);
                if (n == -(long)Errno.EAGAIN)
                {
                    return total;
                }

                Assert.That(n, Is.GreaterThan(0), "filling a non-blocking descriptor");
                total += n;
            }
        }

        Assert.Fail("the descriptor never filled");
        return total;
    }

    /// <summary>The bytes queued for reading in a pipe or socket.</summary>
    public static int Queued(SafeHandle handle) => Zcn.bytes_available((int)handle.DangerousGetHandle());

    /// <summary>The file position of a descriptor.</summary>
    public static long Position(SafeHandle handle) => Zcn.lseek((int)handle.DangerousGetHandle(), 0, (int)Whence.SEEK_CUR);
}

/// <summary>A connected loopback stream socket pair (TCP over 127.0.0.1, or Unix).</summary>
internal sealed class SocketPair : IDisposable
{
    private SocketPair(Socket left, Socket right)
    {
        Left = left;
        Right = right;
    }

    public Socket Left { get; }

    public Socket Right { get; }

    public static SocketPair Tcp()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        Socket server = listener.Accept();
        return new SocketPair(client, server);
    }

    public static SocketPair Unix()
    {
        string path = Path.Combine(Path.GetTempPath(), $"zcn-rel-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        try
        {
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(path));
            Socket server = listener.Accept();
            return new SocketPair(client, server);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public void Dispose()
    {
        Left.Dispose();
        Right.Dispose();
    }
}

/// <summary>Checksums and data for the transfer checks.</summary>
internal static class Data
{
    /// <summary>FNV-1a 64 over the bytes, continuing from <paramref name="hash"/>.</summary>
    public static ulong Fnv(ReadOnlySpan<byte> bytes, ulong hash = 0xcbf29ce484222325)
    {
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 0x100000001b3;
        }

        return hash;
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes from a socket (bounded by its receive timeout).</summary>
    public static void ReceiveExactly(Socket socket, Span<byte> buffer)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = socket.Receive(buffer[done..]);
            if (n == 0)
            {
                throw new EndOfStreamException($"the peer closed after {done} of {buffer.Length} bytes");
            }

            done += n;
        }
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes from a pipe.</summary>
    public static void ReadExactly(Pipe pipe, Span<byte> buffer)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = pipe.Read(buffer[done..]);
            if (n == 0)
            {
                throw new EndOfStreamException($"the pipe ended after {done} of {buffer.Length} bytes");
            }

            done += n;
        }
    }
}

/// <summary>The figures the reliability suite reports (operations run, growth, signals, byte counts).</summary>
internal static class Report
{
    /// <summary>Writes a figure to NUnit's progress stream, which the runner prints in verbose runs, and to the test's
    /// own output, which it prints with a failure.</summary>
    public static void Figure(string line)
    {
        TestContext.Progress.WriteLine("  " + line);
        TestContext.Out.WriteLine(line);
    }
}
