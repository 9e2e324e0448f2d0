namespace ZeroCopyNative;

/// <summary>
/// Internal switches that let the tests drive every branch of the transfer chain against the real kernel, without
/// mocking it. Thread-static: a test changes only its own thread's transfers. Never set by the library itself.
/// </summary>
internal static class TransferTestHooks
{
    /// <summary>Start the chain at this method, skipping the faster ones (later ones still serve as fallbacks).</summary>
    [System.ThreadStatic]
    internal static TransferMethod? StartAt;

    /// <summary>The first zero-copy method that runs moves at most this many bytes and is then treated as refused
    /// (as if the kernel had answered EINVAL), forcing a fallback part-way through.</summary>
    [System.ThreadStatic]
    internal static long? RefuseAfterBytes;

    /// <summary>Bit (1 &lt;&lt; method) set for every method that moved bytes in this thread's last transfer.</summary>
    [System.ThreadStatic]
    internal static int MethodsThatMovedBytes;

    /// <summary>Clears every switch.</summary>
    internal static void Reset()
    {
        StartAt = null;
        RefuseAfterBytes = null;
        MethodsThatMovedBytes = 0;
    }
}
