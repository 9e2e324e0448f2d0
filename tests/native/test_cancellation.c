/*
 * test_cancellation.c - zcn.h says that the calls on a transfer's path are not pthread cancellation points: libzcn
 * makes them with syscall(2), not through the C library's cancellable wrappers, which cost every call of a
 * multi-threaded process their bookkeeping. A thread blocked in zcn_read or zcn_splice and cancelled in deferred mode
 * stays in the call, returns the kernel's result once data comes, and is cancelled at its next cancellation point.
 * Control: the same thread blocked in the C library's read(2) is cancelled inside the call, which shows that the
 * test sees the difference.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zcn_test.h"

#define WAIT_LIMIT_MS 10000

enum blocking_call { CALL_ZCN_READ, CALL_ZCN_SPLICE, CALL_LIBC_READ };

typedef struct worker {
    enum blocking_call call;
    int32_t source;      /* the read end it blocks on */
    int32_t destination; /* for zcn_splice: the write end of a second pipe */
    atomic_int tid;
    atomic_llong result; /* what the call returned, once it has; LLONG_MIN until then */
} worker;

static void sleep_ms(int ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* The system call the thread waits in (from /proc/self/task/TID/syscall), or -1 while it runs. */
static long waiting_in(int tid) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
    FILE *file = fopen(path, "re");
    if (file == NULL) return -1;
    long nr = -1;
    if (fscanf(file, "%ld", &nr) != 1) nr = -1;
    fclose(file);
    return nr;
}

static void *worker_main(void *arg) {
    worker *w = arg;
    atomic_store(&w->tid, (int)syscall(SYS_gettid));
    char byte;
    long long result = 0;
    switch (w->call) {
    case CALL_ZCN_READ: result = zcn_read(w->source, &byte, 1); break;
    case CALL_ZCN_SPLICE: result = zcn_splice(w->source, NULL, w->destination, NULL, 1, 0); break;
    case CALL_LIBC_READ: result = read(w->source, &byte, 1); break;
    }
    atomic_store(&w->result, result);
    pthread_testcancel(); /* the pending cancellation takes effect here */
    return NULL;
}

/* Starts a worker blocked in its call on an empty pipe, cancels it, then writes one byte. Returns what the call
 * returned (LLONG_MIN when the thread was cancelled inside it); *cancelled tells how the thread ended. */
static long long cancel_while_blocked(enum blocking_call call, long syscall_nr, int *cancelled) {
    int32_t fds[2], out[2] = {-1, -1};
    REQUIRE(zcn_pipe(fds, 0) == 0);
    if (call == CALL_ZCN_SPLICE) REQUIRE(zcn_pipe(out, 0) == 0);
    worker w = {.call = call, .source = fds[0], .destination = out[1]};
    atomic_init(&w.tid, 0);
    atomic_init(&w.result, (long long)(-1LL - 0x7fffffffffffffffLL));
    pthread_t thread;
    REQUIRE(pthread_create(&thread, NULL, worker_main, &w) == 0);

    int blocked = 0;
    for (int ms = 0; ms < WAIT_LIMIT_MS && !blocked; ms++) {
        int tid = atomic_load(&w.tid);
        blocked = tid != 0 && waiting_in(tid) == syscall_nr;
        if (!blocked) sleep_ms(1);
    }
    CHECK(blocked);
    REQUIRE(pthread_cancel(thread) == 0);
    sleep_ms(100);
    if (call != CALL_LIBC_READ) {
        /* Still in the call: a cancellation point would have ended the thread there. */
        CHECK_EQ(waiting_in(atomic_load(&w.tid)), syscall_nr);
    }

    char byte = 'x';
    (void)zcn_write(fds[1], &byte, 1);
    void *retval = NULL;
    REQUIRE(pthread_join(thread, &retval) == 0);
    *cancelled = retval == PTHREAD_CANCELED;
    zcn_close(fds[0]);
    zcn_close(fds[1]);
    if (out[0] >= 0) {
        zcn_close(out[0]);
        zcn_close(out[1]);
    }
    return atomic_load(&w.result);
}

static void test_zcn_read_is_not_a_cancellation_point(void) {
    int cancelled = 0;
    CHECK_EQ(cancel_while_blocked(CALL_ZCN_READ, SYS_read, &cancelled), 1);
    CHECK(cancelled); /* at the pthread_testcancel after the call */
}

static void test_zcn_splice_is_not_a_cancellation_point(void) {
    int cancelled = 0;
    CHECK_EQ(cancel_while_blocked(CALL_ZCN_SPLICE, SYS_splice, &cancelled), 1);
    CHECK(cancelled);
}

static void test_control_libc_read_is_one(void) {
    int cancelled = 0;
    long long result = cancel_while_blocked(CALL_LIBC_READ, SYS_read, &cancelled);
    CHECK(cancelled);
    CHECK_EQ(result, (long long)(-1LL - 0x7fffffffffffffffLL)); /* never returned: cancelled inside read */
}

int main(void) {
    RUN(test_zcn_read_is_not_a_cancellation_point);
    RUN(test_zcn_splice_is_not_a_cancellation_point);
    RUN(test_control_libc_read_is_one);
    return zcn_test_summary();
}
