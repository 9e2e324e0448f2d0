/*
 * zcn_xfer_fixtures.h - fixtures of the transfer tests (sendfile, splice, tee, vmsplice, copy_file_range,
 * pipes): temporary directories, files with known pseudo-random content, byte comparison, loopback socket
 * pairs and pipe filling. The forked-child runner and the closed descriptor come from zcn_fixtures.h.
 *
 * Include after zcn_test.h. Everything is static inline so that a test file pays only for what it uses.
 * Helpers call libc directly, never libzcn, so a fixture cannot hide a library bug. Every loop is bounded.
 * Helpers return -1 (or NULL, or 0 for predicates) on failure after printing why; tests REQUIRE success.
 * The zcn_xf_ prefix keeps these apart from zcn_fixtures.h (zcn_fx_), which this header includes.
 */
#ifndef ZCN_XFER_FIXTURES_H
#define ZCN_XFER_FIXTURES_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zcn_fixtures.h"
#include "zcn_test.h"

#define ZCN_XF_PATH_MAX 512

/* ---- Temporary directories ------------------------------------------------------------------- */

/* Creates <base>/zcn-xfer-XXXXXX (base "/tmp", or "/var/tmp" where a disk filesystem matters) and writes
 * its path into out. Returns 0, or -1 after printing the error. */
static inline int zcn_xf_tmpdir(char *out, size_t out_size, const char *base) {
    int n = snprintf(out, out_size, "%s/zcn-xfer-XXXXXX", base);
    if (n < 0 || (size_t)n >= out_size) {
        fprintf(stderr, "  fixture: path too long for %s\n", base);
        return -1;
    }
    if (mkdtemp(out) == NULL) {
        fprintf(stderr, "  fixture: mkdtemp(%s): %s\n", out, strerror(errno));
        return -1;
    }
    return 0;
}

/* Removes a directory tree (depth first, never following symbolic links or crossing mount points).
 * A NULL or empty path is ignored. */
static inline void zcn_xf_rmtree(const char *path) {
    if (path == NULL || path[0] == '\0') return;
    nftw(path, zcn_fx_rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* Joins dir and name into out; returns out (an over-long path is truncated and reported). */
static inline char *zcn_xf_path(char *out, size_t out_size, const char *dir, const char *name) {
    int n = snprintf(out, out_size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= out_size) fprintf(stderr, "  fixture: path %s/%s truncated\n", dir, name);
    return out;
}

/* ---- Known content --------------------------------------------------------------------------- */

/* Fills buf with a deterministic pseudo-random byte stream (xorshift64*) from seed. Different seeds give
 * different streams, and a stream does not repeat within any length a test uses, so a shifted, truncated or
 * duplicated copy never verifies by accident. */
static inline void zcn_xf_fill(uint8_t *buf, size_t len, uint64_t seed) {
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
    if (x == 0) x = 1;
    uint64_t word = 0;
    for (size_t i = 0; i < len; i++) {
        if ((i & 7) == 0) {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            word = x * 0x2545F4914F6CDD1Dull;
        }
        buf[i] = (uint8_t)(word >> (8 * (i & 7)));
    }
}

/* Allocates len bytes (at least 1) filled by zcn_xf_fill; the caller frees. NULL on failure. */
static inline uint8_t *zcn_xf_pattern(size_t len, uint64_t seed) {
    uint8_t *buf = (uint8_t *)malloc(len ? len : 1);
    if (buf == NULL) {
        fprintf(stderr, "  fixture: out of memory for %zu bytes\n", len);
        return NULL;
    }
    zcn_xf_fill(buf, len, seed);
    return buf;
}

/* Writes all len bytes at the current position, retrying short writes. Returns 0 or -1. */
static inline int zcn_xf_write_all(int fd, const void *data, size_t len) {
    const uint8_t *p = (const uint8_t *)data;
    size_t done = 0;
    for (int rounds = 0; done < len && rounds < 100000; rounds++) {
        ssize_t n = write(fd, p + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            fprintf(stderr, "  fixture: write(%d) after %zu of %zu bytes: %s\n", fd, done, len,
                    n < 0 ? strerror(errno) : "no progress");
            return -1;
        }
        done += (size_t)n;
    }
    return done == len ? 0 : -1;
}

/* Reads exactly len bytes from fd (a pipe, socket or file at its position), retrying short reads. Returns
 * the bytes read: fewer than len only at end of file or on an error (printed). */
static inline size_t zcn_xf_read_exact(int fd, void *out, size_t len) {
    uint8_t *p = (uint8_t *)out;
    size_t done = 0;
    for (int rounds = 0; done < len && rounds < 100000; rounds++) {
        ssize_t n = read(fd, p + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            fprintf(stderr, "  fixture: read(%d) after %zu of %zu bytes: %s\n", fd, done, len, strerror(errno));
            break;
        }
        if (n == 0) break;
        done += (size_t)n;
    }
    return done;
}

/* Reads up to len bytes at offset with pread (the file position is left alone). Returns the bytes read. */
static inline size_t zcn_xf_pread_all(int fd, void *out, size_t len, int64_t offset) {
    uint8_t *p = (uint8_t *)out;
    size_t done = 0;
    for (int rounds = 0; done < len && rounds < 100000; rounds++) {
        ssize_t n = pread(fd, p + done, len - done, (off_t)(offset + (int64_t)done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n < 0) fprintf(stderr, "  fixture: pread(%d): %s\n", fd, strerror(errno));
            break;
        }
        done += (size_t)n;
    }
    return done;
}

/* Creates (or truncates) dir/name holding len bytes of zcn_xf_fill(seed) and reopens it with open_flags
 * (O_RDONLY, O_RDWR, ...; O_CLOEXEC is added). Copies the path to path_out when it is not NULL.
 * Returns the descriptor, or -1. */
static inline int zcn_xf_make_file(const char *dir, const char *name, size_t len, uint64_t seed, int open_flags,
                                   char *path_out, size_t path_out_size) {
    char path[ZCN_XF_PATH_MAX];
    zcn_xf_path(path, sizeof path, dir, name);
    if (path_out != NULL) snprintf(path_out, path_out_size, "%s", path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "  fixture: create %s: %s\n", path, strerror(errno));
        return -1;
    }
    uint8_t *data = zcn_xf_pattern(len, seed);
    int rc = data ? zcn_xf_write_all(fd, data, len) : -1;
    free(data);
    close(fd);
    if (rc != 0) return -1;
    fd = open(path, open_flags | O_CLOEXEC);
    if (fd < 0) fprintf(stderr, "  fixture: reopen %s: %s\n", path, strerror(errno));
    return fd;
}

/* Creates (or truncates) an empty dir/name opened with open_flags | O_CREAT | O_TRUNC. Copies the path to
 * path_out when it is not NULL. Returns the descriptor or -1. */
static inline int zcn_xf_make_empty(const char *dir, const char *name, int open_flags, char *path_out,
                                    size_t path_out_size) {
    char path[ZCN_XF_PATH_MAX];
    zcn_xf_path(path, sizeof path, dir, name);
    if (path_out != NULL) snprintf(path_out, path_out_size, "%s", path);
    int fd = open(path, open_flags | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) fprintf(stderr, "  fixture: create %s: %s\n", path, strerror(errno));
    return fd;
}

/* The size of an open file, or -1. */
static inline int64_t zcn_xf_size(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) return -1;
    return (int64_t)st.st_size;
}

