using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Reliability;

/// <summary>
/// The errno matrix of the safe API, in the manner of LTP's per-syscall tables: one row per documented failure of
/// each public operation. A row names the exception type, and for a <see cref="ZeroCopyException"/> the errno and the
/// operation; the runner also checks that the failure left nothing behind (descriptors, mappings), that no byte moved
/// (<see cref="ZeroCopyException.BytesTransferred"/> is 0, no byte queued in the fixture's pipe), and that the file
/// positions the API documents as untouched are untouched.
/// </summary>
[Category("Reliability")]
public sealed class ErrnoMatrixTests
{
    /// <summary>The descriptors a row may use: fresh for every row.</summary>
    private sealed class Bench : IDisposable
    {
        private readonly List<IDisposable> _owned = new();

        public Bench()
        {
            Scratch = new ScratchDirectory();
            Data = Scratch.CreateFile("data", 8192);
            DataPath = Scratch.File("data");
            Ro = Own(Fds.Open(DataPath, OpenFlags.RDONLY));
            Rw = Own(Fds.Open(DataPath, OpenFlags.RDWR));
            Wo = Own(Fds.Open(DataPath, OpenFlags.WRONLY));
            Append = Own(Fds.Open(DataPath, OpenFlags.WRONLY | OpenFlags.APPEND));
            Directory = Own(Fds.Open(Scratch.Path, OpenFlags.RDONLY | OpenFlags.DIRECTORY));
            Pipe = Own(ZeroCopyNative.Pipe.Create());
            FullPipe = Own(ZeroCopyNative.Pipe.Create(nonBlocking: true));
            Fds.FillUntilFull(FullPipe.Writer);
            WidowedWriter = Own(Fds.WidowedPipeWriter());
            Sockets = Own(SocketPair.Unix());
            DeadPeer = Own(SocketPair.Unix());
            DeadPeer.Right.Dispose();
            Closed = Fds.Open(DataPath, OpenFlags.RDONLY);
            Closed.Dispose();
            Invalid = new SafeFileHandle(-1, ownsHandle: false);
        }

        public ScratchDirectory Scratch { get; }
        public byte[] Data { get; }
        public string DataPath { get; }
        public SafeFileHandle Ro { get; }
        public SafeFileHandle Rw { get; }
        public SafeFileHandle Wo { get; }
        public SafeFileHandle Append { get; }
        public SafeFileHandle Directory { get; }
        public Pipe Pipe { get; }
        public Pipe FullPipe { get; }
        public SafeFileHandle WidowedWriter { get; }
        public SocketPair Sockets { get; }
        public SocketPair DeadPeer { get; }
        public SafeFileHandle Closed { get; }
        public SafeFileHandle Invalid { get; }

        public T Own<T>(T item) where T : IDisposable
        {
            _owned.Add(item);
            return item;
        }

        public void Dispose()
        {
            for (int i = _owned.Count - 1; i >= 0; i--)
            {
                _owned[i].Dispose();
            }

            Scratch.Dispose();
        }
    }

    /// <summary>One row. <paramref name="Queued"/>: the bytes the row itself put into the fixture's pipe, which must
    /// all still be there (a failed call consumed nothing).</summary>
    private sealed record Row(string Name, Action<Bench> Act, Type Expected, Errno? Errno = null, string? Operation = null,
                              Errno? Alternative = null, int Queued = 0);

    private static readonly Type Zce = typeof(ZeroCopyException);
    private static readonly Type Aoore = typeof(ArgumentOutOfRangeException);
    private static readonly Type Ane = typeof(ArgumentNullException);
    private static readonly Type Ae = typeof(ArgumentException);
    private static readonly Type Ode = typeof(ObjectDisposedException);
    private static readonly Type Ioe = typeof(InvalidOperationException);
    private static readonly Type Nse = typeof(NotSupportedException);
    // The types File.OpenHandle throws for a path; the runner checks their errno through HResult.
    private static readonly Type Fnfe = typeof(FileNotFoundException);
    private static readonly Type Dnfe = typeof(DirectoryNotFoundException);
    private static readonly Type Uae = typeof(UnauthorizedAccessException);
    private static readonly Type Ptle = typeof(PathTooLongException);

    // After the Type fields above: static fields initialise in textual order.
    private static readonly Row[] s_rows = BuildRows();

