using System;
using System.Threading;
using System.Threading.Tasks;

namespace ZeroCopyNative;

/// <summary>
/// An asynchronous transfer was cancelled through its <see cref="CancellationToken"/>. It is an
/// <see cref="OperationCanceledException"/> (catch that to treat every cancellation alike) that also carries the
/// bytes the transfer moved before it stopped: those bytes are at the destination, and a caller that resumes
/// continues from <c>offset + BytesTransferred</c>.
/// </summary>
public sealed class TransferCanceledException : OperationCanceledException
{
    /// <summary>Creates the exception for a transfer cancelled by <paramref name="token"/> after
    /// <paramref name="bytesTransferred"/> bytes.</summary>
    /// <param name="bytesTransferred">The bytes moved before the cancellation.</param>
    /// <param name="token">The token that was cancelled.</param>
    public TransferCanceledException(long bytesTransferred, CancellationToken token)
        : this(bytesTransferred, ReadOnlyMemory<byte>.Empty, token)
    {
    }

    /// <summary>Creates the exception for a transfer cancelled by <paramref name="token"/> after
    /// <paramref name="bytesTransferred"/> bytes, holding <paramref name="undelivered"/> bytes it had taken from its
    /// source and not yet written.</summary>
    /// <param name="bytesTransferred">The bytes moved before the cancellation.</param>
    /// <param name="undelivered">The bytes taken from a source that cannot be read again, and not written.</param>
    /// <param name="token">The token that was cancelled.</param>
    public TransferCanceledException(long bytesTransferred, ReadOnlyMemory<byte> undelivered, CancellationToken token)
        : base(undelivered.IsEmpty
                   ? $"The transfer was canceled after {bytesTransferred} bytes."
                   : $"The transfer was canceled after {bytesTransferred} bytes, with {undelivered.Length} more taken from the source and not delivered (see Undelivered).",
               token)
    {
        BytesTransferred = bytesTransferred;
        Undelivered = undelivered;
    }

    /// <summary>The bytes moved before the cancellation; they stay moved.</summary>
    public long BytesTransferred { get; }

    /// <summary>
    /// Bytes the transfer had already taken from a source that cannot be read again (a pipe or a socket, read ahead
    /// through the splice-through-a-pipe or read/write step) and had not yet written when it was cancelled: they come
    /// right after the <see cref="BytesTransferred"/> bytes. A relay that resumes writes them first, and loses
    /// nothing. Empty when nothing was pending, and for sources that can be read again (a file's position is put back
    /// after the delivered bytes instead).
    /// </summary>
    public ReadOnlyMemory<byte> Undelivered { get; }
}

/// <summary>Results for an operation asked to start with a token that is already cancelled.</summary>
internal static class Canceled
{
#pragma warning disable CS1998 // An async method that throws at once: its builder completes the task as canceled
                               // (IsCanceled) while keeping this exception, which is what awaiting it throws.
    /// <summary>A canceled task whose await throws <see cref="TransferCanceledException"/> with 0 bytes.</summary>
    public static async ValueTask<T> Before<T>(CancellationToken token) => throw new TransferCanceledException(0, token);

    /// <summary>A canceled task whose await throws <see cref="TransferCanceledException"/> with 0 bytes.</summary>
    public static async ValueTask Before(CancellationToken token) => throw new TransferCanceledException(0, token);
#pragma warning restore CS1998
}
