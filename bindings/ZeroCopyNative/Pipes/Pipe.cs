using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// A Linux pipe (pipe2(2), both ends O_CLOEXEC) with its capacity, the splice(2)/tee(2) operations that need a pipe,
/// and vmsplice(2) in two forms: a safe one that takes only library-owned <see cref="PipeBuffer"/> leases, and a raw one
/// for experts.
/// </summary>
/// <remarks>
/// <para>Thread safety: every member may be called from any thread. Writes made through this object (Write, VmSplice,
/// SpliceFrom, and TeeTo into it) are serialized so that the byte positions used to unlock leases stay exact; reads are
/// not serialized, as with the kernel's pipe.</para>
/// <para>How bytes leave decides what a <see cref="PipeBuffer"/> lease costs. The pipe counts what its own copying
/// paths consume (<see cref="Read"/>, <see cref="ReadAsync"/>, and <see cref="SpliceTo"/>/<see cref="SpliceToAsync"/>
/// into a regular file or /dev/null, which copy the bytes out of the pipe's pages): while every byte leaves that way, a
/// drained lease is proved drained by those counts alone and reused as it is. The first splice into anything else (a
/// socket, another pipe, another device), a <see cref="TeeTo"/>, or taking the <see cref="Reader"/> handle marks the
/// pipe for good: from then on a lease's pages are given away (replaced by fresh ones) after each splice, since the
/// kernel may keep them referenced beyond the pipe. Taking <see cref="Reader"/> or <see cref="Writer"/> also means
/// bytes may move behind this object's back, so drains are then asked of the kernel (ioctl FIONREAD). Bytes written
/// through <see cref="Writer"/> only make leases stay locked longer, never shorter.</para>
/// <para>Ownership: the pipe owns both handles; <see cref="Dispose"/> closes them (deferred while another call holds
/// them) and unlocks every lease it holds (their pages were given away when spliced, so that is safe).</para>
/// </remarks>
public sealed partial class Pipe : IDisposable
{
    private readonly SafeFileHandle _reader;
    private readonly SafeFileHandle _writer;
    private readonly object _writeGate = new();
    private long _bytesWritten; // bytes written into the pipe through this object
    private volatile bool _disposed;
    private int _cachedCapacity;

    private Pipe(int readFd, int writeFd)
    {
        _reader = new SafeFileHandle((IntPtr)readFd, ownsHandle: true);
        _writer = new SafeFileHandle((IntPtr)writeFd, ownsHandle: true);
    }

    /// <summary>Creates a pipe with pipe2(2) and, when <paramref name="capacity"/> is given, sets its capacity with
    /// fcntl(F_SETPIPE_SZ).</summary>
    /// <param name="capacity">The capacity wanted in bytes, or null for the kernel's default (64 KiB). The kernel rounds
    /// it up to a power-of-two number of pages.</param>
    /// <param name="nonBlocking">Open both ends O_NONBLOCK. The looping methods still wait (with poll(2)); the Try
    /// methods of <see cref="ZeroCopy"/> then never block on this pipe.</param>
    /// <returns>The pipe.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is not positive or exceeds
    /// /proc/sys/fs/pipe-max-size (the message names the limit).</exception>
    /// <exception cref="ZeroCopyException">pipe2 failed (EMFILE, ENFILE) or F_SETPIPE_SZ failed (EPERM: over the
    /// per-user pipe memory limit).</exception>
    public static unsafe Pipe Create(int? capacity = null, bool nonBlocking = false)
    {
        if (capacity is int wanted)
        {
            CheckCapacity(wanted, nameof(capacity));
        }

        int* fds = stackalloc int[2];
        NativeResult.Check(Zcn.pipe(fds, (uint)(nonBlocking ? PipeFlags.NONBLOCK : PipeFlags.NONE)), "pipe2");
        var pipe = new Pipe(fds[0], fds[1]);
        if (capacity is int size)
        {
            try
            {
                pipe.Capacity = size;
            }
            catch
            {
                pipe.Dispose();
                throw;
            }
        }

        return pipe;
    }

    /// <summary>/proc/sys/fs/pipe-max-size: the largest <see cref="Capacity"/> this library will set.</summary>
    /// <remarks>A process with CAP_SYS_RESOURCE could go higher; the library holds everyone to the limit so that code
    /// behaves the same whoever runs it.</remarks>
    /// <exception cref="System.IO.IOException">The file cannot be read.</exception>
    public static int MaxCapacity => PipeLimits.ReadMaxSize();

