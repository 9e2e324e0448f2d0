/* sendfile.c - zcn_sendfile. */
#include <sys/sendfile.h>
#include <sys/types.h>

#include "zcn_internal.h"

_Static_assert(sizeof(off_t) == sizeof(int64_t), "off_t must be 64 bits");

int64_t zcn_sendfile(int32_t out_fd, int32_t in_fd, int64_t *offset, uint64_t count) {
    ssize_t result;
    ZCN_RETRY_EINTR(result, sendfile(out_fd, in_fd, (off_t *)offset, (size_t)count));
    return zcn_result64(result);
}
