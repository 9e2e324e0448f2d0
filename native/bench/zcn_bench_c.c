/*
 * zcn-bench-c - the C reference for `zcn bench`.
 *
 * Runs ONE measurement of one (scenario, method) pair through libzcn's functions, the same calls the
 * managed methods make, and prints one line of JSON. `zcn bench` starts it once per run, interleaved
 * with the managed methods (A B C A B C ...), so both sides see the same machine state.
 *
 *   zcn-bench-c --scenario S --method M --file PATH [--dest PATH] [--size BYTES] [--block BYTES]
 *
 * Only the transfer loop is timed. CPU time and context switches are getrusage(RUSAGE_SELF) deltas
 * around it (all threads, so a consumer thread counts). Syscalls are the libzcn calls the loop makes
 * on the measured side: producer and, for memory-to-pipe, the consumer (its method is part of the
 * measurement); the TCP receiver and the harness (open, close, unlink) are not counted.
 *
 * Output: {"scenario":..,"method":..,"bytes":N,"seconds":S,"user_s":U,"sys_s":Y,
 *          "ctx_voluntary":V,"ctx_involuntary":I,"syscalls":C,"resident_bytes":R}
 *         and for cold-read odirect and odirect-4threads also "huge_page_bytes":H,"huge_page_buffer_bytes":B: how
 *         much of the read buffers the kernel backed with transparent huge pages (smaps AnonHugePages), and their
 *         length.
 *         The zerocopy-send scenarios add "zerocopy_bytes", "copied_bytes", "plain_bytes", "fallbacks" and
 *         "probes": what became of each byte, and the adaptive method's decisions.
 * The process always runs a second, idle thread, as every .NET process has several (bench_idle_thread.h says why).
 *
 * Exit codes: 0 success, 1 runtime error (the message names the errno), 2 usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_idle_thread.h"
#include "zcn.h"

#define PIPE_CAPACITY (1 << 20)
#define COLD_BLOCK (1 << 20)
#define RING_MAX 4096
/* The most one read, write, sendfile or copy_file_range call moves on Linux (MAX_RW_COUNT). */
#define MAX_RW_CHUNK 0x7ffff000u

static atomic_uint_fast64_t g_syscalls;

static void count_call(void) { atomic_fetch_add_explicit(&g_syscalls, 1, memory_order_relaxed); }

static const char *g_scenario = "";
static const char *g_method = "";

static _Noreturn void fail(const char *operation, int64_t result)
{
    int32_t error = (int32_t)(result < 0 ? -result : result);
    const char *name = zcn_errno_name(error);
    const char *message = zcn_errno_message(error);
    fprintf(stderr, "zcn-bench-c: %s/%s: %s failed: %s (%s)\n", g_scenario, g_method, operation,
            name ? name : "E?", message ? message : "unknown error");
    exit(1);
}

static _Noreturn void usage(const char *text)
{
    fprintf(stderr,
            "zcn-bench-c: %s\n"
            "usage: zcn-bench-c --scenario S --method M --file PATH [--dest PATH] [--size BYTES] [--block BYTES]\n"
            "scenarios and methods:\n"
            "  file-to-null    readwrite sendfile splice mmap\n"
            "  file-to-tcp     readwrite sendfile splice\n"
            "  memory-to-pipe  readwrite vmsplice-read vmsplice-null vmsplice-file vmsplice-tcp vmsplice-unsafe-null\n"
            "                  (--file unused; vmsplice-file writes --dest)\n"
            "  file-to-file    readwrite copy_file_range sendfile auto   (--dest required)\n"
            "  scan            read mmap mmap-populate\n"
            "  cold-read       buffered odirect odirect-4threads\n"
            "  small-blocks    sendfile-4k sendfile-16k splice-4k splice-16k   (--block unused)\n"
            "  zerocopy-send-64k, zerocopy-send-1m   send zerocopy zerocopy-forced   (--file unused)\n",
            text);
    exit(2);
}

/* --- wrappers: every call in a measured loop goes through one of these, which counts it ------------ */

static int64_t c_read(int32_t fd, void *buf, uint64_t n)
{
    count_call();
    return zcn_read(fd, buf, n);
}

static int64_t c_write(int32_t fd, const void *buf, uint64_t n)
{
    count_call();
    return zcn_write(fd, buf, n);
}

static int64_t c_pread(int32_t fd, void *buf, uint64_t n, int64_t off)
{
    count_call();
    return zcn_pread(fd, buf, n, off);
}

static void write_all(int32_t fd, const uint8_t *buf, uint64_t n)
{
    while (n > 0) {
        int64_t w = c_write(fd, buf, n);
        if (w < 0) fail("write", w);
        buf += w;
        n -= (uint64_t)w;
    }
}

static int32_t open_or_die(const char *path, int32_t flags, uint32_t mode)
{
    int32_t fd = zcn_open(path, flags, mode);
    if (fd < 0) fail("open", fd);
    return fd;
}

static uint8_t *alloc_or_die(uint64_t size)
{
    void *p = NULL;
    int32_t r = zcn_aligned_alloc(&p, 4096, size);
    if (r < 0) fail("aligned_alloc", r);
    memset(p, 0x5a, size);
    return p;
}

