using System;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>The SPLICE_F_* flags of splice(2) and tee(2), with .NET names. Each value is the kernel's.</summary>
[Flags]
public enum SpliceOptions
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>SPLICE_F_MOVE: a hint to move pages instead of copying them (the kernel ignores it today).</summary>
    Move = (int)SpliceFlags.MOVE,

    /// <summary>SPLICE_F_NONBLOCK: the pipe side does not block. The looping methods then wait with poll(2)
    /// themselves; the Try methods return false.</summary>
    NonBlocking = (int)SpliceFlags.NONBLOCK,

    /// <summary>SPLICE_F_MORE: more data follows (a hint to a socket destination, as MSG_MORE).</summary>
    More = (int)SpliceFlags.MORE,
}

/// <summary>The one conversion from <see cref="SpliceOptions"/> to the kernel's flags.</summary>
internal static class SpliceOptionsExtensions
{
    /// <summary>The SPLICE_F_* flags: the values are the kernel's, so this is a cast, checked by the enum's definition.</summary>
    public static SpliceFlags ToNative(this SpliceOptions options) => (SpliceFlags)(uint)options;
}
