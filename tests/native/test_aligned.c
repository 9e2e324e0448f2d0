/*
 * test_aligned.c - zcn_aligned_alloc, zcn_aligned_free, zcn_aligned_map, zcn_aligned_unmap and
 * zcn_aligned_outstanding.
 */
#include <inttypes.h>
#include <pthread.h>

#include "zcn_fixtures.h"
#include "zcn_test.h"

/* The ENOMEM cases ask for absurd sizes on purpose. AddressSanitizer treats such a request as a
 * bug and aborts unless it is told to let the allocator return NULL, as libc does. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
    return "allocator_may_return_null=1";
}

static int64_t baseline;

static void test_nothing_outstanding_at_start(void) {
    CHECK_EQ(baseline, 0);
}

static void test_alignments_and_sizes(void) {
    static const uint64_t sizes[] = {1, 7, 512, 4096, 65536 + 3};
    for (uint64_t alignment = sizeof(void *); alignment <= (UINT64_C(1) << 21); alignment <<= 1) {
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            void *block = (void *)1;
            int32_t r = zcn_aligned_alloc(&block, alignment, sizes[s]);
            CHECK_EQ(r, 0);
            if (r != 0) continue;
            REQUIRE(block != NULL);
            CHECK(((uintptr_t)block & (alignment - 1)) == 0);
            /* Every byte of the block is ours: write a pattern and read it back. */
            zcn_fx_fill(block, sizes[s], 0, (uint32_t)(alignment + s));
            CHECK_EQ(zcn_fx_mismatch(block, sizes[s], 0, (uint32_t)(alignment + s)), -1);
            CHECK_EQ(zcn_aligned_outstanding(), baseline + 1);
            zcn_aligned_free(block);
            CHECK_EQ(zcn_aligned_outstanding(), baseline);
        }
    }
}

static void test_page_alignment_for_direct_io(void) {
    uint64_t page = (uint64_t)zcn_page_size();
    void *block = NULL;
    CHECK_EQ(zcn_aligned_alloc(&block, page, 16 * page), 0);
    REQUIRE(block != NULL);
    CHECK(((uintptr_t)block % page) == 0);
    memset(block, 0xab, 16 * page);
    CHECK(zcn_fx_all_bytes(block, 16 * page, 0xab));
    zcn_aligned_free(block);
}

static void test_blocks_do_not_overlap(void) {
    enum { N = 64 };
    void *blocks[N];
    for (int i = 0; i < N; i++) {
        blocks[i] = NULL;
        CHECK_EQ(zcn_aligned_alloc(&blocks[i], 64, 1000 + (uint64_t)i * 37), 0);
        REQUIRE(blocks[i] != NULL);
        zcn_fx_fill(blocks[i], 1000 + (uint64_t)i * 37, 0, (uint32_t)i);
    }
    CHECK_EQ(zcn_aligned_outstanding(), baseline + N);
    for (int i = 0; i < N; i++)
        CHECK_EQ(zcn_fx_mismatch(blocks[i], 1000 + (uint64_t)i * 37, 0, (uint32_t)i), -1);
    /* Free in an interleaved order; the count follows every call. */
    for (int i = 0; i < N; i += 2)
        zcn_aligned_free(blocks[i]);
    CHECK_EQ(zcn_aligned_outstanding(), baseline + N / 2);
    for (int i = 1; i < N; i += 2)
        zcn_aligned_free(blocks[i]);
    CHECK_EQ(zcn_aligned_outstanding(), baseline);
}

static void test_free_null_is_ignored(void) {
    zcn_aligned_free(NULL);
    CHECK_EQ(zcn_aligned_outstanding(), baseline);
}

static void test_efault_null_out(void) {
    CHECK_ERR(zcn_aligned_alloc(NULL, 64, 64), ZCN_EFAULT);
    CHECK_EQ(zcn_aligned_outstanding(), baseline);
}

static void test_einval(void) {
    static const uint64_t bad_alignments[] = {0, 1, 2, 4, 3, 12, 24, 48, 96, 4097, (UINT64_C(1) << 20) + 8, UINT64_MAX};
    for (size_t i = 0; i < sizeof bad_alignments / sizeof bad_alignments[0]; i++) {
        void *block = (void *)1;
        int32_t r = zcn_aligned_alloc(&block, bad_alignments[i], 64);
        if (r != -ZCN_EINVAL) fprintf(stderr, "  alignment %llu\n", (unsigned long long)bad_alignments[i]);
        CHECK_ERR(r, ZCN_EINVAL);
        CHECK(block == NULL); /* cleared on failure */
    }
    if (sizeof(void *) == 8) {
        void *block = (void *)1;
        CHECK_ERR(zcn_aligned_alloc(&block, 4, 64), ZCN_EINVAL); /* a power of two, but below sizeof(void*) */
        CHECK(block == NULL);
    }
    void *block = (void *)1;
    CHECK_ERR(zcn_aligned_alloc(&block, 64, 0), ZCN_EINVAL);
    CHECK(block == NULL);
    CHECK_EQ(zcn_aligned_outstanding(), baseline);
}