    /// <summary>The row names, for TestCaseSource (plain strings survive trimming).</summary>
    public static IEnumerable<string> RowNames => s_rows.Select(r => r.Name);

    private static Row[] BuildRows() => new Row[]
    {
        // ZeroCopy.SendFile / TrySendFile (LTP sendfile02..09)
        new("SendFile.NullDestination", b => ZeroCopy.SendFile(b.Ro, 0, (SafeHandle)null!, 16), Ane),
        new("SendFile.NegativeOffset", b => ZeroCopy.SendFile(b.Ro, -1, b.Pipe.Writer, 16), Aoore),
        new("SendFile.NegativeCount", b => ZeroCopy.SendFile(b.Ro, 0, b.Pipe.Writer, -1), Aoore),
        new("SendFile.InvalidHandle", b => ZeroCopy.SendFile(b.Ro, 0, b.Invalid, 16), Ae),
        new("SendFile.ClosedSource", b => ZeroCopy.SendFile(b.Closed, 0, b.Pipe.Writer, 16), Ode),
        new("SendFile.DisposedSocket", b => ZeroCopy.SendFile(b.Ro, 0, b.DeadPeer.Right, 16), Ode),
        new("SendFile.WriteOnlySource", b => ZeroCopy.SendFile(b.Wo, 0, b.Pipe.Writer, 16), Zce, Errno.EBADF, "sendfile"),
        new("SendFile.ReadOnlyDestination", b => ZeroCopy.SendFile(b.Rw, 0, b.Ro, 16), Zce, Errno.EBADF, "sendfile"),
        new("SendFile.AppendDestination", b => ZeroCopy.SendFile(b.Ro, 0, b.Append, 16), Zce, Errno.EINVAL, "sendfile"),
        new("SendFile.PipeSource", b => ZeroCopy.SendFile(b.Pipe.Reader, 0, b.Sockets.Left.SafeHandle, 16), Zce, Errno.ESPIPE, "sendfile"),
        new("SendFile.DirectorySource", b => ZeroCopy.SendFile(b.Directory, 0, b.Pipe.Writer, 16), Zce, Errno.EISDIR, "sendfile", Errno.EINVAL),
        new("SendFile.ReaderGone", b => ZeroCopy.SendFile(b.Ro, 0, b.WidowedWriter, 16), Zce, Errno.EPIPE, "sendfile"),
        new("SendFile.PeerGone", b => ZeroCopy.SendFile(b.Ro, 0, b.DeadPeer.Left, 16), Zce, Errno.EPIPE, "sendfile", Errno.ECONNRESET),
        new("TrySendFile.WriteOnlySource", b => ZeroCopy.TrySendFile(b.Wo, 0, b.FullPipe.Writer, 16, out _), Zce, Errno.EBADF, "sendfile"),
        new("TrySendFile.NegativeCount", b => ZeroCopy.TrySendFile(b.Ro, 0, b.FullPipe.Writer, -5, out _), Aoore),

        new("SendFileAsync.UnconnectedDatagramSocket", b => { using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp); Await(ZeroCopy.SendFileAsync(b.Ro, 0, udp, 16)); }, Zce, Errno.EDESTADDRREQ, "sendfile"),
        new("SendFileAsync.NegativeCount", b => _ = ZeroCopy.SendFileAsync(b.Ro, 0, b.Sockets.Left, -1), Aoore),
        new("SendFileAsync.WriteOnlySource", b => Await(ZeroCopy.SendFileAsync(b.Wo, 0, b.Sockets.Left, 16)), Zce, Errno.EBADF, "sendfile"),
        new("SendFileAsync.PeerGone", b => Await(ZeroCopy.SendFileAsync(b.Ro, 0, b.DeadPeer.Left, 16)), Zce, Errno.EPIPE, "sendfile", Errno.ECONNRESET),

