/*
 * test_memfd.c - zcn_memfd_create, zcn_memfd_add_seals and zcn_memfd_get_seals: the file itself, what
 * every seal forbids (and what it still allows), and every error user space can provoke.
 */
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "zcn_fixtures.h"
#include "zcn_test.h"

static uint64_t ps;
static int fd_baseline;

static int32_t new_memfd(const char *name, uint32_t flags, int64_t size) {
    int32_t fd = zcn_memfd_create(name, flags);
    CHECK(fd >= 0);
    REQUIRE(fd >= 0);
    if (size > 0) REQUIRE(zcn_ftruncate(fd, size) == 0);
    return fd;
}

static int64_t file_size(int32_t fd) {
    zcn_fd_info info;
    REQUIRE(zcn_fd_query(fd, &info) == 0);
    return info.size;
}

/* Opens the same file again through /proc, as another process holding the name could. */
static int reopen(int32_t fd, int flags) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int other = open(path, flags | O_CLOEXEC);
    REQUIRE(other >= 0);
    return other;
}

/* ---- zcn_memfd_create -------------------------------------------------------------------------------- */

static void test_create_and_use(void) {
    int32_t fd = new_memfd("zcn-test", ZCN_MFD_NONE, 0);
    CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0); /* MFD_CLOEXEC is always added */
    zcn_fd_info info;
    CHECK_EQ(zcn_fd_query(fd, &info), 0);
    CHECK_EQ(info.kind, ZCN_FD_REGULAR);
    CHECK_EQ(info.size, 0);
    CHECK_EQ(info.status_flags & 3, ZCN_O_RDWR);
    /* The name shows in /proc/self/fd. */
    char path[64], target[256];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof target - 1);
    REQUIRE(n > 0);
    target[n] = '\0';
    CHECK(strncmp(target, "/memfd:zcn-test", 15) == 0);

    /* A file like any other: write, read back, map. */
    uint64_t len = 3 * ps + 123;
    uint8_t *data = malloc(len), *back = malloc(len);
    REQUIRE(data != NULL && back != NULL);
    zcn_fx_fill(data, len, 0, 1);
    CHECK_EQ(zcn_write(fd, data, len), (int64_t)len);
    CHECK_EQ(file_size(fd), (int64_t)len);
    CHECK_EQ(zcn_pread(fd, back, len, 0), (int64_t)len);
    CHECK_EQ(zcn_fx_mismatch(back, len, 0, 1), -1);
    void *map = NULL;
    CHECK_EQ(zcn_mmap(&map, NULL, len, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED, fd, 0), 0);
    REQUIRE(map != NULL);
    CHECK_EQ(zcn_fx_mismatch(map, len, 0, 1), -1);
    zcn_fx_fill(map, ps, 0, 2); /* through the mapping ... */
    CHECK_EQ(zcn_pread(fd, back, ps, 0), (int64_t)ps);
    CHECK_EQ(zcn_fx_mismatch(back, ps, 0, 2), -1); /* ... visible to read at once */
    CHECK_EQ(zcn_munmap(map, len), 0);
    free(data);
    free(back);
    CHECK_EQ(zcn_memfd_get_seals(fd), ZCN_SEAL_SEAL); /* created without ALLOW_SEALING */
    CHECK_EQ(zcn_close(fd), 0);
}

static void test_create_names_and_flags(void) {
    int32_t fd = new_memfd("", ZCN_MFD_NONE, 0); /* an empty name is fine */
    zcn_close(fd);
    fd = new_memfd("cloexec", ZCN_MFD_CLOEXEC, 0); /* accepted for completeness */
    zcn_close(fd);
    fd = new_memfd("both", ZCN_MFD_CLOEXEC | ZCN_MFD_ALLOW_SEALING, 0);
    CHECK_EQ(zcn_memfd_get_seals(fd), 0);
    zcn_close(fd);
    /* The name may be 249 bytes (NAME_MAX minus the "memfd:" prefix), not 250. */
    char name[300];
    memset(name, 'n', sizeof name);
    name[249] = '\0';
    fd = new_memfd(name, ZCN_MFD_NONE, 0);
    zcn_close(fd);
    name[249] = 'n';
    name[250] = '\0';
    CHECK_ERR(zcn_memfd_create(name, ZCN_MFD_NONE), ZCN_EINVAL);
    name[299] = '\0';
    CHECK_ERR(zcn_memfd_create(name, ZCN_MFD_NONE), ZCN_EINVAL);
}

