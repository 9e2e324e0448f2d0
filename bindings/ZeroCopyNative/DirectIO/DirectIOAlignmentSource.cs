using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>Where a <see cref="DirectIOAlignment"/> came from (zcn_dio_alignment), which says how far to trust
/// it.</summary>
public enum DirectIOAlignmentSource
{
    /// <summary>Not known: a <see cref="DirectIOAlignment"/> made by hand or left at its default.</summary>
    Unknown = 0,

    /// <summary>statx(2) with STATX_DIOALIGN (Linux 6.1, on filesystems that report it): exact.</summary>
    Statx = 1,

    /// <summary>The logical block size of the block device that holds the file (ioctl BLKSSZGET): right for most
    /// filesystems.</summary>
    BlockDevice = 2,

    /// <summary>The file's st_blksize from fstat(2): a conservative guess.</summary>
    BlockSize = 3,
}

/// <summary>The one place that reads the header's zcn_dio_source values.</summary>
internal static class DirectIOAlignmentSourceConversion
{
    /// <summary>The source for a <see cref="DioInfo.source"/> value; <see cref="DirectIOAlignmentSource.Unknown"/>
    /// for one this version does not know.</summary>
    public static DirectIOAlignmentSource FromNative(int source) => (DioSource)unchecked((uint)source) switch
    {
        DioSource.STATX => DirectIOAlignmentSource.Statx,
        DioSource.BLOCK_DEVICE => DirectIOAlignmentSource.BlockDevice,
        DioSource.BLKSIZE => DirectIOAlignmentSource.BlockSize,
        _ => DirectIOAlignmentSource.Unknown,
    };
}
