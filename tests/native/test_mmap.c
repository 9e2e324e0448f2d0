/*
 * test_mmap.c - zcn_page_size, zcn_mmap, zcn_munmap, zcn_msync, zcn_madvise and zcn_mincore:
 * success paths with the data verified byte for byte, and every error user space can provoke.
 */
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zcn_fixtures.h"
#include "zcn_test.h"

static uint64_t ps; /* the page size */
static int on_ext4; /* the scratch directory is on ext4: its page cache can drop clean pages */
static int fd_baseline;

/* Maps len bytes of private anonymous read-write memory. */
static uint8_t *map_anon(uint64_t len) {
    void *p = NULL;
    int32_t r = zcn_mmap(&p, NULL, len, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(r, 0);
    REQUIRE(r == 0 && p != NULL);
    return (uint8_t *)p;
}

/* Creates a scratch file of len bytes of pattern seed and opens it with the given open(2) flags. */
static int open_scratch(const char *name, uint64_t len, uint32_t seed, int flags) {
    char path[4200];
    zcn_fx_path(path, sizeof path, name);
    REQUIRE(zcn_fx_make_file(path, len, seed) == 0);
    int fd = open(path, flags | O_CLOEXEC);
    REQUIRE(fd >= 0);
    return fd;
}

/* mlock(2) and munlock(2) through the raw system call: AddressSanitizer replaces the libc functions
 * with no-ops, and these tests need the pages really locked. */
static int lock_pages(void *p, uint64_t len) {
    return (int)syscall(SYS_mlock, p, (size_t)len);
}
static int unlock_pages(void *p, uint64_t len) {
    return (int)syscall(SYS_munlock, p, (size_t)len);
}

/* Frees a range, then checks it is really gone: mincore reports an unmapped range as ENOMEM. */
static void unmap_checked(void *p, uint64_t len) {
    CHECK_EQ(zcn_munmap(p, len), 0);
    CHECK_ERR(zcn_mincore(p, len, NULL), ZCN_ENOMEM);
}

/* Reserves len bytes of address space and releases it again, returning an address that is free
 * (nothing else in this single-threaded test maps memory in between). */
static uint8_t *free_address(uint64_t len) {
    uint8_t *p = map_anon(len);
    CHECK_EQ(zcn_munmap(p, len), 0);
    return p;
}

/* ---- zcn_page_size ------------------------------------------------------------------------------ */

static void test_page_size(void) {
    int64_t size = zcn_page_size();
    CHECK_EQ(size, sysconf(_SC_PAGESIZE));
    CHECK(size >= 4096);
    CHECK((size & (size - 1)) == 0);
    CHECK_EQ(zcn_page_size(), size); /* stable */
}

/* ---- zcn_mmap: success ---------------------------------------------------------------------------- */

static void test_mmap_anonymous_is_zeroed_and_writable(void) {
    uint64_t len = 4 * ps;
    uint8_t *p = map_anon(len);
    CHECK(((uintptr_t)p & (ps - 1)) == 0);
    CHECK(zcn_fx_all_bytes(p, len, 0));
    zcn_fx_fill(p, len, 0, 11);
    CHECK_EQ(zcn_fx_mismatch(p, len, 0, 11), -1);
    unmap_checked(p, len);
}

static void test_mmap_length_not_page_multiple(void) {
    /* The kernel rounds the length up to whole pages: the tail of the last page is usable. */
    uint64_t len = ps + 1;
    uint8_t *p = map_anon(len);
    p[2 * ps - 1] = 0x5a;
    CHECK_EQ(p[2 * ps - 1], 0x5a);
    CHECK_EQ(zcn_mincore(p, 2 * ps, NULL), 1);
    unmap_checked(p, 2 * ps);
}

static void test_mmap_shared_file_reads_and_writes_through(void) {
    uint64_t len = 3 * ps + 100; /* a partial last page */
    int fd = open_scratch("shared", len, 21, O_RDWR);
    void *v = (void *)1;
    CHECK_EQ(zcn_mmap(&v, NULL, len, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED, fd, 0), 0);
    REQUIRE(v != NULL && v != (void *)1);
    uint8_t *p = (uint8_t *)v;
    CHECK_EQ(zcn_fx_mismatch(p, len, 0, 21), -1);
    /* The rest of the last page reads as zeros, never as stale data. */
    CHECK(zcn_fx_all_bytes(p + len, 4 * ps - len, 0));

    /* Writes through the mapping reach the file once msync returns. */
    zcn_fx_fill(p + ps, ps, 0, 22);
    CHECK_EQ(zcn_msync(p, 4 * ps, ZCN_MS_SYNC), 0);
    uint8_t *back = malloc(ps);
    REQUIRE(back != NULL);
    CHECK_EQ(pread(fd, back, ps, (off_t)ps), (ssize_t)ps);
    CHECK_EQ(zcn_fx_mismatch(back, ps, 0, 22), -1);
    /* And writes to the file show in the mapping (one page cache). */
    zcn_fx_fill(back, ps, 0, 23);
    CHECK_EQ(pwrite(fd, back, ps, 0), (ssize_t)ps);
    CHECK_EQ(zcn_fx_mismatch(p, ps, 0, 23), -1);
    CHECK_EQ(zcn_msync(p, ps, ZCN_MS_ASYNC), 0);
    CHECK_EQ(zcn_msync(p, ps, ZCN_MS_ASYNC | ZCN_MS_INVALIDATE), 0);
    CHECK_EQ(zcn_msync(p, ps, ZCN_MS_SYNC | ZCN_MS_INVALIDATE), 0);
    free(back);
    unmap_checked(p, len);
    close(fd);
}

static void test_mmap_private_file_is_copy_on_write(void) {
    uint64_t len = 2 * ps;
    int fd = open_scratch("private", len, 31, O_RDONLY);
    void *v = NULL;
    /* PROT_WRITE with MAP_PRIVATE needs only read access to the file. */
    CHECK_EQ(zcn_mmap(&v, NULL, len, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_PRIVATE, fd, 0), 0);
    REQUIRE(v != NULL);
    uint8_t *p = (uint8_t *)v;
    CHECK_EQ(zcn_fx_mismatch(p, len, 0, 31), -1);
    memset(p, 0xee, ps);
    uint8_t *back = malloc(ps);
    REQUIRE(back != NULL);
    CHECK_EQ(pread(fd, back, ps, 0), (ssize_t)ps);
    CHECK_EQ(zcn_fx_mismatch(back, ps, 0, 31), -1); /* the file is untouched */
    CHECK(zcn_fx_all_bytes(p, ps, 0xee));
    free(back);
    unmap_checked(p, len);
    close(fd);
}

static void test_mmap_at_page_offset(void) {
    uint64_t len = 4 * ps;
    int fd = open_scratch("offset", len, 41, O_RDONLY);
    void *v = NULL;
    CHECK_EQ(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_SHARED, fd, (int64_t)(2 * ps)), 0);
    REQUIRE(v != NULL);
    CHECK_EQ(zcn_fx_mismatch(v, ps, 2 * ps, 41), -1);
    unmap_checked(v, ps);
    /* SHARED_VALIDATE with known flags behaves as SHARED. */
    CHECK_EQ(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_SHARED_VALIDATE, fd, (int64_t)(3 * ps)), 0);
    REQUIRE(v != NULL);
    CHECK_EQ(zcn_fx_mismatch(v, ps, 3 * ps, 41), -1);
    unmap_checked(v, ps);
    close(fd);
}