/* The transparent huge-page size (2 MiB on x86-64), as AlignedBuffer.HugePageSize reads it; read once. */
static uint64_t huge_page_size(void)
{
    static uint64_t cached;
    if (cached != 0) return cached;
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
    unsigned long long n = 0;
    if (f != NULL) {
        if (fscanf(f, "%llu", &n) != 1) n = 0;
        fclose(f);
    }
    cached = n != 0 && (n & (n - 1)) == 0 && n <= (1ull << 30) ? n : 2ull << 20;
    return cached;
}

/* The buffer AlignedBuffer gives for HugePageSize bytes or more: a mapping of its own aligned to the huge-page
 * size, advised with MADV_HUGEPAGE (a refusal leaves base pages, as in the managed buffer), touched before the
 * clock starts like every other buffer here. */
static uint8_t *huge_alloc_or_die(uint64_t size)
{
    void *p = NULL;
    int32_t r = zcn_aligned_map(&p, huge_page_size(), size);
    if (r < 0) fail("aligned_map", r);
    (void)zcn_madvise(p, size, ZCN_MADV_HUGEPAGE);
    memset(p, 0x5a, size);
    return p;
}

/* The AnonHugePages of the mapping that starts at addr (/proc/self/smaps), in bytes; -1 when none starts there. */
static int64_t huge_page_bytes(const void *addr)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (f == NULL) return -1;
    char line[512];
    int found = 0;
    int64_t bytes = -1;
    while (fgets(line, sizeof line, f) != NULL) {
        uintptr_t start, end;
        long long kib;
        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &start, &end) == 2) {
            if (found) break;
            found = start == (uintptr_t)addr;
        } else if (found && sscanf(line, "AnonHugePages: %lld kB", &kib) == 1) {
            bytes = kib * 1024;
            break;
        }
    }
    fclose(f);
    return bytes;
}

/* cold-read odirect-4threads: the threads, each with its own buffer, take the next COLD_BLOCK of the file in turn,
 * so that as many requests are in flight as there are threads. The main thread is one of them. */
#define COLD_THREADS 4

typedef struct cold_reader {
    pthread_t thread;
    int32_t fd;
    uint8_t *buf;
    _Atomic int64_t *next;
    uint64_t bytes;
} cold_reader;

static void *cold_reader_main(void *arg)
{
    cold_reader *c = arg;
    for (;;) {
        int64_t off = atomic_fetch_add(c->next, COLD_BLOCK);
        int64_t r = c_pread(c->fd, c->buf, COLD_BLOCK, off);
        if (r < 0) fail("pread", r);
        c->bytes += (uint64_t)r;
        if ((uint64_t)r < COLD_BLOCK) break;
    }
    return NULL;
}

/* Touches every byte: an xor of 64-bit words, 16-byte vectors four at a time through one moving pointer, as the
 * managed side does. The loads go straight into the xors through an unaligned vector type: a memcpy into a local
 * array made the compiler store every vector to the stack as well. */
typedef uint64_t v2u64 __attribute__((vector_size(16)));
typedef uint64_t v2u64_unaligned __attribute__((vector_size(16), aligned(1), may_alias));

static uint64_t xor_words(const uint8_t *p, uint64_t n)
{
    v2u64 a = {0, 0}, b = {0, 0}, c = {0, 0}, d = {0, 0};
    const uint8_t *end = p + n;
    for (; end - p >= 64; p += 64) {
        a ^= *(const v2u64_unaligned *)p;
        b ^= *(const v2u64_unaligned *)(p + 16);
        c ^= *(const v2u64_unaligned *)(p + 32);
        d ^= *(const v2u64_unaligned *)(p + 48);
    }
    v2u64 v = a ^ b ^ c ^ d;
    uint64_t x = v[0] ^ v[1];
    for (; p < end; p++) x ^= *p;
    return x;
}

static volatile uint64_t g_sink;

/* --- file-to-null, file-to-tcp: the source is a file, the destination out_fd --------------------- */

static uint64_t read_write_loop(int32_t in_fd, int32_t out_fd, uint8_t *buf, uint64_t block)
{
    uint64_t total = 0;
    for (;;) {
        int64_t r = c_read(in_fd, buf, block);
        if (r < 0) fail("read", r);
        if (r == 0) break;
        write_all(out_fd, buf, (uint64_t)r);
        total += (uint64_t)r;
    }
    return total;
}

/* The safe API's SendFile loop: explicit offset, at most `block` bytes per call (MAX_RW_CHUNK: the whole remainder,
 * which the kernel caps; small-blocks: one block per call, as a caller with small buffers makes them). */
static uint64_t sendfile_loop(int32_t in_fd, int32_t out_fd, uint64_t size, uint64_t block)
{
    int64_t offset = 0;
    uint64_t total = 0;
    while (total < size) {
        uint64_t chunk = size - total < block ? size - total : block;
        count_call();
        int64_t r = zcn_sendfile(out_fd, in_fd, &offset, chunk);
        if (r < 0) fail("sendfile", r);
        if (r == 0) break;
        total += (uint64_t)r;
    }
    return total;
}

/* file -> pipe -> destination: as many bytes as the pipe (capacity `cap`) holds per round. */
static uint64_t splice_loop(int32_t in_fd, int32_t out_fd, const int32_t p[2], uint64_t cap, uint64_t size)
{
    int64_t offset = 0;
    uint64_t total = 0;
    while (total < size) {
        uint64_t want = size - total;
        if (want > cap) want = cap;
        count_call();
        int64_t in = zcn_splice(in_fd, &offset, p[1], NULL, want, ZCN_SPLICE_F_MOVE | ZCN_SPLICE_F_MORE);
        if (in < 0) fail("splice", in);
        if (in == 0) break;
        int64_t left = in;
        while (left > 0) {
            count_call();
            int64_t out = zcn_splice(p[0], NULL, out_fd, NULL, (uint64_t)left, ZCN_SPLICE_F_MOVE | ZCN_SPLICE_F_MORE);
            if (out < 0) fail("splice", out);
            left -= out;
        }
        total += (uint64_t)in;
    }
    return total;
}

