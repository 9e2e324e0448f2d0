using System;
using NativeAdvice = ZeroCopyNative.Interop.MemoryAdvice;

namespace ZeroCopyNative;

/// <summary>How a range of a <see cref="MappedFile"/> will be used, for
/// <see cref="MappedFile.Advise(MappedFileAdvice, long, long)"/>: the MADV_* advice of madvise(2).</summary>
public enum MappedFileAdvice
{
    /// <summary>MADV_NORMAL: no special treatment; the default read-ahead.</summary>
    Normal = 0,

    /// <summary>MADV_RANDOM: expect access in random order; read-ahead is reduced.</summary>
    Random = 1,

    /// <summary>MADV_SEQUENTIAL: expect access in order; read-ahead is increased and pages read are freed
    /// sooner.</summary>
    Sequential = 2,

    /// <summary>MADV_WILLNEED: expect access soon; the kernel starts reading the range in.</summary>
    WillNeed = 3,

    /// <summary>MADV_DONTNEED: the range is not needed now. Pages of a private or anonymous mapping are dropped, and
    /// read back as zeros (or from the file) on the next touch; only whole pages inside the range are
    /// affected.</summary>
    DontNeed = 4,

    /// <summary>MADV_FREE: the kernel may free the pages lazily, losing their contents (private anonymous mappings
    /// only; EINVAL otherwise).</summary>
    Free = 5,

    /// <summary>MADV_REMOVE: free the range and its backing store, punching a hole in the file (shared mappings of
    /// tmpfs, shmem and memfd).</summary>
    Remove = 6,

    /// <summary>MADV_DONTFORK: a child made by fork does not get the range.</summary>
    DontFork = 7,

    /// <summary>MADV_DOFORK: undoes <see cref="DontFork"/>.</summary>
    DoFork = 8,

    /// <summary>MADV_MERGEABLE: let kernel same-page merging (KSM) merge identical pages of the range.</summary>
    Mergeable = 9,

    /// <summary>MADV_UNMERGEABLE: undoes <see cref="Mergeable"/>.</summary>
    Unmergeable = 10,

    /// <summary>MADV_HUGEPAGE: back the range with transparent huge pages where possible (see
    /// <see cref="ZeroCopyCapabilities.TransparentHugePages"/>).</summary>
    HugePage = 11,

    /// <summary>MADV_NOHUGEPAGE: never back the range with transparent huge pages.</summary>
    NoHugePage = 12,

    /// <summary>MADV_DONTDUMP: leave the range out of core dumps.</summary>
    DontDump = 13,

    /// <summary>MADV_DODUMP: undoes <see cref="DontDump"/>.</summary>
    DoDump = 14,

    /// <summary>MADV_COLD (Linux 5.4): the range will not be used soon; reclaim it first under memory
    /// pressure.</summary>
    Cold = 15,

    /// <summary>MADV_PAGEOUT (Linux 5.4): reclaim the range now.</summary>
    PageOut = 16,

    /// <summary>MADV_POPULATE_READ (Linux 5.14): fault the range in readable now, reading the file;
    /// <see cref="MappedFile.Prefetch(long, long)"/> uses it.</summary>
    PopulateRead = 17,

    /// <summary>MADV_POPULATE_WRITE (Linux 5.14): fault the range in writable now (a private mapping gets its own
    /// copies).</summary>
    PopulateWrite = 18,

    /// <summary>MADV_WIPEONFORK (Linux 4.14): a child made by fork sees the range zero-filled (private anonymous
    /// mappings only; EINVAL otherwise).</summary>
    WipeOnFork = 19,

    /// <summary>MADV_KEEPONFORK: undoes <see cref="WipeOnFork"/>.</summary>
    KeepOnFork = 20,

    /// <summary>MADV_DONTNEED_LOCKED (Linux 5.18): <see cref="DontNeed"/> that also drops locked pages (of a
    /// mapping made with <see cref="MappedFileOptions.Locked"/>, for one).</summary>
    DontNeedLocked = 21,

    /// <summary>MADV_COLLAPSE (Linux 6.1): collapse the range into transparent huge pages now, synchronously
    /// (EINVAL where the range cannot hold one, EAGAIN when memory is short).</summary>
    Collapse = 22,

    /// <summary>MADV_GUARD_INSTALL (Linux 6.13): turn the range into guard pages: any access raises SIGSEGV, and the
    /// contents of private pages are dropped. Not for ranges the library reads through spans.</summary>
    GuardInstall = 23,

    /// <summary>MADV_GUARD_REMOVE (Linux 6.13): undoes <see cref="GuardInstall"/>; the pages read as zeros or as the
    /// file again.</summary>
    GuardRemove = 24,
}

/// <summary>The one place that turns <see cref="MappedFileAdvice"/> into the header's MADV_* values.</summary>
internal static class MappedFileAdviceConversion
{
    /// <summary>The MADV_* value for <paramref name="advice"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="advice"/> is not a defined value.</exception>
    public static NativeAdvice ToNative(this MappedFileAdvice advice) => advice switch
    {
        MappedFileAdvice.Normal => NativeAdvice.NORMAL,
        MappedFileAdvice.Random => NativeAdvice.RANDOM,
        MappedFileAdvice.Sequential => NativeAdvice.SEQUENTIAL,
        MappedFileAdvice.WillNeed => NativeAdvice.WILLNEED,
        MappedFileAdvice.DontNeed => NativeAdvice.DONTNEED,
        MappedFileAdvice.Free => NativeAdvice.FREE,
        MappedFileAdvice.Remove => NativeAdvice.REMOVE,
        MappedFileAdvice.DontFork => NativeAdvice.DONTFORK,
        MappedFileAdvice.DoFork => NativeAdvice.DOFORK,
        MappedFileAdvice.Mergeable => NativeAdvice.MERGEABLE,
        MappedFileAdvice.Unmergeable => NativeAdvice.UNMERGEABLE,
        MappedFileAdvice.HugePage => NativeAdvice.HUGEPAGE,
        MappedFileAdvice.NoHugePage => NativeAdvice.NOHUGEPAGE,
        MappedFileAdvice.DontDump => NativeAdvice.DONTDUMP,
        MappedFileAdvice.DoDump => NativeAdvice.DODUMP,
        MappedFileAdvice.Cold => NativeAdvice.COLD,
        MappedFileAdvice.PageOut => NativeAdvice.PAGEOUT,
        MappedFileAdvice.PopulateRead => NativeAdvice.POPULATE_READ,
        MappedFileAdvice.PopulateWrite => NativeAdvice.POPULATE_WRITE,
        MappedFileAdvice.WipeOnFork => NativeAdvice.WIPEONFORK,
        MappedFileAdvice.KeepOnFork => NativeAdvice.KEEPONFORK,
        MappedFileAdvice.DontNeedLocked => NativeAdvice.DONTNEED_LOCKED,
        MappedFileAdvice.Collapse => NativeAdvice.COLLAPSE,
        MappedFileAdvice.GuardInstall => NativeAdvice.GUARD_INSTALL,
        MappedFileAdvice.GuardRemove => NativeAdvice.GUARD_REMOVE,
        _ => throw new ArgumentOutOfRangeException(nameof(advice), advice, "Unknown MappedFileAdvice."),
    };

    /// <summary>True for the advice that throws page contents away, which must never reach a byte outside the
    /// caller's range.</summary>
    public static bool Discards(this MappedFileAdvice advice) =>
        advice is MappedFileAdvice.DontNeed or MappedFileAdvice.Free or MappedFileAdvice.Remove
            or MappedFileAdvice.DontNeedLocked or MappedFileAdvice.GuardInstall;
}
