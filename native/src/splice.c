/* splice.c - zcn_splice, zcn_tee and zcn_vmsplice: moving pages through pipes. */
#include <fcntl.h>
#include <stddef.h>
#include <sys/uio.h>

#include "zcn_internal.h"

_Static_assert(ZCN_SPLICE_F_MOVE == SPLICE_F_MOVE, "SPLICE_F_MOVE");
_Static_assert(ZCN_SPLICE_F_NONBLOCK == SPLICE_F_NONBLOCK, "SPLICE_F_NONBLOCK");
_Static_assert(ZCN_SPLICE_F_MORE == SPLICE_F_MORE, "SPLICE_F_MORE");
_Static_assert(ZCN_SPLICE_F_GIFT == SPLICE_F_GIFT, "SPLICE_F_GIFT");

/* zcn_iovec is passed to the kernel as struct iovec, so the layouts must match exactly. */
_Static_assert(sizeof(zcn_iovec) == sizeof(struct iovec), "zcn_iovec size");
_Static_assert(offsetof(zcn_iovec, base) == offsetof(struct iovec, iov_base), "zcn_iovec.base offset");
_Static_assert(offsetof(zcn_iovec, len) == offsetof(struct iovec, iov_len), "zcn_iovec.len offset");
_Static_assert(sizeof(loff_t) == sizeof(int64_t), "loff_t must be 64 bits");

/* Lengths, counts and flag bits go to the kernel as they are: it caps a transfer at MAX_RW_COUNT (so no count
 * result can pass INT64_MAX) and judges every bit itself, so its errno is the one the caller sees. */

int64_t zcn_splice(int32_t fd_in, int64_t *off_in, int32_t fd_out, int64_t *off_out, uint64_t len, uint32_t flags) {
    ssize_t result;
    ZCN_RETRY_EINTR(result, ZCN_SYS_SPLICE(fd_in, (loff_t *)off_in, fd_out, (loff_t *)off_out, (size_t)len, flags));
    return zcn_result64(result);
}

int64_t zcn_tee(int32_t fd_in, int32_t fd_out, uint64_t len, uint32_t flags) {
    ssize_t result;
    ZCN_RETRY_EINTR(result, ZCN_SYS_TEE(fd_in, fd_out, (size_t)len, flags));
    return zcn_result64(result);
}

int64_t zcn_vmsplice(int32_t fd, const zcn_iovec *iov, uint64_t nr_segs, uint32_t flags) {
    ssize_t result;
    ZCN_RETRY_EINTR(result, ZCN_SYS_VMSPLICE(fd, (const struct iovec *)(const void *)iov, (size_t)nr_segs, flags));
    /* The kernel returns 0 for zero segments once it has checked the rest; the contract calls that a caller
     * error. Only that success is replaced, so every refusal of the kernel comes through unchanged. */
    if (result == 0 && nr_segs == 0) return -EINVAL;
    return zcn_result64(result);
}
