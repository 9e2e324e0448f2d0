using System;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>Puts a <see cref="Socket"/>'s descriptor in non-blocking mode the way the runtime itself does.</summary>
internal static class SocketModes
{
    /// <summary>
    /// Makes the runtime switch <paramref name="socket"/>'s descriptor to O_NONBLOCK, which it does before its first
    /// asynchronous operation and then keeps emulating blocking calls for <see cref="Socket.Blocking"/> (which stays
    /// as it was): a zero-byte send, which moves nothing on a stream socket, or on a datagram socket (where it would
    /// send an empty datagram) a zero-byte peek that is cancelled at once. Changing the flag behind the runtime's back
    /// would break its synchronous calls; this way both agree.
    /// </summary>
    /// <exception cref="ZeroCopyException">The zero-byte send failed (the errno, operation "send").</exception>
    /// <exception cref="InvalidOperationException">The descriptor stayed blocking.</exception>
    public static ValueTask EnsureNonBlockingAsync(Socket socket, SafeHandle handle, CancellationToken cancellationToken)
    {
        return IsNonBlocking(handle) ? default : SwitchAsync(socket, handle, cancellationToken);
    }

    /// <summary>Whether O_NONBLOCK is set on <paramref name="handle"/>'s open file.</summary>
    public static bool IsNonBlocking(SafeHandle handle) =>
        (NativeFile.Query(handle).status_flags & (int)OpenFlags.NONBLOCK) != 0;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask SwitchAsync(Socket socket, SafeHandle handle, CancellationToken cancellationToken)
    {
        try
        {
            if (socket.SocketType == SocketType.Stream)
            {
                _ = await socket.SendAsync(ReadOnlyMemory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                using var stop = new CancellationTokenSource();
                ValueTask<int> peek = socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.Peek, stop.Token);
                stop.Cancel();
                try
                {
                    _ = await peek.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The peek only had to start: starting it switched the descriptor.
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new TransferCanceledException(0, cancellationToken);
        }
        catch (SocketException e) when (e.SocketErrorCode != SocketError.OperationAborted && IsNonBlocking(handle))
        {
            // The runtime switched the descriptor before its send failed (a peer gone, say): the transfer's own call
            // will meet the same error and report it under its own name.
        }
        catch (SocketException e) when (e.SocketErrorCode != SocketError.OperationAborted)
        {
            // On Linux the runtime reports the errno itself as the native error code.
            throw new ZeroCopyException("send", (Errno)unchecked((uint)e.NativeErrorCode), 0);
        }

        if (!IsNonBlocking(handle))
        {
            throw new InvalidOperationException("The socket could not be made non-blocking; an asynchronous transfer would hold a thread.");
        }
    }
}