static void test_mmap_populate_makes_pages_resident(void) {
    uint64_t len = 8 * ps;
    void *v = NULL;
    CHECK_EQ(zcn_mmap(&v, NULL, len, ZCN_PROT_READ | ZCN_PROT_WRITE,
                      ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS | ZCN_MAP_POPULATE, -1, 0),
             0);
    REQUIRE(v != NULL);
    CHECK_EQ(zcn_mincore(v, len, NULL), 8);
    CHECK(zcn_fx_all_bytes(v, len, 0));
    unmap_checked(v, len);
    /* Without MAP_POPULATE nothing is resident until touched. */
    uint8_t *p = map_anon(len);
    CHECK_EQ(zcn_mincore(p, len, NULL), 0);
    unmap_checked(p, len);
}

static void test_mmap_noreserve_and_prot_none(void) {
    void *v = NULL;
    CHECK_EQ(zcn_mmap(&v, NULL, 16 * ps, ZCN_PROT_NONE, ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS | ZCN_MAP_NORESERVE, -1, 0),
             0);
    REQUIRE(v != NULL);
    CHECK_EQ(zcn_mincore(v, 16 * ps, NULL), 0);
    unmap_checked(v, 16 * ps);
}

static void test_mmap_fixed_places_and_replaces(void) {
    uint64_t len = 2 * ps;
    uint8_t *p = map_anon(len);
    memset(p, 0x77, len);
    /* MAP_FIXED over a live mapping replaces it: the new anonymous pages read as zeros. */
    void *v = NULL;
    CHECK_EQ(zcn_mmap(&v, p + ps, ps, ZCN_PROT_READ | ZCN_PROT_WRITE,
                      ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS | ZCN_MAP_FIXED, -1, 0),
             0);
    CHECK(v == p + ps);
    CHECK(zcn_fx_all_bytes(p, ps, 0x77));
    CHECK(zcn_fx_all_bytes(p + ps, ps, 0));
    unmap_checked(p, len);

    /* MAP_FIXED_NOREPLACE on a free range places the mapping exactly there. */
    uint8_t *hint = free_address(len);
    v = NULL;
    CHECK_EQ(zcn_mmap(&v, hint, len, ZCN_PROT_READ | ZCN_PROT_WRITE,
                      ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS | ZCN_MAP_FIXED_NOREPLACE, -1, 0),
             0);
    REQUIRE(v != NULL);
    CHECK(v == hint);
    unmap_checked(v, len);
}

/* ---- zcn_mmap: errors ----------------------------------------------------------------------------- */

static void test_mmap_efault_null_out(void) {
    CHECK_ERR(zcn_mmap(NULL, NULL, ps, ZCN_PROT_READ, ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS, -1, 0), ZCN_EFAULT);
}

static void test_mmap_einval(void) {
    int fd = open_scratch("einval", 2 * ps, 51, O_RDWR);
    void *v = (void *)1;
    /* length 0 */
    CHECK_ERR(zcn_mmap(&v, NULL, 0, ZCN_PROT_READ, ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS, -1, 0), ZCN_EINVAL);
    CHECK(v == NULL); /* the out-parameter is cleared on failure */
    v = (void *)1;
    CHECK_ERR(zcn_mmap(&v, NULL, 0, ZCN_PROT_READ, ZCN_MAP_SHARED, fd, 0), ZCN_EINVAL);
    CHECK(v == NULL);
    /* offset not page-aligned */
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_SHARED, fd, 1), ZCN_EINVAL);
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_SHARED, fd, (int64_t)ps / 2), ZCN_EINVAL);
    /* a negative, page-aligned offset: the kernel reads it as unsigned, a page offset past any file: EOVERFLOW */
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_SHARED, fd, -(int64_t)ps), ZCN_EOVERFLOW);
    /* neither SHARED nor PRIVATE */
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_ANONYMOUS, -1, 0), ZCN_EINVAL);
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, 0, fd, 0), ZCN_EINVAL);
    /* unknown bits are the kernel's to judge: MAP_SHARED_VALIDATE refuses an unknown map flag */
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_SHARED_VALIDATE | 0x800000, fd, 0), ZCN_EOPNOTSUPP);
    /* MAP_FIXED at an address that is not page-aligned */
    uint8_t *hint = free_address(2 * ps);
    CHECK_ERR(zcn_mmap(&v, hint + 1, ps, ZCN_PROT_READ, ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS | ZCN_MAP_FIXED, -1, 0),
              ZCN_EINVAL);
    CHECK(v == NULL);
    close(fd);
}

static void test_mmap_ebadf(void) {
    void *v = (void *)1;
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_SHARED, zcn_fx_closed_fd(), 0), ZCN_EBADF);
    CHECK(v == NULL);
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_PRIVATE, -1, 0), ZCN_EBADF);
}

static void test_mmap_eacces_access_mode(void) {
    int ro = open_scratch("eacces", 2 * ps, 61, O_RDONLY);
    char path[4200];
    int wo = open(zcn_fx_path(path, sizeof path, "eacces"), O_WRONLY | O_CLOEXEC);
    REQUIRE(wo >= 0);
    void *v = (void *)1;
    /* A shared writable mapping needs a descriptor open for writing. */
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED, ro, 0), ZCN_EACCES);
    CHECK(v == NULL);
    /* Every file mapping needs a descriptor open for reading. */
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_SHARED, wo, 0), ZCN_EACCES);
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_PRIVATE, wo, 0), ZCN_EACCES);
    close(ro);
    close(wo);
}

