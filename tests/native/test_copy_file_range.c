/*
 * test_copy_file_range.c - zcn_copy_file_range: offsets given or not, partial transfers, the same file,
 * cross-filesystem refusal and every errno user space can provoke.
 *
 * Files live on a disk filesystem (/var/tmp, ext4 here); the cross-filesystem cases pair it with a tmpfs
 * (/dev/shm) and with /proc.
 */
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "zcn_test.h"
#include "zcn_xfer_fixtures.h"

static char dir[ZCN_XF_PATH_MAX];

#define SRC_SIZE 300000u

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

static int open_source(uint8_t **expected) {
    *expected = zcn_xf_pattern(SRC_SIZE, 31);
    return zcn_xf_make_file(dir, "src", SRC_SIZE, 31, O_RDONLY, NULL, 0);
}

/* Copies len bytes in a bounded loop; returns the total. */
static int64_t copy_all(int in, int64_t *off_in, int out, int64_t *off_out, uint64_t len) {
    int64_t total = 0;
    for (int i = 0; i < 1000 && (uint64_t)total < len; i++) {
        int64_t n = zcn_copy_file_range(in, off_in, out, off_out, len - (uint64_t)total, 0);
        if (n <= 0) {
            CHECK_EQ(n, 0);
            break;
        }
        total += n;
    }
    return total;
}

static void test_null_offsets_use_and_move_positions(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    REQUIRE(src >= 0 && dst >= 0 && expected != NULL);
    CHECK_EQ(copy_all(src, NULL, dst, NULL, SRC_SIZE), SRC_SIZE);
    CHECK_EQ(zcn_xf_pos(src), SRC_SIZE);
    CHECK_EQ(zcn_xf_pos(dst), SRC_SIZE);
    CHECK(zcn_xf_file_equals(dst, expected, SRC_SIZE));
    /* At the end of the source: 0, positions unchanged. */
    CHECK_EQ(zcn_copy_file_range(src, NULL, dst, NULL, 4096, 0), 0);
    CHECK_EQ(zcn_xf_pos(src), SRC_SIZE);
    CHECK_EQ(zcn_xf_pos(dst), SRC_SIZE);
    close(src);
    close(dst);
    free(expected);
}

static void test_offsets_are_updated_and_positions_left_alone(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    REQUIRE(src >= 0 && dst >= 0 && expected != NULL);
    REQUIRE(lseek(src, 11, SEEK_SET) == 11 && lseek(dst, 22, SEEK_SET) == 22);

    int64_t off_in = 5000, off_out = 100;
    CHECK_EQ(copy_all(src, &off_in, dst, &off_out, 20000), 20000);
    CHECK_EQ(off_in, 25000);
    CHECK_EQ(off_out, 20100);
    CHECK_EQ(zcn_xf_pos(src), 11);
    CHECK_EQ(zcn_xf_pos(dst), 22);
    CHECK_EQ(zcn_xf_size(dst), 20100);
    CHECK(zcn_xf_file_has(dst, 100, expected + 5000, 20000));

    /* Mixed: an offset for the source only; the destination's position moves. */
    off_in = 0;
    CHECK_EQ(copy_all(src, &off_in, dst, NULL, 1000), 1000);
    CHECK_EQ(off_in, 1000);
    CHECK_EQ(zcn_xf_pos(src), 11);
    CHECK_EQ(zcn_xf_pos(dst), 1022);
    CHECK(zcn_xf_file_has(dst, 22, expected, 1000));

    /* And the other way round. */
    off_out = 40000;
    CHECK_EQ(copy_all(src, NULL, dst, &off_out, 500), 500);
    CHECK_EQ(off_out, 40500);
    CHECK_EQ(zcn_xf_pos(src), 511);
    CHECK_EQ(zcn_xf_pos(dst), 1022);
    CHECK(zcn_xf_file_has(dst, 40000, expected + 11, 500));

    close(src);
    close(dst);
    free(expected);
}

