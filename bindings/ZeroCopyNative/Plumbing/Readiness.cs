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
    /// <summary>After an EAGAIN, waits for the ends a call needs: <paramref name="destinationFd"/> writable and
    /// <paramref name="sourceFd"/> readable; -1 for an end the call does not wait on. A call between two descriptors
    /// needs both, so waiting for each in turn never sleeps needlessly.</summary>
    /// <returns>0, or the errno of poll.</returns>
    public static Errno WaitFor(int sourceFd, int destinationFd)
    {
        Errno error = destinationFd >= 0 ? Wait(destinationFd, PollEvents.POLLOUT) : 0;
        return error != 0 || sourceFd < 0 ? error : Wait(sourceFd, PollEvents.POLLIN);
    }

    /// <summary>After a call between two descriptors answered <paramref name="error"/> (null unless EAGAIN), which end an asynchronous operation must wait for:
    /// the source when it has nothing to read, else the destination when it has no room, else neither (null: both
    /// are ready now, because the end that was short became ready between the call and this check, so the caller
    /// calls again at once). EAGAIN does not say which end was short, and guessing wrong would wait on an end that
    /// is ready, or one epoll cannot watch at all (a regular file, which poll always reports ready).</summary>
    /// <returns>True: wait for the source to be readable; false: for the destination to be writable; null: call
    /// again.</returns>
    public static bool? SourceWaits(Errno error, int sourceFd, int destinationFd) =>
        error != Errno.EAGAIN ? null
        : !IsReady(sourceFd, PollEvents.POLLIN) ? true : !IsReady(destinationFd, PollEvents.POLLOUT) ? false : null;

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