static void test_mmap_enodev_non_regular(void) {
    /* mmap(2) lists EACCES for a non-regular file; Linux answers ENODEV for objects whose driver
     * cannot map at all: pipes, directories, /dev/null, sockets. */
    void *v = (void *)1;
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_SHARED, p[0], 0), ZCN_ENODEV);
    CHECK(v == NULL);
    close(p[0]);
    close(p[1]);
    int dir = open(zcn_fx_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(dir >= 0);
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_SHARED, dir, 0), ZCN_ENODEV);
    close(dir);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    REQUIRE(null >= 0);
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_PRIVATE, null, 0), ZCN_ENODEV);
    close(null);
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_SHARED, sv[0], 0), ZCN_ENODEV);
    close(sv[0]);
    close(sv[1]);
}

static void test_mmap_enomem_huge_length(void) {
    void *v = (void *)1;
    int32_t r = zcn_mmap(&v, NULL, UINT64_C(1) << 62, ZCN_PROT_READ,
                         ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS | ZCN_MAP_NORESERVE, -1, 0);
    /* 2^62 bytes exceed the 47-bit user address space. Valgrind checks mmap arguments itself and
     * refuses the length with EINVAL before the kernel sees it. */
    CHECK_EQ(r, zcn_fx_on_valgrind() ? -ZCN_EINVAL : -ZCN_ENOMEM);
    CHECK(v == NULL);
    /* A length that wraps to 0 when rounded up to a page. */
    r = zcn_mmap(&v, NULL, UINT64_MAX - 100, ZCN_PROT_READ, ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS, -1, 0);
    CHECK(r == -ZCN_ENOMEM || r == -ZCN_EINVAL);
    CHECK(v == NULL);
}

static void test_mmap_hugetlb(void) {
    long free_huge = zcn_fx_meminfo_value("HugePages_Free");
    long huge_kb = zcn_fx_meminfo_value("Hugepagesize");
    REQUIRE(free_huge >= 0 && huge_kb > 0);
    uint64_t len = (uint64_t)huge_kb * 1024;
    void *v = (void *)1;
    int32_t r = zcn_mmap(&v, NULL, len, ZCN_PROT_READ | ZCN_PROT_WRITE,
                         ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS | ZCN_MAP_HUGETLB, -1, 0);
    if (free_huge == 0) {
        /* No huge page reserved (vm.nr_hugepages = 0): the kernel refuses with ENOMEM. */
        CHECK_ERR(r, ZCN_ENOMEM);
        CHECK(v == NULL);
        return;
    }
    CHECK_EQ(r, 0);
    REQUIRE(r == 0 && v != NULL);
    CHECK(((uintptr_t)v & (len - 1)) == 0);
    zcn_fx_fill(v, len, 0, 71);
    CHECK_EQ(zcn_fx_mismatch(v, len, 0, 71), -1);
    CHECK_EQ(zcn_munmap(v, len), 0);
}

/* True when the machine has a huge-page pool of this size (its sysfs directory), even an empty one. */
static int huge_pool_exists(uint64_t kib) {
    char path[96];
    snprintf(path, sizeof path, "/sys/kernel/mm/hugepages/hugepages-%llukB", (unsigned long long)kib);
    return access(path, F_OK) == 0;
}

/* MAP_HUGE_2MB and MAP_HUGE_1GB select a pool; MAP_NORESERVE lets the kernel map without reserving pages, so the
 * call succeeds wherever the pool exists, empty or not (the pages are never touched). */
static void test_mmap_huge_page_sizes(void) {
    static const struct {
        int32_t flag;
        uint64_t kib;
    } sizes[] = {{ZCN_MAP_HUGE_2MB, 2048}, {ZCN_MAP_HUGE_1GB, 1048576}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t len = sizes[i].kib * 1024;
        int32_t flags = ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS | ZCN_MAP_HUGETLB | ZCN_MAP_NORESERVE | sizes[i].flag;
        void *v = NULL;
        int32_t r = zcn_mmap(&v, NULL, len, ZCN_PROT_READ | ZCN_PROT_WRITE, flags, -1, 0);
        if (!huge_pool_exists(sizes[i].kib)) {
            fprintf(stderr, "  note: no %llu KiB huge-page pool: %s\n", (unsigned long long)sizes[i].kib,
                    zcn_test_name(r));
            CHECK(r == 0 || r == -ZCN_EINVAL || r == -ZCN_ENOMEM);
        } else {
            CHECK_EQ(r, 0);
            if (r == 0) CHECK(((uintptr_t)v & (len - 1)) == 0); /* aligned to its page size */
        }
        if (r == 0) CHECK_EQ(zcn_munmap(v, len), 0);
    }
    /* The encoding is log2(size) << ZCN_HUGE_SHIFT. */
    CHECK_EQ(ZCN_MAP_HUGE_2MB, 21 << ZCN_HUGE_SHIFT);
    CHECK_EQ(ZCN_MAP_HUGE_1GB, 30 << ZCN_HUGE_SHIFT);
    CHECK_EQ(ZCN_MAP_HUGE_2GB >> ZCN_HUGE_SHIFT, ZCN_HUGE_MASK & 31);
}

/* MAP_LOCKED faults the whole range in and locks it: every page is resident at once. */
static void test_mmap_locked_is_resident_at_once(void) {
    uint64_t len = 8 * ps;
    void *v = NULL;
    int32_t r = zcn_mmap(&v, NULL, len, ZCN_PROT_READ | ZCN_PROT_WRITE,
                         ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS | ZCN_MAP_LOCKED, -1, 0);
    CHECK_EQ(r, 0);
    REQUIRE(r == 0);
    if (!zcn_fx_on_valgrind()) CHECK_EQ(zcn_mincore(v, len, NULL), 8); /* valgrind does not lock for us */
    /* MADV_DONTNEED_LOCKED may drop locked pages; plain MADV_DONTNEED refuses locked ones (EINVAL). */
    CHECK_EQ(zcn_madvise(v, len, ZCN_MADV_DONTNEED_LOCKED), 0);
    CHECK_EQ(zcn_munmap(v, len), 0);
}

