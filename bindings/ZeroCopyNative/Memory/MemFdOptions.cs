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

    /// <summary>MFD_HUGETLB: back the file with huge pages of the system's default size from the hugetlbfs pool
    /// (memfd_create succeeds without a pool; ftruncate or the first touch of a mapping then fails).</summary>
    HugePages = (int)NativeFlags.HUGETLB,

    /// <summary>MFD_HUGETLB | MFD_HUGE_2MB: huge pages of 2 MiB. memfd_create fails with ENODEV (or EINVAL) where
    /// the machine has no pool of that size.</summary>
    HugePages2MB = (int)(NativeFlags.HUGETLB | NativeFlags.HUGE_2MB),

    /// <summary>MFD_HUGETLB | MFD_HUGE_1GB: huge pages of 1 GiB. memfd_create fails with ENODEV (or EINVAL) where
    /// the machine has no pool of that size.</summary>
    HugePages1GB = (int)(NativeFlags.HUGETLB | NativeFlags.HUGE_1GB),

    /// <summary>MFD_NOEXEC_SEAL (Linux 6.3): a memfd that can never be executed: its mode has no execute bits and
    /// it carries <see cref="FileSeals.Exec"/>. Implies <see cref="AllowSealing"/>. Cannot be combined with
    /// <see cref="Executable"/>. Older kernels refuse it with EINVAL.</summary>
    NoExecSeal = (int)NativeFlags.NOEXEC_SEAL,

    /// <summary>MFD_EXEC (Linux 6.3): a memfd that may be executed, asked for explicitly (the default unless the
    /// sysctl vm.memfd_noexec says otherwise; EACCES where it is 2). Older kernels refuse it with EINVAL.</summary>
    Executable = (int)NativeFlags.EXEC,
}

/// <summary>The one place that turns <see cref="MemFdOptions"/> into the header's MFD_* values. The members take
/// their values from the generated enum, so the conversion only has to refuse unknown bits and combinations that
/// name no single page size or ask for opposites.</summary>
internal static class MemFdOptionsConversion
{
    private const MemFdOptions All = MemFdOptions.AllowSealing | MemFdOptions.HugePages2MB |
                                     MemFdOptions.HugePages1GB | MemFdOptions.NoExecSeal | MemFdOptions.Executable;

    private const MemFdOptions SizeField = (MemFdOptions)((int)Interop.HugePageEncoding.MASK << (int)Interop.HugePageEncoding.SHIFT);

    /// <summary>The MFD_* flags for <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> holds an undefined bit, two
    /// huge-page sizes, or a size without MFD_HUGETLB.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> holds both <see cref="MemFdOptions.NoExecSeal"/>
    /// and <see cref="MemFdOptions.Executable"/>.</exception>
    public static NativeFlags ToNative(this MemFdOptions options)
    {
        MemFdOptions size = options & SizeField;
        bool namedSize = size == 0 || size == (MemFdOptions.HugePages2MB & SizeField) ||
                         size == (MemFdOptions.HugePages1GB & SizeField);
        // A size without MFD_HUGETLB, or two sizes or'ed into another, is no page size the caller asked for.
        bool sizeWithoutHugePages = size != 0 && (options & MemFdOptions.HugePages) == 0;
        if ((options & ~All) != 0 || !namedSize || sizeWithoutHugePages)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options, "Unknown MemFdOptions bits.");
        }

        if ((options & (MemFdOptions.NoExecSeal | MemFdOptions.Executable)) ==
            (MemFdOptions.NoExecSeal | MemFdOptions.Executable))
        {
            throw new ArgumentException("NoExecSeal and Executable ask for opposites.", nameof(options));
        }

        return (NativeFlags)(uint)options;
    }
}
