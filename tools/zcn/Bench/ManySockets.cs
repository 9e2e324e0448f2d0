using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;

namespace ZeroCopyNative.Tool.Bench;

/// <summary>
/// many-sockets: one warm file served to 200 loopback TCP connections at once, each connection its own range of it
/// (8 MiB by default: a 1.6 GiB file). It asks what serving many clients costs: GiB/s, the threads it takes, CPU per
/// GiB. A run ends when every receiver has its whole range and the end of its stream, not when the senders return:
/// 200 connections' socket buffers hold a good part of the data.
/// </summary>
/// <remarks>
/// The receiving side is the same for every method and holds no thread per connection: two threads (one per core
/// here), each waiting on its half of the connections with Socket.Select (poll(2)) and reading what is ready, off the
/// thread pool, so the methods' thread counts differ only by what their senders need. Each connection counts its bytes
/// and must end at exactly its range; the first, middle and last connections also keep their first 8 MiB, compared
/// with the file after the run. Socket buffers stay at the kernel's (autotuned) defaults, as a server has them. Every
/// run makes its connections anew, from one listener on 127.0.0.1:0, and closes them all.
/// </remarks>
internal static class ManySockets
{
    public const int Connections = 200;
    public const long DefaultRange = 8L << 20;
    public const int PoolThreads = 16;
    private const int ReceiverThreads = 2;
    private const int KeptBytes = 8 << 20;

    public static Measurement Run(string method, BenchFiles files)
    {
        long range = files.SocketsRange;
        long total = range * Connections;
        // Bounded: a method that hangs fails the row with a message instead of hanging the bench (80 s for 1.6 GiB).
        TimeSpan limit = TimeSpan.FromSeconds(30 + (total / (32 << 20)));
        using SafeFileHandle file = File.OpenHandle(files.Sockets, FileMode.Open, FileAccess.Read);
        using ConnectionSet connections = ConnectionSet.Open(Connections);
        using var receivers = new Receivers(connections.Receiving, range);
        using var cancel = new CancellationTokenSource();
        // Not disposed: a pool thread that outlived its bounded join may still wait on it.
        var release = new ManualResetEventSlim();
        Thread[] pool = [];
        using ThreadSampler threads = ThreadSampler.Start();
        Probe probe = Probe.Start();
        try
        {
            Task sends = method switch
            {
                "pool" => Pool(file, connections.Sending, range, release, out pool),
                "sendfile-async" => Task.WhenAll(connections.Sending.Select(
                    (socket, i) => SendRangeAsync(file, socket, i * range, range, cancel.Token))),
                "bcl-readsend-async" => Task.WhenAll(connections.Sending.Select(
                    (socket, i) => ReadSendAsync(file, socket, i * range, range, files.Block, cancel.Token))),
                _ => throw new InvalidOperationException("unknown method " + method),
            };
            Task all = Task.WhenAll(sends, receivers.Done);
            var clock = Stopwatch.StartNew();
            // Either side failing ends the wait at once: the other would only wait for bytes that never come.
            while (!all.IsCompleted && !sends.IsFaulted && !receivers.Done.IsFaulted && clock.Elapsed < limit)
            {
                Task.WaitAny([all], TimeSpan.FromMilliseconds(100));
            }

            Measurement m = probe.Stop(total, method == "bcl-readsend-async" ? -1 : Connections);
            ThreadCount counted = threads.Stop();
            if (!all.IsCompletedSuccessfully)
            {
                // The cause is read before the abort, whose closed sockets fail every sender that is still waiting.
                Exception? failure = sends.Exception?.InnerException ?? receivers.Done.Exception?.InnerException;
                Abort(cancel, receivers, connections, sends);
                throw failure != null
                    ? new InvalidOperationException($"{method}: {failure.Message}", failure)
                    : new InvalidOperationException(
                        $"{method}: not done after {limit.TotalSeconds:0} s: {receivers.Finished} of {Connections} " +
                        "connections had all their bytes");
            }

            receivers.CheckContent(file);
            return m with { Threads = counted };
        }
        finally
        {
            release.Set();
            foreach (Thread t in pool)
            {
                t.Join(TimeSpan.FromSeconds(10));
            }
        }
    }

