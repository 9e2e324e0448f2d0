/*
 * mapped_copy.c - zcn_mapped_read and zcn_mapped_write: memcpy to and from file mappings in which the SIGBUS of a
 * file that shrank under the mapping becomes -EIO, and the SIGBUS handler that makes it so.
 *
 * The model is the JVM's unsafe-access fault handling and Android's libsigchain:
 *  - A guarded copy arms a per-thread recovery point (sigsetjmp) and the range it is copying. The SIGBUS handler
 *    jumps back to it (siglongjmp) only for a fault the kernel raised (si_code > 0) on this thread, at an address
 *    inside the armed range. The copy then reports how far it got, or -EIO.
 *  - Every other SIGBUS goes to the disposition that was in place when the handler was installed, exactly as the
 *    kernel would have delivered it: the same siginfo and ucontext, its sa_mask and SA_NODEFER applied to the signal
 *    mask for the call, SA_RESETHAND honoured, SIG_DFL and SIG_IGN emulated (see zcn_sigbus_chain).
 *  - The handler is installed once, on the first guarded copy (pthread_once). SIGSEGV is never touched.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zcn_internal.h"

/* One memcpy moves at most this much, ending on a multiple of it in the mapping. Only the fault path cares: after a
 * fault, the pieces before the faulting page are copied again, since memcpy's order inside one call is unspecified. */
#define ZCN_GUARD_PIECE ((uint64_t)64 * 1024)

/* The guarded copy in progress on a thread. initial-exec keeps the access a plain thread-pointer offset, with no
 * lazy allocation that a signal handler could not afford; 32 bytes of the static TLS reserve. */
typedef struct zcn_guard {
    sigjmp_buf *point; /* the recovery point, or NULL outside a guarded copy */
    uintptr_t start;   /* the mapped range being copied: [start, end) */
    uintptr_t end;
    uintptr_t fault; /* set by the handler: the address that raised SIGBUS */
} zcn_guard;

static _Thread_local zcn_guard zcn_thread_guard __attribute__((tls_model("initial-exec")));

/* The disposition that was in place before zcn_sigbus_handler; written before the handler is installed, and by the
 * handler itself for SA_RESETHAND. */
static struct sigaction zcn_previous;
static pthread_once_t zcn_install_once = PTHREAD_ONCE_INIT;
static int32_t zcn_install_result;

/* Sends the signal again to this thread with the same siginfo (allowed for a process signalling itself whatever
 * si_code says); it stays pending while the handler runs with it blocked. */
static void zcn_resend(int sig, siginfo_t *info) {
    syscall(SYS_rt_tgsigqueueinfo, (long)getpid(), (long)syscall(SYS_gettid), (long)sig, info);
}

/* Restores the default action. For a synchronous fault, returning executes the faulting instruction again and the
 * kernel kills the process with SIGBUS (and a core dump), as it would have without this handler. A signal that was
 * sent (kill, tgkill, sigqueue: si_code <= 0) or reported asynchronously (BUS_MCEERR_AO) does not come back by
 * itself, so it is sent again. */
static void zcn_sigbus_default(int sig, siginfo_t *info) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    if (info->si_code <= 0 || info->si_code == BUS_MCEERR_AO) zcn_resend(sig, info);
}