static void test_len_beyond_end_returns_file_size_then_zero(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    REQUIRE(src >= 0 && dst >= 0 && expected != NULL);
    int64_t off_in = 0, off_out = 0;
    /* A single call may stop early; the sum over calls is the file size, then 0 comes back. */
    int64_t total = copy_all(src, &off_in, dst, &off_out, SRC_SIZE * 4);
    CHECK_EQ(total, SRC_SIZE);
    CHECK_EQ(off_in, SRC_SIZE);
    CHECK_EQ(zcn_copy_file_range(src, &off_in, dst, &off_out, 100, 0), 0);
    CHECK(zcn_xf_file_equals(dst, expected, SRC_SIZE));
    /* An offset past the end: 0. So is a source offset whose end would overflow (the count shrinks to EOF). */
    off_in = SRC_SIZE + 1000;
    CHECK_EQ(zcn_copy_file_range(src, &off_in, dst, &off_out, 100, 0), 0);
    off_in = INT64_MAX - 10;
    CHECK_EQ(zcn_copy_file_range(src, &off_in, dst, &off_out, 100, 0), 0);
    /* len 0 copies nothing. */
    off_in = 0;
    CHECK_EQ(zcn_copy_file_range(src, &off_in, dst, &off_out, 0, 0), 0);
    CHECK_EQ(off_in, 0);
    close(src);
    close(dst);
    free(expected);
}

static void test_same_file(void) {
    uint8_t *expected;
    char path[ZCN_XF_PATH_MAX];
    expected = zcn_xf_pattern(SRC_SIZE, 32);
    int fd = zcn_xf_make_file(dir, "same", SRC_SIZE, 32, O_RDWR, path, sizeof path);
    REQUIRE(fd >= 0 && expected != NULL);

    /* Disjoint ranges of one file: allowed. */
    int64_t off_in = 0, off_out = SRC_SIZE;
    CHECK_EQ(copy_all(fd, &off_in, fd, &off_out, 10000), 10000);
    CHECK_EQ(zcn_xf_size(fd), SRC_SIZE + 10000);
    CHECK(zcn_xf_file_has(fd, SRC_SIZE, expected, 10000));
    /* Overlapping ranges: EINVAL, also through a second descriptor of the same file. */
    off_in = 0;
    off_out = 100;
    CHECK_ERR(zcn_copy_file_range(fd, &off_in, fd, &off_out, 1000, 0), EINVAL);
    int other = open(path, O_RDONLY | O_CLOEXEC);
    REQUIRE(other >= 0);
    CHECK_ERR(zcn_copy_file_range(other, &off_in, fd, &off_out, 1000, 0), EINVAL);
    CHECK_EQ(off_in, 0);
    CHECK_EQ(off_out, 100);
    CHECK(zcn_xf_file_has(fd, 0, expected, SRC_SIZE));
    close(other);
    close(fd);
    free(expected);
}

static void test_ebadf(void) {
    uint8_t *expected;
    char path[ZCN_XF_PATH_MAX];
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, path, sizeof path);
    int append = zcn_xf_make_empty(dir, "append", O_RDWR | O_APPEND, NULL, 0);
    REQUIRE(src >= 0 && dst >= 0 && append >= 0 && expected != NULL);
    int write_only = open(path, O_WRONLY | O_CLOEXEC);
    int read_only = open(path, O_RDONLY | O_CLOEXEC);
    REQUIRE(write_only >= 0 && read_only >= 0);
    int closed = zcn_fx_closed_fd();

    CHECK_ERR(zcn_copy_file_range(closed, NULL, dst, NULL, 10, 0), EBADF);
    CHECK_ERR(zcn_copy_file_range(src, NULL, closed, NULL, 10, 0), EBADF);
    CHECK_ERR(zcn_copy_file_range(write_only, NULL, dst, NULL, 10, 0), EBADF); /* source not readable */
    CHECK_ERR(zcn_copy_file_range(src, NULL, read_only, NULL, 10, 0), EBADF);  /* destination not writable */
    /* O_APPEND destination: EBADF here, where sendfile and splice answer EINVAL. */
    CHECK_ERR(zcn_copy_file_range(src, NULL, append, NULL, 10, 0), EBADF);
    int64_t off_out = 0;
    CHECK_ERR(zcn_copy_file_range(src, NULL, append, &off_out, 10, 0), EBADF);
    CHECK_EQ(zcn_xf_size(append), 0);
    CHECK_EQ(zcn_xf_size(dst), 0);
    CHECK_EQ(zcn_xf_pos(src), 0);

    close(write_only);
    close(read_only);
    close(append);
    close(src);
    close(dst);
    free(expected);
}

