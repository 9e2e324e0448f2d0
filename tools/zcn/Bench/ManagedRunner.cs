using System;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.IO.Pipes;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tool.Cli;

namespace ZeroCopyNative.Tool.Bench;

/// <summary>The files a bench run works on; many-sockets has a file of its own, <see cref="ManySockets.Connections"/>
/// ranges of <paramref name="SocketsRange"/> bytes.</summary>
internal sealed record BenchFiles(string Data, string Cold, string Destination, long Size, int Block, string Sockets,
                                  long SocketsRange);

/// <summary>
/// The managed methods (our safe API, or the generated bindings where the safe API has no call for the plain
/// read/write loop) and the .NET built-ins. Each call measures one run: set-up before the probe starts, the transfer
/// loop inside it, tear-down after.
/// </summary>
/// <remarks>
/// Syscalls are counted in the loop: one per call of the bindings' read/write and of Pipe.Read/Write, one per
/// SendFile, Pipe.SpliceFrom/SpliceTo and ZeroCopy.Splice call (each loops inside only when the kernel moved less than
/// asked, so this is a lower bound that matches the C count in the common case), the calls a composite call is documented to make (Pipe.VmSplice with a lease: vmsplice and the mmap
/// that replaces the spliced pages, plus at most one FIONREAD per IsLocked check; MappedFile: mmap, madvise, munmap), and one
/// per call of a looping API whose inner calls are not visible (CopyFileRange, Transfer: a lower bound). The .NET
/// built-ins hide their calls: their count is reported as unknown (-1), never guessed.
/// </remarks>
internal static unsafe class ManagedRunner
{
    private const int PipeCapacity = 1 << 20;
    private const int ColdBlock = 1 << 20;
    private const SpliceOptions MoveMore = SpliceOptions.Move | SpliceOptions.More;

    public static Measurement Run(Scenario scenario, Method method, BenchFiles files) => scenario.Name switch
    {
        ZeroCopySend.Scenario64K or ZeroCopySend.Scenario1M => ZeroCopySend.Run(scenario, method.Name, files),
        "file-to-null" => FileToNull(method.Name, files),
        "file-to-tcp" => FileToTcp(method.Name, files),
        "memory-to-pipe" => MemoryToPipe(method.Name, files),
        "file-to-file" => FileToFile(method.Name, files),
        "scan" => Scan(method.Name, files),
        "cold-read" => ColdRead(method.Name, files),
        "small-blocks" => SmallBlocks.Run(method.Name, files),
        "many-sockets" => ManySockets.Run(method.Name, files),
        _ => throw new InvalidOperationException("unknown scenario " + scenario.Name),
    };

    // ---- file-to-null -------------------------------------------------------------------------------------------

