using System;
using NativeFlags = ZeroCopyNative.Interop.MapFlags;

namespace ZeroCopyNative;

/// <summary>Options of a <see cref="MappedFile"/> beyond its access and sharing: extra MAP_* flags of
/// mmap(2).</summary>
[Flags]
public enum MappedFileOptions
{
    /// <summary>No option: pages are faulted in on first touch and may be swapped or dropped.</summary>
    None = 0,

    /// <summary>MAP_LOCKED: lock the pages in memory as mlock(2) would, faulting them all in when the mapping is
    /// made, so no access ever waits for the disk. The locked bytes count against RLIMIT_MEMLOCK: beyond it
    /// mmap fails with ENOMEM or EAGAIN (unless the process has CAP_IPC_LOCK).</summary>
    Locked = 1,
}

/// <summary>The one place that turns <see cref="MappedFileOptions"/> into the header's MAP_* values.</summary>
internal static class MappedFileOptionsConversion
{
    private const MappedFileOptions All = MappedFileOptions.Locked;

    /// <summary>The MAP_* flags for <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> holds an undefined bit.</exception>
    public static NativeFlags ToNative(this MappedFileOptions options)
    {
        if ((options & ~All) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options, "Unknown MappedFileOptions bits.");
        }

        return (options & MappedFileOptions.Locked) != 0 ? NativeFlags.LOCKED : 0;
    }
}
