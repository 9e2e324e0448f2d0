using System;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

internal static partial class TransferEngine
{
    /// <summary>Whether holes can be kept: a regular file into a regular file written at offsets, starting at or after
    /// the destination's end, where a range that is skipped reads back as zeros. Elsewhere a skipped hole would leave
    /// old bytes (or nothing, for a pipe), so holes go out as zeros.</summary>
    private static bool KeepsHoles(in TransferEndpoint source, in TransferEndpoint destination) =>
        source.IsRegular && destination.IsRegular && destination.WritesAtOffset && destination.Offset >= destination.Size;

    /// <summary>
    /// Copies the data of a sparse file and skips its holes, as <c>cp --sparse=auto</c> does: lseek SEEK_DATA finds the
    /// next data, SEEK_HOLE its end, the chain (or the forced method) copies that segment, and holes only advance both offsets. At the end
    /// the destination is extended (ftruncate) to the offset reached, so a trailing hole exists too. The walk asks
    /// the file itself where its data and its end are at each step, so a file that grows while it is copied is
    /// copied to its new end; st_size is never the end of the input.
    /// </summary>
    /// <remarks>Hole bytes count as moved (they are part of the content, and progress includes them). A filesystem
    /// without SEEK_DATA support reports the whole file as data (the kernel's generic answer), so the walk then
    /// degrades to one segment.</remarks>
    private static void RunSparse(ref TransferEndpoint source, ref TransferEndpoint destination, ref Chain chain, long count)
    {
        CopySegments(ref source, ref destination, ref chain, count);
        ExtendToOffset(in destination, chain.Meter.Moved);
    }

    private static void CopySegments(ref TransferEndpoint source, ref TransferEndpoint destination, ref Chain chain, long count)
    {
        long end = count > long.MaxValue - source.Offset ? long.MaxValue : source.Offset + count;
        // SEEK_DATA and SEEK_HOLE move the file position: the caller's, when given an offset, is put back at the end.
        Errno saved = source.RememberCallersPosition();
        if (saved != 0)
        {
            throw new ZeroCopyException("lseek", saved, 0);
        }

        while (source.Offset < end)
        {
            long data = Zcn.lseek(source.Fd, source.Offset, (int)Whence.SEEK_DATA);
            if (data < 0 && NativeResult.ErrnoOf(data) != Errno.ENXIO)
            {
                // No hole information (procfs answers EINVAL): copy the rest as data, until the input ends.
                _ = RunSegment(ref source, ref destination, ref chain, end == long.MaxValue ? end : end - source.Offset);
                return;
            }

            if (data < 0)
            {
                // No data after the offset: up to the file's current end, the rest is a hole. Past that end the
                // chain still reads until the input ends, because a size is not an end: /proc files report 0, and a
                // file may grow.
                long size = NativeFile.Query(source.Fd).size;
                SkipHole(ref source, ref destination, ref chain, Math.Min(size, end));
                if (source.Offset < end)
                {
                    _ = RunSegment(ref source, ref destination, ref chain, end == long.MaxValue ? end : end - source.Offset);
                }

                return;
            }

            SkipHole(ref source, ref destination, ref chain, Math.Min(data, end));
            if (source.Offset >= end)
            {
                return;
            }

            long hole = Zcn.lseek(source.Fd, source.Offset, (int)Whence.SEEK_HOLE);
            if (hole < 0)
            {
                throw new ZeroCopyException("lseek(SEEK_HOLE)", NativeResult.ErrnoOf(hole), chain.Meter.Moved);
            }

            // The segment may have grown by the time it is copied; copying exactly to this hole is still right,
            // and the next SEEK_DATA finds whatever came after.
            long segment = Math.Min(hole, end) - source.Offset;
            long before = chain.Meter.Moved;
            bool ended = RunSegment(ref source, ref destination, ref chain, segment);
            if (ended && chain.Meter.Moved - before < segment)
            {
                return; // the file shrank under us: its end is here
            }
        }
    }

    /// <summary>Advances both offsets over a hole that ends at <paramref name="holeEnd"/>, writing nothing.</summary>
    private static void SkipHole(ref TransferEndpoint source, ref TransferEndpoint destination, ref Chain chain, long holeEnd)
    {
        long hole = holeEnd - source.Offset;
        if (hole > 0)
        {
            source.Offset += hole;
            destination.Offset += hole;
            chain.Meter.Add(hole);
        }
    }

    /// <summary>Makes the destination at least as long as the offset reached, so that skipped holes at the end exist.
    /// Never shortens it.</summary>
    private static void ExtendToOffset(in TransferEndpoint destination, long moved)
    {
        if (moved == 0)
        {
            return;
        }

        long size = NativeFile.Query(destination.Fd).size;
        if (size < destination.Offset)
        {
            NativeResult.Check(Zcn.ftruncate(destination.Fd, destination.Offset), "ftruncate");
        }
    }
}