/* mmap the file, write the mapping to the destination block by block. */
static uint64_t mmap_write_loop(int32_t in_fd, int32_t out_fd, uint64_t size, uint64_t block)
{
    void *map = NULL;
    count_call();
    int32_t r = zcn_mmap(&map, NULL, size, ZCN_PROT_READ, ZCN_MAP_SHARED, in_fd, 0);
    if (r < 0) fail("mmap", r);
    count_call();
    zcn_madvise(map, size, ZCN_MADV_SEQUENTIAL);
    const uint8_t *p = map;
    for (uint64_t off = 0; off < size; off += block) {
        uint64_t n = size - off < block ? size - off : block;
        write_all(out_fd, p + off, n);
    }
    count_call();
    zcn_munmap(map, size);
    return size;
}

/* --- file-to-tcp: a loopback connection with a receiver thread draining it ----------------------- */

typedef struct receiver {
    int listen_fd;
    uint64_t expected;
    uint64_t received;
    pthread_t thread;
} receiver;

static void *receiver_main(void *arg)
{
    receiver *rx = arg;
    int fd = accept4(rx->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) fail("accept", -errno);
    uint8_t *buf = malloc(128 * 1024);
    while (rx->received < rx->expected) {
        int64_t r = zcn_read(fd, buf, 128 * 1024);
        if (r < 0) fail("read (receiver)", r);
        if (r == 0) break;
        rx->received += (uint64_t)r;
    }
    free(buf);
    zcn_close(fd);
    return NULL;
}

static int tcp_connect(receiver *rx, uint64_t expected)
{
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0) fail("socket", -errno);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) fail("bind", -errno);
    if (listen(lfd, 1) < 0) fail("listen", -errno);
    socklen_t len = sizeof addr;
    getsockname(lfd, (struct sockaddr *)&addr, &len);
    rx->listen_fd = lfd;
    rx->expected = expected;
    rx->received = 0;
    if (pthread_create(&rx->thread, NULL, receiver_main, rx) != 0) fail("pthread_create", -EAGAIN);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket", -errno);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) fail("connect", -errno);
    return fd;
}

/* --- memory-to-pipe: the producer fills every block of a ring of reused buffers and puts it into the
 * pipe; a consumer thread drains the pipe (read, or splice to /dev/null, a file or a TCP socket) ------- */

typedef struct consumer {
    int32_t read_fd;
    int32_t out_fd;
    int splice_out;  /* 1: splice the pipe to out_fd; 0: read it into buf */
    int file_offset; /* 1: out_fd is a file, written at an explicit offset */
    uint8_t *buf;
    uint64_t block;
    uint64_t drained;
    pthread_t thread;
} consumer;

static void *consumer_main(void *arg)
{
    consumer *c = arg;
    if (c->splice_out) {
        int64_t offset = 0;
        for (;;) {
            count_call();
            int64_t r = zcn_splice(c->read_fd, NULL, c->out_fd, c->file_offset ? &offset : NULL, PIPE_CAPACITY,
                                   ZCN_SPLICE_F_MOVE);
            if (r < 0) fail("splice (consumer)", r);
            if (r == 0) break;
            c->drained += (uint64_t)r;
        }
    } else {
        for (;;) {
            int64_t r = c_read(c->read_fd, c->buf, c->block);
            if (r < 0) fail("read (consumer)", r);
            if (r == 0) break;
            c->drained += (uint64_t)r;
        }
    }
    return NULL;
}

/* vmsplice a buffer until it is all in the pipe. The ring reuses a buffer only after more than the pipe's
 * capacity was written after it, so the pipe has drained it: safe for consumers that copy (read, /dev/null, a
 * file); for TCP it is the unprotected upper bound the safe API's give-away is measured against. */
static void vmsplice_all(int32_t wfd, const uint8_t *p, uint64_t n)
{
    while (n > 0) {
        zcn_iovec iov = {.base = (void *)p, .len = n};
        count_call();
        int64_t r = zcn_vmsplice(wfd, &iov, 1, 0);
        if (r < 0) fail("vmsplice", r);
        p += r;
        n -= (uint64_t)r;
    }
}

/* --- file-to-file ------------------------------------------------------------------------------ */

static uint64_t copy_file_range_loop(int32_t in_fd, int32_t out_fd, uint64_t size, int *refused)
{
    int64_t off_in = 0, off_out = 0;
    uint64_t total = 0;
    while (total < size) {
        uint64_t chunk = size - total;
        if (chunk > MAX_RW_CHUNK) chunk = MAX_RW_CHUNK;
        count_call();
        int64_t r = zcn_copy_file_range(in_fd, &off_in, out_fd, &off_out, chunk, 0);
        if (r < 0) {
            if (refused && total == 0 &&
                (r == -ZCN_EINVAL || r == -ZCN_ENOSYS || r == -ZCN_EOPNOTSUPP || r == -ZCN_EXDEV)) {
                *refused = 1;
                return 0;
            }
            fail("copy_file_range", r);
        }
        if (r == 0) {
            if (refused && total == 0) {
                *refused = 1;
                return 0;
            }
            break;
        }
        total += (uint64_t)r;
    }
    return total;
}

