using System;
using System.Runtime.InteropServices;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

public static partial class ZeroCopy
{
    /// <summary>
    /// Duplicates up to <paramref name="count"/> bytes queued in one pipe into another with tee(2), without consuming
    /// them: the source's reader still receives every byte. Waits (in the kernel for blocking pipes, with poll(2) for
    /// non-blocking ones) until there is data to duplicate and room for it.
    /// </summary>
    /// <remarks>Not a loop: tee never consumes, so a second call would duplicate the same bytes again. To copy a
    /// stream through, alternate Tee with a consuming read or splice of the source.</remarks>
    /// <param name="source">The source pipe's read end.</param>
    /// <param name="destination">The destination pipe's write end; a different pipe.</param>
    /// <param name="count">The most bytes to duplicate.</param>
    /// <param name="options">Flags for tee; with NonBlocking the wait happens in poll(2).</param>
    /// <returns>The bytes duplicated: at most <paramref name="count"/> and at most what the source holds; 0 when the
    /// source is empty and has no writers left (or <paramref name="count"/> is 0).</returns>
    /// <exception cref="ArgumentNullException">A handle is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">A handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">A handle is closed.</exception>
    /// <exception cref="ZeroCopyException">tee failed: EINVAL (an end is not a pipe, or both are the same pipe), EBADF
    /// (wrong ends), ENOMEM.</exception>
    public static long Tee(SafeHandle source, SafeHandle destination, long count, SpliceOptions options = SpliceOptions.None)
    {
        Descriptors.Validate(source, nameof(source));
        Descriptors.Validate(destination, nameof(destination));
        Descriptors.CheckCount(count);
        if (count == 0)
        {
            return 0;
        }

        using DescriptorScope input = DescriptorScope.Borrow(source);
        using DescriptorScope output = DescriptorScope.Borrow(destination);
        return TeeLoop.Run(input.Fd, output.Fd, count, options.ToNative()).ThrowIfFailed("tee");
    }

    /// <summary>
    /// Makes one tee(2) call with SPLICE_F_NONBLOCK: duplicates up to <paramref name="count"/> queued bytes from one
    /// pipe into another without waiting.
    /// </summary>
    /// <param name="source">The source pipe's read end.</param>
    /// <param name="destination">The destination pipe's write end.</param>
    /// <param name="count">The most bytes to duplicate.</param>
    /// <param name="bytesDuplicated">The bytes duplicated (0 when the source is empty with no writers, or false is
    /// returned).</param>
    /// <returns>false when the source is empty (with writers) or the destination full (EAGAIN); otherwise true.</returns>
    /// <exception cref="ArgumentNullException">A handle is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">A handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">A handle is closed.</exception>
    /// <exception cref="ZeroCopyException">tee failed with an error other than EAGAIN (EINVAL, EBADF, ENOMEM).</exception>
    public static bool TryTee(SafeHandle source, SafeHandle destination, long count, out long bytesDuplicated)
    {
        Descriptors.Validate(source, nameof(source));
        Descriptors.Validate(destination, nameof(destination));
        Descriptors.CheckCount(count);
        bytesDuplicated = 0;
        if (count == 0)
        {
            return true;
        }

        using DescriptorScope input = DescriptorScope.Borrow(source);
        using DescriptorScope output = DescriptorScope.Borrow(destination);
        LoopResult result = TeeLoop.Run(input.Fd, output.Fd, count, SpliceFlags.NONBLOCK, wait: false);
        if (result.Error == Errno.EAGAIN)
        {
            return false;
        }

        bytesDuplicated = result.ThrowIfFailed("tee");
        return true;
    }
}
