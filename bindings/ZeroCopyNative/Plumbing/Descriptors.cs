using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ZeroCopyNative;

/// <summary>
/// The library's one way to hold a <see cref="SafeHandle"/>'s reference count for the length of an operation: a
/// descriptor borrowed for a system call, or a mapping (<see cref="MappedFileHandle"/>) kept mapped while a call uses
/// its memory. The count is raised (DangerousAddRef) before the handle's value is read and lowered when the scope ends,
/// so a Dispose racing the operation defers the close(2) or munmap(2) until the call has returned: the call can never
/// act on a closed descriptor, nor on an unrelated file or mapping that reused the number or the address.
/// </summary>
/// <remarks>A mutable struct: use it only as a <c>using</c> local (also across awaits), never copy it. The one other
/// place that raises the count is <see cref="MappedMemoryManager"/>, because the MemoryManager contract splits the
/// raise (Pin) and the release (Unpin) across two calls.</remarks>
internal struct DescriptorScope : IDisposable
{
    private SafeHandle? _handle;

    /// <summary>The descriptor (for a descriptor handle), valid until <see cref="Dispose"/>.</summary>
    public readonly int Fd;

    private DescriptorScope(SafeHandle handle)
    {
        bool added = false;
        // Throws ObjectDisposedException when the handle was closed after the argument checks.
        handle.DangerousAddRef(ref added);
        _handle = added ? handle : null;
        Fd = unchecked((int)handle.DangerousGetHandle());
    }

    /// <summary>Validates <paramref name="handle"/> and borrows its descriptor: for an entry point with one handle and
    /// nothing else to check first.</summary>
    /// <exception cref="ArgumentNullException">The handle is null.</exception>
    /// <exception cref="ArgumentException">The handle is invalid (-1).</exception>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    public static DescriptorScope Enter(SafeHandle handle, string paramName)
    {
        Descriptors.Validate(handle, paramName);
        return new DescriptorScope(handle);
    }

    /// <summary>Borrows the descriptor of a handle the entry point has already validated (with its other arguments,
    /// in the order it documents), so that each entry point validates once.</summary>
    /// <exception cref="ObjectDisposedException">The handle was closed after the checks.</exception>
    public static DescriptorScope Borrow(SafeHandle handle) => new(handle);

    /// <summary>Lowers the reference count raised by <see cref="Enter"/>; a second call does nothing.</summary>
    public void Dispose()
    {
        SafeHandle? handle = _handle;
        _handle = null;
        handle?.DangerousRelease();
    }
}

/// <summary>Argument checks shared by every API that takes a handle.</summary>
internal static class Descriptors
{
    /// <summary>Throws the argument or disposed exception for an unusable handle, before any system call.</summary>
    public static void Validate(SafeHandle handle, string paramName)
    {
        ArgumentNullException.ThrowIfNull(handle, paramName);
        if (handle.IsClosed)
        {
            throw new ObjectDisposedException(handle.GetType().FullName, $"The handle passed as '{paramName}' is closed.");
        }

        if (handle.IsInvalid)
        {
            // Some handles (SafeSocketHandle) report IsInvalid once they are closed: a Dispose on another thread
            // between the two checks is a disposed handle, not a bad argument.
            if (handle.IsClosed)
            {
                throw new ObjectDisposedException(handle.GetType().FullName, $"The handle passed as '{paramName}' is closed.");
            }

            throw new ArgumentException("The handle is invalid.", paramName);
        }
    }

    /// <summary>The handle of a socket, with the socket's own disposed check.</summary>
    public static SafeHandle OfSocket(Socket socket, string paramName)
    {
        ArgumentNullException.ThrowIfNull(socket, paramName);
        SafeHandle handle = socket.SafeHandle;
        if (handle.IsClosed)
        {
            throw new ObjectDisposedException(typeof(Socket).FullName, $"The socket passed as '{paramName}' is disposed.");
        }

        return handle;
    }

    /// <summary>The checks of a source/destination call with optional offsets (copy_file_range, splice), in the
    /// order the callers document: both handles, both offsets, then the count.</summary>
    public static void CheckPair(SafeHandle source, long? sourceOffset, SafeHandle destination, long? destinationOffset,
                                 long count)
    {
        Validate(source, nameof(source));
        Validate(destination, nameof(destination));
        CheckOffset(sourceOffset, nameof(sourceOffset));
        CheckOffset(destinationOffset, nameof(destinationOffset));
        CheckCount(count);
    }

    /// <summary>Rejects a negative count before any system call.</summary>
    public static void CheckCount(long count, string paramName = "count") =>
        ArgumentOutOfRangeException.ThrowIfNegative(count, paramName);

    /// <summary>Rejects a negative offset before any system call.</summary>
    public static void CheckOffset(long? offset, string paramName)
    {
        if (offset is long value)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, paramName);
        }
    }
}
