/*
 * test_eintr.c - the library retries EINTR inside: a thread blocked in zcn_splice, zcn_sendfile, zcn_write
 * or zcn_poll is hit by SIGUSR1 several times (handler installed without SA_RESTART, so the kernel does
 * return EINTR) and still completes with all the data, or, for poll, still waits the full timeout.
 * The same holds for zcn_read, zcn_vmsplice, zcn_tee and zcn_open (on a FIFO waiting for its writer).
 * Control tests show that the raw system calls are interrupted under the same conditions.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zcn_test.h"

#define SIGNALS_PER_TEST 4
#define WAIT_LIMIT_MS 10000

static atomic_int target_tid;
static atomic_int handler_hits;

static void on_sigusr1(int signo) {
    (void)signo;
    int saved_errno = errno;
    if ((int)syscall(SYS_gettid) == atomic_load(&target_tid)) atomic_fetch_add(&handler_hits, 1);
    errno = saved_errno;
}

static void install_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = on_sigusr1;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART: blocking calls fail with EINTR unless the caller retries */
    if (sigaction(SIGUSR1, &action, NULL) != 0) {
        perror("sigaction");
        exit(EXIT_FAILURE);
    }
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ms(int ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* 1 when the thread is blocked in one of the given system calls (from /proc/self/task/TID/syscall,
 * whose first field is the number of the call the thread is waiting in, or "running"). */
static int thread_in_syscall(int tid, long nr_a, long nr_b) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
    FILE *file = fopen(path, "re");
    if (file == NULL) return 0;
    long nr = -1;
    int parsed = fscanf(file, "%ld", &nr);
    fclose(file);
    return parsed == 1 && (nr == nr_a || nr == nr_b);
}

static int wait_in_syscall(int tid, long nr_a, long nr_b, const atomic_int *done) {
    for (int ms = 0; ms < WAIT_LIMIT_MS; ms++) {
        if (atomic_load(done)) return 0;
        if (thread_in_syscall(tid, nr_a, nr_b)) return 1;
        sleep_ms(1);
    }
    return 0;
}

/* Waits for the worker to publish its thread id and make it the signal target. */
static int wait_worker_tid(const atomic_int *tid) {
    for (int ms = 0; ms < WAIT_LIMIT_MS; ms++) {
        int value = atomic_load(tid);
        if (value != 0) {
            atomic_store(&target_tid, value);
            atomic_store(&handler_hits, 0);
            return value;
        }
        sleep_ms(1);
    }
    return 0;
}

/* Interrupts the worker `times` times, each time waiting until it is back in the system call and then
 * until the handler has run in it. Returns how many signals were handled while it was blocked. */
static int interrupt_repeatedly(pthread_t thread, int tid, long nr_a, long nr_b, const atomic_int *done, int times) {
    int handled = 0;
    for (int i = 0; i < times; i++) {
        if (!wait_in_syscall(tid, nr_a, nr_b, done)) break;
        int before = atomic_load(&handler_hits);
        if (pthread_kill(thread, SIGUSR1) != 0) break;
        for (int ms = 0; ms < WAIT_LIMIT_MS && atomic_load(&handler_hits) == before; ms++)
            sleep_ms(1);
        if (atomic_load(&handler_hits) == before) break;
        handled++;
        sleep_ms(5);
    }
    return handled;
}

static uint8_t pattern_byte(uint64_t index, unsigned seed) {
    return (uint8_t)((index * 131u + seed * 7u + (index >> 9)) & 0xff);
}

static void fill_pattern(uint8_t *buffer, size_t length, unsigned seed) {
    for (size_t i = 0; i < length; i++)
        buffer[i] = pattern_byte(i, seed);
}

/* The pattern repeats every `period` bytes (the filler is one 4 KiB chunk written again and again). */
static size_t first_mismatch(const uint8_t *buffer, size_t length, size_t period, unsigned seed) {
    for (size_t i = 0; i < length; i++)
        if (buffer[i] != pattern_byte(i % period, seed)) return i;
    return length;
}

#define FILL_CHUNK 4096u

