/* poll.c - zcn_poll: waits for events on one descriptor, resuming an interrupted wait. */
#include <poll.h>

#include "zcn_internal.h"

_Static_assert(ZCN_POLLIN == POLLIN, "POLLIN");
_Static_assert(ZCN_POLLPRI == POLLPRI, "POLLPRI");
_Static_assert(ZCN_POLLOUT == POLLOUT, "POLLOUT");
_Static_assert(ZCN_POLLERR == POLLERR, "POLLERR");
_Static_assert(ZCN_POLLHUP == POLLHUP, "POLLHUP");
_Static_assert(ZCN_POLLNVAL == POLLNVAL, "POLLNVAL");

int32_t zcn_poll(int32_t fd, int32_t events, int32_t timeout_ms) {
    if (timeout_ms < -1 || (events & ~0xffff) != 0) return -EINVAL;
    /* poll ignores a negative descriptor and would just sleep; report it as not open instead. */
    if (fd < 0) return ZCN_POLLNVAL;
    struct pollfd entry = {.fd = fd, .events = (short)events, .revents = 0};
    int64_t deadline = zcn_deadline_after(timeout_ms);
    int remaining = timeout_ms;
    for (;;) {
        int result = poll(&entry, 1, remaining);
        if (result >= 0) return result == 0 ? 0 : (int32_t)(unsigned short)entry.revents;
        if (errno != EINTR) return -(int32_t)errno;
        if (timeout_ms > 0 && (remaining = zcn_milliseconds_left(deadline)) == 0) return 0;
    }
}
