/*
 * test_file.c - zcn_open, zcn_close, zcn_read, zcn_write, zcn_pread, zcn_pwrite, zcn_lseek,
 * zcn_ftruncate, zcn_fsync, zcn_fadvise, zcn_fd_query and zcn_set_nonblocking: success paths with
 * the data verified byte for byte, and every error user space can provoke.
 */
#include <fcntl.h>
#include <linux/magic.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "zcn_fixtures.h"
#include "zcn_test.h"

static uint64_t ps;
static int fd_baseline;
static int on_ext4; /* the scratch directory is on ext4, whose limits some cases assert */

/* Runs one call with valgrind's error reporting off: the EFAULT cases hand the kernel memory the
 * process cannot access on purpose, which valgrind would report as a bug of the program. */
#define QUIET(result, call)                                                                                            \
    do {                                                                                                               \
        VALGRIND_DISABLE_ERROR_REPORTING;                                                                              \
        (result) = (call);                                                                                             \
        VALGRIND_ENABLE_ERROR_REPORTING;                                                                               \
    } while (0)

/* A file of len pattern bytes, opened with zcn_open. */
static int32_t file_with(const char *name, uint64_t len, uint32_t seed, int32_t flags) {
    char path[4200];
    REQUIRE(zcn_fx_make_file(zcn_fx_path(path, sizeof path, name), len, seed) == 0);
    int32_t fd = zcn_open(path, flags, 0);
    CHECK(fd >= 0);
    REQUIRE(fd >= 0);
    return fd;
}

/* A page the kernel cannot read from or write to, for EFAULT (mprotect, so that valgrind keeps the
 * page addressable and only the kernel refuses it). */
static void *no_access_page(void) {
    void *v = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(v != MAP_FAILED);
    REQUIRE(mprotect(v, ps, PROT_NONE) == 0);
    return v;
}

/* A page the kernel can read from but not write to. */
static void *read_only_page(void) {
    void *v = mmap(NULL, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(v != MAP_FAILED);
    return v;
}

/* ---- zcn_open ------------------------------------------------------------------------------------------- */

static void test_open_create_write_read(void) {
    char path[4200];
    zcn_fx_path(path, sizeof path, "created");
    int32_t fd = zcn_open(path, ZCN_O_RDWR | ZCN_O_CREAT | ZCN_O_EXCL, 0640);
    REQUIRE(fd >= 0);
    struct stat st;
    REQUIRE(fstat(fd, &st) == 0);
    CHECK_EQ(st.st_mode & 07777, 0640);
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_size, 0);
    CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0); /* O_CLOEXEC is always added */

    uint8_t data[10000], back[12000];
    zcn_fx_fill(data, sizeof data, 0, 1);
    CHECK_EQ(zcn_write(fd, data, sizeof data), (int64_t)sizeof data);
    CHECK_EQ(zcn_lseek(fd, 0, ZCN_SEEK_CUR), (int64_t)sizeof data);
    CHECK_EQ(zcn_lseek(fd, 0, ZCN_SEEK_SET), 0);
    memset(back, 0, sizeof back);
    CHECK_EQ(zcn_read(fd, back, sizeof back), (int64_t)sizeof data); /* short: the file ends */
    CHECK_EQ(zcn_fx_mismatch(back, sizeof data, 0, 1), -1);
    CHECK_EQ(zcn_read(fd, back, sizeof back), 0); /* end of file */
    CHECK_EQ(zcn_read(fd, back, 0), 0);
    CHECK_EQ(zcn_close(fd), 0);

    /* Reopen read-only and read it again through a fresh descriptor. */
    fd = zcn_open(path, ZCN_O_RDONLY, 0);
    REQUIRE(fd >= 0);
    memset(back, 0, sizeof back);
    CHECK_EQ(zcn_read(fd, back, 4000), 4000);
    CHECK_EQ(zcn_read(fd, back + 4000, 8000), 6000);
    CHECK_EQ(zcn_fx_mismatch(back, sizeof data, 0, 1), -1);
    CHECK_EQ(zcn_close(fd), 0);
}

static void test_open_trunc_and_append(void) {
    int32_t fd = file_with("trunc-append", 5000, 2, ZCN_O_RDWR | ZCN_O_TRUNC);
    CHECK_EQ(zcn_lseek(fd, 0, ZCN_SEEK_END), 0); /* truncated */
    CHECK_EQ(zcn_close(fd), 0);

    fd = file_with("append", 100, 3, ZCN_O_WRONLY | ZCN_O_APPEND);
    uint8_t more[50];
    zcn_fx_fill(more, sizeof more, 100, 3);
    CHECK_EQ(zcn_lseek(fd, 0, ZCN_SEEK_SET), 0);
    CHECK_EQ(zcn_write(fd, more, sizeof more), 50); /* lands at the end despite the seek */
    CHECK_EQ(zcn_lseek(fd, 0, ZCN_SEEK_CUR), 150);
    /* pwrite(2) BUGS: on Linux an O_APPEND descriptor appends whatever offset pwrite is given. */
    zcn_fx_fill(more, sizeof more, 150, 3);
    CHECK_EQ(zcn_pwrite(fd, more, sizeof more, 0), 50);
    CHECK_EQ(zcn_close(fd), 0);
    char path[4200];
    int rfd = open(zcn_fx_path(path, sizeof path, "append"), O_RDONLY | O_CLOEXEC);
    REQUIRE(rfd >= 0);
    uint8_t all[300];
    CHECK_EQ(read(rfd, all, sizeof all), 200);
    CHECK_EQ(zcn_fx_mismatch(all, 200, 0, 3), -1);
    close(rfd);
}

static void test_open_tmpfile_and_path(void) {
    int32_t fd = zcn_open(zcn_fx_tmpdir(), ZCN_O_TMPFILE | ZCN_O_RDWR, 0600);
    CHECK(fd >= 0);
    if (fd >= 0) {
        uint8_t data[3000], back[3000];
        zcn_fx_fill(data, sizeof data, 0, 4);
        CHECK_EQ(zcn_pwrite(fd, data, sizeof data, 0), 3000);
        CHECK_EQ(zcn_pread(fd, back, sizeof back, 0), 3000);
        CHECK_EQ(zcn_fx_mismatch(back, sizeof back, 0, 4), -1);
        zcn_fd_info info;
        CHECK_EQ(zcn_fd_query(fd, &info), 0);
        CHECK_EQ(info.kind, ZCN_FD_REGULAR);
        CHECK_EQ(info.size, 3000);
        CHECK_EQ(zcn_close(fd), 0);
    }
    /* O_TMPFILE needs write access. */
    CHECK_ERR(zcn_open(zcn_fx_tmpdir(), ZCN_O_TMPFILE | ZCN_O_RDONLY, 0600), ZCN_EINVAL);

    /* O_PATH gives a descriptor for path operations only. */
    char path[4200];
    REQUIRE(zcn_fx_make_file(zcn_fx_path(path, sizeof path, "opath"), 10, 5) == 0);
    fd = zcn_open(path, ZCN_O_PATH, 0);
    REQUIRE(fd >= 0);
    uint8_t b[10];
    CHECK_ERR(zcn_read(fd, b, sizeof b), ZCN_EBADF);
    zcn_fd_info info;
    CHECK_EQ(zcn_fd_query(fd, &info), 0);
    CHECK_EQ(info.kind, ZCN_FD_REGULAR);
    CHECK((info.status_flags & ZCN_O_PATH) != 0);
    CHECK_EQ(zcn_close(fd), 0);
}