/* Fills a blocking pipe completely (writing while non-blocking) and returns the bytes it holds. */
static int64_t fill_pipe(int write_fd, unsigned seed) {
    uint8_t chunk[FILL_CHUNK];
    fill_pattern(chunk, sizeof(chunk), seed);
    int64_t filled = 0;
    if (zcn_set_nonblocking(write_fd, 1) != 0) return -1;
    for (int guard = 0; guard < 4096; guard++) {
        int64_t written = zcn_write(write_fd, chunk, sizeof(chunk));
        if (written == -EAGAIN) break;
        if (written <= 0) return -1;
        filled += written;
    }
    if (zcn_set_nonblocking(write_fd, 0) != 0) return -1;
    return filled;
}

/* Reads exactly length bytes from a pipe and checks them against the pattern of the given seed. */
static void drain_and_check(int read_fd, size_t length, size_t period, unsigned seed, const char *what) {
    uint8_t *buffer = malloc(length);
    REQUIRE(buffer != NULL);
    size_t got = 0;
    for (int guard = 0; guard < 100000 && got < length; guard++) {
        /* Bounded: if the writer has died with an error, nothing more comes and the test must fail, not hang. */
        if (zcn_poll(read_fd, ZCN_POLLIN, WAIT_LIMIT_MS) <= 0) break;
        int64_t n = zcn_read(read_fd, buffer + got, length - got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    size_t mismatch = first_mismatch(buffer, got, period, seed);
    free(buffer);
    if (got != length || mismatch != length) {
        fprintf(stderr, "  %s: read %zu of %zu bytes, first mismatch at %zu\n", what, got, length, mismatch);
        zcn_test_current_failed = 1;
    }
}

/* ---- a transfer job run by a worker thread ---- */

typedef enum job_kind {
    JOB_SPLICE,
    JOB_SENDFILE,
    JOB_WRITE,
    JOB_READ,
    JOB_VMSPLICE,
    JOB_TEE_ONCE,
    JOB_RAW_SPLICE
} job_kind;

typedef struct job {
    job_kind kind;
    int in_fd;
    int out_fd;
    const uint8_t *buffer; /* for JOB_WRITE and JOB_VMSPLICE */
    uint8_t *sink;         /* for JOB_READ */
    uint64_t length;
    int64_t offset;
    int64_t total;
    int64_t error; /* the first result <= 0, or 0 */
    int calls;
    atomic_int tid;
    atomic_int done;
} job;

static void *job_thread(void *arg) {
    job *work = arg;
    atomic_store(&work->tid, (int)syscall(SYS_gettid));
    for (int guard = 0; guard < 100000 && (uint64_t)work->total < work->length; guard++) {
        uint64_t left = work->length - (uint64_t)work->total;
        int64_t result;
        switch (work->kind) {
        case JOB_SPLICE:
            result = zcn_splice(work->in_fd, NULL, work->out_fd, &work->offset, left, 0);
            break;
        case JOB_SENDFILE:
            result = zcn_sendfile(work->out_fd, work->in_fd, &work->offset, left);
            break;
        case JOB_WRITE:
            result = zcn_write(work->out_fd, work->buffer + work->total, left);
            break;
        case JOB_READ:
            result = zcn_read(work->in_fd, work->sink + work->total, left);
            break;
        case JOB_VMSPLICE: {
            zcn_iovec segment = {(void *)(uintptr_t)(work->buffer + work->total), left};
            result = zcn_vmsplice(work->out_fd, &segment, 1, 0);
            break;
        }
        case JOB_TEE_ONCE:
            /* tee does not consume its input, so a second call would duplicate the same bytes again. */
            result = zcn_tee(work->in_fd, work->out_fd, left, 0);
            work->length = result > 0 ? (uint64_t)result : work->length;
            break;
        default:
            result = splice(work->in_fd, NULL, work->out_fd, NULL, (size_t)left, 0);
            if (result < 0) result = -errno;
            break;
        }
        work->calls++;
        if (result <= 0) {
            work->error = result;
            break;
        }
        work->total += result;
    }
    atomic_store(&work->done, 1);
    return NULL;
}

static int start_job(pthread_t *thread, job *work) {
    atomic_store(&work->tid, 0);
    atomic_store(&work->done, 0);
    if (pthread_create(thread, NULL, job_thread, work) != 0) return 0;
    return wait_worker_tid(&work->tid);
}

#define SPLICE_BYTES 60000u

static void test_splice_from_empty_pipe_survives_signals(void) {
    int32_t pipe_fds[2];
    REQUIRE(zcn_pipe(pipe_fds, ZCN_PIPE_NONE) == 0);
    int file = zcn_memfd_create("zcn-eintr-splice", ZCN_MFD_NONE);
    REQUIRE(file >= 0);
    static uint8_t data[SPLICE_BYTES];
    fill_pattern(data, sizeof(data), 1);

    job work = {.kind = JOB_SPLICE, .in_fd = pipe_fds[0], .out_fd = file, .length = SPLICE_BYTES};
    pthread_t thread;
    int tid = start_job(&thread, &work);
    REQUIRE(tid != 0);
    int handled = interrupt_repeatedly(thread, tid, SYS_splice, SYS_splice, &work.done, SIGNALS_PER_TEST);
    CHECK_EQ(handled, SIGNALS_PER_TEST);
    CHECK_EQ(atomic_load(&work.done), 0); /* still blocked: no EINTR came back */
    CHECK(thread_in_syscall(tid, SYS_splice, SYS_splice));

    CHECK_EQ(zcn_write(pipe_fds[1], data, sizeof(data)), (int64_t)sizeof(data));
    pthread_join(thread, NULL);
    CHECK_EQ(work.error, 0);
    CHECK_EQ(work.total, (int64_t)SPLICE_BYTES);
    CHECK_EQ(work.offset, (int64_t)SPLICE_BYTES);

    static uint8_t copy[SPLICE_BYTES];
    CHECK_EQ(zcn_pread(file, copy, sizeof(copy), 0), (int64_t)sizeof(copy));
    CHECK(memcmp(copy, data, sizeof(data)) == 0);
    CHECK_EQ(zcn_close(file), 0);
    CHECK_EQ(zcn_close(pipe_fds[0]), 0);
    CHECK_EQ(zcn_close(pipe_fds[1]), 0);
}

static void test_control_raw_splice_is_interrupted(void) {
    /* Without the library's retry the same signal ends the call with EINTR: the setup really interrupts. */
    int32_t pipe_fds[2];
    REQUIRE(zcn_pipe(pipe_fds, ZCN_PIPE_NONE) == 0);
    int file = zcn_memfd_create("zcn-eintr-raw", ZCN_MFD_NONE);
    REQUIRE(file >= 0);
    job work = {.kind = JOB_RAW_SPLICE, .in_fd = pipe_fds[0], .out_fd = file, .length = 100};
    pthread_t thread;
    int tid = start_job(&thread, &work);
    REQUIRE(tid != 0);
    CHECK_EQ(interrupt_repeatedly(thread, tid, SYS_splice, SYS_splice, &work.done, 1), 1);
    for (int ms = 0; ms < WAIT_LIMIT_MS && !atomic_load(&work.done); ms++)
        sleep_ms(1);
    if (!atomic_load(&work.done)) CHECK_EQ(zcn_write(pipe_fds[1], "x", 1), 1); /* unblock before failing */
    pthread_join(thread, NULL);
    CHECK_EQ(work.error, -EINTR);
    CHECK_EQ(work.total, 0);
    CHECK_EQ(zcn_close(file), 0);
    CHECK_EQ(zcn_close(pipe_fds[0]), 0);
    CHECK_EQ(zcn_close(pipe_fds[1]), 0);
}

#define SENDFILE_BYTES 100000u

static void test_sendfile_into_full_pipe_survives_signals(void) {
    int32_t pipe_fds[2];
    REQUIRE(zcn_pipe(pipe_fds, ZCN_PIPE_NONE) == 0);
    int64_t filled = fill_pipe(pipe_fds[1], 2);
    REQUIRE(filled > 0);
    CHECK_EQ(zcn_bytes_available(pipe_fds[0]), filled);

    int source = zcn_memfd_create("zcn-eintr-sendfile", ZCN_MFD_NONE);
    REQUIRE(source >= 0);
    static uint8_t data[SENDFILE_BYTES];
    fill_pattern(data, sizeof(data), 3);
    REQUIRE(zcn_pwrite(source, data, sizeof(data), 0) == (int64_t)sizeof(data));

    job work = {.kind = JOB_SENDFILE, .in_fd = source, .out_fd = pipe_fds[1], .length = SENDFILE_BYTES};
    pthread_t thread;
    int tid = start_job(&thread, &work);
    REQUIRE(tid != 0);
    int handled = interrupt_repeatedly(thread, tid, SYS_sendfile, SYS_sendfile, &work.done, SIGNALS_PER_TEST);
    CHECK_EQ(handled, SIGNALS_PER_TEST);
    CHECK_EQ(atomic_load(&work.done), 0);

    /* Draining the pipe lets the sender go on: first the filler, then every byte of the file. */
    drain_and_check(pipe_fds[0], (size_t)filled, FILL_CHUNK, 2, "filler");
    drain_and_check(pipe_fds[0], SENDFILE_BYTES, SENDFILE_BYTES, 3, "sendfile data");
    pthread_join(thread, NULL);
    CHECK_EQ(work.error, 0);
    CHECK_EQ(work.total, (int64_t)SENDFILE_BYTES);
    CHECK_EQ(work.offset, (int64_t)SENDFILE_BYTES);
    CHECK_EQ(zcn_bytes_available(pipe_fds[0]), 0);
    CHECK_EQ(zcn_close(source), 0);
    CHECK_EQ(zcn_close(pipe_fds[0]), 0);
    CHECK_EQ(zcn_close(pipe_fds[1]), 0);
}

#define WRITE_BYTES 200000u

static void test_write_into_full_pipe_survives_signals(void) {
    int32_t pipe_fds[2];
    REQUIRE(zcn_pipe(pipe_fds, ZCN_PIPE_NONE) == 0);
    int64_t filled = fill_pipe(pipe_fds[1], 4);
    REQUIRE(filled > 0);
    static uint8_t data[WRITE_BYTES];
    fill_pattern(data, sizeof(data), 5);

    job work = {.kind = JOB_WRITE, .out_fd = pipe_fds[1], .buffer = data, .length = WRITE_BYTES};
    pthread_t thread;
    int tid = start_job(&thread, &work);
    REQUIRE(tid != 0);
    int handled = interrupt_repeatedly(thread, tid, SYS_write, SYS_write, &work.done, SIGNALS_PER_TEST);
    CHECK_EQ(handled, SIGNALS_PER_TEST);
    CHECK_EQ(atomic_load(&work.done), 0);

    drain_and_check(pipe_fds[0], (size_t)filled, FILL_CHUNK, 4, "filler");
    drain_and_check(pipe_fds[0], WRITE_BYTES, WRITE_BYTES, 5, "written data");
    pthread_join(thread, NULL);
    CHECK_EQ(work.error, 0);
    CHECK_EQ(work.total, (int64_t)WRITE_BYTES);
    CHECK_EQ(zcn_close(pipe_fds[0]), 0);
    CHECK_EQ(zcn_close(pipe_fds[1]), 0);
}

#define READ_BYTES 50000u

static void test_read_from_empty_pipe_survives_signals(void) {
    int32_t pipe_fds[2];
    REQUIRE(zcn_pipe(pipe_fds, ZCN_PIPE_NONE) == 0);
    static uint8_t data[READ_BYTES];
    static uint8_t sink[READ_BYTES];
    fill_pattern(data, sizeof(data), 6);
    memset(sink, 0, sizeof(sink));

    job work = {.kind = JOB_READ, .in_fd = pipe_fds[0], .sink = sink, .length = READ_BYTES};
    pthread_t thread;
    int tid = start_job(&thread, &work);
    REQUIRE(tid != 0);
    CHECK_EQ(interrupt_repeatedly(thread, tid, SYS_read, SYS_read, &work.done, SIGNALS_PER_TEST), SIGNALS_PER_TEST);
    CHECK_EQ(atomic_load(&work.done), 0);
    CHECK_EQ(zcn_write(pipe_fds[1], data, sizeof(data)), (int64_t)sizeof(data));
    pthread_join(thread, NULL);
    CHECK_EQ(work.error, 0);
    CHECK_EQ(work.total, (int64_t)READ_BYTES);
    CHECK(memcmp(sink, data, sizeof(data)) == 0);
    CHECK_EQ(zcn_close(pipe_fds[0]), 0);
    CHECK_EQ(zcn_close(pipe_fds[1]), 0);
}

#define VMSPLICE_BYTES (96u * 1024u)

static void test_vmsplice_into_full_pipe_survives_signals(void) {
    int32_t pipe_fds[2];
    REQUIRE(zcn_pipe(pipe_fds, ZCN_PIPE_NONE) == 0);
    int64_t filled = fill_pipe(pipe_fds[1], 7);
    REQUIRE(filled > 0);
    /* The pipe references these pages until it is drained; the buffer outlives the test's reads. */
    void *block = NULL;
    REQUIRE(zcn_aligned_alloc(&block, (uint64_t)zcn_page_size(), VMSPLICE_BYTES) == 0);
    fill_pattern(block, VMSPLICE_BYTES, 8);

    job work = {.kind = JOB_VMSPLICE, .out_fd = pipe_fds[1], .buffer = block, .length = VMSPLICE_BYTES};
    pthread_t thread;
    int tid = start_job(&thread, &work);
    REQUIRE(tid != 0);
    CHECK_EQ(interrupt_repeatedly(thread, tid, SYS_vmsplice, SYS_vmsplice, &work.done, SIGNALS_PER_TEST),
             SIGNALS_PER_TEST);
    CHECK_EQ(atomic_load(&work.done), 0);

    drain_and_check(pipe_fds[0], (size_t)filled, FILL_CHUNK, 7, "filler");
    drain_and_check(pipe_fds[0], VMSPLICE_BYTES, VMSPLICE_BYTES, 8, "vmspliced data");
    pthread_join(thread, NULL);
    CHECK_EQ(work.error, 0);
    CHECK_EQ(work.total, (int64_t)VMSPLICE_BYTES);
    CHECK_EQ(zcn_close(pipe_fds[0]), 0);
    CHECK_EQ(zcn_close(pipe_fds[1]), 0);
    zcn_aligned_free(block);
}

#define TEE_BYTES 4096u /* one pipe buffer: written, and so duplicated, in one piece */

static void test_tee_from_empty_pipe_survives_signals(void) {
    int32_t source[2], copy[2];
    REQUIRE(zcn_pipe(source, ZCN_PIPE_NONE) == 0);
    REQUIRE(zcn_pipe(copy, ZCN_PIPE_NONE) == 0);
    static uint8_t data[TEE_BYTES];
    fill_pattern(data, sizeof(data), 9);

    job work = {.kind = JOB_TEE_ONCE, .in_fd = source[0], .out_fd = copy[1], .length = TEE_BYTES};
    pthread_t thread;
    int tid = start_job(&thread, &work);
    REQUIRE(tid != 0);
    CHECK_EQ(interrupt_repeatedly(thread, tid, SYS_tee, SYS_tee, &work.done, SIGNALS_PER_TEST), SIGNALS_PER_TEST);
    CHECK_EQ(atomic_load(&work.done), 0);
    CHECK_EQ(zcn_write(source[1], data, sizeof(data)), (int64_t)sizeof(data));
    pthread_join(thread, NULL);
    CHECK_EQ(work.error, 0);
    CHECK_EQ(work.total, (int64_t)TEE_BYTES);
    /* Both pipes now hold the same bytes: tee duplicated without consuming. */
    drain_and_check(copy[0], TEE_BYTES, TEE_BYTES, 9, "tee copy");
    drain_and_check(source[0], TEE_BYTES, TEE_BYTES, 9, "tee source");
    CHECK_EQ(zcn_close(source[0]), 0);
    CHECK_EQ(zcn_close(source[1]), 0);
    CHECK_EQ(zcn_close(copy[0]), 0);
    CHECK_EQ(zcn_close(copy[1]), 0);
}

/* ---- open on a FIFO, which waits for the other end ---- */

typedef struct open_job {
    const char *path;
    int32_t result;
    atomic_int tid;
    atomic_int done;
} open_job;

static void *open_thread(void *arg) {
    open_job *work = arg;
    atomic_store(&work->tid, (int)syscall(SYS_gettid));
    work->result = zcn_open(work->path, ZCN_O_RDONLY, 0);
    atomic_store(&work->done, 1);
    return NULL;
}

static void test_open_fifo_survives_signals(void) {
    char dir[] = "/tmp/zcn-eintr-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char fifo[sizeof(dir) + 8];
    snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
    REQUIRE(mkfifo(fifo, 0600) == 0);

    open_job work = {.path = fifo, .result = -1};
    atomic_store(&work.tid, 0);
    atomic_store(&work.done, 0);
    pthread_t thread;
    REQUIRE(pthread_create(&thread, NULL, open_thread, &work) == 0);
    int tid = wait_worker_tid(&work.tid);
    REQUIRE(tid != 0);
    CHECK_EQ(interrupt_repeatedly(thread, tid, SYS_openat, SYS_openat, &work.done, SIGNALS_PER_TEST), SIGNALS_PER_TEST);
    CHECK_EQ(atomic_load(&work.done), 0);
    /* The writer's open completes the reader's. O_NONBLOCK: with a reader waiting it succeeds at once,
     * and if the reader has wrongly given up it fails with ENXIO instead of hanging the test. */
    int writer = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    CHECK(writer >= 0);
    pthread_join(thread, NULL);
    CHECK(work.result >= 0);
    if (work.result >= 0) {
        CHECK(fcntl(work.result, F_GETFD) & FD_CLOEXEC);
        CHECK_EQ(zcn_write(writer, "fifo", 4), 4);
        char got[8] = {0};
        CHECK_EQ(zcn_read(work.result, got, sizeof(got)), 4);
        CHECK(memcmp(got, "fifo", 4) == 0);
        CHECK_EQ(zcn_close(work.result), 0);
    }
    if (writer >= 0) close(writer);
    unlink(fifo);
    rmdir(dir);
}

/* ---- poll ---- */

#ifdef SYS_poll
#define POLL_NR_A SYS_poll
#else
#define POLL_NR_A SYS_ppoll
#endif
#define POLL_NR_B SYS_ppoll

typedef struct poll_job {
    int fd;
    int timeout_ms;
    int raw; /* call poll(2) directly instead of zcn_poll */
    int32_t result;
    int64_t elapsed_ns;
    atomic_int tid;
    atomic_int done;
} poll_job;

static void *poll_thread(void *arg) {
    poll_job *work = arg;
    atomic_store(&work->tid, (int)syscall(SYS_gettid));
    int64_t start = now_ns();
    if (work->raw) {
        struct pollfd entry = {.fd = work->fd, .events = POLLIN, .revents = 0};
        int result = poll(&entry, 1, work->timeout_ms);
        work->result = result < 0 ? -errno : entry.revents;
    } else {
        work->result = zcn_poll(work->fd, ZCN_POLLIN, work->timeout_ms);
    }
    work->elapsed_ns = now_ns() - start;
    atomic_store(&work->done, 1);
    return NULL;
}

static int start_poll(pthread_t *thread, poll_job *work) {
    atomic_store(&work->tid, 0);
    atomic_store(&work->done, 0);
    if (pthread_create(thread, NULL, poll_thread, work) != 0) return 0;
    return wait_worker_tid(&work->tid);
}

#define POLL_TIMEOUT_MS 700

static void test_poll_timeout_is_kept_across_signals(void) {
    int32_t pipe_fds[2];
    REQUIRE(zcn_pipe(pipe_fds, ZCN_PIPE_NONE) == 0);
    poll_job work = {.fd = pipe_fds[0], .timeout_ms = POLL_TIMEOUT_MS};
    pthread_t thread;
    int tid = start_poll(&thread, &work);
    REQUIRE(tid != 0);
    int handled = interrupt_repeatedly(thread, tid, POLL_NR_A, POLL_NR_B, &work.done, SIGNALS_PER_TEST);
    pthread_join(thread, NULL);
    CHECK(handled >= 1); /* every signal must land inside the wait to count; the timeout bounds them */
    CHECK_EQ(atomic_load(&handler_hits), handled);
    CHECK_EQ(work.result, 0);
    /* Resumed with the time that remained: never early, and not restarted from scratch each time. */
    int64_t elapsed_ms = work.elapsed_ns / 1000000;
    if (elapsed_ms < POLL_TIMEOUT_MS || elapsed_ms > POLL_TIMEOUT_MS * (handled + 1) + 5000) {
        fprintf(stderr, "  poll(%d ms) returned after %lld ms with %d interruptions\n", POLL_TIMEOUT_MS,
                (long long)elapsed_ms, handled);
        zcn_test_current_failed = 1;
    }
    CHECK_EQ(zcn_close(pipe_fds[0]), 0);
    CHECK_EQ(zcn_close(pipe_fds[1]), 0);
}

static void test_poll_forever_survives_signals_then_sees_data(void) {
    int32_t pipe_fds[2];
    REQUIRE(zcn_pipe(pipe_fds, ZCN_PIPE_NONE) == 0);
    poll_job work = {.fd = pipe_fds[0], .timeout_ms = -1};
    pthread_t thread;
    int tid = start_poll(&thread, &work);
    REQUIRE(tid != 0);
    int handled = interrupt_repeatedly(thread, tid, POLL_NR_A, POLL_NR_B, &work.done, SIGNALS_PER_TEST);
    CHECK_EQ(handled, SIGNALS_PER_TEST);
    CHECK_EQ(atomic_load(&work.done), 0);
    CHECK_EQ(zcn_write(pipe_fds[1], "!", 1), 1);
    pthread_join(thread, NULL);
    CHECK_EQ(work.result, ZCN_POLLIN);
    CHECK_EQ(zcn_close(pipe_fds[0]), 0);
    CHECK_EQ(zcn_close(pipe_fds[1]), 0);
}

static void test_control_raw_poll_is_interrupted(void) {
    int32_t pipe_fds[2];
    REQUIRE(zcn_pipe(pipe_fds, ZCN_PIPE_NONE) == 0);
    poll_job work = {.fd = pipe_fds[0], .timeout_ms = 5000, .raw = 1};
    pthread_t thread;
    int tid = start_poll(&thread, &work);
    REQUIRE(tid != 0);
    CHECK_EQ(interrupt_repeatedly(thread, tid, POLL_NR_A, POLL_NR_B, &work.done, 1), 1);
    pthread_join(thread, NULL);
    CHECK_EQ(work.result, -EINTR);
    CHECK(work.elapsed_ns < 5000LL * 1000000);
    CHECK_EQ(zcn_close(pipe_fds[0]), 0);
    CHECK_EQ(zcn_close(pipe_fds[1]), 0);
}

int main(void) {
    install_handler();
    RUN(test_control_raw_splice_is_interrupted);
    RUN(test_splice_from_empty_pipe_survives_signals);
    RUN(test_sendfile_into_full_pipe_survives_signals);
    RUN(test_write_into_full_pipe_survives_signals);
    RUN(test_read_from_empty_pipe_survives_signals);
    RUN(test_vmsplice_into_full_pipe_survives_signals);
    RUN(test_tee_from_empty_pipe_survives_signals);
    RUN(test_open_fifo_survives_signals);
    RUN(test_control_raw_poll_is_interrupted);
    RUN(test_poll_timeout_is_kept_across_signals);
    RUN(test_poll_forever_survives_signals_then_sees_data);
    return zcn_test_summary();
}
