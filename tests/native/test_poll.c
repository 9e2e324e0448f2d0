/*
 * test_poll.c - zcn_poll: timeouts, every event it reports, the resumed wait after a signal, and
 * its errors.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zcn_fixtures.h"
#include "zcn_test.h"

static int fd_baseline;

static void test_timeout_zero_and_elapsed(void) {
    int p[2];
    zcn_fx_make_pipe(p);
    int64_t start = zcn_fx_now_ms();
    CHECK_EQ(zcn_poll(p[0], ZCN_POLLIN, 0), 0);
    CHECK(zcn_fx_now_ms() - start < 1000); /* returns at once (generous bound) */
    start = zcn_fx_now_ms();
    CHECK_EQ(zcn_poll(p[0], ZCN_POLLIN, 60), 0);
    int64_t waited = zcn_fx_now_ms() - start;
    /* poll never ends a timeout early; the clock granularity allows a millisecond. */
    CHECK(waited >= 59);
    zcn_fx_close_pair(p);
}

static void test_pollin_pollout(void) {
    int p[2];
    zcn_fx_make_pipe(p);
    CHECK_EQ(zcn_poll(p[1], ZCN_POLLOUT, 0), ZCN_POLLOUT);
    CHECK_EQ(zcn_poll(p[1], ZCN_POLLIN | ZCN_POLLOUT, 0), ZCN_POLLOUT); /* only requested events that hold */
    CHECK_EQ(zcn_poll(p[0], ZCN_POLLIN, 0), 0);
    CHECK_EQ(write(p[1], "x", 1), 1);
    CHECK_EQ(zcn_poll(p[0], ZCN_POLLIN, 0), ZCN_POLLIN);
    CHECK_EQ(zcn_poll(p[0], ZCN_POLLIN, -1), ZCN_POLLIN); /* ready: -1 does not wait */
    CHECK_EQ(zcn_poll(p[0], ZCN_POLLIN | ZCN_POLLOUT, 1000), ZCN_POLLIN);
    CHECK_EQ(zcn_poll(p[0], 0, 0), 0); /* no events requested, none of the always-reported ones hold */
    char c;
    CHECK_EQ(read(p[0], &c, 1), 1);
    CHECK_EQ(zcn_poll(p[0], ZCN_POLLIN, 0), 0);
    zcn_fx_close_pair(p);

    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    CHECK_EQ(zcn_poll(sv[0], ZCN_POLLIN | ZCN_POLLOUT, 0), ZCN_POLLOUT);
    CHECK_EQ(write(sv[1], "y", 1), 1);
    CHECK_EQ(zcn_poll(sv[0], ZCN_POLLIN | ZCN_POLLOUT, 0), ZCN_POLLIN | ZCN_POLLOUT);
    zcn_fx_close_pair(sv);
}

static void test_pollout_full_pipe(void) {
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
    char chunk[4096];
    memset(chunk, 'f', sizeof chunk);
    int full = 0;
    for (int i = 0; i < 1024 && !full; i++)
        full = write(p[1], chunk, sizeof chunk) < 0;
    REQUIRE(full);
    CHECK_EQ(zcn_poll(p[1], ZCN_POLLOUT, 0), 0);
    CHECK_EQ(zcn_poll(p[1], ZCN_POLLOUT, 30), 0);
    CHECK_EQ(read(p[0], chunk, sizeof chunk), (ssize_t)sizeof chunk);
    CHECK_EQ(zcn_poll(p[1], ZCN_POLLOUT, 0), ZCN_POLLOUT); /* a page of room again */
    zcn_fx_close_pair(p);
}

