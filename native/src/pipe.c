/* pipe.c - zcn_pipe, zcn_pipe_set_size, zcn_pipe_get_size and zcn_bytes_available. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "zcn_internal.h"

int32_t zcn_pipe(int32_t fds[2], uint32_t flags) {
    if ((flags & ~(uint32_t)(ZCN_PIPE_NONBLOCK | ZCN_PIPE_PACKET)) != 0) return -EINVAL;
    int native = O_CLOEXEC;
    if (flags & ZCN_PIPE_NONBLOCK) native |= O_NONBLOCK;
    if (flags & ZCN_PIPE_PACKET) native |= O_DIRECT;
    /* The kernel writes the pair itself, so a NULL or unwritable fds is its -EFAULT (and it closes both ends). */
    return zcn_status(pipe2(fds, native));
}

int32_t zcn_pipe_set_size(int32_t fd, int32_t size) {
    int result;
    ZCN_RETRY_EINTR(result, fcntl(fd, F_SETPIPE_SZ, size));
    return zcn_result32(result);
}

int32_t zcn_pipe_get_size(int32_t fd) {
    return zcn_result32(fcntl(fd, F_GETPIPE_SZ));
}

int32_t zcn_bytes_available(int32_t fd) {
    int available = 0;
    if (ioctl(fd, FIONREAD, &available) != 0) return -(int32_t)errno;
    return available;
}
