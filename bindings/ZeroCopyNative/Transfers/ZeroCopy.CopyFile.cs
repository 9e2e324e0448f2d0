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
    /// <see cref="CopyFileOptions.Overwrite"/>: truncated after the identity check, keeping its own mode. An existing
    /// device, FIFO or socket is written into as it is: never truncated, never chmod-ed.</para>
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

        using SafeFileHandle output = OpenCopyDestination(source, in from, destination, options);
        var plan = new TransferPlan(null) { Method = options.Method, Progress = options.Progress, KeepHoles = options.KeepHoles };
        try
        {
            return TransferHandles(input, 0, output, 0, in plan, out _, out _).ToResult();
        }
        catch (ZeroCopyException e) when (e.Path == null)
        {
            bool destinationsFault = e.Errno is Errno.ENOSPC or Errno.EDQUOT or Errno.EFBIG or Errno.EROFS or Errno.EPIPE
                                              or Errno.EXDEV or Errno.EBADF;
            throw new ZeroCopyException(e.Operation, e.Errno, e.BytesTransferred, destinationsFault ? destination : source);
        }
    }

    private static readonly CopyFileOptions s_defaultCopyOptions = new();

    /// <summary>Refuses a FIFO copied onto itself before anything opens it for reading: that open would wait for a
    /// writer that never comes, so the identity check after the opens would never run. Both paths are looked up with
    /// O_PATH, which follows symlinks like the real opens and neither reads, writes nor waits; a path that cannot be
    /// looked up is left to the real open to report.</summary>
    /// <exception cref="SameFileException">The source is a FIFO, and the destination is the same FIFO.</exception>
    private static void RefuseSameFifo(string source, string destination)
    {
        if (Identify(source) is not { Kind: FdKind.PIPE } fifo || Identify(destination) is not { } target ||
            target.Device != fifo.Device || target.Inode != fifo.Inode)
        {
            return;
        }

        throw new SameFileException($"'{source}' and '{destination}' are the same file.", destination);
    }

    /// <summary>The kind and (st_dev, st_ino) of the file a path names, through an O_PATH descriptor; null when the
    /// path cannot be looked up.</summary>
    private static (FdKind Kind, ulong Device, ulong Inode)? Identify(string path)
    {
        int fd = NativeFile.TryOpenPath(path, OpenFlags.PATH, 0, out _);
        if (fd < 0)
        {
            return null;
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        FdInfo info = NativeFile.Query(handle);
        return ((FdKind)unchecked((uint)info.kind), info.device, info.inode);
    }

    /// <summary>Opens the destination without ever truncating, creating or chmod-ing what must not be: an existing
    /// file is opened as it is and checked first; only a file this call creates gets a mode.</summary>
    private static SafeFileHandle OpenCopyDestination(string source, in FdInfo from, string destination, CopyFileOptions options)
    {
        const OpenFlags Existing = OpenFlags.WRONLY | OpenFlags.NOCTTY;
        uint mode = from.mode & (options.PreserveMode ? 0xfffu : 0x1ffu); // 07777 or 0777
        for (int attempt = 0; ; attempt++)
        {
            int fd = NativeFile.TryOpenPath(destination, Existing, 0, out Errno error);
            if (fd >= 0)
            {
                return CheckExistingDestination(new SafeFileHandle(fd, ownsHandle: true), source, in from, destination, options);
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
                                                           string destination, CopyFileOptions options)
    {
        try
        {
            FdInfo to = NativeFile.Query(output);
            if (to.device == from.device && to.inode == from.inode)
            {
                throw new SameFileException($"'{source}' and '{destination}' are the same file.", destination);
            }

            if ((FdKind)unchecked((uint)to.kind) == FdKind.REGULAR)
            {
                if (!options.Overwrite)
                {
                    throw PathErrors.For(Errno.EEXIST, destination, "open");
                }

                NativeFile.Truncate(output, destination);
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
