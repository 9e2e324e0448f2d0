/*
 * test_reliability_errno.c - the errno matrix of the C layer, one table for every public function, in the manner
 * of LTP's per-syscall tables: each row provokes one documented error and names the errno expected.
 *
 * Every row runs against a fresh fixture (files of each access mode, a directory, pipes, a socket pair, a memfd,
 * a mapping, a closed descriptor number), and besides the errno the runner checks that the failed call left no
 * partial state behind: the same number of open descriptors (/proc/self/fd) and of mappings (/proc/self/maps)
 * as before the call, offsets passed by pointer unchanged, the fixture file's position unchanged, and nothing
 * queued in the fixture pipe. SIGPIPE is ignored (as the .NET runtime does), so EPIPE rows return -EPIPE.
 *
 * Where Linux versions differ a row accepts a second errno, and says why.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zcn_test.h"
#include "zcn_fixtures.h"
#include "zcn_xfer_fixtures.h"

typedef struct {
    int ro, rw, wo, append;  /* regular files with 8 KiB of data, by access mode */
    int dir;                 /* a directory */
    int pr, pw;              /* a blocking pipe */
    int nbr, nbw;            /* a non-blocking pipe, empty */
    int fullr, fullw;        /* a non-blocking pipe, full */
    int deadw;               /* a pipe's write end whose reader is closed */
    int sa, sb;              /* a unix stream socket pair */
    int deadsock;            /* a socket whose peer is closed */
    int devnull;
    int memfd;               /* a memfd without sealing */
    int sealed;              /* a memfd sealed against shrinking */
    int closed;              /* a descriptor number that is not open */
    void *page;              /* one mapped read-write anonymous page */
    void *unmapped;          /* a page-aligned address that is not mapped */
    int64_t offset;          /* an offset passed by pointer; must stay 0 after a failure */
    int64_t offset2;
    char file_path[ZCN_XF_PATH_MAX];
} fixture;

/* The aligned_huge row asks for an absurd size on purpose. AddressSanitizer treats such a request as a bug and
 * aborts unless it is told to let the allocator return NULL, as libc does. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

static char dir[ZCN_XF_PATH_MAX];
static long page_size;

typedef int64_t (*call_fn)(fixture *f);

typedef struct {
    const char *name;
    call_fn call;
    int expected;
    int alternative; /* 0, or a second errno some kernels give (the row says why) */
    int native_only; /* 1: valgrind emulates this call itself, so the row runs only outside valgrind */
} row;

/* ---- the fixture ------------------------------------------------------------------------------------ */

static int nonblocking_pipe(int *r, int *w) {
    int fds[2];
    if (zcn_pipe(fds, ZCN_PIPE_NONBLOCK) != 0) return -1;
    *r = fds[0];
    *w = fds[1];
    return 0;
}

