using System.Diagnostics.CodeAnalysis;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>Turns libzcn's "value or -errno" results into values or <see cref="ZeroCopyException"/>s.</summary>
internal static class NativeResult
{
    /// <summary>Returns <paramref name="result"/> when it is a value; throws when it is -errno.</summary>
    public static long Check(long result, string operation)
    {
        if (result < 0)
        {
            Throw(operation, result);
        }

        return result;
    }

    /// <summary>Returns <paramref name="result"/> when it is a value; throws when it is -errno.</summary>
    public static int Check(int result, string operation)
    {
        if (result < 0)
        {
            Throw(operation, result);
        }

        return result;
    }

    /// <summary>The errno of a negative result.</summary>
    public static Errno ErrnoOf(long result) => (Errno)unchecked((uint)-result);

    /// <summary>Throws the exception for a -errno result, noting bytes already transferred.</summary>
    [DoesNotReturn]
    public static void Throw(string operation, long result, long bytesTransferred = 0) =>
        throw new ZeroCopyException(operation, ErrnoOf(result), bytesTransferred);
}
