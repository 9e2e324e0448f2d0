/*
 * test_vmsplice.c - zcn_vmsplice: user memory into a pipe (write end) and pipe data into user memory (read
 * end); segments; partial counts; every errno user space can provoke.
 *
 * Buffers given to the write end stay allocated and unmodified until the pipe is drained, as the contract
 * requires.
 */
#include <signal.h>
#include <sys/mman.h>

#include "zcn_test.h"
#include "zcn_xfer_fixtures.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND_H 1
#endif
#endif
#ifndef HAVE_VALGRIND_H
#define VALGRIND_DISABLE_ERROR_REPORTING ((void)0)
#define VALGRIND_ENABLE_ERROR_REPORTING ((void)0)
#endif

static char dir[ZCN_XF_PATH_MAX];

static void test_segments_into_pipe_in_order(void) {
    void *block = NULL;
    REQUIRE(zcn_aligned_alloc(&block, 4096, 3 * 4096) == 0);
    uint8_t *buf = (uint8_t *)block;
    zcn_xf_fill(buf, 3 * 4096, 21);
    int p[2];
    REQUIRE(zcn_pipe(p, ZCN_PIPE_NONE) == 0);

    /* Three segments out of order in memory: the pipe must hold them in iovec order. */
    zcn_iovec iov[3] = {
        {buf + 8192, 4096},
        {buf + 100, 1000},
        {buf + 4096, 2000},
    };
    CHECK_EQ(zcn_vmsplice(p[1], iov, 3, 0), 4096 + 1000 + 2000);
    CHECK_EQ(zcn_bytes_available(p[0]), 7096);
    CHECK(zcn_xf_stream_has(p[0], buf + 8192, 4096));
    CHECK(zcn_xf_stream_has(p[0], buf + 100, 1000));
    CHECK(zcn_xf_stream_has(p[0], buf + 4096, 2000));

    zcn_aligned_free(block); /* drained: the pages may go */

    /* A gift of a whole aligned page is accepted too. The gifted page is not touched again until the pipe is
     * drained; the comparison uses a separate copy of the pattern. */
    void *gift = NULL;
    REQUIRE(zcn_aligned_alloc(&gift, 4096, 4096) == 0);
    zcn_xf_fill((uint8_t *)gift, 4096, 25);
    uint8_t *expected = zcn_xf_pattern(4096, 25);
    REQUIRE(expected != NULL);
    zcn_iovec whole = {gift, 4096};
    CHECK_EQ(zcn_vmsplice(p[1], &whole, 1, ZCN_SPLICE_F_GIFT), 4096);
    CHECK(zcn_xf_stream_has(p[0], expected, 4096));
    zcn_aligned_free(gift);
    free(expected);

    zcn_xf_close_all(p, 2);
}

