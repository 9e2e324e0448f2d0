/*
 * test_zerocopy_send.c - zcn_socket_set_zerocopy, zcn_send and zcn_zerocopy_completions: plain and MSG_ZEROCOPY
 * sends over loopback TCP, UDP and IPv6; one completion number per successful call and none for a refused one;
 * the loopback's "copied" verdict; completions after a reset; EPIPE instead of SIGPIPE; every errno user space can
 * provoke, and the error queue of a Unix socket left alone.
 */
#include <signal.h>
#include <sys/socket.h>

#include "zcn_test.h"
#include "zcn_xfer_fixtures.h"

#define MESSAGE (64u * 1024u)
#define MAX_CALLS 4096

/* Which completion numbers have been reported, and how often; the codes seen. */
typedef struct tally {
    int times[MAX_CALLS];
    uint32_t copied, not_copied, ranges, foreign_ids;
} tally;

static void tally_add(tally *t, const zcn_zerocopy_range *r) {
    t->ranges++;
    for (uint32_t id = r->first;; id++) {
        if (id < MAX_CALLS) t->times[id]++;
        else t->foreign_ids++;
        if (r->code & ZCN_ZEROCOPY_COPIED) t->copied++;
        else t->not_copied++;
        if (id == r->last) break;
    }
}

/* Reads completions until ids 0..calls-1 have all been reported, waiting for POLLERR (bounded at 10 s). Returns
 * 1 when each was reported exactly once and nothing else was. */
static int collect(int fd, tally *t, uint32_t calls) {
    int64_t deadline = zcn_fx_now_ms() + 10000;
    for (;;) {
        uint32_t seen = 0;
        for (uint32_t id = 0; id < calls; id++) seen += t->times[id] > 0;
        if (seen == calls) break;
        zcn_zerocopy_range ranges[8];
        int32_t n = zcn_zerocopy_completions(fd, ranges, 8);
        if (n == -EAGAIN) {
            if (zcn_fx_now_ms() > deadline) {
                fprintf(stderr, "  %u of %u completions arrived\n", seen, calls);
                return 0;
            }
            struct pollfd p = {fd, 0, 0}; /* POLLERR is reported without being asked for */
            poll(&p, 1, 100);
            continue;
        }
        if (n < 0) {
            fprintf(stderr, "  zcn_zerocopy_completions: %s\n", zcn_errno_name(n));
            return 0;
        }
        for (int32_t i = 0; i < n; i++) tally_add(t, &ranges[i]);
    }
    for (uint32_t id = 0; id < calls; id++) {
        if (t->times[id] != 1) {
            fprintf(stderr, "  completion %u reported %d times\n", id, t->times[id]);
            return 0;
        }
    }
    return t->foreign_ids == 0 && zcn_zerocopy_completions(fd, (zcn_zerocopy_range[1]){{0}}, 1) == -EAGAIN;
}

static int tcp_pair_zerocopy(int s[2]) {
    if (zcn_xf_tcp_pair(s) != 0) return -1;
    return zcn_socket_set_zerocopy(s[1], 1) == 0 ? 0 : -1;
}

/* Sends all of buf on a blocking socket with flags; returns the calls that succeeded, or -1. */
static int64_t send_all(int fd, const uint8_t *buf, size_t len, int32_t flags) {
    size_t sent = 0;
    int64_t calls = 0;
    while (sent < len) {
        int64_t n = zcn_send(fd, buf + sent, len - sent, flags);
        if (n <= 0) {
            fprintf(stderr, "  zcn_send: %lld %s\n", (long long)n, zcn_test_name(n));
            return -1;
        }
        sent += (size_t)n;
        calls++;
    }
    return calls;
}

/* ---- zcn_socket_set_zerocopy ------------------------------------------------------------------ */

