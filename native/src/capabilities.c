/* capabilities.c - zcn_capabilities: which zero-copy system calls the running kernel offers. */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zcn_internal.h"

#if defined(__has_include)
#if __has_include(<linux/io_uring.h>)
#include <linux/io_uring.h>
#define ZCN_IO_URING_PARAMS_SIZE sizeof(struct io_uring_params)
#endif
#endif
#ifndef ZCN_IO_URING_PARAMS_SIZE
#define ZCN_IO_URING_PARAMS_SIZE 120 /* sizeof(struct io_uring_params) since Linux 5.1 */
#endif

/* Set in the cache once the probe has run, so that an empty mask is distinguishable from "not yet". */
#define ZCN_CAP_PROBED 0x40000000

static atomic_int zcn_capability_cache;

/* A system call is present unless it fails with ENOSYS. Each probe passes arguments the kernel
 * refuses (a bad descriptor, invalid flags) before doing any work, so nothing is created or moved. */
static int zcn_syscall_present(long result) {
    return !(result == -1 && errno == ENOSYS);
}

static int32_t zcn_probe_io_uring(void) {
#ifdef SYS_io_uring_setup
    /* kernel.io_uring_disabled = 2 turns io_uring off for everyone. */
    if (zcn_read_number_file("/proc/sys/kernel/io_uring_disabled") == 2) return 0;
    /* Zero entries are invalid: a kernel with io_uring answers EINVAL (EFAULT for a bad pointer)
     * without creating a ring; ENOSYS means it is not built in, EPERM that it is disabled for us. */
    _Alignas(8) unsigned char params[ZCN_IO_URING_PARAMS_SIZE];
    memset(params, 0, sizeof(params));
    long result = syscall(SYS_io_uring_setup, 0, params);
    if (result >= 0) {
        close((int)result);
        return ZCN_CAP_IO_URING;
    }
    return (errno == EINVAL || errno == EFAULT) ? ZCN_CAP_IO_URING : 0;
#else
    return 0;
#endif
}

static int zcn_statx_has_dioalign(int dirfd, const char *path, int flags) {
    struct statx stx;
    memset(&stx, 0, sizeof(stx));
    if (statx(dirfd, path, flags, STATX_DIOALIGN, &stx) != 0) return 0;
    return (stx.stx_mask & STATX_DIOALIGN) != 0;
}

static int32_t zcn_probe_dioalign(void) {
    /* Filesystems report STATX_DIOALIGN for regular files only: try the running executable, then an
     * unnamed temporary file (it vanishes with its descriptor). */
    if (zcn_statx_has_dioalign(AT_FDCWD, "/proc/self/exe", 0)) return ZCN_CAP_STATX_DIOALIGN;
    int fd = open(P_tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) return 0;
    int found = zcn_statx_has_dioalign(fd, "", AT_EMPTY_PATH);
    close(fd);
    return found ? ZCN_CAP_STATX_DIOALIGN : 0;
}

static int32_t zcn_probe(void) {
    int32_t caps = 0;
    if (zcn_syscall_present(syscall(SYS_copy_file_range, -1, NULL, -1, NULL, 1, 0))) caps |= ZCN_CAP_COPY_FILE_RANGE;
    if (zcn_syscall_present(syscall(SYS_splice, -1, NULL, -1, NULL, 1, 0))) caps |= ZCN_CAP_SPLICE;
    if (zcn_syscall_present(syscall(SYS_vmsplice, -1, NULL, 0, 0))) caps |= ZCN_CAP_VMSPLICE;
    if (zcn_syscall_present(syscall(SYS_tee, -1, -1, 1, 0))) caps |= ZCN_CAP_TEE;
    /* An unknown flag bit is refused with EINVAL before the name is read or a file is made. */
    if (zcn_syscall_present(syscall(SYS_memfd_create, "zcn-probe", 0x80000000u))) caps |= ZCN_CAP_MEMFD;
    caps |= zcn_probe_dioalign();
    caps |= zcn_probe_io_uring();
    return caps;
}

int32_t zcn_capabilities(void) {
    int cached = atomic_load_explicit(&zcn_capability_cache, memory_order_acquire);
    if (cached & ZCN_CAP_PROBED) return cached & ~ZCN_CAP_PROBED;
    /* Two threads may both probe the first time; they compute the same answer, so the race is benign. */
    int saved_errno = errno;
    int32_t caps = zcn_probe();
    errno = saved_errno;
    atomic_store_explicit(&zcn_capability_cache, caps | ZCN_CAP_PROBED, memory_order_release);
    return caps;
}
