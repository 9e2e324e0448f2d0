namespace ZeroCopyNative;

/// <summary>The system-wide transparent huge page policy (/sys/kernel/mm/transparent_hugepage/enabled).</summary>
public enum TransparentHugePageMode
{
    /// <summary>The kernel has no transparent huge pages, or the setting could not be read.</summary>
    Unavailable = 0,

    /// <summary>"always": every suitable anonymous mapping may get huge pages.</summary>
    Always = 1,

    /// <summary>"madvise": only ranges advised with MADV_HUGEPAGE get huge pages.</summary>
    Madvise = 2,

    /// <summary>"never": no transparent huge pages.</summary>
    Never = 3,
}
