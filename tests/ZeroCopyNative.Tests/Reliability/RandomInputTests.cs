using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Reliability;

/// <summary>
/// Random input: at least 100,000 seeded random calls across the public API, with negative and huge counts, offsets
/// beyond the end of files, closed and invalid handles, misaligned buffers and handles of the wrong kind. Only the
/// documented exception types may come out (the ArgumentException family, ObjectDisposedException,
/// ZeroCopyException, and NotSupportedException, InvalidOperationException and OutOfMemoryException where documented);
/// the process must not crash or hang, and the descriptor count must end level.
/// </summary>
/// <remarks>
/// The seed is printed; set ZCN_RANDOM_SEED to replay a run. The world is built so that no call can wait forever:
/// every readable stream ends (pipes and sockets whose writers are gone), every pipe the test writes into is drained
/// after each call, and the files written are never the files read, so no copy can feed itself. A watchdog ends the
/// process with the seed and the call if one call ever takes more than a minute.
/// </remarks>
[Category("Reliability")]
public sealed class RandomInputTests
{
    private const int Calls = 100_000;
    private const int DefaultSeed = 20261124;

    [Test]
    public void HundredThousandSeededRandomCalls_RaiseOnlyDocumentedExceptions()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("ZCN_RANDOM_SEED");
        int seed = string.IsNullOrEmpty(fromEnvironment)
            ? DefaultSeed
            : int.Parse(fromEnvironment, NumberStyles.Integer, CultureInfo.InvariantCulture);
        Report.Figure($"random: seed {seed} (set ZCN_RANDOM_SEED to replay)");

        ProcessState.EmptyPipePool();
        ProcessState.Settle();
        Dictionary<int, string> fdsBefore = ProcessState.FdTargets();
        long alignedBefore = Zcn.aligned_outstanding();
        var seen = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int succeeded = 0;
        var watch = Stopwatch.StartNew();
        using (var world = new World(seed))
        using (var watchdog = new Watchdog(seed))
        {
            for (int i = 0; i < Calls; i++)
            {
                watchdog.Enter(i, world);
                Exception? caught = null;
                try
                {
                    world.Call();
                }
                catch (Exception e)
                {
                    caught = e;
                }

                watchdog.Leave();
                if (caught == null)
                {
                    succeeded++;
                }
                else
                {
                    if (!IsDocumented(caught, world.LastOperation))
                    {
                        Assert.Fail($"seed {seed}, call {i} ({world.LastOperation}: {world.LastArguments}): undocumented " +
                                    $"exception {caught}");
                    }

                    string key = caught is ZeroCopyException z ? $"ZeroCopyException({z.Operation}, {z.Errno})" : caught.GetType().Name;
                    seen[key] = seen.GetValueOrDefault(key) + 1;
                }

                world.Restore();
            }
        }

        watch.Stop();
        ProcessState.EmptyPipePool();
        ProcessState.Settle();
        Dictionary<int, string> fdsAfter = ProcessState.FdTargets();
        string added = string.Join(", ", fdsAfter.Where(p => !fdsBefore.ContainsKey(p.Key)).Select(p => $"{p.Key}->{p.Value}"));
        string[] types = seen.Keys.Select(k => k.Split('(')[0]).Distinct().ToArray();
        string[] errnos = seen.Keys.Where(k => k.StartsWith("ZeroCopyException", StringComparison.Ordinal))
                                   .Select(k => k.Split(", ")[1].TrimEnd(')')).Distinct().ToArray();
        Report.Figure($"random: {Calls} calls with seed {seed} in {watch.ElapsedMilliseconds} ms: {succeeded} succeeded, " +
                      $"{Calls - succeeded} threw; {types.Length} distinct exception types ({string.Join(", ", types)}), " +
                      $"{errnos.Length} distinct errnos ({string.Join(", ", errnos)}), {seen.Count} distinct (type, operation, errno); " +
                      $"descriptors {fdsBefore.Count} -> {fdsAfter.Count}");
        foreach ((string key, int count) in seen)
        {
            TestContext.Out.WriteLine($"  {count,7}  {key}");
        }

