using System;
using System.Globalization;

namespace ZeroCopyNative;

/// <summary>
/// What a <see cref="ZeroCopySender"/> has done so far, in bytes and in events: how much went out without a copy, how
/// much the kernel copied although it was asked not to, how much was sent plainly, and how much still waits for its
/// completion. Every byte the sender handed to the kernel is in exactly one of <see cref="ZeroCopyBytes"/>,
/// <see cref="CopiedBytes"/>, <see cref="PendingBytes"/>, <see cref="PlainBytes"/> and <see cref="AbandonedBytes"/>.
/// </summary>
/// <remarks>A snapshot (<see cref="ZeroCopySender.Counters"/>): each figure is exact, but a snapshot taken while sends
/// and completions go on may combine figures of slightly different moments.</remarks>
public readonly struct ZeroCopySenderCounters : IEquatable<ZeroCopySenderCounters>
{
    internal ZeroCopySenderCounters(long zeroCopyBytes, long copiedBytes, long pendingBytes, long plainBytes,
                                    long abandonedBytes, int outstandingCompletions, int fallbacks, int probes)
    {
        ZeroCopyBytes = zeroCopyBytes;
        CopiedBytes = copiedBytes;
        PendingBytes = pendingBytes;
        PlainBytes = plainBytes;
        AbandonedBytes = abandonedBytes;
        OutstandingCompletions = outstandingCompletions;
        Fallbacks = fallbacks;
        Probes = probes;
    }

    /// <summary>Bytes sent with MSG_ZEROCOPY whose completion said they went out without a copy.</summary>
    public long ZeroCopyBytes { get; }

    /// <summary>Bytes sent with MSG_ZEROCOPY whose completion said the kernel copied them after all
    /// (SO_EE_CODE_ZEROCOPY_COPIED): loopback, a peer on this host, a device that cannot send from user memory. The
    /// kernel merges the completions of consecutive sends and reports the verdict of the first of them for all.</summary>
    public long CopiedBytes { get; }

    /// <summary>Bytes sent with MSG_ZEROCOPY whose completion has not arrived yet: their buffers are still held.</summary>
    public long PendingBytes { get; }

    /// <summary>Bytes sent with a plain send(2), which copies them into the socket: sends below the threshold, sends
    /// after the kernel reported copies, and every send on a socket that refuses SO_ZEROCOPY.</summary>
    public long PlainBytes { get; }

    /// <summary>Bytes sent with MSG_ZEROCOPY whose completion can never be read, because the socket was closed
    /// first; their buffers were released when the sender saw the socket closed. Normally 0.</summary>
    public long AbandonedBytes { get; }

    /// <summary>Send calls made with MSG_ZEROCOPY whose completion has not arrived yet (one buffer may take several
    /// calls).</summary>
    public int OutstandingCompletions { get; }

    /// <summary>How often the adaptive sender switched to plain sends because a completion reported a copy.</summary>
    public int Fallbacks { get; }

    /// <summary>How many zero-copy sends the adaptive sender made to find out whether the path copies (the first
    /// eligible send, and one after each <see cref="ZeroCopySenderOptions.ProbeInterval"/> plain sends).</summary>
    public int Probes { get; }

    /// <inheritdoc/>
    public bool Equals(ZeroCopySenderCounters other) =>
        ZeroCopyBytes == other.ZeroCopyBytes && CopiedBytes == other.CopiedBytes && PendingBytes == other.PendingBytes &&
        PlainBytes == other.PlainBytes && AbandonedBytes == other.AbandonedBytes &&
        OutstandingCompletions == other.OutstandingCompletions && Fallbacks == other.Fallbacks && Probes == other.Probes;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ZeroCopySenderCounters other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(ZeroCopyBytes, CopiedBytes, PendingBytes, PlainBytes, AbandonedBytes, OutstandingCompletions,
                         Fallbacks, Probes);

    /// <summary>The figures on one line: "zero-copy 0 B, copied 1048576 B, pending 0 B, plain 268435456 B, ...".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"zero-copy {ZeroCopyBytes} B, copied {CopiedBytes} B, pending {PendingBytes} B, plain {PlainBytes} B, " +
        $"abandoned {AbandonedBytes} B, outstanding completions {OutstandingCompletions}, fallbacks {Fallbacks}, probes {Probes}");

    /// <summary>Whether two snapshots hold the same figures.</summary>
    /// <param name="left">A snapshot.</param>
    /// <param name="right">Another snapshot.</param>
    /// <returns>True when every figure is equal.</returns>
    public static bool operator ==(ZeroCopySenderCounters left, ZeroCopySenderCounters right) => left.Equals(right);

    /// <summary>Whether two snapshots differ in any figure.</summary>
    /// <param name="left">A snapshot.</param>
    /// <param name="right">Another snapshot.</param>
    /// <returns>True when a figure differs.</returns>
    public static bool operator !=(ZeroCopySenderCounters left, ZeroCopySenderCounters right) => !left.Equals(right);
}
