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
        : base($"The transfer was canceled after {bytesTransferred} bytes.", token)
    {
        BytesTransferred = bytesTransferred;
    }

    /// <summary>The bytes moved before the cancellation; they stay moved.</summary>
    public long BytesTransferred { get; }
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
