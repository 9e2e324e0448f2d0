/*
 * test_tee.c - zcn_tee: duplicating pipe contents without consuming them; partial counts; every errno
 * user space can provoke.
 */
#include <signal.h>

#include "zcn_test.h"
#include "zcn_xfer_fixtures.h"

static char dir[ZCN_XF_PATH_MAX];

static void test_duplicates_without_consuming(void) {
    uint8_t *data = zcn_xf_pattern(20000, 11);
    int a[2], b[2];
    REQUIRE(data != NULL && zcn_pipe(a, ZCN_PIPE_NONE) == 0 && zcn_pipe(b, ZCN_PIPE_NONE) == 0);
    REQUIRE(zcn_xf_write_all(a[1], data, 20000) == 0);

    CHECK_EQ(zcn_tee(a[0], b[1], 20000, 0), 20000);
    CHECK_EQ(zcn_bytes_available(a[0]), 20000); /* the source keeps its data */
    CHECK_EQ(zcn_bytes_available(b[0]), 20000);
    CHECK(zcn_xf_stream_has(b[0], data, 20000));
    CHECK(zcn_xf_stream_has(a[0], data, 20000));

    zcn_xf_close_all(a, 2);
    zcn_xf_close_all(b, 2);
    free(data);
}

static void test_partial_counts(void) {
    uint8_t *data = zcn_xf_pattern(10000, 12);
    int a[2], b[2];
    REQUIRE(data != NULL && zcn_pipe(a, ZCN_PIPE_NONE) == 0 && zcn_pipe(b, ZCN_PIPE_NONE) == 0);
    REQUIRE(zcn_xf_write_all(a[1], data, 10000) == 0);

    /* Less than the source holds: exactly len. */
    CHECK_EQ(zcn_tee(a[0], b[1], 1234, 0), 1234);
    CHECK(zcn_xf_stream_has(b[0], data, 1234));
    /* More than the source holds: what it holds, from its start again (tee never consumes). */
    CHECK_EQ(zcn_tee(a[0], b[1], 1u << 20, 0), 10000);
    CHECK(zcn_xf_stream_has(b[0], data, 10000));
    /* len 0 duplicates nothing. */
    CHECK_EQ(zcn_tee(a[0], b[1], 0, 0), 0);
    CHECK_EQ(zcn_bytes_available(b[0]), 0);
    CHECK_EQ(zcn_bytes_available(a[0]), 10000);

    zcn_xf_close_all(a, 2);
    zcn_xf_close_all(b, 2);
    free(data);
}

/* The tee(1) pattern: duplicate into a second pipe, splice both to files, and compare. */
static void test_tee_then_splice_to_two_files(void) {
    uint8_t *data = zcn_xf_pattern(30000, 13);
    int f1 = zcn_xf_make_empty(dir, "one", O_RDWR, NULL, 0);
    int f2 = zcn_xf_make_empty(dir, "two", O_RDWR, NULL, 0);
    int a[2], b[2];
    REQUIRE(data != NULL && f1 >= 0 && f2 >= 0);
    REQUIRE(zcn_pipe(a, ZCN_PIPE_NONE) == 0 && zcn_pipe(b, ZCN_PIPE_NONE) == 0);
    REQUIRE(zcn_xf_write_all(a[1], data, 30000) == 0);
    zcn_xf_close(&a[1]);

    int64_t copied = 0;
    for (int i = 0; i < 100; i++) {
        int64_t t = zcn_tee(a[0], b[1], 65536, 0);
        if (t <= 0) {
            CHECK_EQ(t, 0); /* empty with no writer left: 0, not an error */
            break;
        }
        CHECK_EQ(zcn_splice(a[0], NULL, f1, NULL, (uint64_t)t, 0), t);
        CHECK_EQ(zcn_splice(b[0], NULL, f2, NULL, (uint64_t)t, 0), t);
        copied += t;
    }
    CHECK_EQ(copied, 30000);
    CHECK(zcn_xf_file_equals(f1, data, 30000));
    CHECK(zcn_xf_file_equals(f2, data, 30000));

    zcn_xf_close_all(a, 2);
    zcn_xf_close_all(b, 2);
    close(f1);
    close(f2);
    free(data);
}

static void test_eagain(void) {
    int a[2], b[2];
    REQUIRE(zcn_pipe(a, ZCN_PIPE_NONE) == 0 && zcn_pipe(b, ZCN_PIPE_NONBLOCK) == 0);
    /* Empty source, SPLICE_F_NONBLOCK. */
    CHECK_ERR(zcn_tee(a[0], b[1], 100, ZCN_SPLICE_F_NONBLOCK), EAGAIN);
    /* Full destination. */
    REQUIRE(write(a[1], "abc", 3) == 3);
    REQUIRE(zcn_xf_fill_until_eagain(b[1]) > 0);
    int64_t queued = zcn_bytes_available(b[0]);
    CHECK_ERR(zcn_tee(a[0], b[1], 100, ZCN_SPLICE_F_NONBLOCK), EAGAIN);
    CHECK_EQ(zcn_bytes_available(b[0]), queued);
    CHECK_EQ(zcn_bytes_available(a[0]), 3);
    zcn_xf_close_all(a, 2);
    zcn_xf_close_all(b, 2);
}

