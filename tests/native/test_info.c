/*
 * test_info.c - zcn_version, zcn_errno_name, zcn_errno_message and zcn_capabilities.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zcn_fixtures.h"
#include "zcn_test.h"

#ifndef ZCN_VERSION_FILE
#error "ZCN_VERSION_FILE (the path of the VERSION file) must be defined by the build"
#endif

/* ---- capabilities: first, so that the probe itself runs inside the test ---- */

#define PROBE_THREADS 4

static pthread_barrier_t probe_barrier;

static void *probe_thread(void *arg) {
    pthread_barrier_wait(&probe_barrier);
    *(int32_t *)arg = zcn_capabilities();
    return NULL;
}

static void test_capabilities_first_probe_is_concurrent_and_leaks_nothing(void) {
    int fds_before = zcn_fx_fd_count();
    REQUIRE(fds_before > 0);
    int32_t results[PROBE_THREADS];
    pthread_t threads[PROBE_THREADS];
    REQUIRE(pthread_barrier_init(&probe_barrier, NULL, PROBE_THREADS) == 0);
    for (int i = 0; i < PROBE_THREADS; i++) {
        results[i] = -1;
        REQUIRE(pthread_create(&threads[i], NULL, probe_thread, &results[i]) == 0);
    }
    for (int i = 0; i < PROBE_THREADS; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&probe_barrier);
    for (int i = 1; i < PROBE_THREADS; i++)
        CHECK_EQ(results[i], results[0]);
    CHECK(results[0] >= 0);
    CHECK_EQ(zcn_capabilities(), results[0]);
    /* The probe opens and closes a few descriptors; none may survive it. */
    CHECK_EQ(zcn_fx_fd_count(), fds_before);
}

static void test_capabilities_report_this_kernel(void) {
    int32_t caps = zcn_capabilities();
    CHECK(caps & ZCN_CAP_COPY_FILE_RANGE);
    CHECK(caps & ZCN_CAP_SPLICE);
    CHECK(caps & ZCN_CAP_VMSPLICE);
    CHECK(caps & ZCN_CAP_TEE);
    CHECK(caps & ZCN_CAP_MEMFD);
    const int32_t known = ZCN_CAP_COPY_FILE_RANGE | ZCN_CAP_SPLICE | ZCN_CAP_VMSPLICE | ZCN_CAP_TEE | ZCN_CAP_MEMFD |
                          ZCN_CAP_STATX_DIOALIGN | ZCN_CAP_IO_URING;
    CHECK_EQ(caps & ~known, 0);
}

static void test_capability_dioalign_agrees_with_statx(void) {
    /* Ask statx directly about the running executable, a regular file on this machine's filesystem. */
    struct statx stx;
    memset(&stx, 0, sizeof(stx));
    REQUIRE(statx(AT_FDCWD, "/proc/self/exe", 0, STATX_DIOALIGN, &stx) == 0);
    int direct = (stx.stx_mask & STATX_DIOALIGN) != 0;
    CHECK_EQ((zcn_capabilities() & ZCN_CAP_STATX_DIOALIGN) != 0, direct);
}

static void test_capability_io_uring_agrees_with_sysctl(void) {
    FILE *file = fopen("/proc/sys/kernel/io_uring_disabled", "re");
    if (file == NULL) SKIP_TEST("kernel.io_uring_disabled is not present on this kernel");
    int disabled = -1;
    int parsed = fscanf(file, "%d", &disabled);
    fclose(file);
    REQUIRE(parsed == 1);
    int32_t has = (zcn_capabilities() & ZCN_CAP_IO_URING) != 0;
    if (disabled == 2) CHECK_EQ(has, 0);
    if (disabled == 0) CHECK_EQ(has, 1); /* this machine's kernel is built with io_uring */
}

/* ---- version ---- */

static void test_version_matches_version_file(void) {
    FILE *file = fopen(ZCN_VERSION_FILE, "re");
    REQUIRE(file != NULL);
    int major = -1, minor = -1, patch = -1;
    int parsed = fscanf(file, "%d.%d.%d", &major, &minor, &patch);
    fclose(file);
    REQUIRE(parsed == 3);
    REQUIRE(major >= 0 && minor >= 0 && minor < 256 && patch >= 0 && patch < 256);
    CHECK_EQ(zcn_version(), (major << 16) | (minor << 8) | patch);
    CHECK_EQ(zcn_version() >> 16, major);
    CHECK_EQ((zcn_version() >> 8) & 0xff, minor);
    CHECK_EQ(zcn_version() & 0xff, patch);
}

/* ---- errno names and messages ---- */

static void check_name(int32_t error, const char *expected) {
    const char *name = zcn_errno_name(error);
    if (name == NULL || strcmp(name, expected) != 0) {
        fprintf(stderr, "  zcn_errno_name(%d) = %s, expected %s\n", error, name ? name : "NULL", expected);
        zcn_test_current_failed = 1;
    }
}

