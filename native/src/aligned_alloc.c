/* aligned_alloc.c - zcn_aligned_alloc, zcn_aligned_free and zcn_aligned_outstanding. */
#include <stdatomic.h>
#include <stdlib.h>

#include "zcn_internal.h"

/* Blocks handed out and not yet freed, so that callers can assert they leak none. */
static atomic_llong zcn_aligned_blocks;

int32_t zcn_aligned_alloc(void **out, uint64_t alignment, uint64_t size) {
    if (out == NULL) return -EFAULT;
    *out = NULL;
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0 || size == 0) return -EINVAL;
    if (alignment > SIZE_MAX || size > SIZE_MAX) return -ENOMEM;
    void *block = NULL;
    int error = posix_memalign(&block, (size_t)alignment, (size_t)size);
    if (error != 0) return -(int32_t)error;
    atomic_fetch_add_explicit(&zcn_aligned_blocks, 1, memory_order_relaxed);
    *out = block;
    return 0;
}

void zcn_aligned_free(void *block) {
    if (block == NULL) return;
    free(block);
    atomic_fetch_sub_explicit(&zcn_aligned_blocks, 1, memory_order_relaxed);
}

int64_t zcn_aligned_outstanding(void) {
    return (int64_t)atomic_load_explicit(&zcn_aligned_blocks, memory_order_relaxed);
}
