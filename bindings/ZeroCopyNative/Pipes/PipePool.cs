namespace ZeroCopyNative;

/// <summary>
/// Intermediate pipes for splicing between two descriptors that are not pipes. Creating a pipe costs two descriptors
/// and a system call, so a few are kept. Only empty pipes come back: one with bytes left in it (a failed transfer) is
/// closed instead, so no transfer ever sees another's data. A fixed array under a lock: renting allocates nothing.
/// </summary>
internal static class PipePool
{
    private const int Capacity = 4;
    private static readonly object s_gate = new();
    private static readonly Pipe?[] s_items = new Pipe?[Capacity];
    private static int s_count;

    /// <summary>A blocking, empty pipe.</summary>
    public static Pipe Rent()
    {
        lock (s_gate)
        {
            if (s_count > 0)
            {
                Pipe pipe = s_items[--s_count]!;
                s_items[s_count] = null;
                return pipe;
            }
        }

        return Pipe.Create();
    }

    /// <summary>Keeps <paramref name="pipe"/> if it is empty and there is room; closes it otherwise.</summary>
    public static void Return(Pipe pipe)
    {
        bool keep;
        try
        {
            keep = pipe.BytesAvailable == 0;
        }
        catch (System.Exception e) when (e is ZeroCopyException or System.ObjectDisposedException)
        {
            keep = false;
        }

        if (keep)
        {
            lock (s_gate)
            {
                if (s_count < Capacity)
                {
                    s_items[s_count++] = pipe;
                    return;
                }
            }
        }

        pipe.Dispose();
    }
}
