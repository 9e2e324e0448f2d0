using System;
using System.IO;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

public static partial class ZeroCopy
{
    /// <summary>
    /// Copies the file at <paramref name="source"/> to <paramref name="destination"/> as cp does, through
    /// <see cref="Transfer(System.Runtime.InteropServices.SafeHandle, System.Runtime.InteropServices.SafeHandle, TransferOptions?)"/>:
    /// the fastest path the kernel accepts, holes kept, the source read until it ends (a pipe, FIFO, character device
    /// or /proc file is streamed; its size is never trusted).
    /// </summary>
    /// <remarks>
    /// <para>The same file: an existing destination is opened without O_TRUNC and compared with the source by st_dev
    /// and st_ino (so a hard link, a symlink or a path through a symlinked directory is caught) before anything is
    /// truncated; the same file is refused with <see cref="SameFileException"/> and left intact.</para>
    /// <para>The destination: a new file is created (O_CREAT|O_EXCL) with the source's permission bits, which the
    /// kernel reduces by the umask, without set-uid, set-gid or sticky bits unless
    /// <see cref="CopyFileOptions.PreserveMode"/>. An existing regular file is replaced only with
    /// <see cref="CopyFileOptions.Overwrite"/>: truncated after the identity check (and, for a forced method, after a probe
    /// of that method on a nameless file beside it, so that a method the kernel refuses leaves it intact), keeping its
    /// own mode. An existing device, FIFO or socket is written into as it is: never truncated, never chmod-ed.</para>
    /// </remarks>
    /// <param name="source">The file to copy: any file that can be opened for reading, except a directory.</param>
    /// <param name="destination">The path to write: a new file, or an existing file, device, FIFO or socket.</param>
    /// <param name="options">Overwrite, mode, method, progress and holes; null for the defaults.</param>
    /// <returns>The bytes copied (holes kept count as copied) and the method that finished.</returns>
    /// <exception cref="ArgumentException">A path is empty or holds a NUL.</exception>
    /// <exception cref="ArgumentNullException">A path is null.</exception>
    /// <exception cref="FileNotFoundException">A path does not exist (ENOENT; for the destination: its directory does
    /// not).</exception>
    /// <exception cref="DirectoryNotFoundException">A component of a path is not a directory (ENOTDIR).</exception>
    /// <exception cref="UnauthorizedAccessException">No permission (EACCES, EPERM), or the source or the destination
    /// is a directory (EISDIR); <see cref="Exception.HResult"/> is the errno.</exception>
    /// <exception cref="PathTooLongException">A path is too long (ENAMETOOLONG).</exception>
    /// <exception cref="SameFileException">Source and destination are the same file.</exception>
    /// <exception cref="ZeroCopyException">Any other failure, naming the path: EEXIST (the destination exists and
    /// <see cref="CopyFileOptions.Overwrite"/> is false), EROFS, ELOOP, ENXIO (a socket), ENOSPC, EDQUOT, EFBIG (naming the destination), EIO, ...;
    /// <see cref="ZeroCopyException.BytesTransferred"/> holds the bytes copied before the failure.</exception>
    public static TransferResult CopyFile(string source, string destination, CopyFileOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        options ??= s_defaultCopyOptions;
        RefuseSameFifo(source, destination);
        using SafeFileHandle input = NativeFile.Open(source, OpenFlags.RDONLY | OpenFlags.NOCTTY, 0, out FdInfo from);

        using SafeFileHandle output = OpenCopyDestination(source, in from, destination, options, out bool replace);
        var plan = new TransferPlan(null) { Method = options.Method, Progress = options.Progress, KeepHoles = options.KeepHoles };
        try
        {
            ReadOnlySpan<byte> probed = default;
            if (replace)
            {
                probed = ProbeForcedMethod(input, in from, output, destination, options.Method);
                NativeFile.Truncate(output, destination);
                Write(probed, output, 0); // a streamed source's first byte, taken by the probe
            }

            TransferResult rest = TransferHandles(input, 0, output, probed.Length, in plan, out _, out _).ToResult();
            // A one-byte stream went out whole in the probe, by the forced method.
            return rest.Bytes == 0 && probed.Length > 0 && options.Method is TransferMethod forced
                ? new TransferResult(probed.Length, forced)
                : new TransferResult(rest.Bytes + probed.Length, rest.Method);
        }
        catch (ZeroCopyException e) when (e.Path == null)
        {
            bool destinationsFault = e.Errno is Errno.ENOSPC or Errno.EDQUOT or Errno.EFBIG or Errno.EROFS or Errno.EPIPE
                                              or Errno.EXDEV or Errno.EBADF;
            throw new ZeroCopyException(e.Operation, e.Errno, e.BytesTransferred, destinationsFault ? destination : source);
        }
    }

    private static readonly CopyFileOptions s_defaultCopyOptions = new();