static void test_pollhup_and_pollerr(void) {
    int p[2];
    zcn_fx_make_pipe(p);
    CHECK_EQ(write(p[1], "abc", 3), 3);
    close(p[1]);
    /* Data left and no writer: both. POLLHUP is reported even when not requested. */
    CHECK_EQ(zcn_poll(p[0], ZCN_POLLIN, 0), ZCN_POLLIN | ZCN_POLLHUP);
    char b[3];
    CHECK_EQ(read(p[0], b, 3), 3);
    CHECK_EQ(zcn_poll(p[0], ZCN_POLLIN, -1), ZCN_POLLHUP);
    CHECK_EQ(zcn_poll(p[0], 0, 0), ZCN_POLLHUP);
    close(p[0]);

    zcn_fx_make_pipe(p);
    close(p[0]);
    /* No reader: the write end reports POLLERR (and stays writable: the write fails at once). */
    CHECK_EQ(zcn_poll(p[1], ZCN_POLLOUT, 0), ZCN_POLLOUT | ZCN_POLLERR);
    CHECK_EQ(zcn_poll(p[1], 0, 0), ZCN_POLLERR);
    close(p[1]);

    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    close(sv[1]);
    int32_t r = zcn_poll(sv[0], ZCN_POLLIN, 0);
    CHECK((r & ZCN_POLLHUP) != 0);
    CHECK((r & ZCN_POLLIN) != 0); /* end of stream is readable (read returns 0) */
    close(sv[0]);
}

static void test_pollnval(void) {
    CHECK_EQ(zcn_poll(zcn_fx_closed_fd(), ZCN_POLLIN, 0), ZCN_POLLNVAL);
    CHECK_EQ(zcn_poll(zcn_fx_closed_fd(), ZCN_POLLIN, -1), ZCN_POLLNVAL); /* never waits */
    CHECK_EQ(zcn_poll(zcn_fx_closed_fd(), 0, 1000), ZCN_POLLNVAL);
    /* poll(2) skips a negative descriptor and would sleep; the library reports it as not open. */
    int64_t start = zcn_fx_now_ms();
    CHECK_EQ(zcn_poll(-1, ZCN_POLLIN, -1), ZCN_POLLNVAL);
    CHECK_EQ(zcn_poll(INT32_MIN, ZCN_POLLIN, 1000), ZCN_POLLNVAL);
    CHECK(zcn_fx_now_ms() - start < 900);
}

static void test_einval(void) {
    /* The descriptor is readable, so that an implementation that wrongly passed a negative
     * timeout to poll(2) (which treats it as infinite) returns at once instead of hanging. */
    int p[2];
    zcn_fx_make_pipe(p);
    CHECK_EQ(write(p[1], "x", 1), 1);
    CHECK_ERR(zcn_poll(p[0], ZCN_POLLIN, -2), ZCN_EINVAL);
    CHECK_ERR(zcn_poll(p[0], ZCN_POLLIN, INT32_MIN), ZCN_EINVAL);
    CHECK_ERR(zcn_poll(zcn_fx_closed_fd(), ZCN_POLLIN, -2), ZCN_EINVAL); /* checked before the fd */
    /* events beyond the 16 bits of struct pollfd */
    CHECK_ERR(zcn_poll(p[0], ZCN_POLLIN | 0x10000, 0), ZCN_EINVAL);
    CHECK_ERR(zcn_poll(p[0], -1, 0), ZCN_EINVAL);
    zcn_fx_close_pair(p);
}

static void test_pollpri_tcp_urgent_data(void) {
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener >= 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    REQUIRE(bind(listener, (struct sockaddr *)&addr, sizeof addr) == 0);
    REQUIRE(listen(listener, 1) == 0);
    REQUIRE(getsockname(listener, (struct sockaddr *)&addr, &alen) == 0);
    int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(client >= 0);
    REQUIRE(connect(client, (struct sockaddr *)&addr, sizeof addr) == 0);
    CHECK_EQ(zcn_poll(listener, ZCN_POLLIN, 5000), ZCN_POLLIN); /* a connection to accept */
    int server = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    REQUIRE(server >= 0);
    CHECK_EQ(zcn_poll(server, ZCN_POLLPRI, 0), 0);
    CHECK_EQ(send(client, "!", 1, MSG_OOB), 1);
    int32_t r = zcn_poll(server, ZCN_POLLPRI, 5000);
    CHECK((r & ZCN_POLLPRI) != 0);
    char c = 0;
    CHECK_EQ(recv(server, &c, 1, MSG_OOB), 1);
    CHECK_EQ(c, '!');
    close(server);
    close(client);
    close(listener);
}

