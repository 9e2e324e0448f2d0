using System;
using System.Globalization;

namespace ZeroCopyNative;

/// <summary>What <see cref="ZeroCopy.Transfer(System.Runtime.InteropServices.SafeHandle, System.Runtime.InteropServices.SafeHandle, long?)"/>
/// did: how many bytes it moved and the method that finished the transfer.</summary>
/// <remarks>An immutable value; thread-safe.</remarks>
public readonly struct TransferResult : IEquatable<TransferResult>
{
    /// <summary>Creates a result.</summary>
    /// <param name="bytes">The bytes moved.</param>
    /// <param name="method">The method that finished the transfer.</param>
    public TransferResult(long bytes, TransferMethod method)
    {
        Bytes = bytes;
        Method = method;
    }

    /// <summary>The bytes moved from the source to the destination.</summary>
    public long Bytes { get; }

    /// <summary>The method that moved the last bytes (or found the end of the source). When a faster method was refused
    /// part-way, the bytes before the refusal moved with it and the rest with this one.</summary>
    public TransferMethod Method { get; }

    /// <inheritdoc/>
    public bool Equals(TransferResult other) => Bytes == other.Bytes && Method == other.Method;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TransferResult other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Bytes, Method);

    /// <summary>"1048576 bytes by SendFile".</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Bytes.ToString(CultureInfo.InvariantCulture) + " bytes by " + Method;

    /// <summary>Compares two results.</summary>
    /// <param name="left">One result.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(TransferResult left, TransferResult right) => left.Equals(right);

    /// <summary>Compares two results.</summary>
    /// <param name="left">One result.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(TransferResult left, TransferResult right) => !left.Equals(right);
}