        // The asynchronous forms give the same errors as the synchronous ones, and refuse a blocking pipe end.
        new("TransferAsync.ReadOnlyDestination", b => Await(ZeroCopy.TransferAsync(b.Rw, b.Ro)), Zce, Errno.EBADF, "copy_file_range"),
        new("TransferAsync.BlockingPipe", b => _ = ZeroCopy.TransferAsync(b.Ro, b.Pipe.Writer), Ae),
        new("SpliceAsync.NoPipe", b => Await(ZeroCopy.SpliceAsync(b.Ro, 0, b.Rw, 0, 16)), Zce, Errno.EINVAL, "splice"),
        new("SpliceAsync.OffsetForPipeSource", b => Await(ZeroCopy.SpliceAsync(b.FullPipe.Reader, 0, b.Rw, null, 16)), Zce, Errno.ESPIPE, "splice"),
        new("TeeAsync.NotAPipe", b => Await(ZeroCopy.TeeAsync(b.Ro, b.FullPipe.Writer, 16)), Zce, Errno.EINVAL, "tee"),
        new("CopyFileRangeAsync.AppendDestination", b => Await(ZeroCopy.CopyFileRangeAsync(b.Ro, 0, b.Append, null, 16)), Zce, Errno.EBADF, "copy_file_range"),
        new("CopyFileRangeAsync.NegativeCount", b => _ = ZeroCopy.CopyFileRangeAsync(b.Ro, 0, b.Rw, 0, -1), Aoore),

        // ZeroCopy.Splice / TrySplice (LTP splice02..07)
        new("Splice.NoPipe", b => ZeroCopy.Splice(b.Ro, 0, b.Rw, 0, 16), Zce, Errno.EINVAL, "splice"),
        new("Splice.OffsetForPipeSource", b => ZeroCopy.Splice(b.Pipe.Reader, 0, b.Rw, null, 16), Zce, Errno.ESPIPE, "splice"),
        new("Splice.OffsetForPipeDestination", b => ZeroCopy.Splice(b.Ro, null, b.Pipe.Writer, 0, 16), Zce, Errno.ESPIPE, "splice"),
        new("Splice.AppendDestination", b => ZeroCopy.Splice(b.Pipe.Reader, null, b.Append, null, 4), Zce, Errno.EINVAL, "splice"),
        new("Splice.WriteEndAsSource", b => ZeroCopy.Splice(b.Pipe.Writer, null, b.Rw, 0, 16), Zce, Errno.EBADF, "splice"),
        new("Splice.ReadEndAsDestination", b => ZeroCopy.Splice(b.Ro, 0, b.Pipe.Reader, null, 16), Zce, Errno.EBADF, "splice"),
        new("Splice.ReaderGone", b => ZeroCopy.Splice(b.Ro, 0, b.WidowedWriter, null, 16), Zce, Errno.EPIPE, "splice"),
        new("Splice.NegativeSourceOffset", b => ZeroCopy.Splice(b.Ro, -1, b.Pipe.Writer, null, 16), Aoore),
        new("Splice.NegativeDestinationOffset", b => ZeroCopy.Splice(b.Pipe.Reader, null, b.Rw, -1, 16), Aoore),
        new("Splice.NullSource", b => ZeroCopy.Splice(null!, null, b.Pipe.Writer, null, 16), Ane),
        new("Splice.ClosedDestination", b => ZeroCopy.Splice(b.Ro, 0, b.Closed, null, 16), Ode),
        new("TrySplice.NoPipe", b => ZeroCopy.TrySplice(b.Ro, 0, b.Rw, 0, 16, out _), Zce, Errno.EINVAL, "splice"),

        // ZeroCopy.Tee / TryTee (LTP tee02)
        new("Tee.NotAPipe", b => ZeroCopy.Tee(b.Ro, b.Pipe.Writer, 16), Zce, Errno.EINVAL, "tee"),
        new("Tee.SamePipe", b => ZeroCopy.Tee(b.Pipe.Reader, b.Pipe.Writer, 16), Zce, Errno.EINVAL, "tee"),
        new("TryTee.WriteEndAsSource", b => ZeroCopy.TryTee(b.FullPipe.Writer, b.Pipe.Writer, 16, out _), Zce, Errno.EBADF, "tee"),
        new("Tee.NegativeCount", b => ZeroCopy.Tee(b.Pipe.Reader, b.FullPipe.Writer, -1), Aoore),
        new("Tee.ClosedSource", b => ZeroCopy.Tee(b.Closed, b.Pipe.Writer, 16), Ode),

