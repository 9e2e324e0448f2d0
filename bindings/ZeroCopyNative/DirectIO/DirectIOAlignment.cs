using System;
using System.Globalization;

namespace ZeroCopyNative;

/// <summary>
/// What O_DIRECT demands of a file's transfers, from zcn_dio_alignment: statx(STATX_DIOALIGN), else the block
/// device's logical block size (BLKSSZGET), else st_blksize. <see cref="DirectFile"/> checks every transfer against
/// these rules before the system call.
/// </summary>
/// <remarks>An immutable value; thread-safe.</remarks>
public readonly struct DirectIOAlignment : IEquatable<DirectIOAlignment>
{
    /// <summary>Creates an alignment description.</summary>
    /// <param name="memoryAlignment">The alignment of the buffer's address and length.</param>
    /// <param name="offsetAlignment">The alignment of the file offset and the transfer length.</param>
    /// <param name="source">Where the numbers came from.</param>
    public DirectIOAlignment(int memoryAlignment, int offsetAlignment, DirectIOAlignmentSource source)
    {
        MemoryAlignment = memoryAlignment;
        OffsetAlignment = offsetAlignment;
        Source = source;
    }

    /// <summary>The buffer's address (and, on most filesystems, its length) must be a multiple of this
    /// (statx stx_dio_mem_align).</summary>
    public int MemoryAlignment { get; }

    /// <summary>The file offset and the transfer length must be multiples of this (statx
    /// stx_dio_offset_align).</summary>
    public int OffsetAlignment { get; }

    /// <summary>Where the numbers came from: Statx (exact), BlockDevice (the device's logical block size) or
    /// BlockSize (st_blksize, a conservative guess).</summary>
    public DirectIOAlignmentSource Source { get; }

    /// <summary>The alignment a buffer needs to satisfy both rules: the larger of the two.</summary>
    public int BufferAlignment => Math.Max(Math.Max(MemoryAlignment, OffsetAlignment), IntPtr.Size);

    /// <inheritdoc/>
    public bool Equals(DirectIOAlignment other) =>
        MemoryAlignment == other.MemoryAlignment && OffsetAlignment == other.OffsetAlignment && Source == other.Source;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DirectIOAlignment other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(MemoryAlignment, OffsetAlignment, Source);

    /// <summary>"memory 512, offset 512 (Statx)".</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"memory {MemoryAlignment}, offset {OffsetAlignment} ({Source})");

    /// <summary>Equality.</summary>
    /// <param name="left">One value.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when equal.</returns>
    public static bool operator ==(DirectIOAlignment left, DirectIOAlignment right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">One value.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when different.</returns>
    public static bool operator !=(DirectIOAlignment left, DirectIOAlignment right) => !left.Equals(right);
}
