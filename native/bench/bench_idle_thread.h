/*
 * bench_idle_thread.h - the second thread of the C references (zcn-bench-c, zcn-bench-percall).
 *
 * Every .NET process runs several threads, and the kernel and the C library take faster paths in a single-threaded
 * process: the kernel's descriptor lookup counts references only once the descriptor table is shared, and the C
 * library's cancellable wrappers skip their bookkeeping. So that the C references compare the binding, not the
 * process model, each starts one thread that waits and never runs again. Measured on the development machine: a
 * 4 KiB splice pair from a warm file through a pipe to /dev/null took 503 ns with one thread and 565 ns once a
 * second thread existed, both calling the kernel directly as libzcn does.
 */
#ifndef ZCN_BENCH_IDLE_THREAD_H
#define ZCN_BENCH_IDLE_THREAD_H

#include <pthread.h>
#include <unistd.h>

static void *zcn_bench_idle(void *unused)
{
    (void)unused;
    for (;;) pause();
    return NULL;
}

/* Starts the idle thread; 0, or the error pthread_create returned. */
static inline int zcn_bench_start_idle_thread(void)
{
    pthread_t idle;
    int error = pthread_create(&idle, NULL, zcn_bench_idle, NULL);
    if (error == 0) pthread_detach(idle);
    return error;
}

#endif /* ZCN_BENCH_IDLE_THREAD_H */