static void setup(fixture *f) {
    memset(f, 0, sizeof *f);
    f->ro = zcn_xf_make_file(dir, "data", 8192, 5, O_RDONLY, f->file_path, sizeof f->file_path);
    f->rw = open(f->file_path, O_RDWR | O_CLOEXEC);
    f->wo = open(f->file_path, O_WRONLY | O_CLOEXEC);
    f->append = open(f->file_path, O_WRONLY | O_APPEND | O_CLOEXEC);
    f->dir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    f->pr = fds[0];
    f->pw = fds[1];
    REQUIRE(nonblocking_pipe(&f->nbr, &f->nbw) == 0);
    REQUIRE(nonblocking_pipe(&f->fullr, &f->fullw) == 0);
    REQUIRE(zcn_xf_fill_until_eagain(f->fullw) > 0);
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    close(fds[0]);
    f->deadw = fds[1];
    REQUIRE(zcn_xf_unix_pair(fds) == 0);
    f->sa = fds[0];
    f->sb = fds[1];
    REQUIRE(zcn_xf_unix_pair(fds) == 0);
    close(fds[1]);
    f->deadsock = fds[0];
    f->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    f->memfd = zcn_memfd_create("errno-matrix", 0);
    f->sealed = zcn_memfd_create("errno-matrix-sealed", ZCN_MFD_ALLOW_SEALING);
    REQUIRE(f->sealed >= 0 && ftruncate(f->sealed, 8192) == 0);
    REQUIRE(zcn_memfd_add_seals(f->sealed, ZCN_SEAL_SHRINK) == 0);
    f->closed = zcn_fx_closed_fd();
    f->page = mmap(NULL, (size_t)page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(f->page != MAP_FAILED);
    /* Reserve three pages and unmap the middle one: an address certainly not mapped, between two that are. */
    uint8_t *hole = mmap(NULL, (size_t)page_size * 3, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(hole != MAP_FAILED);
    REQUIRE(munmap(hole + page_size, (size_t)page_size) == 0);
    f->unmapped = hole + page_size;
    REQUIRE(f->ro >= 0 && f->rw >= 0 && f->wo >= 0 && f->append >= 0 && f->dir >= 0 && f->devnull >= 0 &&
            f->memfd >= 0);
}

static void teardown(fixture *f) {
    int fds[] = {f->ro, f->rw, f->wo, f->append, f->dir, f->pr, f->pw, f->nbr, f->nbw, f->fullr, f->fullw,
                 f->deadw, f->sa, f->sb, f->deadsock, f->devnull, f->memfd, f->sealed};
    zcn_xf_close_all(fds, sizeof fds / sizeof fds[0]);
    munmap(f->page, (size_t)page_size);
    uint8_t *hole = (uint8_t *)f->unmapped - page_size;
    munmap(hole, (size_t)page_size);
    munmap(hole + 2 * page_size, (size_t)page_size);
}

/* The number of mappings of this process (lines of /proc/self/maps). */
static int maps_count(void) {
    FILE *file = fopen("/proc/self/maps", "re");
    if (file == NULL) return -1;
    int lines = 0;
    for (int c = fgetc(file); c != EOF; c = fgetc(file))
        if (c == '\n') lines++;
    fclose(file);
    return lines;
}

/* ---- the rows ---------------------------------------------------------------------------------------- */
/* Each is a one-line call against the fixture; the table below says what it must return. */

static uint8_t buf[16384];

/* sendfile (LTP sendfile02..09) */
static int64_t sf_out_closed(fixture *f) { return zcn_sendfile(f->closed, f->ro, &f->offset, 16); }
static int64_t sf_in_closed(fixture *f) { return zcn_sendfile(f->pw, f->closed, &f->offset, 16); }
static int64_t sf_in_writeonly(fixture *f) { return zcn_sendfile(f->pw, f->wo, &f->offset, 16); }
static int64_t sf_out_readonly(fixture *f) { return zcn_sendfile(f->ro, f->rw, &f->offset, 16); }
static int64_t sf_out_append(fixture *f) { return zcn_sendfile(f->append, f->ro, &f->offset, 16); }
static int64_t sf_in_pipe_offset(fixture *f) { return zcn_sendfile(f->sa, f->pr, &f->offset, 16); }
static int64_t sf_in_directory(fixture *f) { return zcn_sendfile(f->pw, f->dir, &f->offset, 16); }
static int64_t sf_negative_offset(fixture *f) {
    f->offset2 = -1;
    int64_t r = zcn_sendfile(f->pw, f->ro, &f->offset2, 16);
    if (f->offset2 != -1) return 1; /* the offset must be left alone */
    f->offset2 = 0;
    return r;
}
static int64_t sf_reader_gone(fixture *f) { return zcn_sendfile(f->deadw, f->ro, &f->offset, 16); }
static int64_t sf_peer_gone(fixture *f) { return zcn_sendfile(f->deadsock, f->ro, &f->offset, 16); }
static int64_t sf_full(fixture *f) { return zcn_sendfile(f->fullw, f->ro, &f->offset, 16); }

/* splice (LTP splice02..07) */
static int64_t sp_no_pipe(fixture *f) { return zcn_splice(f->ro, &f->offset, f->rw, &f->offset2, 16, 0); }
static int64_t sp_in_closed(fixture *f) { return zcn_splice(f->closed, NULL, f->pw, NULL, 16, 0); }
static int64_t sp_out_closed(fixture *f) { return zcn_splice(f->ro, &f->offset, f->closed, NULL, 16, 0); }
static int64_t sp_pipe_offset_in(fixture *f) { return zcn_splice(f->pr, &f->offset, f->rw, NULL, 16, 0); }
static int64_t sp_pipe_offset_out(fixture *f) { return zcn_splice(f->ro, NULL, f->pw, &f->offset, 16, 0); }
static int64_t sp_same_pipe(fixture *f) { return zcn_splice(f->nbr, NULL, f->nbw, NULL, 16, 0); }
static int64_t sp_out_append(fixture *f) {
    if (write(f->nbw, "abcd", 4) != 4) return 1;
    return zcn_splice(f->nbr, NULL, f->append, NULL, 4, 0);
}
static int64_t sp_write_end_as_input(fixture *f) { return zcn_splice(f->pw, NULL, f->rw, NULL, 16, 0); }
static int64_t sp_read_end_as_output(fixture *f) { return zcn_splice(f->ro, &f->offset, f->pr, NULL, 16, 0); }
static int64_t sp_reader_gone(fixture *f) { return zcn_splice(f->ro, &f->offset, f->deadw, NULL, 16, 0); }
static int64_t sp_empty_nonblock(fixture *f) { return zcn_splice(f->nbr, NULL, f->pw, NULL, 16, ZCN_SPLICE_F_NONBLOCK); }
static int64_t sp_unknown_flag(fixture *f) { return zcn_splice(f->ro, &f->offset, f->pw, NULL, 16, 0x100); }
static int64_t sp_full_nonblock(fixture *f) { return zcn_splice(f->ro, &f->offset, f->fullw, NULL, 16, 0); }

/* tee (LTP tee02) */
static int64_t tee_not_pipe(fixture *f) { return zcn_tee(f->ro, f->pw, 16, 0); }
static int64_t tee_same_pipe(fixture *f) { return zcn_tee(f->pr, f->pw, 16, 0); }
static int64_t tee_closed(fixture *f) { return zcn_tee(f->closed, f->pw, 16, 0); }
static int64_t tee_empty_nonblock(fixture *f) { return zcn_tee(f->nbr, f->pw, 16, ZCN_SPLICE_F_NONBLOCK); }
static int64_t tee_write_end_as_input(fixture *f) { return zcn_tee(f->nbw, f->pw, 16, ZCN_SPLICE_F_NONBLOCK); }
static int64_t tee_unknown_flag(fixture *f) { return zcn_tee(f->nbr, f->pw, 16, 0x100); }

/* vmsplice (LTP vmsplice03/04) */
static int64_t vm_not_pipe(fixture *f) {
    zcn_iovec v = {buf, 16};
    return zcn_vmsplice(f->rw, &v, 1, 0);
}
static int64_t vm_closed(fixture *f) {
    zcn_iovec v = {buf, 16};
    return zcn_vmsplice(f->closed, &v, 1, 0);
}
static int64_t vm_no_segments(fixture *f) {
    zcn_iovec v = {buf, 16};
    return zcn_vmsplice(f->pw, &v, 0, 0);
}
static int64_t vm_too_many_segments(fixture *f) {
    static zcn_iovec v[1025];
    for (int i = 0; i < 1025; i++) v[i] = (zcn_iovec){buf, 1};
    return zcn_vmsplice(f->pw, v, 1025, 0);
}
static int64_t vm_bad_address(fixture *f) {
    zcn_iovec v = {f->unmapped, 16};
    return zcn_vmsplice(f->pw, &v, 1, 0);
}
static int64_t vm_reader_gone(fixture *f) {
    zcn_iovec v = {buf, 16};
    return zcn_vmsplice(f->deadw, &v, 1, 0);
}
static int64_t vm_full_nonblock(fixture *f) {
    zcn_iovec v = {buf, 16};
    return zcn_vmsplice(f->fullw, &v, 1, ZCN_SPLICE_F_NONBLOCK);
}
static int64_t vm_unknown_flag(fixture *f) {
    zcn_iovec v = {buf, 16};
    return zcn_vmsplice(f->pw, &v, 1, 0x100);
}

/* copy_file_range (LTP copy_file_range02) */
static int64_t cfr_flags(fixture *f) { return zcn_copy_file_range(f->ro, &f->offset, f->memfd, NULL, 16, 1); }
static int64_t cfr_in_closed(fixture *f) { return zcn_copy_file_range(f->closed, &f->offset, f->memfd, NULL, 16, 0); }
static int64_t cfr_out_readonly(fixture *f) { return zcn_copy_file_range(f->rw, &f->offset, f->ro, &f->offset2, 16, 0); }
static int64_t cfr_in_writeonly(fixture *f) { return zcn_copy_file_range(f->wo, &f->offset, f->rw, &f->offset2, 16, 0); }
static int64_t cfr_out_append(fixture *f) { return zcn_copy_file_range(f->ro, &f->offset, f->append, NULL, 16, 0); }
static int64_t cfr_pipe(fixture *f) { return zcn_copy_file_range(f->pr, NULL, f->rw, &f->offset, 16, 0); }
static int64_t cfr_directory(fixture *f) { return zcn_copy_file_range(f->dir, &f->offset, f->rw, &f->offset2, 16, 0); }
static int64_t cfr_overlap(fixture *f) {
    f->offset2 = 8;
    int64_t r = zcn_copy_file_range(f->rw, &f->offset, f->rw, &f->offset2, 64, 0);
    if (f->offset2 != 8) return 1;
    f->offset2 = 0;
    return r;
}

/* pipes */
static int64_t pipe_unknown_flag(fixture *f) {
    (void)f;
    int fds[2] = {-1, -1};
    return zcn_pipe(fds, 0x80);
}
static int64_t pipe_null(fixture *f) {
    (void)f;
    return zcn_pipe(NULL, 0);
}
static int64_t pipe_size_not_pipe(fixture *f) { return zcn_pipe_set_size(f->rw, 65536); }
static int64_t pipe_size_closed(fixture *f) { return zcn_pipe_set_size(f->closed, 65536); }
static int64_t pipe_size_negative(fixture *f) { return zcn_pipe_set_size(f->pw, -1); }
static int64_t pipe_size_busy(fixture *f) { return zcn_pipe_set_size(f->fullw, 4096); }
static int64_t pipe_get_size_not_pipe(fixture *f) { return zcn_pipe_get_size(f->rw); }
static int64_t avail_closed(fixture *f) { return zcn_bytes_available(f->closed); }
static int64_t avail_devnull(fixture *f) { return zcn_bytes_available(f->devnull); }

/* mmap family (LTP mmap08..) */
static int64_t mmap_zero_length(fixture *f) {
    void *a;
    return zcn_mmap(&a, NULL, 0, ZCN_PROT_READ, ZCN_MAP_SHARED, f->ro, 0);
}
static int64_t mmap_misaligned_offset(fixture *f) {
    void *a;
    return zcn_mmap(&a, NULL, 4096, ZCN_PROT_READ, ZCN_MAP_SHARED, f->ro, 100);
}
static int64_t mmap_closed(fixture *f) {
    void *a;
    return zcn_mmap(&a, NULL, 4096, ZCN_PROT_READ, ZCN_MAP_SHARED, f->closed, 0);
}
static int64_t mmap_write_shared_readonly(fixture *f) {
    void *a;
    return zcn_mmap(&a, NULL, 4096, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED, f->ro, 0);
}
static int64_t mmap_writeonly(fixture *f) {
    void *a;
    return zcn_mmap(&a, NULL, 4096, ZCN_PROT_READ, ZCN_MAP_SHARED, f->wo, 0);
}
static int64_t mmap_pipe(fixture *f) {
    void *a;
    return zcn_mmap(&a, NULL, 4096, ZCN_PROT_READ, ZCN_MAP_SHARED, f->pr, 0);
}
static int64_t mmap_null_out(fixture *f) { return zcn_mmap(NULL, NULL, 4096, ZCN_PROT_READ, ZCN_MAP_SHARED, f->ro, 0); }
static int64_t mmap_no_sharing(fixture *f) {
    void *a;
    return zcn_mmap(&a, NULL, 4096, ZCN_PROT_READ, 0, f->ro, 0);
}
static int64_t mmap_noreplace_taken(fixture *f) {
    void *a;
    return zcn_mmap(&a, f->page, 4096, ZCN_PROT_READ, ZCN_MAP_PRIVATE | ZCN_MAP_ANONYMOUS | ZCN_MAP_FIXED_NOREPLACE,
                    -1, 0);
}
static int64_t mmap_sealed_write(fixture *f) {
    (void)f; /* F_SEAL_WRITE forbids a shared writable mapping. */
    int fd = zcn_memfd_create("errno-matrix-w", ZCN_MFD_ALLOW_SEALING);
    if (fd < 0 || ftruncate(fd, 4096) != 0 || zcn_memfd_add_seals(fd, ZCN_SEAL_WRITE) != 0) return 1;
    void *a;
    int64_t r = zcn_mmap(&a, NULL, 4096, ZCN_PROT_READ | ZCN_PROT_WRITE, ZCN_MAP_SHARED, fd, 0);
    close(fd);
    return r;
}
static int64_t munmap_misaligned(fixture *f) { return zcn_munmap((uint8_t *)f->page + 1, 4096); }
static int64_t munmap_zero(fixture *f) { return zcn_munmap(f->page, 0); }
static int64_t msync_misaligned(fixture *f) { return zcn_msync((uint8_t *)f->page + 1, 16, ZCN_MS_SYNC); }
static int64_t msync_both(fixture *f) { return zcn_msync(f->page, 16, ZCN_MS_SYNC | ZCN_MS_ASYNC); }
static int64_t msync_unmapped(fixture *f) { return zcn_msync(f->unmapped, 16, ZCN_MS_SYNC); }
static int64_t madvise_misaligned(fixture *f) { return zcn_madvise((uint8_t *)f->page + 1, 16, ZCN_MADV_NORMAL); }
static int64_t madvise_unknown(fixture *f) { return zcn_madvise(f->page, 16, 999); }
static int64_t madvise_unmapped(fixture *f) { return zcn_madvise(f->unmapped, 16, ZCN_MADV_WILLNEED); }
static int64_t madvise_remove_private(fixture *f) { return zcn_madvise(f->page, 4096, ZCN_MADV_REMOVE); }
static int64_t mincore_misaligned(fixture *f) { return zcn_mincore((uint8_t *)f->page + 1, 16, NULL); }
static int64_t mincore_unmapped(fixture *f) { return zcn_mincore(f->unmapped, 16, NULL); }

/* aligned memory */
static int64_t aligned_null(fixture *f) {
    (void)f;
    return zcn_aligned_alloc(NULL, 64, 64);
}
static int64_t aligned_not_power(fixture *f) {
    (void)f;
    void *p;
    return zcn_aligned_alloc(&p, 48, 64);
}
static int64_t aligned_too_small(fixture *f) {
    (void)f;
    void *p;
    return zcn_aligned_alloc(&p, 4, 64);
}
static int64_t aligned_zero(fixture *f) {
    (void)f;
    void *p;
    return zcn_aligned_alloc(&p, 64, 0);
}
static int64_t aligned_huge(fixture *f) {
    (void)f;
    void *p;
    return zcn_aligned_alloc(&p, 64, UINT64_MAX / 2);
}

/* files */
static int64_t open_null(fixture *f) {
    (void)f;
    return zcn_open(NULL, ZCN_O_RDONLY, 0);
}
static int64_t open_missing(fixture *f) {
    (void)f;
    return zcn_open("/nonexistent/zcn-errno-matrix", ZCN_O_RDONLY, 0);
}
static int64_t open_unknown_flag(fixture *f) { return zcn_open(f->file_path, (int32_t)0x40000000, 0); }
static int64_t open_not_directory(fixture *f) { return zcn_open(f->file_path, ZCN_O_RDONLY | ZCN_O_DIRECTORY, 0); }
static int64_t open_exists(fixture *f) { return zcn_open(f->file_path, ZCN_O_RDWR | ZCN_O_CREAT | ZCN_O_EXCL, 0600); }
static int64_t open_write_directory(fixture *f) {
    (void)f;
    return zcn_open(dir, ZCN_O_RDWR, 0);
}
static int64_t open_component_not_dir(fixture *f) {
    char path[ZCN_XF_PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/x", f->file_path);
    return zcn_open(path, ZCN_O_RDONLY, 0);
}
static int64_t open_too_long(fixture *f) {
    (void)f;
    static char path[5000];
    memset(path, 'a', sizeof path - 1);
    path[0] = '/';
    return zcn_open(path, ZCN_O_RDONLY, 0);
}
static int64_t close_closed(fixture *f) { return zcn_close(f->closed); }
static int64_t read_closed(fixture *f) { return zcn_read(f->closed, buf, 16); }
static int64_t read_writeonly(fixture *f) { return zcn_read(f->wo, buf, 16); }
static int64_t read_directory(fixture *f) { return zcn_read(f->dir, buf, 16); }
static int64_t read_bad_buffer(fixture *f) { return zcn_read(f->rw, f->unmapped, 16); }
static int64_t read_empty_nonblock(fixture *f) { return zcn_read(f->nbr, buf, 16); }
static int64_t write_readonly(fixture *f) { return zcn_write(f->ro, buf, 16); }
static int64_t write_reader_gone(fixture *f) { return zcn_write(f->deadw, buf, 16); }
static int64_t write_peer_gone(fixture *f) { return zcn_write(f->deadsock, buf, 16); }
static int64_t write_bad_buffer(fixture *f) { return zcn_write(f->nbw, f->unmapped, 16); }
static int64_t write_full_nonblock(fixture *f) { return zcn_write(f->fullw, buf, 16); }
static int64_t pread_negative(fixture *f) { return zcn_pread(f->rw, buf, 16, -1); }
static int64_t pread_pipe(fixture *f) { return zcn_pread(f->pr, buf, 16, 0); }
static int64_t pwrite_negative(fixture *f) { return zcn_pwrite(f->rw, buf, 16, -1); }
static int64_t pwrite_pipe(fixture *f) { return zcn_pwrite(f->pw, buf, 16, 0); }
static int64_t pwrite_readonly(fixture *f) { return zcn_pwrite(f->ro, buf, 16, 0); }
static int64_t lseek_pipe(fixture *f) { return zcn_lseek(f->pr, 0, ZCN_SEEK_SET); }
static int64_t lseek_whence(fixture *f) { return zcn_lseek(f->rw, 0, 99); }
static int64_t lseek_negative(fixture *f) { return zcn_lseek(f->rw, -1, ZCN_SEEK_SET); }
static int64_t lseek_data_past_end(fixture *f) { return zcn_lseek(f->rw, 1 << 20, ZCN_SEEK_DATA); }
static int64_t lseek_closed(fixture *f) { return zcn_lseek(f->closed, 0, ZCN_SEEK_SET); }
static int64_t ftruncate_readonly(fixture *f) { return zcn_ftruncate(f->ro, 0); }
static int64_t ftruncate_negative(fixture *f) { return zcn_ftruncate(f->rw, -1); }
static int64_t ftruncate_pipe(fixture *f) { return zcn_ftruncate(f->pw, 0); }
static int64_t ftruncate_sealed(fixture *f) { return zcn_ftruncate(f->sealed, 0); }
static int64_t fsync_closed(fixture *f) { return zcn_fsync(f->closed, 0); }
static int64_t fsync_pipe(fixture *f) { return zcn_fsync(f->pw, 1); }
static int64_t fadvise_unknown(fixture *f) { return zcn_fadvise(f->rw, 0, 0, 99); }
static int64_t fadvise_pipe(fixture *f) { return zcn_fadvise(f->pr, 0, 0, ZCN_FADV_NORMAL); }
static int64_t fadvise_closed(fixture *f) { return zcn_fadvise(f->closed, 0, 0, ZCN_FADV_NORMAL); }
static int64_t fadvise_negative(fixture *f) { return zcn_fadvise(f->rw, 0, -1, ZCN_FADV_NORMAL); }
static int64_t fd_query_null(fixture *f) { return zcn_fd_query(f->rw, NULL); }
static int64_t fd_query_closed(fixture *f) {
    zcn_fd_info info;
    return zcn_fd_query(f->closed, &info);
}
static int64_t nonblocking_closed(fixture *f) { return zcn_set_nonblocking(f->closed, 1); }
static int64_t poll_bad_timeout(fixture *f) { return zcn_poll(f->pr, ZCN_POLLIN, -2); }
static int64_t memfd_null(fixture *f) {
    (void)f;
    return zcn_memfd_create(NULL, 0);
}
static int64_t memfd_long_name(fixture *f) {
    (void)f;
    char name[300];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    return zcn_memfd_create(name, 0);
}
static int64_t memfd_unknown_flag(fixture *f) {
    (void)f;
    return zcn_memfd_create("x", 0x1000);
}
static int64_t seals_not_memfd(fixture *f) { return zcn_memfd_add_seals(f->rw, ZCN_SEAL_SHRINK); }
static int64_t seals_not_allowed(fixture *f) { return zcn_memfd_add_seals(f->memfd, ZCN_SEAL_SHRINK); }
static int64_t seals_closed(fixture *f) { return zcn_memfd_add_seals(f->closed, ZCN_SEAL_SHRINK); }
static int64_t get_seals_not_shmem(fixture *f) { return zcn_memfd_get_seals(f->rw); }
static int64_t get_seals_closed(fixture *f) { return zcn_memfd_get_seals(f->closed); }
static int64_t dio_null(fixture *f) { return zcn_dio_alignment(f->rw, NULL); }
static int64_t dio_closed(fixture *f) {
    zcn_dio_info info;
    return zcn_dio_alignment(f->closed, &info);
}

#define ROW(fn, e) {#fn, fn, e, 0, 0}
#define ROW2(fn, e, alt) {#fn, fn, e, alt, 0}

static const row rows[] = {
    ROW(sf_out_closed, EBADF),
    ROW(sf_in_closed, EBADF),
    ROW(sf_in_writeonly, EBADF),
    ROW(sf_out_readonly, EBADF),
    ROW(sf_out_append, EINVAL),
    ROW(sf_in_pipe_offset, ESPIPE),
    ROW2(sf_in_directory, EISDIR, EINVAL), /* older kernels refuse a directory as "no splice_read" */
    ROW(sf_negative_offset, EINVAL),
    ROW(sf_reader_gone, EPIPE),
    ROW(sf_peer_gone, EPIPE),
    ROW(sf_full, EAGAIN),
    ROW(sp_no_pipe, EINVAL),
    ROW(sp_in_closed, EBADF),
    ROW(sp_out_closed, EBADF),
    ROW(sp_pipe_offset_in, ESPIPE),
    ROW(sp_pipe_offset_out, ESPIPE),
    ROW(sp_same_pipe, EINVAL),
    ROW(sp_out_append, EINVAL),
    ROW(sp_write_end_as_input, EBADF),
    ROW(sp_read_end_as_output, EBADF),
    ROW(sp_reader_gone, EPIPE),
    ROW(sp_empty_nonblock, EAGAIN),
    ROW(sp_unknown_flag, EINVAL),
    ROW(sp_full_nonblock, EAGAIN),
    ROW(tee_not_pipe, EINVAL),
    ROW(tee_same_pipe, EINVAL),
    ROW(tee_closed, EBADF),
    ROW(tee_empty_nonblock, EAGAIN),
    ROW(tee_write_end_as_input, EBADF),
    ROW(tee_unknown_flag, EINVAL),
    ROW(vm_not_pipe, EBADF),
    ROW(vm_closed, EBADF),
    ROW(vm_no_segments, EINVAL),
    ROW(vm_too_many_segments, EINVAL),
    ROW(vm_bad_address, EFAULT),
    ROW(vm_reader_gone, EPIPE),
    ROW(vm_full_nonblock, EAGAIN),
    ROW(vm_unknown_flag, EINVAL),
    ROW(cfr_flags, EINVAL),
    ROW(cfr_in_closed, EBADF),
    ROW(cfr_out_readonly, EBADF),
    ROW(cfr_in_writeonly, EBADF),
    ROW(cfr_out_append, EBADF),
    ROW(cfr_pipe, EINVAL),
    ROW(cfr_directory, EISDIR),
    ROW(cfr_overlap, EINVAL),
    ROW(pipe_unknown_flag, EINVAL),
    ROW(pipe_null, EFAULT),
    ROW2(pipe_size_not_pipe, EBADF, EINVAL), /* Linux answers EBADF for a non-pipe (zcn.h says EINVAL) */
    ROW(pipe_size_closed, EBADF),
    ROW(pipe_size_negative, EINVAL),
    ROW(pipe_size_busy, EBUSY),
    ROW2(pipe_get_size_not_pipe, EBADF, EINVAL),
    ROW(avail_closed, EBADF),
    ROW2(avail_devnull, ENOTTY, EINVAL),
    ROW(mmap_zero_length, EINVAL),
    ROW(mmap_misaligned_offset, EINVAL),
    ROW(mmap_closed, EBADF),
    ROW(mmap_write_shared_readonly, EACCES),
    ROW(mmap_writeonly, EACCES),
    ROW2(mmap_pipe, ENODEV, EACCES),
    ROW(mmap_null_out, EFAULT),
    ROW(mmap_no_sharing, EINVAL),
    /* Valgrind places mappings itself and ignores MAP_FIXED_NOREPLACE's hint. */
    {"mmap_noreplace_taken", mmap_noreplace_taken, EEXIST, 0, 1},
    ROW(mmap_sealed_write, EPERM),
    ROW(munmap_misaligned, EINVAL),
    ROW(munmap_zero, EINVAL),
    ROW(msync_misaligned, EINVAL),
    ROW(msync_both, EINVAL),
    ROW(msync_unmapped, ENOMEM),
    ROW(madvise_misaligned, EINVAL),
    ROW(madvise_unknown, EINVAL),
    ROW(madvise_unmapped, ENOMEM),
    ROW(madvise_remove_private, EINVAL),
    ROW(mincore_misaligned, EINVAL),
    ROW(mincore_unmapped, ENOMEM),
    ROW(aligned_null, EFAULT),
    ROW(aligned_not_power, EINVAL),
    ROW(aligned_too_small, EINVAL),
    ROW(aligned_zero, EINVAL),
    ROW(aligned_huge, ENOMEM),
    ROW(open_null, EFAULT),
    ROW(open_missing, ENOENT),
    ROW(open_unknown_flag, EINVAL),
    ROW(open_not_directory, ENOTDIR),
    ROW(open_exists, EEXIST),
    ROW(open_write_directory, EISDIR),
    ROW(open_component_not_dir, ENOTDIR),
    ROW(open_too_long, ENAMETOOLONG),
    ROW(close_closed, EBADF),
    ROW(read_closed, EBADF),
    ROW(read_writeonly, EBADF),
    ROW(read_directory, EISDIR),
    ROW(read_bad_buffer, EFAULT),
    ROW(read_empty_nonblock, EAGAIN),
    ROW(write_readonly, EBADF),
    ROW(write_reader_gone, EPIPE),
    ROW(write_peer_gone, EPIPE),
    ROW(write_bad_buffer, EFAULT),
    ROW(write_full_nonblock, EAGAIN),
    ROW(pread_negative, EINVAL),
    ROW(pread_pipe, ESPIPE),
    ROW(pwrite_negative, EINVAL),
    ROW(pwrite_pipe, ESPIPE),
    ROW(pwrite_readonly, EBADF),
    ROW(lseek_pipe, ESPIPE),
    ROW(lseek_whence, EINVAL),
    ROW(lseek_negative, EINVAL),
    ROW(lseek_data_past_end, ENXIO),
    ROW(lseek_closed, EBADF),
    ROW2(ftruncate_readonly, EINVAL, EBADF),
    ROW(ftruncate_negative, EINVAL),
    ROW(ftruncate_pipe, EINVAL),
    ROW(ftruncate_sealed, EPERM),
    ROW(fsync_closed, EBADF),
    ROW(fsync_pipe, EINVAL),
    ROW(fadvise_unknown, EINVAL),
    ROW(fadvise_pipe, ESPIPE),
    ROW(fadvise_closed, EBADF),
    ROW(fadvise_negative, EINVAL),
    ROW(fd_query_null, EFAULT),
    ROW(fd_query_closed, EBADF),
    ROW(nonblocking_closed, EBADF),
    ROW(poll_bad_timeout, EINVAL),
    ROW(memfd_null, EFAULT),
    ROW(memfd_long_name, EINVAL),
    ROW(memfd_unknown_flag, EINVAL),
    ROW(seals_not_memfd, EINVAL),
    ROW(seals_not_allowed, EPERM),
    ROW(seals_closed, EBADF),
    ROW(get_seals_not_shmem, EINVAL),
    ROW(get_seals_closed, EBADF),
    ROW(dio_null, EFAULT),
    ROW(dio_closed, EBADF),
};

/* ---- the runner ------------------------------------------------------------------------------------- */

static void test_errno_matrix(void) {
    REQUIRE(zcn_xf_tmpdir(dir, sizeof dir, "/var/tmp") == 0);
    page_size = sysconf(_SC_PAGESIZE);
    signal(SIGPIPE, SIG_IGN);
    int64_t outstanding = zcn_aligned_outstanding();
    size_t count = sizeof rows / sizeof rows[0];
    int distinct[134] = {0};
    int failures = 0;
    int skipped = 0;
    for (size_t i = 0; i < count; i++) {
        if (rows[i].native_only && zcn_fx_on_valgrind()) {
            fprintf(stderr, "  SKIP %s under valgrind (it emulates the call)\n", rows[i].name);
            skipped++;
            continue;
        }
        fixture f;
        setup(&f);
        int fds = zcn_fx_fd_count();
        int maps = maps_count();
        /* Several rows pass unmapped addresses on purpose; the kernel's EFAULT is what they test. */
        VALGRIND_DISABLE_ERROR_REPORTING;
        int64_t result = rows[i].call(&f);
        VALGRIND_ENABLE_ERROR_REPORTING;
        int fds_after = zcn_fx_fd_count();
        int maps_after = maps_count();
        int ok = result == -(int64_t)rows[i].expected ||
                 (rows[i].alternative != 0 && result == -(int64_t)rows[i].alternative);
        if (!ok) {
            fprintf(stderr, "  %s: got %lld [%s], expected %s%s%s\n", rows[i].name, (long long)result,
                    zcn_test_name(result), zcn_errno_name(rows[i].expected), rows[i].alternative ? " or " : "",
                    rows[i].alternative ? zcn_errno_name(rows[i].alternative) : "");
            failures++;
        } else if (result < 0 && -result < 134) {
            distinct[-result] = 1;
        }
        if (fds_after != fds) {
            fprintf(stderr, "  %s: %d descriptors before, %d after\n", rows[i].name, fds, fds_after);
            failures++;
        }
        if (maps_after != maps) {
            /* A sanitizer's allocator may map memory of its own on the first call of a kind; a leak repeats. */
            int growth = 0;
            for (int r = 0; r < 16; r++) {
                fixture again;
                setup(&again);
                int before_call = maps_count();
                VALGRIND_DISABLE_ERROR_REPORTING;
                (void)rows[i].call(&again);
                VALGRIND_ENABLE_ERROR_REPORTING;
                growth += maps_count() - before_call;
                teardown(&again);
            }
            if (growth >= 8) {
                fprintf(stderr, "  %s: %d mappings before, %d after, and %d more over 16 repeats\n", rows[i].name, maps,
                        maps_after, growth);
                failures++;
            }
        }
        if (f.offset != 0 || f.offset2 != 0) {
            fprintf(stderr, "  %s: the offsets moved to %lld, %lld on failure\n", rows[i].name,
                    (long long)f.offset, (long long)f.offset2);
            failures++;
        }
        if (lseek(f.ro, 0, SEEK_CUR) != 0 || lseek(f.rw, 0, SEEK_CUR) != 0) {
            fprintf(stderr, "  %s: a file position moved on failure\n", rows[i].name);
            failures++;
        }
        if (zcn_bytes_available(f.pr) != 0) {
            fprintf(stderr, "  %s: bytes were left in the pipe\n", rows[i].name);
            failures++;
        }
        teardown(&f);
    }
    CHECK_EQ(zcn_aligned_outstanding(), outstanding);
    int kinds = 0;
    for (int e = 0; e < 134; e++) kinds += distinct[e];
    printf("errno matrix: %zu rows (%d skipped), %d distinct errnos, %d failures\n", count, skipped, kinds, failures);
    CHECK_EQ(failures, 0);
    zcn_xf_rmtree(dir);
}

int main(void) {
    RUN(test_errno_matrix);
    return zcn_test_summary();
}
