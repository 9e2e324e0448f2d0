/*
 * zcn_fixtures.h - shared fixtures of the C suite: a per-process scratch directory that is always
 * removed, deterministic data patterns, descriptor-leak counting and valgrind awareness.
 *
 * Include after zcn_test.h. Every helper is static inline, so a test file pays only for what it uses.
 */
#ifndef ZCN_FIXTURES_H
#define ZCN_FIXTURES_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zcn_test.h"

/* Valgrind client requests when the header is present; no-ops otherwise. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define ZCN_FX_HAVE_VALGRIND 1
#endif
#endif
#ifndef ZCN_FX_HAVE_VALGRIND
#define RUNNING_ON_VALGRIND 0
#define VALGRIND_DISABLE_ERROR_REPORTING ((void)0)
#define VALGRIND_ENABLE_ERROR_REPORTING ((void)0)
#endif

/* Non-zero when the test runs under valgrind. Valgrind emulates some system calls itself (mmap
 * placement, its own argument checks), so a few expectations differ there; each use says why. */
static inline int zcn_fx_on_valgrind(void) { return RUNNING_ON_VALGRIND ? 1 : 0; }

/* Under a user-mode emulator (the aarch64 suite runs under qemu-user, which sets ZCN_EMULATED): memory-management
 * advice is accepted and ignored there, so what the kernel does with it is checked natively only. */
static inline int zcn_fx_emulated(void) { return getenv("ZCN_EMULATED") != NULL; }

/* ---- scratch directory ------------------------------------------------------------------------ */

static char zcn_fx_dir[4096];

/* nftw callback of every tree removal: reports what it cannot remove and keeps going, so that as much
 * as possible goes. */
static inline int zcn_fx_rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st;
    (void)ftw;
    int rc = (type == FTW_DP) ? rmdir(path) : unlink(path);
    if (rc != 0) fprintf(stderr, "  fixture: cannot remove %s: %s\n", path, strerror(errno));
    return 0;
}

static inline void zcn_fx_cleanup(void) {
    if (zcn_fx_dir[0] != '\0') {
        nftw(zcn_fx_dir, zcn_fx_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        zcn_fx_dir[0] = '\0';
    }
}

/* The scratch directory of this process, created on first use with mkdtemp and removed (with all
 * its contents) at exit, even when a REQUIRE aborted a test half-way. It lives under
 * $ZCN_TEST_TMPDIR, else /var/tmp: a disk filesystem (ext4 here) so that O_DIRECT and
 * STATX_DIOALIGN behave as on real files; /tmp may be tmpfs elsewhere. Aborts the process if no
 * directory can be made, since no file test could run. */
static inline const char *zcn_fx_tmpdir(void) {
    if (zcn_fx_dir[0] == '\0') {
        const char *base = getenv("ZCN_TEST_TMPDIR");
        if (base == NULL || base[0] == '\0') base = "/var/tmp";
        snprintf(zcn_fx_dir, sizeof zcn_fx_dir, "%s/zcn-test.XXXXXX", base);
        if (mkdtemp(zcn_fx_dir) == NULL) {
            fprintf(stderr, "cannot create a scratch directory under %s: %s\n", base, strerror(errno));
            exit(EXIT_FAILURE);
        }
        atexit(zcn_fx_cleanup);
    }
    return zcn_fx_dir;
}

/* Writes "<scratch dir>/<name>" into buf and returns buf. */
static inline char *zcn_fx_path(char *buf, size_t size, const char *name) {
    snprintf(buf, size, "%s/%s", zcn_fx_tmpdir(), name);
    return buf;
}

/* ---- data patterns ----------------------------------------------------------------------------- */

/* The byte at position i of the pattern named seed: position-dependent, so a shifted or
 * truncated copy never verifies by accident. */
static inline uint8_t zcn_fx_byte(uint64_t i, uint32_t seed) {
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ ((uint64_t)seed * 0xBF58476D1CE4E5B9ull);
    x ^= x >> 29;
    return (uint8_t)(x ^ (x >> 11));
}

/* Fills buf with bytes start .. start+len-1 of pattern seed. */
static inline void zcn_fx_fill(void *buf, uint64_t len, uint64_t start, uint32_t seed) {
    uint8_t *p = (uint8_t *)buf;
    for (uint64_t i = 0; i < len; i++) p[i] = zcn_fx_byte(start + i, seed);
}

/* The index of the first byte of buf that differs from pattern seed at start, or -1 if all match. */
static inline int64_t zcn_fx_mismatch(const void *buf, uint64_t len, uint64_t start, uint32_t seed) {
    const uint8_t *p = (const uint8_t *)buf;
    for (uint64_t i = 0; i < len; i++)
        if (p[i] != zcn_fx_byte(start + i, seed)) return (int64_t)i;
    return -1;
}

/* Non-zero when every byte of buf is value. */
static inline int zcn_fx_all_bytes(const void *buf, uint64_t len, uint8_t value) {
    const uint8_t *p = (const uint8_t *)buf;
    for (uint64_t i = 0; i < len; i++)
        if (p[i] != value) return 0;
    return 1;
}

/* Creates (or truncates) path holding len bytes of pattern seed, written with libc so that the
 * fixture does not depend on the code under test. Returns 0, or -errno. */
static inline int zcn_fx_make_file(const char *path, uint64_t len, uint32_t seed) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -errno;
    uint8_t chunk[8192];
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < sizeof chunk ? len - done : sizeof chunk;
        zcn_fx_fill(chunk, n, done, seed);
        ssize_t w = write(fd, chunk, (size_t)n);
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            close(fd);
            return -e;
        }
        done += (uint64_t)w;
    }
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return close(fd) == 0 ? 0 : -errno;
}