static void test_create_errors(void) {
    /* A NULL name is the kernel's EFAULT; valgrind would report the pointer the test passes on purpose. */
    VALGRIND_DISABLE_ERROR_REPORTING;
    CHECK_ERR(zcn_memfd_create(NULL, ZCN_MFD_NONE), ZCN_EFAULT);
    VALGRIND_ENABLE_ERROR_REPORTING;
    CHECK_ERR(zcn_memfd_create("bad", 0x100), ZCN_EINVAL);
    CHECK_ERR(zcn_memfd_create("bad", 0x80000000u), ZCN_EINVAL);
    CHECK_ERR(zcn_memfd_create("bad", UINT32_MAX), ZCN_EINVAL);
    /* A huge-page size without MFD_HUGETLB: the kernel refuses the size bits on their own. */
    CHECK_ERR(zcn_memfd_create("bad", 21u << 26), ZCN_EINVAL);
}

static void emfile_child(void *arg) {
    (void)arg;
    zcn_fx_exhaust_fds_or_skip();
    CHECK_ERR(zcn_memfd_create("emfile", ZCN_MFD_NONE), ZCN_EMFILE);
}

static void test_create_emfile(void) {
    int status = zcn_fx_run_child(emfile_child, NULL);
    if (status == ZCN_FX_CHILD_SKIP) SKIP_TEST("cannot lower RLIMIT_NOFILE");
    CHECK_EQ(status, 0);
}

static void test_hugetlb(void) {
    long free_huge = zcn_fx_meminfo_value("HugePages_Free");
    long huge_kb = zcn_fx_meminfo_value("Hugepagesize");
    REQUIRE(free_huge >= 0 && huge_kb > 0);
    int32_t fd = zcn_memfd_create("huge", ZCN_MFD_HUGETLB);
    /* The file is created on the internal hugetlbfs mount whether or not pages are reserved. */
    CHECK(fd >= 0);
    if (fd < 0) return;
    int64_t len = huge_kb * 1024;
    CHECK_EQ(zcn_ftruncate(fd, len), 0);
    /* hugetlbfs files are not written with write(2). */
    uint8_t b[16] = {0};
    CHECK_ERR(zcn_write(fd, b, sizeof b), ZCN_EINVAL);
    void *map = (void *)1;
    int32_t r = zcn_mmap(&map, NULL, (uint64_t)len, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED, fd, 0);
    if (free_huge == 0) {
        /* No huge page reserved (vm.nr_hugepages = 0): the mapping cannot be backed. */
        CHECK_ERR(r, ZCN_ENOMEM);
        CHECK(map == NULL);
    } else {
        CHECK_EQ(r, 0);
        if (r == 0) {
            zcn_fx_fill(map, (uint64_t)len, 0, 3);
            CHECK_EQ(zcn_fx_mismatch(map, (uint64_t)len, 0, 3), -1);
            CHECK_EQ(zcn_munmap(map, (uint64_t)len), 0);
        }
    }
    zcn_close(fd);
}

/* MFD_HUGE_2MB and MFD_HUGE_1GB (with MFD_HUGETLB) pick a pool; the file is made whether or not pages are
 * reserved, wherever a pool of that size exists. A size without a pool is the kernel's to refuse. */
static void test_huge_page_sizes(void) {
    static const struct {
        uint32_t flag;
        const char *pool;
    } sizes[] = {{ZCN_MFD_HUGE_2MB, "/sys/kernel/mm/hugepages/hugepages-2048kB"},
                 {ZCN_MFD_HUGE_1GB, "/sys/kernel/mm/hugepages/hugepages-1048576kB"},
                 {ZCN_MFD_HUGE_64KB, "/sys/kernel/mm/hugepages/hugepages-64kB"}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        int32_t fd = zcn_memfd_create("huge-size", ZCN_MFD_HUGETLB | sizes[i].flag);
        if (access(sizes[i].pool, F_OK) == 0) {
            CHECK(fd >= 0);
        } else {
            /* hugetlbfs has no mount for a size without a pool: ENODEV (EINVAL on older kernels). */
            CHECK(fd == -ZCN_ENODEV || fd == -ZCN_EINVAL);
        }
        if (fd >= 0) zcn_close(fd);
    }
}

