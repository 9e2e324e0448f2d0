/*
 * test_sendfile.c - zcn_sendfile: file to file, pipe and socket; offsets; partial transfers; every errno
 * user space can provoke.
 */
#include <signal.h>
#include <sys/resource.h>

#include "zcn_test.h"
#include "zcn_xfer_fixtures.h"

static char dir[ZCN_XF_PATH_MAX];

#define SRC_SIZE 100000u /* deliberately not a multiple of the page size */

/* The source file (SRC_SIZE bytes of pattern seed 1), opened read-only, and its expected content. */
static int open_source(uint8_t **expected) {
    *expected = zcn_xf_pattern(SRC_SIZE, 1);
    return zcn_xf_make_file(dir, "src", SRC_SIZE, 1, O_RDONLY, NULL, 0);
}

static void test_file_to_file_uses_and_moves_the_position(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    REQUIRE(src >= 0 && dst >= 0 && expected != NULL);

    int64_t total = 0;
    for (int i = 0; i < 100 && total < (int64_t)SRC_SIZE; i++) {
        int64_t n = zcn_sendfile(dst, src, NULL, SRC_SIZE - (uint64_t)total);
        CHECK(n > 0);
        if (n <= 0) break;
        total += n;
    }
    CHECK_EQ(total, SRC_SIZE);
    CHECK_EQ(zcn_xf_pos(src), SRC_SIZE);
    CHECK_EQ(zcn_xf_pos(dst), SRC_SIZE);
    CHECK(zcn_xf_file_equals(dst, expected, SRC_SIZE));
    /* At end of file the position stays and 0 comes back. */
    CHECK_EQ(zcn_sendfile(dst, src, NULL, 10), 0);
    CHECK_EQ(zcn_xf_pos(src), SRC_SIZE);

    close(src);
    close(dst);
    free(expected);
}

static void test_offset_is_updated_and_position_left_alone(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    REQUIRE(src >= 0 && dst >= 0 && expected != NULL);
    REQUIRE(lseek(src, 123, SEEK_SET) == 123);

    int64_t offset = 1000;
    CHECK_EQ(zcn_sendfile(dst, src, &offset, 5000), 5000);
    CHECK_EQ(offset, 6000);
    CHECK_EQ(zcn_xf_pos(src), 123);
    CHECK_EQ(zcn_xf_pos(dst), 5000); /* the destination always advances */
    CHECK(zcn_xf_file_equals(dst, expected + 1000, 5000));

    /* A second call continues from the updated offset. */
    CHECK_EQ(zcn_sendfile(dst, src, &offset, 3000), 3000);
    CHECK_EQ(offset, 9000);
    CHECK_EQ(zcn_xf_pos(src), 123);
    CHECK(zcn_xf_file_equals(dst, expected + 1000, 8000));

    close(src);
    close(dst);
    free(expected);
}

static void test_count_beyond_end_returns_file_size_then_zero(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    REQUIRE(src >= 0 && dst >= 0 && expected != NULL);

    int64_t offset = 0;
    CHECK_EQ(zcn_sendfile(dst, src, &offset, SRC_SIZE + 100000), SRC_SIZE);
    CHECK_EQ(offset, SRC_SIZE);
    CHECK_EQ(zcn_sendfile(dst, src, &offset, 4096), 0);
    CHECK_EQ(offset, SRC_SIZE);
    /* An offset past the end is end of file too, not an error. */
    offset = SRC_SIZE + 5000;
    CHECK_EQ(zcn_sendfile(dst, src, &offset, 4096), 0);
    CHECK_EQ(offset, SRC_SIZE + 5000);
    CHECK(zcn_xf_file_equals(dst, expected, SRC_SIZE));

    /* The same through the file position: the size, then 0. */
    CHECK_EQ(zcn_sendfile(dst, src, NULL, 1u << 30), SRC_SIZE);
    CHECK_EQ(zcn_sendfile(dst, src, NULL, 1u << 30), 0);
    CHECK_EQ(zcn_xf_size(dst), 2 * SRC_SIZE);

    /* A count above the kernel's per-call cap (0x7ffff000) is capped, not refused. */
    offset = 0;
    CHECK_EQ(zcn_sendfile(dst, src, &offset, (uint64_t)INT32_MAX + 100), SRC_SIZE);
    /* Zero bytes asked, zero sent. */
    CHECK_EQ(zcn_sendfile(dst, src, NULL, 0), 0);

    close(src);
    close(dst);
    free(expected);
}

