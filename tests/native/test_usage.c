/*
 * test_usage.c - zcn_getrusage: the process's counts keep those of threads that have exited, the thread's own
 * counts are its own, children count once waited for, and the kernel's refusals come back as they are.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zcn_test.h"

#define SLEEPS 200

/* Each nanosleep gives up the CPU: one voluntary context switch. */
static void *sleeper(void *arg) {
    (void)arg;
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 50 * 1000};
    for (int i = 0; i < SLEEPS; i++) nanosleep(&pause, NULL);
    return NULL;
}

static void test_process_keeps_the_switches_of_an_exited_thread(void) {
    zcn_usage before, thread_before, after, thread_after;
    CHECK_EQ(zcn_getrusage(ZCN_USAGE_SELF, &before), 0);
    CHECK_EQ(zcn_getrusage(ZCN_USAGE_THREAD, &thread_before), 0);
    pthread_t thread;
    REQUIRE(pthread_create(&thread, NULL, sleeper, NULL) == 0);
    REQUIRE(pthread_join(thread, NULL) == 0);
    CHECK_EQ(zcn_getrusage(ZCN_USAGE_SELF, &after), 0);
    CHECK_EQ(zcn_getrusage(ZCN_USAGE_THREAD, &thread_after), 0);
    /* The thread is gone, and its switches are still in the process's count. */
    CHECK(after.voluntary_switches - before.voluntary_switches >= SLEEPS);
    /* The calling thread waited once in pthread_join, and did not sleep SLEEPS times. */
    CHECK(thread_after.voluntary_switches - thread_before.voluntary_switches < SLEEPS);
    CHECK(after.max_resident_kib > 0);
}

static void test_cpu_time_and_faults_grow(void) {
    zcn_usage before, after;
    CHECK_EQ(zcn_getrusage(ZCN_USAGE_SELF, &before), 0);
    /* 64 pages of fresh anonymous memory: a minor fault each when first written. */
    size_t length = 64 * (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *memory = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(memory != MAP_FAILED);
    memset(memory, 1, length);
    REQUIRE(munmap(memory, length) == 0);
    /* At least 20 ms of CPU in user mode. */
    struct timespec start, now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
    volatile unsigned long spin = 0;
    do {
        for (int i = 0; i < 100000; i++) spin += (unsigned long)i;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    } while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 20 * 1000000L);
    CHECK_EQ(zcn_getrusage(ZCN_USAGE_SELF, &after), 0);
    CHECK(after.minor_faults - before.minor_faults >= 64);
    /* The kernel accounts CPU time by ticks; 20 ms of CPU is at least one tick's worth in user or kernel time. */
    CHECK(after.user_us + after.system_us - before.user_us - before.system_us >= 10000);
    CHECK(after.user_us >= before.user_us);
    CHECK(after.system_us >= before.system_us);
}

static void test_children_count_once_waited_for(void) {
    zcn_usage before, after;
    CHECK_EQ(zcn_getrusage(ZCN_USAGE_CHILDREN, &before), 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        size_t length = 256 * (size_t)sysconf(_SC_PAGESIZE);
        unsigned char *memory = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (memory == MAP_FAILED) _exit(1);
        memset(memory, 1, length);
        _exit(0);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(zcn_getrusage(ZCN_USAGE_CHILDREN, &after), 0);
    CHECK(after.minor_faults - before.minor_faults >= 256);
}

static void test_kernel_refusal_and_null_output(void) {
    zcn_usage usage;
    memset(&usage, 0xff, sizeof usage);
    /* 2 is no RUSAGE_* value: the kernel refuses it, and the output is zeroed. */
    CHECK_ERR(zcn_getrusage(2, &usage), ZCN_EINVAL);
    CHECK_EQ(usage.user_us, 0);
    CHECK_EQ(usage.voluntary_switches, 0);
    CHECK_EQ(usage.max_resident_kib, 0);
    CHECK_ERR(zcn_getrusage(ZCN_USAGE_SELF, NULL), ZCN_EFAULT);
}

int main(void) {
    RUN(test_process_keeps_the_switches_of_an_exited_thread);
    RUN(test_cpu_time_and_faults_grow);
    RUN(test_children_count_once_waited_for);
    RUN(test_kernel_refusal_and_null_output);
    return zcn_test_summary();
}
