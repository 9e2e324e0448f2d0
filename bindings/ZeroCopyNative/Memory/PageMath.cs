using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>Page-size arithmetic for the mmap family, whose addresses and offsets must be page-aligned.</summary>
internal static class PageMath
{
    /// <summary>The page size (sysconf(_SC_PAGESIZE) through zcn_page_size), read once.</summary>
    public static readonly long PageSize = Zcn.page_size();

    /// <summary>Rounds <paramref name="value"/> down to a multiple of the page size.</summary>
    public static long AlignDown(long value) => value & ~(PageSize - 1);

    /// <summary>Rounds <paramref name="value"/> up to a multiple of the page size.</summary>
    public static long AlignUp(long value) => (value + PageSize - 1) & ~(PageSize - 1);

    /// <summary>Rounds an address down to a page boundary.</summary>
    public static nint AlignDown(nint address) => (nint)((long)address & ~(PageSize - 1));

    /// <summary>True when <paramref name="value"/> is a power of two (and above 0).</summary>
    public static bool IsPowerOfTwo(long value) => value > 0 && (value & (value - 1)) == 0;
}
