/*
 * zcn_internal.h - private helpers shared by the libzcn sources. Nothing here is exported.
 */
#ifndef ZCN_INTERNAL_H
#define ZCN_INTERNAL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zcn.h"

/* Runs a libc call that reports failure as -1 with errno, again while it fails with EINTR.
 * Every blocking wrapper goes through this; close is the one call that must not. */
#define ZCN_RETRY_EINTR(result, call)                                                                                  \
    do {                                                                                                               \
        (result) = (call);                                                                                             \
    } while ((result) == -1 && errno == EINTR)

/* The calls on a transfer's path enter the kernel through syscall(2), not through their C library wrappers. The
 * wrappers are pthread cancellation points: in a multi-threaded process, which every .NET process is, each call
 * then switches the thread's cancellation state in and out around the system call. Measured on the development
 * machine (glibc 2.36), a 4 KiB splice pair from a warm file through a pipe to /dev/null took 625 ns through the
 * wrappers and 565 ns direct, once the process had a second thread (500 and 503 ns while it had one). zcn.h says
 * what this means for a cancelled thread. The result is the kernel's either way: -1 with errno. */
#define ZCN_SYS_READ(fd, buf, count) syscall(SYS_read, (fd), (buf), (count))
#define ZCN_SYS_WRITE(fd, buf, count) syscall(SYS_write, (fd), (buf), (count))
#define ZCN_SYS_PREAD(fd, buf, count, offset) syscall(SYS_pread64, (fd), (buf), (count), (offset))
#define ZCN_SYS_PWRITE(fd, buf, count, offset) syscall(SYS_pwrite64, (fd), (buf), (count), (offset))
#define ZCN_SYS_SEND(fd, buf, len, flags) syscall(SYS_sendto, (fd), (buf), (len), (flags), NULL, 0)
#define ZCN_SYS_RECVMSG(fd, msg, flags) syscall(SYS_recvmsg, (fd), (msg), (flags))
#define ZCN_SYS_SPLICE(fd_in, off_in, fd_out, off_out, len, flags)                                                    \
    syscall(SYS_splice, (fd_in), (off_in), (fd_out), (off_out), (len), (flags))
#define ZCN_SYS_TEE(fd_in, fd_out, len, flags) syscall(SYS_tee, (fd_in), (fd_out), (len), (flags))
#define ZCN_SYS_VMSPLICE(fd, iov, nr_segs, flags) syscall(SYS_vmsplice, (fd), (iov), (nr_segs), (flags))
/* The ZCN_SYS_* calls pass their arguments through syscall(2)'s variadic list, which matches the kernel's registers
 * only on a 64-bit ABI (a 32-bit one splits 64-bit offsets into register pairs). */
_Static_assert(sizeof(long) == 8, "the ZCN_SYS_* calls assume a 64-bit ABI");

/* Converts a -1/errno result into the library's -errno convention (64-bit results). */
static inline int64_t zcn_result64(int64_t result) {
    return result < 0 ? -(int64_t)errno : result;
}

/* Converts a -1/errno result into the library's -errno convention (32-bit results). */
static inline int32_t zcn_result32(long result) {
    return result < 0 ? -(int32_t)errno : (int32_t)result;
}

/* Converts a call that returns 0 or -1/errno into 0 or -errno. */
static inline int32_t zcn_status(long result) {
    return result < 0 ? -(int32_t)errno : 0;
}

/* The largest size the library reports through an int64_t (a block device's size in zcn_fd_query). Transfer
 * counts need no such check: the kernel caps each call at MAX_RW_COUNT. */
#define ZCN_MAX_COUNT ((uint64_t)INT64_MAX)

/* Every huge-page size the header names, for the static checks of ZCN_MAP_HUGE_* and ZCN_MFD_HUGE_* against the
 * kernel's encoding (<asm-generic/hugetlb_encode.h>, the source of both MAP_HUGE_* and MFD_HUGE_*). */
#define ZCN_HUGE_SIZE_LIST(X) X(64KB) X(512KB) X(1MB) X(2MB) X(8MB) X(16MB) X(32MB) X(256MB) X(512MB) X(1GB) X(2GB)

/* A wait's deadline on the monotonic clock, in nanoseconds, for timeout_ms > 0 (0 otherwise). An interrupted wait
 * resumes with zcn_milliseconds_left, so that signals can neither stretch nor cut short the wait. */
static inline int64_t zcn_deadline_after(int32_t timeout_ms) {
    if (timeout_ms <= 0) return 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec + (int64_t)timeout_ms * 1000000;
}

/* The milliseconds left until deadline, rounded up (a resumed wait may end late by under a millisecond, never
 * early); 0 once it has passed. */
static inline int zcn_milliseconds_left(int64_t deadline) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t left = deadline - ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
    return left <= 0 ? 0 : (int)((left + 999999) / 1000000);
}

/* Reads a small decimal number from a kernel text file (sysfs, procfs); 0 when it cannot. */
uint32_t zcn_read_number_file(const char *path);

#endif /* ZCN_INTERNAL_H */