/* Passes a SIGBUS that is not ours to the previous disposition. */
static void zcn_sigbus_chain(int sig, siginfo_t *info, void *context) {
    struct sigaction previous = zcn_previous;
    int sent = info->si_code <= 0 || info->si_code == BUS_MCEERR_AO;
    if (previous.sa_handler == SIG_DFL) {
        zcn_sigbus_default(sig, info);
        return;
    }
    if (previous.sa_handler == SIG_IGN) {
        /* The kernel drops an ignored signal that was sent; a fault it cannot ignore (force_sig resets the
         * disposition to SIG_DFL), and so the process dies as it would have. */
        if (!sent) zcn_sigbus_default(sig, info);
        return;
    }
    /* The mask the kernel would have set for the previous handler: the interrupted context's, plus its sa_mask,
     * plus the signal itself unless SA_NODEFER. */
    ucontext_t *uc = (ucontext_t *)context;
    sigset_t mask, saved;
    mask = uc->uc_sigmask;
    sigorset(&mask, &mask, &previous.sa_mask);
    if (!(previous.sa_flags & SA_NODEFER)) sigaddset(&mask, sig);
    else sigdelset(&mask, sig);
    if (((unsigned)previous.sa_flags & (unsigned)SA_RESETHAND) != 0) {
        /* The kernel resets a one-shot disposition before running it; the next SIGBUS that is not ours meets the
         * default action. */
        memset(&zcn_previous, 0, sizeof zcn_previous);
        zcn_previous.sa_handler = SIG_DFL;
    }
    pthread_sigmask(SIG_SETMASK, &mask, &saved);
    if (previous.sa_flags & SA_SIGINFO) previous.sa_sigaction(sig, info, context);
    else previous.sa_handler(sig);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

static void zcn_sigbus_handler(int sig, siginfo_t *info, void *context) {
    int saved_errno = errno;
    zcn_guard *guard = &zcn_thread_guard;
    sigjmp_buf *point = guard->point;
    uintptr_t address = (uintptr_t)info->si_addr;
    if (point != NULL && info->si_code > 0 && address >= guard->start && address < guard->end) {
        guard->point = NULL;
        guard->fault = address;
        /* The recovery point was saved without the signal mask (saving it costs a system call per copy): restore
         * the interrupted context's mask, which does not block SIGBUS, before jumping. */
        pthread_sigmask(SIG_SETMASK, &((ucontext_t *)context)->uc_sigmask, NULL);
        errno = saved_errno;
        siglongjmp(*point, 1);
    }
    zcn_sigbus_chain(sig, info, context);
    errno = saved_errno;
}

static void zcn_sigbus_install(void) {
    struct sigaction before, ours, replaced;
    if (sigaction(SIGBUS, NULL, &before) != 0) {
        zcn_install_result = -(int32_t)errno;
        return;
    }
    zcn_previous = before;
    memset(&ours, 0, sizeof ours);
    ours.sa_sigaction = zcn_sigbus_handler;
    sigemptyset(&ours.sa_mask);
    /* Run where the previous handler expects to run (its alternate stack or not) and restart system calls as it
     * asked, so that chaining changes nothing it can observe. */
    ours.sa_flags = SA_SIGINFO | (before.sa_flags & (SA_ONSTACK | SA_RESTART));
    if (sigaction(SIGBUS, &ours, &replaced) != 0) {
        zcn_install_result = -(int32_t)errno;
        return;
    }
    /* Someone changed the disposition between the two calls: chain to what was really replaced. */
    if (replaced.sa_handler != before.sa_handler || replaced.sa_flags != before.sa_flags) zcn_previous = replaced;
    zcn_install_result = 0;
}

int32_t zcn_mapped_guard_install(void) {
    pthread_once(&zcn_install_once, zcn_sigbus_install);
    return zcn_install_result;
}

/* Copies [0, length) from src to dst in pieces that end on ZCN_GUARD_PIECE boundaries of the mapped side. Returns
 * length, the bytes before the first page that raised SIGBUS, or -EIO when that is the first page. */
static int64_t zcn_guarded_copy(void *dst, const void *src, uint64_t length, uintptr_t mapped) {
    if (length == 0) return 0;
    if (length > ZCN_MAX_COUNT || mapped + length < mapped) return -EINVAL;
    if (dst == NULL || src == NULL) return -EFAULT;
    int32_t installed = zcn_mapped_guard_install();
    if (installed < 0) return installed;

    zcn_guard *guard = &zcn_thread_guard;
    zcn_guard outer = *guard; /* a guarded copy in a signal handler that interrupted another one */
    sigjmp_buf point;
    volatile uint64_t done = 0;
    volatile uint64_t limit = length;
    while (sigsetjmp(point, 0) != 0) {
        /* SIGBUS at guard->fault: the pages before it are still in the file; copy up to there, then stop. */
        uintptr_t page = (uintptr_t)zcn_page_size();
        uintptr_t fault_page = guard->fault & ~(page - 1);
        uint64_t valid = fault_page > mapped ? (uint64_t)(fault_page - mapped) : 0;
        if (valid <= done) {
            *guard = outer;
            return done > 0 ? (int64_t)done : -EIO;
        }
        limit = valid;
    }
    guard->start = mapped;
    guard->end = mapped + length;
    atomic_signal_fence(memory_order_seq_cst);
    guard->point = &point;
    atomic_signal_fence(memory_order_seq_cst);
    while (done < limit) {
        uint64_t at = done;
        uint64_t next = ((mapped + at) / ZCN_GUARD_PIECE + 1) * ZCN_GUARD_PIECE - mapped;
        uint64_t n = (next < limit ? next : limit) - at;
        memcpy((unsigned char *)dst + at, (const unsigned char *)src + at, (size_t)n);
        done = at + n;
    }
    atomic_signal_fence(memory_order_seq_cst);
    *guard = outer;
    return (int64_t)done;
}

int64_t zcn_mapped_read(void *dst, const void *mapping_src, uint64_t length) {
    return zcn_guarded_copy(dst, mapping_src, length, (uintptr_t)mapping_src);
}

int64_t zcn_mapped_write(void *mapping_dst, const void *src, uint64_t length) {
    return zcn_guarded_copy(mapping_dst, src, length, (uintptr_t)mapping_dst);
}
