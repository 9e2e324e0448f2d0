using System;
using System.Numerics;

namespace ZeroCopyNative;

/// <summary>
/// The shared pool of <see cref="ZeroCopyBuffer"/>s: one bucket per power of two from 4 KiB to 16 MiB, each keeping at
/// most 64 MiB (and at least two buffers, at most 256), so that a steady stream of sends allocates nothing.
/// Longer buffers are allocated for each rent and left to the garbage collector.
/// </summary>
internal static class ZeroCopyBufferPool
{
    private const int MinShift = 12;
    private const int MaxShift = 24;
    private const long BytesPerBucket = 64L << 20;

    private static readonly Bucket[] s_buckets = CreateBuckets();

    /// <summary>The size of the array a buffer of <paramref name="length"/> bytes is cut from.</summary>
    public static int CapacityFor(int length) =>
        length > 1 << MaxShift ? length : 1 << Math.Max(MinShift, ShiftFor(length));

    /// <summary>A pooled buffer for <paramref name="length"/> bytes, or null.</summary>
    public static ZeroCopyBuffer? Take(int length) => length > 1 << MaxShift ? null : s_buckets[Index(length)].Take();

    /// <summary>Keeps <paramref name="buffer"/> for a later rent, unless its bucket is full or it is not poolable.</summary>
    public static void Give(ZeroCopyBuffer buffer)
    {
        int capacity = buffer.Capacity;
        if (capacity <= 1 << MaxShift && BitOperations.IsPow2(capacity) && capacity >= 1 << MinShift)
        {
            s_buckets[Index(capacity)].Give(buffer);
        }
    }

    private static int ShiftFor(int length) => 32 - BitOperations.LeadingZeroCount((uint)length - 1);

    private static int Index(int length) => Math.Max(MinShift, ShiftFor(length)) - MinShift;

    private static Bucket[] CreateBuckets()
    {
        var buckets = new Bucket[MaxShift - MinShift + 1];
        for (int i = 0; i < buckets.Length; i++)
        {
            long size = 1L << (MinShift + i);
            buckets[i] = new Bucket((int)Math.Clamp(BytesPerBucket / size, 2, 256));
        }

        return buckets;
    }

    private sealed class Bucket(int capacity)
    {
        private readonly ZeroCopyBuffer?[] _items = new ZeroCopyBuffer?[capacity];
        private int _count;

        public ZeroCopyBuffer? Take()
        {
            lock (_items)
            {
                if (_count == 0)
                {
                    return null;
                }

                ZeroCopyBuffer? buffer = _items[--_count];
                _items[_count] = null;
                return buffer;
            }
        }

        public void Give(ZeroCopyBuffer buffer)
        {
            lock (_items)
            {
                if (_count < _items.Length)
                {
                    _items[_count++] = buffer;
                }
            }
        }
    }
}
