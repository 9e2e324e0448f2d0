using System;
using System.Threading;

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