/* MAP_SHARED_VALIDATE maps like MAP_SHARED and refuses what it cannot honour: MAP_SYNC needs a DAX file. */
static void test_mmap_shared_validate_and_sync(void) {
    int fd = open_scratch("validate", ps, 9, O_RDWR);
    void *v = NULL;
    CHECK_EQ(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED_VALIDATE, fd, 0), 0);
    if (v != NULL) CHECK_EQ(zcn_munmap(v, ps), 0);
    /* Known flags pass the validation (MAP_LOCKED included). */
    CHECK_EQ(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_SHARED_VALIDATE | ZCN_MAP_LOCKED, fd, 0), 0);
    if (v != NULL) CHECK_EQ(zcn_munmap(v, ps), 0);
    /* MAP_SYNC on a file that is not DAX (no filesystem here is): this kernel answers EOPNOTSUPP whatever the
     * mapping type, not only with MAP_SHARED_VALIDATE as the man page has it. */
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED_VALIDATE | ZCN_MAP_SYNC, fd, 0),
              ZCN_EOPNOTSUPP);
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED | ZCN_MAP_SYNC, fd, 0),
              ZCN_EOPNOTSUPP);
    close(fd);
    /* Without a file there is nothing to synchronise: the kernel accepts the bit and ignores it. */
    CHECK_EQ(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED | ZCN_MAP_ANONYMOUS | ZCN_MAP_SYNC,
                      -1, 0), 0);
    if (v != NULL) CHECK_EQ(zcn_munmap(v, ps), 0);
}

/* MAP_STACK, MAP_NONBLOCK (with MAP_POPULATE) and the MAP_DROPPABLE type: uses the kernel accepts. */
static void test_mmap_stack_nonblock_droppable(void) {
    void *v = NULL;
    CHECK_EQ(zcn_mmap(&v, NULL, 4 * ps, ZCN_PROT_READ | ZCN_PROT_WRITE,
                      ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS | ZCN_MAP_STACK, -1, 0), 0);
    if (v != NULL) CHECK_EQ(zcn_munmap(v, 4 * ps), 0);
    int fd = open_scratch("nonblock", 4 * ps, 10, O_RDONLY);
    CHECK_EQ(zcn_mmap(&v, NULL, 4 * ps, ZCN_PROT_READ, ZCN_MAP_PRIVATE | ZCN_MAP_POPULATE | ZCN_MAP_NONBLOCK, fd, 0),
             0);
    if (v != NULL) CHECK_EQ(zcn_munmap(v, 4 * ps), 0);
    close(fd);
    /* MAP_DROPPABLE is a mapping type of its own (Linux 6.11): anonymous memory only. */
    int32_t r = zcn_mmap(&v, NULL, 4 * ps, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_DROPPABLE | ZCN_MAP_ANONYMOUS, -1,
                         0);
    CHECK_EQ(r, 0);
    if (r == 0) {
        ((uint8_t *)v)[0] = 1;
        CHECK_EQ(zcn_munmap(v, 4 * ps), 0);
    }
}

static void test_mmap_eoverflow(void) {
    /* A page offset plus length beyond the largest file offset. */
    int fd = open_scratch("eoverflow", ps, 81, O_RDONLY);
    void *v = (void *)1;
    int64_t last_page = INT64_MAX & ~(int64_t)(ps - 1);
    CHECK_ERR(zcn_mmap(&v, NULL, 2 * ps, ZCN_PROT_READ, ZCN_MAP_SHARED, fd, last_page), ZCN_EOVERFLOW);
    CHECK(v == NULL);
    close(fd);
}

static void noexec_child(void *arg) {
    const char *dir = (const char *)arg;
    if (unshare(CLONE_NEWNS) != 0) _exit(ZCN_FX_CHILD_SKIP);
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0) _exit(ZCN_FX_CHILD_SKIP);
    if (mount("zcn-test", dir, "tmpfs", MS_NOEXEC | MS_NOSUID | MS_NODEV, "size=1m,mode=0700") != 0)
        _exit(ZCN_FX_CHILD_SKIP);
    char path[4300];
    snprintf(path, sizeof path, "%s/code", dir);
    REQUIRE(zcn_fx_make_file(path, ps, 82) == 0);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    void *v = (void *)1;
    CHECK_ERR(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ | ZCN_PROT_EXEC, ZCN_MAP_PRIVATE, fd, 0), ZCN_EPERM);
    CHECK(v == NULL);
    /* Without PROT_EXEC the same file maps. */
    CHECK_EQ(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_PRIVATE, fd, 0), 0);
    REQUIRE(v != NULL);
    CHECK_EQ(zcn_fx_mismatch(v, ps, 0, 82), -1);
    CHECK_EQ(zcn_munmap(v, ps), 0);
    close(fd);
}

static void test_mmap_eperm_exec_on_noexec_mount(void) {
    char dir[4200];
    zcn_fx_path(dir, sizeof dir, "noexec");
    REQUIRE(mkdir(dir, 0700) == 0);
    int status = zcn_fx_run_child(noexec_child, dir);
    if (status == ZCN_FX_CHILD_SKIP) SKIP_TEST("cannot mount a private tmpfs (needs CAP_SYS_ADMIN)");
    CHECK_EQ(status, 0);
}

static void test_mmap_eexist_fixed_noreplace(void) {
    uint64_t len = 3 * ps;
    uint8_t *p = map_anon(len);
    memset(p, 0x3c, len);
    void *v = (void *)1;
    int32_t r =
        zcn_mmap(&v, p + ps, ps, ZCN_PROT_READ, ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS | ZCN_MAP_FIXED_NOREPLACE, -1, 0);
    if (zcn_fx_on_valgrind() && r == 0) {
        /* Valgrind 3.19 does not know MAP_FIXED_NOREPLACE and treats the address as a hint: the
         * new mapping lands elsewhere. It must still never replace the existing one. */
        CHECK(v != p + ps);
        CHECK_EQ(zcn_munmap(v, ps), 0);
    } else {
        CHECK_ERR(r, ZCN_EEXIST);
        CHECK(v == NULL);
    }
    CHECK(zcn_fx_all_bytes(p, len, 0x3c)); /* nothing was replaced */
    unmap_checked(p, len);
}

/* Lengths above INT64_MAX reach the kernel, which answers for itself: no room (ENOMEM) for mmap, a range that
 * is not mapped (ENOMEM) for msync and mincore, a length that rounds up to 0 (EINVAL) for munmap and madvise. */