static uint32_t mode_of(int32_t fd) {
    zcn_fd_info info;
    REQUIRE(zcn_fd_query(fd, &info) == 0);
    return info.mode;
}

/* MFD_NOEXEC_SEAL: no execute bits, F_SEAL_EXEC set, so they can never be added; sealing is allowed. */
static void test_noexec_seal(void) {
    int32_t fd = zcn_memfd_create("noexec", ZCN_MFD_NOEXEC_SEAL);
    REQUIRE(fd >= 0);
    CHECK_EQ(mode_of(fd) & 0111, 0);
    CHECK((zcn_memfd_get_seals(fd) & ZCN_SEAL_EXEC) != 0);
    CHECK(fchmod(fd, 0755) != 0 && errno == EPERM);
    CHECK_EQ(zcn_memfd_add_seals(fd, ZCN_SEAL_GROW), 0); /* MFD_NOEXEC_SEAL implies MFD_ALLOW_SEALING */
    zcn_close(fd);
}

/* MFD_EXEC: executable, and (without MFD_ALLOW_SEALING) sealed against any seal; both exec flags: EINVAL. */
static void test_exec_flag(void) {
    int32_t fd = zcn_memfd_create("exec", ZCN_MFD_EXEC);
    if (fd == -ZCN_EACCES) SKIP_TEST("vm.memfd_noexec = 2 forbids executable memfds");
    REQUIRE(fd >= 0);
    CHECK(mode_of(fd) & 0111);
    CHECK_EQ(zcn_memfd_get_seals(fd), ZCN_SEAL_SEAL);
    zcn_close(fd);
    CHECK_ERR(zcn_memfd_create("both", ZCN_MFD_EXEC | ZCN_MFD_NOEXEC_SEAL), ZCN_EINVAL);
}

/* ---- seals ----------------------------------------------------------------------------------------------------- */

/* F_SEAL_EXEC added later freezes the execute bits as they are. */
static void test_seal_exec(void) {
    int32_t fd = new_memfd("seal-exec", ZCN_MFD_ALLOW_SEALING, 0);
    CHECK_EQ(zcn_memfd_add_seals(fd, ZCN_SEAL_EXEC), 0);
    CHECK((zcn_memfd_get_seals(fd) & ZCN_SEAL_EXEC) != 0);
    CHECK(fchmod(fd, 0600) != 0 && errno == EPERM);
    zcn_close(fd);
}

static void test_no_sealing_without_allow_flag(void) {
    int32_t fd = new_memfd("unsealable", ZCN_MFD_NONE, 4096);
    CHECK_EQ(zcn_memfd_get_seals(fd), ZCN_SEAL_SEAL);
    CHECK_ERR(zcn_memfd_add_seals(fd, ZCN_SEAL_SHRINK), ZCN_EPERM);
    CHECK_ERR(zcn_memfd_add_seals(fd, ZCN_SEAL_WRITE | ZCN_SEAL_GROW), ZCN_EPERM);
    CHECK_EQ(zcn_memfd_get_seals(fd), ZCN_SEAL_SEAL);
    CHECK_EQ(zcn_ftruncate(fd, 0), 0); /* nothing else is sealed */
    zcn_close(fd);
}

static void test_seal_shrink(void) {
    int32_t fd = new_memfd("shrink", ZCN_MFD_ALLOW_SEALING, 8192);
    CHECK_EQ(zcn_memfd_add_seals(fd, ZCN_SEAL_SHRINK), 0);
    CHECK_EQ(zcn_memfd_get_seals(fd), ZCN_SEAL_SHRINK);
    CHECK_ERR(zcn_ftruncate(fd, 4096), ZCN_EPERM);
    CHECK_ERR(zcn_ftruncate(fd, 0), ZCN_EPERM);
    CHECK_EQ(file_size(fd), 8192);
    CHECK_EQ(zcn_ftruncate(fd, 12288), 0); /* growing is allowed */
    uint8_t data[100], back[100];
    zcn_fx_fill(data, sizeof data, 0, 4);
    CHECK_EQ(zcn_pwrite(fd, data, sizeof data, 20000), 100); /* so is writing, past the end too */
    CHECK_EQ(zcn_pread(fd, back, sizeof back, 20000), 100);
    CHECK_EQ(zcn_fx_mismatch(back, 100, 0, 4), -1);
    /* Seals are idempotent. */
    CHECK_EQ(zcn_memfd_add_seals(fd, ZCN_SEAL_SHRINK), 0);
    CHECK_EQ(zcn_memfd_get_seals(fd), ZCN_SEAL_SHRINK);
    zcn_close(fd);
}

