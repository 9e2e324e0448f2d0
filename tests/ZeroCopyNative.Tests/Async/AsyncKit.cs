using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Async;

/// <summary>
/// Helpers of the asynchronous suite. Every wait is bounded: a broken test fails with a message instead of hanging the
/// run. Tests are synchronous methods that block on the operations they start (NUnit's async test support reflects
/// over awaiters, which this suite avoids so that it runs the same under NativeAOT).
/// </summary>
internal static class AsyncKit
{
    /// <summary>The bound for one operation that must finish (generous: a loaded 2-core machine).</summary>
    public const double Seconds = 30;

    /// <summary>Waits (bounded) for <paramref name="task"/> and asserts that it finished, however it ended.</summary>
    public static void Finish(Task task, string what, double seconds = Seconds)
    {
        try
        {
            task.Wait(TimeSpan.FromSeconds(seconds));
        }
        catch (AggregateException)
        {
            // Its outcome is the caller's to look at.
        }

        Assert.That(task.IsCompleted, Is.True, $"{what} did not finish within {seconds} s");
    }

    /// <summary>Waits (bounded) for <paramref name="task"/> and returns its result; a failure is rethrown as it was.</summary>
    public static T Result<T>(Task<T> task, string what, double seconds = Seconds)
    {
        Finish(task, what, seconds);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Waits (bounded) for <paramref name="task"/>, which must succeed.</summary>
    public static void Succeeds(Task task, string what, double seconds = Seconds)
    {
        Finish(task, what, seconds);
        task.GetAwaiter().GetResult();
    }

    /// <summary>Waits (bounded) for <paramref name="task"/>, which must fail with <typeparamref name="TException"/>
    /// (or a type derived from it); returns the exception.</summary>
    public static TException Fails<TException>(Task task, string what, double seconds = Seconds)
        where TException : Exception
    {
        Finish(task, what, seconds);
        Exception? error = null;
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            error = e;
        }

        Assert.That(error, Is.Not.Null, $"{what} should have failed with {typeof(TException).Name}, and succeeded");
        Assert.That(error, Is.InstanceOf<TException>(), $"{what}: {error}");
        return (TException)error!;
    }

    /// <summary>The exception <paramref name="task"/> ended with (it must have failed), after a bounded wait.</summary>
    public static Exception FailureOf(Task task, string what, double seconds = Seconds)
    {
        Finish(task, what, seconds);
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            return e;
        }

