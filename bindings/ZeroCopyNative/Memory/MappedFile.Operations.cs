using System;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

public sealed unsafe partial class MappedFile
{
    // Set once a kernel older than 5.14 has refused MADV_POPULATE_READ, so Prefetch stops asking.
    private static volatile bool s_populateUnsupported;

    /// <summary>Whether Prefetch uses MADV_WILLNEED because MADV_POPULATE_READ was refused; tests set it to force
    /// that branch on a kernel that has both.</summary>
    internal static bool PopulateUnsupported
    {
        get => s_populateUnsupported;
        set => s_populateUnsupported = value;
    }

    /// <summary>Writes the whole window back to the file (msync(2)); see <see cref="Flush(long, long,
    /// bool)"/>.</summary>
    /// <param name="async">True for MS_ASYNC (schedule the write-back and return); false for MS_SYNC (wait).</param>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="ZeroCopyException">msync failed: EIO (write-back failed), ENOMEM (the range is no longer
    /// mapped).</exception>
    public void Flush(bool async = false) => Flush(0, Length, async);

    /// <summary>
    /// Writes the changed pages of a range back to the file (msync(2) with MS_SYNC, or MS_ASYNC when
    /// <paramref name="async"/>). The range is widened to whole pages. For a private or anonymous mapping there is
    /// nothing to write back and the call only checks the range.
    /// </summary>
    /// <param name="offset">The offset in the window.</param>
    /// <param name="length">The length; 0 does nothing.</param>
    /// <param name="async">True for MS_ASYNC (schedule the write-back and return); false for MS_SYNC (wait).</param>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or runs past <see
    /// cref="Length"/>.</exception>
    /// <exception cref="ZeroCopyException">msync failed: EIO (write-back failed), ENOMEM (the range is no longer
    /// mapped).</exception>
    public void Flush(long offset, long length, bool async = false)
    {
        ThrowIfDisposed();
        CheckRange(offset, length);
        if (length == 0)
        {
            return;
        }

        int flags = (int)(async ? MsyncFlags.ASYNC : MsyncFlags.SYNC);
        using DescriptorScope lease = DescriptorScope.Borrow(_handle); // no unmap while the call uses the memory
        (nint start, long bytes) = Pages(offset, length, inward: false);
        NativeResult.Check(Zcn.msync((void*)start, (ulong)bytes, flags), "msync");
    }

    /// <summary>Gives the kernel advice about the whole window (madvise(2)); see
    /// <see cref="Advise(MappedFileAdvice, long, long)"/>.</summary>
    /// <param name="advice">The advice.</param>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="advice"/> is not a defined value.</exception>
    /// <exception cref="ZeroCopyException">madvise failed: EINVAL (advice that does not apply to this kind of
    /// mapping, or that the kernel predates), EAGAIN, ENOMEM, EFAULT/EHWPOISON (a Populate advice met a page it
    /// could not fault in, such as one past the end of a file that shrank).</exception>
    public void Advise(MappedFileAdvice advice) => Advise(advice, 0, Length);

    /// <summary>
    /// Gives the kernel advice about a range of the window (madvise(2)). The range is widened to whole pages,
    /// except for the advice that discards contents (DontNeed, Free, Remove): for those it is narrowed to the pages
    /// that lie wholly inside the range (or inside the window at its ends), so that no byte outside it is lost.
    /// </summary>
    /// <param name="advice">The advice (MADV_*).</param>
    /// <param name="offset">The offset in the window, in bytes.</param>
    /// <param name="length">The length in bytes; 0 does nothing.</param>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="advice"/> is not a defined value, or the range
    /// is negative or runs past <see cref="Length"/>.</exception>
    /// <exception cref="ZeroCopyException">madvise failed: EINVAL (advice that does not apply to this kind of
    /// mapping, such as Free on a shared one, or that the kernel predates), EAGAIN, ENOMEM, EPERM, EFAULT/EHWPOISON
    /// (a Populate advice met a page it could not fault in).</exception>
    public void Advise(MappedFileAdvice advice, long offset, long length)
    {
        ThrowIfDisposed();
        int native = unchecked((int)advice.ToNative());
        CheckRange(offset, length);
        if (length == 0)
        {
            return;
        }

        using DescriptorScope lease = DescriptorScope.Borrow(_handle); // no unmap while the call uses the memory
        (nint start, long bytes) = Pages(offset, length, inward: advice.Discards());
        if (bytes > 0)
        {
            NativeResult.Check(Zcn.madvise((void*)start, (ulong)bytes, native), "madvise");
        }
    }

    /// <summary>Faults the whole window in; see <see cref="Prefetch(long, long)"/>.</summary>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="ZeroCopyException">madvise failed: EFAULT (a page lies past the end of a file that shrank),
    /// EHWPOISON, ENOMEM.</exception>
    public void Prefetch() => Prefetch(0, Length);