static void test_set_zerocopy_on_tcp_udp_and_ipv6(void) {
    int s[2];
    REQUIRE(zcn_xf_tcp_pair(s) == 0);
    CHECK_EQ(zcn_socket_set_zerocopy(s[1], 1), 0);
    int value = 0;
    socklen_t length = sizeof value;
    CHECK(getsockopt(s[1], SOL_SOCKET, SO_ZEROCOPY, &value, &length) == 0 && value == 1);
    CHECK_EQ(zcn_socket_set_zerocopy(s[1], 0), 0);
    CHECK(getsockopt(s[1], SOL_SOCKET, SO_ZEROCOPY, &value, &length) == 0 && value == 0);
    /* A listening or unconnected socket takes it too. */
    int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int tcp6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(udp >= 0);
    CHECK_EQ(zcn_socket_set_zerocopy(udp, 1), 0);
    if (tcp6 >= 0) CHECK_EQ(zcn_socket_set_zerocopy(tcp6, 1), 0);
    zcn_xf_close(&udp);
    zcn_xf_close(&tcp6);
    zcn_xf_close_all(s, 2);
}

static void test_set_zerocopy_refusals(void) {
    int s[2], u[2], p[2];
    REQUIRE(zcn_xf_tcp_pair(s) == 0 && zcn_xf_unix_pair(u) == 0 && zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    int closed = zcn_fx_closed_fd();
    CHECK_ERR(zcn_socket_set_zerocopy(s[1], 2), EINVAL);
    CHECK_ERR(zcn_socket_set_zerocopy(s[1], -1), EINVAL);
    CHECK_ERR(zcn_socket_set_zerocopy(u[0], 1), EOPNOTSUPP);
    CHECK_ERR(zcn_socket_set_zerocopy(p[1], 1), ENOTSOCK);
    CHECK_ERR(zcn_socket_set_zerocopy(closed, 1), EBADF);
    CHECK_ERR(zcn_socket_set_zerocopy(-1, 1), EBADF);
    zcn_xf_close_all(s, 2);
    zcn_xf_close_all(u, 2);
    zcn_xf_close_all(p, 2);
}

/* ---- zcn_send --------------------------------------------------------------------------------- */

static void test_send_plain_bytes_arrive(void) {
    uint8_t *data = zcn_xf_pattern(3 * MESSAGE + 17, 5);
    int s[2], u[2];
    REQUIRE(data != NULL && zcn_xf_tcp_pair(s) == 0 && zcn_xf_unix_pair(u) == 0);
    int pairs[2][2] = {{s[0], s[1]}, {u[0], u[1]}};
    for (int i = 0; i < 2; i++) {
        int rx = pairs[i][0], tx = pairs[i][1];
        /* A little at a time, so that the receiver never has to run beside the sender. */
        for (size_t off = 0; off < 3 * MESSAGE + 17; off += 4096) {
            size_t n = off + 4096 <= 3 * MESSAGE + 17 ? 4096 : 3 * MESSAGE + 17 - off;
            CHECK_EQ(zcn_send(tx, data + off, n, ZCN_MSG_NONE), n);
            CHECK(zcn_xf_stream_has(rx, data + off, n));
        }
        /* The flags that change nothing about the bytes. */
        CHECK_EQ(zcn_send(tx, data, 100, ZCN_MSG_MORE | ZCN_MSG_DONTWAIT | ZCN_MSG_NOSIGNAL), 100);
        CHECK(zcn_xf_stream_has(rx, data, 100));
        CHECK_EQ(zcn_send(tx, data, 0, ZCN_MSG_NONE), 0);
    }
    zcn_xf_close_all(s, 2);
    zcn_xf_close_all(u, 2);
    free(data);
}

static void test_send_eagain_when_full(void) {
    int s[2];
    uint8_t byte = 1;
    REQUIRE(zcn_xf_tcp_pair(s) == 0 && zcn_xf_nonblock(s[1]) == 0);
    REQUIRE(zcn_xf_fill_until_stable(s[1]) > 0);
    CHECK_ERR(zcn_send(s[1], &byte, 1, ZCN_MSG_NONE), EAGAIN);
    /* A blocking socket with MSG_DONTWAIT answers the same. */
    int flags = fcntl(s[1], F_GETFL);
    REQUIRE(flags >= 0 && fcntl(s[1], F_SETFL, flags & ~O_NONBLOCK) == 0);
    CHECK_ERR(zcn_send(s[1], &byte, 1, ZCN_MSG_DONTWAIT), EAGAIN);
    zcn_xf_close_all(s, 2);
}

/* In a child whose SIGPIPE is the default action (death): every refusal must be an errno. */
static void epipe_child(void *arg) {
    (void)arg;
    signal(SIGPIPE, SIG_DFL);
    uint8_t bytes[16] = {0};
    int u[2], s[2];
    REQUIRE(zcn_xf_unix_pair(u) == 0 && zcn_xf_tcp_pair(s) == 0);
    zcn_xf_close(&u[0]);
    CHECK_ERR(zcn_send(u[1], bytes, sizeof bytes, ZCN_MSG_NONE), EPIPE);
    REQUIRE(shutdown(s[1], SHUT_WR) == 0);
    CHECK_ERR(zcn_send(s[1], bytes, sizeof bytes, ZCN_MSG_NONE), EPIPE);
    CHECK_ERR(zcn_send(s[1], bytes, sizeof bytes, ZCN_MSG_ZEROCOPY), EPIPE);
    int never = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(never >= 0);
    CHECK_ERR(zcn_send(never, bytes, sizeof bytes, ZCN_MSG_NONE), EPIPE);
    close(never);
    zcn_xf_close_all(u, 2);
    zcn_xf_close_all(s, 2);
}

static void test_send_epipe_never_sigpipe(void) {
    CHECK_EQ(zcn_fx_run_child(epipe_child, NULL), 0);
}

/* The peer closes with SO_LINGER 0, which resets the connection. Returns 0 once the reset has arrived. */
static int reset_by_peer(int s[2]) {
    struct linger hard = {1, 0};
    if (setsockopt(s[0], SOL_SOCKET, SO_LINGER, &hard, sizeof hard) != 0) return -1;
    zcn_xf_close(&s[0]);
    struct pollfd p = {s[1], POLLIN, 0};
    return poll(&p, 1, 5000) == 1 ? 0 : -1;
}

static void test_send_econnreset_then_epipe(void) {
    uint8_t bytes[16] = {0};
    int s[2];
    REQUIRE(zcn_xf_tcp_pair(s) == 0 && reset_by_peer(s) == 0);
    CHECK_ERR(zcn_send(s[1], bytes, sizeof bytes, ZCN_MSG_NONE), ECONNRESET);
    CHECK_ERR(zcn_send(s[1], bytes, sizeof bytes, ZCN_MSG_NONE), EPIPE);
    zcn_xf_close_all(s, 2);
}

static void test_send_refusals(void) {
    uint8_t bytes[70000];
    memset(bytes, 0, sizeof bytes);
    int u[2], p[2];
    REQUIRE(zcn_xf_unix_pair(u) == 0 && zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    int closed = zcn_fx_closed_fd();
    /* Unreadable buffers on purpose: valgrind would report each. */
    VALGRIND_DISABLE_ERROR_REPORTING;
    int64_t from_null = zcn_send(u[1], NULL, 10, ZCN_MSG_NONE);
    int64_t from_one = zcn_send(u[1], (const void *)(uintptr_t)1, 10, ZCN_MSG_NONE);
    VALGRIND_ENABLE_ERROR_REPORTING;
    CHECK_ERR(from_null, EFAULT);
    CHECK_ERR(from_one, EFAULT);
    CHECK_EQ(zcn_bytes_available(u[0]), 0); /* nothing was sent */
    CHECK_ERR(zcn_send(p[1], bytes, 10, ZCN_MSG_NONE), ENOTSOCK);
    CHECK_ERR(zcn_send(closed, bytes, 10, ZCN_MSG_NONE), EBADF);
    CHECK_ERR(zcn_send(-1, bytes, 10, ZCN_MSG_NONE), EBADF);
    int unconnected = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(unconnected >= 0);
    CHECK_ERR(zcn_send(unconnected, bytes, 10, ZCN_MSG_NONE), ENOTCONN);
    close(unconnected);
    int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(udp >= 0);
    CHECK_ERR(zcn_send(udp, bytes, 10, ZCN_MSG_NONE), EDESTADDRREQ);
    struct sockaddr_in discard = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(9)};
    REQUIRE(connect(udp, (struct sockaddr *)&discard, sizeof discard) == 0);
    CHECK_ERR(zcn_send(udp, bytes, sizeof bytes, ZCN_MSG_NONE), EMSGSIZE);
    close(udp);
    zcn_xf_close_all(u, 2);
    zcn_xf_close_all(p, 2);
}

/* ---- MSG_ZEROCOPY and its completions --------------------------------------------------------- */

static void test_zerocopy_sends_complete_once_each_and_loopback_copies(void) {
    enum { CALLS = 24 };
    uint8_t *data = zcn_xf_pattern(MESSAGE, 7);
    static tally t;
    memset(&t, 0, sizeof t);
    int s[2];
    REQUIRE(data != NULL && tcp_pair_zerocopy(s) == 0);
    /* Each message is received before the next is sent: the sender never needs room it does not have. */
    int64_t calls = 0;
    for (int i = 0; i < CALLS / 2; i++) {
        int64_t n = send_all(s[1], data, MESSAGE, ZCN_MSG_ZEROCOPY);
        REQUIRE(n > 0);
        calls += n;
        CHECK(zcn_xf_stream_has(s[0], data, MESSAGE));
    }
    /* Interleaved plain sends take no number. */
    CHECK_EQ(send_all(s[1], data, 1000, ZCN_MSG_NONE), 1);
    CHECK(zcn_xf_stream_has(s[0], data, 1000));
    for (int i = 0; i < CALLS / 2; i++) {
        int64_t n = send_all(s[1], data, MESSAGE, ZCN_MSG_ZEROCOPY);
        REQUIRE(n > 0);
        calls += n;
        CHECK(zcn_xf_stream_has(s[0], data, MESSAGE));
    }
    CHECK(collect(s[1], &t, (uint32_t)calls));
    /* Loopback delivers to a socket on this host: the kernel copies, and says so in every completion. */
    CHECK_EQ(t.copied, calls);
    CHECK_EQ(t.not_copied, 0);
    fprintf(stderr, "  %lld calls, %u completion messages\n", (long long)calls, t.ranges);
    zcn_xf_close_all(s, 2);
    free(data);
}

static void test_zerocopy_refused_call_takes_no_number(void) {
    uint8_t *data = zcn_xf_pattern(MESSAGE, 8);
    static tally t;
    memset(&t, 0, sizeof t);
    int s[2];
    REQUIRE(data != NULL && tcp_pair_zerocopy(s) == 0 && zcn_xf_nonblock(s[1]) == 0);
    /* The peer does not read: zero-copy sends fill the connection, then EAGAIN, which takes no number. */
    int64_t accepted = 0, refused = 0, bytes = 0;
    for (int i = 0; i < 100000 && refused < 3; i++) {
        int64_t n = zcn_send(s[1], data, MESSAGE, ZCN_MSG_ZEROCOPY);
        if (n == -EAGAIN) {
            refused++;
            struct pollfd p = {s[1], POLLOUT, 0};
            poll(&p, 1, 20);
            continue;
        }
        REQUIRE(n > 0);
        accepted++;
        bytes += n;
    }
    CHECK_EQ(refused, 3);
    REQUIRE(accepted > 0 && accepted < MAX_CALLS);
    /* Drain the peer; the completions then cover exactly the accepted calls. */
    uint8_t *sink = malloc(MESSAGE);
    REQUIRE(sink != NULL);
    for (int64_t got = 0; got < bytes;) {
        ssize_t n = recv(s[0], sink, MESSAGE, 0);
        REQUIRE(n > 0);
        got += n;
    }
    CHECK(collect(s[1], &t, (uint32_t)accepted));
    /* The next call takes the next number. */
    REQUIRE(zcn_send(s[1], data, 100, ZCN_MSG_ZEROCOPY) == 100);
    CHECK(zcn_xf_stream_has(s[0], data, 100));
    CHECK(collect(s[1], &t, (uint32_t)accepted + 1));
    zcn_xf_close_all(s, 2);
    free(sink);
    free(data);
}

static void test_zerocopy_flag_without_so_zerocopy_copies_silently(void) {
    uint8_t *data = zcn_xf_pattern(MESSAGE, 9);
    int s[2];
    zcn_zerocopy_range range;
    REQUIRE(data != NULL && zcn_xf_tcp_pair(s) == 0);
    CHECK_EQ(zcn_send(s[1], data, MESSAGE, ZCN_MSG_ZEROCOPY), MESSAGE);
    CHECK(zcn_xf_stream_has(s[0], data, MESSAGE));
    usleep(50000);
    CHECK_ERR(zcn_zerocopy_completions(s[1], &range, 1), EAGAIN);
    /* An empty queue of a zero-copy socket is EAGAIN too, blocking or not. */
    REQUIRE(zcn_socket_set_zerocopy(s[1], 1) == 0);
    CHECK_ERR(zcn_zerocopy_completions(s[1], &range, 1), EAGAIN);
    zcn_xf_close_all(s, 2);
    free(data);
}

static void test_zerocopy_completions_arrive_after_a_reset(void) {
    uint8_t *data = zcn_xf_pattern(MESSAGE, 10);
    static tally t;
    memset(&t, 0, sizeof t);
    int s[2];
    REQUIRE(data != NULL && tcp_pair_zerocopy(s) == 0 && zcn_xf_nonblock(s[1]) == 0);
    int64_t accepted = 0;
    for (int i = 0; i < 1000; i++) {
        int64_t n = zcn_send(s[1], data, MESSAGE, ZCN_MSG_ZEROCOPY);
        if (n == -EAGAIN) break;
        REQUIRE(n > 0);
        accepted++;
    }
    REQUIRE(accepted > 0 && accepted < MAX_CALLS);
    /* Unacknowledged data is dropped with the connection: the kernel releases every buffer and says so. */
    REQUIRE(reset_by_peer(s) == 0);
    CHECK(collect(s[1], &t, (uint32_t)accepted));
    zcn_xf_close_all(s, 2);
    free(data);
}

static void test_zerocopy_over_udp(void) {
    uint8_t *data = zcn_xf_pattern(8192, 11);
    static tally t;
    memset(&t, 0, sizeof t);
    int rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(data != NULL && rx >= 0 && tx >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof addr;
    REQUIRE(bind(rx, (struct sockaddr *)&addr, sizeof addr) == 0);
    REQUIRE(getsockname(rx, (struct sockaddr *)&addr, &length) == 0);
    REQUIRE(connect(tx, (struct sockaddr *)&addr, sizeof addr) == 0);
    REQUIRE(zcn_socket_set_zerocopy(tx, 1) == 0);
    uint8_t *got = malloc(8192);
    REQUIRE(got != NULL);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(zcn_send(tx, data, 8192, ZCN_MSG_ZEROCOPY), 8192);
        CHECK_EQ(recv(rx, got, 8192, 0), 8192);
        CHECK(memcmp(got, data, 8192) == 0);
    }
    CHECK(collect(tx, &t, 4));
    free(got);
    close(rx);
    close(tx);
    free(data);
}

static void test_zerocopy_over_ipv6(void) {
    int listener = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in6 addr = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    socklen_t length = sizeof addr;
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0) {
        if (listener >= 0) close(listener);
        SKIP_TEST("no IPv6 loopback here");
    }
    static tally t;
    memset(&t, 0, sizeof t);
    uint8_t *data = zcn_xf_pattern(MESSAGE, 12);
    REQUIRE(data != NULL && listen(listener, 1) == 0);
    REQUIRE(getsockname(listener, (struct sockaddr *)&addr, &length) == 0);
    int tx = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(tx >= 0 && connect(tx, (struct sockaddr *)&addr, sizeof addr) == 0);
    int rx = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    REQUIRE(rx >= 0 && zcn_socket_set_zerocopy(tx, 1) == 0);
    int64_t calls = send_all(tx, data, MESSAGE, ZCN_MSG_ZEROCOPY);
    REQUIRE(calls > 0);
    CHECK(zcn_xf_stream_has(rx, data, MESSAGE));
    CHECK(collect(tx, &t, (uint32_t)calls));
    close(rx);
    close(tx);
    close(listener);
    free(data);
}

