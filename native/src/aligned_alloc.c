/* aligned_alloc.c - zcn_aligned_alloc, zcn_aligned_free, zcn_aligned_map, zcn_aligned_unmap and
 * zcn_aligned_outstanding. */
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "zcn_internal.h"

/* Blocks handed out and not yet freed (by either pair), so that callers can assert they leak none. */
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

/* The block of a mapped allocation is size rounded up to whole pages, with one guard page on each side. */
static uint64_t zcn_pages_of(uint64_t size, uint64_t page) {
    return (size + page - 1) & ~(page - 1);
}

int32_t zcn_aligned_map(void **out, uint64_t alignment, uint64_t size) {
    if (out == NULL) return -EFAULT;
    *out = NULL;
    uint64_t page = (uint64_t)zcn_page_size();
    if (alignment < page || (alignment & (alignment - 1)) != 0 || size == 0) return -EINVAL;
    /* The reservation holds the guard page, the slack up to the first aligned address, the block and the guard
     * after it: size + alignment + page. Anything that does not fit in the address space is -ENOMEM, as mmap's. */
    if (size > (uint64_t)INT64_MAX || alignment > (uint64_t)INT64_MAX - page ||
        size > (uint64_t)INT64_MAX - alignment - page)
        return -ENOMEM;
    uint64_t length = zcn_pages_of(size, page);
    uint64_t span = length + alignment + page;
    void *reserved = mmap(NULL, (size_t)span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (reserved == MAP_FAILED) return -(int32_t)errno;
    uintptr_t start = (uintptr_t)reserved;
    uintptr_t block = (start + (uintptr_t)page + (uintptr_t)alignment - 1) & ~((uintptr_t)alignment - 1);
    uintptr_t head = block - (uintptr_t)page - start;               /* the slack before the first guard */
    uintptr_t tail_start = block + (uintptr_t)length + (uintptr_t)page; /* past the second guard */
    uintptr_t tail = start + (uintptr_t)span - tail_start;
    /* Trimming and unmapping a range of a mapping of our own cannot fail but for a kernel out of memory while it
     * splits the mapping; then everything is given back and that answer returned. */
    int32_t result = 0;
    if (head != 0) result = zcn_status(munmap(reserved, head));
    if (result == 0 && tail != 0) result = zcn_status(munmap((void *)tail_start, tail));
    if (result == 0) result = zcn_status(mprotect((void *)block, (size_t)length, PROT_READ | PROT_WRITE));
    if (result != 0) {
        munmap(reserved, (size_t)span); /* also where parts were already trimmed: nothing else lives there */
        return result;
    }
    atomic_fetch_add_explicit(&zcn_aligned_blocks, 1, memory_order_relaxed);
    *out = (void *)block;
    return 0;
}

int32_t zcn_aligned_unmap(void *block, uint64_t size) {
    if (block == NULL) return 0;
    uint64_t page = (uint64_t)zcn_page_size();
    if (((uintptr_t)block & (page - 1)) != 0 || size == 0 || size > (uint64_t)INT64_MAX - 2 * page)
        return -EINVAL;
    int32_t result = zcn_status(munmap((char *)block - page, (size_t)(zcn_pages_of(size, page) + 2 * page)));
    if (result == 0) atomic_fetch_sub_explicit(&zcn_aligned_blocks, 1, memory_order_relaxed);
    return result;
}

int64_t zcn_aligned_outstanding(void) {
    return (int64_t)atomic_load_explicit(&zcn_aligned_blocks, memory_order_relaxed);
}