static void test_open_errors(void) {
    char path[4200], sub[4300];
    zcn_fx_path(path, sizeof path, "errors-file");
    REQUIRE(zcn_fx_make_file(path, 10, 6) == 0);

    /* The kernel's EFAULT; valgrind would report the NULL passed on purpose. */
    VALGRIND_DISABLE_ERROR_REPORTING;
    CHECK_ERR(zcn_open(NULL, ZCN_O_RDONLY, 0), ZCN_EFAULT);
    VALGRIND_ENABLE_ERROR_REPORTING;
    CHECK_ERR(zcn_open(zcn_fx_path(sub, sizeof sub, "missing"), ZCN_O_RDONLY, 0), ZCN_ENOENT);
    CHECK_ERR(zcn_open(zcn_fx_path(sub, sizeof sub, "no-dir/new"), ZCN_O_RDWR | ZCN_O_CREAT, 0600), ZCN_ENOENT);
    CHECK_ERR(zcn_open("", ZCN_O_RDONLY, 0), ZCN_ENOENT);
    CHECK_ERR(zcn_open(path, ZCN_O_RDWR | ZCN_O_CREAT | ZCN_O_EXCL, 0600), ZCN_EEXIST);
    CHECK_ERR(zcn_open(zcn_fx_tmpdir(), ZCN_O_WRONLY, 0), ZCN_EISDIR);
    CHECK_ERR(zcn_open(zcn_fx_tmpdir(), ZCN_O_RDWR, 0), ZCN_EISDIR);
    snprintf(sub, sizeof sub, "%s/child", path);
    CHECK_ERR(zcn_open(sub, ZCN_O_RDONLY, 0), ZCN_ENOTDIR);
    CHECK_ERR(zcn_open(path, ZCN_O_RDONLY | ZCN_O_DIRECTORY, 0), ZCN_ENOTDIR);
    /* bits outside zcn_open_flags */
    CHECK_ERR(zcn_open(path, ZCN_O_RDONLY | 040, 0), ZCN_EINVAL);
    CHECK_ERR(zcn_open(path, ZCN_O_RDONLY | (1 << 30), 0), ZCN_EINVAL);
    CHECK_ERR(zcn_open(path, -1, 0), ZCN_EINVAL);
    /* a name component longer than NAME_MAX */
    char longname[400];
    memset(longname, 'n', 300);
    longname[300] = '\0';
    CHECK_ERR(zcn_open(zcn_fx_path(sub, sizeof sub, longname), ZCN_O_RDONLY, 0), ZCN_ENAMETOOLONG);
}

static void test_open_eloop(void) {
    char target[4200], link[4200], a[4200], b[4200];
    REQUIRE(zcn_fx_make_file(zcn_fx_path(target, sizeof target, "loop-target"), 10, 7) == 0);
    REQUIRE(symlink(target, zcn_fx_path(link, sizeof link, "loop-link")) == 0);
    CHECK_ERR(zcn_open(link, ZCN_O_RDONLY | ZCN_O_NOFOLLOW, 0), ZCN_ELOOP);
    int32_t fd = zcn_open(link, ZCN_O_RDONLY, 0); /* followed without O_NOFOLLOW */
    CHECK(fd >= 0);
    if (fd >= 0) {
        uint8_t back[10];
        CHECK_EQ(zcn_read(fd, back, 10), 10);
        CHECK_EQ(zcn_fx_mismatch(back, 10, 0, 7), -1);
        zcn_close(fd);
    }
    /* The link itself, through O_PATH | O_NOFOLLOW. */
    fd = zcn_open(link, ZCN_O_PATH | ZCN_O_NOFOLLOW, 0);
    CHECK(fd >= 0);
    if (fd >= 0) {
        zcn_fd_info info;
        CHECK_EQ(zcn_fd_query(fd, &info), 0);
        CHECK_EQ(info.kind, ZCN_FD_SYMLINK);
        zcn_close(fd);
    }
    /* A cycle of links. */
    zcn_fx_path(a, sizeof a, "cycle-a");
    zcn_fx_path(b, sizeof b, "cycle-b");
    REQUIRE(symlink(b, a) == 0);
    REQUIRE(symlink(a, b) == 0);
    CHECK_ERR(zcn_open(a, ZCN_O_RDONLY, 0), ZCN_ELOOP);
}

static void eacces_as_nobody(void *arg) {
    (void)arg;
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(ZCN_FX_CHILD_SKIP);
    char path[4200];
    /* root's 0600 file: neither readable nor writable for others */
    CHECK_ERR(zcn_open(zcn_fx_path(path, sizeof path, "private"), ZCN_O_RDONLY, 0), ZCN_EACCES);
    CHECK_ERR(zcn_open(path, ZCN_O_WRONLY, 0), ZCN_EACCES);
    /* root's 0644 file: readable, so the refusal above is the permission bits, not the path */
    int32_t fd = zcn_open(zcn_fx_path(path, sizeof path, "public"), ZCN_O_RDONLY, 0);
    CHECK(fd >= 0);
    if (fd >= 0) zcn_close(fd);
    CHECK_ERR(zcn_open(path, ZCN_O_RDWR, 0), ZCN_EACCES);
    /* a directory without search permission on the way */
    CHECK_ERR(zcn_open(zcn_fx_path(path, sizeof path, "closed-dir/inside"), ZCN_O_RDONLY, 0), ZCN_EACCES);
    /* creating a file in a directory one may not write */
    CHECK_ERR(zcn_open(zcn_fx_path(path, sizeof path, "new"), ZCN_O_RDWR | ZCN_O_CREAT, 0600), ZCN_EACCES);
}

static void test_open_eacces(void) {
    char path[4200];
    REQUIRE(zcn_fx_make_file(zcn_fx_path(path, sizeof path, "private"), 10, 8) == 0);
    REQUIRE(chmod(path, 0600) == 0);
    if (geteuid() != 0) {
        /* Not root: this process itself is the unprivileged user. */
        REQUIRE(chmod(path, 0) == 0);
        CHECK_ERR(zcn_open(path, ZCN_O_RDONLY, 0), ZCN_EACCES);
        return;
    }
    /* Root bypasses permission bits, so an unprivileged child tries. It needs search permission
     * on the (0700) scratch directory to reach the files, granted for the duration. */
    REQUIRE(zcn_fx_make_file(zcn_fx_path(path, sizeof path, "public"), 10, 8) == 0);
    REQUIRE(chmod(path, 0644) == 0);
    REQUIRE(mkdir(zcn_fx_path(path, sizeof path, "closed-dir"), 0700) == 0);
    REQUIRE(zcn_fx_make_file(zcn_fx_path(path, sizeof path, "closed-dir/inside"), 10, 8) == 0);
    REQUIRE(chmod(path, 0644) == 0);
    REQUIRE(chmod(zcn_fx_tmpdir(), 0711) == 0);
    int status = zcn_fx_run_child(eacces_as_nobody, NULL);
    REQUIRE(chmod(zcn_fx_tmpdir(), 0700) == 0);
    if (status == ZCN_FX_CHILD_SKIP) SKIP_TEST("cannot switch to an unprivileged user");
    CHECK_EQ(status, 0);
}

static void emfile_child(void *arg) {
    (void)arg;
    zcn_fx_exhaust_fds_or_skip();
    CHECK_ERR(zcn_open("/dev/null", ZCN_O_RDONLY, 0), ZCN_EMFILE);
}

static void test_open_emfile(void) {
    int status = zcn_fx_run_child(emfile_child, NULL);
    if (status == ZCN_FX_CHILD_SKIP) SKIP_TEST("cannot lower RLIMIT_NOFILE");
    CHECK_EQ(status, 0);
}