        // ZeroCopy.CopyFileRange (LTP copy_file_range02)
        new("CopyFileRange.ReadOnlyDestination", b => ZeroCopy.CopyFileRange(b.Rw, 0, b.Ro, 0, 16), Zce, Errno.EBADF, "copy_file_range"),
        new("CopyFileRange.WriteOnlySource", b => ZeroCopy.CopyFileRange(b.Wo, 0, b.Rw, 0, 16), Zce, Errno.EBADF, "copy_file_range"),
        new("CopyFileRange.AppendDestination", b => ZeroCopy.CopyFileRange(b.Ro, 0, b.Append, null, 16), Zce, Errno.EBADF, "copy_file_range"),
        new("CopyFileRange.PipeSource", b => ZeroCopy.CopyFileRange(b.Pipe.Reader, null, b.Rw, 0, 16), Zce, Errno.EINVAL, "copy_file_range"),
        new("CopyFileRange.DirectorySource", b => ZeroCopy.CopyFileRange(b.Directory, 0, b.Rw, 0, 16), Zce, Errno.EISDIR, "copy_file_range"),
        new("CopyFileRange.Overlap", b => ZeroCopy.CopyFileRange(b.Rw, 0, b.Rw, 8, 64), Zce, Errno.EINVAL, "copy_file_range"),
        new("CopyFileRange.NegativeOffset", b => ZeroCopy.CopyFileRange(b.Ro, -3, b.Rw, 0, 16), Aoore),
        new("CopyFileRange.ClosedSource", b => ZeroCopy.CopyFileRange(b.Closed, 0, b.Rw, 0, 16), Ode),

        // ZeroCopy.Transfer (handles and streams)
        new("Transfer.ReadOnlyDestination", b => ZeroCopy.Transfer(b.Rw, b.Ro), Zce, Errno.EBADF, "copy_file_range"),
        new("Transfer.WriteOnlySourceToPipe", b => ZeroCopy.Transfer(b.Wo, b.Pipe.Writer, 16), Zce, Errno.EBADF, "sendfile"),
        new("Transfer.ReaderGone", b => ZeroCopy.Transfer(b.Ro, b.WidowedWriter), Zce, Errno.EPIPE, "sendfile"),
        new("Transfer.PeerGone", b => ZeroCopy.Transfer(b.Ro, b.DeadPeer.Left.SafeHandle), Zce, Errno.EPIPE, "sendfile", Errno.ECONNRESET),
        new("Transfer.NegativeCount", b => ZeroCopy.Transfer(b.Ro, b.Rw, -1), Aoore),
        new("Transfer.ClosedDestination", b => ZeroCopy.Transfer(b.Ro, b.Closed), Ode),
        new("Transfer.UnreadableStream", b => { using var s = new FileStream(b.Scratch.File("data"), FileMode.Open, FileAccess.Write); ZeroCopy.Transfer(s, Stream.Null); }, Nse),
        new("Transfer.DisposedStream", b => { var s = new MemoryStream(); s.Dispose(); ZeroCopy.Transfer(s, Stream.Null); }, Ode),