static void test_einval_and_eisdir(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    int p[2], s[2];
    REQUIRE(src >= 0 && dst >= 0 && dirfd >= 0 && null >= 0 && expected != NULL);
    REQUIRE(zcn_pipe(p, ZCN_PIPE_NONE) == 0 && zcn_xf_unix_pair(s) == 0);

    CHECK_ERR(zcn_copy_file_range(src, NULL, dst, NULL, 10, 1), EINVAL);          /* flags must be 0 */
    CHECK_ERR(zcn_copy_file_range(src, NULL, dst, NULL, 10, 0x80000000u), EINVAL);
    REQUIRE(write(p[1], "data", 4) == 4);
    CHECK_ERR(zcn_copy_file_range(p[0], NULL, dst, NULL, 4, 0), EINVAL);          /* a pipe */
    CHECK_ERR(zcn_copy_file_range(src, NULL, p[1], NULL, 4, 0), EINVAL);
    CHECK_ERR(zcn_copy_file_range(s[0], NULL, dst, NULL, 4, 0), EINVAL);          /* a socket */
    CHECK_ERR(zcn_copy_file_range(src, NULL, null, NULL, 4, 0), EINVAL);          /* a character device */
    CHECK_ERR(zcn_copy_file_range(null, NULL, dst, NULL, 4, 0), EINVAL);
    CHECK_ERR(zcn_copy_file_range(dirfd, NULL, dst, NULL, 4, 0), EISDIR);         /* a directory */
    /* A length above INT64_MAX reaches the kernel: where offset + len wraps, it answers EOVERFLOW. */
    int64_t off_in = 10, off_out = 0;
    CHECK_ERR(zcn_copy_file_range(src, &off_in, dst, &off_out, UINT64_MAX, 0), EOVERFLOW);
    CHECK_EQ(off_in, 10);
    CHECK_EQ(zcn_xf_size(dst), 0);
    CHECK_EQ(zcn_xf_pos(src), 0);
    CHECK_EQ(zcn_bytes_available(p[0]), 4);

    zcn_xf_close_all(p, 2);
    zcn_xf_close_all(s, 2);
    close(null);
    close(dirfd);
    close(src);
    close(dst);
    free(expected);
}

static void test_efbig_and_eoverflow(void) {
    uint8_t *expected;
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    REQUIRE(src >= 0 && dst >= 0 && expected != NULL);

    int64_t off_in = 0, off_out = 0;
    if (zcn_xf_offset_beyond_max(dir, INT64_C(1) << 62)) {
        /* A destination offset past the filesystem's maximum file size (ext4: 16 TiB): EFBIG. */
        off_out = INT64_C(1) << 62;
        CHECK_ERR(zcn_copy_file_range(src, &off_in, dst, &off_out, 100, 0), EFBIG);
        CHECK_EQ(off_out, INT64_C(1) << 62);
        /* A destination range whose end passes INT64_MAX: EFBIG as well, not EOVERFLOW. */
        off_out = INT64_MAX - 10;
        CHECK_ERR(zcn_copy_file_range(src, &off_in, dst, &off_out, 100, 0), EFBIG);
    } else {
        fprintf(stderr, "  note: this filesystem allows 4 EiB files; the EFBIG offsets are not tried\n");
    }
    /* A range that wraps: the kernel adds offset and len as unsigned 64-bit numbers, and with len capped at
     * INT64_MAX by the library only a negative offset can wrap. It answers EOVERFLOW. */
    off_in = -1;
    off_out = 0;
    CHECK_ERR(zcn_copy_file_range(src, &off_in, dst, &off_out, 100, 0), EOVERFLOW);
    CHECK_EQ(off_in, -1);
    /* A negative destination offset wraps the same way: EOVERFLOW too (sendfile and splice say EINVAL). */
    off_in = 0;
    off_out = -1;
    CHECK_ERR(zcn_copy_file_range(src, &off_in, dst, &off_out, 100, 0), EOVERFLOW);
    CHECK_EQ(off_out, -1);
    CHECK_EQ(zcn_xf_size(dst), 0);

    close(src);
    close(dst);
    free(expected);
}