/* A second thread makes the descriptor ready while zcn_poll waits. */
typedef struct {
    int fd;
    int delay_ms;
    pthread_t target;
    int signals; /* SIGUSR1s sent to target before acting */
    int write_data;
} helper_args;

static volatile sig_atomic_t interrupts;
static void on_signal(int sig) {
    (void)sig;
    interrupts++;
}

static void *helper(void *arg) {
    helper_args *h = (helper_args *)arg;
    for (int i = 0; i < h->signals; i++) {
        usleep((useconds_t)h->delay_ms * 1000u);
        pthread_kill(h->target, SIGUSR1);
    }
    usleep((useconds_t)h->delay_ms * 1000u);
    if (h->write_data && write(h->fd, "w", 1) != 1) return (void *)1;
    return NULL;
}

static void install_handler(struct sigaction *old) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll returns EINTR to the library */
    sigemptyset(&sa.sa_mask);
    REQUIRE(sigaction(SIGUSR1, &sa, old) == 0);
}

static void test_wakes_when_ready(void) {
    int p[2];
    zcn_fx_make_pipe(p);
    helper_args h = {.fd = p[1], .delay_ms = 50, .target = pthread_self(), .signals = 0, .write_data = 1};
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, helper, &h) == 0);
    CHECK_EQ(zcn_poll(p[0], ZCN_POLLIN, -1), ZCN_POLLIN);
    CHECK_EQ(pthread_join(t, NULL), 0);
    zcn_fx_close_pair(p);
}

static void test_signal_resumes_infinite_wait(void) {
    struct sigaction old;
    install_handler(&old);
    int p[2];
    zcn_fx_make_pipe(p);
    interrupts = 0;
    helper_args h = {.fd = p[1], .delay_ms = 30, .target = pthread_self(), .signals = 4, .write_data = 1};
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, helper, &h) == 0);
    CHECK_EQ(zcn_poll(p[0], ZCN_POLLIN, -1), ZCN_POLLIN); /* not -EINTR */
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK(interrupts >= 1);
    zcn_fx_close_pair(p);
    sigaction(SIGUSR1, &old, NULL);
}

static void test_signal_resumes_timed_wait_with_the_time_left(void) {
    struct sigaction old;
    install_handler(&old);
    int p[2];
    zcn_fx_make_pipe(p);
    interrupts = 0;
    /* Signals every 40 ms during a 300 ms wait, and nothing ever becomes ready. */
    helper_args h = {.fd = p[1], .delay_ms = 40, .target = pthread_self(), .signals = 5, .write_data = 0};
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, helper, &h) == 0);
    int64_t start = zcn_fx_now_ms();
    CHECK_EQ(zcn_poll(p[0], ZCN_POLLIN, 300), 0);
    int64_t waited = zcn_fx_now_ms() - start;
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK(interrupts >= 1);
    /* The signals neither cut the wait short nor restarted it from scratch each time (which would
     * make it 300 ms after the last signal, ~500 ms). Only the lower bound is exact; the upper
     * bound is loose because a loaded machine (valgrind) can be slow. */
    CHECK(waited >= 299);
    if (!zcn_fx_on_valgrind()) CHECK(waited < 480);
    zcn_fx_close_pair(p);
    sigaction(SIGUSR1, &old, NULL);
}

static void test_no_descriptor_leak(void) {
    CHECK_EQ(zcn_fx_fd_count(), fd_baseline);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    fd_baseline = zcn_fx_fd_count();
    RUN(test_timeout_zero_and_elapsed);
    RUN(test_pollin_pollout);
    RUN(test_pollout_full_pipe);
    RUN(test_pollhup_and_pollerr);
    RUN(test_pollnval);
    RUN(test_einval);
    RUN(test_pollpri_tcp_urgent_data);
    RUN(test_wakes_when_ready);
    RUN(test_signal_resumes_infinite_wait);
    RUN(test_signal_resumes_timed_wait_with_the_time_left);
    RUN(test_no_descriptor_leak);
    return zcn_test_summary();
}
