using System;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// The one send(2) loop: ZeroCopySender's plain and MSG_ZEROCOPY sends (and so the bench) go through it. It never
/// waits: the socket's owner waits for writability its own way (the event loop), so every call carries
/// MSG_DONTWAIT whatever the caller passes, and a full socket ends the loop with EAGAIN.
/// </summary>
internal static class SendLoop
{
    /// <summary>One send call of at most <paramref name="length"/> bytes (capped at MAX_RW_COUNT): the bytes the
    /// kernel took (<see cref="LoopResult.Complete"/>), or its errno (<see cref="LoopResult.Failure"/>, EAGAIN
    /// included). A call that takes no byte of a non-empty buffer, which a stream socket never answers, is
    /// <see cref="LoopResult.EndOfInput"/>. With MSG_ZEROCOPY, each call that returns a count takes one completion
    /// number of the socket; a failed call takes none. Never throws.</summary>
    public static unsafe LoopResult Once(int fd, byte* data, long length, SendFlags flags)
    {
        long result = Zcn.send(fd, data, (ulong)Math.Min(length, ZeroCopy.MaxChunk), (int)(flags | SendFlags.MSG_DONTWAIT));
        if (result < 0)
        {
            return LoopResult.Failure(0, NativeResult.ErrnoOf(result));
        }

        return result > 0 || length == 0 ? LoopResult.Complete(result) : LoopResult.EndOfInput(0);
    }

    /// <summary>Calls send until <paramref name="length"/> bytes went or a call failed (EAGAIN when the socket is
    /// full: the loop never waits). For plain sends only: a MSG_ZEROCOPY caller needs each call's count (one
    /// completion number per call), so it calls <see cref="Once"/>. Never throws.</summary>
    public static unsafe LoopResult Run(int fd, byte* data, long length, SendFlags flags)
    {
        long moved = 0;
        while (moved < length)
        {
            LoopResult call = Once(fd, data + moved, length - moved, flags);
            moved += call.Moved;
            if (call.Failed)
            {
                return LoopResult.Failure(moved, call.Error);
            }

            if (call.Ended)
            {
                return LoopResult.EndOfInput(moved);
            }
        }

        return LoopResult.Complete(moved);
    }
}
