/* mmap.c - zcn_page_size, zcn_mmap, zcn_munmap, zcn_msync, zcn_madvise and zcn_mincore. */
#include <asm-generic/hugetlb_encode.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zcn_internal.h"

_Static_assert(ZCN_PROT_NONE == PROT_NONE, "PROT_NONE");
_Static_assert(ZCN_PROT_READ == PROT_READ, "PROT_READ");
_Static_assert(ZCN_PROT_WRITE == PROT_WRITE, "PROT_WRITE");
_Static_assert(ZCN_PROT_EXEC == PROT_EXEC, "PROT_EXEC");

_Static_assert(ZCN_MAP_SHARED == MAP_SHARED, "MAP_SHARED");
_Static_assert(ZCN_MAP_PRIVATE == MAP_PRIVATE, "MAP_PRIVATE");
#ifdef MAP_SHARED_VALIDATE
_Static_assert(ZCN_MAP_SHARED_VALIDATE == MAP_SHARED_VALIDATE, "MAP_SHARED_VALIDATE");
#endif
_Static_assert(ZCN_MAP_FIXED == MAP_FIXED, "MAP_FIXED");
_Static_assert(ZCN_MAP_ANONYMOUS == MAP_ANONYMOUS, "MAP_ANONYMOUS");
_Static_assert(ZCN_MAP_NORESERVE == MAP_NORESERVE, "MAP_NORESERVE");
_Static_assert(ZCN_MAP_POPULATE == MAP_POPULATE, "MAP_POPULATE");
_Static_assert(ZCN_MAP_HUGETLB == MAP_HUGETLB, "MAP_HUGETLB");
#ifdef MAP_FIXED_NOREPLACE
_Static_assert(ZCN_MAP_FIXED_NOREPLACE == MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE");
#endif
_Static_assert(ZCN_MAP_LOCKED == MAP_LOCKED, "MAP_LOCKED");
_Static_assert(ZCN_MAP_NONBLOCK == MAP_NONBLOCK, "MAP_NONBLOCK");
_Static_assert(ZCN_MAP_STACK == MAP_STACK, "MAP_STACK");
#ifdef MAP_SYNC
_Static_assert(ZCN_MAP_SYNC == MAP_SYNC, "MAP_SYNC");
#endif
#ifdef MAP_DROPPABLE
_Static_assert(ZCN_MAP_DROPPABLE == MAP_DROPPABLE, "MAP_DROPPABLE");
#endif

/* The huge-page size encoding, shared by mmap and memfd_create. */
_Static_assert(ZCN_HUGE_SHIFT == HUGETLB_FLAG_ENCODE_SHIFT, "MAP_HUGE_SHIFT");
_Static_assert(ZCN_HUGE_MASK == HUGETLB_FLAG_ENCODE_MASK, "MAP_HUGE_MASK");
#ifdef MAP_HUGE_SHIFT
_Static_assert(ZCN_HUGE_SHIFT == MAP_HUGE_SHIFT, "MAP_HUGE_SHIFT");
#endif
#define ZCN_ASSERT_MAP_HUGE(size)                                                                                      \
    _Static_assert(ZCN_MAP_HUGE_##size == HUGETLB_FLAG_ENCODE_##size, "MAP_HUGE_" #size);
ZCN_HUGE_SIZE_LIST(ZCN_ASSERT_MAP_HUGE)

_Static_assert(ZCN_MS_ASYNC == MS_ASYNC, "MS_ASYNC");
_Static_assert(ZCN_MS_INVALIDATE == MS_INVALIDATE, "MS_INVALIDATE");
_Static_assert(ZCN_MS_SYNC == MS_SYNC, "MS_SYNC");

_Static_assert(ZCN_MADV_NORMAL == MADV_NORMAL, "MADV_NORMAL");
_Static_assert(ZCN_MADV_RANDOM == MADV_RANDOM, "MADV_RANDOM");
_Static_assert(ZCN_MADV_SEQUENTIAL == MADV_SEQUENTIAL, "MADV_SEQUENTIAL");
_Static_assert(ZCN_MADV_WILLNEED == MADV_WILLNEED, "MADV_WILLNEED");
_Static_assert(ZCN_MADV_DONTNEED == MADV_DONTNEED, "MADV_DONTNEED");
#ifdef MADV_FREE
_Static_assert(ZCN_MADV_FREE == MADV_FREE, "MADV_FREE");
#endif
_Static_assert(ZCN_MADV_REMOVE == MADV_REMOVE, "MADV_REMOVE");
_Static_assert(ZCN_MADV_DONTFORK == MADV_DONTFORK, "MADV_DONTFORK");
_Static_assert(ZCN_MADV_DOFORK == MADV_DOFORK, "MADV_DOFORK");
_Static_assert(ZCN_MADV_MERGEABLE == MADV_MERGEABLE, "MADV_MERGEABLE");
_Static_assert(ZCN_MADV_UNMERGEABLE == MADV_UNMERGEABLE, "MADV_UNMERGEABLE");
_Static_assert(ZCN_MADV_HUGEPAGE == MADV_HUGEPAGE, "MADV_HUGEPAGE");
_Static_assert(ZCN_MADV_NOHUGEPAGE == MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
_Static_assert(ZCN_MADV_DONTDUMP == MADV_DONTDUMP, "MADV_DONTDUMP");
_Static_assert(ZCN_MADV_DODUMP == MADV_DODUMP, "MADV_DODUMP");
#ifdef MADV_WIPEONFORK
_Static_assert(ZCN_MADV_WIPEONFORK == MADV_WIPEONFORK, "MADV_WIPEONFORK");
_Static_assert(ZCN_MADV_KEEPONFORK == MADV_KEEPONFORK, "MADV_KEEPONFORK");
#endif
#ifdef MADV_COLD
_Static_assert(ZCN_MADV_COLD == MADV_COLD, "MADV_COLD");
#endif
#ifdef MADV_PAGEOUT
_Static_assert(ZCN_MADV_PAGEOUT == MADV_PAGEOUT, "MADV_PAGEOUT");
#endif
#ifdef MADV_POPULATE_READ
_Static_assert(ZCN_MADV_POPULATE_READ == MADV_POPULATE_READ, "MADV_POPULATE_READ");
#endif
#ifdef MADV_POPULATE_WRITE
_Static_assert(ZCN_MADV_POPULATE_WRITE == MADV_POPULATE_WRITE, "MADV_POPULATE_WRITE");
#endif
#ifdef MADV_DONTNEED_LOCKED
_Static_assert(ZCN_MADV_DONTNEED_LOCKED == MADV_DONTNEED_LOCKED, "MADV_DONTNEED_LOCKED");
#endif
#ifdef MADV_COLLAPSE
_Static_assert(ZCN_MADV_COLLAPSE == MADV_COLLAPSE, "MADV_COLLAPSE");
#endif
#ifdef MADV_GUARD_INSTALL
_Static_assert(ZCN_MADV_GUARD_INSTALL == MADV_GUARD_INSTALL, "MADV_GUARD_INSTALL");
_Static_assert(ZCN_MADV_GUARD_REMOVE == MADV_GUARD_REMOVE, "MADV_GUARD_REMOVE");
#endif

/* mincore without a caller's vector reports this many pages per call through a stack buffer. */
#define ZCN_MINCORE_CHUNK_PAGES 4096u

int64_t zcn_page_size(void) {
    return (int64_t)sysconf(_SC_PAGESIZE);
}

int32_t zcn_mmap(void **addr_out, void *addr_hint, uint64_t length, int32_t prot, int32_t flags, int32_t fd,
                 int64_t offset) {
    if (addr_out == NULL) return -EFAULT;
    *addr_out = NULL;
    /* Length, prot, flags and offset are the kernel's to judge: it refuses a zero length, a missing mapping
     * type and an unaligned offset itself, ignores unknown bits with MAP_SHARED/MAP_PRIVATE and refuses them
     * (-EOPNOTSUPP) with MAP_SHARED_VALIDATE. */
    void *addr = mmap(addr_hint, (size_t)length, prot, flags, fd, (off_t)offset);
    if (addr == MAP_FAILED) return -(int32_t)errno;
    *addr_out = addr;
    return 0;
}

int32_t zcn_munmap(void *addr, uint64_t length) {
    return zcn_status(munmap(addr, (size_t)length));
}

int32_t zcn_msync(void *addr, uint64_t length, int32_t flags) {
    int result;
    ZCN_RETRY_EINTR(result, msync(addr, (size_t)length, flags));
    return zcn_status(result);
}

int32_t zcn_madvise(void *addr, uint64_t length, int32_t advice) {
    int result;
    /* The POPULATE advice can be interrupted before it finishes; it is safe to repeat. */
    ZCN_RETRY_EINTR(result, madvise(addr, (size_t)length, advice));
    return zcn_status(result);
}

static int64_t zcn_count_resident(const unsigned char *vec, uint64_t pages) {
    int64_t resident = 0;
    for (uint64_t i = 0; i < pages; i++)
        resident += vec[i] & 1;
    return resident;
}

int64_t zcn_mincore(void *addr, uint64_t length, uint8_t *vec) {
    uint64_t page = (uint64_t)zcn_page_size();
    uint64_t pages = length / page + (length % page != 0);
    if (vec != NULL) {
        if (mincore(addr, (size_t)length, vec) != 0) return -(int64_t)errno;
        return zcn_count_resident(vec, pages);
    }
    /* No vector: walk the range in chunks through a bounded buffer, counting as we go. The first call is made
     * even for a zero length, so that the kernel judges addr (alignment) as it would without the walk. */
    unsigned char chunk[ZCN_MINCORE_CHUNK_PAGES];
    int64_t resident = 0;
    unsigned char *cursor = addr;
    do {
        uint64_t now = pages < ZCN_MINCORE_CHUNK_PAGES ? pages : ZCN_MINCORE_CHUNK_PAGES;
        if (mincore(cursor, (size_t)(now * page), chunk) != 0) return -(int64_t)errno;
        resident += zcn_count_resident(chunk, now);
        cursor += now * page;
        pages -= now;
    } while (pages > 0);
    return resident;
}
