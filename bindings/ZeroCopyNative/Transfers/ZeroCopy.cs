namespace ZeroCopyNative;

/// <summary>
/// Zero-copy transfers between descriptors: sendfile(2), splice(2), tee(2) and copy_file_range(2) with the partial
/// transfer loops, EAGAIN waits and argument checks done once, plus <see cref="Transfer(System.Runtime.InteropServices.SafeHandle, System.Runtime.InteropServices.SafeHandle, long?)"/>,
/// which picks the fastest path for a pair of descriptors and falls back when the kernel refuses it.
/// </summary>
/// <remarks>
/// <para>Every method is thread-safe in the sense of the system calls it wraps: two calls on the same descriptors at the
/// same time interleave their data as the kernel does. Handles are reference-counted for the duration of each call, so
/// disposing a handle on another thread never makes a call act on a closed or reused descriptor; the call instead
/// finishes on the still-open descriptor (or fails with the error the kernel gives once the other side shuts down).</para>
/// <para>Counts: a <c>count</c> is the most bytes to move; the looping methods return fewer only at end of input.
/// Offsets given as <see cref="System.Nullable{T}"/>: <c>null</c> means "the descriptor's file position, which is
/// advanced"; a value means "exactly this offset", and the file position is left untouched; the caller advances its
/// own offset by the returned count.</para>
/// <para>Errors: bad arguments throw <see cref="System.ArgumentException"/> (and its subclasses) before any system call;
/// closed handles throw <see cref="System.ObjectDisposedException"/>; a failing system call throws
/// <see cref="ZeroCopyException"/>, whose <see cref="ZeroCopyException.BytesTransferred"/> tells how many bytes
/// reached the destination before the failure.</para>
/// </remarks>
public static partial class ZeroCopy
{
    /// <summary>The most bytes Linux moves in one read/write-like call (MAX_RW_COUNT); larger requests are capped.</summary>
    internal const long MaxChunk = 0x7ffff000;
}