static void test_seal_grow(void) {
    int32_t fd = new_memfd("grow", ZCN_MFD_ALLOW_SEALING, 8192);
    CHECK_EQ(zcn_memfd_add_seals(fd, ZCN_SEAL_GROW), 0);
    CHECK_ERR(zcn_ftruncate(fd, 8193), ZCN_EPERM);
    uint8_t data[100];
    zcn_fx_fill(data, sizeof data, 0, 5);
    CHECK_ERR(zcn_pwrite(fd, data, sizeof data, 8192), ZCN_EPERM); /* a write that would extend */
    CHECK_EQ(zcn_pwrite(fd, data, sizeof data, 0), 100);           /* inside the file: fine */
    /* A write that straddles the end is cut at the end. */
    CHECK_EQ(zcn_pwrite(fd, data, sizeof data, 8192 - 40), 40);
    CHECK_EQ(file_size(fd), 8192);
    CHECK_EQ(zcn_ftruncate(fd, 4096), 0); /* shrinking is allowed */
    CHECK_ERR(zcn_ftruncate(fd, 8192), ZCN_EPERM);
    zcn_close(fd);
}

static void test_seal_write(void) {
    int32_t fd = new_memfd("write", ZCN_MFD_ALLOW_SEALING, (int64_t)(2 * ps));
    uint8_t data[64], back[64];
    zcn_fx_fill(data, sizeof data, 0, 6);
    CHECK_EQ(zcn_pwrite(fd, data, sizeof data, 0), 64);

    /* A writable shared mapping blocks the seal. */
    void *map = NULL;
    CHECK_EQ(zcn_mmap(&map, NULL, 2 * ps, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED, fd, 0), 0);
    REQUIRE(map != NULL);
    CHECK_ERR(zcn_memfd_add_seals(fd, ZCN_SEAL_WRITE), ZCN_EBUSY);
    CHECK_EQ(zcn_memfd_get_seals(fd), 0);
    CHECK_EQ(zcn_memfd_add_seals(fd, ZCN_SEAL_SHRINK), 0); /* other seals are fine meanwhile */
    CHECK_EQ(zcn_munmap(map, 2 * ps), 0);
    /* So does a read-only shared mapping made through a read-write descriptor: mprotect could
     * make it writable later (the kernel counts it as a potential writer, VM_MAYWRITE). */
    CHECK_EQ(zcn_mmap(&map, NULL, 2 * ps, ZCN_PROT_READ, ZCN_MAP_SHARED, fd, 0), 0);
    REQUIRE(map != NULL);
    CHECK_ERR(zcn_memfd_add_seals(fd, ZCN_SEAL_WRITE), ZCN_EBUSY);
    CHECK_EQ(zcn_munmap(map, 2 * ps), 0);
    /* A shared mapping through a read-only descriptor cannot ever write: it does not block. */
    int ro = reopen(fd, O_RDONLY);
    CHECK_EQ(zcn_mmap(&map, NULL, 2 * ps, ZCN_PROT_READ, ZCN_MAP_SHARED, ro, 0), 0);
    close(ro);
    REQUIRE(map != NULL);
    CHECK_EQ(zcn_memfd_add_seals(fd, ZCN_SEAL_WRITE), 0);
    CHECK_EQ(zcn_memfd_get_seals(fd), ZCN_SEAL_SHRINK | ZCN_SEAL_WRITE);
    CHECK_EQ(zcn_fx_mismatch(map, 64, 0, 6), -1);
    CHECK_EQ(zcn_munmap(map, 2 * ps), 0);

    /* The contents can no longer change, by any path. */
    uint8_t other[64];
    memset(other, 0x55, sizeof other);
    CHECK_ERR(zcn_pwrite(fd, other, sizeof other, 0), ZCN_EPERM);
    CHECK_ERR(zcn_write(fd, other, sizeof other), ZCN_EPERM);
    map = (void *)1;
    CHECK_ERR(zcn_mmap(&map, NULL, ps, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED, fd, 0), ZCN_EPERM);
    CHECK(map == NULL);
    /* A private writable mapping is still allowed: its writes never reach the file. */
    CHECK_EQ(zcn_mmap(&map, NULL, ps, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_PRIVATE, fd, 0), 0);
    REQUIRE(map != NULL);
    memset(map, 0x66, 64);
    CHECK_EQ(zcn_munmap(map, ps), 0);
    CHECK_EQ(zcn_pread(fd, back, sizeof back, 0), 64);
    CHECK_EQ(zcn_fx_mismatch(back, 64, 0, 6), -1);
    /* SEAL_WRITE alone leaves the size free (SHRINK is also set here, so only growth works). */
    CHECK_EQ(zcn_ftruncate(fd, (int64_t)(4 * ps)), 0);
    zcn_close(fd);
}