static void test_enomem(void) {
    /* Sizes stay below 2^63: valgrind flags a size that is negative as a signed number as a bug of
     * the program, whereas these requests are meant to be refused cleanly. */
    void *block = (void *)1;
    CHECK_ERR(zcn_aligned_alloc(&block, 64, UINT64_MAX / 2), ZCN_ENOMEM);
    CHECK(block == NULL);
    block = (void *)1;
    CHECK_ERR(zcn_aligned_alloc(&block, 4096, UINT64_C(1) << 62), ZCN_ENOMEM);
    CHECK(block == NULL);
    block = (void *)1;
    CHECK_ERR(zcn_aligned_alloc(&block, 64, UINT64_C(1) << 50), ZCN_ENOMEM); /* 1 PiB on a 24 GiB machine */
    CHECK(block == NULL);
    CHECK_EQ(zcn_aligned_outstanding(), baseline);
}

/* Two threads allocate and free concurrently: the count is exact, never torn. */
static void *churn(void *arg) {
    uintptr_t failures = 0;
    uint32_t seed = (uint32_t)(uintptr_t)arg;
    for (int i = 0; i < 2000; i++) {
        void *block = NULL;
        uint64_t size = 16 + (uint64_t)((i * 131 + (int)seed) % 4096);
        if (zcn_aligned_alloc(&block, 32u << (i % 6), size) != 0 || block == NULL) {
            failures++;
            continue;
        }
        memset(block, (int)seed, (size_t)size);
        if (!zcn_fx_all_bytes(block, size, (uint8_t)seed)) failures++;
        zcn_aligned_free(block);
    }
    return (void *)failures;
}

static void test_outstanding_is_thread_safe(void) {
    pthread_t threads[2];
    for (uintptr_t t = 0; t < 2; t++)
        REQUIRE(pthread_create(&threads[t], NULL, churn, (void *)(t + 1)) == 0);
    for (int t = 0; t < 2; t++) {
        void *failures = (void *)1;
        CHECK_EQ(pthread_join(threads[t], &failures), 0);
        CHECK(failures == NULL);
    }
    CHECK_EQ(zcn_aligned_outstanding(), baseline);
}

/* ---- zcn_aligned_map ----------------------------------------------------------------------------- */

/* What /proc/self/smaps says of the mapping that starts at addr: its end, its permissions and its AnonHugePages in
 * bytes. Returns 0 when no mapping starts there. */
typedef struct smaps_entry {
    uintptr_t end;
    char perms[5];
    int64_t anon_huge_bytes;
} smaps_entry;

static int smaps_find(const void *addr, smaps_entry *entry) {
    FILE *f = fopen("/proc/self/smaps", "r");
    REQUIRE(f != NULL);
    char line[512];
    int found = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        uintptr_t start, end;
        char perms[5];
        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s", &start, &end, perms) == 3) {
            if (found) break; /* the next mapping: the one we wanted had no AnonHugePages line */
            if (start == (uintptr_t)addr) {
                found = 1;
                entry->end = end;
                memcpy(entry->perms, perms, sizeof perms);
                entry->anon_huge_bytes = -1;
            }
            continue;
        }
        long long kib;
        if (found && sscanf(line, "AnonHugePages: %lld kB", &kib) == 1) {
            entry->anon_huge_bytes = kib * 1024;
            break;
        }
    }
    fclose(f);
    return found;
}

/* The mapping that contains addr, from /proc/self/maps: its permissions, or "" when addr is not mapped. */
static void maps_perms_at(const void *addr, char perms[5]) {
    FILE *f = fopen("/proc/self/maps", "r");
    REQUIRE(f != NULL);
    char line[512];
    perms[0] = '\0';
    while (fgets(line, sizeof line, f) != NULL) {
        uintptr_t start, end;
        char p[5];
        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s", &start, &end, p) == 3 && start <= (uintptr_t)addr &&
            (uintptr_t)addr < end) {
            memcpy(perms, p, sizeof p);
            break;
        }
    }
    fclose(f);
}

