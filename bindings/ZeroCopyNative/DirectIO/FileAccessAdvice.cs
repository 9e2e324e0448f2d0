using System;
using NativeAdvice = ZeroCopyNative.Interop.FileAdvice;

namespace ZeroCopyNative;

/// <summary>How a range of a file will be read, for <see cref="DirectFile.Advise"/>: the POSIX_FADV_* advice of
/// posix_fadvise(2). It steers the page cache, so with O_DIRECT it matters mostly to buffered users of the
/// file.</summary>
public enum FileAccessAdvice
{
    /// <summary>POSIX_FADV_NORMAL: no special treatment; the default read-ahead.</summary>
    Normal = 0,

    /// <summary>POSIX_FADV_RANDOM: expect access in random order; read-ahead is disabled.</summary>
    Random = 1,

    /// <summary>POSIX_FADV_SEQUENTIAL: expect access in order; read-ahead is doubled.</summary>
    Sequential = 2,

    /// <summary>POSIX_FADV_WILLNEED: read the range into the page cache now.</summary>
    WillNeed = 3,

    /// <summary>POSIX_FADV_DONTNEED: drop the range's clean pages from the page cache (a cold read
    /// follows).</summary>
    DontNeed = 4,

    /// <summary>POSIX_FADV_NOREUSE: the data will be read once.</summary>
    NoReuse = 5,
}

/// <summary>The one place that turns <see cref="FileAccessAdvice"/> into the header's POSIX_FADV_* values.</summary>
internal static class FileAccessAdviceConversion
{
    /// <summary>The POSIX_FADV_* value for <paramref name="advice"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="advice"/> is not a defined value.</exception>
    public static NativeAdvice ToNative(this FileAccessAdvice advice) => advice switch
    {
        FileAccessAdvice.Normal => NativeAdvice.NORMAL,
        FileAccessAdvice.Random => NativeAdvice.RANDOM,
        FileAccessAdvice.Sequential => NativeAdvice.SEQUENTIAL,
        FileAccessAdvice.WillNeed => NativeAdvice.WILLNEED,
        FileAccessAdvice.DontNeed => NativeAdvice.DONTNEED,
        FileAccessAdvice.NoReuse => NativeAdvice.NOREUSE,
        _ => throw new ArgumentOutOfRangeException(nameof(advice), advice, "Unknown FileAccessAdvice."),
    };
}
