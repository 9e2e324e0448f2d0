/*
 * test_splice.c - zcn_splice: file to pipe, pipe to file, sockets to and from pipes; offsets; partial
 * transfers; every errno user space can provoke.
 */
#include <signal.h>
#include <sys/resource.h>

#include "zcn_test.h"
#include "zcn_xfer_fixtures.h"

static char dir[ZCN_XF_PATH_MAX];

#define SRC_SIZE 200000u /* larger than a default pipe (64 KiB), not a multiple of the page size */

static int open_source(uint8_t **expected) {
    *expected = zcn_xf_pattern(SRC_SIZE, 2);
    return zcn_xf_make_file(dir, "src", SRC_SIZE, 2, O_RDONLY, NULL, 0);
}

static void test_file_to_pipe_with_offset_leaves_position(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int p[2];
    REQUIRE(src >= 0 && expected != NULL && zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    REQUIRE(lseek(src, 77, SEEK_SET) == 77);

    int64_t off = 4096 + 10;
    CHECK_EQ(zcn_splice(src, &off, p[1], NULL, 5000, 0), 5000);
    CHECK_EQ(off, 4096 + 10 + 5000);
    CHECK_EQ(zcn_xf_pos(src), 77);
    CHECK_EQ(zcn_bytes_available(p[0]), 5000);
    CHECK(zcn_xf_stream_has(p[0], expected + 4096 + 10, 5000));

    zcn_xf_close_all(p, 2);
    close(src);
    free(expected);
}

static void test_file_to_pipe_without_offset_moves_position(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int p[2];
    REQUIRE(src >= 0 && expected != NULL && zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    REQUIRE(lseek(src, 1000, SEEK_SET) == 1000);

    CHECK_EQ(zcn_splice(src, NULL, p[1], NULL, 3000, ZCN_SPLICE_F_MOVE | ZCN_SPLICE_F_MORE), 3000);
    CHECK_EQ(zcn_xf_pos(src), 4000);
    CHECK(zcn_xf_stream_has(p[0], expected + 1000, 3000));

    /* A request larger than the pipe moves at most the pipe's capacity. */
    int32_t capacity = zcn_pipe_get_size(p[0]);
    REQUIRE(capacity > 0);
    int64_t n = zcn_splice(src, NULL, p[1], NULL, SRC_SIZE, ZCN_SPLICE_F_NONBLOCK);
    CHECK(n > 0 && n <= capacity);
    CHECK_EQ(zcn_xf_pos(src), 4000 + n);
    if (n > 0) CHECK(zcn_xf_stream_has(p[0], expected + 4000, (size_t)n));

    zcn_xf_close_all(p, 2);
    close(src);
    free(expected);
}

static void test_pipe_to_file_with_and_without_offset(void) {
    uint8_t *data = zcn_xf_pattern(8192, 3);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    int p[2];
    REQUIRE(data != NULL && dst >= 0 && zcn_pipe(p, ZCN_PIPE_NONE) == 0);

    /* Through the file position: it advances. */
    REQUIRE(zcn_xf_write_all(p[1], data, 3000) == 0);
    CHECK_EQ(zcn_splice(p[0], NULL, dst, NULL, 3000, 0), 3000);
    CHECK_EQ(zcn_xf_pos(dst), 3000);
    CHECK_EQ(zcn_bytes_available(p[0]), 0);

    /* At an explicit offset: the offset advances, the position does not. */
    REQUIRE(zcn_xf_write_all(p[1], data + 3000, 5192) == 0);
    int64_t off = 3000;
    CHECK_EQ(zcn_splice(p[0], NULL, dst, &off, 5192, 0), 5192);
    CHECK_EQ(off, 8192);
    CHECK_EQ(zcn_xf_pos(dst), 3000);
    CHECK(zcn_xf_file_equals(dst, data, 8192));

    /* Asking for more than the pipe holds moves what it holds. */
    REQUIRE(zcn_xf_write_all(p[1], data, 100) == 0);
    off = 8192;
    CHECK_EQ(zcn_splice(p[0], NULL, dst, &off, 1u << 20, 0), 100);
    CHECK_EQ(off, 8292);
    CHECK(zcn_xf_file_has(dst, 8192, data, 100));

    zcn_xf_close_all(p, 2);
    close(dst);
    free(data);
}

/* The classic copy: file -> pipe -> file in bounded chunks, verified byte for byte. */
static void test_file_to_file_through_pipe(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    int p[2];
    REQUIRE(src >= 0 && dst >= 0 && expected != NULL && zcn_pipe(p, ZCN_PIPE_NONE) == 0);

    int64_t in_off = 0, out_off = 0;
    for (int i = 0; i < 1000 && in_off < (int64_t)SRC_SIZE; i++) {
        int64_t in = zcn_splice(src, &in_off, p[1], NULL, 65536, ZCN_SPLICE_F_MORE);
        CHECK(in > 0);
        if (in <= 0) break;
        for (int64_t left = in, j = 0; left > 0 && j < 100; j++) {
            int64_t out = zcn_splice(p[0], NULL, dst, &out_off, (uint64_t)left, 0);
            CHECK(out > 0);
            if (out <= 0) break;
            left -= out;
        }
    }
    CHECK_EQ(in_off, SRC_SIZE);
    CHECK_EQ(out_off, SRC_SIZE);
    CHECK_EQ(zcn_xf_pos(src), 0);
    CHECK_EQ(zcn_xf_pos(dst), 0);
    CHECK(zcn_xf_file_equals(dst, expected, SRC_SIZE));

    /* At end of the source: 0. */
    CHECK_EQ(zcn_splice(src, &in_off, p[1], NULL, 65536, 0), 0);
    CHECK_EQ(in_off, SRC_SIZE);

    zcn_xf_close_all(p, 2);
    close(src);
    close(dst);
    free(expected);
}

static void test_count_beyond_end_returns_file_size_then_zero(void) {
    uint8_t *data = zcn_xf_pattern(1000, 4);
    int src = zcn_xf_make_file(dir, "small", 1000, 4, O_RDONLY, NULL, 0);
    int p[2];
    REQUIRE(data != NULL && src >= 0 && zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    CHECK_EQ(zcn_splice(src, NULL, p[1], NULL, 50000, 0), 1000);
    CHECK_EQ(zcn_splice(src, NULL, p[1], NULL, 50000, 0), 0);
    int64_t off = 5000; /* past the end */
    CHECK_EQ(zcn_splice(src, &off, p[1], NULL, 50000, 0), 0);
    CHECK_EQ(off, 5000);
    CHECK(zcn_xf_stream_has(p[0], data, 1000));
    /* len 0 moves nothing. */
    CHECK_EQ(zcn_splice(src, NULL, p[1], NULL, 0, 0), 0);
    zcn_xf_close_all(p, 2);
    close(src);
    free(data);
}

static void test_empty_pipe_without_writers_returns_zero(void) {
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    int p[2];
    REQUIRE(dst >= 0 && zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    REQUIRE(write(p[1], "abc", 3) == 3);
    zcn_xf_close(&p[1]);
    CHECK_EQ(zcn_splice(p[0], NULL, dst, NULL, 100, 0), 3);
    CHECK_EQ(zcn_splice(p[0], NULL, dst, NULL, 100, 0), 0);
    CHECK(zcn_xf_file_equals(dst, "abc", 3));
    zcn_xf_close_all(p, 2);
    close(dst);
}

/* socket -> pipe -> socket, over a socket pair: each hop verified. */
static void socket_round_trip(int s[2]) {
    uint8_t *data = zcn_xf_pattern(30000, 5);
    int p[2];
    REQUIRE(data != NULL && zcn_pipe(p, ZCN_PIPE_NONE) == 0);

    /* Into the socket, out through a pipe. */
    REQUIRE(zcn_xf_write_all(s[1], data, 30000) == 0);
    int64_t moved = 0;
    for (int i = 0; i < 1000 && moved < 30000; i++) {
        int64_t n = zcn_splice(s[0], NULL, p[1], NULL, (uint64_t)(30000 - moved), 0);
        CHECK(n > 0);
        if (n <= 0) break;
        moved += n;
        REQUIRE(zcn_bytes_available(p[0]) == n);
        /* pipe -> socket (back the other way) */
        CHECK_EQ(zcn_splice(p[0], NULL, s[0], NULL, (uint64_t)n, 0), n);
    }
    CHECK_EQ(moved, 30000);
    CHECK(zcn_xf_stream_has(s[1], data, 30000));

    /* An offset for the socket end: EINVAL (the socket is not seekable; ESPIPE is only for pipes). */
    int64_t off = 0;
    REQUIRE(write(s[1], "x", 1) == 1);
    CHECK_ERR(zcn_splice(s[0], &off, p[1], NULL, 1, 0), EINVAL);
    CHECK_EQ(off, 0);

    /* An empty socket: SPLICE_F_NONBLOCK only makes the pipe side non-blocking (as the man page says; a
     * blocking socket would still wait), so the socket itself is made O_NONBLOCK to get EAGAIN. */
    CHECK_EQ(zcn_splice(s[0], NULL, p[1], NULL, 1, 0), 1);
    REQUIRE(zcn_xf_nonblock(s[0]) == 0);
    CHECK_ERR(zcn_splice(s[0], NULL, p[1], NULL, 100, ZCN_SPLICE_F_NONBLOCK), EAGAIN);
    CHECK_ERR(zcn_splice(s[0], NULL, p[1], NULL, 100, 0), EAGAIN);
    CHECK_EQ(zcn_bytes_available(p[0]), 1);

    zcn_xf_close_all(p, 2);
    free(data);
}

static void test_unix_socket_to_pipe_and_back(void) {
    int s[2];
    REQUIRE(zcn_xf_unix_pair(s) == 0);
    socket_round_trip(s);
    zcn_xf_close_all(s, 2);
}

static void test_tcp_socket_to_pipe_and_back(void) {
    int s[2];
    REQUIRE(zcn_xf_tcp_pair(s) == 0);
    socket_round_trip(s);
    zcn_xf_close_all(s, 2);
}

static void test_ebadf(void) {
    uint8_t *expected;
    char path[ZCN_XF_PATH_MAX];
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, path, sizeof path);
    int p[2];
    REQUIRE(src >= 0 && dst >= 0 && expected != NULL && zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    int write_only = open(path, O_WRONLY | O_CLOEXEC);
    int read_only = open(path, O_RDONLY | O_CLOEXEC);
    REQUIRE(write_only >= 0 && read_only >= 0);
    int closed = zcn_fx_closed_fd();
    REQUIRE(write(p[1], "data", 4) == 4);

    CHECK_ERR(zcn_splice(closed, NULL, p[1], NULL, 10, 0), EBADF);     /* source not open */
    CHECK_ERR(zcn_splice(p[0], NULL, closed, NULL, 10, 0), EBADF);     /* destination not open */
    CHECK_ERR(zcn_splice(write_only, NULL, p[1], NULL, 10, 0), EBADF); /* source not readable */
    CHECK_ERR(zcn_splice(p[0], NULL, read_only, NULL, 4, 0), EBADF);   /* destination not writable */
    CHECK_ERR(zcn_splice(src, NULL, p[0], NULL, 10, 0), EBADF);        /* the pipe's read end as destination */
    CHECK_ERR(zcn_splice(p[1], NULL, dst, NULL, 10, 0), EBADF);        /* the pipe's write end as source */
    CHECK_EQ(zcn_bytes_available(p[0]), 4);
    CHECK_EQ(zcn_xf_pos(src), 0);
    CHECK_EQ(zcn_xf_size(dst), 0);

    close(write_only);
    close(read_only);
    zcn_xf_close_all(p, 2);
    close(src);
    close(dst);
    free(expected);
}

static void test_einval(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    int append = zcn_xf_make_empty(dir, "append", O_WRONLY | O_APPEND, NULL, 0);
    int p[2], q[2];
    REQUIRE(src >= 0 && dst >= 0 && append >= 0 && expected != NULL);
    REQUIRE(zcn_pipe(p, ZCN_PIPE_NONE) == 0 && zcn_pipe(q, ZCN_PIPE_NONE) == 0);
    REQUIRE(write(p[1], "data", 4) == 4);

    /* Neither descriptor is a pipe: file to file, and file to socket (that needs a pipe in between). */
    CHECK_ERR(zcn_splice(src, NULL, dst, NULL, 10, 0), EINVAL);
    int s[2];
    REQUIRE(zcn_xf_unix_pair(s) == 0);
    CHECK_ERR(zcn_splice(src, NULL, s[1], NULL, 10, 0), EINVAL);
    CHECK_EQ(zcn_bytes_available(s[0]), 0);
    zcn_xf_close_all(s, 2);
    /* Both ends of the same pipe. */
    CHECK_ERR(zcn_splice(p[0], NULL, p[1], NULL, 4, 0), EINVAL);
    /* An O_APPEND target (the man page's EINVAL; the kernel still answers it). */
    CHECK_ERR(zcn_splice(p[0], NULL, append, NULL, 4, 0), EINVAL);
    CHECK_EQ(zcn_xf_size(append), 0);
    /* Unknown flags: refused by the library (and by the kernel). */
    CHECK_ERR(zcn_splice(src, NULL, q[1], NULL, 10, 0x100), EINVAL);
    CHECK_ERR(zcn_splice(src, NULL, q[1], NULL, 10, 0x80000000u), EINVAL);
    /* A negative offset. */
    int64_t off = -1;
    CHECK_ERR(zcn_splice(src, &off, q[1], NULL, 10, 0), EINVAL);
    CHECK_EQ(off, -1);
    /* An offset whose end overflows. */
    off = INT64_MAX - 10;
    CHECK_ERR(zcn_splice(src, &off, q[1], NULL, 100, 0), EINVAL);
    /* A length that does not fit the int64_t result. */
    CHECK_ERR(zcn_splice(src, NULL, q[1], NULL, UINT64_MAX, 0), EINVAL);
    /* A directory as source. */
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(dirfd >= 0);
    CHECK_ERR(zcn_splice(dirfd, NULL, q[1], NULL, 10, 0), EINVAL);
    close(dirfd);

    /* Nothing moved anywhere. */
    CHECK_EQ(zcn_bytes_available(p[0]), 4);
    CHECK_EQ(zcn_bytes_available(q[0]), 0);
    CHECK_EQ(zcn_xf_pos(src), 0);

    zcn_xf_close_all(p, 2);
    zcn_xf_close_all(q, 2);
    close(append);
    close(src);
    close(dst);
    free(expected);
}

static void test_espipe_offset_on_pipe(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    int p[2];
    REQUIRE(src >= 0 && dst >= 0 && expected != NULL && zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    REQUIRE(write(p[1], "data", 4) == 4);
    int64_t off = 0;
    CHECK_ERR(zcn_splice(p[0], &off, dst, NULL, 4, 0), ESPIPE); /* off_in for a pipe */
    CHECK_ERR(zcn_splice(src, NULL, p[1], &off, 4, 0), ESPIPE); /* off_out for a pipe */
    CHECK_EQ(off, 0);
    CHECK_EQ(zcn_bytes_available(p[0]), 4);
    CHECK_EQ(zcn_xf_pos(src), 0);
    zcn_xf_close_all(p, 2);
    close(src);
    close(dst);
    free(expected);
}

static void test_eagain_nonblock_on_full_and_empty_pipe(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    int p[2], q[2];
    REQUIRE(src >= 0 && dst >= 0 && expected != NULL);
    REQUIRE(zcn_pipe(p, ZCN_PIPE_NONE) == 0 && zcn_pipe(q, ZCN_PIPE_NONBLOCK) == 0);

    /* Empty pipe, SPLICE_F_NONBLOCK on a blocking pipe: EAGAIN instead of waiting. */
    CHECK_ERR(zcn_splice(p[0], NULL, dst, NULL, 100, ZCN_SPLICE_F_NONBLOCK), EAGAIN);
    /* Full pipe: fill it with splice itself, bounded, then EAGAIN. */
    int64_t off = 0, filled = 0;
    int64_t last = 0;
    for (int i = 0; i < 1000; i++) {
        last = zcn_splice(src, &off, p[1], NULL, 4096, ZCN_SPLICE_F_NONBLOCK);
        if (last <= 0) break;
        filled += last;
        if (off >= (int64_t)SRC_SIZE) off = 0;
    }
    CHECK_ERR(last, EAGAIN);
    CHECK_EQ(filled, zcn_pipe_get_size(p[1]));
    CHECK_EQ(zcn_bytes_available(p[0]), filled);
    int64_t before = off;
    CHECK_ERR(zcn_splice(src, &off, p[1], NULL, 100, ZCN_SPLICE_F_NONBLOCK), EAGAIN);
    CHECK_EQ(off, before);

    /* A pipe opened O_NONBLOCK gives EAGAIN without the flag too. */
    CHECK_ERR(zcn_splice(q[0], NULL, dst, NULL, 100, 0), EAGAIN);
    REQUIRE(zcn_xf_fill_until_eagain(q[1]) > 0);
    CHECK_ERR(zcn_splice(src, NULL, q[1], NULL, 100, 0), EAGAIN);
    CHECK_EQ(zcn_xf_pos(src), 0);

    zcn_xf_close_all(p, 2);
    zcn_xf_close_all(q, 2);
    close(src);
    close(dst);
    free(expected);
}

static void test_epipe_reader_closed(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int p[2], s[2], q[2];
    REQUIRE(src >= 0 && expected != NULL && zcn_pipe(p, ZCN_PIPE_NONE) == 0 && zcn_xf_unix_pair(s) == 0);
    REQUIRE(zcn_pipe(q, ZCN_PIPE_NONE) == 0);
    zcn_xf_close(&p[0]);
    int64_t off = 0;
    CHECK_ERR(zcn_splice(src, &off, p[1], NULL, 100, 0), EPIPE);
    CHECK_EQ(off, 0);
    /* pipe -> socket whose peer is gone. */
    zcn_xf_close(&s[0]);
    REQUIRE(write(q[1], "data", 4) == 4);
    CHECK_ERR(zcn_splice(q[0], NULL, s[1], NULL, 4, 0), EPIPE);
    zcn_xf_close_all(p, 2);
    zcn_xf_close_all(q, 2);
    zcn_xf_close_all(s, 2);
    close(src);
    free(expected);
}

/* RLIMIT_FSIZE = 8192 in a child: pipe -> file stops at the limit, then EFBIG. */
static void efbig_child(void *arg) {
    (void)arg;
    uint8_t *data = zcn_xf_pattern(20000, 6);
    int dst = zcn_xf_make_empty(dir, "dst-efbig", O_RDWR, NULL, 0);
    int p[2];
    REQUIRE(data != NULL && dst >= 0 && zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    REQUIRE(zcn_xf_write_all(p[1], data, 20000) == 0);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = {8192, 8192};
    REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
    CHECK_EQ(zcn_splice(p[0], NULL, dst, NULL, 20000, 0), 8192);
    CHECK_ERR(zcn_splice(p[0], NULL, dst, NULL, 20000, 0), EFBIG);
    CHECK_EQ(zcn_bytes_available(p[0]), 20000 - 8192);
    CHECK(zcn_xf_file_equals(dst, data, 8192));
    zcn_xf_close_all(p, 2);
    close(dst);
    free(data);
}

static void test_efbig_past_file_size_limit(void) {
    CHECK_EQ(zcn_fx_run_child(efbig_child, NULL), 0);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    if (zcn_xf_tmpdir(dir, sizeof dir, "/var/tmp") != 0) return EXIT_FAILURE;
    RUN(test_file_to_pipe_with_offset_leaves_position);
    RUN(test_file_to_pipe_without_offset_moves_position);
    RUN(test_pipe_to_file_with_and_without_offset);
    RUN(test_file_to_file_through_pipe);
    RUN(test_count_beyond_end_returns_file_size_then_zero);
    RUN(test_empty_pipe_without_writers_returns_zero);
    RUN(test_unix_socket_to_pipe_and_back);
    RUN(test_tcp_socket_to_pipe_and_back);
    RUN(test_ebadf);
    RUN(test_einval);
    RUN(test_espipe_offset_on_pipe);
    RUN(test_eagain_nonblock_on_full_and_empty_pipe);
    RUN(test_epipe_reader_closed);
    RUN(test_efbig_past_file_size_limit);
    zcn_xf_rmtree(dir);
    return zcn_test_summary();
}