    /// <summary>
    /// Before an existing file is truncated for a forced method: the method's first call, one byte, made on a nameless
    /// file (O_TMPFILE) in the destination's folder, so on the same filesystem, where the kernel answers as it would for
    /// the destination. A method the kernel refuses then fails the copy while the destination is still intact (the
    /// nearest in cp, --reflink=always, truncates first and leaves it empty).
    /// </summary>
    /// <remarks>A source read at offsets (a regular file, a block device) is read at offset 0 and keeps its bytes. From
    /// a stream (a pipe, a FIFO, a device) the byte the probe took is returned, for the caller to write first. Where the
    /// folder's filesystem refuses O_TMPFILE, or the folder is not on the destination's filesystem (a symlinked
    /// destination), no probe is made. The nameless file is gone when its descriptor closes.
    /// The chain (no forced method) needs no probe: it falls back instead of failing.</remarks>
    /// <returns>The bytes the probe consumed from a streamed source (0 or 1); empty otherwise.</returns>
    /// <exception cref="ZeroCopyException">The kernel refused the method (EXDEV, EINVAL, EOPNOTSUPP, ENOSYS), with 0
    /// bytes done. Any other failure of the probe is left for the copy to meet.</exception>
    private static byte[] ProbeForcedMethod(SafeFileHandle input, in FdInfo from, SafeFileHandle output, string destination,
                                            TransferMethod? forced)
    {
        if (forced is not TransferMethod method || method == TransferMethod.ReadWrite)
        {
            return [];
        }

        string folder = Path.GetDirectoryName(destination) is { Length: > 0 } parent ? parent : ".";
        int fd = NativeFile.TryOpenPath(folder, OpenFlags.TMPFILE | OpenFlags.RDWR, 0x180 /* 0600 */, out _);
        if (fd < 0)
        {
            return [];
        }

        using var probe = new SafeFileHandle(fd, ownsHandle: true);
        if (NativeFile.Query(probe).device != NativeFile.Query(output).device)
        {
            return []; // the destination is a symlink into another filesystem: the folder's answer would not be its
        }

        // Holes as data: a probe whose byte falls in a hole must still make the method's call.
        var plan = new TransferPlan(null) { Method = method, Count = 1, KeepHoles = false };
        long moved;
        try
        {
            moved = TransferHandles(input, 0, probe, 0, in plan, out _, out _).Bytes;
        }
        catch (ZeroCopyException e) when (e.BytesTransferred == 0 && e.Errno is not (Errno.EXDEV or Errno.EINVAL
                                              or Errno.EOPNOTSUPP or Errno.ENOSYS))
        {
            // Not a refusal of the method (ENOSPC or EDQUOT for the probe's own block, say): the copy decides, as it
            // did without a probe; truncating the destination may be what frees the room it needs.
            return [];
        }

        var kind = (FdKind)unchecked((uint)from.kind);
        if (moved == 0 || kind is FdKind.REGULAR or FdKind.BLOCKDEV)
        {
            return [];
        }

        byte[] taken = new byte[moved];
        _ = Read(probe, 0, taken); // the byte just written to a private file
        return taken;
    }

    /// <summary>The refusal of a copy of a file onto itself, named by both paths.</summary>
    private static SameFileException SameFile(string source, string destination) =>
        new($"'{source}' and '{destination}' are the same file.", destination);

    /// <summary>Refuses a FIFO copied onto itself before anything opens it for reading: that open would wait for a
    /// writer that never comes, so the identity check after the opens would never run. Both paths are looked up with
    /// O_PATH, which follows symlinks like the real opens and neither reads, writes nor waits; a path that cannot be
    /// looked up is left to the real open to report.</summary>
    /// <exception cref="SameFileException">The source is a FIFO, and the destination is the same FIFO.</exception>
    private static void RefuseSameFifo(string source, string destination)
    {
        if (NativeFile.TryQueryPath(source, out FdInfo fifo) && (FdKind)unchecked((uint)fifo.kind) == FdKind.PIPE &&
            NativeFile.TryQueryPath(destination, out FdInfo target) &&
            target.device == fifo.device && target.inode == fifo.inode)
        {
            throw SameFile(source, destination);
        }
    }

    /// <summary>Opens the destination without ever truncating, creating or chmod-ing what must not be: an existing
    /// file is opened as it is and checked first; only a file this call creates gets a mode. Sets
    /// <paramref name="replace"/> when the destination is an existing regular file to be replaced: the caller truncates
    /// it, once nothing predictable can fail the copy any more.</summary>
    private static SafeFileHandle OpenCopyDestination(string source, in FdInfo from, string destination, CopyFileOptions options,
                                                      out bool replace)
    {
        replace = false;
        const OpenFlags Existing = OpenFlags.WRONLY | OpenFlags.NOCTTY;
        uint mode = from.mode & (options.PreserveMode ? 0xfffu : 0x1ffu); // 07777 or 0777
        for (int attempt = 0; ; attempt++)
        {
            int fd = NativeFile.TryOpenPath(destination, Existing, 0, out Errno error);
            if (fd >= 0)
            {
                return CheckExistingDestination(new SafeFileHandle(fd, ownsHandle: true), source, in from, destination, options,
                                                out replace);
            }

            if (error != Errno.ENOENT || attempt > 0)
            {
                throw PathErrors.For(error, destination, "open");
            }

            fd = NativeFile.TryOpenPath(destination, Existing | OpenFlags.CREAT | OpenFlags.EXCL, mode, out error);
            if (fd >= 0)
            {
                var created = new SafeFileHandle(fd, ownsHandle: true);
                if (options.PreserveMode)
                {
                    File.SetUnixFileMode(created, (UnixFileMode)mode); // fchmod: the umask does not apply
                }

                return created;
            }

            if (error != Errno.EEXIST)
            {
                throw PathErrors.For(error, destination, "open");
            }

            // Created by someone else between the two opens: open it as an existing file, once.
        }
    }

    private static SafeFileHandle CheckExistingDestination(SafeFileHandle output, string source, in FdInfo from,
                                                           string destination, CopyFileOptions options, out bool replace)
    {
        replace = false;
        try
        {
            FdInfo to = NativeFile.Query(output);
            if (to.device == from.device && to.inode == from.inode)
            {
                throw SameFile(source, destination);
            }

            if ((FdKind)unchecked((uint)to.kind) == FdKind.REGULAR)
            {
                if (!options.Overwrite)
                {
                    throw PathErrors.For(Errno.EEXIST, destination, "open");
                }

                replace = true;
            }

            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }
}