    /// <summary>Unblocks whatever still waits: cancels the async sends and closes the receiving ends, so a blocking
    /// sendfile fails with ECONNRESET instead of waiting for a reader that is gone.</summary>
    private static void Abort(CancellationTokenSource cancel, Receivers receivers, ConnectionSet connections, Task sends)
    {
        cancel.Cancel();
        receivers.Stop();
        foreach (Socket s in connections.Receiving)
        {
            s.Dispose();
        }

        Task.WaitAny([sends], TimeSpan.FromSeconds(10));
    }

    /// <summary>pool: 16 threads take connections from a shared queue and send each one's range with the blocking
    /// ZeroCopy.SendFile. The threads stay alive until released, so the probe's end sample still sees their context
    /// switches.</summary>
    private static Task Pool(SafeFileHandle file, Socket[] sockets, long range, ManualResetEventSlim release,
                             out Thread[] pool)
    {
        var queue = new ConcurrentQueue<int>(Enumerable.Range(0, sockets.Length));
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int running = PoolThreads;
        pool = new Thread[PoolThreads];
        for (int t = 0; t < pool.Length; t++)
        {
            pool[t] = new Thread(() =>
            {
                try
                {
                    while (queue.TryDequeue(out int i))
                    {
                        long sent = ZeroCopy.SendFile(file, i * range, sockets[i], range);
                        Finish(sockets[i], sent, range);
                    }
                }
                catch (Exception e)
                {
                    done.TrySetException(e);
                }

                if (Interlocked.Decrement(ref running) == 0)
                {
                    done.TrySetResult();
                }

                release.Wait();
            }) { IsBackground = true, Name = "zcn-bench-pool" };
            pool[t].Start();
        }

        return done.Task;
    }

    /// <summary>sendfile-async: the library's async API on its default scheduler; all 200 are started, then awaited
    /// together.</summary>
    private static async Task SendRangeAsync(SafeFileHandle file, Socket socket, long offset, long range,
                                             CancellationToken token)
    {
        long sent = await ZeroCopy.SendFileAsync(file, offset, socket, range, token).ConfigureAwait(false);
        Finish(socket, sent, range);
    }

    /// <summary>bcl-readsend-async: what .NET offers for a range, read into a pooled buffer and sent, all 200 at once.
    /// Socket.SendFileAsync cannot be the built-in here: it sends a whole file by name, with no offset or count.
    /// RandomAccess.ReadAsync of a regular file runs pread on a thread pool thread; SendAsync waits in the runtime's
    /// epoll engine.</summary>
    private static async Task ReadSendAsync(SafeFileHandle file, Socket socket, long offset, long range, int block,
                                            CancellationToken token)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(block);
        try
        {
            long sent = 0;
            while (sent < range)
            {
                int n = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, (int)Math.Min(block, range - sent)),
                                                     offset + sent, token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                for (int done = 0; done < n;)
                {
                    done += await socket.SendAsync(buffer.AsMemory(done, n - done), SocketFlags.None, token)
                                        .ConfigureAwait(false);
                }

                sent += n;
            }

            Finish(socket, sent, range);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Checks a sender's count and ends its stream, which is how the receiver knows the range is complete.</summary>
    private static void Finish(Socket socket, long sent, long range)
    {
        if (sent != range)
        {
            throw new InvalidOperationException($"a sender sent {sent} of {range} bytes");
        }

        socket.Shutdown(SocketShutdown.Send);
    }

    /// <summary>The connections of one run: Sending[i] is connected to Receiving[i].</summary>
    private sealed class ConnectionSet : IDisposable
    {
        private ConnectionSet(int count)
        {
            Sending = new Socket[count];
            Receiving = new Socket[count];
        }

        public Socket[] Sending { get; }

        public Socket[] Receiving { get; }

        /// <summary>One listener on an ephemeral loopback port; each connection is accepted right after its connect,
        /// so the pairs match and the accept queue never holds more than one.</summary>
        public static ConnectionSet Open(int count)
        {
            var set = new ConnectionSet(count);
            try
            {
                using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                listener.Listen(16);
                for (int i = 0; i < count; i++)
                {
                    set.Sending[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    set.Sending[i].Connect(listener.LocalEndPoint!);
                    if (!listener.Poll(TimeSpan.FromSeconds(10), SelectMode.SelectRead))
                    {
                        throw new InvalidOperationException($"connection {i} was not accepted within 10 s");
                    }

                    set.Receiving[i] = listener.Accept();
                }
            }
            catch
            {
                set.Dispose();
                throw;
            }

            return set;
        }

        public void Dispose()
        {
            foreach (Socket? s in Sending.Concat(Receiving))
            {
                s?.Dispose();
            }
        }
    }

