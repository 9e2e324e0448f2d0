using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// Waits with poll(2) for a descriptor that answered EAGAIN, so that the synchronous loops sleep in the kernel until
/// progress is possible instead of spinning. A descriptor is non-blocking either because its owner asked for it or
/// because the .NET runtime switched a socket to O_NONBLOCK for its asynchronous operations. Never throws: the loops
/// report the errno like any other.
/// </summary>
internal static class Readiness
{
    /// <summary>Blocks until <paramref name="fd"/> is writable, or reports an error or hang-up (the next call on the
    /// descriptor then reports the error itself).</summary>
    /// <returns>0, or the errno of poll (EBADF when the descriptor is not open).</returns>
    public static Errno WaitWritable(int fd) => Wait(fd, PollEvents.POLLOUT);

    /// <summary>Blocks until <paramref name="fd"/> is readable, has hung up, or reports an error.</summary>
    /// <returns>0, or the errno of poll (EBADF when the descriptor is not open).</returns>
    public static Errno WaitReadable(int fd) => Wait(fd, PollEvents.POLLIN);

    /// <summary>After an EAGAIN from a call between two descriptors, waits until the destination can take data and the
    /// source has data: both are needed for progress, so waiting for each in turn never sleeps needlessly.</summary>
    /// <returns>0, or the errno of poll.</returns>
    public static Errno WaitBoth(int sourceFd, int destinationFd)
    {
        Errno error = Wait(destinationFd, PollEvents.POLLOUT);
        return error != 0 ? error : Wait(sourceFd, PollEvents.POLLIN);
    }

    /// <summary>Whether <paramref name="fd"/> is ready for <paramref name="events"/> right now (poll with timeout 0).</summary>
    public static bool IsReady(int fd, PollEvents events)
    {
        int result = Zcn.poll(fd, (int)events, 0);
        return result > 0;
    }

    private static Errno Wait(int fd, PollEvents events)
    {
        int result = Zcn.poll(fd, (int)events, -1);
        if (result < 0)
        {
            return NativeResult.ErrnoOf(result);
        }

        return (result & (int)PollEvents.POLLNVAL) != 0 ? Errno.EBADF : 0;
    }
}
