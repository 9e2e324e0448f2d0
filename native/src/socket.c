/* socket.c - zcn_socket_set_zerocopy, zcn_send and zcn_zerocopy_completions: sends from user memory without a copy
 * (MSG_ZEROCOPY) and the completions that say when that memory is free again. */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h> /* <linux/errqueue.h> needs struct timespec declared first */

#include <linux/errqueue.h>

#include "zcn_internal.h"

_Static_assert((int)ZCN_MSG_DONTWAIT == (int)MSG_DONTWAIT, "MSG_DONTWAIT");
_Static_assert((int)ZCN_MSG_NOSIGNAL == (int)MSG_NOSIGNAL, "MSG_NOSIGNAL");
_Static_assert((int)ZCN_MSG_MORE == (int)MSG_MORE, "MSG_MORE");
_Static_assert((int)ZCN_MSG_ZEROCOPY == (int)MSG_ZEROCOPY, "MSG_ZEROCOPY");
_Static_assert(ZCN_ZEROCOPY_COPIED == SO_EE_CODE_ZEROCOPY_COPIED, "SO_EE_CODE_ZEROCOPY_COPIED");

int32_t zcn_socket_set_zerocopy(int32_t fd, int32_t enable) {
    int value = enable;
    return zcn_status(setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &value, sizeof value));
}

int64_t zcn_send(int32_t fd, const void *buf, uint64_t len, int32_t flags) {
    ssize_t result;
    ZCN_RETRY_EINTR(result, ZCN_SYS_SEND(fd, buf, (size_t)len, flags | MSG_NOSIGNAL));
    return zcn_result64(result);
}

/* The extended error of one error-queue message, when it is a MSG_ZEROCOPY completion (IPv4 and IPv6 sockets
 * report it under their own level; an IPv6 socket may carry IPv4 traffic, so both are accepted). */
static int zcn_zerocopy_range_of(struct msghdr *msg, zcn_zerocopy_range *out) {
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
        int ip = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
        int ip6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
        if ((!ip && !ip6) || c->cmsg_len < CMSG_LEN(sizeof(struct sock_extended_err))) continue;
        struct sock_extended_err error;
        memcpy(&error, CMSG_DATA(c), sizeof error);
        if (error.ee_origin != SO_EE_ORIGIN_ZEROCOPY || error.ee_errno != 0) continue;
        out->first = error.ee_info;
        out->last = error.ee_data;
        out->code = error.ee_code;
        out->reserved = 0;
        return 1;
    }
    return 0;
}

int32_t zcn_zerocopy_completions(int32_t fd, zcn_zerocopy_range *out, int32_t max) {
    /* The socket's own refusals first (EBADF, ENOTSOCK), then the family: MSG_ERRQUEUE means nothing to a Unix
     * socket, whose recvmsg would hand over (and consume) its data instead. */
    int domain = 0;
    socklen_t length = sizeof domain;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) != 0) return -(int32_t)errno;
    if (domain != AF_INET && domain != AF_INET6) return -EOPNOTSUPP;
    if (max <= 0) return -EINVAL;
    if (out == NULL) return -EFAULT;

    int32_t count = 0;
    int read_any = 0;
    while (count < max) {
        /* One extended error and the offender's address (a completion carries none; an ICMP error does). */
        union {
            char bytes[CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in6))];
            struct cmsghdr align;
        } control;
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_control = control.bytes;
        msg.msg_controllen = sizeof control.bytes;
        ssize_t result;
        /* MSG_ERRQUEUE never waits: an empty queue is EAGAIN whatever the socket's O_NONBLOCK. */
        ZCN_RETRY_EINTR(result, ZCN_SYS_RECVMSG(fd, &msg, MSG_ERRQUEUE));
        if (result < 0) return read_any ? count : -(int32_t)errno;
        read_any = 1;
        count += zcn_zerocopy_range_of(&msg, &out[count]);
    }
    return count;
}