/* --- zerocopy-send: messages from memory to loopback TCP, plainly or with MSG_ZEROCOPY ---------------
 * The same policy as ZeroCopySender: every call non-blocking, poll(2) when the socket is full, completions read
 * from the error queue (POLLERR) and a buffer of the ring reused only after the completions of its calls. The
 * adaptive method sends below 10 KiB plainly, probes with one zero-copy send, stays plain until its verdict, and
 * after a "copied" verdict stays plain for 1024 sends before it probes again. */

#define ZC_RING 64               /* message buffers */
#define ZC_IDS 65536             /* completion numbers in flight, at most */
#define ZC_THRESHOLD (10 * 1024)
#define ZC_PROBE_INTERVAL 1024

typedef struct zc_state {
    int32_t fd;
    int adaptive;
    uint32_t next_id;                /* the number the next zero-copy call takes */
    uint16_t owner_of[ZC_IDS];       /* completion number (mod ZC_IDS) -> ring slot */
    int32_t pending[ZC_RING];        /* zero-copy calls of each slot awaiting completion */
    int64_t pending_calls;
    int policy;                      /* 0 probe next, 1 probing, 2 zero-copy, 3 plain */
    int plain_left;
    uint64_t zerocopy_bytes, copied_bytes, plain_bytes, fallbacks, probes;
    int32_t call_bytes[ZC_IDS];
} zc_state;

static void zc_verdict(zc_state *z, int copied)
{
    if (!z->adaptive) return;
    if (copied && (z->policy == 2 || z->policy == 1)) {
        z->policy = 3;
        z->plain_left = ZC_PROBE_INTERVAL;
        z->fallbacks++;
    } else if (!copied && z->policy == 1) {
        z->policy = 2;
    }
}

/* Reads the completions that have arrived; returns how many calls completed. */
static int64_t zc_harvest(zc_state *z)
{
    int64_t done = 0;
    for (;;) {
        zcn_zerocopy_range ranges[16];
        count_call();
        int32_t n = zcn_zerocopy_completions(z->fd, ranges, 16);
        if (n == -ZCN_EAGAIN) break;
        if (n < 0) fail("recvmsg(MSG_ERRQUEUE)", n);
        for (int32_t i = 0; i < n; i++) {
            int copied = (ranges[i].code & ZCN_ZEROCOPY_COPIED) != 0;
            for (uint32_t id = ranges[i].first;; id++) {
                z->pending[z->owner_of[id % ZC_IDS]]--;
                z->pending_calls--;
                if (copied) z->copied_bytes += (uint64_t)z->call_bytes[id % ZC_IDS];
                else z->zerocopy_bytes += (uint64_t)z->call_bytes[id % ZC_IDS];
                done++;
                if (id == ranges[i].last) break;
            }
            zc_verdict(z, copied);
        }
        if (n < 16) break;
    }
    return done;
}

/* Waits for room (POLLOUT) or a completion (POLLERR). */
static void zc_wait(zc_state *z, int want_room)
{
    count_call();
    int32_t r = zcn_poll(z->fd, want_room ? ZCN_POLLOUT : 0, -1);
    if (r < 0) fail("poll", r);
    if (r & ZCN_POLLERR) zc_harvest(z);
}

static void zc_send_message(zc_state *z, int slot, const uint8_t *p, uint64_t n)
{
    int zerocopy;
    if (!z->adaptive) zerocopy = 1;
    else if (n < ZC_THRESHOLD) zerocopy = 0;
    else if (z->policy == 2) zerocopy = 1;
    else if (z->policy == 1) zerocopy = 0;
    else if (z->policy == 3 && z->plain_left > 0) {
        z->plain_left--;
        zerocopy = 0;
    } else {
        z->policy = 1;
        z->probes++;
        zerocopy = 1;
    }
    while (n > 0) {
        count_call();
        int64_t r = zcn_send(z->fd, p, n, ZCN_MSG_DONTWAIT | (zerocopy ? ZCN_MSG_ZEROCOPY : 0));
        if (r == -ZCN_EAGAIN) {
            zc_wait(z, 1);
            continue;
        }
        if (r == -ZCN_ENOBUFS && zerocopy) {
            if (z->pending_calls > 0) zc_wait(z, 0);
            else zerocopy = 0;
            continue;
        }
        if (r <= 0) fail("send", r);
        if (zerocopy) {
            if (z->pending_calls >= ZC_IDS) fail("send (too many calls in flight)", -ZCN_ENOBUFS);
            z->owner_of[z->next_id % ZC_IDS] = (uint16_t)slot;
            z->call_bytes[z->next_id % ZC_IDS] = (int32_t)r;
            z->next_id++;
            z->pending[slot]++;
            z->pending_calls++;
        } else {
            z->plain_bytes += (uint64_t)r;
        }
        p += r;
        n -= (uint64_t)r;
    }
}

static uint64_t zerocopy_send_loop(zc_state *z, uint8_t *const *ring, uint64_t message, uint64_t size)
{
    uint64_t sent = 0;
    for (uint64_t i = 0; sent < size; i++) {
        int slot = (int)(i % ZC_RING);
        if (z->pending_calls > 0) zc_harvest(z);
        while (z->pending[slot] > 0) zc_wait(z, 0); /* the slot's memory is still in use by the kernel */
        uint64_t n = size - sent < message ? size - sent : message;
        zc_send_message(z, slot, ring[slot], n);
        sent += n;
    }
    return sent;
}