static void test_file_to_pipe(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int p[2];
    REQUIRE(src >= 0 && expected != NULL && zcn_pipe(p, ZCN_PIPE_NONE) == 0);

    int64_t offset = 50000;
    CHECK_EQ(zcn_sendfile(p[1], src, &offset, 3000), 3000);
    CHECK_EQ(offset, 53000);
    CHECK_EQ(zcn_xf_pos(src), 0);
    CHECK_EQ(zcn_bytes_available(p[0]), 3000);
    CHECK(zcn_xf_stream_has(p[0], expected + 50000, 3000));

    /* With a 64 KiB pipe, asking for the whole file moves at most what fits. */
    int32_t capacity = zcn_pipe_get_size(p[1]);
    REQUIRE(capacity > 0);
    int64_t n = zcn_sendfile(p[1], src, NULL, SRC_SIZE);
    CHECK(n > 0 && n <= capacity);
    CHECK_EQ(zcn_xf_pos(src), n);
    if (n > 0) CHECK(zcn_xf_stream_has(p[0], expected, (size_t)n));

    zcn_xf_close_all(p, 2);
    close(src);
    free(expected);
}

/* Sends the whole source into a non-blocking socket while draining the peer; returns 1 when every byte
 * arrived intact. The loop is bounded; EAGAIN from a full socket is expected along the way. */
static int pump_to_socket(int out, int peer, int src, const uint8_t *expected, size_t size) {
    uint8_t *got = (uint8_t *)malloc(size);
    if (got == NULL) return 0;
    int64_t offset = 0;
    size_t received = 0;
    int eagain = 0, ok = 1;
    for (int i = 0; i < 200000 && received < size; i++) {
        if (offset < (int64_t)size) {
            int64_t n = zcn_sendfile(out, src, &offset, size - (uint64_t)offset);
            if (n == -EAGAIN) eagain++;
            else if (n <= 0) {
                fprintf(stderr, "  sendfile to socket returned %lld\n", (long long)n);
                ok = 0;
                break;
            }
        }
        ssize_t r = recv(peer, got + received, size - received, MSG_DONTWAIT);
        if (r > 0) received += (size_t)r;
        else if (r < 0 && errno != EAGAIN && errno != EINTR) {
            ok = 0;
            break;
        }
    }
    if (received != size) fprintf(stderr, "  received %zu of %zu (EAGAIN %d times)\n", received, size, eagain);
    ok = ok && received == size && zcn_xf_first_diff(got, expected, size) < 0;
    free(got);
    return ok;
}

static void test_file_to_unix_socket(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int s[2];
    REQUIRE(src >= 0 && expected != NULL && zcn_xf_unix_pair(s) == 0);
    REQUIRE(zcn_xf_nonblock(s[1]) == 0);
    CHECK(pump_to_socket(s[1], s[0], src, expected, SRC_SIZE));
    CHECK_EQ(zcn_xf_pos(src), 0);
    zcn_xf_close_all(s, 2);
    close(src);
    free(expected);
}

static void test_file_to_tcp_socket(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int s[2];
    REQUIRE(src >= 0 && expected != NULL && zcn_xf_tcp_pair(s) == 0);
    REQUIRE(zcn_xf_nonblock(s[1]) == 0);
    CHECK(pump_to_socket(s[1], s[0], src, expected, SRC_SIZE));
    zcn_xf_close_all(s, 2);
    close(src);
    free(expected);
}

static void test_eagain_on_full_nonblocking_socket(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int s[2];
    REQUIRE(src >= 0 && expected != NULL && zcn_xf_unix_pair(s) == 0);
    REQUIRE(zcn_xf_nonblock(s[1]) == 0);
    REQUIRE(zcn_xf_fill_until_stable(s[1]) > 0);

    int64_t offset = 0;
    CHECK_ERR(zcn_sendfile(s[1], src, &offset, 100), EAGAIN);
    CHECK_EQ(offset, 0);
    CHECK_ERR(zcn_sendfile(s[1], src, NULL, 100), ZCN_EWOULDBLOCK);
    CHECK_EQ(zcn_xf_pos(src), 0);

    zcn_xf_close_all(s, 2);
    close(src);
    free(expected);
}