static void test_seal_future_write(void) {
    int32_t fd = new_memfd("future-write", ZCN_MFD_ALLOW_SEALING, (int64_t)ps);
    void *map = NULL;
    CHECK_EQ(zcn_mmap(&map, NULL, ps, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED, fd, 0), 0);
    REQUIRE(map != NULL);
    /* Unlike SEAL_WRITE, an existing writable mapping does not block it ... */
    CHECK_EQ(zcn_memfd_add_seals(fd, ZCN_SEAL_FUTURE_WRITE), 0);
    CHECK_EQ(zcn_memfd_get_seals(fd), ZCN_SEAL_FUTURE_WRITE);
    /* ... and keeps working, while new writers are refused. */
    zcn_fx_fill(map, ps, 0, 7);
    uint8_t back[256];
    CHECK_EQ(zcn_pread(fd, back, sizeof back, 0), 256);
    CHECK_EQ(zcn_fx_mismatch(back, 256, 0, 7), -1);
    CHECK_ERR(zcn_pwrite(fd, back, sizeof back, 0), ZCN_EPERM);
    void *second = (void *)1;
    CHECK_ERR(zcn_mmap(&second, NULL, ps, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED, fd, 0), ZCN_EPERM);
    CHECK_EQ(zcn_mmap(&second, NULL, ps, ZCN_PROT_READ, ZCN_MAP_SHARED, fd, 0), 0);
    REQUIRE(second != NULL);
    CHECK_EQ(zcn_fx_mismatch(second, ps, 0, 7), -1);
    CHECK_EQ(zcn_munmap(second, ps), 0);
    CHECK_EQ(zcn_munmap(map, ps), 0);
    zcn_close(fd);
}

static void test_seal_seal(void) {
    int32_t fd = new_memfd("seal-seal", ZCN_MFD_ALLOW_SEALING, 4096);
    CHECK_EQ(zcn_memfd_add_seals(fd, ZCN_SEAL_SHRINK | ZCN_SEAL_WRITE), 0);
    CHECK_EQ(zcn_memfd_add_seals(fd, ZCN_SEAL_GROW | ZCN_SEAL_SEAL), 0);
    int32_t all = ZCN_SEAL_SHRINK | ZCN_SEAL_WRITE | ZCN_SEAL_GROW | ZCN_SEAL_SEAL;
    CHECK_EQ(zcn_memfd_get_seals(fd), all);
    CHECK_ERR(zcn_memfd_add_seals(fd, ZCN_SEAL_FUTURE_WRITE), ZCN_EPERM);
    CHECK_ERR(zcn_memfd_add_seals(fd, ZCN_SEAL_SEAL), ZCN_EPERM);
    CHECK_ERR(zcn_memfd_add_seals(fd, 0), ZCN_EPERM); /* even adding nothing */
    CHECK_EQ(zcn_memfd_get_seals(fd), all);
    /* Seals belong to the file: a duplicate descriptor sees them. */
    int dup_fd = dup(fd);
    REQUIRE(dup_fd >= 0);
    CHECK_EQ(zcn_memfd_get_seals(dup_fd), all);
    close(dup_fd);
    zcn_close(fd);
}