static uint64_t huge_page_size(void) {
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
    unsigned long long size = 0;
    if (f != NULL) {
        if (fscanf(f, "%llu", &size) != 1) size = 0;
        fclose(f);
    }
    return size != 0 ? size : UINT64_C(2) << 20;
}

static void test_map_alignments_and_sizes(void) {
    uint64_t page = (uint64_t)zcn_page_size();
    const uint64_t sizes[] = {1, page - 1, page, 3 * page + 5, UINT64_C(2) << 20, (UINT64_C(3) << 20) + 7};
    for (uint64_t alignment = page; alignment <= (UINT64_C(4) << 20); alignment <<= 1) {
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            void *block = (void *)1;
            int32_t r = zcn_aligned_map(&block, alignment, sizes[s]);
            CHECK_EQ(r, 0);
            if (r != 0) continue;
            REQUIRE(block != NULL);
            CHECK(((uintptr_t)block & (alignment - 1)) == 0);
            CHECK(zcn_fx_all_bytes(block, sizes[s], 0)); /* a new anonymous mapping reads as zeros */
            zcn_fx_fill(block, sizes[s], 0, (uint32_t)(alignment + s));
            CHECK_EQ(zcn_fx_mismatch(block, sizes[s], 0, (uint32_t)(alignment + s)), -1);
            CHECK_EQ(zcn_aligned_outstanding(), baseline + 1);
            CHECK_EQ(zcn_aligned_unmap(block, sizes[s]), 0);
            CHECK_EQ(zcn_aligned_outstanding(), baseline);
        }
    }
}

/* The block is one mapping of its own, read-write, between inaccessible guard pages; unmapping takes the guards
 * too. Two blocks advised alike never merge into one mapping, so smaps reports each alone. */
static void test_map_is_its_own_mapping_between_guards(void) {
    uint64_t page = (uint64_t)zcn_page_size(), huge = huge_page_size();
    uint64_t size = huge + 3 * page + 1, length = huge + 4 * page;
    void *blocks[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        REQUIRE(zcn_aligned_map(&blocks[i], huge, size) == 0);
        int32_t advised = zcn_madvise(blocks[i], size, ZCN_MADV_HUGEPAGE);
        CHECK(advised == 0 || advised == -ZCN_EINVAL); /* EINVAL: a kernel without transparent huge pages */
    }
    for (int i = 0; i < 2; i++) {
        uint8_t *block = blocks[i];
        smaps_entry entry;
        REQUIRE(smaps_find(block, &entry));
        CHECK_EQ((int64_t)(entry.end - (uintptr_t)block), (int64_t)length);
        CHECK(strcmp(entry.perms, "rw-p") == 0);
        char before[5], after[5];
        maps_perms_at(block - 1, before);
        maps_perms_at(block + length, after);
        CHECK(strcmp(before, "---p") == 0);
        CHECK(strcmp(after, "---p") == 0);
    }
    for (int i = 0; i < 2; i++) {
        uint8_t *block = blocks[i];
        CHECK_EQ(zcn_aligned_unmap(block, size), 0);
        /* Nothing of it is left: neither guard nor block (mincore answers ENOMEM for unmapped memory). */
        CHECK_ERR(zcn_mincore(block - page, page, NULL), ZCN_ENOMEM);
        CHECK_ERR(zcn_mincore(block, length, NULL), ZCN_ENOMEM);
        CHECK_ERR(zcn_mincore(block + length, page, NULL), ZCN_ENOMEM);
    }
    CHECK_EQ(zcn_aligned_outstanding(), baseline);
}

/* A huge-page-aligned block advised with MADV_HUGEPAGE and touched: smaps reports whole huge pages inside it, never
 * more than the block. Whether the kernel gives any is its choice (policy, fragmentation): when it gives none,
 * MADV_COLLAPSE (Linux 6.1) asks synchronously, and its answer is the verdict, printed either way. */