/* In a child with its own mount namespace, mounts a small tmpfs over dir; the mount disappears
 * with the child. The unused type arguments are "none", not NULL: valgrind checks them as strings. Exits the child with
 * ZCN_FX_CHILD_SKIP when the kernel refuses. */
static void private_tmpfs(const char *dir, unsigned long flags, const char *options) {
    if (unshare(CLONE_NEWNS) != 0) _exit(ZCN_FX_CHILD_SKIP);
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0) _exit(ZCN_FX_CHILD_SKIP);
    if (mount("zcn-test", dir, "tmpfs", flags, options) != 0) _exit(ZCN_FX_CHILD_SKIP);
}

static void small_filesystem_child(void *arg) {
    const char *dir = (const char *)arg;
    private_tmpfs(dir, MS_NOSUID | MS_NODEV, "size=64k,mode=0700");
    char path[4300];
    snprintf(path, sizeof path, "%s/big", dir);
    int32_t fd = zcn_open(path, ZCN_O_RDWR | ZCN_O_CREAT | ZCN_O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    /* 64 KiB of room: 256 KiB of writes fill it, the first write that finds no room says ENOSPC. */
    uint8_t chunk[16384];
    zcn_fx_fill(chunk, sizeof chunk, 0, 30);
    int64_t total = 0, r = 0;
    for (int i = 0; i < 16; i++) {
        r = zcn_write(fd, chunk, sizeof chunk);
        if (r < 0) break;
        total += r;
    }
    CHECK_ERR(r, ZCN_ENOSPC);
    CHECK(total > 0 && total <= 65536);
    CHECK_EQ(zcn_fsync(fd, 0), 0);
    CHECK_ERR(zcn_pwrite(fd, chunk, sizeof chunk, total), ZCN_ENOSPC);
    /* What did fit is intact. */
    uint8_t back[16384];
    CHECK_EQ(zcn_pread(fd, back, sizeof back, 0), (int64_t)sizeof back);
    CHECK_EQ(zcn_fx_mismatch(back, sizeof back, 0, 30), -1);
    zcn_close(fd);

    /* Read-only now: creating or writing a file is EROFS; reading is fine. */
    if (mount("zcn-test", dir, "tmpfs", MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
        _exit(ZCN_FX_CHILD_SKIP);
    char other[4300];
    snprintf(other, sizeof other, "%s/new", dir);
    CHECK_ERR(zcn_open(other, ZCN_O_RDWR | ZCN_O_CREAT, 0600), ZCN_EROFS);
    CHECK_ERR(zcn_open(path, ZCN_O_WRONLY, 0), ZCN_EROFS);
    CHECK_ERR(zcn_open(path, ZCN_O_RDONLY | ZCN_O_TRUNC, 0), ZCN_EROFS);
    fd = zcn_open(path, ZCN_O_RDONLY, 0);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_EQ(zcn_pread(fd, back, sizeof back, 0), (int64_t)sizeof back);
        CHECK_EQ(zcn_fx_mismatch(back, sizeof back, 0, 30), -1);
        zcn_close(fd);
    }
}

static void test_enospc_and_erofs(void) {
    char dir[4200];
    zcn_fx_path(dir, sizeof dir, "small-fs");
    REQUIRE(mkdir(dir, 0700) == 0);
    int status = zcn_fx_run_child(small_filesystem_child, dir);
    if (status == ZCN_FX_CHILD_SKIP) SKIP_TEST("cannot mount a private tmpfs (needs CAP_SYS_ADMIN)");
    CHECK_EQ(status, 0);
}

static void test_open_direct(void) {
    if (on_ext4) {
        /* ext4 (the scratch directory here) supports O_DIRECT. */
        int32_t fd = file_with("direct", 4096, 9, ZCN_O_RDWR | ZCN_O_DIRECT);
        zcn_fd_info info;
        CHECK_EQ(zcn_fd_query(fd, &info), 0);
        CHECK((info.status_flags & ZCN_O_DIRECT) != 0);
        CHECK_EQ(zcn_close(fd), 0);
    }
    /* procfs does not: open refuses O_DIRECT with EINVAL. So do character devices. */
    CHECK_ERR(zcn_open("/proc/self/status", ZCN_O_RDONLY | ZCN_O_DIRECT, 0), ZCN_EINVAL);
    CHECK_ERR(zcn_open("/dev/null", ZCN_O_RDONLY | ZCN_O_DIRECT, 0), ZCN_EINVAL);
}

/* ---- zcn_close --------------------------------------------------------------------------------------- */

static void test_close(void) {
    int p[2];
    zcn_fx_make_pipe(p);
    CHECK_EQ(zcn_close(p[0]), 0);
    CHECK_ERR(zcn_close(p[0]), ZCN_EBADF); /* twice */
    CHECK_EQ(zcn_close(p[1]), 0);
    CHECK_ERR(zcn_close(-1), ZCN_EBADF);
    CHECK_ERR(zcn_close(zcn_fx_closed_fd()), ZCN_EBADF);
}

/* ---- zcn_read / zcn_write ---------------------------------------------------------------------------- */

static void test_read_write_ebadf(void) {
    int32_t ro = file_with("rw-ebadf", 100, 10, ZCN_O_RDONLY);
    char path[4200];
    int32_t wo = zcn_open(zcn_fx_path(path, sizeof path, "rw-ebadf"), ZCN_O_WRONLY, 0);
    REQUIRE(wo >= 0);
    uint8_t b[100];
    zcn_fx_fill(b, sizeof b, 0, 10);
    CHECK_ERR(zcn_write(ro, b, sizeof b), ZCN_EBADF);
    CHECK_ERR(zcn_read(wo, b, sizeof b), ZCN_EBADF);
    CHECK_ERR(zcn_pwrite(ro, b, sizeof b, 0), ZCN_EBADF);
    CHECK_ERR(zcn_pread(wo, b, sizeof b, 0), ZCN_EBADF);
    int32_t closed = zcn_fx_closed_fd();
    CHECK_ERR(zcn_read(closed, b, sizeof b), ZCN_EBADF);
    CHECK_ERR(zcn_write(closed, b, sizeof b), ZCN_EBADF);
    CHECK_ERR(zcn_pread(closed, b, sizeof b, 0), ZCN_EBADF);
    CHECK_ERR(zcn_pwrite(closed, b, sizeof b, 0), ZCN_EBADF);
    CHECK_ERR(zcn_read(-1, b, sizeof b), ZCN_EBADF);
    int p[2];
    zcn_fx_make_pipe(p);
    CHECK_ERR(zcn_write(p[0], b, 1), ZCN_EBADF); /* the read end */
    CHECK_ERR(zcn_read(p[1], b, 1), ZCN_EBADF);  /* the write end */
    zcn_fx_close_pair(p);
    zcn_close(ro);
    zcn_close(wo);
}

static void test_read_write_eagain(void) {
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
    uint8_t b[4096];
    CHECK_ERR(zcn_read(p[0], b, sizeof b), ZCN_EAGAIN);
    CHECK_EQ(ZCN_EWOULDBLOCK, ZCN_EAGAIN);
    /* Fill the pipe until the kernel refuses; a 1 MiB bound keeps the loop finite. */
    zcn_fx_fill(b, sizeof b, 0, 11);
    int64_t total = 0, r = 0;
    for (int i = 0; i < 256; i++) {
        r = zcn_write(p[1], b, sizeof b);
        if (r < 0) break;
        total += r;
    }
    CHECK_ERR(r, ZCN_EAGAIN);
    CHECK(total >= 4096);
    /* Everything written comes out intact, then the empty pipe says EAGAIN again. */
    int64_t drained = 0;
    for (int i = 0; i < 512 && drained < total; i++) {
        int64_t n = zcn_read(p[0], b, sizeof b);
        if (n <= 0) break;
        drained += n;
    }
    CHECK_EQ(drained, total);
    CHECK_ERR(zcn_read(p[0], b, sizeof b), ZCN_EAGAIN);
    zcn_fx_close_pair(p);
}

static void test_read_write_pipe_eof_and_epipe(void) {
    int p[2];
    zcn_fx_make_pipe(p);
    uint8_t b[64];
    zcn_fx_fill(b, sizeof b, 0, 12);
    CHECK_EQ(zcn_write(p[1], b, sizeof b), 64);
    close(p[1]);
    uint8_t back[128];
    CHECK_EQ(zcn_read(p[0], back, sizeof back), 64);
    CHECK_EQ(zcn_fx_mismatch(back, 64, 0, 12), -1);
    CHECK_EQ(zcn_read(p[0], back, sizeof back), 0); /* no writers: end of file */
    close(p[0]);

    zcn_fx_make_pipe(p);
    close(p[0]);
    CHECK_ERR(zcn_write(p[1], b, sizeof b), ZCN_EPIPE); /* SIGPIPE is ignored by main */
    close(p[1]);
}

static void test_counts_beyond_int64_are_the_kernels_efault(void) {
    /* A count above INT64_MAX goes to the kernel as it is (it caps every transfer at MAX_RW_COUNT, so no result
     * can pass INT64_MAX): buf + count leaves the address space, and the kernel answers EFAULT. */
    int32_t fd = file_with("huge-count", 10, 27, ZCN_O_RDWR);
    uint8_t b[16];
    uint64_t huge = (uint64_t)INT64_MAX + 1;
    VALGRIND_DISABLE_ERROR_REPORTING; /* valgrind checks the whole claimed buffer before the kernel refuses */
    CHECK_ERR(zcn_read(fd, b, huge), ZCN_EFAULT);
    CHECK_ERR(zcn_write(fd, b, UINT64_MAX), ZCN_EFAULT);
    CHECK_ERR(zcn_pread(fd, b, huge, 0), ZCN_EFAULT);
    CHECK_ERR(zcn_pwrite(fd, b, UINT64_MAX, 0), ZCN_EFAULT);
    VALGRIND_ENABLE_ERROR_REPORTING;
    CHECK_EQ(zcn_lseek(fd, 0, ZCN_SEEK_END), 10); /* nothing was written */
    zcn_close(fd);
}

static void test_read_eisdir(void) {
    int32_t dir = zcn_open(zcn_fx_tmpdir(), ZCN_O_RDONLY | ZCN_O_DIRECTORY, 0);
    REQUIRE(dir >= 0);
    uint8_t b[16];
    CHECK_ERR(zcn_read(dir, b, sizeof b), ZCN_EISDIR);
    CHECK_ERR(zcn_pread(dir, b, sizeof b, 0), ZCN_EISDIR);
    zcn_close(dir);
}

static void test_read_write_efault(void) {
    int32_t fd = file_with("efault", 2 * ps, 13, ZCN_O_RDWR);
    void *none = no_access_page();
    void *ro = read_only_page();
    int64_t r;
    QUIET(r, zcn_read(fd, ro, 100));
    CHECK_ERR(r, ZCN_EFAULT);
    QUIET(r, zcn_pread(fd, ro, 100, 0));
    CHECK_ERR(r, ZCN_EFAULT);
    QUIET(r, zcn_write(fd, none, 100));
    CHECK_ERR(r, ZCN_EFAULT);
    QUIET(r, zcn_pwrite(fd, none, 100, 0));
    CHECK_ERR(r, ZCN_EFAULT);
    int p[2];
    zcn_fx_make_pipe(p);
    QUIET(r, zcn_write(p[1], none, 10));
    CHECK_ERR(r, ZCN_EFAULT);
    zcn_fx_close_pair(p);
    /* Nothing was changed by the failed writes. */
    uint8_t back[100];
    CHECK_EQ(zcn_pread(fd, back, 100, 0), 100);
    CHECK_EQ(zcn_fx_mismatch(back, 100, 0, 13), -1);
    munmap(none, ps);
    munmap(ro, ps);
    zcn_close(fd);
}

/* EINTR is retried inside: a blocked read interrupted by a signal still returns the data. */
static volatile sig_atomic_t interrupts;
static void on_signal(int sig) {
    (void)sig;
    interrupts++;
}

typedef struct {
    int fd;
    uint8_t buf[32];
    int64_t result;
} blocked_read;

static void *do_blocked_read(void *arg) {
    blocked_read *br = (blocked_read *)arg;
    br->result = zcn_read(br->fd, br->buf, sizeof br->buf);
    return NULL;
}

static void test_read_retries_eintr(void) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: the kernel returns EINTR to the library */
    sigemptyset(&sa.sa_mask);
    REQUIRE(sigaction(SIGUSR1, &sa, &old) == 0);
    int p[2];
    zcn_fx_make_pipe(p);
    blocked_read br;
    memset(&br, 0, sizeof br);
    br.fd = p[0];
    br.result = -1000;
    interrupts = 0;
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, do_blocked_read, &br) == 0);
    for (int i = 0; i < 5; i++) {
        usleep(30000);
        pthread_kill(t, SIGUSR1);
    }
    usleep(30000);
    uint8_t data[32];
    zcn_fx_fill(data, sizeof data, 0, 14);
    CHECK_EQ(write(p[1], data, sizeof data), 32);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK(interrupts >= 1);
    CHECK_EQ(br.result, 32);
    CHECK_EQ(zcn_fx_mismatch(br.buf, 32, 0, 14), -1);
    zcn_fx_close_pair(p);
    sigaction(SIGUSR1, &old, NULL);
}