        Assert.Fail($"{what} should have failed, and succeeded");
        return null!;
    }

    /// <summary>
    /// Starts an asynchronous operation on a thread of its own and asserts that the call returns promptly, as it must
    /// when the operation has to wait: it parks in the event loop instead of holding the calling thread. If the call
    /// blocks instead, <paramref name="unblock"/> is drained (so that the stuck thread ends) and the test fails.
    /// </summary>
    public static Task StartWithoutHolding(Func<Task> start, Pipe unblock, string what)
    {
        Task<Task> call = Task.Factory.StartNew(start, TaskCreationOptions.LongRunning);
        if (!call.Wait(TimeSpan.FromSeconds(10)))
        {
            // Read on a thread of its own (the pipe may be in blocking mode) until the stuck call returns.
            var stop = new CancellationTokenSource();
            Task drain = Task.Factory.StartNew(() =>
            {
                byte[] sink = new byte[65536];
                while (!call.IsCompleted && !stop.IsCancellationRequested)
                {
                    if (Readable(unblock.Reader))
                    {
                        unblock.Read(sink);
                    }
                    else
                    {
                        Thread.Sleep(1);
                    }
                }
            }, TaskCreationOptions.LongRunning);
            call.Wait(TimeSpan.FromSeconds(30));
            stop.Cancel();
            drain.Wait(TimeSpan.FromSeconds(5));
            Assert.Fail($"{what}: the call held its thread while the pipe was full (it should park and return at once)");
        }

        return call.Result;
    }

    /// <summary>Polls <paramref name="condition"/> every few milliseconds for at most <paramref name="seconds"/>.</summary>
    public static bool Eventually(Func<bool> condition, double seconds = Seconds)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed.TotalSeconds > seconds)
            {
                return condition();
            }

            Thread.Sleep(2);
        }

        return true;
    }

    /// <summary>Asserts that <paramref name="task"/> is still pending after a short grace period (it is parked).</summary>
    public static void StillWaiting(Task task, string what, int milliseconds = 100)
    {
        Thread.Sleep(milliseconds);
        Assert.That(task.IsCompleted, Is.False,
            $"{what} should be waiting, and ended: {(task.IsFaulted ? task.Exception!.InnerException : task.Status)}");
    }

    /// <summary>Compares two byte ranges and reports the first difference (a 20 MiB NUnit diff helps nobody).</summary>
    public static void SameBytes(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what)
    {
        if (expected.SequenceEqual(actual))
        {
            return;
        }

        int common = Math.Min(expected.Length, actual.Length);
        int first = expected[..common].CommonPrefixLength(actual[..common]);
        Assert.Fail($"{what}: expected {expected.Length} bytes, got {actual.Length}; first difference at byte {first}" +
                    (first < common ? $" (expected {expected[first]}, got {actual[first]})" : " (one is a prefix of the other)"));
    }

    /// <summary>A file of <paramref name="data"/> in <paramref name="folder"/>, open for reading.</summary>
    public static SafeFileHandle SourceFile(TempFolder folder, string name, byte[] data)
    {
        File.WriteAllBytes(folder.File(name), data);
        return TestIo.OpenRead(folder.File(name));
    }

    /// <summary>The descriptor number of an open handle (for poll and fdinfo look-ups only).</summary>
    public static int Fd(SafeHandle handle) => (int)handle.DangerousGetHandle();

    /// <summary>Whether the descriptor can take a write now (poll POLLOUT, no wait).</summary>
    public static bool Writable(SafeHandle handle) =>
        (Zcn.poll(Fd(handle), (int)PollEvents.POLLOUT, 0) & (int)PollEvents.POLLOUT) != 0;

    /// <summary>Whether the descriptor has something to read now (poll POLLIN, no wait).</summary>
    public static bool Readable(SafeHandle handle) =>
        (Zcn.poll(Fd(handle), (int)PollEvents.POLLIN, 0) & (int)PollEvents.POLLIN) != 0;

    /// <summary>Waits (bounded) until a socket or pipe end can no longer take a write: the operation writing into it is
    /// then parked on it.</summary>
    public static void WaitUntilFull(SafeHandle handle, string what)
    {
        Assert.That(Eventually(() => !Writable(handle)), Is.True, $"{what} never filled");
    }

    /// <summary>Writes all of <paramref name="data"/> with write(2) (the descriptor must have room).</summary>
    public static unsafe void WriteRaw(SafeHandle handle, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            Assert.That(Zcn.write(Fd(handle), p, (ulong)data.Length), Is.EqualTo(data.Length), "write");
        }
    }

    /// <summary>Reads everything a pipe holds right now, without waiting (the pipe end must be non-blocking).</summary>
    public static unsafe byte[] DrainNow(SafeHandle reader)
    {
        var result = new MemoryStream();
        byte[] chunk = new byte[65536];
        fixed (byte* p = chunk)
        {
            while (true)
            {
                long n = Zcn.read(Fd(reader), p, (ulong)chunk.Length);
                if (n <= 0)
                {
                    return result.ToArray();
                }

                result.Write(chunk, 0, (int)n);
            }
        }
    }

    /// <summary>Receives until the peer shuts down (bounded by a receive timeout).</summary>
    public static byte[] ReceiveToEnd(Socket socket)
    {
        socket.ReceiveTimeout = 30_000;
        var result = new MemoryStream();
        byte[] chunk = new byte[256 * 1024];
        int n;
        while ((n = socket.Receive(chunk)) > 0)
        {
            result.Write(chunk, 0, n);
        }

        return result.ToArray();
    }

    /// <summary>Receives exactly <paramref name="count"/> bytes and checks that nothing follows: what a cancelled
    /// operation reports as sent is all that arrives.</summary>
    public static byte[] ReceiveExactlyAndNoMore(Socket socket, long count)
    {
        socket.Blocking = true;
        byte[] received = TestIo.Receive(socket, (int)count);
        Assert.That(received.Length, Is.EqualTo(count), "the peer received every byte reported as moved");
        Assert.That(socket.Poll(200_000, SelectMode.SelectRead), Is.False, "no byte beyond those reported as moved arrived");
        return received;
    }

    /// <summary><see cref="ReceiveToEnd"/> on a thread of its own.</summary>
    public static Task<byte[]> ReceiveToEndInBackground(Socket socket) =>
        Task.Factory.StartNew(() => ReceiveToEnd(socket), TaskCreationOptions.LongRunning);

    /// <summary>Sends <paramref name="data"/> and shuts the sending side down, on a thread of its own.</summary>
    public static Task SendAndShutdownInBackground(Socket socket, byte[] data) =>
        Task.Factory.StartNew(() =>
        {
            socket.SendTimeout = 30_000;
            socket.Send(data);
            socket.Shutdown(SocketShutdown.Send);
        }, TaskCreationOptions.LongRunning);

    /// <summary>Reads a pipe with ReadAsync until its write end closes; <paramref name="piece"/> bytes per call.</summary>
    public static async Task<byte[]> ReadToEndAsync(Pipe pipe, int piece = 65536)
    {
        var result = new MemoryStream();
        byte[] buffer = new byte[piece];
        int n;
        while ((n = await pipe.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            result.Write(buffer, 0, n);
        }

        return result.ToArray();
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes from a pipe with ReadAsync (fewer at end of input).</summary>
    public static async Task<byte[]> ReadExactlyAsync(Pipe pipe, int count, int piece = 65536)
    {
        byte[] result = new byte[count];
        int done = 0;
        while (done < count)
        {
            int n = await pipe.ReadAsync(result.AsMemory(done, Math.Min(piece, count - done))).ConfigureAwait(false);
            if (n == 0)
            {
                return result.AsSpan(0, done).ToArray();
            }

            done += n;
        }

        return result;
    }

    /// <summary>A TCP pair whose client (the side the library writes into) is non-blocking, with small buffers so
    /// that a peer that does not read fills it quickly.</summary>
    public static SocketPair SmallTcp(bool nonBlockingClient = true, bool nonBlockingServer = false)
    {
        SocketPair pair = TestIo.Tcp(16 * 1024);
        pair.Client.Blocking = !nonBlockingClient;
        pair.Server.Blocking = !nonBlockingServer;
        return pair;
    }

    /// <summary>Closes a TCP socket with SO_LINGER 0, so that the peer gets a reset (RST) instead of a FIN.</summary>
    public static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    /// <summary>The status flags of a descriptor (F_GETFL, as zcn_open_flags).</summary>
    public static bool IsNonBlocking(SafeHandle handle) => (TestIo.StatusFlags(handle) & (int)OpenFlags.NONBLOCK) != 0;

    /// <summary>The data extents of a file (SEEK_DATA/SEEK_HOLE walk): where its allocated bytes are, which is what a
    /// copy that keeps holes must reproduce.</summary>
    public static List<(long Start, long End)> DataExtents(SafeHandle file)
    {
        var extents = new List<(long, long)>();
        int fd = Fd(file);
        long offset = 0;
        while (true)
        {
            long data = Zcn.lseek(fd, offset, (int)Whence.SEEK_DATA);
            if (data < 0)
            {
                return extents; // ENXIO: no data after offset
            }

            long hole = Zcn.lseek(fd, data, (int)Whence.SEEK_HOLE);
            Assert.That(hole, Is.GreaterThan(data), "SEEK_HOLE");
            extents.Add((data, hole));
            offset = hole;
        }
    }

    /// <summary>Extents as text, for messages and comparisons.</summary>
    public static string Describe(List<(long Start, long End)> extents) =>
        string.Join(" ", extents.ConvertAll(e => $"[{e.Start},{e.End})"));
}

/// <summary>Records progress reports synchronously (Progress&lt;T&gt; would post them elsewhere), and can cancel a
/// token when a report reaches a threshold.</summary>
internal sealed class ProgressLog : IProgress<long>
{
    private readonly object _gate = new();
    private readonly List<long> _values = new();
    private readonly CancellationTokenSource? _cancelAt;
    private readonly long _threshold;

    public ProgressLog(CancellationTokenSource? cancelAt = null, long threshold = long.MaxValue)
    {
        _cancelAt = cancelAt;
        _threshold = threshold;
    }

    public long[] Values
    {
        get
        {
            lock (_gate)
            {
                return _values.ToArray();
            }
        }
    }

    public void Report(long value)
    {
        lock (_gate)
        {
            _values.Add(value);
        }

        if (value >= _threshold)
        {
            _cancelAt?.Cancel();
        }
    }
}

/// <summary>
/// A synchronization context that keeps what is posted to it until the test runs it: installed while an operation
/// starts, it holds the continuation of the operation's first <c>await Task.Yield()</c> (between two file chunks), so
/// that a test can cancel at exactly that point instead of racing the thread pool.
/// </summary>
internal sealed class HeldContext : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _posted = new();

    public int Pending
    {
        get
        {
            lock (_posted)
            {
                return _posted.Count;
            }
        }
    }

    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_posted)
        {
            _posted.Enqueue((d, state));
        }
    }

    public override void Send(SendOrPostCallback d, object? state) => d(state);

    /// <summary>Runs what was posted (and what that posts in turn) on the calling thread, with this context current.</summary>
    public void RunAll()
    {
        SynchronizationContext? previous = Current;
        SetSynchronizationContext(this);
        try
        {
            while (true)
            {
                (SendOrPostCallback Callback, object? State) item;
                lock (_posted)
                {
                    if (_posted.Count == 0)
                    {
                        return;
                    }

                    item = _posted.Dequeue();
                }

                item.Callback(item.State);
            }
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    /// <summary>Runs <paramref name="start"/> with this context current (so its first yield posts here).</summary>
    public T Start<T>(Func<T> start)
    {
        SynchronizationContext? previous = Current;
        SetSynchronizationContext(this);
        try
        {
            return start();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }
}
