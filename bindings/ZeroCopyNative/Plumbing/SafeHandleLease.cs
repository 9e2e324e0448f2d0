using System.Runtime.InteropServices;

namespace ZeroCopyNative;

/// <summary>
/// A reference on a <see cref="SafeHandle"/> that is not a descriptor (a <see cref="MappedFileHandle"/>) for the
/// length of a <c>using</c> block, so that a Dispose on another thread cannot unmap the memory (and let its address
/// be reused) while a native call still uses it: the <see cref="SafeHandle.DangerousAddRef"/> /
/// <see cref="SafeHandle.DangerousRelease"/> pair of every such call, written once. Descriptors use
/// <see cref="DescriptorScope"/>, which also validates the handle and reads the descriptor number.
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