/* ---- zcn_pread / zcn_pwrite ------------------------------------------------------------------------- */

static void test_pread_pwrite(void) {
    int32_t fd = file_with("positional", 3 * ps, 15, ZCN_O_RDWR);
    CHECK_EQ(zcn_lseek(fd, 123, ZCN_SEEK_SET), 123);
    uint8_t back[5000];
    CHECK_EQ(zcn_pread(fd, back, 5000, 1000), 5000);
    CHECK_EQ(zcn_fx_mismatch(back, 5000, 1000, 15), -1);
    CHECK_EQ(zcn_lseek(fd, 0, ZCN_SEEK_CUR), 123); /* the position did not move */
    /* Reading across the end returns what is there; at or past the end, 0. */
    CHECK_EQ(zcn_pread(fd, back, 5000, (int64_t)(3 * ps - 10)), 10);
    CHECK_EQ(zcn_fx_mismatch(back, 10, 3 * ps - 10, 15), -1);
    CHECK_EQ(zcn_pread(fd, back, 5000, (int64_t)(3 * ps)), 0);
    CHECK_EQ(zcn_pread(fd, back, 5000, INT64_MAX - 10000), 0);
    /* An offset whose end (offset + count) passes INT64_MAX is refused outright. */
    CHECK_ERR(zcn_pread(fd, back, 5000, INT64_MAX - 10), ZCN_EINVAL);

    uint8_t data[777];
    zcn_fx_fill(data, sizeof data, 0, 16);
    CHECK_EQ(zcn_pwrite(fd, data, sizeof data, 2000), 777);
    CHECK_EQ(zcn_lseek(fd, 0, ZCN_SEEK_CUR), 123);
    CHECK_EQ(zcn_pread(fd, back, 777, 2000), 777);
    CHECK_EQ(zcn_fx_mismatch(back, 777, 0, 16), -1);
    CHECK_EQ(zcn_pread(fd, back, 10, 1990), 10); /* the neighbours are untouched */
    CHECK_EQ(zcn_fx_mismatch(back, 10, 1990, 15), -1);

    /* Writing past the end leaves a hole that reads as zeros. */
    int64_t far = (int64_t)(10 * ps);
    CHECK_EQ(zcn_pwrite(fd, data, 100, far), 100);
    CHECK_EQ(zcn_lseek(fd, 0, ZCN_SEEK_END), far + 100);
    CHECK_EQ(zcn_pread(fd, back, 4096, (int64_t)(5 * ps)), 4096);
    CHECK(zcn_fx_all_bytes(back, 4096, 0));
    zcn_close(fd);
}

