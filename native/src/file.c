/* file.c - zcn_open, zcn_close, zcn_read, zcn_write, zcn_pread, zcn_pwrite, zcn_lseek, zcn_ftruncate,
 * zcn_fsync, zcn_fadvise, zcn_fd_query (fstat, F_GETFL, F_GETFD) and zcn_set_nonblocking. */
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zcn_internal.h"

/* Open flags whose value is the same on every Linux architecture. */
_Static_assert(ZCN_O_RDONLY == O_RDONLY, "O_RDONLY");
_Static_assert(ZCN_O_WRONLY == O_WRONLY, "O_WRONLY");
_Static_assert(ZCN_O_RDWR == O_RDWR, "O_RDWR");
_Static_assert(ZCN_O_CREAT == O_CREAT, "O_CREAT");
_Static_assert(ZCN_O_EXCL == O_EXCL, "O_EXCL");
_Static_assert(ZCN_O_NOCTTY == O_NOCTTY, "O_NOCTTY");
_Static_assert(ZCN_O_TRUNC == O_TRUNC, "O_TRUNC");
_Static_assert(ZCN_O_APPEND == O_APPEND, "O_APPEND");
_Static_assert(ZCN_O_NONBLOCK == O_NONBLOCK, "O_NONBLOCK");
_Static_assert(ZCN_O_DSYNC == O_DSYNC, "O_DSYNC");
_Static_assert(ZCN_O_NOATIME == O_NOATIME, "O_NOATIME");
_Static_assert(ZCN_O_CLOEXEC == O_CLOEXEC, "O_CLOEXEC");
_Static_assert(ZCN_O_SYNC == O_SYNC, "O_SYNC");
_Static_assert(ZCN_O_PATH == O_PATH, "O_PATH");
#if defined(__x86_64__)
/* x86-64 uses the asm-generic values for the rest too, so the translation is the identity there. */
_Static_assert(ZCN_O_DIRECT == O_DIRECT, "O_DIRECT");
_Static_assert(ZCN_O_DIRECTORY == O_DIRECTORY, "O_DIRECTORY");
_Static_assert(ZCN_O_NOFOLLOW == O_NOFOLLOW, "O_NOFOLLOW");
_Static_assert(ZCN_O_TMPFILE == O_TMPFILE, "O_TMPFILE");
#endif

_Static_assert(ZCN_SEEK_SET == SEEK_SET, "SEEK_SET");
_Static_assert(ZCN_SEEK_CUR == SEEK_CUR, "SEEK_CUR");
_Static_assert(ZCN_SEEK_END == SEEK_END, "SEEK_END");
_Static_assert(ZCN_SEEK_DATA == SEEK_DATA, "SEEK_DATA");
_Static_assert(ZCN_SEEK_HOLE == SEEK_HOLE, "SEEK_HOLE");

_Static_assert(ZCN_FADV_NORMAL == POSIX_FADV_NORMAL, "POSIX_FADV_NORMAL");
_Static_assert(ZCN_FADV_RANDOM == POSIX_FADV_RANDOM, "POSIX_FADV_RANDOM");
_Static_assert(ZCN_FADV_SEQUENTIAL == POSIX_FADV_SEQUENTIAL, "POSIX_FADV_SEQUENTIAL");
_Static_assert(ZCN_FADV_WILLNEED == POSIX_FADV_WILLNEED, "POSIX_FADV_WILLNEED");
_Static_assert(ZCN_FADV_DONTNEED == POSIX_FADV_DONTNEED, "POSIX_FADV_DONTNEED");
_Static_assert(ZCN_FADV_NOREUSE == POSIX_FADV_NOREUSE, "POSIX_FADV_NOREUSE");

/* zcn_fd_query reports F_GETFD as it is: the only descriptor flag Linux has is FD_CLOEXEC. */
_Static_assert(ZCN_FD_CLOEXEC == FD_CLOEXEC, "FD_CLOEXEC");

/* The kernel's O_LARGEFILE bit: glibc defines O_LARGEFILE as 0 on 64-bit targets (it is implied),
 * but F_GETFL still reports the kernel's bit, which differs between architectures. */
#if defined(__aarch64__) || defined(__arm__)
#define ZCN_KERNEL_O_LARGEFILE 0400000
#else
#define ZCN_KERNEL_O_LARGEFILE 0100000
#endif