static void test_seals_shared_between_descriptors(void) {
    int32_t fd = new_memfd("shared-seals", ZCN_MFD_ALLOW_SEALING, 4096);
    int rw = reopen(fd, O_RDWR);
    CHECK_EQ(zcn_memfd_add_seals(rw, ZCN_SEAL_GROW), 0);
    CHECK_EQ(zcn_memfd_get_seals(fd), ZCN_SEAL_GROW);
    /* Adding seals needs a descriptor open for writing. */
    int ro = reopen(fd, O_RDONLY);
    CHECK_EQ(zcn_memfd_get_seals(ro), ZCN_SEAL_GROW);
    CHECK_ERR(zcn_memfd_add_seals(ro, ZCN_SEAL_SHRINK), ZCN_EPERM);
    CHECK_EQ(zcn_memfd_get_seals(fd), ZCN_SEAL_GROW);
    close(ro);
    close(rw);
    zcn_close(fd);
}

static void test_seal_errors(void) {
    int32_t fd = new_memfd("seal-errors", ZCN_MFD_ALLOW_SEALING, 0);
    CHECK_ERR(zcn_memfd_add_seals(fd, 0x40), ZCN_EINVAL);
    CHECK_ERR(zcn_memfd_add_seals(fd, 0x100), ZCN_EINVAL);
    CHECK_ERR(zcn_memfd_add_seals(fd, -1), ZCN_EINVAL);
    CHECK_EQ(zcn_memfd_get_seals(fd), 0);
    CHECK_EQ(zcn_memfd_add_seals(fd, 0), 0); /* nothing to add */
    zcn_close(fd);

    int32_t closed = zcn_fx_closed_fd();
    CHECK_ERR(zcn_memfd_add_seals(closed, ZCN_SEAL_SHRINK), ZCN_EBADF);
    CHECK_ERR(zcn_memfd_get_seals(closed), ZCN_EBADF);
    CHECK_ERR(zcn_memfd_get_seals(-1), ZCN_EBADF);

    /* Files that do not support seals: ext4 files and pipes. (A named tmpfs file does support
     * them, but is born sealed with SEAL_SEAL, so adding is EPERM there.) */
    char path[4200];
    REQUIRE(zcn_fx_make_file(zcn_fx_path(path, sizeof path, "not-memfd"), 10, 8) == 0);
    int32_t regular = zcn_open(path, ZCN_O_RDWR, 0);
    REQUIRE(regular >= 0);
    struct statfs sfs;
    REQUIRE(fstatfs(regular, &sfs) == 0);
    if (sfs.f_type == TMPFS_MAGIC) {
        CHECK_EQ(zcn_memfd_get_seals(regular), ZCN_SEAL_SEAL);
        CHECK_ERR(zcn_memfd_add_seals(regular, ZCN_SEAL_SHRINK), ZCN_EPERM);
    } else {
        CHECK_ERR(zcn_memfd_get_seals(regular), ZCN_EINVAL);
        CHECK_ERR(zcn_memfd_add_seals(regular, ZCN_SEAL_SHRINK), ZCN_EINVAL);
    }
    zcn_close(regular);
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    CHECK_ERR(zcn_memfd_get_seals(p[0]), ZCN_EINVAL);
    CHECK_ERR(zcn_memfd_add_seals(p[1], ZCN_SEAL_SHRINK), ZCN_EINVAL);
    close(p[0]);
    close(p[1]);
}

static void test_no_descriptor_leak(void) {
    CHECK_EQ(zcn_fx_fd_count(), fd_baseline);
}

int main(void) {
    ps = (uint64_t)sysconf(_SC_PAGESIZE);
    zcn_fx_tmpdir();
    fd_baseline = zcn_fx_fd_count();
    RUN(test_create_and_use);
    RUN(test_create_names_and_flags);
    RUN(test_create_errors);
    RUN(test_create_emfile);
    RUN(test_hugetlb);
    RUN(test_huge_page_sizes);
    RUN(test_noexec_seal);
    RUN(test_exec_flag);
    RUN(test_seal_exec);
    RUN(test_no_sealing_without_allow_flag);
    RUN(test_seal_shrink);
    RUN(test_seal_grow);
    RUN(test_seal_write);
    RUN(test_seal_future_write);
    RUN(test_seal_seal);
    RUN(test_seals_shared_between_descriptors);
    RUN(test_seal_errors);
    RUN(test_no_descriptor_leak);
    return zcn_test_summary();
}
