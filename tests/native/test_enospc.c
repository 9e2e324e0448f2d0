/*
 * test_enospc.c - running out of space: sendfile, splice and copy_file_range into a 1 MiB tmpfs until ENOSPC.
 *
 * Each case runs in a forked child that enters a private mount namespace (unshare(CLONE_NEWNS)) and mounts a
 * fresh tmpfs there, so the mount disappears with the child whatever happens. The bytes reported before the
 * error must be exactly the bytes that reached the file, and the file must equal the source's prefix of that
 * length. Where mounting is refused (no CAP_SYS_ADMIN), the case is skipped with the reason printed.
 */
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>

#include "zcn_test.h"
#include "zcn_xfer_fixtures.h"

static char dir[ZCN_XF_PATH_MAX];
static char mnt[ZCN_XF_PATH_MAX];

#define FS_SIZE (1u << 20)
#define SRC_SIZE (2u << 20) /* twice the filesystem */

/* The source on the disk filesystem, opened read-only; its content in *expected. */
static int open_disk_source(uint8_t **expected) {
    *expected = zcn_xf_pattern(SRC_SIZE, 61);
    return zcn_xf_make_file(dir, "src", SRC_SIZE, 61, O_RDONLY, NULL, 0);
}

/* In the child: a private mount namespace with a 1 MiB tmpfs on mnt. Exits with ZCN_FX_CHILD_SKIP when the
 * kernel refuses. */
static void mount_small_tmpfs(void) {
    if (unshare(CLONE_NEWNS) != 0) {
        fprintf(stderr, "  SKIP: unshare(CLONE_NEWNS): %s\n", strerror(errno));
        _exit(ZCN_FX_CHILD_SKIP);
    }
    /* Keep the new mount out of the parent's namespace even where / is a shared mount. */
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0) { /* names unused; valgrind checks them */
        fprintf(stderr, "  SKIP: making / private: %s\n", strerror(errno));
        _exit(ZCN_FX_CHILD_SKIP);
    }
    if (mount("zcn-enospc", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700") != 0) {
        fprintf(stderr, "  SKIP: mount tmpfs on %s: %s\n", mnt, strerror(errno));
        _exit(ZCN_FX_CHILD_SKIP);
    }
}

/* The checks shared by every case: the error is ENOSPC, some bytes got in (never more than the
 * filesystem holds), and the destination is exactly the source's prefix of that length. */
static void check_result(const char *what, int64_t written, int64_t error, int dst, const uint8_t *expected) {
    fprintf(stderr, "  %s: %lld bytes written before %s\n", what, (long long)written, zcn_test_name(error));
    CHECK_ERR(error, ENOSPC);
    CHECK(written > 0);
    CHECK(written <= (int64_t)FS_SIZE);
    CHECK_EQ(zcn_xf_size(dst), written);
    if (written > 0) CHECK(zcn_xf_file_has(dst, 0, expected, (size_t)written));
}

static void sendfile_child(void *arg) {
    (void)arg;
    uint8_t *expected;
    int src = open_disk_source(&expected);
    REQUIRE(src >= 0 && expected != NULL);
    mount_small_tmpfs();
    int dst = zcn_xf_make_empty(mnt, "out", O_RDWR, NULL, 0);
    REQUIRE(dst >= 0);

    int64_t offset = 0, written = 0, error = 0;
    for (int i = 0; i < 100; i++) {
        int64_t n = zcn_sendfile(dst, src, &offset, 256 * 1024);
        if (n < 0) {
            error = n;
            break;
        }
        CHECK(n > 0); /* the source is never exhausted before the filesystem is */
        if (n == 0) break;
        written += n;
    }
    check_result("sendfile", written, error, dst, expected);
    CHECK_EQ(offset, written); /* the source offset counts only what reached the file */
    CHECK_EQ(zcn_xf_pos(src), 0);
    close(dst);
    close(src);
    free(expected);
}