static void test_pread_pwrite_errors(void) {
    int32_t fd = file_with("positional-errors", 100, 17, ZCN_O_RDWR);
    uint8_t b[16] = {0};
    CHECK_ERR(zcn_pread(fd, b, sizeof b, -1), ZCN_EINVAL);
    CHECK_ERR(zcn_pwrite(fd, b, sizeof b, -1), ZCN_EINVAL);
    CHECK_ERR(zcn_pread(fd, b, sizeof b, INT64_MIN), ZCN_EINVAL);
    /* Past the file size limit of ext4 (16 TiB with 4 KiB blocks). */
    if (on_ext4) CHECK_ERR(zcn_pwrite(fd, b, 1, INT64_MAX - 1), ZCN_EFBIG);
    int p[2];
    zcn_fx_make_pipe(p);
    CHECK_ERR(zcn_pwrite(p[1], b, sizeof b, 0), ZCN_ESPIPE);
    CHECK_ERR(zcn_pread(p[0], b, sizeof b, 0), ZCN_ESPIPE);
    zcn_fx_close_pair(p);
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    CHECK_ERR(zcn_pwrite(sv[0], b, sizeof b, 0), ZCN_ESPIPE);
    CHECK_ERR(zcn_pread(sv[1], b, sizeof b, 0), ZCN_ESPIPE);
    zcn_fx_close_pair(sv);
    zcn_close(fd);
}

/* ---- zcn_lseek ------------------------------------------------------------------------------------------- */

static void test_lseek(void) {
    int32_t fd = file_with("seek", 1000, 18, ZCN_O_RDWR);
    CHECK_EQ(zcn_lseek(fd, 100, ZCN_SEEK_SET), 100);
    CHECK_EQ(zcn_lseek(fd, 50, ZCN_SEEK_CUR), 150);
    CHECK_EQ(zcn_lseek(fd, -20, ZCN_SEEK_CUR), 130);
    CHECK_EQ(zcn_lseek(fd, 0, ZCN_SEEK_END), 1000);
    CHECK_EQ(zcn_lseek(fd, -1, ZCN_SEEK_END), 999);
    uint8_t b[4];
    CHECK_EQ(zcn_read(fd, b, 4), 1);
    CHECK_EQ(b[0], zcn_fx_byte(999, 18));
    CHECK_EQ(zcn_lseek(fd, 5000, ZCN_SEEK_SET), 5000); /* past the end is allowed */
    CHECK_EQ(zcn_read(fd, b, 4), 0);
    CHECK_EQ(zcn_lseek(fd, 0, ZCN_SEEK_DATA), 0);
    CHECK_EQ(zcn_lseek(fd, 0, ZCN_SEEK_HOLE), 1000); /* the implicit hole at the end */
    CHECK_EQ(zcn_lseek(fd, 999, ZCN_SEEK_DATA), 999);

    /* errors */
    CHECK_EQ(zcn_lseek(fd, 300, ZCN_SEEK_SET), 300);
    CHECK_ERR(zcn_lseek(fd, 0, 7), ZCN_EINVAL);
    CHECK_ERR(zcn_lseek(fd, 0, -1), ZCN_EINVAL);
    CHECK_ERR(zcn_lseek(fd, -1, ZCN_SEEK_SET), ZCN_EINVAL);
    CHECK_ERR(zcn_lseek(fd, -301, ZCN_SEEK_CUR), ZCN_EINVAL);
    CHECK_ERR(zcn_lseek(fd, -1001, ZCN_SEEK_END), ZCN_EINVAL);
    CHECK_EQ(zcn_lseek(fd, 0, ZCN_SEEK_CUR), 300); /* failures leave the position alone */
    CHECK_ERR(zcn_lseek(fd, 1000, ZCN_SEEK_DATA), ZCN_ENXIO);
    CHECK_ERR(zcn_lseek(fd, 5000, ZCN_SEEK_DATA), ZCN_ENXIO);
    CHECK_ERR(zcn_lseek(fd, 1001, ZCN_SEEK_HOLE), ZCN_ENXIO);
    CHECK_ERR(zcn_lseek(fd, -1, ZCN_SEEK_DATA), ZCN_ENXIO);
    CHECK_ERR(zcn_lseek(zcn_fx_closed_fd(), 0, ZCN_SEEK_SET), ZCN_EBADF);
    int p[2];
    zcn_fx_make_pipe(p);
    CHECK_ERR(zcn_lseek(p[0], 0, ZCN_SEEK_SET), ZCN_ESPIPE);
    CHECK_ERR(zcn_lseek(p[1], 0, ZCN_SEEK_CUR), ZCN_ESPIPE);
    zcn_fx_close_pair(p);
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    CHECK_ERR(zcn_lseek(sv[0], 0, ZCN_SEEK_SET), ZCN_ESPIPE);
    zcn_fx_close_pair(sv);
    zcn_close(fd);
}

