using System.Diagnostics.CodeAnalysis;

namespace ZeroCopyNative;

/// <summary>The shared pool of <see cref="PipeBuffer.DefaultLength"/> leases: a small fixed array under a lock, so that
/// renting and returning allocate nothing.</summary>
internal static class PipeBufferPool
{
    private const int Capacity = 16;
    private static readonly object s_gate = new();
    private static readonly PipeBuffer?[] s_items = new PipeBuffer?[Capacity];
    private static int s_count;

    /// <summary>Takes a pooled lease, reopened for its new holder.</summary>
    public static bool TryTake([NotNullWhen(true)] out PipeBuffer? buffer)
    {
        lock (s_gate)
        {
            if (s_count == 0)
            {
                buffer = null;
                return false;
            }

            buffer = s_items[--s_count]!;
            s_items[s_count] = null;
        }

        buffer.Reopen();
        return true;
    }

    /// <summary>Keeps a returned lease unless the pool is full.</summary>
    public static bool TryAdd(PipeBuffer buffer)
    {
        lock (s_gate)
        {
            if (s_count == Capacity)
            {
                return false;
            }

            s_items[s_count++] = buffer;
            return true;
        }
    }
}
