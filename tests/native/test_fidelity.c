/*
 * test_fidelity.c - errno fidelity: for every function of zcn.h that reaches the kernel, and for every
 * descriptor, offset, length, count, flag and pointer parameter, each extreme value is passed once to libzcn
 * and once to the raw system call (syscall(2)) with the same input, and the two results must be equal.
 *
 * The table is built from two lists: the functions (with a valid base call and the parameters to vary) and the
 * value domains (extreme numbers, descriptors of every kind, pointers). Each row varies one parameter of the
 * base call. Every row runs on a fresh fixture, so a call that consumes, writes or unmaps leaves nothing behind
 * for the next row or for the raw twin of the same row.
 *
 * Where libzcn deliberately differs from the kernel, zcn.h documents it; the function's `documented` hook
 * states the same rule in code and the row asserts the documented value instead of the kernel's. Results that
 * create something (a descriptor, a mapping, a block) are released and compared as 0.
 *
 * ZCN_FIDELITY_VERBOSE=1 prints every row with both results.
 *
 * Functions with no kernel counterpart take no part: zcn_version, zcn_errno_name, zcn_errno_message,
 * zcn_capabilities (a cached probe), zcn_page_size, zcn_aligned_free and zcn_aligned_outstanding.
 * zcn_aligned_alloc is compared with posix_memalign, which is what it wraps, and zcn_aligned_map with its
 * reservation mmap. zcn_aligned_unmap unmaps a block with its guard pages: varying its address or size would unmap
 * memory this test does not own, so test_aligned checks its results. zcn_epoll_create has no parameter to vary;
 * every epoll row creates its instance with it.
 */
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "zcn_test.h"
#include "zcn_xfer_fixtures.h"

/* AddressSanitizer, like valgrind, replaces the allocator (see run_function). */
#if defined(__SANITIZE_ADDRESS__)
#define ALLOCATOR_REPLACED 1
#else
#define ALLOCATOR_REPLACED 0
#endif

/* ---- The fixture: one descriptor of every kind, a buffer followed by inaccessible memory ------- */

/* The buffer is BUF_PAGES readable and writable pages at the start of a PROT_NONE reservation that is larger
 * than INT32_MAX bytes: a length of INT32_MAX from the buffer stays inside memory this test owns, so munmap,
 * madvise and the copies that fault part-way never touch the rest of the process. */
#define BUF_PAGES 2
#define RESERVATION ((UINT64_C(1) << 31) + (UINT64_C(1) << 20))
/* mincore writes one byte per page: enough for an INT32_MAX length. */
#define VEC_BYTES (UINT64_C(1) << 20)
#define BASE_COUNT 100u

typedef struct fixture {
    int file_rw, file_ro, dir, pipe_r, pipe_w, empty_r, empty_w, sock, sock_peer, memfd, closed;
    uint8_t *buf;   /* BUF_PAGES pages, then PROT_NONE */
    uint8_t *guard; /* the first PROT_NONE page */
    uint8_t *vec;   /* VEC_BYTES for mincore */
    zcn_iovec iov[1];
} fixture;

static char dir_path[ZCN_XF_PATH_MAX];
static char ro_path[ZCN_XF_PATH_MAX + 8];
static char rw_path[ZCN_XF_PATH_MAX + 8];
static char long_name[300];
static uint64_t page;
static uint64_t file_size;

