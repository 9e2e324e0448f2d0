using System;

namespace ZeroCopyNative;

/// <summary>
/// How <see cref="ZeroCopy.Transfer(System.Runtime.InteropServices.SafeHandle, System.Runtime.InteropServices.SafeHandle, TransferOptions?)"/>
/// moves bytes: how many, from and to which offsets, by which method, with what progress reports, and whether holes
/// are kept. The defaults move everything from the descriptors' file positions by the fastest method the kernel
/// accepts, keeping the holes of a sparse file copied into a file.
/// </summary>
/// <remarks>A plain settings object: create one, set what differs, pass it to as many transfers as you like. Not
/// changed by a transfer.</remarks>
public sealed class TransferOptions
{
    /// <summary>The most bytes to move, or null (the default) to move everything until the source ends. Never taken
    /// from the source's size: a file that grows while it is read is read to its new end.</summary>
    public long? Count { get; set; }

    /// <summary>Where to start reading a seekable source, in bytes from its start; its file position is then left
    /// untouched, as pread(2) leaves it. Null (the default): start at the file position and leave it after the bytes
    /// moved. Ignored for pipes, sockets and character devices, which have no offsets.</summary>
    public long? SourceOffset { get; set; }

    /// <summary>Where to start writing a seekable destination, in bytes from its start; its file position is then
    /// left untouched, as pwrite(2) leaves it. Null (the default): write at the file position and leave it after the
    /// bytes moved. Ignored for O_APPEND files, pipes, sockets and character devices.</summary>
    public long? DestinationOffset { get; set; }

    /// <summary>Null (the default): the automatic chain, which falls back to the next method whenever the kernel
    /// refuses one. A method: that method only, and the kernel's refusal is the transfer's error
    /// (<see cref="ZeroCopyException"/> with its errno, for example EINVAL from copy_file_range between a file and a
    /// pipe). <see cref="TransferMethod.Splice"/> splices through a pooled pipe when neither end is a pipe.</summary>
    public TransferMethod? Method { get; set; }

    /// <summary>Receives the total bytes moved so far: at most every 100 ms while bytes move, and once at the end. The
    /// transfer allocates nothing to report (what the sink does with the value is its own affair: a
    /// <see cref="Progress{T}"/> posts to its synchronisation context). Null (the default): no reports, and the system
    /// calls are not split for them.</summary>
    public IProgress<long>? Progress { get; set; }

    /// <summary>True (the default): a regular file copied into a regular file keeps its holes, as
    /// <c>cp --sparse=auto</c> does: the source's data is found with lseek SEEK_DATA/SEEK_HOLE, holes are skipped
    /// rather than written as zeros, and the destination's length is set at the end. This happens only where the
    /// destination range starts at or after the destination's end (a new or truncated file, or an append), because
    /// only there does a skipped range read back as zeros. Into anything else (a pipe, socket or device, or over
    /// existing data) holes go out as zeros. False: holes are always written as zeros.</summary>
    public bool KeepHoles { get; set; } = true;
}
