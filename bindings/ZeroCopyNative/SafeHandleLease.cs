using System.Runtime.InteropServices;

namespace ZeroCopyNative;

/// <summary>
/// A reference on a <see cref="SafeHandle"/> for the length of a <c>using</c> block, so that the descriptor or
/// mapping cannot be closed (and its number or address reused) by a Dispose on another thread while a native call
/// still uses it. The <see cref="SafeHandle.DangerousAddRef"/> / <see cref="SafeHandle.DangerousRelease"/> pair
/// of every such call, written once.
/// </summary>
/// <remarks>A stack-only value owned by one thread; the handle itself may be used and disposed by any.</remarks>
internal ref struct SafeHandleLease
{
    private readonly SafeHandle _handle;
    private bool _added;

    /// <summary>Takes a reference on <paramref name="handle"/>.</summary>
    /// <exception cref="System.ObjectDisposedException">The handle is already closed; no reference is
    /// held.</exception>
    public SafeHandleLease(SafeHandle handle)
    {
        _handle = handle;
        _added = false;
        handle.DangerousAddRef(ref _added);
    }

    /// <summary>Releases the reference taken by the constructor (once); a Dispose that came in between closes the
    /// handle now.</summary>
    public void Dispose()
    {
        if (_added)
        {
            _added = false;
            _handle.DangerousRelease();
        }
    }
}
