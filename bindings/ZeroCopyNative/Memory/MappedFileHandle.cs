using System;
using System.Runtime.InteropServices;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// Owns one mapping made by mmap(2): its page-aligned start address and its length. Releasing the handle calls
/// munmap(2) through zcn_munmap. <see cref="MappedFile"/> keeps the mapping alive through this handle's reference
/// count: every operation it performs, and every <see cref="System.Buffers.MemoryHandle"/> pinned from its
/// <see cref="MappedFile.Memory"/>, holds a reference, so <see cref="SafeHandle.Dispose()"/> unmaps only when the last
/// one is released.
/// </summary>
/// <remarks>Thread-safe, as every <see cref="SafeHandle"/> is: <see cref="SafeHandle.DangerousAddRef"/>,
/// <see cref="SafeHandle.DangerousRelease"/> and <see cref="SafeHandle.Dispose()"/> may race freely.</remarks>
public sealed class MappedFileHandle : SafeHandle
{
    internal MappedFileHandle(IntPtr address, long mappedLength)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        MappedLength = mappedLength;
        SetHandle(address);
    }

    /// <summary>The bytes mapped from the handle's page-aligned start address (what munmap(2) is given).</summary>
    public long MappedLength { get; }

    /// <summary>True when no mapping is held (the address is NULL).</summary>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Unmaps the range with munmap(2). Runs once, when the handle is disposed and no reference
    /// remains.</summary>
    /// <returns>True when munmap succeeded (it fails only for a corrupt address or length).</returns>
    protected override unsafe bool ReleaseHandle() => Zcn.munmap((void*)handle, (ulong)MappedLength) == 0;
}