/* --- the measurement ---------------------------------------------------------------------------- */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_seconds(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

static uint64_t parse_size(const char *text)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno != 0 || end == text || v < 0) usage("bad size");
    uint64_t mult = 1;
    switch (*end) {
    case 'k': case 'K': mult = 1ull << 10; end++; break;
    case 'm': case 'M': mult = 1ull << 20; end++; break;
    case 'g': case 'G': mult = 1ull << 30; end++; break;
    case '\0': break;
    default: usage("bad size suffix");
    }
    if (*end == 'i' || *end == 'I') end++;
    if (*end == 'b' || *end == 'B') end++;
    if (*end != '\0') usage("bad size");
    return (uint64_t)(v * (double)mult);
}

static int64_t resident_bytes(const char *path, uint64_t size)
{
    if (size == 0) return 0;
    int32_t fd = open_or_die(path, ZCN_O_RDONLY, 0);
    void *map = NULL;
    int32_t r = zcn_mmap(&map, NULL, size, ZCN_PROT_READ, ZCN_MAP_SHARED, fd, 0);
    if (r < 0) fail("mmap", r);
    int64_t pages = zcn_mincore(map, size, NULL);
    if (pages < 0) fail("mincore", pages);
    zcn_munmap(map, size);
    zcn_close(fd);
    int64_t bytes = pages * zcn_page_size();
    return bytes > (int64_t)size ? (int64_t)size : bytes;
}

/* --- small-blocks: one call (or one splice pair) per 4 KiB or 16 KiB block, where the cost per call shows -------- */

/* The block a small-blocks method names: 4 KiB or 16 KiB. */
static uint64_t small_block(const char *method) { return strstr(method, "16k") != NULL ? 16384 : 4096; }

int main(int argc, char **argv)
{
    const char *file = NULL, *dest = NULL;
    uint64_t size = 0, block = 128 * 1024;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("zcn-bench-c: one C reference measurement for zcn bench; prints one JSON line.\n"
                   "usage: zcn-bench-c --scenario S --method M --file PATH [--dest PATH] [--size BYTES] "
                   "[--block BYTES]\n");
            return 0;
        }
        if (i + 1 >= argc) usage("missing value");
        const char *v = argv[++i];
        if (strcmp(a, "--scenario") == 0) g_scenario = v;
        else if (strcmp(a, "--method") == 0) g_method = v;
        else if (strcmp(a, "--file") == 0) file = v;
        else if (strcmp(a, "--dest") == 0) dest = v;
        else if (strcmp(a, "--size") == 0) size = parse_size(v);
        else if (strcmp(a, "--block") == 0) block = parse_size(v);
        else usage("unknown option");
    }
    if (*g_scenario == '\0' || *g_method == '\0') usage("--scenario and --method are required");
    if (block == 0) usage("--block must be above 0");
    signal(SIGPIPE, SIG_IGN);
    int idle_error = zcn_bench_start_idle_thread();
    if (idle_error != 0) fail("pthread_create", -idle_error);

    int is = 0;