static void test_lseek_sparse(void) {
    /* Data at [0, 64K) and [1M, 1M+64K), a hole in between: SEEK_DATA/SEEK_HOLE find the edges
     * (ext4 reports them at block granularity, and these offsets are block multiples). */
    char path[4200];
    int32_t fd = zcn_open(zcn_fx_path(path, sizeof path, "sparse"), ZCN_O_RDWR | ZCN_O_CREAT | ZCN_O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    uint8_t *chunk = malloc(65536);
    REQUIRE(chunk != NULL);
    zcn_fx_fill(chunk, 65536, 0, 19);
    CHECK_EQ(zcn_pwrite(fd, chunk, 65536, 0), 65536);
    CHECK_EQ(zcn_pwrite(fd, chunk, 65536, 1 << 20), 65536);
    CHECK_EQ(zcn_fsync(fd, 0), 0);
    CHECK_EQ(zcn_lseek(fd, 0, ZCN_SEEK_HOLE), 65536);
    CHECK_EQ(zcn_lseek(fd, 65536, ZCN_SEEK_DATA), 1 << 20);
    CHECK_EQ(zcn_lseek(fd, 100000, ZCN_SEEK_DATA), 1 << 20);
    CHECK_EQ(zcn_lseek(fd, 1 << 20, ZCN_SEEK_HOLE), (1 << 20) + 65536);
    CHECK_EQ(zcn_pread(fd, chunk, 65536, 300000), 65536);
    CHECK(zcn_fx_all_bytes(chunk, 65536, 0));
    free(chunk);
    zcn_close(fd);
}

/* ---- zcn_ftruncate ------------------------------------------------------------------------------------- */

static void test_ftruncate(void) {
    int32_t fd = file_with("truncate", 5000, 20, ZCN_O_RDWR);
    CHECK_EQ(zcn_ftruncate(fd, 3000), 0);
    uint8_t back[9000];
    CHECK_EQ(zcn_pread(fd, back, sizeof back, 0), 3000);
    CHECK_EQ(zcn_fx_mismatch(back, 3000, 0, 20), -1);
    CHECK_EQ(zcn_ftruncate(fd, 9000), 0);
    CHECK_EQ(zcn_pread(fd, back, sizeof back, 0), 9000);
    CHECK_EQ(zcn_fx_mismatch(back, 3000, 0, 20), -1);
    CHECK(zcn_fx_all_bytes(back + 3000, 6000, 0)); /* the old tail does not come back */
    CHECK_EQ(zcn_ftruncate(fd, 0), 0);
    CHECK_EQ(zcn_lseek(fd, 0, ZCN_SEEK_END), 0);

    /* errors */
    CHECK_ERR(zcn_ftruncate(fd, -1), ZCN_EINVAL);
    CHECK_ERR(zcn_ftruncate(fd, INT64_MIN), ZCN_EINVAL);
    if (on_ext4) CHECK_ERR(zcn_ftruncate(fd, INT64_MAX), ZCN_EFBIG); /* beyond ext4's maximum size */
    CHECK_ERR(zcn_ftruncate(zcn_fx_closed_fd(), 0), ZCN_EBADF);
    /* ftruncate(2) allows "EBADF or EINVAL" for a descriptor not open for writing; Linux says EINVAL. */
    char path[4200];
    int32_t ro = zcn_open(zcn_fx_path(path, sizeof path, "truncate"), ZCN_O_RDONLY, 0);
    REQUIRE(ro >= 0);
    CHECK_ERR(zcn_ftruncate(ro, 0), ZCN_EINVAL);
    zcn_close(ro);
    int p[2];
    zcn_fx_make_pipe(p);
    CHECK_ERR(zcn_ftruncate(p[1], 0), ZCN_EINVAL); /* not a regular file */
    zcn_fx_close_pair(p);
    int32_t dir = zcn_open(zcn_fx_tmpdir(), ZCN_O_RDONLY | ZCN_O_DIRECTORY, 0);
    REQUIRE(dir >= 0);
    CHECK_ERR(zcn_ftruncate(dir, 0), ZCN_EINVAL);
    zcn_close(dir);
    zcn_close(fd);
}

static void test_ftruncate_eperm_sealed(void) {
    int32_t fd = zcn_memfd_create("truncate-sealed", ZCN_MFD_ALLOW_SEALING);
    REQUIRE(fd >= 0);
    CHECK_EQ(zcn_ftruncate(fd, 8192), 0);
    CHECK_EQ(zcn_memfd_add_seals(fd, ZCN_SEAL_SHRINK), 0);
    CHECK_ERR(zcn_ftruncate(fd, 4096), ZCN_EPERM);
    CHECK_EQ(zcn_ftruncate(fd, 16384), 0); /* growing is still allowed */
    CHECK_EQ(zcn_memfd_add_seals(fd, ZCN_SEAL_GROW), 0);
    CHECK_ERR(zcn_ftruncate(fd, 32768), ZCN_EPERM);
    CHECK_EQ(zcn_ftruncate(fd, 16384), 0); /* the same size changes nothing and passes */
    zcn_close(fd);
}

/* ---- zcn_fsync ----------------------------------------------------------------------------------------------- */

static void test_fsync(void) {
    int32_t fd = file_with("fsync", 4096, 21, ZCN_O_RDWR);
    uint8_t data[4096];
    zcn_fx_fill(data, sizeof data, 0, 22);
    CHECK_EQ(zcn_pwrite(fd, data, sizeof data, 0), 4096);
    CHECK_EQ(zcn_fsync(fd, 0), 0);
    CHECK_EQ(zcn_fsync(fd, 1), 0);
    CHECK_EQ(zcn_close(fd), 0);
    char path[4200];
    int32_t ro = zcn_open(zcn_fx_path(path, sizeof path, "fsync"), ZCN_O_RDONLY, 0);
    REQUIRE(ro >= 0);
    CHECK_EQ(zcn_fsync(ro, 0), 0); /* read-only descriptors may sync too */
    uint8_t back[4096];
    CHECK_EQ(zcn_pread(ro, back, sizeof back, 0), 4096);
    CHECK_EQ(zcn_fx_mismatch(back, 4096, 0, 22), -1);
    zcn_close(ro);
    int32_t dir = zcn_open(zcn_fx_tmpdir(), ZCN_O_RDONLY | ZCN_O_DIRECTORY, 0);
    REQUIRE(dir >= 0);
    CHECK_EQ(zcn_fsync(dir, 0), 0); /* a directory, after creating entries in it */
    zcn_close(dir);

    CHECK_ERR(zcn_fsync(zcn_fx_closed_fd(), 0), ZCN_EBADF);
    CHECK_ERR(zcn_fsync(zcn_fx_closed_fd(), 1), ZCN_EBADF);
    int p[2];
    zcn_fx_make_pipe(p);
    CHECK_ERR(zcn_fsync(p[0], 0), ZCN_EINVAL);
    CHECK_ERR(zcn_fsync(p[1], 1), ZCN_EINVAL);
    zcn_fx_close_pair(p);
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    CHECK_ERR(zcn_fsync(sv[0], 0), ZCN_EINVAL);
    zcn_fx_close_pair(sv);
    int32_t null = zcn_open("/dev/null", ZCN_O_WRONLY, 0);
    REQUIRE(null >= 0);
    CHECK_ERR(zcn_fsync(null, 0), ZCN_EINVAL);
    zcn_close(null);
}

/* ---- zcn_fadvise ----------------------------------------------------------------------------------------- */

static void test_fadvise(void) {
    int32_t fd = file_with("fadvise", 16 * ps, 23, ZCN_O_RDONLY);
    static const int32_t advice[] = {ZCN_FADV_NORMAL,   ZCN_FADV_RANDOM,   ZCN_FADV_SEQUENTIAL,
                                     ZCN_FADV_WILLNEED, ZCN_FADV_DONTNEED, ZCN_FADV_NOREUSE};
    for (size_t i = 0; i < sizeof advice / sizeof advice[0]; i++) {
        CHECK_EQ(zcn_fadvise(fd, 0, 0, advice[i]), 0);
        CHECK_EQ(zcn_fadvise(fd, (int64_t)ps, (int64_t)ps, advice[i]), 0);
    }
    /* advice past the end of the file is accepted */
    CHECK_EQ(zcn_fadvise(fd, INT64_MAX - 1, 1, ZCN_FADV_WILLNEED), 0);
    uint8_t back[100];
    CHECK_EQ(zcn_pread(fd, back, 100, 0), 100);
    CHECK_EQ(zcn_fx_mismatch(back, 100, 0, 23), -1);

    CHECK_ERR(zcn_fadvise(fd, 0, 0, 99), ZCN_EINVAL);
    CHECK_ERR(zcn_fadvise(fd, 0, 0, -1), ZCN_EINVAL);
    CHECK_ERR(zcn_fadvise(fd, 0, 0, 6), ZCN_EINVAL);
    CHECK_ERR(zcn_fadvise(fd, 0, -1, ZCN_FADV_NORMAL), ZCN_EINVAL);
    CHECK_ERR(zcn_fadvise(zcn_fx_closed_fd(), 0, 0, ZCN_FADV_NORMAL), ZCN_EBADF);
    int p[2];
    zcn_fx_make_pipe(p);
    CHECK_ERR(zcn_fadvise(p[0], 0, 0, ZCN_FADV_NORMAL), ZCN_ESPIPE);
    CHECK_ERR(zcn_fadvise(p[1], 0, 0, ZCN_FADV_DONTNEED), ZCN_ESPIPE);
    zcn_fx_close_pair(p);
    zcn_close(fd);
}

static void test_fadvise_dontneed_drops_pages(void) {
    /* tmpfs has no backing store to drop clean pages to; a disk filesystem (ext4 here) does. */
    if (!on_ext4) SKIP_TEST("the scratch directory is not on ext4");
    uint64_t pages = 16;
    uint64_t len = pages * ps;
    int32_t fd = file_with("dontneed", len, 24, ZCN_O_RDONLY);
    void *map = NULL;
    /* The mapping is never touched: mincore on it reports the page cache of the file. */
    REQUIRE(zcn_mmap(&map, NULL, len, ZCN_PROT_READ, ZCN_MAP_SHARED, fd, 0) == 0);
    uint8_t *buf = malloc(len);
    REQUIRE(buf != NULL);
    CHECK_EQ(zcn_pread(fd, buf, len, 0), (int64_t)len);
    CHECK_EQ(zcn_fx_mismatch(buf, len, 0, 24), -1);
    CHECK_EQ(zcn_mincore(map, len, NULL), (int64_t)pages);
    CHECK_EQ(zcn_fadvise(fd, 0, 0, ZCN_FADV_DONTNEED), 0);
    CHECK_EQ(zcn_mincore(map, len, NULL), 0);
    /* WILLNEED starts read-ahead; the pages arrive without a read. */
    CHECK_EQ(zcn_fadvise(fd, 0, (int64_t)len, ZCN_FADV_WILLNEED), 0);
    int64_t resident = 0;
    for (int i = 0; i < 200; i++) {
        resident = zcn_mincore(map, len, NULL);
        if (resident == (int64_t)pages) break;
        usleep(10000);
    }
    CHECK_EQ(resident, (int64_t)pages);
    /* Dropping part of the range drops exactly those pages. */
    CHECK_EQ(zcn_fadvise(fd, (int64_t)(4 * ps), (int64_t)(8 * ps), ZCN_FADV_DONTNEED), 0);
    uint8_t vec[16];
    CHECK_EQ(zcn_mincore(map, len, vec), (int64_t)pages - 8);
    for (int i = 0; i < 16; i++)
        CHECK_EQ(vec[i] & 1, (i >= 4 && i < 12) ? 0 : 1);
    /* And the data is still the file's. */
    memset(buf, 0, len);
    CHECK_EQ(zcn_pread(fd, buf, len, 0), (int64_t)len);
    CHECK_EQ(zcn_fx_mismatch(buf, len, 0, 24), -1);
    free(buf);
    CHECK_EQ(zcn_munmap(map, len), 0);
    zcn_close(fd);
}

/* ---- zcn_fd_query ------------------------------------------------------------------------------------- */

static void check_zeroed(const zcn_fd_info *info) {
    CHECK(zcn_fx_all_bytes(info, sizeof *info, 0));
}

static void test_fd_query_regular(void) {
    char path[4200];
    zcn_fx_path(path, sizeof path, "query");
    int32_t fd = zcn_open(path, ZCN_O_RDWR | ZCN_O_CREAT | ZCN_O_TRUNC, 0640);
    REQUIRE(fd >= 0);
    uint8_t data[12345];
    zcn_fx_fill(data, sizeof data, 0, 25);
    CHECK_EQ(zcn_write(fd, data, sizeof data), 12345);
    zcn_fd_info info;
    memset(&info, 0xff, sizeof info);
    CHECK_EQ(zcn_fd_query(fd, &info), 0);
    struct stat st;
    REQUIRE(fstat(fd, &st) == 0);
    CHECK_EQ(info.kind, ZCN_FD_REGULAR);
    CHECK_EQ(info.size, 12345);
    CHECK_EQ(info.mode, 0640);
    CHECK_EQ(info.descriptor_flags, ZCN_FD_CLOEXEC); /* zcn_open always adds O_CLOEXEC */
    CHECK_EQ(info.block_size, st.st_blksize);
    CHECK(info.block_size > 0);
    CHECK(info.device == (uint64_t)st.st_dev);
    CHECK(info.inode == (uint64_t)st.st_ino);
    CHECK_EQ(info.status_flags & 3, ZCN_O_RDWR);
    CHECK((info.status_flags & (ZCN_O_APPEND | ZCN_O_NONBLOCK | ZCN_O_DIRECT)) == 0);
    CHECK((info.status_flags & (ZCN_O_CREAT | ZCN_O_TRUNC)) == 0); /* open-time flags are not status */
    zcn_close(fd);

    static const struct {
        int32_t open_flags;
        int32_t access;
        int32_t expect;
    } cases[] = {
        {ZCN_O_RDONLY, ZCN_O_RDONLY, 0},
        {ZCN_O_WRONLY | ZCN_O_APPEND, ZCN_O_WRONLY, ZCN_O_APPEND},
        {ZCN_O_RDWR | ZCN_O_NONBLOCK, ZCN_O_RDWR, ZCN_O_NONBLOCK},
        {ZCN_O_RDWR | ZCN_O_DIRECT, ZCN_O_RDWR, ZCN_O_DIRECT},
        {ZCN_O_RDWR | ZCN_O_APPEND | ZCN_O_NONBLOCK | ZCN_O_DIRECT, ZCN_O_RDWR,
         ZCN_O_APPEND | ZCN_O_NONBLOCK | ZCN_O_DIRECT},
        {ZCN_O_WRONLY | ZCN_O_DSYNC, ZCN_O_WRONLY, ZCN_O_DSYNC},
        {ZCN_O_WRONLY | ZCN_O_SYNC, ZCN_O_WRONLY, ZCN_O_SYNC},
        {ZCN_O_RDONLY | ZCN_O_NOATIME, ZCN_O_RDONLY, ZCN_O_NOATIME},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if ((cases[i].open_flags & ZCN_O_DIRECT) != 0 && !on_ext4) continue; /* not every filesystem */
        fd = zcn_open(path, cases[i].open_flags, 0);
        CHECK(fd >= 0);
        if (fd < 0) continue;
        CHECK_EQ(zcn_fd_query(fd, &info), 0);
        CHECK_EQ(info.status_flags & 3, cases[i].access);
        int32_t interesting = ZCN_O_APPEND | ZCN_O_NONBLOCK | ZCN_O_DIRECT | ZCN_O_SYNC | ZCN_O_NOATIME;
        if ((info.status_flags & interesting) != cases[i].expect)
            fprintf(stderr, "  case %zu: status_flags 0%o\n", i, (unsigned)info.status_flags);
        CHECK_EQ(info.status_flags & interesting, cases[i].expect);
        zcn_close(fd);
    }
}

static void test_fd_query_kinds(void) {
    zcn_fd_info info;
    int32_t dir = zcn_open(zcn_fx_tmpdir(), ZCN_O_RDONLY | ZCN_O_DIRECTORY, 0);
    REQUIRE(dir >= 0);
    CHECK_EQ(zcn_fd_query(dir, &info), 0);
    CHECK_EQ(info.kind, ZCN_FD_DIRECTORY);
    CHECK_EQ(info.size, 0);    /* only regular files and block devices report a size */
    CHECK_EQ(info.mode, 0700); /* mkdtemp */
    zcn_close(dir);

    int p[2];
    zcn_fx_make_pipe(p);
    CHECK_EQ(zcn_fd_query(p[0], &info), 0);
    CHECK_EQ(info.kind, ZCN_FD_PIPE);
    CHECK_EQ(info.status_flags & 3, ZCN_O_RDONLY);
    CHECK_EQ(info.size, 0);
    CHECK_EQ(zcn_fd_query(p[1], &info), 0);
    CHECK_EQ(info.kind, ZCN_FD_PIPE);
    CHECK_EQ(info.status_flags & 3, ZCN_O_WRONLY);
    zcn_fx_close_pair(p);

    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) == 0);
    CHECK_EQ(zcn_fd_query(sv[0], &info), 0);
    CHECK_EQ(info.kind, ZCN_FD_SOCKET);
    CHECK_EQ(info.status_flags & 3, ZCN_O_RDWR);
    CHECK((info.status_flags & ZCN_O_NONBLOCK) != 0);
    zcn_fx_close_pair(sv);

    int32_t null = zcn_open("/dev/null", ZCN_O_RDWR, 0);
    REQUIRE(null >= 0);
    CHECK_EQ(zcn_fd_query(null, &info), 0);
    CHECK_EQ(info.kind, ZCN_FD_CHARDEV);
    CHECK_EQ(info.size, 0);
    CHECK_EQ(info.mode, 0666);
    zcn_close(null);

    int32_t mfd = zcn_memfd_create("query", ZCN_MFD_NONE);
    REQUIRE(mfd >= 0);
    CHECK_EQ(zcn_ftruncate(mfd, 5000), 0);
    CHECK_EQ(zcn_fd_query(mfd, &info), 0);
    CHECK_EQ(info.kind, ZCN_FD_REGULAR);
    CHECK_EQ(info.size, 5000);
    zcn_close(mfd);
}

