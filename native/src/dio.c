/* dio.c - zcn_dio_alignment: the alignment O_DIRECT needs for a file. */
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "zcn_internal.h"

uint32_t zcn_read_number_file(const char *path) {
    int fd;
    ZCN_RETRY_EINTR(fd, open(path, O_RDONLY | O_CLOEXEC));
    if (fd < 0) return 0;
    char text[32] = {0};
    ssize_t got;
    ZCN_RETRY_EINTR(got, read(fd, text, sizeof(text) - 1));
    close(fd);
    if (got <= 0) return 0;
    char *end = NULL;
    unsigned long value = strtoul(text, &end, 10);
    if (end == text || value > UINT32_MAX) return 0;
    return (uint32_t)value;
}

/* The logical block size of the block device that holds a file, from sysfs; 0 when unknown.
 * A partition has no queue/ of its own, so its parent disk's is tried next. */
static uint32_t zcn_device_block_size(dev_t device) {
    char path[96];
    snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/queue/logical_block_size", major(device), minor(device));
    uint32_t size = zcn_read_number_file(path);
    if (size != 0) return size;
    snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../queue/logical_block_size", major(device), minor(device));
    return zcn_read_number_file(path);
}

int32_t zcn_dio_alignment(int32_t fd, zcn_dio_info *out) {
    if (out == NULL) return -EFAULT;
    memset(out, 0, sizeof(*out));

    struct statx stx;
    memset(&stx, 0, sizeof(stx));
    if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) != 0) {
        if (errno != ENOSYS) return -(int32_t)errno;
    } else if (stx.stx_mask & STATX_DIOALIGN) {
        /* The filesystem answered: zero means it does not support Direct I/O for this file. */
        if (stx.stx_dio_mem_align == 0 || stx.stx_dio_offset_align == 0) return -EINVAL;
        out->mem_align = stx.stx_dio_mem_align;
        out->offset_align = stx.stx_dio_offset_align;
        out->source = ZCN_DIO_SOURCE_STATX;
        return 0;
    }

    struct stat st;
    if (fstat(fd, &st) != 0) return -(int32_t)errno;
    uint32_t block = 0;
    if (S_ISBLK(st.st_mode)) {
        int logical = 0;
        if (ioctl(fd, BLKSSZGET, &logical) == 0 && logical > 0) block = (uint32_t)logical;
    } else if (major(st.st_dev) != 0) {
        /* Major 0 marks a device-less filesystem (tmpfs, overlay, ...): there is no queue to read. */
        block = zcn_device_block_size(st.st_dev);
    }
    if (block != 0) {
        out->mem_align = block;
        out->offset_align = block;
        out->source = ZCN_DIO_SOURCE_BLOCK_DEVICE;
        return 0;
    }
    uint32_t blksize = st.st_blksize > 0 && (uint64_t)st.st_blksize <= UINT32_MAX ? (uint32_t)st.st_blksize : 4096u;
    out->mem_align = blksize;
    out->offset_align = blksize;
    out->source = ZCN_DIO_SOURCE_BLKSIZE;
    return 0;
}