/* The file position of fd, or -1. */
static inline int64_t zcn_xf_pos(int fd) {
    return (int64_t)lseek(fd, 0, SEEK_CUR);
}

/* Index of the first byte where a and b differ, or -1 when the len bytes are equal. */
static inline int64_t zcn_xf_first_diff(const void *a, const void *b, size_t len) {
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    for (size_t i = 0; i < len; i++)
        if (x[i] != y[i]) return (int64_t)i;
    return -1;
}

/* 1 when the file holds exactly `expected` (len bytes) at offset, else 0 (printing the first difference).
 * The file position is not moved. */
static inline int zcn_xf_file_has(int fd, int64_t offset, const void *expected, size_t len) {
    uint8_t *got = (uint8_t *)malloc(len ? len : 1);
    if (got == NULL) return 0;
    size_t n = zcn_xf_pread_all(fd, got, len, offset);
    int64_t diff = n == len ? zcn_xf_first_diff(got, expected, len) : -1;
    if (n != len)
        fprintf(stderr, "  fixture: file %d has %zu of %zu bytes at %lld\n", fd, n, len, (long long)offset);
    else if (diff >= 0)
        fprintf(stderr, "  fixture: file %d differs at byte %lld (offset %lld)\n", fd, (long long)diff,
                (long long)(offset + diff));
    free(got);
    return n == len && diff < 0;
}

/* 1 when the file is exactly `expected` (size and bytes), else 0. */
static inline int zcn_xf_file_equals(int fd, const void *expected, size_t len) {
    int64_t size = zcn_xf_size(fd);
    if (size != (int64_t)len) {
        fprintf(stderr, "  fixture: file %d has size %lld, expected %zu\n", fd, (long long)size, len);
        return 0;
    }
    return zcn_xf_file_has(fd, 0, expected, len);
}