static void test_lengths_beyond_int64_are_the_kernels(void) {
    uint8_t *p = map_anon(ps);
    uint64_t huge = (uint64_t)INT64_MAX + 1;
    void *v = (void *)1;
    /* Valgrind checks mmap lengths itself and answers EINVAL where the kernel says ENOMEM. */
    CHECK_ERR(zcn_mmap(&v, NULL, huge, ZCN_PROT_READ, ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS, -1, 0),
              zcn_fx_on_valgrind() ? ZCN_EINVAL : ZCN_ENOMEM);
    CHECK(v == NULL);
    /* These ranges reach past the address space on purpose; valgrind would report each one. */
    VALGRIND_DISABLE_ERROR_REPORTING;
    CHECK_ERR(zcn_munmap(p, UINT64_MAX), ZCN_EINVAL);
    CHECK_ERR(zcn_msync(p, huge, ZCN_MS_ASYNC), ZCN_ENOMEM);
    CHECK_ERR(zcn_madvise(p, UINT64_MAX, ZCN_MADV_NORMAL), ZCN_EINVAL);
    CHECK_ERR(zcn_mincore(p, huge, NULL), ZCN_ENOMEM);
    VALGRIND_ENABLE_ERROR_REPORTING;
    p[0] = 1; /* still mapped */
    unmap_checked(p, ps);
}

/* ---- zcn_munmap ------------------------------------------------------------------------------------ */

static void test_munmap(void) {
    uint64_t len = 3 * ps;
    uint8_t *p = map_anon(len);
    memset(p, 1, len);
    CHECK_ERR(zcn_munmap(p + 1, ps), ZCN_EINVAL);
    CHECK_ERR(zcn_munmap(p, 0), ZCN_EINVAL);
    CHECK_EQ(zcn_mincore(p, len, NULL), 3); /* the failed calls removed nothing */
    /* Unmapping the middle page leaves a hole between two live pages. */
    CHECK_EQ(zcn_munmap(p + ps, ps), 0);
    CHECK_ERR(zcn_mincore(p + ps, ps, NULL), ZCN_ENOMEM);
    CHECK_EQ(zcn_mincore(p, ps, NULL), 1);
    CHECK_EQ(zcn_mincore(p + 2 * ps, ps, NULL), 1);
    CHECK_EQ(p[0], 1);
    CHECK_EQ(p[2 * ps], 1);
    /* A range that is already unmapped is not an error; a partial page length rounds up. */
    CHECK_EQ(zcn_munmap(p + ps, ps), 0);
    CHECK_EQ(zcn_munmap(p, len - 1), 0);
    CHECK_ERR(zcn_mincore(p, len, NULL), ZCN_ENOMEM);
}

/* ---- zcn_msync ---------------------------------------------------------------------------------------- */

static void test_msync_einval(void) {
    int fd = open_scratch("msync", 2 * ps, 91, O_RDWR);
    void *v = NULL;
    CHECK_EQ(zcn_mmap(&v, NULL, 2 * ps, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED, fd, 0), 0);
    REQUIRE(v != NULL);
    uint8_t *p = (uint8_t *)v;
    CHECK_ERR(zcn_msync(p, ps, ZCN_MS_SYNC | ZCN_MS_ASYNC), ZCN_EINVAL);
    CHECK_ERR(zcn_msync(p + 1, ps, ZCN_MS_SYNC), ZCN_EINVAL);
    CHECK_ERR(zcn_msync(p, ps, 8), ZCN_EINVAL); /* unknown flag bit */
    CHECK_ERR(zcn_msync(p, ps, ZCN_MS_SYNC | 0x100), ZCN_EINVAL);
    CHECK_EQ(zcn_msync(p, 2 * ps, ZCN_MS_SYNC), 0);
    /* A length that is not a page multiple is rounded up. */
    CHECK_EQ(zcn_msync(p, 1, ZCN_MS_SYNC), 0);
    unmap_checked(p, 2 * ps);
    close(fd);
}

static void test_msync_enomem_unmapped(void) {
    uint64_t len = 3 * ps;
    uint8_t *p = map_anon(len);
    CHECK_EQ(zcn_munmap(p + ps, ps), 0);
    /* Valgrind reports an unmapped msync range as an error of the program; the kernel's answer
     * is what is under test here, so valgrind's report is silenced for this one call. */
    VALGRIND_DISABLE_ERROR_REPORTING;
    int32_t whole = zcn_msync(p, len, ZCN_MS_SYNC);
    int32_t hole = zcn_msync(p + ps, ps, ZCN_MS_ASYNC);
    VALGRIND_ENABLE_ERROR_REPORTING;
    CHECK_ERR(whole, ZCN_ENOMEM);
    CHECK_ERR(hole, ZCN_ENOMEM);
    CHECK_EQ(zcn_munmap(p, len), 0);
}

static void test_msync_ebusy_invalidate_locked(void) {
    uint8_t *p = map_anon(ps);
    p[0] = 1;
    if (lock_pages(p, ps) != 0) {
        CHECK_EQ(zcn_munmap(p, ps), 0);
        SKIP_TEST("mlock refused (RLIMIT_MEMLOCK)");
    }
    CHECK_ERR(zcn_msync(p, ps, ZCN_MS_SYNC | ZCN_MS_INVALIDATE), ZCN_EBUSY);
    CHECK_EQ(zcn_msync(p, ps, ZCN_MS_SYNC), 0); /* without INVALIDATE a locked range is fine */
    CHECK_EQ(unlock_pages(p, ps), 0);
    CHECK_EQ(zcn_msync(p, ps, ZCN_MS_SYNC | ZCN_MS_INVALIDATE), 0);
    unmap_checked(p, ps);
}

/* ---- zcn_madvise ---------------------------------------------------------------------------------------- */

static void test_madvise_hints_succeed(void) {
    int fd = open_scratch("madv", 4 * ps, 101, O_RDONLY);
    void *v = NULL;
    CHECK_EQ(zcn_mmap(&v, NULL, 4 * ps, ZCN_PROT_READ, ZCN_MAP_SHARED, fd, 0), 0);
    REQUIRE(v != NULL);
    static const int32_t advice[] = {ZCN_MADV_SEQUENTIAL, ZCN_MADV_RANDOM,  ZCN_MADV_WILLNEED, ZCN_MADV_NORMAL,
                                     ZCN_MADV_DONTFORK,   ZCN_MADV_DOFORK,  ZCN_MADV_DONTDUMP, ZCN_MADV_DODUMP,
                                     ZCN_MADV_COLD,       ZCN_MADV_DONTNEED};
    for (size_t i = 0; i < sizeof advice / sizeof advice[0]; i++) {
        int32_t r = zcn_madvise(v, 4 * ps, advice[i]);
        if (r != 0) fprintf(stderr, "  advice %d -> %d\n", advice[i], r);
        CHECK_EQ(r, 0);
    }
    /* The advice changes no data. */
    CHECK_EQ(zcn_fx_mismatch(v, 4 * ps, 0, 101), -1);
    unmap_checked(v, 4 * ps);
    close(fd);
}

