namespace ZeroCopyNative;

/// <summary>The path <see cref="ZeroCopy.Transfer(System.Runtime.InteropServices.SafeHandle, System.Runtime.InteropServices.SafeHandle, long?)"/>
/// used to move the data.</summary>
public enum TransferMethod
{
    /// <summary>Nothing was moved: the count was 0.</summary>
    None = 0,

    /// <summary>copy_file_range(2), file to file, inside the kernel (sharing extents where the filesystem can).</summary>
    CopyFileRange = 1,

    /// <summary>sendfile(2), from a file to a socket, pipe, device or file.</summary>
    SendFile = 2,

    /// <summary>splice(2) directly, because one end is a pipe.</summary>
    Splice = 3,

    /// <summary>splice(2) twice per chunk through a pooled intermediate pipe (socket to socket or file, and other pairs
    /// where neither end is a pipe).</summary>
    SpliceThroughPipe = 4,

    /// <summary>read(2)/pread(2) and write(2)/pwrite(2) through a pooled buffer: works for every pair of descriptors.</summary>
    ReadWrite = 5,

    /// <summary>Stream.Read and Stream.Write through a pooled buffer, because a stream has no descriptor.</summary>
    StreamCopy = 6,
}
