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
    public ulong Inode;

    /// <summary>O_NONBLOCK is set: a call that cannot proceed answers EAGAIN instead of sleeping.</summary>
    public bool NonBlocking;

    /// <summary>Open for writing (O_WRONLY or O_RDWR).</summary>
    public bool Writable;

    /// <summary>The size fstat reported when the transfer began (regular files and block devices; 0 otherwise). Used
    /// only to decide things before any byte moves (the same-file check, where holes may be kept), never as the end
    /// of the input.</summary>
    public long Size;

    /// <summary>The caller gave the offset: the descriptor's file position must end where it began.</summary>
    public bool PositionIsCallers;

    /// <summary>The file position to restore when a step had to move it (sendfile writes at the position); -1 when
    /// it was not moved.</summary>
    public long PositionToRestore;

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
            Writable = (info.status_flags & (int)(OpenFlags.WRONLY | OpenFlags.RDWR)) != 0,
            NonBlocking = (info.status_flags & (int)OpenFlags.NONBLOCK) != 0,
            Device = info.device,
            Inode = info.inode,
            Size = info.size,
            PositionIsCallers = offset.HasValue,
            PositionToRestore = -1,
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

    /// <summary>Whether both ends are the same file (st_dev and st_ino), whatever paths or descriptors led to it.</summary>
    public readonly bool IsSameFileAs(in TransferEndpoint other) => Device == other.Device && Inode == other.Inode;

    /// <summary>Puts the file position at <see cref="Offset"/>, for a call that writes at the position (sendfile),
    /// remembering the caller's position first when it must be given back.</summary>
    public Errno MovePositionToOffset()
    {
        Errno saved = RememberCallersPosition();
        if (saved != 0)
        {
            return saved;
        }

        long result = Zcn.lseek(Fd, Offset, (int)Whence.SEEK_SET);
        return result < 0 ? NativeResult.ErrnoOf(result) : 0;
    }

    /// <summary>Before a call that moves the file position (sendfile's writes, lseek SEEK_DATA/SEEK_HOLE), remembers
    /// the caller's position once, when it must be given back.</summary>
    public Errno RememberCallersPosition()
    {
        if (PositionIsCallers && PositionToRestore < 0)
        {
            long position = Zcn.lseek(Fd, 0, (int)Whence.SEEK_CUR);
            if (position < 0)
            {
                return NativeResult.ErrnoOf(position);
            }

            PositionToRestore = position;
        }

        return 0;
    }

    /// <summary>After the transfer: a descriptor whose offset the caller gave gets its own position back; one whose
    /// position the transfer used is left after the bytes moved, as read(2) and write(2) leave it (an O_APPEND
    /// destination is left where its appends put it).</summary>
    public readonly void SettlePosition(bool asDestination)
    {
        if (PositionIsCallers)
        {
            if (PositionToRestore >= 0)
            {
                _ = Zcn.lseek(Fd, PositionToRestore, (int)Whence.SEEK_SET);
            }
        }
        else if (asDestination ? WritesAtOffset : Seekable)
        {
            _ = Zcn.lseek(Fd, Offset, (int)Whence.SEEK_SET);
        }
    }
}