/* The advice added since Linux 4.14, each in a use the kernel accepts on private anonymous memory. */
static void test_madvise_newer_advice(void) {
    uint64_t len = 4 * ps;
    uint8_t *p = map_anon(len);
    memset(p, 0x5a, len);
    CHECK_EQ(zcn_madvise(p, len, ZCN_MADV_WIPEONFORK), 0);
    CHECK_EQ(zcn_madvise(p, len, ZCN_MADV_KEEPONFORK), 0);
    CHECK_EQ(zcn_madvise(p, len, ZCN_MADV_DONTNEED_LOCKED), 0);
    CHECK(zcn_fx_all_bytes(p, len, 0)); /* dropped like MADV_DONTNEED: zero on the next touch */
    /* A guard page faults on any access; removing the guard gives back (zeroed) memory. Neither is touched while
     * guarded. */
    if (zcn_fx_on_valgrind()) {
        fprintf(stderr, "  note: guard pages are not tried under valgrind (it would not see the faults coming)\n");
    } else {
        CHECK_EQ(zcn_madvise(p, ps, ZCN_MADV_GUARD_INSTALL), 0);
        CHECK_EQ(zcn_madvise(p, ps, ZCN_MADV_GUARD_REMOVE), 0);
        CHECK_EQ(p[0], 0);
    }
    unmap_checked(p, len);
}

/* MADV_COLLAPSE builds a transparent huge page now, for a huge-page-aligned range of touched memory (even with THP
 * in "madvise" mode and no MADV_HUGEPAGE). */
