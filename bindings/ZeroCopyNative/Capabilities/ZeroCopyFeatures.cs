using System;
using NativeFlags = ZeroCopyNative.Interop.CapabilityFlags;

namespace ZeroCopyNative;

/// <summary>The system calls and kernel features libzcn found when it probed the kernel (zcn_capabilities), as
/// <see cref="ZeroCopyCapabilities.Features"/> reports them.</summary>
[Flags]
public enum ZeroCopyFeatures
{
    /// <summary>None of the features below.</summary>
    None = 0,

    /// <summary>copy_file_range(2) is implemented.</summary>
    CopyFileRange = (int)NativeFlags.COPY_FILE_RANGE,

    /// <summary>splice(2) is implemented.</summary>
    Splice = (int)NativeFlags.SPLICE,

    /// <summary>vmsplice(2) is implemented.</summary>
    VmSplice = (int)NativeFlags.VMSPLICE,

    /// <summary>tee(2) is implemented.</summary>
    Tee = (int)NativeFlags.TEE,

    /// <summary>memfd_create(2) is implemented.</summary>
    MemFd = (int)NativeFlags.MEMFD,

    /// <summary>statx(2) reports STATX_DIOALIGN (Linux 6.1), so <see cref="DirectFile.Alignment"/> is
    /// exact.</summary>
    DirectIOAlignment = (int)NativeFlags.STATX_DIOALIGN,

    /// <summary>io_uring_setup(2) is implemented and not disabled (kernel.io_uring_disabled).</summary>
    IoUring = (int)NativeFlags.IO_URING,
}