static void test_eagain_on_full_nonblocking_tcp_socket(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int s[2];
    REQUIRE(src >= 0 && expected != NULL && zcn_xf_tcp_pair(s) == 0);
    REQUIRE(zcn_xf_nonblock(s[1]) == 0);
    REQUIRE(zcn_xf_fill_until_stable(s[1]) > 0);
    int64_t offset = 0;
    CHECK_ERR(zcn_sendfile(s[1], src, &offset, 100), EAGAIN);
    CHECK_EQ(offset, 0);
    zcn_xf_close_all(s, 2);
    close(src);
    free(expected);
}

static void test_eagain_on_full_nonblocking_pipe(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int p[2];
    REQUIRE(src >= 0 && expected != NULL && zcn_pipe(p, ZCN_PIPE_NONBLOCK) == 0);
    REQUIRE(zcn_xf_fill_until_eagain(p[1]) > 0);
    int64_t offset = 0;
    CHECK_ERR(zcn_sendfile(p[1], src, &offset, 100), EAGAIN);
    CHECK_EQ(offset, 0);
    zcn_xf_close_all(p, 2);
    close(src);
    free(expected);
}

static void test_ebadf(void) {
    uint8_t *expected;
    char path[ZCN_XF_PATH_MAX];
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, path, sizeof path);
    REQUIRE(src >= 0 && dst >= 0 && expected != NULL);
    int write_only = open(path, O_WRONLY | O_CLOEXEC);
    int read_only = open(path, O_RDONLY | O_CLOEXEC);
    REQUIRE(write_only >= 0 && read_only >= 0);
    int closed = zcn_fx_closed_fd(); /* last, so that no later open reuses the number */

    CHECK_ERR(zcn_sendfile(dst, closed, NULL, 10), EBADF);  /* source not open */
    CHECK_ERR(zcn_sendfile(closed, src, NULL, 10), EBADF);  /* destination not open */
    CHECK_ERR(zcn_sendfile(dst, -1, NULL, 10), EBADF);
    CHECK_ERR(zcn_sendfile(dst, write_only, NULL, 10), EBADF); /* source not readable */
    CHECK_ERR(zcn_sendfile(read_only, src, NULL, 10), EBADF);  /* destination not writable */
    CHECK_ERR(zcn_sendfile(src, src, NULL, 10), EBADF);        /* read-only source as destination */
    CHECK_EQ(zcn_xf_pos(src), 0);
    CHECK_EQ(zcn_xf_size(dst), 0);

    close(write_only);
    close(read_only);
    close(src);
    close(dst);
    free(expected);
}

static void test_einval(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    int append = zcn_xf_make_empty(dir, "append", O_WRONLY | O_APPEND, NULL, 0);
    int p[2], s[2];
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(src >= 0 && dst >= 0 && append >= 0 && dirfd >= 0 && expected != NULL);
    REQUIRE(zcn_pipe(p, ZCN_PIPE_NONE) == 0 && zcn_xf_unix_pair(s) == 0);

    /* The man page: out_fd has O_APPEND set. The kernel still refuses it. */
    CHECK_ERR(zcn_sendfile(append, src, NULL, 10), EINVAL);
    CHECK_EQ(zcn_xf_size(append), 0);
    CHECK_EQ(zcn_xf_pos(src), 0);

    /* Sources without a usable read path: a pipe (holding data), a socket, a directory. */
    REQUIRE(write(p[1], "data", 4) == 4);
    CHECK_ERR(zcn_sendfile(dst, p[0], NULL, 4), EINVAL);
    CHECK_EQ(zcn_bytes_available(p[0]), 4);
    REQUIRE(write(s[1], "data", 4) == 4);
    CHECK_ERR(zcn_sendfile(dst, s[0], NULL, 4), EINVAL);
    CHECK_ERR(zcn_sendfile(dst, dirfd, NULL, 4), EINVAL);

    /* A negative offset. */
    int64_t offset = -1;
    CHECK_ERR(zcn_sendfile(dst, src, &offset, 10), EINVAL);
    CHECK_EQ(offset, -1);
    /* offset + count wraps past INT64_MAX: the kernel answers EINVAL (its rw_verify_area), not EOVERFLOW. */
    offset = INT64_MAX - 10;
    CHECK_ERR(zcn_sendfile(dst, src, &offset, 100), EINVAL);
    /* A count that does not fit the int64_t result is refused by the library before the kernel. */
    CHECK_ERR(zcn_sendfile(dst, src, NULL, UINT64_MAX), EINVAL);
    CHECK_ERR(zcn_sendfile(dst, src, NULL, (uint64_t)INT64_MAX + 1), EINVAL);
    CHECK_EQ(zcn_xf_pos(src), 0);
    CHECK_EQ(zcn_xf_size(dst), 0);

    zcn_xf_close_all(p, 2);
    zcn_xf_close_all(s, 2);
    close(dirfd);
    close(append);
    close(src);
    close(dst);
    free(expected);
}