        // Pipe
        new("Pipe.CreateZeroCapacity", b => Pipe.Create(0).Dispose(), Aoore),
        new("Pipe.CreateAboveMaximum", b => Pipe.Create(Pipe.MaxCapacity + 1).Dispose(), Aoore),
        new("Pipe.ShrinkBelowQueued", b => b.FullPipe.Capacity = 4096, Zce, Errno.EBUSY, "fcntl(F_SETPIPE_SZ)"),
        new("Pipe.WriteReaderGone", b => { b.Pipe.Reader.Dispose(); b.Pipe.Write(new byte[16]); }, Zce, Errno.EPIPE, "write"),
        new("Pipe.WriteAfterCompleteWriting", b => { b.Pipe.CompleteWriting(); b.Pipe.Write(new byte[16]); }, Ode),
        new("Pipe.VmSpliceReaderGone", VmSpliceIntoWidowedPipe, Zce, Errno.EPIPE, "vmsplice"),
        new("Pipe.VmSpliceUnsafeReaderGone", b => { b.Pipe.Reader.Dispose(); b.Pipe.VmSpliceUnsafe(new byte[16]); }, Zce, Errno.EPIPE, "vmsplice"),
        new("Pipe.VmSpliceTooLong", b => { using PipeBuffer lease = PipeBuffer.Rent(); b.Pipe.VmSplice(lease, lease.Length + 1); }, Aoore),
        new("Pipe.VmSpliceNullBuffer", b => b.Pipe.VmSplice(null!, 1), Ane),
        new("Pipe.VmSpliceDisposedLease", b => { PipeBuffer lease = PipeBuffer.Rent(); lease.Dispose(); b.Pipe.VmSplice(lease, 1); }, Ode),
        new("Pipe.VmSpliceLockedLease", VmSpliceLockedLease, Ioe),
        new("Pipe.TeeToItself", b => b.Pipe.TeeTo(b.Pipe, 16), Ae),
        new("Pipe.SpliceToAppendFile", b => b.Pipe.SpliceTo(b.Append, null, 16), Zce, Errno.EINVAL, "splice"),
        new("Pipe.SpliceToReaderGone", b => { b.Pipe.Write(new byte[16]); b.Pipe.SpliceTo(b.WidowedWriter, null, 16); }, Zce, Errno.EPIPE, "splice", Queued: 16),
        new("Pipe.SpliceFromPeerGoneSocket", b => { b.Pipe.Write(new byte[16]); b.Pipe.SpliceTo(b.DeadPeer.Left.SafeHandle, null, 16); }, Zce, Errno.EPIPE, "splice", Errno.ECONNRESET, Queued: 16),
        new("PipeBuffer.RentZero", b => PipeBuffer.Rent(0), Aoore),
        new("Pipe.SpliceFromWriteOnlyFile", b => b.Pipe.SpliceFrom(b.Wo, 0, 16), Zce, Errno.EBADF, "splice"),
        new("Pipe.ReadAfterReaderDisposed", b => { b.Pipe.Reader.Dispose(); b.Pipe.Read(new byte[4]); }, Ode),
        new("Pipe.TeeToPipeWithoutReader", b => { using Pipe dead = Pipe.Create(); dead.Reader.Dispose(); b.Pipe.Write(new byte[16]); b.Pipe.TeeTo(dead, 16); }, Zce, Errno.EPIPE, "tee", Queued: 16),
        new("Pipe.CapacityAboveMaximum", b => b.Pipe.Capacity = Pipe.MaxCapacity * 2, Aoore),
        new("TryTee.NotAPipe", b => ZeroCopy.TryTee(b.Ro, b.Pipe.Writer, 16, out _), Zce, Errno.EINVAL, "tee"),
        new("PipeBuffer.RentAboveLimit", b => PipeBuffer.Rent((1 << 30) + 1), Aoore),

        // MappedFile
        new("MappedFile.OpenMissing", b => MappedFile.Open(b.Scratch.File("missing")), Fnfe, Errno.ENOENT, "open"),
        new("MappedFile.OpenInMissingDirectory", b => MappedFile.Open(b.Scratch.File("missing/f")), Dnfe, Errno.ENOENT, "open"),
        new("MappedFile.OpenThroughAFile", b => MappedFile.Open(b.DataPath + "/f"), Dnfe, Errno.ENOTDIR, "open"),
        new("MappedFile.OpenDirectory", b => MappedFile.Open(b.Scratch.Path, MappedFileAccess.ReadWrite), Uae, Errno.EISDIR, "open"),
        new("MappedFile.OpenDirectoryReadOnly", b => MappedFile.Open(b.Scratch.Path), Uae, Errno.EISDIR, "open"),
        new("MappedFile.OpenNameTooLong", b => MappedFile.Open(b.Scratch.File(new string('n', 256))), Ptle, Errno.ENAMETOOLONG, "open"),
        new("MappedFile.OpenSymlinkLoop", b => MappedFile.Open(SymlinkLoop(b)), Zce, Errno.ELOOP, "open"),
        new("MappedFile.OpenEmptyPath", b => MappedFile.Open(""), Ae),
        new("MappedFile.MapDirectory", b => MappedFile.Map(b.Directory, length: 4096), Ae),
        new("MappedFile.MapOffsetPastEnd", b => MappedFile.Map(b.Ro, offset: 8193), Aoore),
        new("MappedFile.MapLengthPastEnd", b => MappedFile.Map(b.Ro, offset: 4096, length: 4097), Aoore),
        new("MappedFile.MapPipeWithoutLength", b => MappedFile.Map(b.Pipe.Reader), Ae),
        new("MappedFile.MapPipe", b => MappedFile.Map(b.Pipe.Reader, length: 4096), Zce, Errno.ENODEV, "mmap", Errno.EACCES),
        new("MappedFile.MapWriteOnly", b => MappedFile.Map(b.Wo), Zce, Errno.EACCES, "mmap"),
        new("MappedFile.MapSharedWritableReadOnly", b => MappedFile.Map(b.Ro, MappedFileAccess.ReadWrite), Zce, Errno.EACCES, "mmap"),
        new("MappedFile.MapClosed", b => MappedFile.Map(b.Closed), Ode),
        new("MappedFile.AnonymousZero", b => MappedFile.CreateAnonymous(0), Aoore),
        new("MappedFile.UnknownAccess", b => MappedFile.Map(b.Ro, (MappedFileAccess)77), Aoore),
        new("MappedFile.WritableSpanOfReadOnly", b => { using MappedFile m = MappedFile.Map(b.Ro); _ = m.Span; }, Nse),
        new("MappedFile.UnknownAdvice", b => { using MappedFile m = MappedFile.CreateAnonymous(4096); m.Advise((MappedFileAdvice)999); }, Aoore),
        new("MappedFile.RangePastEnd", b => { using MappedFile m = MappedFile.CreateAnonymous(4096); m.Flush(4000, 200); }, Aoore),
        new("MappedFile.SealedSizeNegative", b => MappedFile.CreateSealed(-1), Aoore),

