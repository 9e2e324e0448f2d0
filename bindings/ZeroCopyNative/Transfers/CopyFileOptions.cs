using System;

namespace ZeroCopyNative;

/// <summary>
/// How <see cref="ZeroCopy.CopyFile(string, string, CopyFileOptions?)"/> copies: whether an existing regular file may be
/// replaced, whether the source's special mode bits are kept, and the transfer's method, progress and hole handling.
/// </summary>
/// <remarks>A plain settings object; not changed by a copy.</remarks>
public sealed class CopyFileOptions
{
    /// <summary>Whether an existing regular file at the destination is truncated and written (keeping its own mode,
    /// as cp keeps it). False (the default): an existing regular file fails the copy with EEXIST and is left alone.
    /// A device, FIFO or socket at the destination is always written into, never truncated or chmod-ed.</summary>
    public bool Overwrite { get; set; }

    /// <summary>Whether a new file gets the source's whole mode, set-uid, set-gid and sticky bits included, regardless
    /// of the umask (fchmod after creation), as <c>cp -p</c> gives it. False (the default): the source's permission
    /// bits minus the umask, without the special bits, as cp gives them.</summary>
    public bool PreserveMode { get; set; }

    /// <summary>A forced method, or null (the default) for the automatic chain; see
    /// <see cref="TransferOptions.Method"/>.</summary>
    public TransferMethod? Method { get; set; }

    /// <summary>Receives the bytes copied so far; see <see cref="TransferOptions.Progress"/>.</summary>
    public IProgress<long>? Progress { get; set; }

    /// <summary>True (the default): holes in the source stay holes in a regular-file destination; see
    /// <see cref="TransferOptions.KeepHoles"/>.</summary>
    public bool KeepHoles { get; set; } = true;
}