/* The one place where zcn_open_flags (asm-generic bits) meet the native O_* bits. Composite flags
 * (O_SYNC = __O_SYNC | O_DSYNC, O_TMPFILE = __O_TMPFILE | O_DIRECTORY) are split into single bits. */
typedef struct zcn_open_flag_map {
    int32_t zcn;
    int native;
} zcn_open_flag_map;

static const zcn_open_flag_map zcn_open_flag_table[] = {
    {ZCN_O_WRONLY, O_WRONLY},
    {ZCN_O_RDWR, O_RDWR},
    {ZCN_O_CREAT, O_CREAT},
    {ZCN_O_EXCL, O_EXCL},
    {ZCN_O_NOCTTY, O_NOCTTY},
    {ZCN_O_TRUNC, O_TRUNC},
    {ZCN_O_APPEND, O_APPEND},
    {ZCN_O_NONBLOCK, O_NONBLOCK},
    {ZCN_O_DSYNC, O_DSYNC},
    {ZCN_O_DIRECT, O_DIRECT},
    {ZCN_O_LARGEFILE, ZCN_KERNEL_O_LARGEFILE},
    {ZCN_O_DIRECTORY, O_DIRECTORY},
    {ZCN_O_NOFOLLOW, O_NOFOLLOW},
    {ZCN_O_NOATIME, O_NOATIME},
    {ZCN_O_CLOEXEC, O_CLOEXEC},
    {ZCN_O_SYNC & ~ZCN_O_DSYNC, O_SYNC & ~O_DSYNC},
    {ZCN_O_PATH, O_PATH},
    {ZCN_O_TMPFILE & ~ZCN_O_DIRECTORY, O_TMPFILE & ~O_DIRECTORY},
};

#define ZCN_OPEN_FLAG_COUNT (sizeof(zcn_open_flag_table) / sizeof(zcn_open_flag_table[0]))

/* Translates zcn_open_flags to native flags; returns -EINVAL on an unknown bit. */
static int zcn_open_flags_to_native(int32_t flags, int *native_out) {
    int32_t remaining = flags;
    int native = 0;
    for (size_t i = 0; i < ZCN_OPEN_FLAG_COUNT; i++) {
        if (flags & zcn_open_flag_table[i].zcn) {
            native |= zcn_open_flag_table[i].native;
            remaining &= ~zcn_open_flag_table[i].zcn;
        }
    }
    if (remaining != 0) return -EINVAL;
    *native_out = native;
    return 0;
}

/* Translates native status flags (F_GETFL) to zcn_open_flags; bits with no zcn value are dropped. */
static int32_t zcn_open_flags_from_native(int native) {
    int32_t flags = 0;
    for (size_t i = 0; i < ZCN_OPEN_FLAG_COUNT; i++) {
        if (native & zcn_open_flag_table[i].native) flags |= zcn_open_flag_table[i].zcn;
    }
    return flags;
}

int32_t zcn_open(const char *path, int32_t flags, uint32_t mode) {
    /* The kernel answers EFAULT for a NULL path too; the check is here because open(3) is declared nonnull, so
     * passing NULL on would be undefined behaviour in C, not because the kernel's answer needs replacing. */
    if (path == NULL) return -EFAULT;
    int native = 0;
    if (zcn_open_flags_to_native(flags, &native) != 0) return -EINVAL;
    int fd;
    /* open can be interrupted while it waits, for one on a FIFO without a peer. */
    ZCN_RETRY_EINTR(fd, open(path, native | O_CLOEXEC, (mode_t)mode));
    return zcn_result32(fd);
}

int32_t zcn_close(int32_t fd) {
    /* Never retried: Linux frees the descriptor before close can be interrupted, so a retry could
     * close a descriptor another thread has just been given. EINTR therefore means "closed". */
    if (close(fd) != 0 && errno != EINTR) return -(int32_t)errno;
    return 0;
}

int64_t zcn_read(int32_t fd, void *buf, uint64_t count) {
    ssize_t result;
    ZCN_RETRY_EINTR(result, ZCN_SYS_READ(fd, buf, (size_t)count));
    return zcn_result64(result);
}