/* ---- descriptors and time ------------------------------------------------------------------------ */

/* The number of open descriptors of this process (entries of /proc/self/fd), for leak checks:
 * compare a count taken before a test with one taken after. -1 if /proc is unavailable. */
static inline int zcn_fx_fd_count(void) {
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL) return -1;
    int n = 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n - 1; /* the descriptor of the directory stream itself */
}

/* A descriptor number that is certainly not open: one that was just opened and closed. */
static inline int32_t zcn_fx_closed_fd(void) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) close(fd);
    return fd >= 0 ? fd : 1000000;
}

#ifdef ZCN_TEST_H
/* A blocking pipe (O_CLOEXEC) made with libc, so that the fixture does not depend on zcn_pipe. */
static inline void zcn_fx_make_pipe(int p[2]) {
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
}
#endif

/* Closes both ends of a pipe or socket pair. */
static inline void zcn_fx_close_pair(int p[2]) {
    close(p[0]);
    close(p[1]);
}

/* Monotonic milliseconds. */
static inline int64_t zcn_fx_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The value of a "Key:  value" line of /proc/meminfo (kB for sizes, a count for HugePages_*), or -1 when
 * the line or the file is missing. */
static inline long zcn_fx_meminfo_value(const char *key) {
    FILE *f = fopen("/proc/meminfo", "re");
    if (f == NULL) return -1;
    char line[256];
    long value = -1;
    size_t klen = strlen(key);
    for (int i = 0; i < 200 && fgets(line, sizeof line, f) != NULL; i++) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            value = strtol(line + klen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return value;
}

/* ---- Child processes ------------------------------------------------------------------------- */

#include <sys/resource.h>
#include <sys/wait.h>

#define ZCN_FX_CHILD_SKIP 77

#ifdef ZCN_TEST_H
/* Runs fn(arg) in a forked child, for tests that change process-wide state (capabilities, rlimits, mount
 * namespaces). The child's CHECK and REQUIRE failures make it exit 1; fn may _exit(ZCN_FX_CHILD_SKIP) when the
 * kernel refuses a precondition. Returns the child's exit status (0, 1, ZCN_FX_CHILD_SKIP), or -1 when it
 * could not run or died from a signal (printed). */
static inline int zcn_fx_run_child(void (*fn)(void *), void *arg) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "  fixture: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* A REQUIRE in the child must land here, not in the parent's RUN frame that fork copied. */
        zcn_test_current_failed = 0;
        if (setjmp(zcn_test_abort) == 0) fn(arg);
        _exit(zcn_test_current_failed ? 1 : 0);
    }
    int status = 0;
    for (int i = 0; i < 1000 && waitpid(pid, &status, 0) < 0; i++) {
        if (errno != EINTR) {
            fprintf(stderr, "  fixture: waitpid: %s\n", strerror(errno));
            return -1;
        }
    }
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "  fixture: child killed by signal %d\n", WTERMSIG(status));
        return -1;
    }
    return WEXITSTATUS(status);
}
#endif

/* For a child of zcn_fx_run_child: lowers RLIMIT_NOFILE to the lowest free descriptor number, so that
 * the next call that needs a descriptor fails with EMFILE. Exits the child with ZCN_FX_CHILD_SKIP when
 * the limit cannot be lowered. */
static inline void zcn_fx_exhaust_fds_or_skip(void) {
    int lowest = dup(0);
    if (lowest < 0) _exit(ZCN_FX_CHILD_SKIP);
    close(lowest);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(ZCN_FX_CHILD_SKIP);
    rl.rlim_cur = (rlim_t)lowest; /* no free descriptor number below the limit */
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(ZCN_FX_CHILD_SKIP);
}

#endif /* ZCN_FIXTURES_H */
