using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Transfers;

/// <summary>Files, sockets and memfds for the transfer and pipe tests. Everything on loopback or in a temp folder.</summary>
internal static class TestIo
{
    /// <summary>Deterministic pseudo-random bytes, so a failure can be reproduced.</summary>
    public static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Transfer through the chain's internal entry point, which lets a test start the chain at
    /// <paramref name="start"/> and make its first step count as refused after <paramref name="refuseAfter"/> bytes;
    /// returns the result and the methods that moved bytes (bit 1 &lt;&lt; method).</summary>
    public static (TransferResult Result, int MethodsThatMovedBytes) TransferVia(SafeHandle source, SafeHandle destination,
        long? count = null, TransferMethod? start = null, long? refuseAfter = null)
    {
        var plan = new TransferPlan(null)
        {
            Count = count ?? long.MaxValue,
            FirstStep = start ?? TransferMethod.CopyFileRange,
            FirstStepLimit = refuseAfter ?? long.MaxValue,
        };
        TransferEngine.Outcome outcome = ZeroCopy.TransferHandles(source, null, destination, null, in plan, out _, out _);
        return (outcome.ToResult(), outcome.MethodsThatMovedBytes);
    }

    /// <summary>st_dev of an open file.</summary>
    public static ulong DeviceOf(SafeHandle handle) => NativeFile.Query(handle).device;

    /// <summary>A fresh folder under the system temp folder; deleted with the returned scope.</summary>
    public static TempFolder Folder() => new();

    /// <summary>Opens <paramref name="path"/> for reading.</summary>
    public static SafeFileHandle OpenRead(string path) => File.OpenHandle(path, FileMode.Open, FileAccess.Read);

    /// <summary>Creates (or truncates) <paramref name="path"/> for reading and writing.</summary>
    public static SafeFileHandle Create(string path) => File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite);

    /// <summary>Opens <paramref name="path"/> with the library's open(2), for flags .NET does not offer (O_APPEND).</summary>
    public static unsafe SafeFileHandle OpenNative(string path, OpenFlags flags)
    {
        byte[] name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = name)
        {
            int fd = Zcn.open((sbyte*)p, (int)flags, 0x1a4 /* 0644 */);
            Assert.That(fd, Is.GreaterThanOrEqualTo(0), $"open({path}) failed: {fd}");
            return new SafeFileHandle(fd, ownsHandle: true);
        }
    }

    /// <summary>An anonymous in-memory file (memfd_create) holding <paramref name="content"/>, positioned at 0.</summary>
    public static unsafe SafeFileHandle MemFd(string name, ReadOnlySpan<byte> content)
    {
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(name + "\0");
        int fd;
        fixed (byte* p = utf8)
        {
            fd = Zcn.memfd_create((sbyte*)p, 0);
        }

        Assert.That(fd, Is.GreaterThanOrEqualTo(0), "memfd_create failed");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        fixed (byte* data = content)
        {
            long written = 0;
            while (written < content.Length)
            {
                long n = Zcn.pwrite(fd, data + written, (ulong)(content.Length - written), written);
                Assert.That(n, Is.GreaterThan(0));
                written += n;
            }
        }

        return handle;
    }

    /// <summary>The descriptor's file position (lseek SEEK_CUR).</summary>
    public static long PositionOf(SafeHandle handle)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return Zcn.lseek((int)handle.DangerousGetHandle(), 0, (int)Whence.SEEK_CUR);
        }
        finally
        {
            handle.DangerousRelease();
        }
    }

    /// <summary>Sets the descriptor's file position.</summary>
    public static void Seek(SafeHandle handle, long position)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            Assert.That(Zcn.lseek((int)handle.DangerousGetHandle(), position, (int)Whence.SEEK_SET), Is.EqualTo(position));
        }
        finally
        {
            handle.DangerousRelease();
        }
    }

    /// <summary>The descriptor's status flags (F_GETFL, as zcn_open_flags).</summary>
    public static unsafe int StatusFlags(SafeHandle handle)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            FdInfo info;
            Assert.That(Zcn.fd_query((int)handle.DangerousGetHandle(), &info), Is.EqualTo(0));
            return info.status_flags;
        }
        finally
        {
            handle.DangerousRelease();
        }
    }

    /// <summary>Sets the descriptor's file position without asserting (assertions allocate; the allocation tests use this).</summary>
    public static long SeekQuietly(SafeHandle handle, long position)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return Zcn.lseek((int)handle.DangerousGetHandle(), position, (int)Whence.SEEK_SET);
        }
        finally
        {
            handle.DangerousRelease();
        }
    }

    /// <summary>A connected TCP pair on 127.0.0.1: (client, server side).</summary>
    public static SocketPair Tcp(int? bufferSize = null)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (bufferSize is int size)
        {
            client.SendBufferSize = size;
            client.ReceiveBufferSize = size;
        }

        client.Connect(listener.LocalEndPoint!);
        Socket server = listener.Accept();
        if (bufferSize is int size2)
        {
            server.SendBufferSize = size2;
            server.ReceiveBufferSize = size2;
        }

        return new SocketPair(client, server, null);
    }

    /// <summary>A connected Unix stream pair, bound to a path in a fresh temp folder.</summary>
    public static SocketPair Unix()
    {
        var folder = new TempFolder();
        string path = folder.File("s.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
        Socket server = listener.Accept();
        return new SocketPair(client, server, folder);
    }

    /// <summary>Receives exactly <paramref name="count"/> bytes, or fewer if the peer shuts down; bounded by a receive
    /// timeout so that a broken test fails instead of hanging.</summary>
    public static byte[] Receive(Socket socket, int count)
    {
        socket.ReceiveTimeout = 60_000;
        var data = new byte[count];
        int received = 0;
        while (received < count)
        {
            int n = socket.Receive(data, received, count - received, SocketFlags.None);
            if (n == 0)
            {
                return data.AsSpan(0, received).ToArray();
            }

            received += n;
        }

        return data;
    }

    /// <summary><see cref="Receive"/> on a thread-pool thread, so that a synchronous sender can run meanwhile.</summary>
    public static Task<byte[]> ReceiveInBackground(Socket socket, int count) =>
        Task.Factory.StartNew(() => Receive(socket, count), TaskCreationOptions.LongRunning);

    /// <summary>Reads exactly <paramref name="count"/> bytes from a pipe end (fewer at end of input).</summary>
    public static byte[] ReadPipe(Pipe pipe, int count)
    {
        var data = new byte[count];
        int received = 0;
        while (received < count)
        {
            int n = pipe.Read(data.AsSpan(received));
            if (n == 0)
            {
                return data.AsSpan(0, received).ToArray();
            }

            received += n;
        }

        return data;
    }

    /// <summary>Waits for a task with a generous bound, failing the test instead of hanging.</summary>
    public static T Await<T>(Task<T> task)
    {
        Assert.That(task.Wait(TimeSpan.FromSeconds(120)), Is.True, "the operation did not finish");
        return task.Result;
    }
}

/// <summary>A temp folder deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = Directory.CreateTempSubdirectory("zcn-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Two connected sockets.</summary>
internal sealed class SocketPair : IDisposable
{
    private readonly TempFolder? _folder;

    public SocketPair(Socket client, Socket server, TempFolder? folder)
    {
        Client = client;
        Server = server;
        _folder = folder;
    }

    public Socket Client { get; }

    public Socket Server { get; }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
        _folder?.Dispose();
    }
}
