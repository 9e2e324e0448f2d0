/*
 * test_reliability_eintr.c - an EINTR storm: while large transfers run in four pairs of threads (sendfile file ->
 * pipe, splice pipe -> socket, vmsplice memory -> pipe, copy_file_range file -> file), a signaller thread sends
 * SIGUSR1 (handler installed without SA_RESTART, so blocked calls do fail with EINTR unless retried) to every
 * transfer and reader thread, over and over, until all transfers end. Every byte must arrive, in order: each
 * receiver checksums the stream (FNV-1a 64) and compares it with the source's checksum and length.
 * The number of signals delivered is printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zcn_test.h"
#include "zcn_fixtures.h"
#include "zcn_xfer_fixtures.h"

#define MAX_THREADS 8
#define PIPE_SIZE 16384 /* small pipes: the threads block often, so signals land inside the system calls */

static atomic_long signals_delivered;
static atomic_int storm_over;
static uint64_t transfer_size;

static void on_signal(int signo) {
    (void)signo;
    atomic_fetch_add(&signals_delivered, 1);
}

static void install_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART */
    REQUIRE(sigaction(SIGUSR1, &action, NULL) == 0);
    signal(SIGPIPE, SIG_IGN);
}

static void sleep_us(long us) {
    struct timespec ts = {.tv_sec = 0, .tv_nsec = us * 1000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- checksums ---------------------------------------------------------------------------------- */

typedef struct {
    uint64_t hash;
    uint64_t length;
} checksum;

static void checksum_init(checksum *c) {
    c->hash = 0xcbf29ce484222325ull;
    c->length = 0;
}

static void checksum_add(checksum *c, const uint8_t *data, size_t len) {
    uint64_t h = c->hash;
    for (size_t i = 0; i < len; i++) h = (h ^ data[i]) * 0x100000001b3ull;
    c->hash = h;
    c->length += len;
}

/* ---- a stream receiver: reads a pipe or socket with zcn_read until EOF ------------------------------ */

typedef struct {
    int fd;
    checksum sum;
    int64_t error;
} receiver;

static void *receive_all(void *arg) {
    receiver *r = arg;
    static _Thread_local uint8_t buffer[65536];
    checksum_init(&r->sum);
    r->error = 0;
    for (;;) {
        int64_t n = zcn_read(r->fd, buffer, sizeof buffer);
        if (n == 0) break;
        if (n < 0) {
            r->error = n;
            break;
        }
        checksum_add(&r->sum, buffer, (size_t)n);
    }
    return NULL;
}

/* ---- the four transfers ---------------------------------------------------------------------------- */

typedef struct {
    int in_fd;
    int out_fd;
    const uint8_t *memory; /* vmsplice source */
    uint64_t size;
    int64_t moved;
    int64_t error;
} transfer;

static void *run_sendfile(void *arg) {
    transfer *t = arg;
    int64_t offset = 0;
    while ((uint64_t)t->moved < t->size) {
        int64_t n = zcn_sendfile(t->out_fd, t->in_fd, &offset, t->size - (uint64_t)t->moved);
        if (n <= 0) {
            t->error = n == 0 ? -EIO : n;
            break;
        }
        t->moved += n;
    }
    close(t->out_fd); /* end of stream for the receiver */
    return NULL;
}

static void *run_splice(void *arg) {
    transfer *t = arg;
    for (;;) {
        int64_t n = zcn_splice(t->in_fd, NULL, t->out_fd, NULL, 1u << 20, 0);
        if (n == 0) break; /* the feeder closed its end */
        if (n < 0) {
            t->error = n;
            break;
        }
        t->moved += n;
    }
    shutdown(t->out_fd, SHUT_WR);
    return NULL;
}

/* Feeds the splice transfer's source pipe with zcn_write (also interrupted by the storm). */
static void *run_feeder(void *arg) {
    transfer *t = arg;
    uint64_t done = 0;
    while (done < t->size) {
        uint64_t chunk = t->size - done < 131072 ? t->size - done : 131072;
        int64_t n = zcn_write(t->out_fd, t->memory + done, chunk);
        if (n <= 0) {
            t->error = n == 0 ? -EIO : n;
            break;
        }
        done += (uint64_t)n;
    }
    t->moved = (int64_t)done;
    close(t->out_fd);
    return NULL;
}

static void *run_vmsplice(void *arg) {
    transfer *t = arg;
    /* The memory is never modified or freed before the reader has drained the pipe (joined first). */
    while ((uint64_t)t->moved < t->size) {
        uint64_t left = t->size - (uint64_t)t->moved;
        zcn_iovec iov = {.base = (void *)(t->memory + t->moved), .len = left < (1u << 20) ? left : (1u << 20)};
        int64_t n = zcn_vmsplice(t->out_fd, &iov, 1, 0);
        if (n <= 0) {
            t->error = n == 0 ? -EIO : n;
            break;
        }
        t->moved += n;
    }
    close(t->out_fd);
    return NULL;
}

static void *run_copy_file_range(void *arg) {
    transfer *t = arg;
    int64_t in_offset = 0, out_offset = 0;
    while ((uint64_t)t->moved < t->size) {
        /* Small steps, so that many calls run (and can be interrupted) during the storm. */
        uint64_t left = t->size - (uint64_t)t->moved;
        int64_t n = zcn_copy_file_range(t->in_fd, &in_offset, t->out_fd, &out_offset,
                                        left < (4u << 20) ? left : (4u << 20), 0);
        if (n <= 0) {
            t->error = n == 0 ? -EIO : n;
            break;
        }
        t->moved += n;
    }
    return NULL;
}

/* ---- the storm -------------------------------------------------------------------------------------- */

typedef struct {
    pthread_t threads[MAX_THREADS];
    atomic_int alive[MAX_THREADS];
    int count;
} targets;

static targets storm_targets;

static void *signaller(void *arg) {
    (void)arg;
    /* Bounded: at most 2,000,000 rounds (far more than a run needs), each a burst to every live thread. */
    for (long round = 0; round < 2000000 && !atomic_load(&storm_over); round++) {
        for (int i = 0; i < storm_targets.count; i++)
            if (atomic_load(&storm_targets.alive[i])) pthread_kill(storm_targets.threads[i], SIGUSR1);
        sleep_us(zcn_fx_on_valgrind() ? 2000 : 50);
    }
    return NULL;
}

typedef struct {
    void *(*fn)(void *);
    void *arg;
    atomic_int *alive;
} wrapped;

static void *wrapper(void *arg) {
    wrapped *w = arg;
    void *result = w->fn(w->arg);
    atomic_store(w->alive, 0);
    return result;
}

static wrapped wrappers[MAX_THREADS];

static void start(void *(*fn)(void *), void *arg) {
    int i = storm_targets.count++;
    REQUIRE(i < MAX_THREADS);
    atomic_store(&storm_targets.alive[i], 1);
    wrappers[i] = (wrapped){.fn = fn, .arg = arg, .alive = &storm_targets.alive[i]};
    REQUIRE(pthread_create(&storm_targets.threads[i], NULL, wrapper, &wrappers[i]) == 0);
}

static uint8_t *make_pattern(uint64_t size, uint64_t seed) {
    uint8_t *data = zcn_xf_pattern((size_t)size, seed);
    REQUIRE(data != NULL);
    return data;
}

static int make_small_pipe(int fds[2]) {
    if (zcn_pipe(fds, 0) != 0) return -1;
    zcn_pipe_set_size(fds[1], PIPE_SIZE);
    return 0;
}

static void test_every_byte_arrives_through_a_signal_storm(void) {
    char dir[ZCN_XF_PATH_MAX], path[ZCN_XF_PATH_MAX];
    REQUIRE(zcn_xf_tmpdir(dir, sizeof dir, "/var/tmp") == 0);
    install_handler();
    transfer_size = zcn_fx_on_valgrind() ? (4u << 20) : (64u << 20);
    uint64_t size = transfer_size;
    int fds_before = zcn_fx_fd_count();

    /* Sources and their checksums. */
    uint8_t *file_data = make_pattern(size, 71);
    uint8_t *feed_data = make_pattern(size, 72);
    uint8_t *vm_data = make_pattern(size, 73);
    checksum expect_file, expect_feed, expect_vm;
    checksum_init(&expect_file);
    checksum_add(&expect_file, file_data, size);
    checksum_init(&expect_feed);
    checksum_add(&expect_feed, feed_data, size);
    checksum_init(&expect_vm);
    checksum_add(&expect_vm, vm_data, size);

    int source = zcn_xf_make_file(dir, "source", (size_t)size, 71, O_RDONLY, NULL, 0);
    REQUIRE(source >= 0);
    int copy = zcn_xf_make_empty(dir, "copy", O_RDWR, path, sizeof path);
    REQUIRE(copy >= 0);

    /* sendfile: file -> pipe -> receiver. */
    int sf_pipe[2];
    REQUIRE(make_small_pipe(sf_pipe) == 0);
    transfer sf = {.in_fd = source, .out_fd = sf_pipe[1], .size = size};
    receiver sf_rx = {.fd = sf_pipe[0]};

    /* splice: feeder -> pipe -> splice -> unix socket -> receiver. */
    int sp_pipe[2], sp_sock[2];
    REQUIRE(make_small_pipe(sp_pipe) == 0);
    REQUIRE(zcn_xf_unix_pair(sp_sock) == 0);
    transfer feeder = {.out_fd = sp_pipe[1], .memory = feed_data, .size = size};
    transfer sp = {.in_fd = sp_pipe[0], .out_fd = sp_sock[1], .size = size};
    receiver sp_rx = {.fd = sp_sock[0]};

    /* vmsplice: memory -> pipe -> receiver. */
    int vm_pipe[2];
    REQUIRE(make_small_pipe(vm_pipe) == 0);
    transfer vm = {.out_fd = vm_pipe[1], .memory = vm_data, .size = size};
    receiver vm_rx = {.fd = vm_pipe[0]};

    /* copy_file_range: file -> file. */
    transfer cfr = {.in_fd = source, .out_fd = copy, .size = size};

    int64_t started = zcn_fx_now_ms();
    memset(&storm_targets, 0, sizeof storm_targets);
    atomic_store(&storm_over, 0);
    atomic_store(&signals_delivered, 0);
    start(receive_all, &sf_rx);
    start(run_sendfile, &sf);
    start(receive_all, &sp_rx);
    start(run_splice, &sp);
    start(run_feeder, &feeder);
    start(receive_all, &vm_rx);
    start(run_vmsplice, &vm);
    start(run_copy_file_range, &cfr);
    pthread_t storm;
    REQUIRE(pthread_create(&storm, NULL, signaller, NULL) == 0);
    for (int i = 0; i < storm_targets.count; i++) pthread_join(storm_targets.threads[i], NULL);
    atomic_store(&storm_over, 1);
    pthread_join(storm, NULL);
    int64_t elapsed = zcn_fx_now_ms() - started;

    long delivered = atomic_load(&signals_delivered);
    printf("eintr storm: %lld bytes x 4 transfers, %ld signals delivered in %lld ms\n", (long long)size, delivered,
           (long long)elapsed);
    fprintf(stderr, "  %ld signals delivered to the transfer threads in %lld ms\n", delivered, (long long)elapsed);

    CHECK_EQ(sf.error, 0);
    CHECK_EQ(sf.moved, size);
    CHECK_EQ(sf_rx.error, 0);
    CHECK_EQ(sf_rx.sum.length, size);
    CHECK(sf_rx.sum.hash == expect_file.hash);

    CHECK_EQ(feeder.error, 0);
    CHECK_EQ(sp.error, 0);
    CHECK_EQ(sp.moved, size);
    CHECK_EQ(sp_rx.error, 0);
    CHECK_EQ(sp_rx.sum.length, size);
    CHECK(sp_rx.sum.hash == expect_feed.hash);

    CHECK_EQ(vm.error, 0);
    CHECK_EQ(vm.moved, size);
    CHECK_EQ(vm_rx.error, 0);
    CHECK_EQ(vm_rx.sum.length, size);
    CHECK(vm_rx.sum.hash == expect_vm.hash);

    CHECK_EQ(cfr.error, 0);
    CHECK_EQ(cfr.moved, size);
    CHECK_EQ(zcn_xf_size(copy), size);
    CHECK(zcn_xf_file_has(copy, 0, file_data, (size_t)size));

    /* The storm must really have hit the threads. */
    CHECK(delivered > 0);

    /* sf_pipe[1], sp_pipe[1], vm_pipe[1] were closed by their writers. */
    close(sf_pipe[0]);
    close(sp_pipe[0]);
    close(sp_sock[0]);
    close(sp_sock[1]);
    close(vm_pipe[0]);
    close(source);
    close(copy);
    CHECK_EQ(zcn_fx_fd_count(), fds_before);
    free(file_data);
    free(feed_data);
    free(vm_data);
    zcn_xf_rmtree(dir);
}

int main(void) {
    RUN(test_every_byte_arrives_through_a_signal_storm);
    return zcn_test_summary();
}