static void test_fd_query_block_device(void) {
    /* The first block device in /sys/block that opens read-only (no I/O is done on it). */
    static const char *candidates[] = {"/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/xvda", "/dev/loop0"};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        struct stat st;
        if (stat(candidates[i], &st) != 0 || !S_ISBLK(st.st_mode)) continue;
        int32_t fd = zcn_open(candidates[i], ZCN_O_RDONLY | ZCN_O_NONBLOCK, 0);
        if (fd < 0) continue;
        zcn_fd_info info;
        CHECK_EQ(zcn_fd_query(fd, &info), 0);
        CHECK_EQ(info.kind, ZCN_FD_BLOCKDEV);
        CHECK(info.size >= 0);
        if (strcmp(candidates[i], "/dev/loop0") != 0) CHECK(info.size > 0); /* from BLKGETSIZE64 */
        CHECK_EQ(info.size % 512, 0);
        zcn_close(fd);
        return;
    }
    SKIP_TEST("no block device can be opened");
}

static void test_fd_query_errors(void) {
    zcn_fd_info info;
    memset(&info, 0xff, sizeof info);
    CHECK_ERR(zcn_fd_query(zcn_fx_closed_fd(), &info), ZCN_EBADF);
    check_zeroed(&info);
    memset(&info, 0xff, sizeof info);
    CHECK_ERR(zcn_fd_query(-1, &info), ZCN_EBADF);
    check_zeroed(&info);
    CHECK_ERR(zcn_fd_query(0, NULL), ZCN_EFAULT);
}