/* RLIMIT_FSIZE = 8192 in a child: the copy stops at the limit, then EFBIG. */
static void efbig_child(void *arg) {
    (void)arg;
    uint8_t *expected;
    int src = open_source(&expected);
    int dst = zcn_xf_make_empty(dir, "dst-efbig", O_RDWR, NULL, 0);
    REQUIRE(src >= 0 && dst >= 0 && expected != NULL);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = {8192, 8192};
    REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
    int64_t off_in = 0, off_out = 0;
    CHECK_EQ(zcn_copy_file_range(src, &off_in, dst, &off_out, 20000, 0), 8192);
    CHECK_EQ(off_in, 8192);
    CHECK_EQ(off_out, 8192);
    CHECK_ERR(zcn_copy_file_range(src, &off_in, dst, &off_out, 20000, 0), EFBIG);
    CHECK(zcn_xf_file_equals(dst, expected, 8192));
    close(src);
    close(dst);
    free(expected);
}

static void test_efbig_past_file_size_limit(void) {
    CHECK_EQ(zcn_fx_run_child(efbig_child, NULL), 0);
}

static void test_exdev_across_filesystems(void) {
    struct statfs shm;
    if (statfs("/dev/shm", &shm) != 0 || shm.f_type != TMPFS_MAGIC) SKIP_TEST("/dev/shm is not a tmpfs here");
    struct stat a, b;
    REQUIRE(stat(dir, &a) == 0 && stat("/dev/shm", &b) == 0);
    if (a.st_dev == b.st_dev) SKIP_TEST("the scratch directory is on /dev/shm's filesystem");

    char shm_dir[ZCN_XF_PATH_MAX];
    REQUIRE(zcn_xf_tmpdir(shm_dir, sizeof shm_dir, "/dev/shm") == 0);
    uint8_t *expected;
    int src = open_source(&expected);
    int on_tmpfs = zcn_xf_make_file(shm_dir, "tmpfs-file", 5000, 33, O_RDWR, NULL, 0);
    int dst = zcn_xf_make_empty(dir, "dst", O_RDWR, NULL, 0);
    int proc = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (src < 0 || on_tmpfs < 0 || dst < 0 || proc < 0 || expected == NULL) {
        zcn_xf_rmtree(shm_dir);
        REQUIRE(0);
    }

    /* Since Linux 5.19 the kernel copies across filesystems only when both are of one type that implements
     * the copy itself; ext4 <-> tmpfs and procfs -> ext4 are refused with EXDEV (callers fall back). */
    int64_t off_in = 0, off_out = 0;
    CHECK_ERR(zcn_copy_file_range(src, &off_in, on_tmpfs, &off_out, 1000, 0), EXDEV);
    CHECK_ERR(zcn_copy_file_range(on_tmpfs, &off_in, dst, &off_out, 1000, 0), EXDEV);
    CHECK_ERR(zcn_copy_file_range(proc, NULL, dst, NULL, 1000, 0), EXDEV);
    CHECK_EQ(off_in, 0);
    CHECK_EQ(off_out, 0);
    CHECK_EQ(zcn_xf_size(dst), 0);
    CHECK_EQ(zcn_xf_size(on_tmpfs), 5000);

    /* Within the tmpfs it works (the kernel's generic in-filesystem copy). */
    int dst2 = zcn_xf_make_empty(shm_dir, "tmpfs-copy", O_RDWR, NULL, 0);
    uint8_t *tmpfs_expected = zcn_xf_pattern(5000, 33);
    CHECK(dst2 >= 0 && tmpfs_expected != NULL);
    if (dst2 >= 0 && tmpfs_expected != NULL) {
        off_in = 0;
        CHECK_EQ(copy_all(on_tmpfs, &off_in, dst2, NULL, 5000), 5000);
        CHECK(zcn_xf_file_equals(dst2, tmpfs_expected, 5000));
        close(dst2);
    }

    free(tmpfs_expected);
    close(proc);
    close(on_tmpfs);
    close(src);
    close(dst);
    free(expected);
    zcn_xf_rmtree(shm_dir);
}

int main(void) {
    if (zcn_xf_tmpdir(dir, sizeof dir, "/var/tmp") != 0) return EXIT_FAILURE;
    RUN(test_null_offsets_use_and_move_positions);
    RUN(test_offsets_are_updated_and_positions_left_alone);
    RUN(test_len_beyond_end_returns_file_size_then_zero);
    RUN(test_same_file);
    RUN(test_ebadf);
    RUN(test_einval_and_eisdir);
    RUN(test_efbig_and_eoverflow);
    RUN(test_efbig_past_file_size_limit);
    RUN(test_exdev_across_filesystems);
    zcn_xf_rmtree(dir);
    return zcn_test_summary();
}
