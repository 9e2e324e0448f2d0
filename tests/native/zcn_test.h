/*
 * zcn_test.h - the tiny assertion helper of the C suite.
 *
 * A test file defines functions `static void test_xxx(void)` and lists them in main with RUN(test_xxx).
 * CHECK records a failure and goes on; REQUIRE stops the current test. main returns zcn_test_summary(),
 * which prints "N passed, N failed" and exits non-zero on any failure.
 */
#ifndef ZCN_TEST_H
#define ZCN_TEST_H

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zcn.h"

static int zcn_test_passed;
static int zcn_test_failed;
static int zcn_test_current_failed;
static jmp_buf zcn_test_abort;

#define CHECK(cond)                                                                                  \
    do {                                                                                             \
        if (!(cond)) {                                                                               \
            fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            zcn_test_current_failed = 1;                                                             \
        }                                                                                            \
    } while (0)

#define REQUIRE(cond)                                                                                \
    do {                                                                                             \
        if (!(cond)) {                                                                               \
            fprintf(stderr, "  %s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond);             \
            zcn_test_current_failed = 1;                                                             \
            longjmp(zcn_test_abort, 1);                                                              \
        }                                                                                            \
    } while (0)

/* Compares two integers and prints both values (and errno names for negative results) on failure. */
#define CHECK_EQ(actual, expected)                                                                   \
    do {                                                                                             \
        long long zcn_a_ = (long long)(actual), zcn_e_ = (long long)(expected);                      \
        if (zcn_a_ != zcn_e_) {                                                                      \
            fprintf(stderr, "  %s:%d: CHECK_EQ failed: %s == %s (%lld [%s] vs %lld [%s])\n", __FILE__, \
                    __LINE__, #actual, #expected, zcn_a_, zcn_test_name(zcn_a_), zcn_e_,              \
                    zcn_test_name(zcn_e_));                                                          \
            zcn_test_current_failed = 1;                                                             \
        }                                                                                            \
    } while (0)

/* Expects a -errno result. */
#define CHECK_ERR(actual, errno_value) CHECK_EQ((actual), -(long long)(errno_value))

static inline const char *zcn_test_name(long long value) {
    if (value >= 0 || value < -4095) return "-";
    const char *name = zcn_errno_name((int32_t)value);
    return name ? name : "?";
}

/* Prints a visible reason and counts the test as passed-with-skip; use only for kernel refusals. */
#define SKIP_TEST(reason)                                                                            \
    do {                                                                                             \
        fprintf(stderr, "  SKIP %s: %s\n", __func__, reason);                                        \
        return;                                                                                      \
    } while (0)

#define RUN(test)                                                                                    \
    do {                                                                                             \
        zcn_test_current_failed = 0;                                                                 \
        fprintf(stderr, "[ RUN  ] %s\n", #test);                                                     \
        if (setjmp(zcn_test_abort) == 0) test();                                                     \
        if (zcn_test_current_failed) {                                                               \
            zcn_test_failed++;                                                                       \
            fprintf(stderr, "[ FAIL ] %s\n", #test);                                                 \
        } else {                                                                                     \
            zcn_test_passed++;                                                                       \
            fprintf(stderr, "[  OK  ] %s\n", #test);                                                 \
        }                                                                                            \
    } while (0)

static inline int zcn_test_summary(void) {
    printf("%d passed, %d failed\n", zcn_test_passed, zcn_test_failed);
    return zcn_test_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif /* ZCN_TEST_H */
