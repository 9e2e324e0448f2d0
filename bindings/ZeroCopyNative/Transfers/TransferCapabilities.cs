namespace ZeroCopyNative;

/// <summary>
/// What the transfer chain has learned about the kernel, cached for the life of the process so that a refused path is
/// not tried again: a system call missing altogether (ENOSYS), and device pairs between which copy_file_range answered
/// EXDEV. Thread-safe: flags are volatile; the device-pair table is a small fixed array under a lock (no allocation).
/// </summary>
internal static class TransferCapabilities
{
    private const int PairSlots = 16;
    private static readonly object s_gate = new();
    private static readonly ulong[] s_pairs = new ulong[PairSlots * 2];
    private static int s_pairCount;
    private static volatile bool s_copyFileRangeMissing;
    private static volatile bool s_sendFileMissing;
    private static volatile bool s_spliceMissing;

    /// <summary>copy_file_range answered ENOSYS.</summary>
    public static bool CopyFileRangeMissing { get => s_copyFileRangeMissing; set => s_copyFileRangeMissing = value; }

    /// <summary>sendfile answered ENOSYS.</summary>
    public static bool SendFileMissing { get => s_sendFileMissing; set => s_sendFileMissing = value; }

    /// <summary>splice answered ENOSYS.</summary>
    public static bool SpliceMissing { get => s_spliceMissing; set => s_spliceMissing = value; }

    /// <summary>Whether copy_file_range answered EXDEV between these devices.</summary>
    public static bool IsCrossDeviceRefused(ulong source, ulong destination)
    {
        if (source == destination)
        {
            return false;
        }

        lock (s_gate)
        {
            for (int i = 0; i < s_pairCount; i++)
            {
                if (s_pairs[2 * i] == source && s_pairs[(2 * i) + 1] == destination)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Remembers that copy_file_range answered EXDEV between these devices (the oldest entry makes room).</summary>
    public static void MarkCrossDeviceRefused(ulong source, ulong destination)
    {
        lock (s_gate)
        {
            if (s_pairCount == PairSlots)
            {
                System.Array.Copy(s_pairs, 2, s_pairs, 0, s_pairs.Length - 2);
                s_pairCount--;
            }

            s_pairs[2 * s_pairCount] = source;
            s_pairs[(2 * s_pairCount) + 1] = destination;
            s_pairCount++;
        }
    }

    /// <summary>Forgets everything learned (tests only).</summary>
    internal static void Reset()
    {
        lock (s_gate)
        {
            s_pairCount = 0;
        }

        s_copyFileRangeMissing = false;
        s_sendFileMissing = false;
        s_spliceMissing = false;
    }
}