int64_t zcn_write(int32_t fd, const void *buf, uint64_t count) {
    ssize_t result;
    ZCN_RETRY_EINTR(result, ZCN_SYS_WRITE(fd, buf, (size_t)count));
    return zcn_result64(result);
}

int64_t zcn_pread(int32_t fd, void *buf, uint64_t count, int64_t offset) {
    ssize_t result;
    ZCN_RETRY_EINTR(result, ZCN_SYS_PREAD(fd, buf, (size_t)count, (off_t)offset));
    return zcn_result64(result);
}

int64_t zcn_pwrite(int32_t fd, const void *buf, uint64_t count, int64_t offset) {
    ssize_t result;
    ZCN_RETRY_EINTR(result, ZCN_SYS_PWRITE(fd, buf, (size_t)count, (off_t)offset));
    return zcn_result64(result);
}

int64_t zcn_lseek(int32_t fd, int64_t offset, int32_t whence) {
    return zcn_result64(lseek(fd, (off_t)offset, whence));
}

int32_t zcn_ftruncate(int32_t fd, int64_t length) {
    int result;
    ZCN_RETRY_EINTR(result, ftruncate(fd, (off_t)length));
    return zcn_status(result);
}

int32_t zcn_fsync(int32_t fd, int32_t data_only) {
    int result;
    if (data_only) {
        ZCN_RETRY_EINTR(result, fdatasync(fd));
    } else {
        ZCN_RETRY_EINTR(result, fsync(fd));
    }
    return zcn_status(result);
}

int32_t zcn_fadvise(int32_t fd, int64_t offset, int64_t length, int32_t advice) {
    /* posix_fadvise returns the error number instead of setting errno. */
    int error;
    do {
        error = posix_fadvise(fd, (off_t)offset, (off_t)length, advice);
    } while (error == EINTR);
    return -(int32_t)error;
}

static int32_t zcn_fd_kind_of(mode_t mode) {
    switch (mode & S_IFMT) {
    case S_IFREG:
        return ZCN_FD_REGULAR;
    case S_IFDIR:
        return ZCN_FD_DIRECTORY;
    case S_IFCHR:
        return ZCN_FD_CHARDEV;
    case S_IFBLK:
        return ZCN_FD_BLOCKDEV;
    case S_IFIFO:
        return ZCN_FD_PIPE;
    case S_IFSOCK:
        return ZCN_FD_SOCKET;
    case S_IFLNK:
        return ZCN_FD_SYMLINK;
    default:
        return ZCN_FD_UNKNOWN;
    }
}

int32_t zcn_fd_query(int32_t fd, zcn_fd_info *out) {
    if (out == NULL) return -EFAULT;
    memset(out, 0, sizeof(*out));
    struct stat st;
    if (fstat(fd, &st) != 0) return -(int32_t)errno;
    int status = fcntl(fd, F_GETFL);
    if (status < 0) return -(int32_t)errno;
    int descriptor = fcntl(fd, F_GETFD);
    if (descriptor < 0) return -(int32_t)errno;
    out->kind = zcn_fd_kind_of(st.st_mode);
    out->status_flags = zcn_open_flags_from_native(status);
    out->mode = (uint32_t)(st.st_mode & 07777);
    out->descriptor_flags = (uint32_t)(descriptor & FD_CLOEXEC);
    if (S_ISREG(st.st_mode)) {
        out->size = (int64_t)st.st_size;
    } else if (S_ISBLK(st.st_mode)) {
        /* fstat reports 0 for a block device; its size comes from the device itself. */
        uint64_t bytes = 0;
        if (ioctl(fd, BLKGETSIZE64, &bytes) == 0 && bytes <= ZCN_MAX_COUNT) out->size = (int64_t)bytes;
    }
    out->block_size = (int64_t)st.st_blksize;
    out->device = (uint64_t)st.st_dev;
    out->inode = (uint64_t)st.st_ino;
    return 0;
}

int32_t zcn_set_nonblocking(int32_t fd, int32_t enable) {
    int status = fcntl(fd, F_GETFL);
    if (status < 0) return -(int32_t)errno;
    int wanted = enable ? (status | O_NONBLOCK) : (status & ~O_NONBLOCK);
    if (wanted == status) return 0;
    return zcn_status(fcntl(fd, F_SETFL, wanted));
}