    /// <summary>
    /// Faults a range in before it is touched: madvise(2) with MADV_POPULATE_READ (Linux 5.14), which reads the
    /// pages and maps them, so <see cref="ResidentBytes(long, long)"/> reports them afterwards; on an older kernel,
    /// MADV_WILLNEED, which only starts read-ahead. The range is widened to whole pages.
    /// </summary>
    /// <param name="offset">The offset in the window.</param>
    /// <param name="length">The length; 0 does nothing.</param>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or runs past <see
    /// cref="Length"/>.</exception>
    /// <exception cref="ZeroCopyException">madvise failed: EFAULT (a page lies past the end of a file that shrank),
    /// EHWPOISON, ENOMEM, EAGAIN.</exception>
    public void Prefetch(long offset, long length)
    {
        ThrowIfDisposed();
        CheckRange(offset, length);
        if (length == 0)
        {
            return;
        }

        using DescriptorScope lease = DescriptorScope.Borrow(_handle); // no unmap while the call uses the memory
        (nint start, long bytes) = Pages(offset, length, inward: false);
        if (!s_populateUnsupported)
        {
            int result = Zcn.madvise((void*)start, (ulong)bytes, (int)MemoryAdvice.POPULATE_READ);
            if (result != -(int)Errno.EINVAL)
            {
                NativeResult.Check(result, "madvise");
                return;
            }

            // EINVAL: the kernel predates MADV_POPULATE_READ. Remember it and use read-ahead instead.
            s_populateUnsupported = true;
        }

        NativeResult.Check(Zcn.madvise((void*)start, (ulong)bytes, (int)MemoryAdvice.WILLNEED), "madvise");
    }

    /// <summary>The bytes of the whole window that are resident in memory (mincore(2)); see
    /// <see cref="ResidentBytes(long, long)"/>.</summary>
    /// <returns>The resident bytes, from 0 to <see cref="Length"/>.</returns>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="ZeroCopyException">mincore failed: ENOMEM (the range is no longer mapped).</exception>
    public long ResidentBytes() => ResidentBytes(0, Length);

    /// <summary>
    /// How many bytes of a range are resident in memory (mincore(2)): the bytes of the range that lie in resident
    /// pages, so a fully resident range reports exactly <paramref name="length"/>. For a file mapping, a page counts
    /// as resident when it is in the page cache, whether or not this process has touched it. A snapshot: the kernel
    /// may evict pages at any moment.
    /// </summary>
    /// <param name="offset">The offset in the window.</param>
    /// <param name="length">The length.</param>
    /// <returns>The resident bytes, from 0 to <paramref name="length"/>.</returns>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or runs past <see
    /// cref="Length"/>.</exception>
    /// <exception cref="ZeroCopyException">mincore failed: ENOMEM (the range is no longer mapped).</exception>
    public long ResidentBytes(long offset, long length)
    {
        ThrowIfDisposed();
        CheckRange(offset, length);
        if (length == 0)
        {
            return 0;
        }

        const int ChunkPages = 1024;
        byte* vec = stackalloc byte[ChunkPages];
        long page = PageMath.PageSize;
        using DescriptorScope lease = DescriptorScope.Borrow(_handle); // no unmap while the call uses the memory
        long first = (long)(_data + offset);
        long end = first + length;
        long pageStart = first & ~(page - 1);
        long resident = 0;
        while (pageStart < end)
        {
            long pages = Math.Min(ChunkPages, (end - pageStart + page - 1) / page);
            NativeResult.Check(Zcn.mincore((void*)pageStart, (ulong)(pages * page), vec), "mincore");
            for (long i = 0; i < pages; i++, pageStart += page)
            {
                if ((vec[i] & 1) != 0)
                {
                    // Count only the part of the page inside the range.
                    resident += Math.Min(end, pageStart + page) - Math.Max(first, pageStart);
                }
            }
        }

        return resident;
    }

    /// <summary>
    /// The pages covering a range of the window. Widened (outward) by default. Narrowed (inward) for advice that
    /// discards data, except at the window's own ends: the bytes of the first and last page that lie outside the
    /// window are not the caller's data (they precede <see cref="Offset"/> or follow the end), so dropping them loses
    /// nothing visible.
    /// </summary>
    private (nint Start, long Bytes) Pages(long offset, long length, bool inward)
    {
        long first = (long)(_data + offset);
        long end = first + length;
        long start;
        long stop;
        if (!inward)
        {
            start = first & ~(PageMath.PageSize - 1);
            stop = PageMath.AlignUp(end);
        }
        else
        {
            start = offset == 0 ? first & ~(PageMath.PageSize - 1) : PageMath.AlignUp(first);
            stop = offset + length == Length ? PageMath.AlignUp(end) : end & ~(PageMath.PageSize - 1);
        }

        return ((nint)start, Math.Max(0, stop - start));
    }
}
