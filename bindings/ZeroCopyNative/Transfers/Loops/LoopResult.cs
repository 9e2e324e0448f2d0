using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// What one system call's loop did: the bytes it moved, the errno that stopped it (0 when none), and whether the
/// input ended. A loop never throws, so that each caller decides what an error means: the public methods throw it,
/// the transfer chain treats a refusal as "try the next method" (the shape of Go's <c>handled</c> result).
/// </summary>
internal readonly struct LoopResult
{
    private LoopResult(long moved, Errno error, bool ended, bool writing = false)
    {
        Moved = moved;
        Error = error;
        Ended = ended;
        FailedWriting = writing;
    }

    /// <summary>The bytes the loop moved to the destination (for tee: duplicated).</summary>
    public long Moved { get; }

    /// <summary>The errno of the call that stopped the loop; 0 when the loop stopped without an error.</summary>
    public Errno Error { get; }

    /// <summary>The source reported end of input (a call returned 0).</summary>
    public bool Ended { get; }

    /// <summary>For a loop that reads and writes: the call that failed was the write.</summary>
    public bool FailedWriting { get; }

    /// <summary>Whether a call failed.</summary>
    public bool Failed => Error != 0;

    /// <summary>Every requested byte moved.</summary>
    public static LoopResult Complete(long moved) => new(moved, 0, ended: false);

    /// <summary>The source ended after <paramref name="moved"/> bytes.</summary>
    public static LoopResult EndOfInput(long moved) => new(moved, 0, ended: true);

    /// <summary>A call failed with <paramref name="error"/> after <paramref name="moved"/> bytes.</summary>
    public static LoopResult Failure(long moved, Errno error) => new(moved, error, ended: false);

    /// <summary>A write failed with <paramref name="error"/> after <paramref name="moved"/> bytes, in a loop that also
    /// reads.</summary>
    public static LoopResult WriteFailure(long moved, Errno error) => new(moved, error, ended: false, writing: true);

    /// <summary>
    /// Settles one raw call of a "one successful call" loop: a count is <see cref="Complete"/>, 0 is
    /// <see cref="EndOfInput"/>, an errno is a <see cref="Failure"/>, except EAGAIN when <paramref name="wait"/>: then
    /// it waits with poll(2) for the ends given (-1 for an end not waited on) and asks for the call again.
    /// </summary>
    /// <returns>True when <paramref name="outcome"/> is the call's result; false to make the call again.</returns>
    public static bool Settle(long result, bool wait, int sourceFd, int destinationFd, out LoopResult outcome)
    {
        if (result >= 0)
        {
            outcome = result > 0 ? Complete(result) : EndOfInput(0);
            return true;
        }

        Errno error = NativeResult.ErrnoOf(result);
        if (error == Errno.EAGAIN && wait)
        {
            error = Readiness.WaitFor(sourceFd, destinationFd);
            if (error == 0)
            {
                outcome = default;
                return false;
            }
        }

        outcome = Failure(0, error);
        return true;
    }

    /// <summary>The moved bytes; throws the <see cref="ZeroCopyException"/> for <paramref name="operation"/> when a call
    /// failed (its <see cref="ZeroCopyException.BytesTransferred"/> is <see cref="Moved"/>).</summary>
    public long ThrowIfFailed(string operation) =>
        Failed ? throw new ZeroCopyException(operation, Error, Moved) : Moved;
}
