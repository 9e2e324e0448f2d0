using System;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

public static partial class ZeroCopy
{
    /// <summary>
    /// Copies <paramref name="count"/> bytes between two regular files inside the kernel with copy_file_range(2)
    /// (sharing extents on filesystems that reflink), looping over partial copies until all are copied or the source
    /// ends. No fallback: use <see cref="Transfer(System.Runtime.InteropServices.SafeHandle, System.Runtime.InteropServices.SafeHandle, TransferOptions?)"/>
    /// for a copy that works whatever the kernel or filesystem supports.
    /// </summary>
    /// <param name="source">The source file, open for reading.</param>
    /// <param name="sourceOffset">Where to read (the file position is left alone), or null to read from and advance
    /// the file position.</param>
    /// <param name="destination">The destination file, open for writing, not O_APPEND.</param>
    /// <param name="destinationOffset">Where to write, or null to use and advance the file position.</param>
    /// <param name="count">The most bytes to copy.</param>
    /// <returns>The bytes copied: <paramref name="count"/>, or fewer when the source ended first.</returns>
    /// <exception cref="ArgumentNullException">A handle is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An offset or <paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">A handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">A handle is closed.</exception>
    /// <exception cref="ZeroCopyException">copy_file_range failed: EBADF (wrong access mode, or the destination is
    /// O_APPEND), EINVAL (not regular files, or overlapping ranges in one file), EXDEV (filesystems that cannot copy
    /// between them), EOPNOTSUPP, ENOSYS, EFBIG, ENOSPC, EIO; <see cref="ZeroCopyException.BytesTransferred"/> holds the
    /// bytes copied before the failure.</exception>
    public static unsafe long CopyFileRange(SafeFileHandle source, long? sourceOffset, SafeFileHandle destination,
                                     long? destinationOffset, long count)
    {
        Descriptors.CheckPair(source, sourceOffset, destination, destinationOffset, count);
        using DescriptorScope input = DescriptorScope.Borrow(source);
        using DescriptorScope output = DescriptorScope.Borrow(destination);
        long inOffset = sourceOffset.GetValueOrDefault();
        long outOffset = destinationOffset.GetValueOrDefault();
        var meter = new TransferMeter(null);
        return CopyFileRangeLoop.Run(input.Fd, sourceOffset.HasValue ? &inOffset : null, output.Fd,
                                     destinationOffset.HasValue ? &outOffset : null, count, ref meter)
                                .ThrowIfFailed("copy_file_range");
    }
}