    private static Measurement FileToNull(string method, BenchFiles files)
    {
        if (method == "bcl-copyto")
        {
            using var source = new FileStream(files.Data, FileMode.Open, FileAccess.Read);
            using var sink = new FileStream("/dev/null", FileMode.Open, FileAccess.Write);
            Probe bclProbe = Probe.Start();
            source.CopyTo(sink);
            return bclProbe.Stop(source.Position, -1);
        }

        using SafeFileHandle input = File.OpenHandle(files.Data, FileMode.Open, FileAccess.Read);
        using SafeFileHandle output = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write);
        return SendFileLike(method, input, output, null, files);
    }

    /// <summary>readwrite, sendfile, splice and mmap from a file to a descriptor (or a socket).</summary>
    private static Measurement SendFileLike(string method, SafeFileHandle input, SafeHandle output, Socket? socket,
                                            BenchFiles files)
    {
        long size = files.Size;
        long syscalls = 0;
        switch (method)
        {
            case "readwrite":
            {
                using var buffer = new AlignedBuffer(files.Block, 4096);
                SafeHandle destination = socket?.SafeHandle ?? output;
                Probe probe = Probe.Start();
                long total = ReadWriteLoop(input, destination, buffer.Span, ref syscalls);
                return probe.Stop(total, syscalls);
            }
            case "sendfile":
            {
                Probe probe = Probe.Start();
                syscalls++;
                long sent = socket != null
                    ? ZeroCopy.SendFile(input, 0, socket, size)
                    : ZeroCopy.SendFile(input, 0, output, size);
                return probe.Stop(sent, syscalls);
            }
            case "splice":
            {
                using Pipe pipe = Pipe.Create(PipeCapacity);
                Probe probe = Probe.Start();
                long moved = SplicePairs(pipe, input, socket?.SafeHandle ?? output, size, pipe.Capacity, ref syscalls);
                return probe.Stop(moved, syscalls);
            }
            case "mmap":
            {
                Probe probe = Probe.Start();
                using (MappedFile map = MappedFile.Map(input, MappedFileAccess.ReadOnly, 0, size))
                {
                    map.Advise(MappedFileAdvice.Sequential);
                    syscalls += 3; // mmap, madvise, munmap
                    // One span per 1 GiB window (a span's length is an int), written block by block.
                    const int window = 1 << 30;
                    for (long start = 0; start < size; start += window)
                    {
                        int length = (int)Math.Min(window, size - start);
                        ReadOnlySpan<byte> mapped = map.GetReadOnlySpan(start, length);
                        for (int offset = 0; offset < length; offset += files.Block)
                        {
                            syscalls++; // a lower bound: ZeroCopy.Write loops over partial writes
                            ZeroCopy.Write(mapped.Slice(offset, Math.Min(files.Block, length - offset)), output);
                        }
                    }
                }

                return probe.Stop(size, syscalls);
            }
            default:
                throw new InvalidOperationException("unknown method " + method);
        }
    }

    /// <summary>read+write through the library's loops (ZeroCopy.Read, ZeroCopy.Write), in blocks of the buffer's
    /// length; syscalls counts one per call, a lower bound that equals the C count when the kernel moves what was
    /// asked.</summary>
    private static long ReadWriteLoop(SafeHandle input, SafeHandle output, Span<byte> buffer, ref long syscalls)
    {
        long total = 0;
        while (true)
        {
            syscalls++;
            int r = ZeroCopy.Read(input, null, buffer);
            if (r == 0)
            {
                return total;
            }

            syscalls++;
            ZeroCopy.Write(buffer[..r], output);
            total += r;
        }
    }

    // ---- file-to-tcp --------------------------------------------------------------------------------------------

    private static Measurement FileToTcp(string method, BenchFiles files)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        long received = 0;
        using var receiver = new Worker(() =>
        {
            using Socket peer = listener.Accept();
            byte[] buffer = GC.AllocateUninitializedArray<byte>(128 * 1024, pinned: true);
            while (received < files.Size)
            {
                int r = peer.Receive(buffer);
                if (r == 0)
                {
                    break;
                }

                received += r;
            }
        });
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        Measurement m;
        if (method == "bcl-sendfile")
        {
            Probe probe = Probe.Start();
            client.SendFile(files.Data);
            m = probe.Stop(files.Size, -1);
        }
        else if (method == "bcl-copyto")
        {
            using var source = new FileStream(files.Data, FileMode.Open, FileAccess.Read);
            using var stream = new NetworkStream(client, ownsSocket: false);
            Probe probe = Probe.Start();
            source.CopyTo(stream);
            m = probe.Stop(source.Position, -1);
        }
        else
        {
            using SafeFileHandle input = File.OpenHandle(files.Data, FileMode.Open, FileAccess.Read);
            m = SendFileLike(method, input, client.SafeHandle, client, files);
        }

        client.Shutdown(SocketShutdown.Send);
        receiver.WaitDone();
        receiver.Release();
        if (Volatile.Read(ref received) != m.Bytes)
        {
            throw new InvalidOperationException($"the receiver got {received} of {m.Bytes} bytes");
        }

        return m;
    }

    /// <summary>The splice methods' loop (file-to-null, file-to-tcp, small-blocks): one Pipe.SpliceFrom + SpliceTo
    /// pair per block of at most <paramref name="block"/> bytes, from the start of <paramref name="input"/> until
    /// <paramref name="size"/> bytes went or the file ended; returns the bytes moved, counting two calls per pair.</summary>
    internal static long SplicePairs(Pipe pipe, SafeHandle input, SafeHandle output, long size, long block, ref long syscalls)
    {
        long offset = 0;
        while (offset < size)
        {
            syscalls += 2;
            long n = pipe.SpliceFrom(input, offset, Math.Min(block, size - offset), MoveMore);
            if (n == 0)
            {
                break;
            }

            pipe.SpliceTo(output, null, n, MoveMore);
            offset += n;
        }

        return offset;
    }

    // ---- memory-to-pipe -----------------------------------------------------------------------------------------

    /// <summary>
    /// One producer fills every block (as a real producer does) and puts it into a 1 MiB pipe; a consumer thread drains
    /// the pipe into what the method names: read(2) into a buffer, splice(2) to /dev/null, to a new file, or to a
    /// loopback TCP socket (a receiver thread reads it). The vmsplice methods get their leases from a
    /// <see cref="PipeBufferRing"/> (which waits for a lease to drain, so the producer never spins). Into a copying
    /// consumer the leases keep their pages; into TCP their pages are given away, on 2 MiB leases (huge pages) filled
    /// block by block. vmsplice-unsafe-null is <see cref="Pipe.VmSpliceUnsafe"/> from a ring of reused buffers: the
    /// unprotected twin.
    /// </summary>
    private static Measurement MemoryToPipe(string method, BenchFiles files)
    {
        long size = files.Size;
        int block = files.Block;
        if (method == "bcl-anonpipe")
        {
            return AnonymousPipe(files);
        }

        string consumerKind = method switch
        {
            "vmsplice-null" or "vmsplice-unsafe-null" => "null",
            "vmsplice-file" => "file",
            "vmsplice-tcp" => "tcp",
            _ => "read",
        };
        using Pipe pipe = Pipe.Create(PipeCapacity);
        using SafeFileHandle sink = consumerKind == "file"
            ? File.OpenHandle(files.Destination, FileMode.Create, FileAccess.Write)
            : File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Socket? peer = null;
        long received = 0;
        Worker? receiver = null;
        if (consumerKind == "tcp")
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            client.Connect(listener.LocalEndPoint!);
            peer = listener.Accept();
            Socket receiving = peer;
            receiver = new Worker(() =>
            {
                byte[] buffer = GC.AllocateUninitializedArray<byte>(128 * 1024, pinned: true);
                int r;
                while ((r = receiving.Receive(buffer)) > 0)
                {
                    received += r;
                }
            }, startNow: false);
        }

        SafeHandle destination = consumerKind == "tcp" ? client.SafeHandle : sink;
        long drained = 0;
        long consumerCalls = 0;
        using var readBuffer = new AlignedBuffer(block, 4096);
        using var consumer = new Worker(() =>
        {
            long calls = 0;
            long got = 0;
            if (consumerKind == "read")
            {
                Span<byte> span = readBuffer.Span;
                int n;
                while (++calls > 0 && (n = pipe.Read(span)) > 0)
                {
                    got += n;
                }
            }
            else
            {
                long offset = 0;
                long n;
                while (++calls > 0 &&
                       (n = pipe.SpliceTo(destination, consumerKind == "file" ? offset : null, PipeCapacity, SpliceOptions.Move)) > 0)
                {
                    got += n;
                    offset += n;
                }
            }

            drained = got;
            consumerCalls = calls;
        }, startNow: false);

        long syscalls = 0;
        Measurement m;
        try
        {
            if (method == "readwrite")
            {
                using var data = new AlignedBuffer(block, 4096);
                Span<byte> span = data.Span;
                Probe probe = Probe.Start();
                consumer.Start();
                for (long sent = 0; sent < size;)
                {
                    int n = (int)Math.Min(block, size - sent);
                    span[..n].Fill((byte)(sent / block));
                    syscalls++;
                    pipe.Write(span[..n]);
                    sent += n;
                }

                pipe.CompleteWriting();
                consumer.WaitDone();
                m = probe.Stop(drained, syscalls + consumerCalls, countFaults: true);
            }
            else if (method == "vmsplice-unsafe-null")
            {
                var ring = new AlignedBuffer[(PipeCapacity / block) + 2];
                for (int i = 0; i < ring.Length; i++)
                {
                    ring[i] = new AlignedBuffer(block, 4096, zeroFill: true);
                }

                try
                {
                    Probe probe = Probe.Start();
                    consumer.Start();
                    int next = 0;
                    for (long sent = 0; sent < size;)
                    {
                        int n = (int)Math.Min(block, size - sent);
                        // Safe only because a buffer comes round after more than the pipe's capacity was written
                        // after it, and /dev/null consumes by copying: the proof the safe ring makes for itself.
                        Span<byte> span = ring[next].Span[..n];
                        next = next + 1 == ring.Length ? 0 : next + 1;
                        span.Fill((byte)(sent / block));
                        syscalls++;
                        pipe.VmSpliceUnsafe(span);
                        sent += n;
                    }

                    pipe.CompleteWriting();
                    consumer.WaitDone();
                    m = probe.Stop(drained, syscalls + consumerCalls, countFaults: true);
                }
                finally
                {
                    foreach (AlignedBuffer buffer in ring)
                    {
                        buffer.Dispose();
                    }
                }
            }
            else
            {
                // Into TCP the pages are given away after each splice: 2 MiB leases make that one huge page each.
                int leaseLength = consumerKind == "tcp" ? AlignedBuffer.HugePageSize : block;
                using var ring = new PipeBufferRing(pipe, leaseLength);
                for (int i = 0; i < ring.Count; i++)
                {
                    ring.Next().Span.Clear(); // first touch before the clock, as the C twin's memset
                }

                Probe probe = Probe.Start();
                consumer.Start();
                receiver?.Start();
                for (long sent = 0; sent < size;)
                {
                    PipeBuffer lease = ring.Next();
                    Span<byte> span = lease.Span;
                    int filled = 0;
                    while (filled < leaseLength && sent + filled < size)
                    {
                        int n = (int)Math.Min(block, Math.Min(leaseLength - filled, size - sent - filled));
                        span.Slice(filled, n).Fill((byte)((sent + filled) / block));
                        filled += n;
                    }

                    syscalls += 2; // vmsplice, and mmap where pages are given away (a lower bound elsewhere)
                    pipe.VmSplice(lease, filled);
                    sent += filled;
                }

                pipe.CompleteWriting();
                consumer.WaitDone();
                if (consumerKind == "tcp")
                {
                    client.Shutdown(SocketShutdown.Send);
                    receiver!.WaitDone();
                }

                m = probe.Stop(drained, syscalls + consumerCalls, countFaults: true);
            }
        }
        finally
        {
            consumer.Release();
            receiver?.Dispose();
            peer?.Dispose();
        }

        if (consumerKind == "tcp" && Volatile.Read(ref received) != m.Bytes)
        {
            throw new InvalidOperationException($"the receiver got {received} of {m.Bytes} bytes");
        }

        return m;
    }

    private static Measurement AnonymousPipe(BenchFiles files)
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.None);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        // The scenario's 1 MiB pipe: set-up, not part of the built-in's data path.
        Zcn.pipe_set_size((int)server.SafePipeHandle.DangerousGetHandle(), PipeCapacity);
        long drained = 0;
        using var consumer = new Worker(() =>
        {
            byte[] buffer = new byte[files.Block];
            long got = 0;
            int n;
            while ((n = client.Read(buffer)) > 0)
            {
                got += n;
            }

            drained = got;
        }, startNow: false);
        byte[] data = new byte[files.Block];
        data.AsSpan().Fill(0x5a);
        Probe probe = Probe.Start();
        consumer.Start();
        for (long sent = 0; sent < files.Size;)
        {
            int n = (int)Math.Min(files.Block, files.Size - sent);
            server.Write(data, 0, n);
            sent += n;
        }

        server.Dispose();
        consumer.WaitDone();
        Measurement m = probe.Stop(drained, -1);
        consumer.Release();
        return m;
    }

    // ---- file-to-file -------------------------------------------------------------------------------------------

    private static Measurement FileToFile(string method, BenchFiles files)
    {
        try
        {
            return CopyOnce(method, files);
        }
        finally
        {
            // Unlinked before its dirty pages are written back, so no run pays for the previous run's write-back.
            File.Delete(files.Destination);
        }
    }

    private static Measurement CopyOnce(string method, BenchFiles files)
    {
        long size = files.Size;
        if (method == "bcl-filecopy")
        {
            Probe probe = Probe.Start();
            File.Copy(files.Data, files.Destination, overwrite: true);
            return probe.Stop(size, -1);
        }

        if (method == "bcl-copyto")
        {
            using var source = new FileStream(files.Data, FileMode.Open, FileAccess.Read);
            using var target = new FileStream(files.Destination, FileMode.Create, FileAccess.Write);
            Probe probe = Probe.Start();
            source.CopyTo(target);
            return probe.Stop(source.Position, -1);
        }

        using SafeFileHandle input = File.OpenHandle(files.Data, FileMode.Open, FileAccess.Read);
        using SafeFileHandle output = File.OpenHandle(files.Destination, FileMode.Create, FileAccess.Write);
        long syscalls = 0;
        switch (method)
        {
            case "readwrite":
            case "sendfile":
                return SendFileLike(method, input, output, null, files);
            case "copy_file_range":
            {
                Probe probe = Probe.Start();
                syscalls++;
                long n = ZeroCopy.CopyFileRange(input, 0, output, 0, size);
                return probe.Stop(n, syscalls);
            }
            case "auto":
            {
                Probe probe = Probe.Start();
                syscalls++;
                TransferResult result = ZeroCopy.Transfer(input, output);
                return probe.Stop(result.Bytes, syscalls);
            }
            default:
                throw new InvalidOperationException("unknown method " + method);
        }
    }

    // ---- scan ---------------------------------------------------------------------------------------------------

    /// <summary>Keeps the scans' results alive, so no loop is optimised away.</summary>
    public static ulong Sink;

    private static Measurement Scan(string method, BenchFiles files)
    {
        long size = files.Size;
        long syscalls = 0;
        ulong x = 0;
        Measurement m;
        switch (method)
        {
            case "read":
            {
                using SafeFileHandle input = File.OpenHandle(files.Data, FileMode.Open, FileAccess.Read);
                using var buffer = new AlignedBuffer(files.Block, 4096);
                Span<byte> block = buffer.Span;
                Probe probe = Probe.Start();
                long total = 0;
                while (true)
                {
                    syscalls++;
                    int r = ZeroCopy.Read(input, null, block);
                    if (r == 0)
                    {
                        break;
                    }

                    x ^= Xor(block[..r]);
                    total += r;
                }

                m = probe.Stop(total, syscalls);
                break;
            }
            case "bcl-randomaccess":
            {
                using SafeFileHandle input = File.OpenHandle(files.Data, FileMode.Open, FileAccess.Read);
                byte[] buffer = GC.AllocateUninitializedArray<byte>(files.Block, pinned: true);
                Probe probe = Probe.Start();
                long total = 0;
                int r;
                while ((r = RandomAccess.Read(input, buffer, total)) > 0)
                {
                    x ^= Xor(buffer.AsSpan(0, r));
                    total += r;
                }

                m = probe.Stop(total, -1);
                break;
            }
            case "mmap":
            case "mmap-populate":
            {
                using SafeFileHandle input = File.OpenHandle(files.Data, FileMode.Open, FileAccess.Read);
                Probe probe = Probe.Start();
                using (MappedFile map = MappedFile.Map(input, MappedFileAccess.ReadOnly, 0, size))
                {
                    if (method == "mmap")
                    {
                        map.Advise(MappedFileAdvice.Sequential);
                    }
                    else
                    {
                        map.Prefetch();
                    }

                    syscalls += 3; // mmap, madvise, munmap
                    const int window = 1 << 30;
                    for (long offset = 0; offset < size; offset += window)
                    {
                        x ^= Xor(map.GetReadOnlySpan(offset, (int)Math.Min(window, size - offset)));
                    }
                }

                m = probe.Stop(size, syscalls);
                break;
            }
            case "bcl-mmf-accessor":
            {
                Probe probe = Probe.Start();
                using (var mmf = MemoryMappedFile.CreateFromFile(files.Data, FileMode.Open, null, 0, MemoryMappedFileAccess.Read))
                using (MemoryMappedViewAccessor view = mmf.CreateViewAccessor(0, size, MemoryMappedFileAccess.Read))
                {
                    ulong a = 0;
                    for (long position = 0; position + 8 <= size; position += 8)
                    {
                        a ^= (ulong)view.ReadInt64(position);
                    }

                    x ^= a;
                }

                m = probe.Stop(size, -1);
                break;
            }
            default:
                throw new InvalidOperationException("unknown method " + method);
        }

        Sink ^= x;
        return m;
    }

    /// <summary>Reads every byte: an xor of 64-bit words, 16-byte vectors four at a time through one moving pointer, as
    /// the C reference's loop compiles.</summary>
    internal static unsafe ulong Xor(ReadOnlySpan<byte> data)
    {
        Vector128<ulong> a = default, b = default, c = default, d = default;
        fixed (byte* start = data)
        {
            byte* p = start;
            byte* end = start + data.Length;
            for (; end - p >= 64; p += 64)
            {
                a ^= Vector128.Load((ulong*)p);
                b ^= Vector128.Load((ulong*)(p + 16));
                c ^= Vector128.Load((ulong*)(p + 32));
                d ^= Vector128.Load((ulong*)(p + 48));
            }

            Vector128<ulong> v = a ^ b ^ c ^ d;
            ulong x = v.GetElement(0) ^ v.GetElement(1);
            for (; p < end; p++)
            {
                x ^= *p;
            }

            return x;
        }
    }

    // ---- cold-read ----------------------------------------------------------------------------------------------

    /// <summary>The threads of odirect-4threads, each with one request in flight.</summary>
    private const int ColdThreads = 4;

    private static Measurement ColdRead(string method, BenchFiles files)
    {
        Measurement m = method switch
        {
            "odirect" => ColdReadDirect(files, threads: 1),
            "odirect-4threads" => ColdReadDirect(files, ColdThreads),
            _ => ColdReadBuffered(files),
        };
        using MappedFile map = MappedFile.Open(files.Cold);
        return m with { ResidentBytes = map.ResidentBytes() };
    }

    private static Measurement ColdReadBuffered(BenchFiles files)
    {
        long syscalls = 0;
        long total = 0;
        using SafeFileHandle input = File.OpenHandle(files.Cold, FileMode.Open, FileAccess.Read);
        int fd = (int)input.DangerousGetHandle();
        Errors.Check(Zcn.fadvise(fd, 0, 0, (int)FileAdvice.DONTNEED), "fadvise");
        using var buffer = new AlignedBuffer(ColdBlock, 4096);
        Span<byte> block = buffer.Span;
        Probe probe = Probe.Start();
        int r;
        do
        {
            syscalls++;
            r = ZeroCopy.Read(input, total, block);
            total += r;
        }
        while (r == ColdBlock);

        return probe.Stop(total, syscalls);
    }

    /// <summary>
    /// O_DIRECT reads of 1 MiB, each thread into a buffer of a whole huge page (2 MiB) so that a request reaches the
    /// device as one segment where the kernel grants the huge page (the requests use its first 1 MiB). One thread
    /// keeps one request in flight; several threads take the next 1 MiB of the file in turn, so that as many
    /// requests are in flight as there are threads. The huge-page share is the kernel's answer after the run, over
    /// all the buffers.
    /// </summary>
    private static Measurement ColdReadDirect(BenchFiles files, int threads)
    {
        using DirectFile file = DirectFile.Open(files.Cold, FileMode.Open, FileAccess.Read);
        file.Advise(FileAccessAdvice.DontNeed);
        int length = Math.Max(ColdBlock, AlignedBuffer.HugePageSize);
        int alignment = Math.Max(4096, file.Alignment.BufferAlignment);
        var buffers = new AlignedBuffer[threads];
        var workers = new Worker[threads - 1];
        long next = 0, total = 0, syscalls = 0;

        // Reads the next 1 MiB of the file until a request ends at or past the end of the file.
        void ReadShare(AlignedBuffer buffer)
        {
            Span<byte> block = buffer.Span[..ColdBlock];
            long bytes = 0, calls = 0;
            int r;
            do
            {
                long offset = Interlocked.Add(ref next, ColdBlock) - ColdBlock;
                calls++;
                r = file.Read(block, offset);
                bytes += r;
            }
            while (r == ColdBlock);

            Interlocked.Add(ref total, bytes);
            Interlocked.Add(ref syscalls, calls);
        }

        try
        {
            for (int t = 0; t < threads; t++)
            {
                buffers[t] = new AlignedBuffer(length, alignment);
            }

            // The calling thread reads too: one thread is the plain loop, n threads are it plus n - 1 workers.
            for (int t = 1; t < threads; t++)
            {
                AlignedBuffer buffer = buffers[t];
                workers[t - 1] = new Worker(() => ReadShare(buffer), startNow: false);
            }

            Probe probe = Probe.Start();
            foreach (Worker w in workers)
            {
                w.Start();
            }

            ReadShare(buffers[0]);
            foreach (Worker w in workers)
            {
                w.WaitDone();
            }

            Measurement m = probe.Stop(Interlocked.Read(ref total), Interlocked.Read(ref syscalls));
            long huge = 0;
            foreach (AlignedBuffer b in buffers)
            {
                huge += b.HugePageBytes();
            }

            return m with { HugePages = new HugePageShare(huge, (long)length * threads) };
        }
        finally
        {
            foreach (Worker? w in workers)
            {
                w?.Dispose();
            }

            foreach (AlignedBuffer? b in buffers)
            {
                b?.Dispose();
            }
        }
    }

    /// <summary>
    /// A helper thread that stays alive after its work until released, so the end sample of a measurement still sees
    /// its context switches in /proc/self/task (getrusage(RUSAGE_SELF) on the C side counts exited threads too).
    /// </summary>
    private sealed class Worker : IDisposable
    {
        private readonly Thread _thread;
        private readonly ManualResetEventSlim _done = new();
        private readonly ManualResetEventSlim _release = new();
        private Exception? _error;

        public Worker(Action work, bool startNow = true)
        {
            _thread = new Thread(() =>
            {
                try
                {
                    work();
                }
                catch (Exception e)
                {
                    _error = e;
                }

                _done.Set();
                _release.Wait();
            }) { IsBackground = true, Name = "zcn-bench-worker" };
            if (startNow)
            {
                _thread.Start();
            }
        }

        public void Start() => _thread.Start();

        public void WaitDone()
        {
            _done.Wait();
            if (_error != null)
            {
                throw new InvalidOperationException("the helper thread failed: " + _error.Message, _error);
            }
        }

        public void Release() => _release.Set();

        public void Dispose()
        {
            _release.Set();
            if (_thread.ThreadState != ThreadState.Unstarted)
            {
                _thread.Join();
            }

            _done.Dispose();
            _release.Dispose();
        }
    }
}
