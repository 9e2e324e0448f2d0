using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// One side of a transfer: its descriptor, what it is (fstat, F_GETFL) and, for a seekable file, the exact offset the
/// transfer has reached. The chain always passes explicit offsets for files, so the offset stays exact whichever
/// method moved the bytes and wherever a fallback happened.
/// </summary>
internal struct TransferEndpoint
{
    public int Fd;
    public FdKind Kind;
    public bool Append;
    public bool Seekable;
    public long Offset;
    public ulong Device;

    /// <summary>Describes <paramref name="fd"/>; the offset is <paramref name="offset"/> when given, otherwise the
    /// descriptor's file position (lseek SEEK_CUR) for a seekable file.</summary>
    /// <exception cref="ZeroCopyException">fstat/fcntl or lseek failed.</exception>
    public static TransferEndpoint Describe(int fd, long? offset)
    {
        FdInfo info = NativeFile.Query(fd);
        var endpoint = new TransferEndpoint
        {
            Fd = fd,
            Kind = (FdKind)unchecked((uint)info.kind),
            Append = (info.status_flags & (int)OpenFlags.APPEND) != 0,
            Device = info.device,
        };
        endpoint.Seekable = endpoint.Kind is FdKind.REGULAR or FdKind.BLOCKDEV;
        if (endpoint.Seekable)
        {
            endpoint.Offset = offset ?? NativeResult.Check(Zcn.lseek(fd, 0, (int)Whence.SEEK_CUR), "lseek");
        }

        return endpoint;
    }

    /// <summary>Whether writes go to a caller-visible offset (a seekable file not opened O_APPEND).</summary>
    public readonly bool WritesAtOffset => Seekable && !Append;

    public readonly bool IsPipe => Kind == FdKind.PIPE;

    public readonly bool IsRegular => Kind == FdKind.REGULAR;
}
