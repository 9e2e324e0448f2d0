/* epoll.c - zcn_epoll_create, zcn_epoll_ctl and zcn_epoll_wait: readiness for many descriptors on one thread. */
#include <string.h>
#include <sys/epoll.h>

#include "zcn_internal.h"

_Static_assert((int)ZCN_EPOLLIN == (int)EPOLLIN, "EPOLLIN");
_Static_assert((int)ZCN_EPOLLPRI == (int)EPOLLPRI, "EPOLLPRI");
_Static_assert((int)ZCN_EPOLLOUT == (int)EPOLLOUT, "EPOLLOUT");
_Static_assert((int)ZCN_EPOLLERR == (int)EPOLLERR, "EPOLLERR");
_Static_assert((int)ZCN_EPOLLHUP == (int)EPOLLHUP, "EPOLLHUP");
_Static_assert((int)ZCN_EPOLLRDHUP == (int)EPOLLRDHUP, "EPOLLRDHUP");
_Static_assert((int)ZCN_EPOLLEXCLUSIVE == (int)EPOLLEXCLUSIVE, "EPOLLEXCLUSIVE");
_Static_assert((int)ZCN_EPOLLWAKEUP == (int)EPOLLWAKEUP, "EPOLLWAKEUP");
_Static_assert((int)ZCN_EPOLLONESHOT == (int)EPOLLONESHOT, "EPOLLONESHOT");
_Static_assert((uint32_t)ZCN_EPOLLET == (uint32_t)EPOLLET, "EPOLLET");
_Static_assert(ZCN_EPOLL_CTL_ADD == EPOLL_CTL_ADD && ZCN_EPOLL_CTL_DEL == EPOLL_CTL_DEL &&
                   ZCN_EPOLL_CTL_MOD == EPOLL_CTL_MOD, "EPOLL_CTL_*");

int32_t zcn_epoll_create(void) {
    return zcn_result32(epoll_create1(EPOLL_CLOEXEC));
}

int32_t zcn_epoll_ctl(int32_t epfd, int32_t op, int32_t fd, uint32_t events, uint64_t data) {
    struct epoll_event event = {.events = events, .data.u64 = data};
    return zcn_status(epoll_ctl(epfd, op, fd, &event));
}

/* The kernel writes its own struct epoll_event straight into the caller's array, so that an unwritable array is the
 * kernel's -EFAULT, never a fault in the library. That struct is packed (12 bytes) on x86-64 and is the header's
 * 16-byte layout elsewhere; where it is smaller, the entries are spread out in place, from the last to the first:
 * entry i moves from 12*i to 16*i, which never overlaps an entry not yet moved. */
static void zcn_epoll_spread(zcn_epoll_event *events, int count) {
    if (sizeof(struct epoll_event) == sizeof(zcn_epoll_event)) return;
    /* Byte copies both ways: the caller's array need not be aligned, and the kernel does not ask it to be. */
    unsigned char *bytes = (unsigned char *)events;
    for (int i = count - 1; i >= 0; i--) {
        struct epoll_event entry;
        memcpy(&entry, bytes + (size_t)i * sizeof(struct epoll_event), sizeof entry);
        zcn_epoll_event spread = {.events = entry.events, .reserved = 0, .data = entry.data.u64};
        memcpy(bytes + (size_t)i * sizeof(zcn_epoll_event), &spread, sizeof spread);
    }
}

int32_t zcn_epoll_wait(int32_t epfd, zcn_epoll_event *events, int32_t max_events, int32_t timeout_ms) {
    _Static_assert(sizeof(struct epoll_event) <= sizeof(zcn_epoll_event), "the kernel's entries fit in the caller's");
    int64_t deadline = zcn_deadline_after(timeout_ms);
    int remaining = timeout_ms;
    for (;;) {
        int result = epoll_wait(epfd, (struct epoll_event *)(void *)events, max_events, remaining);
        if (result >= 0) {
            zcn_epoll_spread(events, result);
            return result;
        }
        if (errno != EINTR) return -(int32_t)errno;
        if (timeout_ms > 0 && (remaining = zcn_milliseconds_left(deadline)) == 0) return 0;
    }
}