static void test_read_end_copies_into_memory(void) {
    uint8_t *data = zcn_xf_pattern(6000, 22);
    uint8_t out1[2500], out2[4000];
    memset(out1, 0, sizeof out1);
    memset(out2, 0, sizeof out2);
    int p[2];
    REQUIRE(data != NULL && zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    REQUIRE(zcn_xf_write_all(p[1], data, 6000) == 0);

    zcn_iovec iov[2] = {{out1, sizeof out1}, {out2, sizeof out2}};
    CHECK_EQ(zcn_vmsplice(p[0], iov, 2, 0), 6000); /* less than the segments can take: what the pipe holds */
    CHECK(zcn_xf_first_diff(out1, data, 2500) < 0);
    CHECK(zcn_xf_first_diff(out2, data + 2500, 3500) < 0);
    CHECK_EQ(zcn_bytes_available(p[0]), 0);

    /* Empty now: SPLICE_F_NONBLOCK gives EAGAIN; with the writer gone, 0. */
    CHECK_ERR(zcn_vmsplice(p[0], iov, 2, ZCN_SPLICE_F_NONBLOCK), EAGAIN);
    zcn_xf_close(&p[1]);
    CHECK_EQ(zcn_vmsplice(p[0], iov, 2, 0), 0);

    zcn_xf_close_all(p, 2);
    free(data);
}

static void test_vmsplice_then_splice_to_file(void) {
    void *block = NULL;
    REQUIRE(zcn_aligned_alloc(&block, 4096, 16384) == 0);
    zcn_xf_fill((uint8_t *)block, 16384, 23);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    int p[2];
    REQUIRE(dst >= 0 && zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    zcn_iovec iov = {block, 16384};
    CHECK_EQ(zcn_vmsplice(p[1], &iov, 1, 0), 16384);
    int64_t off = 0;
    CHECK_EQ(zcn_splice(p[0], NULL, dst, &off, 16384, 0), 16384);
    CHECK_EQ(off, 16384);
    CHECK(zcn_xf_file_equals(dst, block, 16384));
    zcn_xf_close_all(p, 2);
    close(dst);
    zcn_aligned_free(block); /* the pipe is drained: the pages may go */
}

static void test_partial_into_full_pipe_then_eagain(void) {
    const size_t size = 256 * 1024; /* four times a default pipe */
    void *block = NULL;
    REQUIRE(zcn_aligned_alloc(&block, 4096, size) == 0);
    zcn_xf_fill((uint8_t *)block, size, 24);
    int p[2];
    REQUIRE(zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    int32_t capacity = zcn_pipe_get_size(p[1]);
    REQUIRE(capacity > 0 && (size_t)capacity < size);

    zcn_iovec iov = {block, size};
    int64_t n = zcn_vmsplice(p[1], &iov, 1, ZCN_SPLICE_F_NONBLOCK);
    CHECK_EQ(n, capacity); /* page-aligned pages: exactly one page per slot */
    CHECK_ERR(zcn_vmsplice(p[1], &iov, 1, ZCN_SPLICE_F_NONBLOCK), EAGAIN);
    if (n > 0) CHECK(zcn_xf_stream_has(p[0], block, (size_t)n));

    zcn_xf_close_all(p, 2);
    zcn_aligned_free(block);
}

/* Child body: vmsplice into a full O_NONBLOCK pipe WITHOUT SPLICE_F_NONBLOCK. */
static void vmsplice_full_nonblocking_pipe_without_flag(void *arg) {
    (void)arg;
    static uint8_t buf[4096];
    zcn_iovec iov = {buf, sizeof buf};
    int q[2];
    REQUIRE(zcn_pipe(q, ZCN_PIPE_NONBLOCK) == 0);
    REQUIRE(zcn_xf_fill_until_eagain(q[1]) > 0);
    CHECK_ERR(zcn_vmsplice(q[1], &iov, 1, ZCN_SPLICE_F_NONBLOCK), EAGAIN); /* with the flag: EAGAIN */
    alarm(1);                                /* without it the call waits despite O_NONBLOCK: SIGALRM ends it */
    int64_t n = zcn_vmsplice(q[1], &iov, 1, 0);
    fprintf(stderr, "  vmsplice returned %lld instead of blocking\n", (long long)n);
    _exit(3);
}

/* Unlike splice and tee, vmsplice ignores O_NONBLOCK on the pipe: only SPLICE_F_NONBLOCK keeps it from
 * waiting. This pins that kernel behaviour, which callers (the managed safe layer) must account for. */
static void test_nonblocking_pipe_still_needs_the_flag(void) {
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        zcn_test_current_failed = 0;
        if (setjmp(zcn_test_abort) == 0) vmsplice_full_nonblocking_pipe_without_flag(NULL);
        _exit(zcn_test_current_failed ? 1 : 0);
    }
    int status = 0;
    for (int i = 0; i < 100 && waitpid(pid, &status, 0) < 0; i++)
        REQUIRE(errno == EINTR);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM);
    if (WIFEXITED(status)) fprintf(stderr, "  child exited with %d\n", WEXITSTATUS(status));
}

static void test_einval(void) {
    uint8_t buf[64] = {0};
    int p[2];
    REQUIRE(zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    zcn_iovec one = {buf, sizeof buf};

    /* No segments: the kernel would return 0, the library calls it a caller error. */
    CHECK_ERR(zcn_vmsplice(p[1], &one, 0, 0), EINVAL);
    /* More than IOV_MAX (1024) segments: a real 1025-element array, so nothing reads past it. */
    zcn_iovec *many = (zcn_iovec *)calloc(1025, sizeof *many);
    REQUIRE(many != NULL);
    for (int i = 0; i < 1025; i++) many[i] = one;
    CHECK_ERR(zcn_vmsplice(p[1], many, 1025, 0), EINVAL);
    /* The kernel refuses the count before it reads the array; valgrind checks the whole claimed array first. */
    VALGRIND_DISABLE_ERROR_REPORTING;
    int64_t huge_count = zcn_vmsplice(p[1], many, UINT64_MAX, 0);
    VALGRIND_ENABLE_ERROR_REPORTING;
    CHECK_ERR(huge_count, EINVAL);
    CHECK_EQ(zcn_bytes_available(p[0]), 0);

    /* Exactly IOV_MAX segments are accepted: the read end scatters 64 KiB into 1024 slices of 64 bytes. */
    uint8_t *data = zcn_xf_pattern(65536, 26);
    uint8_t *out = (uint8_t *)calloc(1, 65536);
    REQUIRE(data != NULL && out != NULL);
    REQUIRE(zcn_xf_write_all(p[1], data, 65536) == 0);
    for (int i = 0; i < 1024; i++) {
        many[i].base = out + (size_t)i * 64;
        many[i].len = 64;
    }
    CHECK_EQ(zcn_vmsplice(p[0], many, 1024, 0), 65536);
    CHECK(zcn_xf_first_diff(out, data, 65536) < 0);
    free(many);
    free(out);
    free(data);

    /* Unknown flags. */
    CHECK_ERR(zcn_vmsplice(p[1], &one, 1, 0x100), EINVAL);
    /* A segment longer than the kernel allows (the length must fit ssize_t). */
    zcn_iovec huge = {buf, UINT64_MAX};
    VALGRIND_DISABLE_ERROR_REPORTING; /* valgrind checks the whole claimed range before the kernel refuses */
    int64_t huge_result = zcn_vmsplice(p[1], &huge, 1, 0);
    VALGRIND_ENABLE_ERROR_REPORTING;
    CHECK_ERR(huge_result, EINVAL);
    CHECK_EQ(zcn_bytes_available(p[0]), 0);

    zcn_xf_close_all(p, 2);
}

static void test_ebadf(void) {
    uint8_t buf[64] = {0};
    zcn_iovec one = {buf, sizeof buf};
    int file = zcn_xf_make_empty(dir, "file", O_RDWR, NULL, 0);
    int s[2];
    REQUIRE(file >= 0 && zcn_xf_unix_pair(s) == 0);
    int closed = zcn_fx_closed_fd();
    CHECK_ERR(zcn_vmsplice(closed, &one, 1, 0), EBADF);
    CHECK_ERR(zcn_vmsplice(-1, &one, 1, 0), EBADF);
    /* Not a pipe (a file, a socket): EBADF. */
    CHECK_ERR(zcn_vmsplice(file, &one, 1, 0), EBADF);
    CHECK_ERR(zcn_vmsplice(s[0], &one, 1, 0), EBADF);
    CHECK_EQ(zcn_xf_size(file), 0);
    zcn_xf_close_all(s, 2);
    close(file);
}

static void test_efault(void) {
    int p[2];
    REQUIRE(zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    /* No iovec array at all: the kernel's EFAULT (valgrind would report the NULL passed on purpose). */
    VALGRIND_DISABLE_ERROR_REPORTING;
    CHECK_ERR(zcn_vmsplice(p[1], NULL, 1, 0), EFAULT);
    VALGRIND_ENABLE_ERROR_REPORTING;

    /* A segment in memory the process cannot touch: an unmapped page. */
    void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(page != MAP_FAILED);
    REQUIRE(munmap(page, 4096) == 0);
    zcn_iovec bad = {page, 4096};
    zcn_iovec low = {(void *)(uintptr_t)8, 100};
    uint8_t out[16];
    zcn_iovec good_out = {out, sizeof out};
    /* Valgrind rightly flags the bad addresses these calls pass on purpose; keep its report clean. */
    VALGRIND_DISABLE_ERROR_REPORTING;
    int64_t write_bad = zcn_vmsplice(p[1], &bad, 1, 0);
    int64_t write_low = zcn_vmsplice(p[1], &low, 1, 0);
    VALGRIND_ENABLE_ERROR_REPORTING;
    CHECK_ERR(write_bad, EFAULT);
    CHECK_ERR(write_low, EFAULT);
    CHECK_EQ(zcn_bytes_available(p[0]), 0);

    /* The read end copying into an unmapped page. */
    REQUIRE(write(p[1], "0123456789", 10) == 10);
    VALGRIND_DISABLE_ERROR_REPORTING;
    int64_t read_bad = zcn_vmsplice(p[0], &bad, 1, 0);
    VALGRIND_ENABLE_ERROR_REPORTING;
    CHECK_ERR(read_bad, EFAULT);
    CHECK_EQ(zcn_bytes_available(p[0]), 10); /* nothing consumed */
    CHECK_EQ(zcn_vmsplice(p[0], &good_out, 1, 0), 10);
    CHECK(memcmp(out, "0123456789", 10) == 0);

    zcn_xf_close_all(p, 2);
}

static void test_epipe(void) {
    uint8_t buf[64] = {0};
    zcn_iovec one = {buf, sizeof buf};
    int p[2];
    REQUIRE(zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    zcn_xf_close(&p[0]);
    CHECK_ERR(zcn_vmsplice(p[1], &one, 1, 0), EPIPE);
    zcn_xf_close_all(p, 2);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    if (zcn_xf_tmpdir(dir, sizeof dir, "/tmp") != 0) return EXIT_FAILURE;
    RUN(test_segments_into_pipe_in_order);
    RUN(test_read_end_copies_into_memory);
    RUN(test_vmsplice_then_splice_to_file);
    RUN(test_partial_into_full_pipe_then_eagain);
    RUN(test_nonblocking_pipe_still_needs_the_flag);
    RUN(test_einval);
    RUN(test_ebadf);
    RUN(test_efault);
    RUN(test_epipe);
    zcn_xf_rmtree(dir);
    return zcn_test_summary();
}