static void test_espipe_offset_on_pipe_source(void) {
    int p[2];
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    REQUIRE(dst >= 0 && zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    REQUIRE(write(p[1], "data", 4) == 4);
    int64_t offset = 0;
    CHECK_ERR(zcn_sendfile(dst, p[0], &offset, 4), ESPIPE);
    CHECK_EQ(offset, 0);
    CHECK_EQ(zcn_bytes_available(p[0]), 4);
    zcn_xf_close_all(p, 2);
    close(dst);
}

static void test_eoverflow_offset_beyond_maximum_file_size(void) {
    if (!zcn_xf_offset_beyond_max(dir, INT64_C(1) << 62)) SKIP_TEST("this filesystem allows files of 4 EiB");
    uint8_t *expected;
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    REQUIRE(src >= 0 && dst >= 0 && expected != NULL);
    /* An offset at or past the filesystem's maximum file size (ext4: 16 TiB): EOVERFLOW. */
    int64_t offset = INT64_C(1) << 62;
    CHECK_ERR(zcn_sendfile(dst, src, &offset, 100), EOVERFLOW);
    CHECK_EQ(offset, INT64_C(1) << 62);
    close(src);
    close(dst);
    free(expected);
}

static void test_epipe_reader_closed(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int p[2], s[2];
    REQUIRE(src >= 0 && expected != NULL && zcn_pipe(p, ZCN_PIPE_NONE) == 0 && zcn_xf_unix_pair(s) == 0);
    zcn_xf_close(&p[0]);
    zcn_xf_close(&s[0]);
    int64_t offset = 0;
    CHECK_ERR(zcn_sendfile(p[1], src, &offset, 100), EPIPE);
    CHECK_EQ(offset, 0);
    CHECK_ERR(zcn_sendfile(s[1], src, &offset, 100), EPIPE);
    CHECK_EQ(offset, 0);
    zcn_xf_close_all(p, 2);
    zcn_xf_close_all(s, 2);
    close(src);
    free(expected);
}

/* RLIMIT_FSIZE = 8192 in a child: the first call stops at the limit, the next fails with EFBIG. */
static void efbig_child(void *arg) {
    (void)arg;
    uint8_t *expected;
    int src = open_source(&expected); /* written before the limit applies */
    int dst = zcn_xf_make_empty(dir, "dst-efbig", O_RDWR, NULL, 0);
    REQUIRE(src >= 0 && dst >= 0 && expected != NULL);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = {8192, 8192};
    REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
    int64_t offset = 0;
    CHECK_EQ(zcn_sendfile(dst, src, &offset, 20000), 8192);
    CHECK_EQ(offset, 8192);
    CHECK_ERR(zcn_sendfile(dst, src, &offset, 20000), EFBIG);
    CHECK_EQ(offset, 8192);
    CHECK(zcn_xf_file_equals(dst, expected, 8192));
    close(src);
    close(dst);
    free(expected);
}

static void test_efbig_past_file_size_limit(void) {
    CHECK_EQ(zcn_fx_run_child(efbig_child, NULL), 0);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    if (zcn_xf_tmpdir(dir, sizeof dir, "/var/tmp") != 0) return EXIT_FAILURE;
    RUN(test_file_to_file_uses_and_moves_the_position);
    RUN(test_offset_is_updated_and_position_left_alone);
    RUN(test_count_beyond_end_returns_file_size_then_zero);
    RUN(test_file_to_pipe);
    RUN(test_file_to_unix_socket);
    RUN(test_file_to_tcp_socket);
    RUN(test_eagain_on_full_nonblocking_socket);
    RUN(test_eagain_on_full_nonblocking_tcp_socket);
    RUN(test_eagain_on_full_nonblocking_pipe);
    RUN(test_ebadf);
    RUN(test_einval);
    RUN(test_espipe_offset_on_pipe_source);
    RUN(test_eoverflow_offset_beyond_maximum_file_size);
    RUN(test_epipe_reader_closed);
    RUN(test_efbig_past_file_size_limit);
    zcn_xf_rmtree(dir);
    return zcn_test_summary();
}