static void test_einval(void) {
    int file = zcn_xf_make_empty(dir, "file", O_RDWR, NULL, 0);
    int a[2], b[2], s[2];
    REQUIRE(file >= 0 && zcn_pipe(a, ZCN_PIPE_NONE) == 0 && zcn_pipe(b, ZCN_PIPE_NONE) == 0);
    REQUIRE(zcn_xf_unix_pair(s) == 0);
    REQUIRE(write(a[1], "abcdef", 6) == 6);

    CHECK_ERR(zcn_tee(file, b[1], 10, 0), EINVAL);   /* source not a pipe */
    CHECK_ERR(zcn_tee(a[0], file, 10, 0), EINVAL);   /* destination not a pipe */
    CHECK_ERR(zcn_tee(s[0], b[1], 10, 0), EINVAL);   /* a socket is not a pipe either */
    CHECK_ERR(zcn_tee(a[0], s[1], 10, 0), EINVAL);
    CHECK_ERR(zcn_tee(a[0], a[1], 10, 0), EINVAL);   /* both ends of the same pipe */
    CHECK_ERR(zcn_tee(a[0], b[1], 10, 0x100), EINVAL); /* unknown flag */
    CHECK_EQ(zcn_bytes_available(a[0]), 6);
    CHECK_EQ(zcn_bytes_available(b[0]), 0);
    CHECK_EQ(zcn_xf_size(file), 0);
    /* A length beyond INT64_MAX is no error to the kernel: tee duplicates what the pipe holds. */
    CHECK_EQ(zcn_tee(a[0], b[1], UINT64_MAX, 0), 6);
    CHECK_EQ(zcn_bytes_available(b[0]), 6);

    zcn_xf_close_all(a, 2);
    zcn_xf_close_all(b, 2);
    zcn_xf_close_all(s, 2);
    close(file);
}

static void test_ebadf(void) {
    int a[2], b[2];
    REQUIRE(zcn_pipe(a, ZCN_PIPE_NONE) == 0 && zcn_pipe(b, ZCN_PIPE_NONE) == 0);
    int closed = zcn_fx_closed_fd();
    REQUIRE(write(a[1], "abc", 3) == 3);
    CHECK_ERR(zcn_tee(closed, b[1], 10, 0), EBADF);
    CHECK_ERR(zcn_tee(a[0], closed, 10, 0), EBADF);
    CHECK_ERR(zcn_tee(a[1], b[1], 10, 0), EBADF); /* the write end as source */
    CHECK_ERR(zcn_tee(a[0], b[0], 10, 0), EBADF); /* the read end as destination */
    CHECK_EQ(zcn_bytes_available(a[0]), 3);
    zcn_xf_close_all(a, 2);
    zcn_xf_close_all(b, 2);
}

static void test_epipe_and_end_of_input(void) {
    int a[2], b[2];
    REQUIRE(zcn_pipe(a, ZCN_PIPE_NONE) == 0 && zcn_pipe(b, ZCN_PIPE_NONE) == 0);
    REQUIRE(write(a[1], "abc", 3) == 3);
    /* Destination without a reader. */
    zcn_xf_close(&b[0]);
    CHECK_ERR(zcn_tee(a[0], b[1], 10, 0), EPIPE);
    CHECK_EQ(zcn_bytes_available(a[0]), 3);
    zcn_xf_close_all(b, 2);
    /* Empty source with no writer: 0 at once instead of waiting. */
    REQUIRE(zcn_pipe(b, ZCN_PIPE_NONE) == 0);
    char buf[3];
    REQUIRE(read(a[0], buf, 3) == 3);
    zcn_xf_close(&a[1]);
    CHECK_EQ(zcn_tee(a[0], b[1], 10, 0), 0);
    zcn_xf_close_all(a, 2);
    zcn_xf_close_all(b, 2);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    if (zcn_xf_tmpdir(dir, sizeof dir, "/tmp") != 0) return EXIT_FAILURE;
    RUN(test_duplicates_without_consuming);
    RUN(test_partial_counts);
    RUN(test_tee_then_splice_to_two_files);
    RUN(test_eagain);
    RUN(test_einval);
    RUN(test_ebadf);
    RUN(test_epipe_and_end_of_input);
    zcn_xf_rmtree(dir);
    return zcn_test_summary();
}
