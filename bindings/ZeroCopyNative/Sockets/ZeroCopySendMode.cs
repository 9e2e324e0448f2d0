namespace ZeroCopyNative;

/// <summary>How a <see cref="ZeroCopySender"/> chooses between a zero-copy send (MSG_ZEROCOPY) and a plain, copying
/// send(2).</summary>
public enum ZeroCopySendMode
{
    /// <summary>Zero-copy where it pays: sends shorter than <see cref="ZeroCopySenderOptions.Threshold"/> are plain;
    /// when the kernel reports that it copied a zero-copy send after all (loopback, a peer on the same host, a device
    /// that cannot send from user memory), the sender sends plainly and tries zero-copy again after
    /// <see cref="ZeroCopySenderOptions.ProbeInterval"/> sends. The default.</summary>
    Adaptive = 0,

    /// <summary>Every send uses MSG_ZEROCOPY, whatever its length and whatever the kernel reports: for reference
    /// measurements and tests. Where the kernel copies anyway, this costs the copy plus the pinning of the pages and
    /// the completion to read.</summary>
    Forced = 1,
}
