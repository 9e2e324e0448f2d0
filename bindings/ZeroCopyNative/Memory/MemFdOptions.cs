using System;
using NativeFlags = ZeroCopyNative.Interop.MemFdFlags;

namespace ZeroCopyNative;

/// <summary>Options for <see cref="MemFd.Create"/>: the MFD_* flags of memfd_create(2). MFD_CLOEXEC is not among
/// them because it is always added.</summary>
[Flags]
public enum MemFdOptions
{
    /// <summary>No option: a memfd on ordinary pages that can never be sealed (its seals read as
    /// <see cref="FileSeals.Seal"/>).</summary>
    None = 0,

    /// <summary>MFD_ALLOW_SEALING: permit <see cref="MemFd.AddSeals"/>.</summary>
    AllowSealing = (int)NativeFlags.ALLOW_SEALING,

    /// <summary>MFD_HUGETLB: back the file with huge pages from the hugetlbfs pool (EINVAL or ENOMEM from
    /// memfd_create when none are reserved).</summary>
    HugePages = (int)NativeFlags.HUGETLB,
}

/// <summary>The one place that turns <see cref="MemFdOptions"/> into the header's MFD_* values. The members take
/// their values from the generated enum, so the conversion only has to refuse unknown bits.</summary>
internal static class MemFdOptionsConversion
{
    private const MemFdOptions All = MemFdOptions.AllowSealing | MemFdOptions.HugePages;

    /// <summary>The MFD_* flags for <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> holds an undefined bit.</exception>
    public static NativeFlags ToNative(this MemFdOptions options) =>
        (options & ~All) == 0
            ? (NativeFlags)(uint)options
            : throw new ArgumentOutOfRangeException(nameof(options), options, "Unknown MemFdOptions bits.");
}