static void test_madvise_collapse(void) {
    long huge_kb = zcn_fx_meminfo_value("Hugepagesize");
    REQUIRE(huge_kb > 0);
    uint64_t huge = (uint64_t)huge_kb * 1024;
    uint8_t *p = map_anon(2 * huge);
    uint8_t *aligned = (uint8_t *)(((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1));
    memset(aligned, 0x33, huge);
    int32_t r = zcn_madvise(aligned, huge, ZCN_MADV_COLLAPSE);
    if (r == -ZCN_EINVAL && zcn_fx_on_valgrind()) {
        fprintf(stderr, "  note: valgrind's own mappings keep the range from collapsing\n");
    } else {
        /* EAGAIN: no huge page free at this moment, which the kernel reports as temporary. */
        CHECK(r == 0 || r == -ZCN_EAGAIN);
    }
    CHECK(zcn_fx_all_bytes(aligned, huge, 0x33)); /* the contents survive the collapse */
    unmap_checked(p, 2 * huge);
}

static void test_madvise_einval(void) {
    uint64_t len = 2 * ps;
    uint8_t *p = map_anon(len);
    CHECK_ERR(zcn_madvise(p, len, 999), ZCN_EINVAL);
    CHECK_ERR(zcn_madvise(p, len, 5), ZCN_EINVAL); /* a gap in the advice numbers */
    CHECK_ERR(zcn_madvise(p, len, -1), ZCN_EINVAL);
    CHECK_ERR(zcn_madvise(p, 0, 999), ZCN_EINVAL); /* advice is checked even for an empty range */
    CHECK_ERR(zcn_madvise(p + 1, ps, ZCN_MADV_NORMAL), ZCN_EINVAL);
    /* MADV_REMOVE needs a shared mapping of a file that can punch holes. */
    CHECK_ERR(zcn_madvise(p, len, ZCN_MADV_REMOVE), ZCN_EINVAL);
    /* POPULATE over memory the protection forbids is EINVAL (not EFAULT). */
    void *none = NULL;
    CHECK_EQ(zcn_mmap(&none, NULL, ps, ZCN_PROT_NONE, ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS, -1, 0), 0);
    REQUIRE(none != NULL);
    CHECK_ERR(zcn_madvise(none, ps, ZCN_MADV_POPULATE_READ), ZCN_EINVAL);
    CHECK_ERR(zcn_madvise(none, ps, ZCN_MADV_POPULATE_WRITE), ZCN_EINVAL);
    unmap_checked(none, ps);
    /* DONTNEED on locked pages. */
    if (lock_pages(p, ps) == 0) {
        CHECK_ERR(zcn_madvise(p, ps, ZCN_MADV_DONTNEED), ZCN_EINVAL);
        CHECK_EQ(unlock_pages(p, ps), 0);
    }
    CHECK_EQ(zcn_madvise(p, len, ZCN_MADV_NORMAL), 0); /* the failures changed nothing */
    unmap_checked(p, len);

    /* MADV_FREE applies only to private anonymous memory. */
    int fd = open_scratch("madv-free", ps, 102, O_RDONLY);
    void *v = NULL;
    CHECK_EQ(zcn_mmap(&v, NULL, ps, ZCN_PROT_READ, ZCN_MAP_SHARED, fd, 0), 0);
    REQUIRE(v != NULL);
    CHECK_ERR(zcn_madvise(v, ps, ZCN_MADV_FREE), ZCN_EINVAL);
    unmap_checked(v, ps);
    close(fd);
}

static void test_madvise_enomem_unmapped(void) {
    uint64_t len = 3 * ps;
    uint8_t *p = map_anon(len);
    CHECK_EQ(zcn_munmap(p + 2 * ps, ps), 0);
    CHECK_ERR(zcn_madvise(p, len, ZCN_MADV_NORMAL), ZCN_ENOMEM);
    CHECK_ERR(zcn_madvise(p + 2 * ps, ps, ZCN_MADV_WILLNEED), ZCN_ENOMEM);
    CHECK_EQ(zcn_munmap(p, len), 0);
}

static void test_madvise_populate_read_makes_resident(void) {
    uint64_t len = 8 * ps;
    uint8_t *p = map_anon(len);
    CHECK_EQ(zcn_mincore(p, len, NULL), 0);
    CHECK_EQ(zcn_madvise(p, len, ZCN_MADV_POPULATE_READ), 0);
    CHECK_EQ(zcn_mincore(p, len, NULL), 8);
    CHECK(zcn_fx_all_bytes(p, len, 0));
    unmap_checked(p, len);

    p = map_anon(len);
    CHECK_EQ(zcn_madvise(p + 2 * ps, 3 * ps, ZCN_MADV_POPULATE_WRITE), 0);
    uint8_t vec[8];
    memset(vec, 0xff, sizeof vec);
    CHECK_EQ(zcn_mincore(p, len, vec), 3);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(vec[i] & 1, (i >= 2 && i < 5) ? 1 : 0);
    unmap_checked(p, len);

    /* A file mapping: after the page cache dropped the pages, POPULATE_READ reads them back. */
    if (!on_ext4) return; /* tmpfs cannot drop its pages: nothing to read back */
    int fd = open_scratch("populate", len, 111, O_RDONLY);
    REQUIRE(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);
    void *v = NULL;
    CHECK_EQ(zcn_mmap(&v, NULL, len, ZCN_PROT_READ, ZCN_MAP_SHARED, fd, 0), 0);
    REQUIRE(v != NULL);
    int64_t before = zcn_mincore(v, len, NULL);
    CHECK(before >= 0 && before < 8);
    CHECK_EQ(zcn_madvise(v, len, ZCN_MADV_POPULATE_READ), 0);
    CHECK_EQ(zcn_mincore(v, len, NULL), 8);
    CHECK_EQ(zcn_fx_mismatch(v, len, 0, 111), -1);
    unmap_checked(v, len);
    close(fd);
}

static void test_madvise_populate_efault_beyond_eof(void) {
    /* Pages of a file mapping past the end of the file raise SIGBUS when touched; POPULATE
     * reports that as EFAULT instead. */
    int fd = open_scratch("populate-eof", ps, 121, O_RDONLY);
    void *v = NULL;
    CHECK_EQ(zcn_mmap(&v, NULL, 3 * ps, ZCN_PROT_READ, ZCN_MAP_SHARED, fd, 0), 0);
    REQUIRE(v != NULL);
    CHECK_ERR(zcn_madvise(v, 3 * ps, ZCN_MADV_POPULATE_READ), ZCN_EFAULT);
    CHECK_EQ(zcn_madvise(v, ps, ZCN_MADV_POPULATE_READ), 0); /* the part inside the file is fine */
    CHECK_EQ(zcn_fx_mismatch(v, ps, 0, 121), -1);
    unmap_checked(v, 3 * ps);
    close(fd);
}

static void test_madvise_dontneed_zeroes_anonymous(void) {
    uint64_t len = 4 * ps;
    uint8_t *p = map_anon(len);
    zcn_fx_fill(p, len, 0, 131);
    CHECK_EQ(zcn_mincore(p, len, NULL), 4);
    CHECK_EQ(zcn_madvise(p + ps, 2 * ps, ZCN_MADV_DONTNEED), 0);
    uint8_t vec[4];
    CHECK_EQ(zcn_mincore(p, len, vec), 2);
    CHECK_EQ(vec[0] & 1, 1);
    CHECK_EQ(vec[1] & 1, 0);
    CHECK_EQ(vec[2] & 1, 0);
    CHECK_EQ(vec[3] & 1, 1);
    /* Dropped private anonymous pages come back as zeros; the others keep their data. */
    CHECK_EQ(zcn_fx_mismatch(p, ps, 0, 131), -1);
    CHECK(zcn_fx_all_bytes(p + ps, 2 * ps, 0));
    CHECK_EQ(zcn_fx_mismatch(p + 3 * ps, ps, 3 * ps, 131), -1);
    unmap_checked(p, len);
}

static void test_madvise_dontneed_private_file_restores_file_data(void) {
    uint64_t len = 2 * ps;
    int fd = open_scratch("dontneed-private", len, 141, O_RDONLY);
    void *v = NULL;
    CHECK_EQ(zcn_mmap(&v, NULL, len, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_PRIVATE, fd, 0), 0);
    REQUIRE(v != NULL);
    memset(v, 0, len);
    CHECK_EQ(zcn_madvise(v, len, ZCN_MADV_DONTNEED), 0);
    /* The private copies are gone: the file's contents show again. */
    CHECK_EQ(zcn_fx_mismatch(v, len, 0, 141), -1);
    unmap_checked(v, len);
    close(fd);
}

static void test_madvise_free_and_pageout(void) {
    uint64_t len = 4 * ps;
    uint8_t *p = map_anon(len);
    zcn_fx_fill(p, len, 0, 151);
    CHECK_EQ(zcn_madvise(p, len, ZCN_MADV_FREE), 0);
    /* After MADV_FREE each page holds either its old data or zeros, never anything else. */
    for (uint64_t i = 0; i < 4; i++) {
        const uint8_t *page = p + i * ps;
        CHECK(zcn_fx_mismatch(page, ps, i * ps, 151) == -1 || zcn_fx_all_bytes(page, ps, 0));
    }
    zcn_fx_fill(p, len, 0, 152);
    CHECK_EQ(zcn_madvise(p, len, ZCN_MADV_PAGEOUT), 0);
    CHECK_EQ(zcn_fx_mismatch(p, len, 0, 152), -1); /* paged out (or not) but never lost */
    unmap_checked(p, len);
}

static void test_madvise_remove_on_shared_memfd(void) {
    int32_t fd = zcn_memfd_create("madv-remove", ZCN_MFD_NONE);
    REQUIRE(fd >= 0);
    uint64_t len = 2 * ps;
    REQUIRE(ftruncate(fd, (off_t)len) == 0);
    void *v = NULL;
    CHECK_EQ(zcn_mmap(&v, NULL, len, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED, fd, 0), 0);
    REQUIRE(v != NULL);
    zcn_fx_fill(v, len, 0, 161);
    CHECK_EQ(zcn_madvise(v, ps, ZCN_MADV_REMOVE), 0);
    /* The backing store of the first page is freed: the file reads zeros there. */
    uint8_t *back = malloc(len);
    REQUIRE(back != NULL);
    CHECK_EQ(pread(fd, back, len, 0), (ssize_t)len);
    CHECK(zcn_fx_all_bytes(back, ps, 0));
    CHECK_EQ(zcn_fx_mismatch(back + ps, ps, ps, 161), -1);
    free(back);
    unmap_checked(v, len);
    close(fd);
}

/* ---- zcn_mincore -------------------------------------------------------------------------------------- */

static void test_mincore_counts(void) {
    uint64_t len = 6 * ps;
    uint8_t *p = map_anon(len);
    p[0] = 1;
    p[2 * ps + 17] = 1;
    p[5 * ps + ps - 1] = 1;
    uint8_t vec[6];
    memset(vec, 0xaa, sizeof vec);
    CHECK_EQ(zcn_mincore(p, len, vec), 3);
    static const uint8_t expect[6] = {1, 0, 1, 0, 0, 1};
    for (int i = 0; i < 6; i++)
        CHECK_EQ(vec[i] & 1, expect[i]);
    CHECK_EQ(zcn_mincore(p, len, NULL), 3);
    /* A partial last page counts as a whole page: one vec byte per page touched by the range. */
    uint8_t vec2[3] = {0xaa, 0xaa, 0xaa};
    CHECK_EQ(zcn_mincore(p + 2 * ps, ps + 1, vec2), 1);
    CHECK_EQ(vec2[0] & 1, 1);
    CHECK_EQ(vec2[1] & 1, 0);
    CHECK_EQ(vec2[2], 0xaa); /* nothing written past the two bytes */
    CHECK_EQ(zcn_mincore(p, 0, NULL), 0);
    unmap_checked(p, len);
}

static void test_mincore_large_range(void) {
    /* Larger than one internal batch in any plausible implementation (a page of vec bytes). */
    uint64_t pages = 3 * ps + 5;
    uint64_t len = pages * ps;
    void *v = NULL;
    CHECK_EQ(zcn_mmap(&v, NULL, len, ZCN_PROT_READ | ZCN_PROT_WRITE,
                      ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS | ZCN_MAP_NORESERVE, -1, 0),
             0);
    REQUIRE(v != NULL);
    /* With transparent huge pages set to "always", one touch could fault in 2 MiB at once. */
    CHECK_EQ(zcn_madvise(v, len, ZCN_MADV_NOHUGEPAGE), 0);
    uint8_t *p = (uint8_t *)v;
    uint64_t touched = 0;
    for (uint64_t i = 0; i < pages; i += 7, touched++)
        p[i * ps] = 1;
    CHECK_EQ(zcn_mincore(p, len, NULL), (int64_t)touched);
    uint8_t *vec = malloc(pages);
    REQUIRE(vec != NULL);
    CHECK_EQ(zcn_mincore(p, len, vec), (int64_t)touched);
    int bad = 0;
    for (uint64_t i = 0; i < pages; i++)
        bad += (vec[i] & 1) != (i % 7 == 0);
    CHECK_EQ(bad, 0);
    free(vec);
    unmap_checked(p, len);
}

static void test_mincore_errors(void) {
    uint64_t len = 2 * ps;
    uint8_t *p = map_anon(len);
    uint8_t vec[2];
    CHECK_ERR(zcn_mincore(p + 1, ps, vec), ZCN_EINVAL);
    /* The kernel judges the address even for a zero length, with or without the library's own vector. */
    CHECK_ERR(zcn_mincore(p + 1, 0, vec), ZCN_EINVAL);
    CHECK_ERR(zcn_mincore(p + 1, 0, NULL), ZCN_EINVAL);
    CHECK_EQ(zcn_mincore(p, 0, NULL), 0);
    /* vec in memory the kernel cannot write (a read-only page) */
    void *ro = NULL;
    CHECK_EQ(zcn_mmap(&ro, NULL, ps, ZCN_PROT_READ, ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS, -1, 0), 0);
    REQUIRE(ro != NULL);
    p[0] = 1;
    CHECK_ERR(zcn_mincore(p, len, (uint8_t *)ro), ZCN_EFAULT);
    unmap_checked(ro, ps);
    CHECK_EQ(zcn_munmap(p + ps, ps), 0);
    CHECK_ERR(zcn_mincore(p, len, vec), ZCN_ENOMEM);
    CHECK_ERR(zcn_mincore(p, len, NULL), ZCN_ENOMEM);
    CHECK_EQ(zcn_munmap(p, ps), 0);
}

static void test_no_descriptor_leak(void) {
    CHECK_EQ(zcn_fx_fd_count(), fd_baseline);
}

int main(void) {
    ps = (uint64_t)sysconf(_SC_PAGESIZE);
    struct statfs sfs;
    on_ext4 = statfs(zcn_fx_tmpdir(), &sfs) == 0 && sfs.f_type == EXT4_SUPER_MAGIC;
    fd_baseline = zcn_fx_fd_count();
    RUN(test_page_size);
    RUN(test_mmap_anonymous_is_zeroed_and_writable);
    RUN(test_mmap_length_not_page_multiple);
    RUN(test_mmap_shared_file_reads_and_writes_through);
    RUN(test_mmap_private_file_is_copy_on_write);
    RUN(test_mmap_at_page_offset);
    RUN(test_mmap_populate_makes_pages_resident);
    RUN(test_mmap_noreserve_and_prot_none);
    RUN(test_mmap_fixed_places_and_replaces);
    RUN(test_mmap_efault_null_out);
    RUN(test_mmap_einval);
    RUN(test_mmap_ebadf);
    RUN(test_mmap_eacces_access_mode);
    RUN(test_mmap_enodev_non_regular);
    RUN(test_mmap_enomem_huge_length);
    RUN(test_mmap_hugetlb);
    RUN(test_mmap_huge_page_sizes);
    RUN(test_mmap_locked_is_resident_at_once);
    RUN(test_mmap_shared_validate_and_sync);
    RUN(test_mmap_stack_nonblock_droppable);
    RUN(test_mmap_eoverflow);
    RUN(test_mmap_eexist_fixed_noreplace);
    RUN(test_mmap_eperm_exec_on_noexec_mount);
    RUN(test_lengths_beyond_int64_are_the_kernels);
    RUN(test_munmap);
    RUN(test_msync_einval);
    RUN(test_msync_enomem_unmapped);
    RUN(test_msync_ebusy_invalidate_locked);
    RUN(test_madvise_hints_succeed);
    RUN(test_madvise_newer_advice);
    RUN(test_madvise_collapse);
    RUN(test_madvise_einval);
    RUN(test_madvise_enomem_unmapped);
    RUN(test_madvise_populate_read_makes_resident);
    RUN(test_madvise_populate_efault_beyond_eof);
    RUN(test_madvise_dontneed_zeroes_anonymous);
    RUN(test_madvise_dontneed_private_file_restores_file_data);
    RUN(test_madvise_free_and_pageout);
    RUN(test_madvise_remove_on_shared_memfd);
    RUN(test_mincore_counts);
    RUN(test_mincore_large_range);
    RUN(test_mincore_errors);
    RUN(test_no_descriptor_leak);
    return zcn_test_summary();
}
