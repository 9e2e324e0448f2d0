using System;
using System.Globalization;

namespace ZeroCopyNative;

/// <summary>
/// The O_DIRECT alignment rules, checked before the system call so that a misaligned transfer fails with a message
/// naming the rule and the alignment required, instead of the kernel's bare EINVAL.
/// </summary>
internal static class DirectIOChecks
{
    /// <summary>Throws ArgumentException unless the address, the length and the offset obey
    /// <paramref name="alignment"/>.</summary>
    public static void Check(DirectIOAlignment alignment, nint address, long length, long offset, string bufferName)
    {
        if (address % alignment.MemoryAlignment != 0)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"O_DIRECT requires the buffer address to be a multiple of {alignment.MemoryAlignment}; " +
                    $"0x{(long)address:x} is not (it is {address % alignment.MemoryAlignment} bytes past a " +
                    $"boundary). Use an AlignedBuffer."),
                bufferName);
        }

        if (length % alignment.OffsetAlignment != 0)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"O_DIRECT requires the transfer length to be a multiple of {alignment.OffsetAlignment}; " +
                    $"{length} is not."),
                bufferName);
        }

        if (offset % alignment.OffsetAlignment != 0)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"O_DIRECT requires the file offset to be a multiple of {alignment.OffsetAlignment}; " +
                    $"{offset} is not."),
                nameof(offset));
        }
    }
}
