using System.Buffers;

namespace ZeroCopyNative;

/// <summary>
/// One buffer on its way through a <see cref="ZeroCopySender"/>: its owner, its pinned memory, what has been sent of it,
/// and how many zero-copy send calls still wait for their completion. Pooled by the sender, so that a send allocates
/// nothing in the steady state.
/// </summary>
/// <remarks>The transport's lock guards <see cref="PendingParts"/>, <see cref="Sending"/> and
/// <see cref="NextReleased"/>; the other fields belong to the one send in progress.</remarks>
internal sealed unsafe class SendLease
{
    /// <summary>The caller's owner, disposed (or, for a <see cref="ZeroCopyBuffer"/>, returned to its pool) once when
    /// the lease is released.</summary>
    public IMemoryOwner<byte>? Owner;

    /// <summary>The pin of a foreign owner's memory, undone at release; default for a <see cref="ZeroCopyBuffer"/>,
    /// which never moves.</summary>
    public MemoryHandle Pin;

    /// <summary>The first byte to send.</summary>
    public byte* Data;

    /// <summary>The bytes to send.</summary>
    public int Length;

    /// <summary>The bytes the kernel has taken so far (by any kind of send).</summary>
    public long Sent;

    /// <summary>Of <see cref="Sent"/>, the bytes taken by plain sends.</summary>
    public long PlainSent;

    /// <summary>Zero-copy send calls of this lease whose completion has not arrived.</summary>
    public int PendingParts;

    /// <summary>The sender has not finished with the lease yet (its send is still running).</summary>
    public bool Sending;

    /// <summary>The next lease in a list of leases to release, built under the transport's lock and released outside
    /// it.</summary>
    public SendLease? NextReleased;

    /// <summary>Readies a pooled lease for <paramref name="owner"/>'s memory.</summary>
    public void Start(IMemoryOwner<byte> owner, MemoryHandle pin, byte* data, int length)
    {
        Owner = owner;
        Pin = pin;
        Data = data;
        Length = length;
        Sent = 0;
        PlainSent = 0;
        PendingParts = 0;
        Sending = true;
        NextReleased = null;
    }
}
