using System;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>Whose a standard descriptor (0, 1 or 2) is, as <see cref="StandardDescriptors.GetState"/> tells.</summary>
public enum StandardDescriptorState
{
    /// <summary>Open without FD_CLOEXEC: inherited through execve, so it is what the user's shell set up.</summary>
    Inherited,

    /// <summary>Not open (fstat(2) fails with EBADF): the program was started with it closed (<c>&lt;&amp;-</c>,
    /// <c>&gt;&amp;-</c>).</summary>
    Closed,

    /// <summary>Open with FD_CLOEXEC: the program was started with it closed and something inside this process has
    /// opened a file into the free number since, such as the .NET runtime's /dev/urandom at start-up. Not the
    /// user's: reading it leaks the process's own file, writing it corrupts it.</summary>
    OpenedByThisProcess,
}

/// <summary>
/// Tells whether the standard descriptors are the ones the user gave the program. The kernel hands out the lowest
/// free number, so a program started with 0, 1 or 2 closed gets them back from its own first open calls: the .NET
/// runtime opens /dev/urandom before <c>Main</c> runs, and a tool that then copies "standard input" copies random
/// bytes. Ask here before anything reads or writes a standard descriptor by number.
/// </summary>
/// <remarks>
/// The test is fcntl(F_GETFD): execve closes every descriptor that has FD_CLOEXEC, so an inherited descriptor never
/// has it, while everything .NET and libzcn open has it. The answer is therefore exact at start-up, and stays exact
/// as long as the process neither clears FD_CLOEXEC on a standard descriptor nor dup2()s onto one. Thread-safe.
/// </remarks>
public static class StandardDescriptors
{
    /// <summary>Whose <paramref name="fd"/> is: fstat(2) and fcntl(F_GETFD) through zcn_fd_query.</summary>
    /// <param name="fd">0 (standard input), 1 (standard output) or 2 (standard error).</param>
    /// <returns><see cref="StandardDescriptorState.Closed"/> when fstat fails with EBADF,
    /// <see cref="StandardDescriptorState.OpenedByThisProcess"/> when F_GETFD reports FD_CLOEXEC, otherwise
    /// <see cref="StandardDescriptorState.Inherited"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fd"/> is not 0, 1 or 2.</exception>
    /// <exception cref="ZeroCopyException">fstat or fcntl failed with another errno than EBADF.</exception>
    public static StandardDescriptorState GetState(int fd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fd, 2);
        if (!TryQuery(fd, out FdInfo info))
        {
            return StandardDescriptorState.Closed;
        }

        return ((FdFlags)info.descriptor_flags & FdFlags.CLOEXEC) != 0
            ? StandardDescriptorState.OpenedByThisProcess
            : StandardDescriptorState.Inherited;
    }

    /// <summary>Whether <paramref name="path"/> names the file open at <paramref name="fd"/>: the same st_dev and
    /// st_ino, from fstat(2) of the descriptor and of <paramref name="path"/> opened with O_PATH (symbolic links
    /// followed, so "/dev/stdin" names descriptor 0's file; nothing is read, and a FIFO does not block).</summary>
    /// <param name="fd">Any descriptor number.</param>
    /// <param name="path">The path a caller is about to open.</param>
    /// <returns>False when <paramref name="fd"/> is closed or <paramref name="path"/> cannot be opened (the
    /// caller's own open reports why).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fd"/> is negative.</exception>
    public static bool IsSameFile(int fd, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        // The descriptor first: opening the path could itself take a closed number, and would then match itself.
        if (path.Length == 0 || path.Contains('\0', StringComparison.Ordinal) || !TryQuery(fd, out FdInfo open))
        {
            return false;
        }

        // A path that cannot be looked up is not the descriptor's file.
        return NativeFile.TryQueryPath(path, out FdInfo named) && named.device == open.device && named.inode == open.inode;
    }

    /// <summary>zcn_fd_query of a number that may be closed: false on EBADF.</summary>
    private static unsafe bool TryQuery(int fd, out FdInfo info)
    {
        FdInfo result;
        int status = Zcn.fd_query(fd, &result);
        info = result;
        if (status == -(int)Errno.EBADF)
        {
            return false;
        }

        NativeResult.Check(status, "fstat");
        return true;
    }
}