    /// <summary>
    /// The receiving side: <see cref="ReceiverThreads"/> threads, connection i on thread i % ReceiverThreads, each
    /// polling its connections with a 100 ms timeout (so a stop request is seen soon) and reading each ready one once.
    /// <see cref="Done"/> completes when every connection has ended at exactly its range, and fails on the first that
    /// does not.
    /// </summary>
    private sealed class Receivers : IDisposable
    {
        private readonly Socket[] _sockets;
        private readonly long _range;
        private readonly long[] _received;
        private readonly byte[]?[] _kept;
        private readonly Thread[] _threads = new Thread[ReceiverThreads];
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _release = new(); // not disposed, as the pool's
        private int _pending;
        private volatile bool _stop;

        public Receivers(Socket[] sockets, long range)
        {
            _sockets = sockets;
            _range = range;
            _received = new long[sockets.Length];
            _kept = new byte[]?[sockets.Length];
            foreach (int i in (int[])[0, sockets.Length / 2, sockets.Length - 1])
            {
                _kept[i] = GC.AllocateUninitializedArray<byte>((int)Math.Min(range, KeptBytes));
            }

            _pending = sockets.Length;
            for (int t = 0; t < _threads.Length; t++)
            {
                int first = t;
                _threads[t] = new Thread(() => Loop(first)) { IsBackground = true, Name = "zcn-bench-recv" };
                _threads[t].Start();
            }
        }

        public Task Done => _done.Task;

        /// <summary>The connections that have ended at exactly their range.</summary>
        public int Finished => _sockets.Length - Volatile.Read(ref _pending);

        public void Stop() => _stop = true;

        private void Loop(int first)
        {
            try
            {
                var mine = new List<Socket>();
                var index = new Dictionary<Socket, int>();
                for (int i = first; i < _sockets.Length; i += ReceiverThreads)
                {
                    mine.Add(_sockets[i]);
                    index[_sockets[i]] = i;
                }

                var ready = new List<Socket>(mine.Count);
                byte[] scratch = GC.AllocateUninitializedArray<byte>(256 * 1024);
                while (mine.Count > 0 && !_stop)
                {
                    ready.Clear();
                    ready.AddRange(mine);
                    Socket.Select(ready, null, null, 100_000);
                    foreach (Socket socket in ready)
                    {
                        int i = index[socket];
                        long got = _received[i];
                        byte[]? kept = _kept[i];
                        int n = socket.Receive(kept != null && got < kept.Length ? kept.AsSpan((int)got) : scratch);
                        if (n > 0 && got + n <= _range)
                        {
                            _received[i] = got + n;
                            continue;
                        }

                        if (n > 0 || got != _range)
                        {
                            throw new InvalidOperationException(
                                $"connection {i} received {(n > 0 ? "more than" : got + " of")} {_range} bytes");
                        }

                        mine.Remove(socket);
                        if (Interlocked.Decrement(ref _pending) == 0)
                        {
                            _done.TrySetResult();
                        }
                    }
                }
            }
            catch (Exception e)
            {
                _done.TrySetException(e);
            }

            // Alive until released, so the probe's end sample still sees this thread's context switches.
            _release.Wait();
        }

        /// <summary>Compares the kept bytes with the file: each connection got its own range, in order.</summary>
        public void CheckContent(SafeFileHandle file)
        {
            byte[] expected = new byte[1 << 20];
            for (int i = 0; i < _kept.Length; i++)
            {
                if (_kept[i] is not { } kept)
                {
                    continue;
                }

                for (int at = 0; at < kept.Length; at += expected.Length)
                {
                    int n = Math.Min(expected.Length, kept.Length - at);
                    if (RandomAccess.Read(file, expected.AsSpan(0, n), (i * _range) + at) != n ||
                        !kept.AsSpan(at, n).SequenceEqual(expected.AsSpan(0, n)))
                    {
                        throw new InvalidOperationException(
                            $"connection {i} received bytes that differ from its range of the file (at {at})");
                    }
                }
            }
        }

        public void Dispose()
        {
            _stop = true;
            _release.Set();
            foreach (Thread t in _threads)
            {
                t?.Join(TimeSpan.FromSeconds(10));
            }
        }
    }
}
