using System;
using System.Buffers;

namespace ZeroCopyNative;

/// <summary>
/// The <see cref="MemoryManager{T}"/> behind <see cref="MappedFile.Memory"/> and <see
/// cref="MappedFile.ReadOnlyMemory"/>.
/// <see cref="Pin"/> takes a reference on the mapping's <see cref="MappedFileHandle"/>, so the mapping outlives a
/// <see cref="MappedFile.Dispose"/> until the <see cref="MemoryHandle"/> is disposed; <see cref="GetSpan"/> refuses
/// once the mapping is disposed. Disposing the manager itself does nothing: the <see cref="MappedFile"/> owns the
/// mapping.
/// </summary>
/// <remarks>Thread-safe: it only reads immutable fields and uses the handle's atomic reference count.</remarks>
internal sealed unsafe class MappedMemoryManager : MemoryManager<byte>
{
    private readonly MappedFile _owner;

    public MappedMemoryManager(MappedFile owner) => _owner = owner;

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    public override Span<byte> GetSpan() => _owner.WholeSpan();

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="elementIndex"/> is outside the
    /// mapping.</exception>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        int length = _owner.SpanLength();
        if ((uint)elementIndex > (uint)length)
        {
            throw new ArgumentOutOfRangeException(nameof(elementIndex), elementIndex,
                $"The index must lie within the mapping's {length} bytes.");
        }

        bool added = false;
        _owner.OwnedHandle.DangerousAddRef(ref added);
        return new MemoryHandle(_owner.DataPointer + elementIndex, default, this);
    }

    /// <inheritdoc/>
    public override void Unpin() => _owner.OwnedHandle.DangerousRelease();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        // The MappedFile owns the mapping; a Memory<byte> handed out must not be able to unmap it.
    }
}
