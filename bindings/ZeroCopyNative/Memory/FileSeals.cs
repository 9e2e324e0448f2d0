using System;
using NativeSeals = ZeroCopyNative.Interop.MemFdSeals;

namespace ZeroCopyNative;

/// <summary>The seals of a memfd (the F_SEAL_* values of fcntl(2) F_ADD_SEALS and F_GET_SEALS): promises about
/// the file that the kernel enforces for every holder of a descriptor. Seals can be added, never removed.</summary>
[Flags]
public enum FileSeals
{
    /// <summary>No seal.</summary>
    None = 0,

    /// <summary>F_SEAL_SEAL: no more seals can be added.</summary>
    Seal = (int)NativeSeals.SEAL,

    /// <summary>F_SEAL_SHRINK: the file can never shrink (ftruncate to a smaller size fails with EPERM), so its
    /// mappings can never raise SIGBUS.</summary>
    Shrink = (int)NativeSeals.SHRINK,

    /// <summary>F_SEAL_GROW: the file can never grow.</summary>
    Grow = (int)NativeSeals.GROW,

    /// <summary>F_SEAL_WRITE: the contents can never change (EBUSY while a writable shared mapping
    /// exists).</summary>
    Write = (int)NativeSeals.WRITE,

    /// <summary>F_SEAL_FUTURE_WRITE (Linux 5.1): no new writes or writable mappings; existing mappings keep
    /// writing.</summary>
    FutureWrite = (int)NativeSeals.FUTURE_WRITE,

    /// <summary>F_SEAL_EXEC (Linux 6.3): the execute bits of the file's mode can never change (fchmod fails with
    /// EPERM). <see cref="MemFdOptions.NoExecSeal"/> creates a memfd with it.</summary>
    Exec = (int)NativeSeals.EXEC,
}

/// <summary>The one place that converts <see cref="FileSeals"/> to and from the header's F_SEAL_* values. The members
/// take their values from the generated enum, so the conversion only has to refuse unknown bits.</summary>
internal static class FileSealsConversion
{
    private const FileSeals All = FileSeals.Seal | FileSeals.Shrink | FileSeals.Grow | FileSeals.Write |
                                  FileSeals.FutureWrite | FileSeals.Exec;

    /// <summary>The F_SEAL_* bits for <paramref name="seals"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="seals"/> holds an undefined bit.</exception>
    public static NativeSeals ToNative(this FileSeals seals) =>
        (seals & ~All) == 0
            ? (NativeSeals)(uint)seals
            : throw new ArgumentOutOfRangeException(nameof(seals), seals, "Unknown FileSeals bits.");

    /// <summary>The seals for the bits F_GET_SEALS returned. Bits this version does not name (a newer kernel's
    /// seals) are kept, so that nothing the kernel said is lost.</summary>
    public static FileSeals FromNative(int seals) => (FileSeals)seals;
}