/* 1 when the next len bytes read from fd (pipe or socket) are exactly `expected`, else 0. */
static inline int zcn_xf_stream_has(int fd, const void *expected, size_t len) {
    uint8_t *got = (uint8_t *)malloc(len ? len : 1);
    if (got == NULL) return 0;
    size_t n = zcn_xf_read_exact(fd, got, len);
    int64_t diff = n == len ? zcn_xf_first_diff(got, expected, len) : -1;
    if (n != len) fprintf(stderr, "  fixture: stream %d gave %zu of %zu bytes\n", fd, n, len);
    else if (diff >= 0) fprintf(stderr, "  fixture: stream %d differs at byte %lld\n", fd, (long long)diff);
    free(got);
    return n == len && diff < 0;
}

/* 1 when offset lies beyond the largest file the filesystem holding dir allows (ext4: 16 TiB), shown by
 * ftruncate refusing it with EFBIG; 0 otherwise (xfs, btrfs and tmpfs allow almost 8 EiB). Tests that need
 * an offset past the limit skip where this is 0 rather than create a huge sparse file. */
static inline int zcn_xf_offset_beyond_max(const char *dir, int64_t offset) {
    char path[ZCN_XF_PATH_MAX];
    zcn_xf_path(path, sizeof path, dir, "probe-max-size");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return 0;
    int beyond = ftruncate(fd, (off_t)offset) != 0 && errno == EFBIG;
    close(fd);
    unlink(path);
    return beyond;
}

/* ---- Descriptors, pipes and sockets ---------------------------------------------------------- */

/* Closes every descriptor in fds that is >= 0 and sets it to -1. */
static inline void zcn_xf_close_all(int *fds, size_t count) {
    for (size_t i = 0; i < count; i++) {
        if (fds[i] >= 0) close(fds[i]);
        fds[i] = -1;
    }
}

/* Closes *fd when it is open and sets it to -1. */
static inline void zcn_xf_close(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

/* A connected TCP pair over 127.0.0.1 on an ephemeral port: fds[0] the accepted side, fds[1] the client.
 * Returns 0 or -1. */
static inline int zcn_xf_tcp_pair(int fds[2]) {
    fds[0] = fds[1] = -1;
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) return -1;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t alen = sizeof addr;
    int client = -1;
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 1) != 0 ||
        getsockname(listener, (struct sockaddr *)&addr, &alen) != 0)
        goto fail;
    client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (client < 0 || connect(client, (struct sockaddr *)&addr, sizeof addr) != 0) goto fail;
    fds[0] = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (fds[0] < 0) goto fail;
    fds[1] = client;
    close(listener);
    return 0;
fail:
    fprintf(stderr, "  fixture: loopback TCP pair: %s\n", strerror(errno));
    if (client >= 0) close(client);
    close(listener);
    return -1;
}

/* A connected AF_UNIX stream pair. Returns 0 or -1. */
static inline int zcn_xf_unix_pair(int fds[2]) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        fprintf(stderr, "  fixture: socketpair: %s\n", strerror(errno));
        fds[0] = fds[1] = -1;
        return -1;
    }
    return 0;
}

/* Sets O_NONBLOCK on fd. Returns 0 or -1. */
static inline int zcn_xf_nonblock(int fd) {
    int fl = fcntl(fd, F_GETFL);
    return (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) ? -1 : 0;
}

/* Writes into a non-blocking fd (pipe or socket) until it reports EAGAIN. Returns the bytes written, or -1 on
 * any other error or when it never fills (bounded at 64 MiB). */
static inline int64_t zcn_xf_fill_until_eagain(int fd) {
    static const uint8_t chunk[4096];
    int64_t total = 0;
    for (int i = 0; i < 16384; i++) {
        ssize_t n = write(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return total;
        if (n <= 0) {
            fprintf(stderr, "  fixture: filling %d: %s\n", fd, strerror(errno));
            return -1;
        }
        total += n;
    }
    fprintf(stderr, "  fixture: %d did not fill after %lld bytes\n", fd, (long long)total);
    return -1;
}

/* Fills a non-blocking socket until it stays full: TCP keeps moving queued data to the peer's receive buffer
 * after write reports EAGAIN (and poll withholds POLLOUT until a third of the buffer is free, so it cannot
 * tell). Filling repeats after 100 ms pauses until a whole round finds no room at all (bounded at 100
 * rounds). Returns the bytes written, or -1. */
static inline int64_t zcn_xf_fill_until_stable(int fd) {
    int64_t total = 0;
    for (int round = 0; round < 100; round++) {
        int64_t n = zcn_xf_fill_until_eagain(fd);
        if (n < 0) return -1;
        if (n == 0 && round > 0) return total;
        total += n;
        struct pollfd pfd = {fd, POLLOUT, 0};
        if (poll(&pfd, 1, 100) < 0 && errno != EINTR) return -1;
    }
    fprintf(stderr, "  fixture: %d never stayed full\n", fd);
    return -1;
}

#endif /* ZCN_XFER_FIXTURES_H */
