using System;
using System.Buffers;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace ZeroCopyNative.Tests.Sockets;

/// <summary>An owner over its own array that counts its Dispose calls and may act on each (overwrite its memory, as a
/// pool that reuses it at once would).</summary>
internal sealed class CountingOwner : IMemoryOwner<byte>
{
    private readonly byte[] _array;
    private int _disposals;

    public CountingOwner(byte[] content, Action<byte[]>? onDispose = null)
    {
        _array = content;
        OnDispose = onDispose;
    }

    public Action<byte[]>? OnDispose { get; }

    public int Disposals => Volatile.Read(ref _disposals);

    public Memory<byte> Memory => _array;

    public void Dispose()
    {
        Interlocked.Increment(ref _disposals);
        OnDispose?.Invoke(_array);
    }
}

/// <summary>Waits, receivers and checks for the sender tests; every wait is bounded.</summary>
internal static class SenderTestKit
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="task"/> to its end (failing the test after <see cref="Bound"/>), rethrowing its
    /// exception as it is.</summary>
    public static void Wait(ValueTask task) => Wait(task.AsTask());

    /// <summary>Runs <paramref name="task"/> to its end (failing the test after <see cref="Bound"/>), rethrowing its
    /// exception as it is.</summary>
    public static void Wait(Task task)
    {
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(Bound))
        {
            Assert.Fail($"the operation did not finish within {Bound}");
        }

        if (task.Exception is AggregateException e)
        {
            ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
        }

        task.GetAwaiter().GetResult(); // cancellation
    }

    /// <summary>The exception a task ends with; fails the test when it ends otherwise.</summary>
    public static T Fails<T>(ValueTask task) where T : Exception
    {
        try
        {
            Wait(task);
        }
        catch (T e)
        {
            return e;
        }

        Assert.Fail($"expected {typeof(T).Name}");
        return null!;
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes on a thread of its own, pausing
    /// <paramref name="pauseMs"/> ms after every 64 KiB (a slow reader keeps the sender's queue full).</summary>
    public static Task<byte[]> ReceiveInBackground(Socket socket, int count, int pauseMs = 0) =>
        Task.Factory.StartNew(() =>
        {
            socket.ReceiveTimeout = 60_000;
            var data = new byte[count];
            int received = 0;
            while (received < count)
            {
                int n = socket.Receive(data, received, Math.Min(64 * 1024, count - received), SocketFlags.None);
                if (n == 0)
                {
                    break;
                }

                received += n;
                if (pauseMs > 0)
                {
                    Thread.Sleep(pauseMs);
                }
            }

            return data.AsSpan(0, received).ToArray();
        }, TaskCreationOptions.LongRunning);

    /// <summary>Receives and drops <paramref name="count"/> bytes.</summary>
    public static long Drain(Socket socket, long count)
    {
        socket.ReceiveTimeout = 60_000;
        var buffer = new byte[256 * 1024];
        long received = 0;
        while (received < count)
        {
            int n = socket.Receive(buffer, 0, (int)Math.Min(buffer.Length, count - received), SocketFlags.None);
            if (n == 0)
            {
                break;
            }

            received += n;
        }

        return received;
    }

    /// <summary>A forced sender with options beside the mode.</summary>
    public static ZeroCopySenderOptions Forced(TimeSpan? disposeTimeout = null) => new()
    {
        Mode = ZeroCopySendMode.Forced,
        DisposeTimeout = disposeTimeout ?? ZeroCopySenderOptions.DefaultDisposeTimeout,
    };
}