/* A UDP socket with IP_RECVERR sending to a closed port gets ICMP errors on its error queue beside the
 * completions: they are read and dropped, and they keep consecutive completions from merging, so the queue holds
 * several completion messages, which max takes one at a time. */
static void test_zerocopy_completions_skip_other_messages_and_honour_max(void) {
    int closed_port = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(closed_port >= 0 && tx >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof addr;
    REQUIRE(bind(closed_port, (struct sockaddr *)&addr, sizeof addr) == 0);
    REQUIRE(getsockname(closed_port, (struct sockaddr *)&addr, &length) == 0);
    close(closed_port); /* the port is free again: nothing listens there */
    int one = 1;
    REQUIRE(setsockopt(tx, SOL_IP, IP_RECVERR, &one, sizeof one) == 0);
    REQUIRE(connect(tx, (struct sockaddr *)&addr, sizeof addr) == 0);
    REQUIRE(zcn_socket_set_zerocopy(tx, 1) == 0);
    uint8_t data[512] = {0};
    int sent = 0;
    for (int i = 0; i < 6; i++) {
        int64_t n = zcn_send(tx, data, sizeof data, ZCN_MSG_ZEROCOPY);
        /* A pending ICMP error is reported by the next send, which then sends nothing and takes no number. */
        if (n == -ECONNREFUSED) continue;
        CHECK_EQ(n, sizeof data);
        if (n > 0) sent++;
        usleep(20000);
    }
    REQUIRE(sent > 0);
    usleep(50000);
    static tally t;
    memset(&t, 0, sizeof t);
    int32_t messages = 0, only_others = 0;
    zcn_zerocopy_range range;
    for (int i = 0; i < 64; i++) {
        int32_t n = zcn_zerocopy_completions(tx, &range, 1);
        if (n == -EAGAIN) break;
        CHECK(n == 0 || n == 1);
        only_others += n == 0;
        if (n == 1) {
            tally_add(&t, &range);
            messages++;
        }
    }
    for (int id = 0; id < sent; id++) CHECK_EQ(t.times[id], 1);
    CHECK_EQ(t.foreign_ids, 0);
    fprintf(stderr, "  %d sends, %d completion messages read one at a time, %d calls that found only ICMP errors\n",
            sent, messages, only_others);
    CHECK(messages >= 2);
    close(tx);
}

static void test_zerocopy_completions_refusals(void) {
    int u[2], p[2], s[2];
    zcn_zerocopy_range ranges[2];
    REQUIRE(zcn_xf_unix_pair(u) == 0 && zcn_pipe(p, ZCN_PIPE_NONE) == 0 && tcp_pair_zerocopy(s) == 0);
    int closed = zcn_fx_closed_fd();
    /* A Unix socket's data stays where it is. */
    REQUIRE(write(u[1], "data", 4) == 4);
    CHECK_ERR(zcn_zerocopy_completions(u[0], ranges, 2), EOPNOTSUPP);
    CHECK_EQ(zcn_bytes_available(u[0]), 4);
    CHECK_ERR(zcn_zerocopy_completions(p[0], ranges, 2), ENOTSOCK);
    CHECK_ERR(zcn_zerocopy_completions(closed, ranges, 2), EBADF);
    CHECK_ERR(zcn_zerocopy_completions(-1, ranges, 2), EBADF);
    CHECK_ERR(zcn_zerocopy_completions(s[1], ranges, 0), EINVAL);
    CHECK_ERR(zcn_zerocopy_completions(s[1], ranges, -1), EINVAL);
    CHECK_ERR(zcn_zerocopy_completions(s[1], NULL, 2), EFAULT);
    /* The descriptor is judged before the library's own parameters. */
    CHECK_ERR(zcn_zerocopy_completions(closed, NULL, 0), EBADF);
    zcn_xf_close_all(u, 2);
    zcn_xf_close_all(p, 2);
    zcn_xf_close_all(s, 2);
}

int main(void) {
    /* SIGPIPE stays at its default: a send that raised it would end the run (epipe_child proves it in a child
     * too). */
    RUN(test_set_zerocopy_on_tcp_udp_and_ipv6);
    RUN(test_set_zerocopy_refusals);
    RUN(test_send_plain_bytes_arrive);
    RUN(test_send_eagain_when_full);
    RUN(test_send_epipe_never_sigpipe);
    RUN(test_send_econnreset_then_epipe);
    RUN(test_send_refusals);
    RUN(test_zerocopy_sends_complete_once_each_and_loopback_copies);
    RUN(test_zerocopy_refused_call_takes_no_number);
    RUN(test_zerocopy_flag_without_so_zerocopy_copies_silently);
    RUN(test_zerocopy_completions_arrive_after_a_reset);
    RUN(test_zerocopy_over_udp);
    RUN(test_zerocopy_over_ipv6);
    RUN(test_zerocopy_completions_skip_other_messages_and_honour_max);
    RUN(test_zerocopy_completions_refusals);
    return zcn_test_summary();
}