/* ---- zcn_set_nonblocking ------------------------------------------------------------------------------ */

static void test_set_nonblocking(void) {
    int p[2];
    zcn_fx_make_pipe(p);
    zcn_fd_info info;
    uint8_t b[8];
    CHECK_EQ(zcn_set_nonblocking(p[0], 1), 0);
    CHECK_EQ(zcn_fd_query(p[0], &info), 0);
    CHECK((info.status_flags & ZCN_O_NONBLOCK) != 0);
    CHECK_ERR(zcn_read(p[0], b, sizeof b), ZCN_EAGAIN);
    CHECK_EQ(zcn_set_nonblocking(p[0], 1), 0); /* idempotent */
    CHECK_EQ(zcn_set_nonblocking(p[0], 0), 0);
    CHECK_EQ(zcn_fd_query(p[0], &info), 0);
    CHECK((info.status_flags & ZCN_O_NONBLOCK) == 0);
    CHECK_EQ(zcn_set_nonblocking(p[0], 0), 0);
    /* Blocking again: data already present is read without waiting. */
    CHECK_EQ(zcn_write(p[1], "abc", 3), 3);
    CHECK_EQ(zcn_read(p[0], b, sizeof b), 3);
    CHECK(memcmp(b, "abc", 3) == 0);
    CHECK_EQ(zcn_set_nonblocking(p[0], 42), 0); /* any non-zero value enables */
    CHECK_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    zcn_fx_close_pair(p);

    /* Other status flags survive the switch. */
    int32_t fd = file_with("nonblock", 10, 26, ZCN_O_WRONLY | ZCN_O_APPEND);
    CHECK_EQ(zcn_set_nonblocking(fd, 1), 0);
    CHECK_EQ(zcn_fd_query(fd, &info), 0);
    CHECK((info.status_flags & (ZCN_O_APPEND | ZCN_O_NONBLOCK)) == (ZCN_O_APPEND | ZCN_O_NONBLOCK));
    CHECK_EQ(info.status_flags & 3, ZCN_O_WRONLY);
    CHECK_EQ(zcn_set_nonblocking(fd, 0), 0);
    CHECK_EQ(zcn_fd_query(fd, &info), 0);
    CHECK((info.status_flags & (ZCN_O_APPEND | ZCN_O_NONBLOCK)) == ZCN_O_APPEND);
    zcn_close(fd);

    CHECK_ERR(zcn_set_nonblocking(zcn_fx_closed_fd(), 1), ZCN_EBADF);
    CHECK_ERR(zcn_set_nonblocking(-1, 0), ZCN_EBADF);
}

static void test_no_descriptor_leak(void) {
    CHECK_EQ(zcn_fx_fd_count(), fd_baseline);
}

int main(void) {
    ps = (uint64_t)sysconf(_SC_PAGESIZE);
    umask(022);
    signal(SIGPIPE, SIG_IGN);
    struct statfs sfs;
    on_ext4 = statfs(zcn_fx_tmpdir(), &sfs) == 0 && sfs.f_type == EXT4_SUPER_MAGIC;
    if (!on_ext4) fprintf(stderr, "note: %s is not on ext4; ext4-specific cases are left out\n", zcn_fx_tmpdir());
    fd_baseline = zcn_fx_fd_count();
    RUN(test_open_create_write_read);
    RUN(test_open_trunc_and_append);
    RUN(test_open_tmpfile_and_path);
    RUN(test_open_errors);
    RUN(test_open_eloop);
    RUN(test_open_eacces);
    RUN(test_open_emfile);
    RUN(test_open_direct);
    RUN(test_enospc_and_erofs);
    RUN(test_close);
    RUN(test_read_write_ebadf);
    RUN(test_read_write_eagain);
    RUN(test_read_write_pipe_eof_and_epipe);
    RUN(test_counts_beyond_int64_are_the_kernels_efault);
    RUN(test_read_eisdir);
    RUN(test_read_write_efault);
    RUN(test_read_retries_eintr);
    RUN(test_pread_pwrite);
    RUN(test_pread_pwrite_errors);
    RUN(test_lseek);
    RUN(test_lseek_sparse);
    RUN(test_ftruncate);
    RUN(test_ftruncate_eperm_sealed);
    RUN(test_fsync);
    RUN(test_fadvise);
    RUN(test_fadvise_dontneed_drops_pages);
    RUN(test_fd_query_regular);
    RUN(test_fd_query_kinds);
    RUN(test_fd_query_block_device);
    RUN(test_fd_query_errors);
    RUN(test_set_nonblocking);
    RUN(test_no_descriptor_leak);
    return zcn_test_summary();
}