static void test_map_on_huge_pages(void) {
    uint64_t huge = huge_page_size(), size = 2 * huge;
    void *block = NULL;
    REQUIRE(zcn_aligned_map(&block, huge, size) == 0);
    int32_t advised = zcn_madvise(block, size, ZCN_MADV_HUGEPAGE);
    memset(block, 0x5a, (size_t)size);
    smaps_entry entry;
    REQUIRE(smaps_find(block, &entry));
    int64_t got = entry.anon_huge_bytes;
    CHECK(got >= 0 && got <= (int64_t)size && got % (int64_t)huge == 0);
    if (zcn_fx_emulated()) {
        fprintf(stderr, "  under an emulator: huge pages are not forwarded; checked on the native suite\n");
    } else if (advised == 0 && got == 0 && !zcn_fx_on_valgrind()) {
        int32_t collapsed = zcn_madvise(block, size, ZCN_MADV_COLLAPSE);
        REQUIRE(smaps_find(block, &entry));
        fprintf(stderr, "  no huge page at first touch; MADV_COLLAPSE: %s, then AnonHugePages %lld bytes\n",
                collapsed == 0 ? "0" : zcn_errno_name(collapsed), (long long)entry.anon_huge_bytes);
        if (collapsed == 0) CHECK_EQ(entry.anon_huge_bytes, (int64_t)size);
        got = entry.anon_huge_bytes;
    }
    fprintf(stderr, "  MADV_HUGEPAGE: %s; AnonHugePages %lld of %llu bytes\n",
            advised == 0 ? "0" : zcn_errno_name(advised), (long long)got, (unsigned long long)size);
    CHECK(zcn_fx_all_bytes(block, size, 0x5a));
    CHECK_EQ(zcn_aligned_unmap(block, size), 0);
}

static void test_map_errors(void) {
    uint64_t page = (uint64_t)zcn_page_size();
    CHECK_ERR(zcn_aligned_map(NULL, page, page), ZCN_EFAULT);
    const uint64_t bad_alignments[] = {0, 1, 8, page / 2, page + 1, 3 * page, UINT64_MAX};
    for (size_t i = 0; i < sizeof bad_alignments / sizeof bad_alignments[0]; i++) {
        void *block = (void *)1;
        CHECK_ERR(zcn_aligned_map(&block, bad_alignments[i], page), ZCN_EINVAL);
        CHECK(block == NULL);
    }
    void *block = (void *)1;
    CHECK_ERR(zcn_aligned_map(&block, page, 0), ZCN_EINVAL);
    CHECK(block == NULL);
    /* The first and the last reach mmap, which valgrind refuses with EINVAL where the kernel says ENOMEM. */
    int32_t mmap_refusal = zcn_fx_on_valgrind() ? -ZCN_EINVAL : -ZCN_ENOMEM;
    const struct {
        uint64_t alignment, size;
        int32_t expected;
    } too_big[] = {{page, UINT64_C(1) << 50, mmap_refusal},
                   {page, (uint64_t)INT64_MAX, -ZCN_ENOMEM},
                   {page, UINT64_MAX, -ZCN_ENOMEM},
                   {UINT64_C(1) << 63, page, -ZCN_ENOMEM},
                   {UINT64_C(1) << 62, page, mmap_refusal}};
    for (size_t i = 0; i < sizeof too_big / sizeof too_big[0]; i++) {
        block = (void *)1;
        CHECK_EQ(zcn_aligned_map(&block, too_big[i].alignment, too_big[i].size), too_big[i].expected);
        CHECK(block == NULL);
    }
    CHECK_EQ(zcn_aligned_outstanding(), baseline);

    /* zcn_aligned_unmap refuses what it cannot have handed out, and leaves the count alone. */
    CHECK_EQ(zcn_aligned_unmap(NULL, page), 0);
    REQUIRE(zcn_aligned_map(&block, page, page) == 0);
    CHECK_ERR(zcn_aligned_unmap((char *)block + 1, page), ZCN_EINVAL);
    CHECK_ERR(zcn_aligned_unmap(block, 0), ZCN_EINVAL);
    CHECK_ERR(zcn_aligned_unmap(block, UINT64_MAX), ZCN_EINVAL);
    CHECK_EQ(zcn_aligned_outstanding(), baseline + 1);
    CHECK_EQ(zcn_aligned_unmap(block, page), 0);
    CHECK_EQ(zcn_aligned_outstanding(), baseline);
}

int main(void) {
    baseline = zcn_aligned_outstanding();
    RUN(test_nothing_outstanding_at_start);
    RUN(test_alignments_and_sizes);
    RUN(test_page_alignment_for_direct_io);
    RUN(test_blocks_do_not_overlap);
    RUN(test_free_null_is_ignored);
    RUN(test_efault_null_out);
    RUN(test_einval);
    RUN(test_enomem);
    RUN(test_outstanding_is_thread_safe);
    RUN(test_map_alignments_and_sizes);
    RUN(test_map_is_its_own_mapping_between_guards);
    RUN(test_map_on_huge_pages);
    RUN(test_map_errors);
    return zcn_test_summary();
}
