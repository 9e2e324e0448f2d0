using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace ZeroCopyNative;

/// <summary>
/// One descriptor of an asynchronous operation: its handle, and its <see cref="EventLoop"/> registration once the
/// operation first had to wait. The pattern of every asynchronous loop:
/// <code>
/// int seen = end.Sequence(Interest.Write);     // before the system call
/// ... the call, with the handle borrowed only for the call ...
/// if (EAGAIN) await end.WaitAsync(Interest.Write, seen, token);   // then call again
/// ...
/// finally { end.Release(); }
/// </code>
/// </summary>
internal struct WaitableEnd
{
    private DescriptorRegistration? _registration;

    public WaitableEnd(SafeHandle handle)
    {
        Handle = handle;
        _registration = null;
    }

    /// <summary>The operation's handle.</summary>
    public SafeHandle Handle { get; }

    /// <summary>The readiness edges seen so far, to note before a system call (-1 before the first wait).</summary>
    public readonly int Sequence(Interest interest) => _registration?.Sequence(interest) ?? -1;

    /// <summary>
    /// After EAGAIN: the first time, registers the descriptor (which reports its current readiness) and completes at
    /// once, so that the caller tries again with the registration in place; afterwards waits for the next edge after
    /// <paramref name="seen"/>.
    /// </summary>
    /// <param name="interest">What to wait for.</param>
    /// <param name="seen">The sequence noted before the system call.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <param name="companion">The operation's other handle, whose dispose ends the wait too; null for none.</param>
    /// <exception cref="System.ObjectDisposedException">The handle (or the companion) is closed.</exception>
    /// <exception cref="ZeroCopyException">epoll_ctl failed.</exception>
    public ValueTask WaitAsync(Interest interest, int seen, CancellationToken cancellationToken, SafeHandle? companion = null)
    {
        if (_registration != null)
        {
            return _registration.WaitAsync(interest, seen, cancellationToken, companion);
        }

        using DescriptorScope scope = DescriptorScope.Borrow(Handle);
        _registration = EventLoop.Attach(Handle, scope.Fd);
        return default;
    }

    /// <summary>Ends the registration (if any); call once, when the operation ends.</summary>
    public void Release()
    {
        if (_registration != null)
        {
            EventLoop.Detach(_registration);
            _registration = null;
        }
    }
}