        Assert.That(fdsAfter.Count, Is.LessThanOrEqualTo(fdsBefore.Count), $"seed {seed}: descriptors leaked: {added}");
        Assert.That(Zcn.aligned_outstanding(), Is.EqualTo(alignedBefore), $"seed {seed}: aligned buffers leaked");
        Assert.That(succeeded, Is.GreaterThan(Calls / 20), "almost nothing succeeded: the generator is broken");
        Assert.That(errnos.Length, Is.GreaterThanOrEqualTo(8), "the calls reached too few kernel errors");
    }

    private static bool IsDocumented(Exception e, string operation) => e switch
    {
        ArgumentException => true, // ArgumentNullException and ArgumentOutOfRangeException included
        ObjectDisposedException => true,
        ZeroCopyException => true,
        // Documented: a transfer between one file's overlapping ranges, or one that could never end.
        SameFileException => operation.StartsWith("Transfer", StringComparison.Ordinal),
        // Documented: opening a path throws what File.OpenHandle throws (FileNotFoundException,
        // DirectoryNotFoundException, PathTooLongException, UnauthorizedAccessException).
        IOException or UnauthorizedAccessException => operation is "MappedFile" or "DirectFile",
        // Documented: Transfer(Stream) for unreadable/unwritable streams, DirectFile for filesystems without O_DIRECT,
        // MappedFile for writable views of read-only mappings.
        NotSupportedException => operation is "Transfer(Stream)" or "DirectFile" or "MappedFile.View",
        // Documented: a locked PipeBuffer, a mapping longer than a span.
        InvalidOperationException => operation is "PipeBuffer" or "MappedFile.View",
        // Documented: posix_memalign's ENOMEM.
        OutOfMemoryException => operation is "AlignedBuffer",
        _ => false,
    };

    /// <summary>Ends the process, with the seed and the call, if one call takes more than a minute: a hang must not
    /// wait for the CI timeout to be noticed, and a hung system call cannot be interrupted from managed code.</summary>
    private sealed class Watchdog : IDisposable
    {
        private readonly Thread _thread;
        private readonly int _seed;
        private long _enteredAt;
        private int _index;
        private World? _world;
        private volatile bool _stop;

        public Watchdog(int seed)
        {
            _seed = seed;
            _thread = new Thread(Watch) { IsBackground = true, Name = "random-input-watchdog" };
            _thread.Start();
        }

        public void Enter(int index, World world)
        {
            _index = index;
            _world = world;
            Volatile.Write(ref _enteredAt, Stopwatch.GetTimestamp());
        }

        public void Leave() => Volatile.Write(ref _enteredAt, 0);

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
        }

        private void Watch()
        {
            while (!_stop)
            {
                Thread.Sleep(200);
                long entered = Volatile.Read(ref _enteredAt);
                if (entered != 0 && Stopwatch.GetElapsedTime(entered) > TimeSpan.FromMinutes(1))
                {
                    Environment.FailFast($"random input: seed {_seed}, call {_index} ({_world?.LastOperation}: " +
                                         $"{_world?.LastArguments}) has not returned in a minute");
                }
            }
        }
    }

    /// <summary>The handles, objects and value generators the calls draw from.</summary>
    private sealed class World : IDisposable
    {
        private const int SourceLength = 16384;
        private readonly Random _random;
        private readonly ScratchDirectory _scratch = new();
        private readonly string _shm;
        private readonly List<IDisposable> _owned = new();
        private readonly SafeFileHandle _srcRo;
        private readonly SafeFileHandle _srcMemFd;
        private readonly SafeFileHandle _dstRw;
        private readonly SafeFileHandle _dstWo;
        private readonly SafeFileHandle _dstAppend;
        private readonly SafeFileHandle _dstMemFd;
        private readonly SafeFileHandle _dir;
        private readonly SafeFileHandle _devNull;
        private readonly SafeFileHandle _closed;
        private readonly SafeFileHandle _invalid = new(-1, ownsHandle: false);
        private readonly SafeFileHandle _widowed;
        private readonly Pipe _sink;
        private readonly Pipe _deadReaderPipe;
        private readonly Pipe _full;
        private readonly SocketPair _deadPeer;
        private SafeFileHandle _eofPipeReader = null!;
        private SocketPair _eofSocket = null!;
        private readonly byte[] _drain = new byte[65536];

        public World(int seed)
        {
            _random = new Random(seed);
            _shm = Directory.Exists("/dev/shm") ? Path.Combine("/dev/shm", $"zcn-random-{Environment.ProcessId}-{Guid.NewGuid():N}") : _scratch.File("shm");
            Directory.CreateDirectory(_shm);
            _scratch.CreateFile("source", SourceLength, seed: 3);
            _srcRo = Own(File.OpenHandle(_scratch.File("source")));
            // Sources are read-only, so that no call (a Try* call may write into any handle) can grow one: a source that
            // grows without end would make a transfer from it into the sink pipe wait forever.
            using (SafeFileHandle writable = MemFd.Create("zcn-random-source"))
            {
                RandomAccess.Write(writable, ScratchDirectory.Pattern(8192, 4), 0);
                _srcMemFd = Own(File.OpenHandle($"/proc/self/fd/{(int)writable.DangerousGetHandle()}", FileMode.Open, FileAccess.Read));
            }
            _dstRw = Own(File.OpenHandle(Path.Combine(_shm, "rw"), FileMode.Create, FileAccess.ReadWrite));
            _dstWo = Own(File.OpenHandle(Path.Combine(_shm, "wo"), FileMode.Create, FileAccess.Write));
            File.WriteAllBytes(Path.Combine(_shm, "append"), new byte[10]);
            _dstAppend = Own(Fds.Open(Path.Combine(_shm, "append"), OpenFlags.WRONLY | OpenFlags.APPEND));
            _dstMemFd = Own(MemFd.Create("zcn-random-destination", MemFdOptions.AllowSealing));
            _dir = Own(Fds.Open(_scratch.Path, OpenFlags.RDONLY | OpenFlags.DIRECTORY));
            _devNull = Own(File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite));
            _closed = File.OpenHandle(_scratch.File("source"));
            _closed.Dispose();
            _widowed = Own(Fds.WidowedPipeWriter());
            _sink = Own(Pipe.Create());
            _deadReaderPipe = Own(Pipe.Create());
            _deadReaderPipe.Reader.Dispose();
            _full = Own(Pipe.Create(nonBlocking: true));
            Fds.FillUntilFull(_full.Writer);
            _deadPeer = Own(SocketPair.Unix());
            _deadPeer.Right.Dispose();
            Replenish();
        }

        public string LastOperation { get; private set; } = "";

        public string LastArguments { get; private set; } = "";

        private T Own<T>(T item) where T : IDisposable
        {
            _owned.Add(item);
            return item;
        }

        /// <summary>Fresh finite streams: a pipe with data and no writer, a socket with data whose peer shut down.</summary>
        private void Replenish()
        {
            _eofPipeReader?.Dispose();
            (SafeFileHandle reader, SafeFileHandle writer) = Fds.RawPipe();
            unsafe
            {
                byte[] data = ScratchDirectory.Pattern(3000, 5);
                fixed (byte* p = data)
                {
                    Zcn.write((int)writer.DangerousGetHandle(), p, (ulong)data.Length);
                }
            }

            writer.Dispose();
            _eofPipeReader = reader;
            _eofSocket?.Dispose();
            _eofSocket = SocketPair.Unix();
            _eofSocket.Left.Send(new byte[2000]);
            _eofSocket.Left.Shutdown(SocketShutdown.Send);
            // Nobody reads the peer: the calls that may write into this socket must never wait for room.
            _eofSocket.Right.Blocking = false;
        }

        // ---- value generators ------------------------------------------------------------------------------

        private T Pick<T>(params T[] items) => items[_random.Next(items.Length)];

        private long Count() => _random.Next(4) == 0
            ? _random.Next(0, 20000)
            : Pick(-1L, long.MinValue, 0L, 1L, 100L, 4096L, 16384L, 16385L, 1L << 20, int.MaxValue, long.MaxValue);

        private int IntCount() => _random.Next(3) == 0
            ? _random.Next(-10, 70000)
            : Pick(-1, int.MinValue, 0, 1, 511, 512, 4096, 65536, 65537, 1 << 20, int.MaxValue);

        private long Offset() => _random.Next(4) == 0
            ? _random.Next(0, 20000)
            : Pick(-1L, long.MinValue, 0L, 1L, 511L, 512L, 4096L, 16383L, 16384L, 16385L, 1L << 40, long.MaxValue - 10, long.MaxValue);

        private long? NullableOffset() => _random.Next(3) == 0 ? null : Offset();

        /// <summary>Handles that can be read without waiting forever (or are wrong in a way that fails at once).</summary>
        private SafeHandle Source() => Pick<SafeHandle>(_srcRo, _srcMemFd, _dstWo, _dir, _devNull, _closed, _invalid, _widowed,
                                                         _eofPipeReader, _deadPeer.Left.SafeHandle, _eofSocket.Right.SafeHandle,
                                                         _sink.Writer, _dstAppend, null!);

        /// <summary>Handles that can be written without waiting forever (the sink pipe is drained after every call).</summary>
        private SafeHandle Destination() => Pick<SafeHandle>(_dstRw, _dstWo, _dstAppend, _dstMemFd, _srcRo, _dir, _devNull, _closed,
                                                              _invalid, _widowed, _eofPipeReader, _deadPeer.Left.SafeHandle,
                                                              _sink.Writer, _sink.Reader, null!);

        /// <summary>Any handle, for the calls that never wait (Try*, queries).</summary>
        private SafeHandle AnyHandle() => _random.Next(2) == 0 ? Source() : Pick<SafeHandle>(Destination(), _full.Writer, _full.Reader);

        private SafeFileHandle FileHandle() => (Pick<SafeHandle>(_srcRo, _srcMemFd, _dstRw, _dstMemFd, _dstWo, _dstAppend, _dir,
                                                                 _devNull, _closed, _invalid, _widowed, _eofPipeReader) as SafeFileHandle)!;

        private SafeFileHandle SourceFile() => (Pick<SafeHandle>(_srcRo, _srcMemFd, _dstWo, _dir, _devNull, _closed, _invalid,
                                                                 _eofPipeReader, null!) as SafeFileHandle)!;

        private SafeFileHandle DestinationFile() => (Pick<SafeHandle>(_dstRw, _dstWo, _dstAppend, _dstMemFd, _srcRo, _dir, _devNull,
                                                                      _closed, _invalid, _widowed, null!) as SafeFileHandle)!;

        private SpliceFlags Flags() => (SpliceFlags)Pick(0u, 1u, 2u, 4u, 8u, 0x10u, 0xffffffffu);

        private string Name(SafeHandle? h) => h == null ? "null" : h.IsClosed ? "closed" : h.IsInvalid ? "invalid" :
            ReferenceEquals(h, _srcRo) ? "srcRo" : ReferenceEquals(h, _srcMemFd) ? "srcMemFd" : ReferenceEquals(h, _dstRw) ? "dstRw" :
            ReferenceEquals(h, _dstWo) ? "dstWo" : ReferenceEquals(h, _dstAppend) ? "dstAppend" : ReferenceEquals(h, _dstMemFd) ? "dstMemFd" :
            ReferenceEquals(h, _dir) ? "dir" : ReferenceEquals(h, _devNull) ? "devNull" : ReferenceEquals(h, _widowed) ? "widowed" :
            ReferenceEquals(h, _eofPipeReader) ? "eofPipe" : h is System.Net.Sockets.SafeSocketHandle ? "socket" : "pipe-end";

        private void Note(string operation, string arguments)
        {
            LastOperation = operation;
            LastArguments = arguments;
        }

        // ---- the calls -----------------------------------------------------------------------------------------

        public void Call()
        {
            switch (_random.Next(24))
            {
                case 0:
                {
                    SafeHandle d = Destination();
                    SafeFileHandle s = SourceFile();
                    long o = Offset(), c = Count();
                    Note("SendFile", $"{Name(d)}, {Name(s)}, {o}, {c}");
                    ZeroCopy.SendFile(s, o, d, c);
                    break;
                }

                case 1:
                {
                    SafeHandle d = Pick(Destination(), _full.Writer);
                    SafeFileHandle s = SourceFile();
                    long o = Offset(), c = Count();
                    Note("TrySendFile", $"{Name(d)}, {Name(s)}, {o}, {c}");
                    ZeroCopy.TrySendFile(s, o, d, c, out _);
                    break;
                }

                case 2:
                {
                    SafeHandle s = Source(), d = Destination();
                    long? so = NullableOffset(), dO = NullableOffset();
                    long c = Count();
                    var f = (SpliceOptions)(int)(Flags() & ~SpliceFlags.NONBLOCK);
                    Note("Splice", $"{Name(s)}, {so}, {Name(d)}, {dO}, {c}, {f}");
                    ZeroCopy.Splice(s, so, d, dO, c, f);
                    break;
                }

                case 3:
                {
                    SafeHandle s = AnyHandle(), d = AnyHandle();
                    long? so = NullableOffset(), dO = NullableOffset();
                    long c = Count();
                    Note("TrySplice", $"{Name(s)}, {so}, {Name(d)}, {dO}, {c}");
                    ZeroCopy.TrySplice(s, so, d, dO, c, out _, (SpliceOptions)(int)Flags());
                    break;
                }

                case 4:
                {
                    SafeHandle s = Pick<SafeHandle>(_eofPipeReader, _srcRo, _widowed, _closed, _invalid, _sink.Writer, null!);
                    SafeHandle d = Pick<SafeHandle>(_sink.Writer, _widowed, _eofPipeReader, _dstRw, _closed, null!);
                    long c = Count();
                    Note("Tee", $"{Name(s)}, {Name(d)}, {c}");
                    ZeroCopy.Tee(s, d, c);
                    break;
                }

                case 5:
                {
                    SafeHandle s = AnyHandle(), d = AnyHandle();
                    long c = Count();
                    Note("TryTee", $"{Name(s)}, {Name(d)}, {c}");
                    ZeroCopy.TryTee(s, d, c, out _);
                    break;
                }

                case 6:
                {
                    SafeFileHandle s = SourceFile(), d = DestinationFile();
                    long? so = NullableOffset(), dO = NullableOffset();
                    long c = Count();
                    Note("CopyFileRange", $"{Name(s)}, {so}, {Name(d)}, {dO}, {c}");
                    ZeroCopy.CopyFileRange(s, so, d, dO, c);
                    break;
                }

                case 7:
                {
                    SafeHandle s = Source(), d = Destination();
                    long? c = _random.Next(3) == 0 ? null : Count();
                    Note("Transfer", $"{Name(s)}, {Name(d)}, {c}");
                    ZeroCopy.Transfer(s, d, c);
                    break;
                }

                case 8:
                    TransferStreams();
                    break;
                case 9:
                {
                    int? capacity = _random.Next(3) == 0 ? null : IntCount();
                    bool nonBlocking = _random.Next(2) == 0;
                    Note("Pipe", $"Create({capacity}, {nonBlocking})");
                    using Pipe pipe = Pipe.Create(capacity, nonBlocking);
                    int wanted = IntCount();
                    Note("Pipe", $"Capacity = {wanted}");
                    pipe.Capacity = wanted;
                    break;
                }

                case 10:
                    SinkPipeCall();
                    break;
                case 11:
                {
                    int minimum = IntCount();
                    Note("PipeBuffer", $"Rent({minimum})");
                    using PipeBuffer lease = PipeBuffer.Rent(Math.Min(minimum, 1 << 22));
                    int length = Pick(-1, 0, 1, 4096, Math.Min(lease.Length, 65536), lease.Length + 1, int.MaxValue);
                    Pipe target = Pick(_sink, _deadReaderPipe);
                    Note("PipeBuffer", $"VmSplice(lease of {lease.Length}, {length})");
                    lease.Span[..Math.Min(lease.Length, 100)].Fill(1);
                    target.VmSplice(lease, length);
                    if (_random.Next(2) == 0)
                    {
                        target.VmSplice(lease, 1); // locked: InvalidOperationException
                    }

                    break;
                }

                case 12:
                {
                    int length = _random.Next(0, 16384);
                    Pipe target = Pick(_sink, _deadReaderPipe);
                    Note("Pipe", $"VmSpliceUnsafe({length})");
                    target.VmSpliceUnsafe(new byte[length]); // the sink is drained before the array can go
                    break;
                }

                case 13:
                {
                    SafeFileHandle f = FileHandle();
                    var access = (MappedFileAccess)Pick(0, 1, 2, -1);
                    var sharing = (MappedFileSharing)Pick(0, 1, 2, -1);
                    long o = Offset(), l = Count();
                    Note("MappedFile", $"Map({Name(f)}, {access}, {o}, {l}, {sharing})");
                    using MappedFile map = MappedFile.Map(f, access, o, l, sharing);
                    MapCalls(map);
                    break;
                }

                case 14:
                {
                    string path = Pick(_scratch.File("source"), _scratch.Path, _scratch.File("missing"), "/dev/null", "a\0b",
                                       new string('x', 5000), "", "/proc/self/status");
                    var access = (MappedFileAccess)Pick(0, 1, 7);
                    Note("MappedFile", $"Open({path.Length} chars, {access})");
                    using MappedFile map = MappedFile.Open(path, access, Offset(), Count());
                    MapCalls(map);
                    break;
                }

                case 15:
                {
                    long length = Pick(-1L, 0L, 1L, 4096L, 65537L, 1L << 46, long.MaxValue);
                    Note("MappedFile", $"CreateAnonymous({length})");
                    using MappedFile map = MappedFile.CreateAnonymous(length, (MappedFileSharing)Pick(0, 1, 9));
                    MapCalls(map);
                    break;
                }

                case 16:
                {
                    long length = Pick(-1L, 0L, 1L, 4096L, 65537L, 1L << 50);
                    string name = Pick("", "x", new string('n', 249), new string('n', 250), "a\0b", null!);
                    Note("MappedFile", $"CreateSealed({length}, name of {name?.Length})");
                    using MappedFile map = MappedFile.CreateSealed(length, _random.Next(2) == 0, name!);
                    MapCalls(map);
                    MemFd.SetLength(map.FileHandle!, Count()); // shrinking is refused (EPERM)
                    break;
                }

                case 17:
                {
                    int length = Pick(-1, 0, 1, 100, 4096, 1 << 20);
                    int alignment = Pick(-1, 0, 1, 3, 4, 8, 64, 4096, 1 << 20, int.MinValue);
                    Note("AlignedBuffer", $"({length}, {alignment})");
                    using var buffer = new AlignedBuffer(length, alignment, zeroFill: _random.Next(2) == 0);
                    using System.Buffers.MemoryHandle pin = buffer.Pin(Pick(-1, 0, 1, length, length + 1));
                    buffer.Span.Fill(2);
                    break;
                }

                case 18:
                    DirectFileCalls();
                    break;
                case 19:
                {
                    string name = Pick("", "zcn", new string('m', 249), new string('m', 250), "a\0b", null!);
                    var flags = (MemFdOptions)Pick(0, 1, 2, 3, 4, 6, 8, int.MinValue);
                    Note("MemFd", $"Create(name of {name?.Length}, {flags})");
                    using SafeFileHandle memfd = MemFd.Create(name!, flags);
                    MemFd.SetLength(memfd, Pick(-1L, 0L, 4096L, 1L << 40, long.MaxValue));
                    MemFd.AddSeals(memfd, (FileSeals)Pick(0, 1, 2, 4, 8, 16, 0x40, -1));
                    MemFd.GetSeals(memfd);
                    break;
                }

                case 20:
                {
                    SafeFileHandle f = FileHandle();
                    Note("DirectFile", $"GetAlignment({Name(f)})");
                    DirectFile.GetAlignment(f);
                    MemFd.GetSeals(f);
                    break;
                }

                case 21:
                {
                    // A peer gone, a socket disposed, a socket shut down for sending: none can make the call wait.
                    Socket socket = Pick(_deadPeer.Left, _deadPeer.Right, _eofSocket.Left);
                    SafeFileHandle s = SourceFile();
                    long o = Offset(), c = Count();
                    Note("SendFileAsync", $"{Name(s)}, {o}, {c}");
                    System.Threading.Tasks.Task<long> task = ZeroCopy.SendFileAsync(s, o, socket, c).AsTask();
                    if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)))
                    {
                        Assert.Fail("SendFileAsync did not finish");
                    }

                    task.GetAwaiter().GetResult();
                    break;
                }

                case 22:
                    UseAfterDispose();
                    break;
                default:
                {
                    Note("Stream", "FileStream Transfer with random positions");
                    using var source = new FileStream(_scratch.File("source"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
                    source.Position = _random.Next(0, 20000);
                    ZeroCopy.Transfer(source, Stream.Null, _random.Next(2) == 0 ? null : Count());
                    break;
                }
            }
        }

        private void TransferStreams()
        {
            Stream MakeStream(bool reading)
            {
                switch (_random.Next(5))
                {
                    case 0:
                        return new FileStream(_scratch.File("source"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    case 1:
                        return new FileStream(Path.Combine(_shm, "stream"), FileMode.OpenOrCreate, reading ? FileAccess.ReadWrite : FileAccess.Write);
                    case 2:
                        var disposed = new MemoryStream(new byte[100]);
                        disposed.Dispose();
                        return disposed;
                    case 3:
                        return new MemoryStream(new byte[1000], writable: false);
                    default:
                        return new MemoryStream();
                }
            }

            using Stream source = MakeStream(true);
            using Stream destination = MakeStream(false);
            long? count = _random.Next(2) == 0 ? null : Count();
            Note("Transfer(Stream)", $"{source.GetType().Name} -> {destination.GetType().Name}, {count}");
            ZeroCopy.Transfer(source, destination, count);
        }

        private void SinkPipeCall()
        {
            switch (_random.Next(5))
            {
                case 0:
                {
                    int length = _random.Next(0, 16384);
                    Note("Pipe", $"Write({length})");
                    _sink.Write(new byte[length]);
                    break;
                }

                case 1:
                {
                    SafeHandle s = Pick<SafeHandle>(_srcRo, _srcMemFd, _eofPipeReader, _eofSocket.Right.SafeHandle, _devNull,
                                                    _closed, _dstWo, _widowed, null!);
                    long? o = NullableOffset();
                    long c = Count();
                    Note("Pipe", $"SpliceFrom({Name(s)}, {o}, {c})");
                    _sink.SpliceFrom(s, o, c, (SpliceOptions)(int)(Flags() & ~SpliceFlags.NONBLOCK));
                    break;
                }

                case 2:
                {
                    // Out of a pipe with a finite content and no writer, into anything.
                    using Pipe pipe = Pipe.Create();
                    pipe.Write(new byte[_random.Next(0, 8192)]);
                    pipe.CompleteWriting();
                    SafeHandle d = Destination();
                    long? o = NullableOffset();
                    long c = Count();
                    Note("Pipe", $"SpliceTo({Name(d)}, {o}, {c})");
                    pipe.SpliceTo(d, o, c);
                    break;
                }

                case 3:
                {
                    using Pipe source = Pipe.Create();
                    source.Write(new byte[_random.Next(1, 8192)]);
                    long c = Count();
                    Pipe target = Pick(_sink, source, _deadReaderPipe);
                    Note("Pipe", $"TeeTo({(ReferenceEquals(target, source) ? "itself" : "other")}, {c})");
                    source.TeeTo(target, c);
                    break;
                }

                default:
                {
                    using Pipe pipe = Pipe.Create();
                    pipe.CompleteWriting();
                    Note("Pipe", "Read/Write after CompleteWriting");
                    pipe.Read(new byte[_random.Next(0, 10)]);
                    pipe.Write(new byte[1]);
                    break;
                }
            }
        }

        private void MapCalls(MappedFile map)
        {
            long o = Offset(), l = Count();
            switch (_random.Next(6))
            {
                case 0:
                    Note("MappedFile.View", $"Flush({o}, {l})");
                    map.Flush(o, l, _random.Next(2) == 0);
                    break;
                case 1:
                {
                    var advice = (MappedFileAdvice)Pick(0, 1, 2, 3, 4, 5, 6, 11, 17, 18, 99);
                    Note("MappedFile.View", $"Advise({advice}, {o}, {l})");
                    map.Advise(advice, o, l);
                    break;
                }

                case 2:
                    Note("MappedFile.View", $"Prefetch({o}, {l})");
                    map.Prefetch(o, l);
                    break;
                case 3:
                    Note("MappedFile.View", $"ResidentBytes({o}, {l})");
                    map.ResidentBytes(o, l);
                    break;
                case 4:
                {
                    int length = IntCount();
                    Note("MappedFile.View", $"GetReadOnlySpan({o}, {length})");
                    ReadOnlySpan<byte> span = map.GetReadOnlySpan(o, length);
                    _ = span.Length > 0 ? span[0] : (byte)0;
                    break;
                }

                default:
                    Note("MappedFile.View", "Span");
                    map.Span.Fill(5); // read-only mappings refuse (NotSupportedException)
                    break;
            }
        }

        private void DirectFileCalls()
        {
            string path = Pick(_scratch.File("direct"), _scratch.File("direct2"), _scratch.Path, _scratch.File("missing/x"), "a\0b");
            var mode = (FileMode)Pick(1, 2, 3, 4, 5, 6, 0, 9);
            var access = (FileAccess)Pick(1, 2, 3, 0, 7);
            Note("DirectFile", $"Open({path.Length} chars, {mode}, {access})");
            using DirectFile file = DirectFile.Open(path, mode, access);
            using var buffer = new AlignedBuffer(16384, 4096);
            int start = Pick(0, 0, 1, 512, 4096);
            int length = Pick(0, 512, 4096, 100, 8192, 16384 - start);
            long offset = Pick(0L, 512L, 4096L, 100L, -512L, 1L << 40);
            Span<byte> window = buffer.Span.Slice(start, Math.Min(length, 16384 - start));
            Note("DirectFile", $"{(path.Length)} chars: I/O at buffer+{start}, {window.Length} bytes, offset {offset}");
            if (_random.Next(2) == 0)
            {
                file.Read(window, offset);
            }
            else
            {
                file.Write(window, offset);
                file.SetLength(Math.Min(file.Length, 1 << 20));
            }

            file.Advise((FileAccessAdvice)Pick(0, 1, 4, 77), Offset() & 0xffff, Count() & 0xffff);
        }

        private void UseAfterDispose()
        {
            switch (_random.Next(4))
            {
                case 0:
                {
                    Pipe pipe = Pipe.Create();
                    pipe.Dispose();
                    Note("Pipe", "after Dispose");
                    pipe.SpliceFrom(_srcRo, 0, 10);
                    break;
                }

                case 1:
                {
                    MappedFile map = MappedFile.CreateAnonymous(4096);
                    map.Dispose();
                    Note("MappedFile.View", "after Dispose");
                    map.Prefetch();
                    break;
                }

                case 2:
                {
                    var buffer = new AlignedBuffer(64, 64);
                    buffer.Dispose();
                    Note("AlignedBuffer", "after Dispose");
                    buffer.Pin();
                    break;
                }

                default:
                {
                    PipeBuffer lease = PipeBuffer.Rent();
                    lease.Dispose();
                    Note("PipeBuffer", "after Dispose");
                    _sink.VmSplice(lease, 1);
                    break;
                }
            }
        }

        /// <summary>After every call: drain the sink, keep the written files small, refresh the finite streams.</summary>
        public void Restore()
        {
            for (int available = _sink.BytesAvailable; available > 0; available = _sink.BytesAvailable)
            {
                _sink.Read(_drain.AsSpan(0, Math.Min(available, _drain.Length)));
            }

            foreach (SafeFileHandle file in new[] { _dstRw, _dstWo, _dstMemFd })
            {
                if (RandomAccess.GetLength(file) > (1 << 20))
                {
                    Zcn.ftruncate((int)file.DangerousGetHandle(), 0);
                }
            }

            // The append file only grows: start it over now and then.
            if (_random.Next(200) == 0 || RandomAccess.GetLength(_dstAppend) > (1 << 20))
            {
                Zcn.ftruncate((int)_dstAppend.DangerousGetHandle(), 10);
            }

            if (_random.Next(50) == 0)
            {
                Replenish();
            }

            Zcn.lseek((int)_srcRo.DangerousGetHandle(), 0, (int)Whence.SEEK_SET);
            Zcn.lseek((int)_srcMemFd.DangerousGetHandle(), 0, (int)Whence.SEEK_SET);
        }

        public void Dispose()
        {
            _eofPipeReader.Dispose();
            _eofSocket.Dispose();
            for (int i = _owned.Count - 1; i >= 0; i--)
            {
                _owned[i].Dispose();
            }

            _scratch.Dispose();
            Directory.Delete(_shm, recursive: true);
        }
    }
}
