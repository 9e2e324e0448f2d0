using System;
using System.Globalization;
using System.IO;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// Transparent huge pages: the huge-page size (sysfs), the advice that asks for them (madvise(2) MADV_HUGEPAGE), and
/// how much of a range of this process's memory lies on them (procfs).
/// </summary>
internal static class HugePages
{
    /// <summary>The size of a PMD-mapped transparent huge page when the kernel does not say: 2 MiB, the size on
    /// x86-64 and on aarch64 with 4 KiB pages.</summary>
    internal const int DefaultSize = 2 << 20;

    private const string SizePath = "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size";
    private const string SmapsPath = "/proc/self/smaps";

    /// <summary>The transparent huge-page size in bytes: /sys/kernel/mm/transparent_hugepage/hpage_pmd_size, or
    /// <see cref="DefaultSize"/> when that file is missing (a kernel without transparent huge pages) or holds no
    /// power of two the buffers could be aligned to (above the page size, at most 1 GiB). Read once.</summary>
    public static readonly int Size = ReadSize();

    /// <summary>Advises [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) for
    /// transparent huge pages: madvise(2) MADV_HUGEPAGE. The one place the library asks for them, for every mapping of
    /// its own that is aligned to <see cref="Size"/> (an <see cref="AlignedBuffer"/> or a <see cref="PipeBuffer"/>
    /// lease, again after each give-away).</summary>
    /// <returns>Whether the kernel took the advice. False with EINVAL from a kernel without transparent huge pages:
    /// the memory then works the same on base pages, so the refusal is an answer, not an error.</returns>
    public static unsafe bool Advise(void* start, long length) =>
        Zcn.madvise(start, (ulong)length, (int)MemoryAdvice.HUGEPAGE) == 0;

    /// <summary>
    /// The bytes of [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) that the kernel
    /// maps with transparent huge pages now: the sum of AnonHugePages over the /proc/self/smaps entries that lie
    /// inside the range. Only whole mappings inside the range count, so the range must be made of mappings of its
    /// own (zcn_aligned_map's guard pages make sure of that).
    /// </summary>
    /// <param name="start">The first byte.</param>
    /// <param name="length">The length in bytes.</param>
    /// <returns>The bytes on huge pages, a multiple of the huge-page size.</returns>
    /// <exception cref="IOException">/proc/self/smaps could not be read (procfs is not mounted, or a
    /// kernel without CONFIG_PROC_PAGE_MONITOR; the inner exception says why), or held a line that is not
    /// "AnonHugePages: N kB".</exception>
    public static long MappedBytes(nint start, long length)
    {
        ulong first = (ulong)start, end = first + (ulong)length;
        long total = 0;
        bool inside = false;
        try
        {
            using var reader = new StreamReader(SmapsPath);
            while (reader.ReadLine() is string line)
            {
                if (line.Length > 0 && char.IsAsciiHexDigitLower(line[0]))
                {
                    // "7f12c0000000-7f12c0400000 rw-p 00000000 00:00 0": a mapping's first line.
                    inside = TryParseRange(line, out ulong from, out ulong to) && from >= first && to <= end;
                }
                else if (inside && line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
                {
                    total += ParseKiB(line) * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot read {SmapsPath} to count huge pages: {e.Message}", e);
        }

        return total;
    }

    private static int ReadSize()
    {
        try
        {
            string text = File.ReadAllText(SizePath).Trim();
            if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long size) &&
                PageMath.IsPowerOfTwo(size) && size > PageMath.PageSize && size <= 1 << 30)
            {
                return (int)size;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No transparent huge pages in this kernel (or no sysfs): the default size still decides which buffers
            // are mapped for them; the kernel then refuses the advice and reports none.
        }

        return DefaultSize;
    }

    private static bool TryParseRange(string line, out ulong from, out ulong to)
    {
        from = to = 0;
        int dash = line.IndexOf('-');
        int space = dash < 0 ? -1 : line.IndexOf(' ', dash);
        return dash > 0 && space > dash + 1 &&
               ulong.TryParse(line.AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture,
                              out from) &&
               ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.AllowHexSpecifier,
                              CultureInfo.InvariantCulture, out to);
    }

    /// <summary>"AnonHugePages:      4096 kB" is 4096.</summary>
    private static long ParseKiB(string line)
    {
        ReadOnlySpan<char> value = line.AsSpan("AnonHugePages:".Length).Trim();
        int space = value.IndexOf(' ');
        if (!long.TryParse(space < 0 ? value : value[..space], NumberStyles.None, CultureInfo.InvariantCulture,
                           out long kib))
        {
            throw new IOException($"Unexpected line in {SmapsPath}: '{line}'.");
        }

        return kib;
    }
}