static void splice_child(void *arg) {
    (void)arg;
    uint8_t *expected;
    int src = open_disk_source(&expected);
    int p[2];
    REQUIRE(src >= 0 && expected != NULL && zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    mount_small_tmpfs();
    int dst = zcn_xf_make_empty(mnt, "out", O_RDWR, NULL, 0);
    REQUIRE(dst >= 0);

    int64_t in_off = 0, written = 0, error = 0;
    for (int i = 0; i < 1000 && error == 0; i++) {
        if (zcn_bytes_available(p[0]) == 0) {
            int64_t in = zcn_splice(src, &in_off, p[1], NULL, 65536, 0);
            CHECK(in > 0);
            if (in <= 0) break;
        }
        int64_t out = zcn_splice(p[0], NULL, dst, NULL, 65536, 0);
        if (out < 0) error = out;
        else written += out;
    }
    check_result("splice", written, error, dst, expected);
    CHECK_EQ(zcn_xf_pos(dst), written);
    /* What did not fit is still in the pipe: read from the source, not written. */
    CHECK_EQ(zcn_bytes_available(p[0]), in_off - written);
    zcn_xf_close_all(p, 2);
    close(dst);
    close(src);
    free(expected);
}

static void copy_file_range_child(void *arg) {
    (void)arg;
    /* copy_file_range does not cross filesystems, so the source lives in the same tmpfs: 640 KiB of it,
     * which leaves about 384 KiB for the copy. */
    const size_t src_size = 640 * 1024;
    uint8_t *expected = zcn_xf_pattern(src_size, 62);
    REQUIRE(expected != NULL);
    mount_small_tmpfs();
    int src = zcn_xf_make_file(mnt, "src", src_size, 62, O_RDONLY, NULL, 0);
    int dst = zcn_xf_make_empty(mnt, "out", O_RDWR, NULL, 0);
    REQUIRE(src >= 0 && dst >= 0);

    int64_t off_in = 0, off_out = 0, written = 0, error = 0;
    for (int i = 0; i < 100; i++) {
        int64_t n = zcn_copy_file_range(src, &off_in, dst, &off_out, 128 * 1024, 0);
        if (n < 0) {
            error = n;
            break;
        }
        CHECK(n > 0);
        if (n == 0) break;
        written += n;
    }
    check_result("copy_file_range", written, error, dst, expected);
    CHECK(written < (int64_t)src_size);
    CHECK_EQ(off_in, written);
    CHECK_EQ(off_out, written);
    close(dst);
    close(src);
    free(expected);
}

static int run_case(void (*fn)(void *)) {
    int status = zcn_fx_run_child(fn, NULL);
    if (status != ZCN_FX_CHILD_SKIP) CHECK_EQ(status, 0);
    return status;
}

static void test_sendfile_until_enospc(void) {
    if (run_case(sendfile_child) == ZCN_FX_CHILD_SKIP) SKIP_TEST("cannot mount a tmpfs here (see above)");
}

static void test_splice_until_enospc(void) {
    if (run_case(splice_child) == ZCN_FX_CHILD_SKIP) SKIP_TEST("cannot mount a tmpfs here (see above)");
}

static void test_copy_file_range_until_enospc(void) {
    if (run_case(copy_file_range_child) == ZCN_FX_CHILD_SKIP) SKIP_TEST("cannot mount a tmpfs here (see above)");
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    if (zcn_xf_tmpdir(dir, sizeof dir, "/var/tmp") != 0) return EXIT_FAILURE;
    zcn_xf_path(mnt, sizeof mnt, dir, "mnt");
    if (mkdir(mnt, 0700) != 0) {
        fprintf(stderr, "mkdir %s: %s\n", mnt, strerror(errno));
        zcn_xf_rmtree(dir);
        return EXIT_FAILURE;
    }
    RUN(test_sendfile_until_enospc);
    RUN(test_splice_until_enospc);
    RUN(test_copy_file_range_until_enospc);
    zcn_xf_rmtree(dir);
    return zcn_test_summary();
}