    /// <summary>The read end. Owned by the pipe: do not dispose it while the pipe is in use.</summary>
    /// <remarks>Taking it means the pipe's bytes may leave by any path (a splice to a socket, tee): from then on, leases
    /// spliced into this pipe have their pages given away (see <see cref="PipeBuffer"/>).</remarks>
    /// <exception cref="ObjectDisposedException">The pipe is disposed.</exception>
    public SafeFileHandle Reader
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            HandOut(reader: true);
            return _reader;
        }
    }

    /// <summary>The write end. Owned by the pipe; <see cref="CompleteWriting"/> closes it.</summary>
    /// <remarks>Taking it means bytes may be written (or the capacity changed) behind this object's back: from then
    /// on, whether a lease has drained is asked of the kernel (ioctl FIONREAD) instead of proved from byte
    /// counts.</remarks>
    /// <exception cref="ObjectDisposedException">The pipe is disposed.</exception>
    public SafeFileHandle Writer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            HandOut(reader: false);
            return _writer;
        }
    }

    /// <summary>
    /// The capacity in bytes: fcntl(F_GETPIPE_SZ) to read, fcntl(F_SETPIPE_SZ) to set. The kernel rounds a new value up
    /// to a power-of-two number of pages; reading afterwards gives the value granted.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The new value is not positive or exceeds
    /// /proc/sys/fs/pipe-max-size (the message names the limit); checked before the system call.</exception>
    /// <exception cref="ObjectDisposedException">The pipe is disposed.</exception>
    /// <exception cref="ZeroCopyException">fcntl failed: EBUSY (the new capacity is below the bytes queued), EPERM
    /// (the per-user pipe memory limit is reached).</exception>
    public int Capacity
    {
        get
        {
            using DescriptorScope end = EnterEnd(_writer.IsClosed ? _reader : _writer);
            return NativeResult.Check(Zcn.pipe_get_size(end.Fd), "fcntl(F_GETPIPE_SZ)");
        }

        set
        {
            CheckCapacity(value, nameof(value));
            using DescriptorScope end = EnterEnd(_writer.IsClosed ? _reader : _writer);
            NoteCapacity(NativeResult.Check(Zcn.pipe_set_size(end.Fd, value), "fcntl(F_SETPIPE_SZ)"));
        }
    }

    /// <summary>The bytes queued in the pipe, not yet read: ioctl(FIONREAD).</summary>
    /// <exception cref="ObjectDisposedException">The pipe is disposed.</exception>
    /// <exception cref="ZeroCopyException">ioctl failed.</exception>
    public int BytesAvailable
    {
        get
        {
            using DescriptorScope end = EnterEnd(_reader.IsClosed ? _writer : _reader);
            return NativeResult.Check(Zcn.bytes_available(end.Fd), "ioctl(FIONREAD)");
        }
    }

    /// <summary>
    /// Moves <paramref name="count"/> bytes from <paramref name="source"/> into the pipe with splice(2), looping until
    /// all are in or the source ends; see <see cref="ZeroCopy.Splice"/>. With no one reading, a count above the free
    /// capacity waits for a reader. The capacity counts page-sized buffers, not bytes: data spliced from an unaligned
    /// file offset can occupy one more page than its length suggests.
    /// </summary>
    /// <param name="source">A file, socket or another pipe's read end.</param>
    /// <param name="sourceOffset">For a file: where to read (its position untouched), or null for its file position.</param>
    /// <param name="count">The most bytes to move.</param>
    /// <param name="options">Flags for splice.</param>
    /// <returns>The bytes moved; fewer than <paramref name="count"/> only when the source ended.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An offset or the count is negative.</exception>
    /// <exception cref="ObjectDisposedException">The pipe or the source is closed.</exception>
    /// <exception cref="ZeroCopyException">splice failed (EINVAL, ESPIPE, EBADF, ...).</exception>
    public unsafe long SpliceFrom(SafeHandle source, long? sourceOffset, long count, SpliceOptions options = SpliceOptions.None)
    {
        Descriptors.Validate(source, nameof(source));
        Descriptors.CheckOffset(sourceOffset, nameof(sourceOffset));
        Descriptors.CheckCount(count);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using DescriptorScope input = DescriptorScope.Borrow(source);
        using DescriptorScope output = EnterEnd(_writer);
        lock (_writeGate)
        {
            long inOffset = sourceOffset.GetValueOrDefault();
            var meter = new TransferMeter(null);
            LoopResult result = SpliceLoop.Run(input.Fd, sourceOffset.HasValue ? &inOffset : null, output.Fd, null, count,
                                               options.ToNative(), ref meter);
            AddWritten(result.Moved);
            return result.ThrowIfFailed("splice");
        }
    }

    /// <summary>
    /// Moves <paramref name="count"/> bytes out of the pipe into <paramref name="destination"/> with splice(2), looping
    /// until all are out or the pipe is empty with its write end closed; see <see cref="ZeroCopy.Splice"/>.
    /// </summary>
    /// <param name="destination">A file (not O_APPEND), socket or another pipe's write end.</param>
    /// <param name="destinationOffset">For a file: where to write (its position untouched), or null for its file
    /// position.</param>
    /// <param name="count">The most bytes to move.</param>
    /// <param name="options">Flags for splice.</param>
    /// <returns>The bytes moved; fewer than <paramref name="count"/> only at end of input.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An offset or the count is negative.</exception>
    /// <exception cref="ObjectDisposedException">The pipe or the destination is closed.</exception>
    /// <exception cref="ZeroCopyException">splice failed (EINVAL for an O_APPEND file, EPIPE, EBADF, ...).</exception>
    public unsafe long SpliceTo(SafeHandle destination, long? destinationOffset, long count, SpliceOptions options = SpliceOptions.None)
    {
        Descriptors.Validate(destination, nameof(destination));
        Descriptors.CheckOffset(destinationOffset, nameof(destinationOffset));
        Descriptors.CheckCount(count);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using DescriptorScope input = EnterEnd(_reader);
        using DescriptorScope output = DescriptorScope.Borrow(destination);
        NoteDestination(destination, output.Fd);
        long outOffset = destinationOffset.GetValueOrDefault();
        var meter = new TransferMeter(null);
        LoopResult result = SpliceLoop.Run(input.Fd, null, output.Fd, destinationOffset.HasValue ? &outOffset : null, count,
                                           options.ToNative(), ref meter);
        Consumed(result.Moved);
        return result.ThrowIfFailed("splice");
    }

    /// <summary>
    /// Duplicates up to <paramref name="count"/> queued bytes into <paramref name="destination"/> with tee(2), without
    /// consuming them; see <see cref="ZeroCopy.Tee"/>. One call: waits until something can be duplicated.
    /// </summary>
    /// <param name="destination">Another pipe.</param>
    /// <param name="count">The most bytes to duplicate.</param>
    /// <returns>The bytes duplicated; 0 when this pipe is empty and its write end closed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is this pipe.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">A pipe is disposed.</exception>
    /// <exception cref="ZeroCopyException">tee failed (ENOMEM, ...).</exception>
    public long TeeTo(Pipe destination, long count)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (ReferenceEquals(destination, this))
        {
            throw new ArgumentException("tee needs two different pipes.", nameof(destination));
        }

        Descriptors.CheckCount(count);
        ObjectDisposedException.ThrowIf(_disposed, this);
        ObjectDisposedException.ThrowIf(destination._disposed, destination);
        if (count == 0)
        {
            return 0;
        }

        using DescriptorScope input = EnterEnd(_reader);
        using DescriptorScope output = destination.EnterEnd(destination._writer);
        MarkUncopied(); // the other pipe references the very pages, beyond this pipe's drain
        lock (destination._writeGate)
        {
            long duplicated = TeeLoop.Run(input.Fd, output.Fd, count, 0).ThrowIfFailed("tee");
            destination.AddWritten(duplicated);
            return duplicated;
        }
    }

    /// <summary>
    /// Writes <paramref name="data"/> into the pipe with write(2) (a copy), looping until all is written; waits with
    /// poll(2) when a non-blocking pipe is full.
    /// </summary>
    /// <param name="data">The bytes.</param>
    /// <exception cref="ObjectDisposedException">The pipe is disposed or its write end closed.</exception>
    /// <exception cref="ZeroCopyException">write failed: EPIPE (the read end is closed).</exception>
    public unsafe void Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using DescriptorScope output = EnterEnd(_writer);
        lock (_writeGate)
        {
            fixed (byte* start = data)
            {
                var meter = new TransferMeter(null);
                LoopResult result = ReadWriteLoop.WriteAll(output.Fd, null, start, data.Length, ref meter);
                AddWritten(result.Moved);
                _ = result.ThrowIfFailed("write");
            }
        }
    }

    /// <summary>
    /// Reads up to <paramref name="buffer"/>.Length bytes from the pipe with read(2) (a copy): one call, which waits
    /// until data arrives (with poll(2) for a non-blocking pipe).
    /// </summary>
    /// <param name="buffer">Receives the bytes.</param>
    /// <returns>The bytes read; 0 when the pipe is empty and its write end closed (or the buffer is empty).</returns>
    /// <exception cref="ObjectDisposedException">The pipe is disposed.</exception>
    /// <exception cref="ZeroCopyException">read failed.</exception>
    public unsafe int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        using DescriptorScope input = EnterEnd(_reader);
        fixed (byte* start = buffer)
        {
            LoopResult result = ReadWriteLoop.ReadOnce(input.Fd, null, start, buffer.Length);
            Consumed(result.Moved);
            return (int)result.ThrowIfFailed("read");
        }
    }

    /// <summary>
    /// Closes the write end, so that the reader sees end of input once the queued bytes are read. Further writes
    /// through this object throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void CompleteWriting() => _writer.Dispose();

    /// <summary>Closes both ends (close(2), deferred while a call still holds a handle) and unlocks every lease
    /// spliced into the pipe, giving its pages away first (a call still holding the pipe could be copying from them).
    /// Calling it twice does nothing.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        EventLoop.Abandon(_writer);
        EventLoop.Abandon(_reader);
        _writer.Dispose();
        _reader.Dispose();
        ReleaseAllLeases();
    }

    /// <summary>The capacity, read once (for the library's own pooled pipes, whose capacity never changes).</summary>
    internal int CachedCapacity
    {
        get
        {
            if (_cachedCapacity == 0)
            {
                _cachedCapacity = Capacity;
            }

            return _cachedCapacity;
        }
    }

    /// <summary>Bytes written into the pipe through this object.</summary>
    internal long BytesWritten => Volatile.Read(ref _bytesWritten);

    /// <summary>Adds <paramref name="count"/> to the bytes written. Only under the write gate (<c>_writeGate</c>), which every
    /// write into the pipe holds: the gate orders the additions, so a plain store (atomic for a 64-bit field on the
    /// 64-bit runtimes the library supports) publishes them without an interlocked instruction of its own.</summary>
    internal void AddWritten(long count)
    {
        Debug.Assert(Monitor.IsEntered(_writeGate), "AddWritten outside the write gate");
        Volatile.Write(ref _bytesWritten, _bytesWritten + count);
    }

    /// <summary>Borrows the read end for the library's own use: unlike <see cref="Reader"/>, this hands nothing out,
    /// so a pipe the library uses internally (a pooled one) keeps proving drain from byte counts.</summary>
    internal DescriptorScope EnterReader() => EnterEnd(_reader);

    /// <summary>Borrows the write end for the library's own use, handing nothing out (see <see cref="EnterReader"/>).</summary>
    internal DescriptorScope EnterWriter() => EnterEnd(_writer);

    /// <summary>Borrows one of this pipe's ends, with the pipe's own disposed check.</summary>
    private DescriptorScope EnterEnd(SafeFileHandle end)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (end.IsClosed)
        {
            throw new ObjectDisposedException(nameof(Pipe), ReferenceEquals(end, _writer)
                ? "The pipe's write end is closed (CompleteWriting)."
                : "The pipe's read end is closed.");
        }

        // The pipe's own ends are never null or invalid (pipe2 made them) and were just found open: only the reference
        // count is left to take (DescriptorScope.Enter would check all three again on every call).
        return DescriptorScope.Borrow(end);
    }

    private static void CheckCapacity(int capacity, string paramName)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity, paramName);
        int limit = PipeLimits.ReadMaxSize();
        if (capacity > limit)
        {
            throw new ArgumentOutOfRangeException(paramName, capacity,
                $"A pipe's capacity cannot exceed /proc/sys/fs/pipe-max-size, which is {limit} bytes here.");
        }
    }
}
