/*
 * zcn-bench-guarded - what a guarded copy (zcn_mapped_read, zcn_mapped_write) costs per call over a plain memcpy of
 * the same bytes between the same buffers: a warm, populated shared mapping of a file and a touched heap buffer.
 *
 *   zcn-bench-guarded [--rounds N] [--dir PATH]
 *
 * For each size (4 KiB and 1 MiB) the three methods run interleaved (memcpy, read, write, memcpy, ...) for N rounds
 * (default 21), each round timing enough calls to last about 20 ms. Prints, per size and method, the median
 * nanoseconds per call, and the median over rounds of (guarded - memcpy) from the same round.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zcn.h"

#define MAX_ROUNDS 101

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *values, int count) {
    qsort(values, (size_t)count, sizeof *values, compare_double);
    return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

enum { METHOD_MEMCPY, METHOD_READ, METHOD_WRITE, METHODS };
static const char *const method_names[METHODS] = {"memcpy (mapping -> heap)", "zcn_mapped_read", "zcn_mapped_write"};

/* Nanoseconds per call of one method, over `calls` calls. */
static double time_calls(int method, unsigned char *map, unsigned char *heap, uint64_t size, long calls) {
    double start = now_ns();
    for (long i = 0; i < calls; i++) {
        int64_t n = (int64_t)size;
        switch (method) {
        case METHOD_MEMCPY: memcpy(heap, map, size); break;
        case METHOD_READ: n = zcn_mapped_read(heap, map, size); break;
        default: n = zcn_mapped_write(map, heap, size); break;
        }
        if (n != (int64_t)size) {
            fprintf(stderr, "zcn-bench-guarded: a copy returned %lld\n", (long long)n);
            exit(1);
        }
        __asm__ volatile("" : : "r"(heap), "r"(map) : "memory");
    }
    return (now_ns() - start) / (double)calls;
}

int main(int argc, char **argv) {
    int rounds = 21;
    const char *dir = "/var/tmp";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) dir = argv[++i];
        else {
            fprintf(stderr, "usage: zcn-bench-guarded [--rounds N] [--dir PATH]\n");
            return 2;
        }
    }
    if (rounds < 1 || rounds > MAX_ROUNDS) rounds = 21;

    const uint64_t sizes[] = {4096, 1u << 20};
    const uint64_t file_size = 1u << 20;
    char path[4096];
    snprintf(path, sizeof path, "%s/zcn-bench-guarded.XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0 || ftruncate(fd, (off_t)file_size) != 0) {
        perror("zcn-bench-guarded: file");
        return 1;
    }
    unlink(path);
    void *addr = NULL;
    int32_t rc = zcn_mmap(&addr, NULL, file_size, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED | ZCN_MAP_POPULATE,
                          fd, 0);
    if (rc != 0) {
        fprintf(stderr, "zcn-bench-guarded: mmap: %s\n", zcn_errno_name(rc));
        return 1;
    }
    unsigned char *map = addr;
    unsigned char *heap = malloc(file_size);
    if (heap == NULL) return 1;
    memset(heap, 1, file_size);
    memset(map, 2, file_size);
    zcn_mapped_guard_install();

    printf("size      method                      median ns/call   guarded - memcpy (median of rounds)\n");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint64_t size = sizes[s];
        /* Calibrate: about 20 ms of memcpy per round. */
        double one = time_calls(METHOD_MEMCPY, map, heap, size, 1000);
        long calls = (long)(20e6 / (one > 1 ? one : 1));
        if (calls < 10) calls = 10;
        double ns[METHODS][MAX_ROUNDS], diff[METHODS][MAX_ROUNDS];
        for (int m = 0; m < METHODS; m++) time_calls(m, map, heap, size, calls / 10); /* warm-up */
        for (int r = 0; r < rounds; r++)
            for (int m = 0; m < METHODS; m++) ns[m][r] = time_calls(m, map, heap, size, calls);
        for (int r = 0; r < rounds; r++)
            for (int m = 0; m < METHODS; m++) diff[m][r] = ns[m][r] - ns[METHOD_MEMCPY][r];
        for (int m = 0; m < METHODS; m++) {
            double d = median(diff[m], rounds);
            double t = median(ns[m], rounds);
            if (m == METHOD_MEMCPY) printf("%-8s  %-26s  %14.1f\n", size == 4096 ? "4 KiB" : "1 MiB", method_names[m], t);
            else printf("%-8s  %-26s  %14.1f   %+.1f ns (%+.2f%%)\n", size == 4096 ? "4 KiB" : "1 MiB", method_names[m], t,
                        d, 100.0 * d / median(ns[METHOD_MEMCPY], rounds));
        }
        printf("          (%d interleaved rounds of %ld calls)\n", rounds, calls);
    }
    zcn_munmap(map, file_size);
    close(fd);
    free(heap);
    return 0;
}
