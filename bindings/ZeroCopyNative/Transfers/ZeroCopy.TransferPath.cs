using System;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

public static partial class ZeroCopy
{
    /// <summary>
    /// Opens <paramref name="sourcePath"/> for reading (open(2) with O_RDONLY, O_NOCTTY and O_CLOEXEC) and moves it to
    /// <paramref name="destination"/> as <see cref="Transfer(SafeHandle, SafeHandle, TransferOptions?)"/> does, until
    /// it ends: what <c>cat FILE</c> does. The errors of the open are the kernel's, as File.OpenHandle would throw them,
    /// and those of the transfer name the path.
    /// </summary>
    /// <param name="sourcePath">Any file that can be opened for reading except a directory: a regular file, a FIFO, a
    /// character device, a /proc or /sys file.</param>
    /// <param name="destination">Where to write: a file, pipe, socket or device open for writing.</param>
    /// <param name="options">The count, offsets, method, progress and hole handling; null for the defaults. A
    /// <see cref="TransferOptions.SourceOffset"/> is where to start in the file (the file is opened at 0).</param>
    /// <returns>The bytes moved and the method that finished the transfer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sourcePath"/> or <paramref name="destination"/> is
    /// null.</exception>
    /// <exception cref="ArgumentException"><paramref name="sourcePath"/> is empty or holds a NUL, or the destination
    /// handle is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The count or an offset is negative.</exception>
    /// <exception cref="ObjectDisposedException">The destination is closed.</exception>
    /// <exception cref="FileNotFoundException">The path does not exist (ENOENT).</exception>
    /// <exception cref="DirectoryNotFoundException">A component of the path is not a directory (ENOTDIR).</exception>
    /// <exception cref="UnauthorizedAccessException">No permission (EACCES, EPERM), or the path is a directory
    /// (<see cref="Exception.HResult"/> EISDIR).</exception>
    /// <exception cref="PathTooLongException">The path is too long (ENAMETOOLONG).</exception>
    /// <exception cref="SameFileException">The file is the destination and the transfer could never end
    /// (<c>cat f &gt;&gt; f</c>).</exception>
    /// <exception cref="ZeroCopyException">open failed otherwise, or a system call of the transfer failed; it names
    /// the path and holds the bytes moved.</exception>
    public static TransferResult Transfer(string sourcePath, SafeHandle destination, TransferOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        Descriptors.Validate(destination, nameof(destination));
        TransferPlan.Validate(options);
        var plan = new TransferPlan(options);
        using SafeFileHandle source = NativeFile.Open(sourcePath, OpenFlags.RDONLY | OpenFlags.NOCTTY, 0);
        try
        {
            return TransferHandles(source, options?.SourceOffset ?? 0, destination, options?.DestinationOffset, in plan,
                                   out _, out _).ToResult();
        }
        catch (ZeroCopyException e) when (e.Path == null)
        {
            throw new ZeroCopyException(e.Operation, e.Errno, e.BytesTransferred, sourcePath);
        }
        catch (SameFileException e)
        {
            throw new SameFileException(e.Message, sourcePath);
        }
    }
}