static void test_errno_name_known_values(void) {
    check_name(EPERM, "EPERM");
    check_name(ENOENT, "ENOENT");
    check_name(EAGAIN, "EAGAIN");
    check_name(-EAGAIN, "EAGAIN");
    check_name(EINVAL, "EINVAL");
    check_name(-EINVAL, "EINVAL");
    check_name(ESPIPE, "ESPIPE");
    check_name(EXDEV, "EXDEV");
    check_name(EOPNOTSUPP, "EOPNOTSUPP");
    check_name(EHWPOISON, "EHWPOISON");
    check_name(-EHWPOISON, "EHWPOISON");
    /* Aliases share the number, so they share the canonical name. */
    check_name(ZCN_EWOULDBLOCK, "EAGAIN");
    check_name(ZCN_EDEADLOCK, "EDEADLK");
    check_name(ZCN_ENOTSUP, "EOPNOTSUPP");
}

static void test_errno_unknown_values_are_null(void) {
    const int32_t unknown[] = {0,   41,   58,    -41,    -58,       134,       -134,
                               200, 4095, -4095, 100000, INT32_MAX, INT32_MIN, INT32_MIN + 1};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        if (zcn_errno_name(unknown[i]) != NULL || zcn_errno_message(unknown[i]) != NULL) {
            fprintf(stderr, "  %d should be unknown\n", unknown[i]);
            zcn_test_current_failed = 1;
        }
    }
}

static void test_errno_message_known_values(void) {
    const char *message = zcn_errno_message(EAGAIN);
    REQUIRE(message != NULL);
    CHECK(strcmp(message, "Resource temporarily unavailable") == 0);
    CHECK(zcn_errno_message(-EAGAIN) == message);
    message = zcn_errno_message(-ENOENT);
    REQUIRE(message != NULL);
    CHECK(strcmp(message, "No such file or directory") == 0);
    message = zcn_errno_message(EPIPE);
    REQUIRE(message != NULL);
    CHECK(strcmp(message, "Broken pipe") == 0);
}

/* Every number of the zcn_errno range has a name, the name libc gives it, and strerror's message. */
static void test_every_errno_value_has_a_name_and_message(void) {
    int named = 0;
    for (int32_t error = 1; error <= ZCN_EHWPOISON; error++) {
        if (error == 41 || error == 58) {
            /* Linux leaves 41 and 58 unassigned (EWOULDBLOCK and EDEADLOCK are aliases). */
            CHECK(zcn_errno_name(error) == NULL);
            continue;
        }
        const char *name = zcn_errno_name(error);
        const char *message = zcn_errno_message(error);
        if (name == NULL || message == NULL) {
            fprintf(stderr, "  %d has no name or message\n", error);
            zcn_test_current_failed = 1;
            continue;
        }
        named++;
        /* glibc knows the canonical names too (strerrorname_np, glibc 2.32). */
        const char *libc_name = strerrorname_np(error);
        if (libc_name == NULL || strcmp(name, libc_name) != 0) {
            fprintf(stderr, "  %d: %s, libc says %s\n", error, name, libc_name ? libc_name : "NULL");
            zcn_test_current_failed = 1;
        }
        /* This process never calls setlocale, so strerror gives the untranslated message. */
        if (strcmp(message, strerror(error)) != 0) {
            fprintf(stderr, "  %d: message '%s', strerror '%s'\n", error, message, strerror(error));
            zcn_test_current_failed = 1;
        }
        CHECK(zcn_errno_name(-error) == name);
        CHECK(zcn_errno_message(-error) == message);
    }
    CHECK_EQ(named, 131);
}

#define MESSAGE_THREADS 4

static void *message_thread(void *arg) {
    int *mismatches = arg;
    for (int round = 0; round < 200; round++) {
        for (int32_t error = 1; error <= ZCN_EHWPOISON; error++) {
            const char *message = zcn_errno_message(error);
            if ((message == NULL) != (error == 41 || error == 58)) (*mismatches)++;
        }
    }
    return NULL;
}

static void test_errno_message_is_thread_safe(void) {
    /* The same static strings come back from every thread, while other threads ask too. */
    const char *expected = zcn_errno_message(EIO);
    REQUIRE(expected != NULL);
    int mismatches[MESSAGE_THREADS] = {0};
    pthread_t threads[MESSAGE_THREADS];
    for (int i = 0; i < MESSAGE_THREADS; i++)
        REQUIRE(pthread_create(&threads[i], NULL, message_thread, &mismatches[i]) == 0);
    for (int i = 0; i < MESSAGE_THREADS; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < MESSAGE_THREADS; i++)
        CHECK_EQ(mismatches[i], 0);
    CHECK(zcn_errno_message(EIO) == expected);
    CHECK(strcmp(expected, "Input/output error") == 0);
}

int main(void) {
    RUN(test_capabilities_first_probe_is_concurrent_and_leaks_nothing);
    RUN(test_capabilities_report_this_kernel);
    RUN(test_capability_dioalign_agrees_with_statx);
    RUN(test_capability_io_uring_agrees_with_sysctl);
    RUN(test_version_matches_version_file);
    RUN(test_errno_name_known_values);
    RUN(test_errno_unknown_values_are_null);
    RUN(test_errno_message_known_values);
    RUN(test_every_errno_value_has_a_name_and_message);
    RUN(test_errno_message_is_thread_safe);
    return zcn_test_summary();
}