static int fixture_file_rw(void) {
    int fd = open(rw_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    uint8_t *content = zcn_xf_pattern(file_size, 1);
    int ok = content != NULL && zcn_xf_write_all(fd, content, file_size) == 0 && lseek(fd, 0, SEEK_SET) == 0;
    free(content);
    return ok ? fd : -1;
}

/* A non-blocking pipe; when primed it holds BASE_COUNT bytes, so reads never wait and writes find room. */
static void fixture_pipe(int *r, int *w, int primed) {
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
    *r = p[0];
    *w = p[1];
    if (primed) {
        uint8_t bytes[BASE_COUNT];
        memset(bytes, 'p', sizeof bytes);
        REQUIRE(write(*w, bytes, sizeof bytes) == (ssize_t)sizeof bytes);
    }
}

static void fixture_memory(fixture *f) {
    void *reserved = mmap(NULL, RESERVATION, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    REQUIRE(reserved != MAP_FAILED);
    f->buf = reserved;
    f->guard = f->buf + BUF_PAGES * page;
    REQUIRE(mprotect(f->buf, BUF_PAGES * page, PROT_READ | PROT_WRITE) == 0);
    memset(f->buf, 'b', BUF_PAGES * page);
    void *vec = mmap(NULL, VEC_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(vec != MAP_FAILED);
    f->vec = vec;
    f->iov[0].base = f->buf;
    f->iov[0].len = BASE_COUNT;
}

/* Opens everything in the same order every time, so that both calls of a row see the same numbers. */
static void fixture_open(fixture *f) {
    memset(f, -1, sizeof *f);
    f->file_rw = fixture_file_rw();
    f->file_ro = open(ro_path, O_RDONLY | O_CLOEXEC);
    f->dir = open(dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(f->file_rw >= 0 && f->file_ro >= 0 && f->dir >= 0);
    fixture_pipe(&f->pipe_r, &f->pipe_w, 1);
    fixture_pipe(&f->empty_r, &f->empty_w, 0);
    int s[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, s) == 0);
    f->sock = s[0];
    f->sock_peer = s[1];
    f->memfd = memfd_create("fidelity", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    REQUIRE(f->memfd >= 0 && ftruncate(f->memfd, (off_t)page) == 0);
    f->closed = zcn_fx_closed_fd();
    fixture_memory(f);
}

static void fixture_close(fixture *f) {
    /* Descriptors first: a pipe may still reference the buffer's pages. */
    int fds[] = {f->file_rw, f->file_ro, f->dir, f->pipe_r, f->pipe_w, f->empty_r, f->empty_w,
                 f->sock, f->sock_peer, f->memfd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0) close(fds[i]);
    munmap(f->buf, RESERVATION);
    munmap(f->vec, VEC_BYTES);
}

/* ---- Value domains ----------------------------------------------------------------------------- */

typedef struct value {
    const char *name;
    uint64_t bits;
} value;

enum { NUMBER_PAGE_MINUS_1 = 2, NUMBER_PAGE_PLUS_1 = 3 };
static value numbers[] = {
    {"0", 0},
    {"1", 1},
    {"page-1", 0}, /* set at start-up */
    {"page+1 (unaligned)", 0},
    {"INT32_MAX", INT32_MAX},
    {"INT64_MAX", INT64_MAX},
    {"UINT64_MAX (-1)", UINT64_MAX},
    {"-4096", (uint64_t)(int64_t)-4096},
    {"INT64_MIN", (uint64_t)INT64_MIN},
};
#define NUMBER_COUNT (sizeof numbers / sizeof numbers[0])

typedef enum fd_kind {
    FD_FILE_RW, FD_FILE_RO, FD_DIR, FD_PIPE_R, FD_PIPE_W, FD_SOCKET, FD_MEMFD, FD_CLOSED, FD_NEGATIVE, FD_HUGE,
    FD_KIND_COUNT
} fd_kind;
static const char *const fd_names[FD_KIND_COUNT] = {"file(rw)", "file(ro)", "directory", "pipe(read end)",
                                                    "pipe(write end)", "socket", "memfd", "closed", "-1",
                                                    "INT32_MAX"};

static int32_t fd_of(const fixture *f, fd_kind kind) {
    switch (kind) {
    case FD_FILE_RW: return f->file_rw;
    case FD_FILE_RO: return f->file_ro;
    case FD_DIR: return f->dir;
    case FD_PIPE_R: return f->pipe_r;
    case FD_PIPE_W: return f->pipe_w;
    case FD_SOCKET: return f->sock;
    case FD_MEMFD: return f->memfd;
    case FD_CLOSED: return f->closed;
    case FD_NEGATIVE: return -1;
    default: return INT32_MAX;
    }
}

typedef enum addr_kind { ADDR_BUF, ADDR_UNALIGNED, ADDR_NULL, ADDR_GUARD, ADDR_NONCANONICAL, ADDR_KIND_COUNT } addr_kind;
static const char *const addr_names[ADDR_KIND_COUNT] = {"buffer", "buffer+1 (unaligned)", "NULL",
                                                        "PROT_NONE page", "1<<63"};

static void *addr_of(const fixture *f, addr_kind kind) {
    switch (kind) {
    case ADDR_BUF: return f->buf;
    case ADDR_UNALIGNED: return f->buf + 1;
    case ADDR_NULL: return NULL;
    case ADDR_GUARD: return f->guard;
    default: return (void *)(uintptr_t)(UINT64_C(1) << 63);
    }
}

/* Out-pointers and names: a valid one, NULL, one into PROT_NONE memory, and (for names) an over-long string. */
typedef enum ptr_kind { PTR_VALID, PTR_NULL, PTR_BAD, PTR_LONG_NAME, PTR_KIND_COUNT } ptr_kind;
static const char *const ptr_names[PTR_KIND_COUNT] = {"valid", "NULL", "PROT_NONE page", "300-byte name"};

/* Extra values of flag parameters beyond the extremes: every value the header names. */
static const value advice_values[] = {
    {"MADV_DONTNEED", ZCN_MADV_DONTNEED},       {"MADV_FREE", ZCN_MADV_FREE},
    {"MADV_REMOVE", ZCN_MADV_REMOVE},           {"MADV_DONTFORK", ZCN_MADV_DONTFORK},
    {"MADV_DOFORK", ZCN_MADV_DOFORK},           {"MADV_MERGEABLE", ZCN_MADV_MERGEABLE},
    {"MADV_UNMERGEABLE", ZCN_MADV_UNMERGEABLE}, {"MADV_HUGEPAGE", ZCN_MADV_HUGEPAGE},
    {"MADV_NOHUGEPAGE", ZCN_MADV_NOHUGEPAGE},   {"MADV_DONTDUMP", ZCN_MADV_DONTDUMP},
    {"MADV_DODUMP", ZCN_MADV_DODUMP},           {"MADV_COLD", ZCN_MADV_COLD},
    {"MADV_PAGEOUT", ZCN_MADV_PAGEOUT},         {"MADV_POPULATE_READ", ZCN_MADV_POPULATE_READ},
    {"MADV_POPULATE_WRITE", ZCN_MADV_POPULATE_WRITE}, {"MADV_WIPEONFORK", ZCN_MADV_WIPEONFORK},
    {"MADV_KEEPONFORK", ZCN_MADV_KEEPONFORK},         {"MADV_DONTNEED_LOCKED", ZCN_MADV_DONTNEED_LOCKED},
    {"MADV_COLLAPSE", ZCN_MADV_COLLAPSE},             {"MADV_GUARD_INSTALL", ZCN_MADV_GUARD_INSTALL},
    {"MADV_GUARD_REMOVE", ZCN_MADV_GUARD_REMOVE},
};

static const value map_flag_values[] = {
    {"MAP_SHARED_VALIDATE", ZCN_MAP_SHARED_VALIDATE},
    {"MAP_SHARED|MAP_LOCKED", ZCN_MAP_SHARED | ZCN_MAP_LOCKED},
    {"MAP_SHARED_VALIDATE|MAP_LOCKED", ZCN_MAP_SHARED_VALIDATE | ZCN_MAP_LOCKED},
    {"MAP_SHARED_VALIDATE|MAP_SYNC", ZCN_MAP_SHARED_VALIDATE | ZCN_MAP_SYNC},
    {"MAP_SHARED_VALIDATE|1<<23", ZCN_MAP_SHARED_VALIDATE | 0x800000},
    {"MAP_SHARED|1<<23", ZCN_MAP_SHARED | 0x800000},
    {"MAP_PRIVATE|MAP_POPULATE|MAP_NONBLOCK", ZCN_MAP_PRIVATE | ZCN_MAP_POPULATE | ZCN_MAP_NONBLOCK},
    {"MAP_PRIVATE|MAP_STACK", ZCN_MAP_PRIVATE | ZCN_MAP_STACK},
    {"MAP_DROPPABLE", ZCN_MAP_DROPPABLE},
    {"MAP_PRIVATE|MAP_HUGETLB|MAP_HUGE_2MB", ZCN_MAP_PRIVATE | ZCN_MAP_HUGETLB | ZCN_MAP_HUGE_2MB},
    {"MAP_PRIVATE|MAP_HUGE_1GB", ZCN_MAP_PRIVATE | ZCN_MAP_HUGE_1GB},
};
static const value memfd_flag_values[] = {
    {"MFD_NOEXEC_SEAL", ZCN_MFD_NOEXEC_SEAL},
    {"MFD_EXEC", ZCN_MFD_EXEC},
    {"MFD_NOEXEC_SEAL|MFD_EXEC", ZCN_MFD_NOEXEC_SEAL | ZCN_MFD_EXEC},
    {"MFD_HUGETLB|MFD_HUGE_2MB", ZCN_MFD_HUGETLB | ZCN_MFD_HUGE_2MB},
    {"MFD_HUGETLB|MFD_HUGE_1GB", ZCN_MFD_HUGETLB | ZCN_MFD_HUGE_1GB},
    {"MFD_HUGETLB|MFD_HUGE_64KB", ZCN_MFD_HUGETLB | ZCN_MFD_HUGE_64KB},
    {"MFD_HUGE_2MB", ZCN_MFD_HUGE_2MB},
};
static const value usage_who_values[] = {
    {"RUSAGE_CHILDREN", (uint64_t)(int64_t)ZCN_USAGE_CHILDREN},
    {"RUSAGE_THREAD", ZCN_USAGE_THREAD},
    {"2", 2},
};
static const value seal_values[] = {
    {"F_SEAL_EXEC", ZCN_SEAL_EXEC},
    {"F_SEAL_FUTURE_WRITE", ZCN_SEAL_FUTURE_WRITE},
    {"1<<6", 0x40},
};
static const value splice_flag_values[] = {
    {"SPLICE_F_NONBLOCK", ZCN_SPLICE_F_NONBLOCK},
    {"SPLICE_F_MORE", ZCN_SPLICE_F_MORE},
    {"SPLICE_F_GIFT", ZCN_SPLICE_F_GIFT},
    {"1<<4", 0x10},
};
static const value send_flag_values[] = {
    {"MSG_ZEROCOPY", ZCN_MSG_ZEROCOPY},
    {"MSG_DONTWAIT|MSG_MORE", ZCN_MSG_DONTWAIT | ZCN_MSG_MORE},
    {"MSG_NOSIGNAL", ZCN_MSG_NOSIGNAL},
    {"MSG_ZEROCOPY|MSG_DONTWAIT", ZCN_MSG_ZEROCOPY | ZCN_MSG_DONTWAIT},
    {"1<<30", 0x40000000},
};
/* 0x80 is O_NOTIFICATION_PIPE to pipe2: the documented refusal; 4 has no meaning for either. */
static const value pipe_flag_values[] = {
    {"ZCN_PIPE_PACKET", ZCN_PIPE_PACKET},
    {"ZCN_PIPE_NONBLOCK|ZCN_PIPE_PACKET", ZCN_PIPE_NONBLOCK | ZCN_PIPE_PACKET},
    {"4", 4},
    {"0x80 (O_NOTIFICATION_PIPE)", 0x80},
};

/* ---- Arguments ------------------------------------------------------------------------------------ */

typedef enum param {
    P_FD_A, P_FD_B,           /* descriptors */
    P_OFFPTR_A, P_OFFPTR_B,   /* int64_t * offsets: the extremes, and NULL */
    P_OFF_A, P_OFF_B,         /* int64_t offsets and lengths passed by value */
    P_LEN,                    /* the main length or count */
    P_COUNT,                  /* a second count (vmsplice's nr_segs) */
    P_FLAGS, P_FLAGS2,        /* flags, advice, prot, whence, events, timeout, mode */
    P_ADDR,                   /* a buffer or mapping address */
    P_PTR,                    /* an out-pointer, path or name */
    P_COUNT_OF_PARAMS
} param;

typedef struct args {
    int32_t fd_a, fd_b;
    int64_t off_a, off_b;
    int off_a_null, off_b_null;
    uint64_t len, count, flags, flags2;
    void *addr;
    ptr_kind ptr;
} args;

/* Which domain a varied parameter draws from, and its extra named values (flags only). */
typedef enum domain { DOM_NONE, DOM_FD, DOM_NUMBER, DOM_NUMBER_OR_NULL, DOM_ADDR, DOM_OUT, DOM_PTR, DOM_PATH } domain;

typedef struct function_under_test {
    const char *name;
    const char *param_names[P_COUNT_OF_PARAMS]; /* NULL: not varied */
    domain ptr_domain;                          /* DOM_OUT, DOM_PTR or DOM_PATH for P_PTR */
    const value *extra_flags;                   /* named flag values tried besides the extremes */
    size_t extra_flag_count;
    void (*base)(const fixture *f, args *a);
    int64_t (*call)(fixture *f, const args *a, int raw);
    /* The documented difference for this input (given the kernel's result), or NOT_DOCUMENTED. */
    int64_t (*documented)(const args *a, int64_t kernel);
} function_under_test;

#define NOT_DOCUMENTED INT64_MIN

/* The raw result in the library's convention. */
static int64_t sys(long result) {
    return result == -1 ? -(int64_t)errno : (int64_t)result;
}

static const char *path_of(const args *a) {
    switch (a->ptr) {
    case PTR_VALID: return ro_path;
    case PTR_NULL: return NULL;
    case PTR_BAD: return (const char *)(uintptr_t)(UINT64_C(1) << 63);
    default: return long_name;
    }
}

/* A descriptor-creating success is released and reported as 0, so both sides compare equal whatever number
 * they were given. */
static int64_t release_fd(int64_t result) {
    if (result >= 0) {
        close((int)result);
        return 0;
    }
    return result;
}

/* ---- Transfers ------------------------------------------------------------------------------------ */

static void base_sendfile(const fixture *f, args *a) {
    a->fd_a = f->empty_w;
    a->fd_b = f->file_ro;
    a->len = BASE_COUNT;
}
static int64_t call_sendfile(fixture *f, const args *a, int raw) {
    (void)f;
    int64_t off = a->off_a;
    int64_t *offp = a->off_a_null ? NULL : &off;
    if (!raw) return zcn_sendfile(a->fd_a, a->fd_b, offp, a->len);
    return sys(syscall(SYS_sendfile, a->fd_a, a->fd_b, offp, (size_t)a->len));
}

static void base_splice(const fixture *f, args *a) {
    a->fd_a = f->file_ro;
    a->fd_b = f->empty_w;
    a->off_b_null = 1;
    a->len = BASE_COUNT;
}
static int64_t call_splice(fixture *f, const args *a, int raw) {
    (void)f;
    int64_t off_in = a->off_a, off_out = a->off_b;
    int64_t *in = a->off_a_null ? NULL : &off_in, *out = a->off_b_null ? NULL : &off_out;
    uint32_t flags = (uint32_t)a->flags;
    if (!raw) return zcn_splice(a->fd_a, in, a->fd_b, out, a->len, flags);
    return sys(syscall(SYS_splice, a->fd_a, in, a->fd_b, out, (size_t)a->len, flags));
}

static void base_tee(const fixture *f, args *a) {
    a->fd_a = f->pipe_r;
    a->fd_b = f->empty_w;
    a->len = BASE_COUNT;
}
static int64_t call_tee(fixture *f, const args *a, int raw) {
    (void)f;
    uint32_t flags = (uint32_t)a->flags;
    if (!raw) return zcn_tee(a->fd_a, a->fd_b, a->len, flags);
    return sys(syscall(SYS_tee, a->fd_a, a->fd_b, (size_t)a->len, flags));
}

static void base_vmsplice(const fixture *f, args *a) {
    a->fd_a = f->empty_w;
    a->addr = f->buf;
    a->len = BASE_COUNT;
    a->count = 1;
}
static int64_t call_vmsplice(fixture *f, const args *a, int raw) {
    f->iov[0].base = a->addr;
    f->iov[0].len = a->len;
    const zcn_iovec *iov = a->ptr == PTR_NULL ? NULL : a->ptr == PTR_BAD ? (const zcn_iovec *)f->guard : f->iov;
    uint32_t flags = (uint32_t)a->flags;
    if (!raw) return zcn_vmsplice(a->fd_a, iov, a->count, flags);
    return sys(syscall(SYS_vmsplice, a->fd_a, iov, (size_t)a->count, flags));
}
/* zcn.h: zero segments is a caller error (-EINVAL) where the kernel would return 0. */
static int64_t documented_vmsplice(const args *a, int64_t kernel) {
    return a->count == 0 && kernel == 0 ? -EINVAL : NOT_DOCUMENTED;
}

static void base_copy_file_range(const fixture *f, args *a) {
    a->fd_a = f->file_ro;
    a->fd_b = f->file_rw;
    a->len = BASE_COUNT;
}
static int64_t call_copy_file_range(fixture *f, const args *a, int raw) {
    (void)f;
    int64_t off_in = a->off_a, off_out = a->off_b;
    int64_t *in = a->off_a_null ? NULL : &off_in, *out = a->off_b_null ? NULL : &off_out;
    uint32_t flags = (uint32_t)a->flags;
    if (!raw) return zcn_copy_file_range(a->fd_a, in, a->fd_b, out, a->len, flags);
    return sys(syscall(SYS_copy_file_range, a->fd_a, in, a->fd_b, out, (size_t)a->len, flags));
}

/* ---- Pipes ---------------------------------------------------------------------------------------- */

static void base_pipe(const fixture *f, args *a) {
    (void)f;
    (void)a;
}
/* The zcn_pipe_flags bits are not O_* bits: the raw call gets them translated, and any other bit as it is. */
static int pipe_native_flags(uint32_t flags) {
    int native = (int)(flags & ~(uint32_t)(ZCN_PIPE_NONBLOCK | ZCN_PIPE_PACKET));
    if (flags & ZCN_PIPE_NONBLOCK) native |= O_NONBLOCK;
    if (flags & ZCN_PIPE_PACKET) native |= O_DIRECT;
    return native | O_CLOEXEC;
}
static int64_t call_pipe(fixture *f, const args *a, int raw) {
    int32_t fds[2] = {-1, -1};
    int32_t *out = a->ptr == PTR_NULL ? NULL : a->ptr == PTR_BAD ? (int32_t *)(void *)f->guard : fds;
    uint32_t flags = (uint32_t)a->flags;
    int64_t result = raw ? sys(syscall(SYS_pipe2, out, pipe_native_flags(flags))) : zcn_pipe(out, flags);
    if (result == 0) {
        close(fds[0]);
        close(fds[1]);
    }
    return result;
}
/* zcn.h: bits outside zcn_pipe_flags are refused; they have no O_* meaning to pass on. */
static int64_t documented_pipe(const args *a, int64_t kernel) {
    (void)kernel;
    return ((uint32_t)a->flags & ~(uint32_t)(ZCN_PIPE_NONBLOCK | ZCN_PIPE_PACKET)) != 0 ? -EINVAL : NOT_DOCUMENTED;
}

static void base_pipe_size(const fixture *f, args *a) {
    a->fd_a = f->pipe_r;
    a->len = page;
}
static int64_t call_pipe_set_size(fixture *f, const args *a, int raw) {
    (void)f;
    int32_t size = (int32_t)a->len;
    if (!raw) return zcn_pipe_set_size(a->fd_a, size);
    return sys(syscall(SYS_fcntl, a->fd_a, F_SETPIPE_SZ, (long)size));
}
static int64_t call_pipe_get_size(fixture *f, const args *a, int raw) {
    (void)f;
    if (!raw) return zcn_pipe_get_size(a->fd_a);
    return sys(syscall(SYS_fcntl, a->fd_a, F_GETPIPE_SZ));
}
static int64_t call_bytes_available(fixture *f, const args *a, int raw) {
    (void)f;
    if (!raw) return zcn_bytes_available(a->fd_a);
    int available = 0;
    int64_t result = sys(syscall(SYS_ioctl, a->fd_a, FIONREAD, &available));
    return result < 0 ? result : available;
}

/* ---- Memory maps ---------------------------------------------------------------------------------- */

static void base_mmap(const fixture *f, args *a) {
    a->fd_a = f->file_ro;
    a->len = page;
    a->flags = ZCN_MAP_PRIVATE;
    a->flags2 = ZCN_PROT_READ;
    a->addr = NULL;
}
static int64_t call_mmap(fixture *f, const args *a, int raw) {
    (void)f;
    int32_t flags = (int32_t)a->flags, prot = (int32_t)a->flags2;
    if (!raw) {
        void *addr = NULL;
        int32_t result = zcn_mmap(a->ptr == PTR_NULL ? NULL : &addr, a->addr, a->len, prot, flags, a->fd_a, a->off_a);
        if (result == 0) munmap(addr, (size_t)a->len);
        return result;
    }
    long addr = syscall(SYS_mmap, a->addr, (size_t)a->len, prot, flags, a->fd_a, a->off_a);
    if (addr == -1) return -(int64_t)errno;
    munmap((void *)addr, (size_t)a->len);
    return 0;
}
/* zcn.h: addr_out is the library's, not the kernel's: NULL is -EFAULT. */
static int64_t documented_out_pointer(const args *a, int64_t kernel) {
    (void)kernel;
    return a->ptr == PTR_NULL ? -EFAULT : NOT_DOCUMENTED;
}

static void base_range(const fixture *f, args *a) {
    a->addr = f->buf;
    a->len = BUF_PAGES * page;
}
static void base_msync(const fixture *f, args *a) {
    base_range(f, a);
    a->flags = ZCN_MS_SYNC;
}
static int64_t call_munmap(fixture *f, const args *a, int raw) {
    (void)f;
    if (!raw) return zcn_munmap(a->addr, a->len);
    return sys(syscall(SYS_munmap, a->addr, (size_t)a->len));
}
static int64_t call_msync(fixture *f, const args *a, int raw) {
    (void)f;
    if (!raw) return zcn_msync(a->addr, a->len, (int32_t)a->flags);
    return sys(syscall(SYS_msync, a->addr, (size_t)a->len, (int32_t)a->flags));
}
/* The base advice is MADV_NORMAL: harmless whatever range a varied length reaches. */
static int64_t call_madvise(fixture *f, const args *a, int raw) {
    (void)f;
    if (!raw) return zcn_madvise(a->addr, a->len, (int32_t)a->flags);
    return sys(syscall(SYS_madvise, a->addr, (size_t)a->len, (int32_t)a->flags));
}

static int64_t count_resident(const uint8_t *vec, uint64_t length) {
    uint64_t pages = length / page + (length % page != 0);
    int64_t resident = 0;
    for (uint64_t i = 0; i < pages; i++)
        resident += vec[i] & 1;
    return resident;
}
/* zcn_mincore returns the resident count where the kernel returns 0, and accepts a NULL vector (it counts
 * through its own); the raw side uses the fixture's vector then, and counts the same way. */
static int64_t call_mincore(fixture *f, const args *a, int raw) {
    uint8_t *vec = a->ptr == PTR_NULL ? (raw ? f->vec : NULL) : a->ptr == PTR_BAD ? f->guard : f->vec;
    if (!raw) return zcn_mincore(a->addr, a->len, vec);
    int64_t result = sys(syscall(SYS_mincore, a->addr, (size_t)a->len, vec));
    return result == 0 ? count_resident(vec, a->len) : result;
}

/* zcn_mincore's own vector: the base call counts through the library's buffer. */
static void base_mincore_counting(const fixture *f, args *a) {
    base_range(f, a);
    a->ptr = PTR_NULL;
}

/* ---- Aligned memory ------------------------------------------------------------------------------- */

static void base_aligned_alloc(const fixture *f, args *a) {
    (void)f;
    a->flags = 64;
    a->len = BASE_COUNT;
}
static int64_t call_aligned_alloc(fixture *f, const args *a, int raw) {
    (void)f;
    void *block = NULL;
    if (!raw) {
        int32_t result = zcn_aligned_alloc(a->ptr == PTR_NULL ? NULL : &block, a->flags, a->len);
        zcn_aligned_free(block);
        return result;
    }
    int error = posix_memalign(&block, (size_t)a->flags, (size_t)a->len);
    free(block);
    return -(int64_t)error;
}
/* zcn.h: out NULL is -EFAULT; size 0 is -EINVAL (posix_memalign may return a unique pointer or NULL). */
static int64_t documented_aligned_alloc(const args *a, int64_t kernel) {
    if (a->ptr == PTR_NULL) return -EFAULT;
    if (a->len == 0 && kernel == 0) return -EINVAL;
    return NOT_DOCUMENTED;
}

/* zcn_aligned_map's first call is the reservation, mmap(NULL, pages + alignment + page, PROT_NONE, private
 * anonymous): that call is its twin, and its answer is the one returned; the trimming after it does not fail. */
static void base_aligned_map(const fixture *f, args *a) {
    (void)f;
    a->flags = page;
    a->len = BASE_COUNT;
}
static int64_t call_aligned_map(fixture *f, const args *a, int raw) {
    (void)f;
    if (!raw) {
        void *block = NULL;
        int32_t result = zcn_aligned_map(a->ptr == PTR_NULL ? NULL : &block, a->flags, a->len);
        if (result == 0) zcn_aligned_unmap(block, a->len);
        return result;
    }
    uint64_t span = ((a->len + page - 1) & ~(page - 1)) + a->flags + page;
    void *reserved = (void *)syscall(SYS_mmap, NULL, (size_t)span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (reserved == MAP_FAILED) return -(int64_t)errno;
    munmap(reserved, (size_t)span);
    return 0;
}
/* zcn.h: out NULL is -EFAULT; an alignment that is not a power of two at least a page, or size 0, is -EINVAL; a
 * reservation that would not fit in the address space is -ENOMEM (where the sum would wrap, mmap could be asked
 * for a small length). */
static int64_t documented_aligned_map(const args *a, int64_t kernel) {
    (void)kernel;
    if (a->ptr == PTR_NULL) return -EFAULT;
    if (a->flags < page || (a->flags & (a->flags - 1)) != 0 || a->len == 0) return -EINVAL;
    if (a->len > (uint64_t)INT64_MAX || a->flags > (uint64_t)INT64_MAX - page ||
        a->len > (uint64_t)INT64_MAX - a->flags - page)
        return -ENOMEM;
    return NOT_DOCUMENTED;
}

/* ---- Files and descriptors ------------------------------------------------------------------------ */

static void base_open(const fixture *f, args *a) {
    (void)f;
    a->flags = ZCN_O_RDONLY;
    a->flags2 = 0600;
}
static int64_t call_open(fixture *f, const args *a, int raw) {
    (void)f;
    int32_t flags = (int32_t)a->flags;
    uint32_t mode = (uint32_t)a->flags2;
    if (!raw) return release_fd(zcn_open(path_of(a), flags, mode));
    /* x86-64 uses the asm-generic O_* values, so the translation is the identity there. */
    return release_fd(sys(syscall(SYS_openat, AT_FDCWD, path_of(a), flags | O_CLOEXEC, mode)));
}
/* zcn.h: a bit outside zcn_open_flags is refused (-EINVAL); open(2) ignores unknown bits, but the library
 * translates every bit between architectures and cannot pass on one it does not know. */
static int64_t documented_open(const args *a, int64_t kernel) {
    (void)kernel;
    const int32_t known = ZCN_O_WRONLY | ZCN_O_RDWR | ZCN_O_CREAT | ZCN_O_EXCL | ZCN_O_NOCTTY | ZCN_O_TRUNC |
                          ZCN_O_APPEND | ZCN_O_NONBLOCK | ZCN_O_DSYNC | ZCN_O_DIRECT | ZCN_O_LARGEFILE |
                          ZCN_O_DIRECTORY | ZCN_O_NOFOLLOW | ZCN_O_NOATIME | ZCN_O_CLOEXEC | ZCN_O_SYNC | ZCN_O_PATH |
                          ZCN_O_TMPFILE;
    return ((int32_t)a->flags & ~known) != 0 ? -EINVAL : NOT_DOCUMENTED;
}

static void base_fd_ro(const fixture *f, args *a) {
    a->fd_a = f->file_ro;
}
static void base_fd_rw(const fixture *f, args *a) {
    a->fd_a = f->file_rw;
}
static int64_t call_close(fixture *f, const args *a, int raw) {
    (void)f;
    if (!raw) return zcn_close(a->fd_a);
    return sys(syscall(SYS_close, a->fd_a));
}

static void base_read(const fixture *f, args *a) {
    a->fd_a = f->file_ro;
    a->addr = f->buf;
    a->len = BASE_COUNT;
}
static void base_write(const fixture *f, args *a) {
    base_read(f, a);
    a->fd_a = f->file_rw;
}
static int64_t call_read(fixture *f, const args *a, int raw) {
    (void)f;
    if (!raw) return zcn_read(a->fd_a, a->addr, a->len);
    return sys(syscall(SYS_read, a->fd_a, a->addr, (size_t)a->len));
}
static int64_t call_write(fixture *f, const args *a, int raw) {
    (void)f;
    if (!raw) return zcn_write(a->fd_a, a->addr, a->len);
    return sys(syscall(SYS_write, a->fd_a, a->addr, (size_t)a->len));
}
static int64_t call_pread(fixture *f, const args *a, int raw) {
    (void)f;
    if (!raw) return zcn_pread(a->fd_a, a->addr, a->len, a->off_a);
    return sys(syscall(SYS_pread64, a->fd_a, a->addr, (size_t)a->len, a->off_a));
}
static int64_t call_pwrite(fixture *f, const args *a, int raw) {
    (void)f;
    if (!raw) return zcn_pwrite(a->fd_a, a->addr, a->len, a->off_a);
    return sys(syscall(SYS_pwrite64, a->fd_a, a->addr, (size_t)a->len, a->off_a));
}
static int64_t call_lseek(fixture *f, const args *a, int raw) {
    (void)f;
    if (!raw) return zcn_lseek(a->fd_a, a->off_a, (int32_t)a->flags);
    return sys(syscall(SYS_lseek, a->fd_a, a->off_a, (int32_t)a->flags));
}
static void base_ftruncate(const fixture *f, args *a) {
    a->fd_a = f->file_rw;
    a->off_a = BASE_COUNT;
}
static int64_t call_ftruncate(fixture *f, const args *a, int raw) {
    (void)f;
    if (!raw) return zcn_ftruncate(a->fd_a, a->off_a);
    return sys(syscall(SYS_ftruncate, a->fd_a, a->off_a));
}
static int64_t call_fsync(fixture *f, const args *a, int raw) {
    (void)f;
    int32_t data_only = (int32_t)a->flags;
    if (!raw) return zcn_fsync(a->fd_a, data_only);
    return sys(syscall(data_only ? SYS_fdatasync : SYS_fsync, a->fd_a));
}
static int64_t call_fadvise(fixture *f, const args *a, int raw) {
    (void)f;
    int32_t advice = (int32_t)a->flags;
    if (!raw) return zcn_fadvise(a->fd_a, a->off_a, a->off_b, advice);
    return sys(syscall(SYS_fadvise64, a->fd_a, a->off_a, a->off_b, advice));
}

/* zcn_fd_query is fstat (then F_GETFL and F_GETFD, which cannot fail once fstat succeeded). */
static int64_t call_fd_query(fixture *f, const args *a, int raw) {
    (void)f;
    if (!raw) {
        zcn_fd_info info;
        return zcn_fd_query(a->fd_a, a->ptr == PTR_NULL ? NULL : &info);
    }
    struct stat st;
    return sys(syscall(SYS_fstat, a->fd_a, &st));
}
/* zcn_getrusage is getrusage(2); the row's who is a flags value (its extremes and the three RUSAGE_* values). */
static void base_getrusage(const fixture *f, args *a) {
    (void)f;
    a->flags = ZCN_USAGE_SELF;
}
static int64_t call_getrusage(fixture *f, const args *a, int raw) {
    (void)f;
    int32_t who = (int32_t)a->flags;
    if (!raw) {
        zcn_usage usage;
        return zcn_getrusage(who, a->ptr == PTR_NULL ? NULL : &usage);
    }
    struct rusage usage;
    return sys(syscall(SYS_getrusage, who, &usage));
}
static void base_set_nonblocking(const fixture *f, args *a) {
    a->fd_a = f->file_ro;
    a->flags = 1;
}
static int64_t call_set_nonblocking(fixture *f, const args *a, int raw) {
    (void)f;
    int32_t enable = (int32_t)a->flags;
    if (!raw) return zcn_set_nonblocking(a->fd_a, enable);
    long status = syscall(SYS_fcntl, a->fd_a, F_GETFL);
    if (status == -1) return -(int64_t)errno;
    long wanted = enable ? (status | O_NONBLOCK) : (status & ~(long)O_NONBLOCK);
    return wanted == status ? 0 : sys(syscall(SYS_fcntl, a->fd_a, F_SETFL, wanted));
}

/* The base descriptor has data, so no timeout is ever waited out. */
static void base_poll(const fixture *f, args *a) {
    a->fd_a = f->pipe_r;
    a->flags = ZCN_POLLIN;
    a->flags2 = 0;
}
static int64_t call_poll(fixture *f, const args *a, int raw) {
    (void)f;
    int32_t events = (int32_t)a->flags, timeout = (int32_t)a->flags2;
    if (!raw) return zcn_poll(a->fd_a, events, timeout);
    struct pollfd entry = {.fd = a->fd_a, .events = (short)events, .revents = 0};
    struct timespec ts = {.tv_sec = timeout / 1000, .tv_nsec = (long)(timeout % 1000) * 1000000};
    int64_t result = sys(syscall(SYS_ppoll, &entry, 1, timeout < 0 ? NULL : &ts, NULL, (size_t)8));
    /* zcn_poll returns the events that occurred, where poll returns how many descriptors had any. */
    return result > 0 ? (int64_t)(unsigned short)entry.revents : result;
}
/* zcn.h: timeout below -1 and events beyond 16 bits are refused (poll(2) would wait forever, or drop the
 * bits); a negative descriptor reports POLLNVAL at once (poll(2) would skip it and sleep). */
static int64_t documented_poll(const args *a, int64_t kernel) {
    (void)kernel;
    int32_t events = (int32_t)a->flags, timeout = (int32_t)a->flags2;
    if (timeout < -1 || (events & ~0xffff) != 0) return -EINVAL;
    if (a->fd_a < 0) return ZCN_POLLNVAL;
    return NOT_DOCUMENTED;
}

/* The epoll rows make their own instance (a base epfd of EPOLL_OF_ROW), so that the fixture's descriptors keep
 * their numbers; the epoll_wait rows register the primed pipe first, so that no timeout is ever waited out. */
#define EPOLL_OF_ROW (-1000)
static int32_t row_epoll(const args *a, int *own) {
    int created = zcn_epoll_create();
    REQUIRE(created >= 0);
    /* Moved above the fixture's numbers, so that the "closed" descriptor stays closed. */
    *own = fcntl(created, F_DUPFD_CLOEXEC, 512);
    REQUIRE(*own >= 0 && close(created) == 0);
    return a->fd_a == EPOLL_OF_ROW ? *own : a->fd_a;
}
static void base_epoll_ctl(const fixture *f, args *a) {
    a->fd_a = EPOLL_OF_ROW;
    a->fd_b = f->pipe_r;
    a->flags = ZCN_EPOLL_CTL_ADD;
    a->flags2 = ZCN_EPOLLIN;
}
static int64_t call_epoll_ctl(fixture *f, const args *a, int raw) {
    (void)f;
    int own;
    int32_t epfd = row_epoll(a, &own);
    int32_t op = (int32_t)a->flags;
    uint32_t events = (uint32_t)a->flags2;
    struct epoll_event event = {.events = events, .data.u64 = 7};
    int64_t result = raw ? sys(syscall(SYS_epoll_ctl, epfd, op, a->fd_b, &event))
                         : zcn_epoll_ctl(epfd, op, a->fd_b, events, 7);
    close(own);
    return result;
}
static void base_epoll_wait(const fixture *f, args *a) {
    a->fd_a = EPOLL_OF_ROW;
    a->addr = f->buf;
    a->flags = 4;
    a->flags2 = 0;
}
static int64_t call_epoll_wait(fixture *f, const args *a, int raw) {
    int own;
    int32_t epfd = row_epoll(a, &own);
    struct epoll_event ready = {.events = EPOLLIN, .data.u64 = 7};
    REQUIRE(epoll_ctl(own, EPOLL_CTL_ADD, f->pipe_r, &ready) == 0);
    int32_t max_events = (int32_t)a->flags, timeout = (int32_t)a->flags2;
    /* The raw twin is epoll_pwait with no mask: some architectures (arm64) have no epoll_wait system call. */
    int64_t result = raw ? sys(syscall(SYS_epoll_pwait, epfd, a->addr, max_events, timeout, NULL, (size_t)8))
                         : zcn_epoll_wait(epfd, a->addr, max_events, timeout);
    close(own);
    return result;
}

static void base_memfd_create(const fixture *f, args *a) {
    (void)f;
    a->flags = ZCN_MFD_NONE;
}
static const char *name_of(const args *a) {
    return a->ptr == PTR_VALID ? "fidelity" : path_of(a);
}
static int64_t call_memfd_create(fixture *f, const args *a, int raw) {
    (void)f;
    uint32_t flags = (uint32_t)a->flags;
    if (!raw) return release_fd(zcn_memfd_create(name_of(a), flags));
    return release_fd(sys(syscall(SYS_memfd_create, name_of(a), flags | MFD_CLOEXEC)));
}
static void base_seals(const fixture *f, args *a) {
    a->fd_a = f->memfd;
    a->flags = ZCN_SEAL_GROW;
}
static int64_t call_memfd_add_seals(fixture *f, const args *a, int raw) {
    (void)f;
    int32_t seals = (int32_t)a->flags;
    if (!raw) return zcn_memfd_add_seals(a->fd_a, seals);
    return sys(syscall(SYS_fcntl, a->fd_a, F_ADD_SEALS, seals));
}
static int64_t call_memfd_get_seals(fixture *f, const args *a, int raw) {
    (void)f;
    if (!raw) return zcn_memfd_get_seals(a->fd_a);
    return sys(syscall(SYS_fcntl, a->fd_a, F_GET_SEALS));
}

/* zcn_dio_alignment is statx(STATX_DIOALIGN); the fallbacks behind it read what fstat also reads. */
static int64_t call_dio_alignment(fixture *f, const args *a, int raw) {
    (void)f;
    if (!raw) {
        zcn_dio_info info;
        return zcn_dio_alignment(a->fd_a, a->ptr == PTR_NULL ? NULL : &info);
    }
    struct statx stx;
    memset(&stx, 0, sizeof stx);
    int64_t result = sys(syscall(SYS_statx, a->fd_a, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx));
    if (result < 0) return result;
    /* zcn.h: a filesystem that reports an alignment of 0 does not support Direct I/O: -EINVAL. */
    int unsupported = (stx.stx_mask & STATX_DIOALIGN) && (stx.stx_dio_mem_align == 0 || stx.stx_dio_offset_align == 0);
    return unsupported ? -EINVAL : 0;
}

/* ---- Sockets: zero-copy sends -------------------------------------------------------------------- */

/* The socket rows make their own connected loopback TCP pair (a base fd of TCP_OF_ROW): non-blocking, SO_ZEROCOPY
 * on, both ends moved above the fixture's numbers (so that the "closed" descriptor stays closed). The fixture's own
 * socket is an AF_UNIX pair, which the fd rows still reach. */
#define TCP_OF_ROW (-1001)
static int32_t row_tcp(const args *a, int own[2]) {
    int pair[2];
    REQUIRE(zcn_xf_tcp_pair(pair) == 0);
    for (int i = 0; i < 2; i++) {
        own[i] = fcntl(pair[i], F_DUPFD_CLOEXEC, 512);
        REQUIRE(own[i] >= 0 && close(pair[i]) == 0);
    }
    int one = 1;
    REQUIRE(zcn_xf_nonblock(own[1]) == 0);
    /* Both sides of a row get the same socket either way; qemu-user does not forward SO_ZEROCOPY (ENOPROTOOPT). */
    REQUIRE(setsockopt(own[1], SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one) == 0 || errno == ENOPROTOOPT);
    return a->fd_a == TCP_OF_ROW ? own[1] : a->fd_a;
}
static void base_socket(const fixture *f, args *a) {
    (void)f;
    a->fd_a = TCP_OF_ROW;
}
static void base_set_zerocopy(const fixture *f, args *a) {
    base_socket(f, a);
    a->flags = 1;
}
static int64_t call_socket_set_zerocopy(fixture *f, const args *a, int raw) {
    (void)f;
    int own[2];
    int32_t fd = row_tcp(a, own), enable = (int32_t)a->flags;
    int64_t result = raw ? sys(syscall(SYS_setsockopt, fd, SOL_SOCKET, SO_ZEROCOPY, &enable, sizeof enable))
                         : zcn_socket_set_zerocopy(fd, enable);
    zcn_xf_close_all(own, 2);
    return result;
}

static void base_send(const fixture *f, args *a) {
    base_socket(f, a);
    a->addr = f->buf;
    a->len = BASE_COUNT;
    a->flags = ZCN_MSG_NONE;
}
/* The raw twin adds MSG_NOSIGNAL as the library does (a closed peer would otherwise end the run). */
static int64_t call_send(fixture *f, const args *a, int raw) {
    (void)f;
    int own[2];
    int32_t fd = row_tcp(a, own), flags = (int32_t)a->flags;
    int64_t result = raw ? sys(syscall(SYS_sendto, fd, a->addr, (size_t)a->len, flags | MSG_NOSIGNAL, NULL, 0))
                         : zcn_send(fd, a->addr, a->len, flags);
    zcn_xf_close_all(own, 2);
    return result;
}

static void base_completions(const fixture *f, args *a) {
    base_socket(f, a);
    a->flags = 4;
}
/* The raw twin is the one recvmsg(MSG_ERRQUEUE) the library starts with; every row's queue is empty. */
static int64_t call_zerocopy_completions(fixture *f, const args *a, int raw) {
    (void)f;
    int own[2];
    int32_t fd = row_tcp(a, own), max = (int32_t)a->flags;
    int64_t result;
    if (raw) {
        char control[128];
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        result = sys(syscall(SYS_recvmsg, fd, &msg, MSG_ERRQUEUE));
    } else {
        /* Every row's queue is empty, so nothing is written: any max can be passed with a small array. */
        zcn_zerocopy_range ranges[4];
        result = zcn_zerocopy_completions(fd, a->ptr == PTR_NULL ? NULL : ranges, max);
    }
    zcn_xf_close_all(own, 2);
    return result;
}
/* zcn.h: the descriptor's own refusals (EBADF, ENOTSOCK) come first; a socket that is neither IPv4 nor IPv6 is
 * -EOPNOTSUPP (recvmsg would read a Unix socket's data); then max below 1 is -EINVAL and a NULL out -EFAULT. */
static int64_t documented_completions(const args *a, int64_t kernel) {
    if (kernel == -EBADF || kernel == -ENOTSOCK) return NOT_DOCUMENTED;
    if (a->fd_a != TCP_OF_ROW) {
        int family = 0;
        socklen_t length = sizeof family;
        if (getsockopt(a->fd_a, SOL_SOCKET, SO_DOMAIN, &family, &length) == 0 && family != AF_INET &&
            family != AF_INET6)
            return -EOPNOTSUPP;
    }
    if ((int32_t)a->flags <= 0) return -EINVAL;
    if (a->ptr == PTR_NULL) return -EFAULT;
    return NOT_DOCUMENTED;
}

/* ---- The function table --------------------------------------------------------------------------- */

#define EXTRA(list) list, sizeof list / sizeof list[0]

static const function_under_test functions[] = {
    {"zcn_sendfile", {[P_FD_A] = "out_fd", [P_FD_B] = "in_fd", [P_OFFPTR_A] = "offset", [P_LEN] = "count"},
     DOM_NONE, NULL, 0, base_sendfile, call_sendfile, NULL},
    {"zcn_splice",
     {[P_FD_A] = "fd_in", [P_FD_B] = "fd_out", [P_OFFPTR_A] = "off_in", [P_OFFPTR_B] = "off_out", [P_LEN] = "len",
      [P_FLAGS] = "flags"},
     DOM_NONE, EXTRA(splice_flag_values), base_splice, call_splice, NULL},
    {"zcn_tee", {[P_FD_A] = "fd_in", [P_FD_B] = "fd_out", [P_LEN] = "len", [P_FLAGS] = "flags"}, DOM_NONE,
     EXTRA(splice_flag_values), base_tee, call_tee, NULL},
    {"zcn_vmsplice",
     {[P_FD_A] = "fd", [P_ADDR] = "iov[0].base", [P_LEN] = "iov[0].len", [P_COUNT] = "nr_segs", [P_FLAGS] = "flags",
      [P_PTR] = "iov"},
     DOM_PTR, EXTRA(splice_flag_values), base_vmsplice, call_vmsplice, documented_vmsplice},
    {"zcn_copy_file_range",
     {[P_FD_A] = "fd_in", [P_FD_B] = "fd_out", [P_OFFPTR_A] = "off_in", [P_OFFPTR_B] = "off_out", [P_LEN] = "len",
      [P_FLAGS] = "flags"},
     DOM_NONE, NULL, 0, base_copy_file_range, call_copy_file_range, NULL},
    {"zcn_pipe", {[P_FLAGS] = "flags", [P_PTR] = "fds"}, DOM_PTR, EXTRA(pipe_flag_values), base_pipe, call_pipe,
     documented_pipe},
    {"zcn_pipe_set_size", {[P_FD_A] = "fd", [P_LEN] = "size"}, DOM_NONE, NULL, 0, base_pipe_size,
     call_pipe_set_size, NULL},
    {"zcn_pipe_get_size", {[P_FD_A] = "fd"}, DOM_NONE, NULL, 0, base_pipe_size, call_pipe_get_size, NULL},
    {"zcn_bytes_available", {[P_FD_A] = "fd"}, DOM_NONE, NULL, 0, base_pipe_size, call_bytes_available, NULL},
    {"zcn_mmap",
     {[P_ADDR] = "addr_hint", [P_LEN] = "length", [P_FLAGS] = "flags", [P_FLAGS2] = "prot", [P_FD_A] = "fd",
      [P_OFF_A] = "offset", [P_PTR] = "addr_out"},
     DOM_OUT, EXTRA(map_flag_values), base_mmap, call_mmap, documented_out_pointer},
    {"zcn_munmap", {[P_ADDR] = "addr", [P_LEN] = "length"}, DOM_NONE, NULL, 0, base_range, call_munmap, NULL},
    {"zcn_msync", {[P_ADDR] = "addr", [P_LEN] = "length", [P_FLAGS] = "flags"}, DOM_NONE, NULL, 0, base_msync,
     call_msync, NULL},
    {"zcn_madvise", {[P_ADDR] = "addr", [P_LEN] = "length", [P_FLAGS] = "advice"}, DOM_NONE, EXTRA(advice_values),
     base_range, call_madvise, NULL},
    {"zcn_mincore", {[P_ADDR] = "addr", [P_LEN] = "length", [P_PTR] = "vec"}, DOM_PTR, NULL, 0, base_range,
     call_mincore, NULL},
    {"zcn_mincore(vec=NULL)", {[P_ADDR] = "addr", [P_LEN] = "length"}, DOM_NONE, NULL, 0, base_mincore_counting,
     call_mincore, NULL},
    {"zcn_aligned_alloc", {[P_FLAGS] = "alignment", [P_LEN] = "size", [P_PTR] = "out"}, DOM_OUT, NULL, 0,
     base_aligned_alloc, call_aligned_alloc, documented_aligned_alloc},
    {"zcn_aligned_map", {[P_FLAGS] = "alignment", [P_LEN] = "size", [P_PTR] = "out"}, DOM_OUT, NULL, 0,
     base_aligned_map, call_aligned_map, documented_aligned_map},
    {"zcn_open", {[P_PTR] = "path", [P_FLAGS] = "flags", [P_FLAGS2] = "mode"}, DOM_PATH, NULL, 0, base_open,
     call_open, documented_open},
    {"zcn_close", {[P_FD_A] = "fd"}, DOM_NONE, NULL, 0, base_fd_ro, call_close, NULL},
    {"zcn_read", {[P_FD_A] = "fd", [P_ADDR] = "buf", [P_LEN] = "count"}, DOM_NONE, NULL, 0, base_read, call_read,
     NULL},
    {"zcn_write", {[P_FD_A] = "fd", [P_ADDR] = "buf", [P_LEN] = "count"}, DOM_NONE, NULL, 0, base_write, call_write,
     NULL},
    {"zcn_pread", {[P_FD_A] = "fd", [P_ADDR] = "buf", [P_LEN] = "count", [P_OFF_A] = "offset"}, DOM_NONE, NULL, 0,
     base_read, call_pread, NULL},
    {"zcn_pwrite", {[P_FD_A] = "fd", [P_ADDR] = "buf", [P_LEN] = "count", [P_OFF_A] = "offset"}, DOM_NONE, NULL, 0,
     base_write, call_pwrite, NULL},
    {"zcn_lseek", {[P_FD_A] = "fd", [P_OFF_A] = "offset", [P_FLAGS] = "whence"}, DOM_NONE, NULL, 0, base_fd_ro,
     call_lseek, NULL},
    {"zcn_ftruncate", {[P_FD_A] = "fd", [P_OFF_A] = "length"}, DOM_NONE, NULL, 0, base_ftruncate, call_ftruncate,
     NULL},
    {"zcn_fsync", {[P_FD_A] = "fd", [P_FLAGS] = "data_only"}, DOM_NONE, NULL, 0, base_fd_rw, call_fsync, NULL},
    {"zcn_fadvise", {[P_FD_A] = "fd", [P_OFF_A] = "offset", [P_OFF_B] = "length", [P_FLAGS] = "advice"}, DOM_NONE,
     NULL, 0, base_fd_ro, call_fadvise, NULL},
    {"zcn_fd_query", {[P_FD_A] = "fd", [P_PTR] = "out"}, DOM_OUT, NULL, 0, base_fd_ro, call_fd_query,
     documented_out_pointer},
    {"zcn_getrusage", {[P_FLAGS] = "who", [P_PTR] = "out"}, DOM_OUT, EXTRA(usage_who_values), base_getrusage,
     call_getrusage, documented_out_pointer},
    {"zcn_set_nonblocking", {[P_FD_A] = "fd", [P_FLAGS] = "enable"}, DOM_NONE, NULL, 0, base_set_nonblocking,
     call_set_nonblocking, NULL},
    {"zcn_poll", {[P_FD_A] = "fd", [P_FLAGS] = "events", [P_FLAGS2] = "timeout_ms"}, DOM_NONE, NULL, 0, base_poll,
     call_poll, documented_poll},
    {"zcn_epoll_ctl", {[P_FD_A] = "epfd", [P_FD_B] = "fd", [P_FLAGS] = "op", [P_FLAGS2] = "events"}, DOM_NONE, NULL,
     0, base_epoll_ctl, call_epoll_ctl, NULL},
    {"zcn_epoll_wait", {[P_FD_A] = "epfd", [P_ADDR] = "events", [P_FLAGS] = "max_events", [P_FLAGS2] = "timeout_ms"},
     DOM_NONE, NULL, 0, base_epoll_wait, call_epoll_wait, NULL},
    {"zcn_memfd_create", {[P_PTR] = "name", [P_FLAGS] = "flags"}, DOM_PATH, EXTRA(memfd_flag_values), base_memfd_create,
     call_memfd_create, NULL},
    {"zcn_memfd_add_seals", {[P_FD_A] = "fd", [P_FLAGS] = "seals"}, DOM_NONE, EXTRA(seal_values), base_seals,
     call_memfd_add_seals, NULL},
    {"zcn_memfd_get_seals", {[P_FD_A] = "fd"}, DOM_NONE, NULL, 0, base_seals, call_memfd_get_seals, NULL},
    {"zcn_dio_alignment", {[P_FD_A] = "fd", [P_PTR] = "out"}, DOM_OUT, NULL, 0, base_fd_ro, call_dio_alignment,
     documented_out_pointer},
    {"zcn_socket_set_zerocopy", {[P_FD_A] = "fd", [P_FLAGS] = "enable"}, DOM_NONE, NULL, 0, base_set_zerocopy,
     call_socket_set_zerocopy, NULL},
    {"zcn_send", {[P_FD_A] = "fd", [P_ADDR] = "buf", [P_LEN] = "len", [P_FLAGS] = "flags"}, DOM_NONE,
     EXTRA(send_flag_values), base_send, call_send, NULL},
    {"zcn_zerocopy_completions", {[P_FD_A] = "fd", [P_PTR] = "out", [P_FLAGS] = "max"}, DOM_OUT, NULL, 0,
     base_completions, call_zerocopy_completions, documented_completions},
};
#define FUNCTION_COUNT (sizeof functions / sizeof functions[0])

/* ---- Running the rows ----------------------------------------------------------------------------- */

static domain domain_of(const function_under_test *fn, param p) {
    switch (p) {
    case P_FD_A:
    case P_FD_B: return DOM_FD;
    case P_OFFPTR_A:
    case P_OFFPTR_B: return DOM_NUMBER_OR_NULL;
    case P_ADDR: return DOM_ADDR;
    case P_PTR: return fn->ptr_domain;
    default: return DOM_NUMBER;
    }
}

static size_t domain_size(const function_under_test *fn, param p) {
    switch (domain_of(fn, p)) {
    case DOM_FD: return FD_KIND_COUNT;
    case DOM_NUMBER_OR_NULL: return NUMBER_COUNT + 1;
    case DOM_ADDR: return ADDR_KIND_COUNT;
    case DOM_OUT: return 2;
    case DOM_PTR: return 3;
    case DOM_PATH: return PTR_KIND_COUNT;
    default: return NUMBER_COUNT + (p == P_FLAGS ? fn->extra_flag_count : 0);
    }
}

/* The i-th extreme, then (for P_FLAGS only, see domain_size) the function's named flag values. */
static uint64_t number_or_extra(const function_under_test *fn, size_t i, const char **name) {
    if (i < NUMBER_COUNT) {
        *name = numbers[i].name;
        return numbers[i].bits;
    }
    const value *extra = &fn->extra_flags[i - NUMBER_COUNT];
    *name = extra->name;
    return extra->bits;
}

/* Sets parameter p of a (already holding the base call) to the i-th value of its domain; returns its name. */
static const char *vary(const function_under_test *fn, const fixture *f, args *a, param p, size_t i) {
    const char *name = NULL;
    switch (p) {
    case P_FD_A: a->fd_a = fd_of(f, (fd_kind)i); return fd_names[i];
    case P_FD_B: a->fd_b = fd_of(f, (fd_kind)i); return fd_names[i];
    case P_OFFPTR_A:
    case P_OFFPTR_B: {
        int is_null = i == NUMBER_COUNT;
        int64_t v = is_null ? 0 : (int64_t)numbers[i].bits;
        if (p == P_OFFPTR_A) a->off_a = v, a->off_a_null = is_null;
        else a->off_b = v, a->off_b_null = is_null;
        return is_null ? "NULL" : numbers[i].name;
    }
    case P_ADDR: a->addr = addr_of(f, (addr_kind)i); return addr_names[i];
    case P_PTR: a->ptr = (ptr_kind)i; return ptr_names[i];
    default: break;
    }
    uint64_t v = number_or_extra(fn, i, &name);
    switch (p) {
    case P_OFF_A: a->off_a = (int64_t)v; break;
    case P_OFF_B: a->off_b = (int64_t)v; break;
    case P_LEN: a->len = v; break;
    case P_COUNT: a->count = v; break;
    case P_FLAGS: a->flags = v; break;
    default: a->flags2 = v; break;
    }
    return name;
}

static int verbose;
static const char *current_row = "";
static char current_row_text[256];
static int rows_run, rows_documented;

/* One side of a row on its own fresh fixture. */
static int64_t run_side(const function_under_test *fn, param p, size_t i, int raw, const char **value_name,
                        int64_t *kernel) {
    fixture f;
    fixture_open(&f);
    args a;
    memset(&a, 0, sizeof a);
    a.ptr = PTR_VALID;
    fn->base(&f, &a);
    *value_name = vary(fn, &f, &a, p, i);
    /* Invalid pointers are the point of many rows; valgrind would report each one. */
    VALGRIND_DISABLE_ERROR_REPORTING;
    int64_t result = fn->call(&f, &a, raw);
    VALGRIND_ENABLE_ERROR_REPORTING;
    int64_t documented = raw && fn->documented ? fn->documented(&a, result) : NOT_DOCUMENTED;
    fixture_close(&f);
    *kernel = result;
    return documented != NOT_DOCUMENTED ? documented : result;
}

static const char *result_name(int64_t r) {
    return r < 0 && r >= -4095 ? zcn_test_name(r) : "";
}

static void run_row(const function_under_test *fn, param p, size_t i) {
    const char *value_name = "";
    snprintf(current_row_text, sizeof current_row_text, "%s %s[%zu]", fn->name, fn->param_names[p], i);
    current_row = current_row_text;
    int64_t kernel = 0;
    int64_t library = run_side(fn, p, i, 0, &value_name, &kernel);
    /* The raw side returns the documented value where there is one; the kernel's own answer is printed too. */
    int64_t expected = run_side(fn, p, i, 1, &value_name, &kernel);
    rows_run++;
    if (expected != kernel) rows_documented++;
    const char *verdict = library != expected ? "DIFFERENT" : expected != kernel ? "documented" : "equal";
    if (verbose || library != expected)
        fprintf(stderr, "  %-20s %-12s = %-22s libzcn %lld %s, kernel %lld %s: %s\n", fn->name,
                fn->param_names[p], value_name, (long long)library, result_name(library), (long long)kernel,
                result_name(kernel), verdict);
    CHECK_EQ(library, expected);
}

static void run_function(const function_under_test *fn) {
    /* Valgrind and AddressSanitizer replace the allocator, and their posix_memalign aborts the whole run on an
     * alignment of 2^63 (a power of two glibc answers with ENOMEM): the allocator rows belong to the plain run. */
    if (fn->call == call_aligned_alloc && (zcn_fx_on_valgrind() || ALLOCATOR_REPLACED)) {
        fprintf(stderr, "  note: %s is compared with glibc's allocator only\n", fn->name);
        return;
    }
    for (int p = 0; p < P_COUNT_OF_PARAMS; p++) {
        if (fn->param_names[p] == NULL) continue;
        size_t n = domain_size(fn, (param)p);
        for (size_t i = 0; i < n; i++)
            run_row(fn, (param)p, i);
    }
}

/* A row that blocks is a bug in the table (a fixture that should have had data or room): name it and stop. */
static void on_alarm(int sig) {
    (void)sig;
    static const char prefix[] = "fidelity: row blocked: ";
    ssize_t ignored = write(2, prefix, sizeof prefix - 1);
    ignored = write(2, current_row, strlen(current_row));
    ignored = write(2, "\n", 1);
    (void)ignored;
    _exit(3);
}

static void test_every_row_equals_the_kernel_or_is_documented(void) {
    for (size_t i = 0; i < FUNCTION_COUNT; i++) {
        /* qemu-user (the aarch64 suite) forwards neither SO_ZEROCOPY nor send(2) on a non-socket faithfully: it turns
         * the latter into a write that raises SIGPIPE. Those rows would test the emulator; they run natively. */
        const char *name = functions[i].name;
        if (zcn_fx_emulated() && (strcmp(name, "zcn_send") == 0 || strcmp(name, "zcn_socket_set_zerocopy") == 0 ||
                                  strcmp(name, "zcn_zerocopy_completions") == 0))
            continue;
        alarm(60);
        run_function(&functions[i]);
    }
    alarm(0);
    fprintf(stderr, "  %d rows over %zu functions, %d of them documented differences\n", rows_run, FUNCTION_COUNT,
            rows_documented);
    CHECK(rows_run > 500);
}

static int setup(void) {
    page = (uint64_t)sysconf(_SC_PAGESIZE);
    file_size = 3 * page + BASE_COUNT;
    numbers[NUMBER_PAGE_MINUS_1].bits = page - 1;
    numbers[NUMBER_PAGE_PLUS_1].bits = page + 1;
    memset(long_name, 'n', sizeof long_name - 1);
    if (zcn_xf_tmpdir(dir_path, sizeof dir_path, "/var/tmp") != 0) return -1;
    snprintf(ro_path, sizeof ro_path, "%s/ro", dir_path);
    snprintf(rw_path, sizeof rw_path, "%s/rw", dir_path);
    uint8_t *content = zcn_xf_pattern(file_size, 1);
    int fd = open(ro_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int ok = content != NULL && fd >= 0 && zcn_xf_write_all(fd, content, file_size) == 0;
    if (fd >= 0) close(fd);
    free(content);
    return ok ? 0 : -1;
}

int main(void) {
    /* A write into a pipe or socket without a reader must come back as EPIPE, on both sides. */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    verbose = getenv("ZCN_FIDELITY_VERBOSE") != NULL;
    if (setup() != 0) return EXIT_FAILURE;
    RUN(test_every_row_equals_the_kernel_or_is_documented);
    zcn_xf_rmtree(dir_path);
    return zcn_test_summary();
}
