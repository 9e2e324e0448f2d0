/*
 * test_aligned.c - zcn_aligned_alloc, zcn_aligned_free and zcn_aligned_outstanding.
 */
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
    return zcn_test_summary();
}
