/* copy_file_range.c - zcn_copy_file_range. */
#include <sys/syscall.h>
#include <unistd.h>

#include "zcn_internal.h"

_Static_assert(ZCN_COPY_NONE == 0, "copy_file_range takes no flags");

int64_t zcn_copy_file_range(int32_t fd_in, int64_t *off_in, int32_t fd_out, int64_t *off_out, uint64_t len,
                            uint32_t flags) {
    long result;
    /* The raw system call: some glibc versions emulated copy_file_range in user space, which would
     * hide -ENOSYS/-EXDEV from the caller's fallback logic. */
    ZCN_RETRY_EINTR(result, syscall(SYS_copy_file_range, fd_in, off_in, fd_out, off_out, (size_t)len, flags));
    return zcn_result64(result);
}
