using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// Waits with poll(2) for a descriptor that answered EAGAIN, so that the synchronous loops sleep in the kernel until
/// progress is possible instead of spinning. A descriptor is non-blocking either because its owner asked for it or
/// because the .NET runtime switched a socket to O_NONBLOCK for its asynchronous operations.
/// </summary>
internal static class Readiness
{
    /// <summary>Blocks until <paramref name="fd"/> is writable, or reports an error or hang-up (the next call on the
    /// descriptor then reports the error itself).</summary>
    /// <exception cref="ZeroCopyException">poll failed, or the descriptor is not open (EBADF).</exception>
    public static void WaitWritable(int fd, string operation, long bytesTransferred) =>
        Wait(fd, PollEvents.POLLOUT, operation, bytesTransferred);

    /// <summary>Blocks until <paramref name="fd"/> is readable, has hung up, or reports an error.</summary>
    /// <exception cref="ZeroCopyException">poll failed, or the descriptor is not open (EBADF).</exception>
    public static void WaitReadable(int fd, string operation, long bytesTransferred) =>
        Wait(fd, PollEvents.POLLIN, operation, bytesTransferred);

    /// <summary>After an EAGAIN from a call between two descriptors, waits until the destination can take data and the
    /// source has data: both are needed for progress, so waiting for each in turn never sleeps needlessly.</summary>
    public static void WaitBoth(int sourceFd, int destinationFd, string operation, long bytesTransferred)
    {
        Wait(destinationFd, PollEvents.POLLOUT, operation, bytesTransferred);
        Wait(sourceFd, PollEvents.POLLIN, operation, bytesTransferred);
    }

    /// <summary>Whether <paramref name="fd"/> is ready for <paramref name="events"/> right now (poll with timeout 0).</summary>
    public static bool IsReady(int fd, PollEvents events)
    {
        int result = Zcn.poll(fd, (int)events, 0);
        return result > 0;
    }

    private static void Wait(int fd, PollEvents events, string operation, long bytesTransferred)
    {
        int result = Zcn.poll(fd, (int)events, -1);
        if (result < 0)
        {
            NativeResult.Throw("poll", result, bytesTransferred);
        }

        if ((result & (int)PollEvents.POLLNVAL) != 0)
        {
            throw new ZeroCopyException(operation, Errno.EBADF, bytesTransferred);
        }
    }
}