        new("MappedFile.ResidentBytesPastEnd", b => { using MappedFile m = MappedFile.CreateAnonymous(4096); m.ResidentBytes(0, 4097); }, Aoore),
        new("MappedFile.PrefetchNegative", b => { using MappedFile m = MappedFile.CreateAnonymous(4096); m.Prefetch(-1, 1); }, Aoore),

        // AlignedBuffer
        new("AlignedBuffer.ZeroLength", b => new AlignedBuffer(0, 64).Dispose(), Aoore),
        new("AlignedBuffer.AlignmentNotPowerOfTwo", b => new AlignedBuffer(64, 48).Dispose(), Aoore),
        new("AlignedBuffer.AlignmentBelowPointer", b => new AlignedBuffer(64, 4).Dispose(), Aoore),
        new("AlignedBuffer.PinOutside", b => { using var a = new AlignedBuffer(64, 64); a.Pin(65); }, Aoore),

        // DirectFile
        new("DirectFile.OpenMissing", b => DirectFile.Open(b.Scratch.File("missing")), Fnfe, Errno.ENOENT, "open"),
        new("DirectFile.CreateInMissingDirectory", b => DirectFile.Open(b.Scratch.File("missing/f"), FileMode.CreateNew), Dnfe, Errno.ENOENT, "open"),
        new("DirectFile.CreateNewExisting", b => DirectFile.Open(b.DataPath, FileMode.CreateNew), Zce, Errno.EEXIST, "open"),
        new("DirectFile.OpenDirectoryForReading", b => DirectFile.Open(b.Scratch.Path, FileMode.Open, FileAccess.Read), Uae, Errno.EISDIR, "open"),
        new("DirectFile.OpenAppend", b => DirectFile.Open(b.DataPath, FileMode.Append), Ae),
        new("DirectFile.CreateReadOnly", b => DirectFile.Open(b.Scratch.File("new"), FileMode.Create, FileAccess.Read), Ae),
        new("DirectFile.MisalignedOffset", b => DirectRead(b, offset: 100), Ae),
        new("DirectFile.MisalignedLength", b => DirectRead(b, length: 100), Ae),
        new("DirectFile.NegativeOffset", b => DirectRead(b, offset: -512), Aoore),
        new("DirectFile.WriteReadOnly", DirectWriteReadOnly, Zce, Errno.EBADF, "pwrite"),
        new("DirectFile.ReadWriteOnly", DirectReadWriteOnly, Zce, Errno.EBADF, "pread"),

        new("DirectFile.OpenDirectoryForWriting", b => DirectFile.Open(b.Scratch.Path, FileMode.Open, FileAccess.ReadWrite), Uae, Errno.EISDIR, "open"),
        new("DirectFile.UnknownAdvice", b => { using DirectFile f = DirectFile.Open(b.DataPath, FileMode.Open, FileAccess.Read); f.Advise((FileAccessAdvice)77); }, Aoore),
        new("DirectFile.SetLengthReadOnly", b => { using DirectFile f = DirectFile.Open(b.DataPath, FileMode.Open, FileAccess.Read); f.SetLength(0); }, Zce, Errno.EINVAL, "ftruncate", Errno.EBADF),
        new("DirectFile.GetAlignmentClosed", b => DirectFile.GetAlignment(b.Closed), Ode),

