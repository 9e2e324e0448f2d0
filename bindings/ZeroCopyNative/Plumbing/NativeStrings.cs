using System;
using System.Text;

namespace ZeroCopyNative;

/// <summary>Encodes the strings the safe layer passes to libzcn as NUL-terminated UTF-8.</summary>
internal static class NativeStrings
{
    /// <summary>Encodes <paramref name="value"/> as NUL-terminated UTF-8, refusing embedded NULs (the kernel would
    /// silently cut the string there) and strings longer than <paramref name="maxBytes"/> bytes.</summary>
    /// <param name="value">The string.</param>
    /// <param name="maxBytes">The most bytes the encoded string may take, without its terminating NUL.</param>
    /// <param name="paramName">The parameter named in exceptions.</param>
    /// <param name="what">What the string is, for messages ("path", "memfd name").</param>
    /// <returns>The encoded bytes, ending in NUL.</returns>
    public static byte[] ToUtf8Z(string value, int maxBytes, string paramName, string what)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        if (value.Contains('\0'))
        {
            throw new ArgumentException($"The {what} must not contain a NUL character.", paramName);
        }

        int count = Encoding.UTF8.GetByteCount(value);
        if (count > maxBytes)
        {
            throw new ArgumentException(
                $"The {what} takes {count} bytes in UTF-8; the limit is {maxBytes}.", paramName);
        }

        byte[] bytes = new byte[count + 1];
        Encoding.UTF8.GetBytes(value, 0, value.Length, bytes, 0);
        return bytes;
    }
}
