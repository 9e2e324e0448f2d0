/*
 * zcn-bench-percall - what one libzcn call costs from C, the floor that tools/zcn-micro compares the managed calls
 * with (their difference is the binding's and the safe layer's cost per call).
 *
 *   zcn-bench-percall --file PATH [--block BYTES] [--calls N] [--rounds R]
 *
 * The same calls the micro-benchmarks make, on the same kind of descriptors: a warm file (its first BYTES, always
 * at offset 0, so every call reads the page cache) to /dev/null, and through a pipe to /dev/null.
 *   sendfile     one zcn_sendfile per operation
 *   splice-pair  zcn_splice file -> pipe, then zcn_splice pipe -> /dev/null
 * A second thread waits idle all along, as in every .NET process (bench_idle_thread.h). Each round times N
 * operations with CLOCK_MONOTONIC; the methods alternate round by round and the median round
 * is printed, in nanoseconds per operation, one JSON line:
 *   {"block":B,"calls":N,"rounds":R,"sendfile_ns":S,"splice_pair_ns":P}
 * Exit codes: 0 success, 1 a call failed (the message names the errno), 2 usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_idle_thread.h"
#include "zcn.h"

#define MAX_ROUNDS 101

static _Noreturn void fail(const char *operation, int64_t result)
{
    int32_t error = (int32_t)(result < 0 ? -result : result);
    const char *name = zcn_errno_name(error);
    fprintf(stderr, "zcn-bench-percall: %s failed: %s\n", operation, name ? name : "E?");
    exit(1);
}

static _Noreturn void usage(const char *text)
{
    fprintf(stderr,
            "zcn-bench-percall: %s\n"
            "usage: zcn-bench-percall --file PATH [--block BYTES] [--calls N] [--rounds R]\n",
            text);
    exit(2);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double sendfile_round(int32_t in_fd, int32_t out_fd, uint64_t block, long calls)
{
    double t0 = now_ns();
    for (long i = 0; i < calls; i++) {
        int64_t offset = 0;
        int64_t r = zcn_sendfile(out_fd, in_fd, &offset, block);
        if (r < 0) fail("sendfile", r);
    }
    return (now_ns() - t0) / (double)calls;
}

static double splice_round(int32_t in_fd, int32_t out_fd, const int32_t p[2], uint64_t block, long calls)
{
    const uint32_t flags = ZCN_SPLICE_F_MOVE | ZCN_SPLICE_F_MORE;
    double t0 = now_ns();
    for (long i = 0; i < calls; i++) {
        int64_t offset = 0;
        int64_t in = zcn_splice(in_fd, &offset, p[1], NULL, block, flags);
        if (in < 0) fail("splice (into the pipe)", in);
        int64_t out = zcn_splice(p[0], NULL, out_fd, NULL, (uint64_t)in, flags);
        if (out < 0) fail("splice (out of the pipe)", out);
    }
    return (now_ns() - t0) / (double)calls;
}

int main(int argc, char **argv)
{
    const char *file = NULL;
    uint64_t block = 4096;
    long calls = 200000, rounds = 7;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) usage("every option takes a value");
        const char *a = argv[i], *v = argv[++i];
        if (strcmp(a, "--file") == 0) file = v;
        else if (strcmp(a, "--block") == 0) block = strtoull(v, NULL, 10);
        else if (strcmp(a, "--calls") == 0) calls = strtol(v, NULL, 10);
        else if (strcmp(a, "--rounds") == 0) rounds = strtol(v, NULL, 10);
        else usage("unknown option");
    }
    if (file == NULL) usage("--file is required");
    if (block == 0 || calls <= 0 || rounds <= 0 || rounds > MAX_ROUNDS) usage("bad --block, --calls or --rounds");
    int idle_error = zcn_bench_start_idle_thread();
    if (idle_error != 0) fail("pthread_create", -idle_error);

    int32_t in_fd = zcn_open(file, ZCN_O_RDONLY, 0);
    if (in_fd < 0) fail("open", in_fd);
    int32_t out_fd = zcn_open("/dev/null", ZCN_O_WRONLY, 0);
    if (out_fd < 0) fail("open /dev/null", out_fd);
    int32_t p[2];
    int32_t r = zcn_pipe(p, 0);
    if (r < 0) fail("pipe", r);

    (void)sendfile_round(in_fd, out_fd, block, calls / 10 + 1); /* warm-up */
    (void)splice_round(in_fd, out_fd, p, block, calls / 10 + 1);
    double s[MAX_ROUNDS], q[MAX_ROUNDS];
    for (long i = 0; i < rounds; i++) {
        s[i] = sendfile_round(in_fd, out_fd, block, calls);
        q[i] = splice_round(in_fd, out_fd, p, block, calls);
    }
    qsort(s, (size_t)rounds, sizeof s[0], compare);
    qsort(q, (size_t)rounds, sizeof q[0], compare);
    printf("{\"block\":%llu,\"calls\":%ld,\"rounds\":%ld,\"sendfile_ns\":%.1f,\"splice_pair_ns\":%.1f}\n",
           (unsigned long long)block, calls, rounds, s[rounds / 2], q[rounds / 2]);
    zcn_close(p[0]);
    zcn_close(p[1]);
    zcn_close(out_fd);
    zcn_close(in_fd);
    return 0;
}