        // MemFd
        new("MemFd.NameTooLong", b => MemFd.Create(new string('x', 250)), Ae),
        new("MemFd.NameWithNul", b => MemFd.Create("a\0b"), Ae),
        new("MemFd.SealWithoutSealing", b => { using SafeFileHandle m = MemFd.Create("rel"); MemFd.AddSeals(m, FileSeals.Shrink); }, Zce, Errno.EPERM, "fcntl(F_ADD_SEALS)"),
        new("MemFd.ShrinkSealed", ShrinkSealedMemFd, Zce, Errno.EPERM, "ftruncate"),
        new("MemFd.SealsOfRegularFile", b => MemFd.GetSeals(b.Rw), Zce, Errno.EINVAL, "fcntl(F_GET_SEALS)"),
        new("MemFd.SetLengthReadOnly", b => MemFd.SetLength(b.Ro, 0), Zce, Errno.EINVAL, "ftruncate", Errno.EBADF),
        new("MemFd.SetLengthNegative", b => MemFd.SetLength(b.Rw, -1), Aoore),
        new("MemFd.UnknownOption", b => MemFd.Create("rel", (MemFdOptions)0x1000).Dispose(), Aoore),
        new("MemFd.UnknownSeal", b => { using SafeFileHandle m = MemFd.Create("rel", MemFdOptions.AllowSealing); MemFd.AddSeals(m, (FileSeals)0x4000); }, Aoore),
    };

    /// <summary>Waits (bounded) for an asynchronous call and rethrows its exception as is.</summary>
    private static void Await(System.Threading.Tasks.ValueTask<TransferResult> pending) =>
        Await(pending.AsTask());

    /// <summary>Waits (bounded) for an asynchronous call and rethrows its exception as is.</summary>
    private static void Await(System.Threading.Tasks.ValueTask<long> pending) => Await(pending.AsTask());

    private static void Await(System.Threading.Tasks.Task task)
    {
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)))
        {
            Assert.Fail("the asynchronous call did not finish");
        }

        task.GetAwaiter().GetResult();
    }

    private static void VmSpliceIntoWidowedPipe(Bench b)
    {
        using PipeBuffer lease = PipeBuffer.Rent();
        b.Pipe.Reader.Dispose();
        try
        {
            b.Pipe.VmSplice(lease, 4096);
        }
        finally
        {
            // No partial state: nothing was spliced, so the lease must not stay locked to the pipe.
            Assert.That(lease.IsLocked, Is.False, "a lease that was not spliced stays locked");
            Assert.That(lease.Span.Length, Is.EqualTo(lease.Length));
        }
    }

    private static void VmSpliceLockedLease(Bench b)
    {
        using PipeBuffer lease = PipeBuffer.Rent();
        b.Pipe.VmSplice(lease, 16);
        try
        {
            b.Pipe.VmSplice(lease, 16);
        }
        finally
        {
            byte[] drain = new byte[16];
            Data.ReadExactly(b.Pipe, drain);
            Assert.That(lease.IsLocked, Is.False);
        }
    }

    private static void DirectRead(Bench b, long offset = 0, int length = 4096)
    {
        using DirectFile file = DirectFile.Open(b.DataPath, FileMode.Open, FileAccess.Read);
        using var buffer = new AlignedBuffer(8192, 4096);
        file.Read(buffer.Span[..length], offset);
    }

    private static void DirectWriteReadOnly(Bench b)
    {
        using DirectFile file = DirectFile.Open(b.DataPath, FileMode.Open, FileAccess.Read);
        using var buffer = new AlignedBuffer(4096, 4096);
        file.Write(buffer, 0);
    }

    private static void DirectReadWriteOnly(Bench b)
    {
        using DirectFile file = DirectFile.Open(b.DataPath, FileMode.Open, FileAccess.Write);
        using var buffer = new AlignedBuffer(4096, 4096);
        file.Read(buffer, 0);
    }

    /// <summary>A symbolic link to itself: open fails with ELOOP.</summary>
    private static string SymlinkLoop(Bench b)
    {
        string loop = b.Scratch.File("loop");
        File.CreateSymbolicLink(loop, loop);
        return loop;
    }

    private static void ShrinkSealedMemFd(Bench b)
    {
        using MappedFile sealedMap = MappedFile.CreateSealed(8192);
        MemFd.SetLength(sealedMap.FileHandle!, 0);
    }

    [OneTimeSetUp]
    public void WarmUp()
    {
        // The first use of sockets, pipes and mappings makes the runtime create its own descriptors and heaps.
        using (var bench = new Bench())
        {
            foreach (Row row in s_rows)
            {
                Capture(row, bench);
            }
        }

        ProcessState.Settle();
    }

    [TestCaseSource(nameof(RowNames))]
    public void Row_FailsAsDocumented_AndLeavesNothingBehind(string name)
    {
        Row row = s_rows.Single(r => r.Name == name);
        using var bench = new Bench();
        long roPosition = Fds.Position(bench.Ro);
        long rwPosition = Fds.Position(bench.Rw);
        Exception? caught = null;
        ProcessState.AssertLeavesNothing(
            () => caught = Capture(row, bench),
            () =>
            {
                using var fresh = new Bench();
                Capture(row, fresh);
            },
            name);

        Assert.That(caught, Is.Not.Null, $"{name}: no exception");
        Assert.That(caught!.GetType() == row.Expected, Is.True, $"{name}: expected {row.Expected.Name}, caught {caught}");
        // A failure on a path comes as the type File.OpenHandle would throw, with the ZeroCopyException inside.
        ZeroCopyException? zce = caught as ZeroCopyException ?? (row.Errno.HasValue ? caught.InnerException as ZeroCopyException : null);
        Assert.That(row.Errno.HasValue == (zce != null), Is.True, $"{name}: expected errno {row.Errno}, caught {caught}");
        if (zce != null)
        {
            Assert.That(zce.Errno == row.Errno || (row.Alternative.HasValue && zce.Errno == row.Alternative), Is.True,
                $"{name}: errno {zce.Errno}, expected {row.Errno}{(row.Alternative.HasValue ? " or " + row.Alternative : "")}");
            Assert.That(zce.Operation, Is.EqualTo(row.Operation), name);
            Assert.That(zce.BytesTransferred, Is.Zero, $"{name}: bytes moved before the failure");
            string on = zce.Path is null ? "" : $" on '{zce.Path}'";
            Assert.That(zce.Message, Does.StartWith($"{row.Operation}{on} failed: {ZeroCopyException.NameOf(zce.Errno)} ("));
            Assert.That(zce.HResult, Is.EqualTo((int)zce.Errno));
            Assert.That(caught.HResult, Is.EqualTo((int)zce.Errno), $"{name}: HResult of {caught.GetType().Name}");
            Assert.That(zce.Path is null || caught.Message.Contains(zce.Path, StringComparison.Ordinal), Is.True,
                $"{name}: the message does not name the path: {caught.Message}");
        }

        // Offsets as documented: explicit offsets never move a file position, and a failure moves nothing.
        Assert.That(Fds.Position(bench.Ro), Is.EqualTo(roPosition), $"{name}: the read-only file's position moved");
        Assert.That(Fds.Position(bench.Rw), Is.EqualTo(rwPosition), $"{name}: the read-write file's position moved");
        Assert.That(File.ReadAllBytes(bench.DataPath).AsSpan().SequenceEqual(bench.Data), Is.True, $"{name}: the data file changed");
        Assert.That(bench.Pipe.BytesAvailable, Is.EqualTo(row.Queued), $"{name}: bytes in the pipe afterwards");
    }

    [Test]
    public void Matrix_CoversEveryOperation_AndManyErrnos()
    {
        string[] operations = { "SendFile", "TrySendFile", "SendFileAsync", "Splice", "TrySplice", "Tee", "TryTee", "CopyFileRange", "Transfer",
                                "TransferAsync", "SpliceAsync", "TeeAsync", "CopyFileRangeAsync",
                                "Pipe", "PipeBuffer", "MappedFile", "AlignedBuffer", "DirectFile", "MemFd" };
        foreach (string operation in operations)
        {
            Assert.That(s_rows.Any(r => r.Name.StartsWith(operation + ".", StringComparison.Ordinal)), Is.True, operation);
        }

        Errno[] errnos = s_rows.Where(r => r.Errno.HasValue).Select(r => r.Errno!.Value).Distinct().ToArray();
        Report.Figure($"errno matrix: {s_rows.Length} rows, {errnos.Length} distinct errnos: " +
                                  string.Join(", ", errnos.Select(ZeroCopyException.NameOf)));
        Assert.That(errnos.Length, Is.GreaterThanOrEqualTo(10));
    }

    private static Exception? Capture(Row row, Bench bench)
    {
        try
        {
            row.Act(bench);
            return null;
        }
        catch (AssertionException)
        {
            throw;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