#define IS(s, m) (strcmp(g_scenario, s) == 0 && strcmp(g_method, m) == 0 && (is = 1))
    int zc_scenario = strcmp(g_scenario, "zerocopy-send-64k") == 0 || strcmp(g_scenario, "zerocopy-send-1m") == 0;
    int needs_file = strcmp(g_scenario, "memory-to-pipe") != 0 && !zc_scenario;
    if (needs_file && file == NULL) usage("--file is required");
    if (needs_file) {
        int32_t fd = open_or_die(file, ZCN_O_RDONLY, 0);
        zcn_fd_info info;
        zcn_fd_query(fd, &info);
        if (size == 0 || size > (uint64_t)info.size) size = (uint64_t)info.size;
        zcn_close(fd);
    } else if (size == 0) {
        size = 256ull << 20;
    }

    /* Set-up outside the timed loop. */
    int32_t in_fd = -1, out_fd = -1, null_fd = -1;
    receiver rx;
    consumer cons;
    memset(&cons, 0, sizeof cons);
    uint8_t *ring[RING_MAX] = {NULL};
    uint64_t ring_len = 0, ring_count = 0;
    int64_t resident = -1;
    int cold = strcmp(g_scenario, "cold-read") == 0;

    if (strcmp(g_scenario, "file-to-null") == 0 || strcmp(g_scenario, "file-to-tcp") == 0 ||
        strcmp(g_scenario, "scan") == 0 || strcmp(g_scenario, "file-to-file") == 0 || cold) {
        int32_t flags = ZCN_O_RDONLY;
        if (cold && strncmp(g_method, "odirect", 7) == 0) flags |= ZCN_O_DIRECT;
        in_fd = open_or_die(file, flags, 0);
    }
    if (strcmp(g_scenario, "file-to-null") == 0) out_fd = open_or_die("/dev/null", ZCN_O_WRONLY, 0);
    int small = strcmp(g_scenario, "small-blocks") == 0;
    if (small) {
        in_fd = open_or_die(file, ZCN_O_RDONLY, 0);
        out_fd = open_or_die("/dev/null", ZCN_O_WRONLY, 0);
    }
    if (strcmp(g_scenario, "file-to-tcp") == 0) out_fd = tcp_connect(&rx, size);
    if (strcmp(g_scenario, "file-to-file") == 0) {
        if (dest == NULL) usage("--dest is required for file-to-file");
        out_fd = open_or_die(dest, ZCN_O_WRONLY | ZCN_O_CREAT | ZCN_O_TRUNC, 0644);
    }
    int pipe_fds[2] = {-1, -1};
    int32_t pipe_cap = 0;
    if (strcmp(g_method, "splice") == 0 && strcmp(g_scenario, "memory-to-pipe") != 0) {
        int32_t r = zcn_pipe(pipe_fds, ZCN_PIPE_NONE);
        if (r < 0) fail("pipe", r);
        pipe_cap = zcn_pipe_set_size(pipe_fds[1], PIPE_CAPACITY);
        if (pipe_cap < 0) pipe_cap = zcn_pipe_get_size(pipe_fds[1]);
    }
    if (small && strncmp(g_method, "splice", 6) == 0) { /* the default capacity: a block is far below it */
        int32_t r = zcn_pipe(pipe_fds, ZCN_PIPE_NONE);
        if (r < 0) fail("pipe", r);
    }
    if (strcmp(g_scenario, "memory-to-pipe") == 0) {
        int32_t r = zcn_pipe(pipe_fds, ZCN_PIPE_NONE);
        if (r < 0) fail("pipe", r);
        r = zcn_pipe_set_size(pipe_fds[1], PIPE_CAPACITY);
        if (r < 0) fail("fcntl(F_SETPIPE_SZ)", r);
        null_fd = open_or_die("/dev/null", ZCN_O_WRONLY, 0);
        cons.read_fd = pipe_fds[0];
        cons.out_fd = null_fd;
        cons.block = block;
        cons.splice_out = strcmp(g_method, "readwrite") != 0 && strcmp(g_method, "vmsplice-read") != 0;
        if (strcmp(g_method, "vmsplice-file") == 0) {
            if (dest == NULL) usage("--dest is required for vmsplice-file");
            out_fd = open_or_die(dest, ZCN_O_WRONLY | ZCN_O_CREAT | ZCN_O_TRUNC, 0644);
            cons.out_fd = out_fd;
            cons.file_offset = 1;
        } else if (strcmp(g_method, "vmsplice-tcp") == 0) {
            out_fd = tcp_connect(&rx, size);
            cons.out_fd = out_fd;
        }
        /* The ring: pipe capacity / buffer + 2 buffers, each reused once more than the capacity was written after
         * it. Into TCP, 2 MiB buffers on huge pages (the safe API's leases there); elsewhere one block each. */
        ring_len = strcmp(g_method, "vmsplice-tcp") == 0 ? huge_page_size() : block;
        ring_count = strcmp(g_method, "readwrite") == 0 ? 1 : PIPE_CAPACITY / ring_len + 2;
        if (ring_count > RING_MAX) ring_count = RING_MAX;
        for (uint64_t i = 0; i < ring_count; i++) {
            ring[i] = ring_len >= huge_page_size() ? huge_alloc_or_die(ring_len) : alloc_or_die(ring_len); /* touched */
        }
    }
    zc_state *zc = NULL;
    uint8_t *zc_ring[ZC_RING] = {0};
    uint64_t zc_message = strcmp(g_scenario, "zerocopy-send-1m") == 0 ? 1u << 20 : 64u * 1024;
    if (zc_scenario) {
        out_fd = tcp_connect(&rx, size);
        zc = calloc(1, sizeof *zc);
        if (zc == NULL) fail("calloc", -ZCN_ENOMEM);
        zc->fd = out_fd;
        zc->adaptive = strcmp(g_method, "zerocopy") == 0;
        zc->policy = 0;
        if (strcmp(g_method, "send") != 0) {
            int32_t r = zcn_socket_set_zerocopy(out_fd, 1);
            if (r < 0) fail("setsockopt(SO_ZEROCOPY)", r);
        }
        for (int i = 0; i < ZC_RING; i++) zc_ring[i] = alloc_or_die(zc_message);
    }
    if (cold) {
        /* Drop the file's pages (they are clean: zcn bench fsyncs the file it writes). */
        int32_t r = zcn_fadvise(in_fd, 0, 0, ZCN_FADV_DONTNEED);
        if (r < 0) fail("fadvise", r);
    }
    /* The buffer a reading loop fills (for memory-to-pipe, the consumer's), allocated before the clock starts. */
    uint8_t *io_buf = NULL;
    int odirect = cold && strncmp(g_method, "odirect", 7) == 0;
    int readers = cold && strcmp(g_method, "odirect-4threads") == 0 ? COLD_THREADS : 1;
    uint64_t huge_buf_size = odirect ? (huge_page_size() > COLD_BLOCK ? huge_page_size() : COLD_BLOCK) : 0;
    cold_reader cold_readers[COLD_THREADS];
    _Atomic int64_t cold_next = 0;
    memset(cold_readers, 0, sizeof cold_readers);
    if (odirect) {
        for (int t = 0; t < readers; t++) {
            cold_readers[t].fd = in_fd;
            cold_readers[t].next = &cold_next;
            cold_readers[t].buf = huge_alloc_or_die(huge_buf_size); /* the requests use its first COLD_BLOCK */
        }
        io_buf = cold_readers[0].buf;
    } else if (cold) {
        io_buf = alloc_or_die(COLD_BLOCK);
    }
    else if (strcmp(g_method, "readwrite") == 0 || strcmp(g_method, "read") == 0 ||
             strcmp(g_method, "vmsplice-read") == 0)
        io_buf = alloc_or_die(block);
    cons.buf = io_buf;

    atomic_store(&g_syscalls, 0);
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    double t0 = now_seconds();
    uint64_t bytes = 0;

    if (IS("file-to-null", "readwrite") || IS("file-to-tcp", "readwrite") || IS("file-to-file", "readwrite")) {
        bytes = read_write_loop(in_fd, out_fd, io_buf, block);
    } else if (IS("file-to-null", "sendfile") || IS("file-to-tcp", "sendfile") || IS("file-to-file", "sendfile")) {
        bytes = sendfile_loop(in_fd, out_fd, size, MAX_RW_CHUNK);
    } else if (IS("file-to-null", "splice") || IS("file-to-tcp", "splice")) {
        bytes = splice_loop(in_fd, out_fd, pipe_fds, (uint64_t)pipe_cap, size);
    } else if (IS("file-to-null", "mmap")) {
        bytes = mmap_write_loop(in_fd, out_fd, size, block);
    } else if (IS("file-to-file", "copy_file_range")) {
        bytes = copy_file_range_loop(in_fd, out_fd, size, NULL);
    } else if (IS("file-to-file", "auto")) {
        /* Transfer's chain for two regular files: copy_file_range, then sendfile, then read/write. */
        int refused = 0;
        bytes = copy_file_range_loop(in_fd, out_fd, size, &refused);
        if (refused) bytes = sendfile_loop(in_fd, out_fd, size, MAX_RW_CHUNK);
    } else if (IS("memory-to-pipe", "readwrite") || IS("memory-to-pipe", "vmsplice-read") ||
               IS("memory-to-pipe", "vmsplice-null") || IS("memory-to-pipe", "vmsplice-file") ||
               IS("memory-to-pipe", "vmsplice-tcp") || IS("memory-to-pipe", "vmsplice-unsafe-null")) {
        if (pthread_create(&cons.thread, NULL, consumer_main, &cons) != 0) fail("pthread_create", -EAGAIN);
        int vm = strcmp(g_method, "readwrite") != 0;
        uint64_t next = 0;
        for (uint64_t sent = 0; sent < size;) {
            uint8_t *buf = ring[next];
            next = next + 1 == ring_count ? 0 : next + 1;
            uint64_t filled = 0;
            /* The producer writes every block, as a real one does. */
            while (filled < ring_len && sent + filled < size) {
                uint64_t n = ring_len - filled < block ? ring_len - filled : block;
                if (size - sent - filled < n) n = size - sent - filled;
                memset(buf + filled, (int)(((sent + filled) / block) & 0xff), n);
                filled += n;
            }
            if (vm) vmsplice_all(pipe_fds[1], buf, filled);
            else write_all(pipe_fds[1], buf, filled);
            sent += filled;
        }
        zcn_close(pipe_fds[1]);
        pipe_fds[1] = -1;
        pthread_join(cons.thread, NULL);
        bytes = cons.drained;
        if (strcmp(g_method, "vmsplice-tcp") == 0) {
            shutdown(out_fd, SHUT_WR);
            pthread_join(rx.thread, NULL);
            close(rx.listen_fd);
            if (rx.received != bytes) {
                fprintf(stderr, "zcn-bench-c: receiver got %" PRIu64 " of %" PRIu64 " bytes\n", rx.received, bytes);
                return 1;
            }
        }
    } else if (IS("scan", "read")) {
        uint64_t x = 0;
        for (;;) {
            int64_t r = c_read(in_fd, io_buf, block);
            if (r < 0) fail("read", r);
            if (r == 0) break;
            x ^= xor_words(io_buf, (uint64_t)r);
            bytes += (uint64_t)r;
        }
        g_sink = x;
    } else if (IS("scan", "mmap") || IS("scan", "mmap-populate")) {
        void *map = NULL;
        int populate = strcmp(g_method, "mmap-populate") == 0;
        count_call();
        int32_t r = zcn_mmap(&map, NULL, size, ZCN_PROT_READ, ZCN_MAP_SHARED, in_fd, 0);
        if (r < 0) fail("mmap", r);
        /* mmap-populate faults the whole mapping in first with MADV_POPULATE_READ (Linux 5.14), as the safe
         * API's MappedFile.Prefetch does; MAP_POPULATE at mmap time costs the same page-table work. */
        count_call();
        r = zcn_madvise(map, size, populate ? ZCN_MADV_POPULATE_READ : ZCN_MADV_SEQUENTIAL);
        if (r < 0) fail("madvise", r);
        g_sink = xor_words(map, size);
        count_call();
        zcn_munmap(map, size);
        bytes = size;
    } else if (IS("cold-read", "odirect") || IS("cold-read", "odirect-4threads")) {
        for (int t = 1; t < readers; t++)
            if (pthread_create(&cold_readers[t].thread, NULL, cold_reader_main, &cold_readers[t]) != 0)
                fail("pthread_create", -EAGAIN);
        cold_reader_main(&cold_readers[0]);
        for (int t = 0; t < readers; t++) {
            if (t > 0) pthread_join(cold_readers[t].thread, NULL);
            bytes += cold_readers[t].bytes;
        }
    } else if (IS("small-blocks", "sendfile-4k") || IS("small-blocks", "sendfile-16k")) {
        bytes = sendfile_loop(in_fd, out_fd, size, small_block(g_method));
    } else if (IS("small-blocks", "splice-4k") || IS("small-blocks", "splice-16k")) {
        bytes = splice_loop(in_fd, out_fd, pipe_fds, small_block(g_method), size);
    } else if (IS("cold-read", "buffered")) {
        int64_t off = 0;
        for (;;) {
            int64_t r = c_pread(in_fd, io_buf, COLD_BLOCK, off);
            if (r < 0) fail("pread", r);
            if (r == 0) break;
            off += r;
            bytes += (uint64_t)r;
            if ((uint64_t)r < COLD_BLOCK) break;
        }
    }
    else if (IS("zerocopy-send-64k", "send") || IS("zerocopy-send-1m", "send")) {
        /* Socket.Send's loop: blocking send(2) calls until each message is in. */
        for (uint64_t i = 0; bytes < size; i++) {
            const uint8_t *p = zc_ring[i % ZC_RING];
            uint64_t n = size - bytes < zc_message ? size - bytes : zc_message;
            for (uint64_t done = 0; done < n;) {
                count_call();
                int64_t r = zcn_send(out_fd, p + done, n - done, ZCN_MSG_NONE);
                if (r <= 0) fail("send", r);
                done += (uint64_t)r;
            }
            zc->plain_bytes += n;
            bytes += n;
        }
    } else if (IS("zerocopy-send-64k", "zerocopy") || IS("zerocopy-send-1m", "zerocopy") ||
               IS("zerocopy-send-64k", "zerocopy-forced") || IS("zerocopy-send-1m", "zerocopy-forced")) {
        bytes = zerocopy_send_loop(zc, zc_ring, zc_message, size);
    }
    if (!is) usage("unknown scenario or method");

    double t1 = now_seconds();
    getrusage(RUSAGE_SELF, &ru1);
    uint64_t syscalls = atomic_load(&g_syscalls);

    if (zc_scenario) {
        /* The clock stopped when the last byte was handed over, as for the managed side; the rest of the
         * completions arrive now, before the ring is freed. */
        while (zc->pending_calls > 0) zc_wait(zc, 0);
    }
    if (strcmp(g_scenario, "file-to-tcp") == 0 || zc_scenario) {
        zcn_close(out_fd);
        pthread_join(rx.thread, NULL);
        close(rx.listen_fd);
        out_fd = -1;
        if (rx.received != bytes) {
            fprintf(stderr, "zcn-bench-c: receiver got %" PRIu64 " of %" PRIu64 " bytes\n", rx.received, bytes);
            return 1;
        }
    }
    if (cold) resident = resident_bytes(file, size);
    int64_t huge_bytes = odirect ? 0 : -1;
    for (int t = 0; odirect && t < readers; t++) {
        int64_t h = huge_page_bytes(cold_readers[t].buf);
        if (h > 0) huge_bytes += h;
    }
    if (bytes != size) {
        fprintf(stderr, "zcn-bench-c: %s/%s moved %" PRIu64 " of %" PRIu64 " bytes\n", g_scenario, g_method, bytes,
                size);
        return 1;
    }
    if (in_fd >= 0) zcn_close(in_fd);
    if (out_fd >= 0) zcn_close(out_fd);
    if (null_fd >= 0) zcn_close(null_fd);
    if (pipe_fds[0] >= 0) zcn_close(pipe_fds[0]);
    if (pipe_fds[1] >= 0) zcn_close(pipe_fds[1]);
    for (uint64_t i = 0; i < ring_count; i++) {
        if (ring_len >= huge_page_size()) zcn_aligned_unmap(ring[i], ring_len);
        else zcn_aligned_free(ring[i]);
    }
    if (odirect)
        for (int t = 0; t < readers; t++)
            zcn_aligned_unmap(cold_readers[t].buf, huge_buf_size);
    else
        zcn_aligned_free(io_buf);
    for (int i = 0; i < ZC_RING; i++) zcn_aligned_free(zc_ring[i]);

    printf("{\"scenario\":\"%s\",\"method\":\"%s\",\"bytes\":%" PRIu64 ",\"seconds\":%.9f,\"user_s\":%.6f,"
           "\"sys_s\":%.6f,\"ctx_voluntary\":%ld,\"ctx_involuntary\":%ld,\"syscalls\":%" PRIu64
           ",\"resident_bytes\":%" PRId64,
           g_scenario, g_method, bytes, t1 - t0, tv_seconds(ru1.ru_utime) - tv_seconds(ru0.ru_utime),
           tv_seconds(ru1.ru_stime) - tv_seconds(ru0.ru_stime), ru1.ru_nvcsw - ru0.ru_nvcsw,
           ru1.ru_nivcsw - ru0.ru_nivcsw, syscalls, resident);
    if (strcmp(g_scenario, "memory-to-pipe") == 0) printf(",\"minflt\":%ld", ru1.ru_minflt - ru0.ru_minflt);
    if (huge_bytes >= 0)
        printf(",\"huge_page_bytes\":%" PRId64 ",\"huge_page_buffer_bytes\":%" PRIu64, huge_bytes,
               huge_buf_size * (uint64_t)readers);
    if (zc != NULL) {
        printf(",\"zerocopy_bytes\":%" PRIu64 ",\"copied_bytes\":%" PRIu64 ",\"plain_bytes\":%" PRIu64
               ",\"fallbacks\":%" PRIu64 ",\"probes\":%" PRIu64,
               zc->zerocopy_bytes, zc->copied_bytes, zc->plain_bytes, zc->fallbacks, zc->probes);
        free(zc);
    }
    printf("}\n");
    return 0;
}
