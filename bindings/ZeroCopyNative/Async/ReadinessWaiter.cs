using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace ZeroCopyNative;

/// <summary>
/// The awaitable behind <see cref="DescriptorRegistration.WaitAsync"/>: one per registration and interest, reused for
/// every wait, so that waiting allocates nothing. It completes on the thread pool (it is its own work item), so the
/// loop's thread and a thread calling Cancel never run the operation's continuation.
/// </summary>
internal sealed class ReadinessWaiter : IValueTaskSource, IThreadPoolWorkItem
{
    private static readonly Action<object?> s_cancel = static state => ((ReadinessWaiter)state!).Cancel();

    private readonly DescriptorRegistration _registration;
    private ManualResetValueTaskSourceCore<bool> _core;
    private CancellationTokenRegistration _cancellation;
    private CancellationToken _token;
    private Exception? _failure;
    private SafeHandle? _companion;
    private bool _parked;
    private volatile bool _claimed;

    public ReadinessWaiter(DescriptorRegistration registration)
    {
        _registration = registration;
        _core.RunContinuationsAsynchronously = false; // Execute already runs on the thread pool
    }

    /// <summary>Whether an operation waits here (guarded by the registration's lock).</summary>
    public bool IsParked => _parked;

    /// <summary>Whether an operation owns this waiter: from <see cref="Park"/> until it has taken the result, so also
    /// while a completion is queued and not yet seen. Parking again before then would reset the completion under the
    /// operation that owns it (its continuation lost, or the completion signalled twice, which throws on a thread-pool
    /// thread and ends the process).</summary>
    public bool IsClaimed => _claimed;

    /// <summary>The operation's other handle while it waits here (the loop's sweep ends the wait if that one is
    /// disposed, as it does for this registration's own handle); null when there is none (guarded by the
    /// registration's lock).</summary>
    public SafeHandle? Companion => _companion;

    /// <summary>Takes the waiter for one wait and hooks the cancellation (under the registration's lock, which the
    /// cancellation callback also takes: a token cancelled already calls back at once, on this thread).</summary>
    public ValueTask Park(CancellationToken cancellationToken, SafeHandle? companion)
    {
        _core.Reset();
        _failure = null;
        _companion = companion;
        _claimed = true;
        _parked = true;
        var task = new ValueTask(this, _core.Version);
        _token = cancellationToken;
        _cancellation = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(s_cancel, this) : default;
        return task;
    }

    /// <summary>Releases the waiter for completion (under the registration's lock); true once per park.</summary>
    public bool Unpark()
    {
        _parked = false;
        _companion = null;
        return true;
    }

    /// <summary>Completes the wait on the thread pool: successfully, or with <paramref name="failure"/>.</summary>
    public void Complete(Exception? failure)
    {
        _failure = failure;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        // Unregistering waits for a running cancellation callback, which never blocks here: the callback only
        // takes the registration's lock, then queues this item.
        _cancellation.Dispose();
        _cancellation = default;
        Exception? failure = _failure;
        _failure = null;
        if (failure != null)
        {
            _core.SetException(failure);
        }
        else
        {
            _core.SetResult(true);
        }
    }

    private void Cancel()
    {
        if (_registration.TryUnpark(this))
        {
            Complete(new OperationCanceledException(_token));
        }
    }

    void IValueTaskSource.GetResult(short token)
    {
        try
        {
            _core.GetResult(token);
        }
        finally
        {
            _claimed = false; // the owner has its result: another wait may take the waiter
        }
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token,
                                      ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
