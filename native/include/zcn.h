/*
 * zcn.h - the ZeroCopyNative C contract.
 *
 * libzcn is a thin layer over the Linux zero-copy system calls: sendfile, splice, tee, vmsplice,
 * copy_file_range, the mmap family, posix_memalign, O_DIRECT and MSG_ZEROCOPY sends. This header is the only public
 * interface; the C# bindings are generated from it, so it follows strict rules:
 *
 *  - Every function returns >= 0 on success (a count, a descriptor, or 0) and -errno on failure.
 *    errno itself is never part of the contract, so callers across an FFI boundary need not read it.
 *  - EINTR is retried inside the library (never for close). EAGAIN is returned as -EAGAIN.
 *    A partial transfer returns the count that was transferred.
 *  - Every descriptor the library creates is O_CLOEXEC.
 *  - Only fixed-width integer types cross this boundary; pointers come back through out-parameters.
 *  - Constants are C enums, not macros, so that the generated bindings carry them exactly. Where
 *    Linux uses the same value on every supported architecture (x86-64, aarch64), the enum value is
 *    the libc value and the library proves it with _Static_assert. Where the value differs between
 *    architectures (open flags), the enum holds the asm-generic value and the library translates it,
 *    so that one managed assembly serves every architecture.
 *  - The kernel's answer, exactly: lengths, counts, offsets, flag bits and descriptors go to the system call
 *    as they are, and its errno is the result. The library checks nothing the kernel checks itself. Where it
 *    deliberately differs (its own out-parameters, a translation, a documented refusal), the function's
 *    documentation says so under "Deliberate difference", with the errno returned; tests/native/test_fidelity.c
 *    compares every function with the raw system call at the extreme values and asserts each difference.
 *  - SIGPIPE: writing into a pipe or socket whose reader is gone raises SIGPIPE, which kills a
 *    process that does not ignore it. The .NET runtime ignores it; a C caller must do the same
 *    (signal(SIGPIPE, SIG_IGN)) to receive -EPIPE instead.
 *
 *  - Not cancellation points: the calls on a transfer's path (read, write, pread, pwrite, send, the completions'
 *    recvmsg, splice, tee, vmsplice) enter the kernel directly, not through the C library's cancellable wrappers,
 *    which in a multi-threaded process (every .NET process) pay cancellation bookkeeping on every call. A thread
 *    cancelled with pthread_cancel in deferred mode is therefore not cancelled inside them; the waits
 *    (zcn_poll_wait, zcn_epoll_wait) remain cancellation points.
 *
 * Every function is thread-safe. The only global state is a set of cached capability flags and, once a guarded copy
 * (zcn_mapped_read, zcn_mapped_write) has run, the library's SIGBUS handler, which passes every SIGBUS it does not
 * own to the handler installed before it.
 */
#ifndef ZCN_H
#define ZCN_H

#include <stdint.h>

#if defined(__GNUC__)
#define ZCN_API __attribute__((visibility("default")))
#else
#define ZCN_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Linux error numbers, with their asm-generic values (shared by x86-64 and aarch64).
 *  Functions return the negated value: -ZCN_EAGAIN means EAGAIN. */
typedef enum zcn_errno {
    ZCN_EPERM = 1,
    ZCN_ENOENT = 2,
    ZCN_ESRCH = 3,
    ZCN_EINTR = 4,
    ZCN_EIO = 5,
    ZCN_ENXIO = 6,
    ZCN_E2BIG = 7,
    ZCN_ENOEXEC = 8,
    ZCN_EBADF = 9,
    ZCN_ECHILD = 10,
    ZCN_EAGAIN = 11,
    ZCN_ENOMEM = 12,
    ZCN_EACCES = 13,
    ZCN_EFAULT = 14,
    ZCN_ENOTBLK = 15,
    ZCN_EBUSY = 16,
    ZCN_EEXIST = 17,
    ZCN_EXDEV = 18,
    ZCN_ENODEV = 19,
    ZCN_ENOTDIR = 20,
    ZCN_EISDIR = 21,
    ZCN_EINVAL = 22,
    ZCN_ENFILE = 23,
    ZCN_EMFILE = 24,
    ZCN_ENOTTY = 25,
    ZCN_ETXTBSY = 26,
    ZCN_EFBIG = 27,
    ZCN_ENOSPC = 28,
    ZCN_ESPIPE = 29,
    ZCN_EROFS = 30,
    ZCN_EMLINK = 31,
    ZCN_EPIPE = 32,
    ZCN_EDOM = 33,
    ZCN_ERANGE = 34,
    ZCN_EDEADLK = 35,
    ZCN_ENAMETOOLONG = 36,
    ZCN_ENOLCK = 37,
    ZCN_ENOSYS = 38,
    ZCN_ENOTEMPTY = 39,
    ZCN_ELOOP = 40,
    /** Alias of EAGAIN. */
    ZCN_EWOULDBLOCK = ZCN_EAGAIN,
    ZCN_ENOMSG = 42,
    ZCN_EIDRM = 43,
    ZCN_ECHRNG = 44,
    ZCN_EL2NSYNC = 45,
    ZCN_EL3HLT = 46,
    ZCN_EL3RST = 47,
    ZCN_ELNRNG = 48,
    ZCN_EUNATCH = 49,
    ZCN_ENOCSI = 50,
    ZCN_EL2HLT = 51,
    ZCN_EBADE = 52,
    ZCN_EBADR = 53,
    ZCN_EXFULL = 54,
    ZCN_ENOANO = 55,
    ZCN_EBADRQC = 56,
    ZCN_EBADSLT = 57,
    /** Alias of EDEADLK. */
    ZCN_EDEADLOCK = ZCN_EDEADLK,
    ZCN_EBFONT = 59,
    ZCN_ENOSTR = 60,
    ZCN_ENODATA = 61,
    ZCN_ETIME = 62,
    ZCN_ENOSR = 63,
    ZCN_ENONET = 64,
    ZCN_ENOPKG = 65,
    ZCN_EREMOTE = 66,
    ZCN_ENOLINK = 67,
    ZCN_EADV = 68,
    ZCN_ESRMNT = 69,
    ZCN_ECOMM = 70,
    ZCN_EPROTO = 71,
    ZCN_EMULTIHOP = 72,
    ZCN_EDOTDOT = 73,
    ZCN_EBADMSG = 74,
    ZCN_EOVERFLOW = 75,
    ZCN_ENOTUNIQ = 76,
    ZCN_EBADFD = 77,
    ZCN_EREMCHG = 78,
    ZCN_ELIBACC = 79,
    ZCN_ELIBBAD = 80,
    ZCN_ELIBSCN = 81,
    ZCN_ELIBMAX = 82,
    ZCN_ELIBEXEC = 83,
    ZCN_EILSEQ = 84,
    ZCN_ERESTART = 85,
    ZCN_ESTRPIPE = 86,
    ZCN_EUSERS = 87,
    ZCN_ENOTSOCK = 88,
    ZCN_EDESTADDRREQ = 89,
    ZCN_EMSGSIZE = 90,
    ZCN_EPROTOTYPE = 91,
    ZCN_ENOPROTOOPT = 92,
    ZCN_EPROTONOSUPPORT = 93,
    ZCN_ESOCKTNOSUPPORT = 94,
    ZCN_EOPNOTSUPP = 95,
    ZCN_EPFNOSUPPORT = 96,
    ZCN_EAFNOSUPPORT = 97,
    ZCN_EADDRINUSE = 98,
    ZCN_EADDRNOTAVAIL = 99,
    ZCN_ENETDOWN = 100,
    ZCN_ENETUNREACH = 101,
    ZCN_ENETRESET = 102,
    ZCN_ECONNABORTED = 103,
    ZCN_ECONNRESET = 104,
    ZCN_ENOBUFS = 105,
    ZCN_EISCONN = 106,
    ZCN_ENOTCONN = 107,
    ZCN_ESHUTDOWN = 108,
    ZCN_ETOOMANYREFS = 109,
    ZCN_ETIMEDOUT = 110,
    ZCN_ECONNREFUSED = 111,
    ZCN_EHOSTDOWN = 112,
    ZCN_EHOSTUNREACH = 113,
    ZCN_EALREADY = 114,
    ZCN_EINPROGRESS = 115,
    ZCN_ESTALE = 116,
    ZCN_EUCLEAN = 117,
    ZCN_ENOTNAM = 118,
    ZCN_ENAVAIL = 119,
    ZCN_EISNAM = 120,
    ZCN_EREMOTEIO = 121,
    ZCN_EDQUOT = 122,
    ZCN_ENOMEDIUM = 123,
    ZCN_EMEDIUMTYPE = 124,
    ZCN_ECANCELED = 125,
    ZCN_ENOKEY = 126,
    ZCN_EKEYEXPIRED = 127,
    ZCN_EKEYREVOKED = 128,
    ZCN_EKEYREJECTED = 129,
    ZCN_EOWNERDEAD = 130,
    ZCN_ENOTRECOVERABLE = 131,
    ZCN_ERFKILL = 132,
    ZCN_EHWPOISON = 133,
    /** Alias of EOPNOTSUPP. */
    ZCN_ENOTSUP = ZCN_EOPNOTSUPP,
} zcn_errno;

/** Flags for zcn_splice, zcn_tee and zcn_vmsplice (SPLICE_F_*). */
typedef enum zcn_splice_flags {
    /** SPLICE_F_MOVE: a hint to move pages instead of copying; currently a no-op in Linux. */
    ZCN_SPLICE_F_MOVE = 1,
    /** SPLICE_F_NONBLOCK: do not block on the pipe; return -EAGAIN instead. */
    ZCN_SPLICE_F_NONBLOCK = 2,
    /** SPLICE_F_MORE: more data will follow (like MSG_MORE on a socket). */
    ZCN_SPLICE_F_MORE = 4,
    /** SPLICE_F_GIFT: (vmsplice) the pages are gifted to the kernel; the caller must not touch them again. */
    ZCN_SPLICE_F_GIFT = 8,
} zcn_splice_flags;

/** Flags for zcn_copy_file_range. Linux defines none yet; the value must be 0. */
typedef enum zcn_copy_flags {
    /** No flags. */
    ZCN_COPY_NONE = 0,
} zcn_copy_flags;

/** Memory protection for zcn_mmap (PROT_*). */
typedef enum zcn_prot {
    /** PROT_NONE: the pages cannot be accessed. */
    ZCN_PROT_NONE = 0,
    /** PROT_READ: the pages can be read. */
    ZCN_PROT_READ = 1,
    /** PROT_WRITE: the pages can be written. */
    ZCN_PROT_WRITE = 2,
    /** PROT_EXEC: the pages can be executed. */
    ZCN_PROT_EXEC = 4,
} zcn_prot;

/** Mapping flags for zcn_mmap (MAP_*). */
typedef enum zcn_map_flags {
    /** MAP_SHARED: updates are visible to other mappings of the file and carried to the file. */
    ZCN_MAP_SHARED = 0x01,
    /** MAP_PRIVATE: a private copy-on-write mapping. */
    ZCN_MAP_PRIVATE = 0x02,
    /** MAP_SHARED_VALIDATE: MAP_SHARED that fails with -EOPNOTSUPP on a flag bit the kernel does not know or
     *  cannot honour for the file; needed for ZCN_MAP_SYNC. */
    ZCN_MAP_SHARED_VALIDATE = 0x03,
    /** MAP_DROPPABLE (Linux 6.11, 64-bit): a mapping type of its own, anonymous memory the kernel may drop
     *  (zero) under memory pressure instead of swapping it. */
    ZCN_MAP_DROPPABLE = 0x08,
    /** MAP_FIXED: place the mapping exactly at the hint address, replacing what is there. */
    ZCN_MAP_FIXED = 0x10,
    /** MAP_ANONYMOUS: no file backs the mapping; fd must be -1 and the memory is zeroed. */
    ZCN_MAP_ANONYMOUS = 0x20,
    /** MAP_LOCKED: lock the pages in memory as mlock(2) would, faulting them in now. Counts against
     *  RLIMIT_MEMLOCK (-ENOMEM or -EAGAIN beyond it without CAP_IPC_LOCK). */
    ZCN_MAP_LOCKED = 0x2000,
    /** MAP_NORESERVE: do not reserve swap space for the mapping. */
    ZCN_MAP_NORESERVE = 0x4000,
    /** MAP_POPULATE: prefault the page tables (read-ahead for file mappings). */
    ZCN_MAP_POPULATE = 0x8000,
    /** MAP_NONBLOCK: with ZCN_MAP_POPULATE, do not read ahead (populate only what is in the page cache). */
    ZCN_MAP_NONBLOCK = 0x10000,
    /** MAP_STACK: the mapping is a thread stack (no transparent huge pages). */
    ZCN_MAP_STACK = 0x20000,
    /** MAP_HUGETLB: back the mapping with huge pages (fails with -ENOMEM if none are reserved). */
    ZCN_MAP_HUGETLB = 0x40000,
    /** MAP_SYNC: (with ZCN_MAP_SHARED_VALIDATE only) a DAX file mapping whose metadata is durable at each page
     *  fault, so CPU cache flushes make writes durable; -EOPNOTSUPP on a file that is not DAX. */
    ZCN_MAP_SYNC = 0x80000,
    /** MAP_FIXED_NOREPLACE: like MAP_FIXED but fails with -EEXIST instead of replacing a mapping. */
    ZCN_MAP_FIXED_NOREPLACE = 0x100000,
    /** MAP_HUGE_64KB: with ZCN_MAP_HUGETLB, 64 KiB huge pages (log2 size << ZCN_HUGE_SHIFT). A size the
     *  machine has no pool for gives -EINVAL (or -ENOMEM). */
    ZCN_MAP_HUGE_64KB = 16 << 26,
    /** MAP_HUGE_512KB: with ZCN_MAP_HUGETLB, 512 KiB huge pages. */
    ZCN_MAP_HUGE_512KB = 19 << 26,
    /** MAP_HUGE_1MB: with ZCN_MAP_HUGETLB, 1 MiB huge pages. */
    ZCN_MAP_HUGE_1MB = 20 << 26,
    /** MAP_HUGE_2MB: with ZCN_MAP_HUGETLB, 2 MiB huge pages (the x86-64 and aarch64 default). */
    ZCN_MAP_HUGE_2MB = 21 << 26,
    /** MAP_HUGE_8MB: with ZCN_MAP_HUGETLB, 8 MiB huge pages. */
    ZCN_MAP_HUGE_8MB = 23 << 26,
    /** MAP_HUGE_16MB: with ZCN_MAP_HUGETLB, 16 MiB huge pages. */
    ZCN_MAP_HUGE_16MB = 24 << 26,
    /** MAP_HUGE_32MB: with ZCN_MAP_HUGETLB, 32 MiB huge pages (aarch64 with 16 KiB base pages). */
    ZCN_MAP_HUGE_32MB = 25 << 26,
    /** MAP_HUGE_256MB: with ZCN_MAP_HUGETLB, 256 MiB huge pages. */
    ZCN_MAP_HUGE_256MB = 28 << 26,
    /** MAP_HUGE_512MB: with ZCN_MAP_HUGETLB, 512 MiB huge pages (aarch64 with 64 KiB base pages). */
    ZCN_MAP_HUGE_512MB = 29 << 26,
    /** MAP_HUGE_1GB: with ZCN_MAP_HUGETLB, 1 GiB huge pages. */
    ZCN_MAP_HUGE_1GB = 30 << 26,
    /** MAP_HUGE_2GB: with ZCN_MAP_HUGETLB, 2 GiB huge pages. */
    ZCN_MAP_HUGE_2GB = 31 << 26,
} zcn_map_flags;

/** The encoding of a huge-page size in zcn_mmap and zcn_memfd_create flags (MAP_HUGE_SHIFT, MFD_HUGE_SHIFT):
 *  log2(size) << ZCN_HUGE_SHIFT, six bits wide. Sizes the enums do not name (16 GiB: 34) are built this way;
 *  34 << 26 does not fit an int32_t, so pass it as the unsigned bit pattern. */
typedef enum zcn_huge_encoding {
    /** MAP_HUGE_SHIFT and MFD_HUGE_SHIFT: where the log2 of the size starts. */
    ZCN_HUGE_SHIFT = 26,
    /** MAP_HUGE_MASK and MFD_HUGE_MASK: the width of the log2 field (before the shift). */
    ZCN_HUGE_MASK = 0x3f,
} zcn_huge_encoding;

/** Flags for zcn_msync (MS_*). */
typedef enum zcn_msync_flags {
    /** MS_ASYNC: schedule the write-back and return. */
    ZCN_MS_ASYNC = 1,
    /** MS_INVALIDATE: invalidate other mappings of the same file. */
    ZCN_MS_INVALIDATE = 2,
    /** MS_SYNC: write back and wait for completion. */
    ZCN_MS_SYNC = 4,
} zcn_msync_flags;

/** Advice for zcn_madvise (MADV_*). */
typedef enum zcn_madvise_advice {
    /** MADV_NORMAL: no special treatment. */
    ZCN_MADV_NORMAL = 0,
    /** MADV_RANDOM: expect random access; read-ahead is reduced. */
    ZCN_MADV_RANDOM = 1,
    /** MADV_SEQUENTIAL: expect sequential access; read-ahead is increased. */
    ZCN_MADV_SEQUENTIAL = 2,
    /** MADV_WILLNEED: expect access soon; start read-ahead. */
    ZCN_MADV_WILLNEED = 3,
    /** MADV_DONTNEED: the range is not needed; private and anonymous pages are dropped (zero on next touch). */
    ZCN_MADV_DONTNEED = 4,
    /** MADV_FREE: the pages may be freed lazily (private anonymous mappings only). */
    ZCN_MADV_FREE = 8,
    /** MADV_REMOVE: free the range and its backing store (shared mappings of shmem/tmpfs). */
    ZCN_MADV_REMOVE = 9,
    /** MADV_DONTFORK: do not make the range available to a child after fork. */
    ZCN_MADV_DONTFORK = 10,
    /** MADV_DOFORK: undo MADV_DONTFORK. */
    ZCN_MADV_DOFORK = 11,
    /** MADV_MERGEABLE: enable kernel same-page merging for the range. */
    ZCN_MADV_MERGEABLE = 12,
    /** MADV_UNMERGEABLE: undo MADV_MERGEABLE. */
    ZCN_MADV_UNMERGEABLE = 13,
    /** MADV_HUGEPAGE: enable transparent huge pages for the range. */
    ZCN_MADV_HUGEPAGE = 14,
    /** MADV_NOHUGEPAGE: disable transparent huge pages for the range. */
    ZCN_MADV_NOHUGEPAGE = 15,
    /** MADV_DONTDUMP: exclude the range from core dumps. */
    ZCN_MADV_DONTDUMP = 16,
    /** MADV_DODUMP: undo MADV_DONTDUMP. */
    ZCN_MADV_DODUMP = 17,
    /** MADV_WIPEONFORK: a child after fork sees the range zero-filled (private anonymous mappings; Linux 4.14). */
    ZCN_MADV_WIPEONFORK = 18,
    /** MADV_KEEPONFORK: undo MADV_WIPEONFORK. */
    ZCN_MADV_KEEPONFORK = 19,
    /** MADV_COLD: deactivate the range (reclaim it first under pressure). */
    ZCN_MADV_COLD = 20,
    /** MADV_PAGEOUT: reclaim the range now. */
    ZCN_MADV_PAGEOUT = 21,
    /** MADV_POPULATE_READ: prefault the page tables readable, faulting in all pages (Linux 5.14). */
    ZCN_MADV_POPULATE_READ = 22,
    /** MADV_POPULATE_WRITE: prefault the page tables writable (Linux 5.14). */
    ZCN_MADV_POPULATE_WRITE = 23,
    /** MADV_DONTNEED_LOCKED: like MADV_DONTNEED, also for locked pages (Linux 5.18). */
    ZCN_MADV_DONTNEED_LOCKED = 24,
    /** MADV_COLLAPSE: collapse the range into transparent huge pages now, synchronously (Linux 6.1). */
    ZCN_MADV_COLLAPSE = 25,
    /** MADV_GUARD_INSTALL: make the range's pages guard pages that fault on any access, without a VMA of
     *  their own (private anonymous or file mappings; Linux 6.13). */
    ZCN_MADV_GUARD_INSTALL = 102,
    /** MADV_GUARD_REMOVE: undo MADV_GUARD_INSTALL (the pages read as zero or the file's contents again). */
    ZCN_MADV_GUARD_REMOVE = 103,
    /* MADV_HWPOISON (100) and MADV_SOFT_OFFLINE (101) are memory-failure injection for kernel testing
     * (CAP_SYS_ADMIN): they are deliberately not part of the contract. The kernel still judges the value. */
} zcn_madvise_advice;

/** Advice for zcn_fadvise (POSIX_FADV_*). */
typedef enum zcn_fadvise_advice {
    /** POSIX_FADV_NORMAL: no special treatment. */
    ZCN_FADV_NORMAL = 0,
    /** POSIX_FADV_RANDOM: expect random access; read-ahead is disabled. */
    ZCN_FADV_RANDOM = 1,
    /** POSIX_FADV_SEQUENTIAL: expect sequential access; read-ahead is doubled. */
    ZCN_FADV_SEQUENTIAL = 2,
    /** POSIX_FADV_WILLNEED: read the range into the page cache now. */
    ZCN_FADV_WILLNEED = 3,
    /** POSIX_FADV_DONTNEED: drop the clean pages of the range from the page cache. */
    ZCN_FADV_DONTNEED = 4,
    /** POSIX_FADV_NOREUSE: the data will be accessed once. */
    ZCN_FADV_NOREUSE = 5,
} zcn_fadvise_advice;

/** Flags for zcn_open (O_*), with their asm-generic values. zcn_open translates them to the
 *  values of the architecture it runs on; O_CLOEXEC is always added. */
typedef enum zcn_open_flags {
    /** O_RDONLY: open for reading only. */
    ZCN_O_RDONLY = 0,
    /** O_WRONLY: open for writing only. */
    ZCN_O_WRONLY = 01,
    /** O_RDWR: open for reading and writing. */
    ZCN_O_RDWR = 02,
    /** O_CREAT: create the file if it does not exist (with the given mode). */
    ZCN_O_CREAT = 0100,
    /** O_EXCL: with O_CREAT, fail with -EEXIST if the file exists. */
    ZCN_O_EXCL = 0200,
    /** O_NOCTTY: do not make a terminal the controlling terminal. */
    ZCN_O_NOCTTY = 0400,
    /** O_TRUNC: truncate a regular file to length 0. */
    ZCN_O_TRUNC = 01000,
    /** O_APPEND: every write goes to the end of the file. */
    ZCN_O_APPEND = 02000,
    /** O_NONBLOCK: non-blocking mode. */
    ZCN_O_NONBLOCK = 04000,
    /** O_DSYNC: every write waits for the data (not all metadata) to reach the device. */
    ZCN_O_DSYNC = 010000,
    /** O_DIRECT: bypass the page cache; buffers, offsets and lengths must be aligned (see zcn_dio_alignment). */
    ZCN_O_DIRECT = 040000,
    /** O_LARGEFILE: always in effect on 64-bit Linux; accepted for completeness. */
    ZCN_O_LARGEFILE = 0100000,
    /** O_DIRECTORY: fail with -ENOTDIR unless the path is a directory. */
    ZCN_O_DIRECTORY = 0200000,
    /** O_NOFOLLOW: fail with -ELOOP if the last path component is a symbolic link. */
    ZCN_O_NOFOLLOW = 0400000,
    /** O_NOATIME: do not update the access time. */
    ZCN_O_NOATIME = 01000000,
    /** O_CLOEXEC: close on exec. Always in effect; accepted for completeness. */
    ZCN_O_CLOEXEC = 02000000,
    /** O_SYNC: every write waits for data and metadata to reach the device. */
    ZCN_O_SYNC = 04010000,
    /** O_PATH: obtain a descriptor usable only for path operations. */
    ZCN_O_PATH = 010000000,
    /** O_TMPFILE: create an unnamed temporary file in the given directory. */
    ZCN_O_TMPFILE = 020200000,
} zcn_open_flags;

/** Flags for zcn_pipe. */
typedef enum zcn_pipe_flags {
    /** No flags: a blocking pipe. */
    ZCN_PIPE_NONE = 0,
    /** O_NONBLOCK on both ends. */
    ZCN_PIPE_NONBLOCK = 1,
    /** O_DIRECT: packet mode; each write is one packet. */
    ZCN_PIPE_PACKET = 2,
} zcn_pipe_flags;

/** Flags for zcn_memfd_create (MFD_*). MFD_CLOEXEC is always added. */
typedef enum zcn_memfd_flags {
    /** No flags. */
    ZCN_MFD_NONE = 0,
    /** MFD_CLOEXEC: close on exec. Always in effect; accepted for completeness. */
    ZCN_MFD_CLOEXEC = 1,
    /** MFD_ALLOW_SEALING: allow seals (zcn_memfd_add_seals) on the file. */
    ZCN_MFD_ALLOW_SEALING = 2,
    /** MFD_HUGETLB: back the file with huge pages from the hugetlbfs pool; choose the size with a
     *  ZCN_MFD_HUGE_* value (the default size without one). */
    ZCN_MFD_HUGETLB = 4,
    /** MFD_NOEXEC_SEAL (Linux 6.3): the file cannot be made executable: its mode lacks the execute bits and
     *  it carries ZCN_SEAL_EXEC. Implies ZCN_MFD_ALLOW_SEALING. -EINVAL together with ZCN_MFD_EXEC. */
    ZCN_MFD_NOEXEC_SEAL = 8,
    /** MFD_EXEC (Linux 6.3): the file may be executable (the default unless vm.memfd_noexec says otherwise;
     *  -EACCES where vm.memfd_noexec = 2). */
    ZCN_MFD_EXEC = 0x10,
    /** MFD_HUGE_64KB: with ZCN_MFD_HUGETLB, 64 KiB huge pages (log2 size << ZCN_HUGE_SHIFT). A size the
     *  machine has no pool for gives -ENODEV or -EINVAL. */
    ZCN_MFD_HUGE_64KB = 16 << 26,
    /** MFD_HUGE_512KB: with ZCN_MFD_HUGETLB, 512 KiB huge pages. */
    ZCN_MFD_HUGE_512KB = 19 << 26,
    /** MFD_HUGE_1MB: with ZCN_MFD_HUGETLB, 1 MiB huge pages. */
    ZCN_MFD_HUGE_1MB = 20 << 26,
    /** MFD_HUGE_2MB: with ZCN_MFD_HUGETLB, 2 MiB huge pages. */
    ZCN_MFD_HUGE_2MB = 21 << 26,
    /** MFD_HUGE_8MB: with ZCN_MFD_HUGETLB, 8 MiB huge pages. */
    ZCN_MFD_HUGE_8MB = 23 << 26,
    /** MFD_HUGE_16MB: with ZCN_MFD_HUGETLB, 16 MiB huge pages. */
    ZCN_MFD_HUGE_16MB = 24 << 26,
    /** MFD_HUGE_32MB: with ZCN_MFD_HUGETLB, 32 MiB huge pages. */
    ZCN_MFD_HUGE_32MB = 25 << 26,
    /** MFD_HUGE_256MB: with ZCN_MFD_HUGETLB, 256 MiB huge pages. */
    ZCN_MFD_HUGE_256MB = 28 << 26,
    /** MFD_HUGE_512MB: with ZCN_MFD_HUGETLB, 512 MiB huge pages. */
    ZCN_MFD_HUGE_512MB = 29 << 26,
    /** MFD_HUGE_1GB: with ZCN_MFD_HUGETLB, 1 GiB huge pages. */
    ZCN_MFD_HUGE_1GB = 30 << 26,
    /** MFD_HUGE_2GB: with ZCN_MFD_HUGETLB, 2 GiB huge pages. */
    ZCN_MFD_HUGE_2GB = 31 << 26,
} zcn_memfd_flags;

/** File seals for zcn_memfd_add_seals (F_SEAL_*). */
typedef enum zcn_seals {
    /** F_SEAL_SEAL: no more seals can be added. */
    ZCN_SEAL_SEAL = 0x1,
    /** F_SEAL_SHRINK: the file cannot shrink; protects mappings from SIGBUS. */
    ZCN_SEAL_SHRINK = 0x2,
    /** F_SEAL_GROW: the file cannot grow. */
    ZCN_SEAL_GROW = 0x4,
    /** F_SEAL_WRITE: the contents cannot change. */
    ZCN_SEAL_WRITE = 0x8,
    /** F_SEAL_FUTURE_WRITE: no new writable mappings or writes; existing ones keep working. */
    ZCN_SEAL_FUTURE_WRITE = 0x10,
    /** F_SEAL_EXEC (Linux 6.3): the execute bits of the mode cannot change (ZCN_MFD_NOEXEC_SEAL sets it). */
    ZCN_SEAL_EXEC = 0x20,
} zcn_seals;

/** Events for zcn_poll (POLL*). */
typedef enum zcn_poll_events {
    /** POLLIN: there is data to read. */
    ZCN_POLLIN = 0x001,
    /** POLLPRI: there is urgent data to read. */
    ZCN_POLLPRI = 0x002,
    /** POLLOUT: writing will not block. */
    ZCN_POLLOUT = 0x004,
    /** POLLERR: an error condition (returned only). */
    ZCN_POLLERR = 0x008,
    /** POLLHUP: the peer hung up (returned only). */
    ZCN_POLLHUP = 0x010,
    /** POLLNVAL: the descriptor is not open (returned only). */
    ZCN_POLLNVAL = 0x020,
} zcn_poll_events;

/** Events for zcn_epoll_ctl and zcn_epoll_wait (EPOLL*): the poll events, and how the registration reports them. */
typedef enum zcn_epoll_events {
    /** EPOLLIN: there is data to read, or the peer closed its end. */
    ZCN_EPOLLIN = 0x001,
    /** EPOLLPRI: there is urgent data to read. */
    ZCN_EPOLLPRI = 0x002,
    /** EPOLLOUT: writing will not block. */
    ZCN_EPOLLOUT = 0x004,
    /** EPOLLERR: an error condition, or (for a socket) a message on the error queue (always reported). */
    ZCN_EPOLLERR = 0x008,
    /** EPOLLHUP: the peer hung up (always reported). */
    ZCN_EPOLLHUP = 0x010,
    /** EPOLLRDHUP: the stream socket's peer shut down writing. */
    ZCN_EPOLLRDHUP = 0x2000,
    /** EPOLLEXCLUSIVE: wake one of the epoll instances that wait on the same descriptor (ADD only). */
    ZCN_EPOLLEXCLUSIVE = 0x10000000,
    /** EPOLLWAKEUP: hold a wakeup source while the event is pending (needs CAP_BLOCK_SUSPEND; ignored without). */
    ZCN_EPOLLWAKEUP = 0x20000000,
    /** EPOLLONESHOT: report once, then disable the registration until zcn_epoll_ctl MOD arms it again. */
    ZCN_EPOLLONESHOT = 0x40000000,
    /** EPOLLET: edge-triggered: report a change of readiness once, not the state at every wait. */
    ZCN_EPOLLET = (int32_t)0x80000000,
} zcn_epoll_events;

/** Operations of zcn_epoll_ctl (EPOLL_CTL_*). */
typedef enum zcn_epoll_op {
    /** EPOLL_CTL_ADD: register a descriptor. */
    ZCN_EPOLL_CTL_ADD = 1,
    /** EPOLL_CTL_DEL: remove a registration. */
    ZCN_EPOLL_CTL_DEL = 2,
    /** EPOLL_CTL_MOD: change a registration's events and data. */
    ZCN_EPOLL_CTL_MOD = 3,
} zcn_epoll_op;

/** Origins for zcn_lseek (SEEK_*). */
typedef enum zcn_whence {
    /** SEEK_SET: from the start of the file. */
    ZCN_SEEK_SET = 0,
    /** SEEK_CUR: from the current position. */
    ZCN_SEEK_CUR = 1,
    /** SEEK_END: from the end of the file. */
    ZCN_SEEK_END = 2,
    /** SEEK_DATA: the next data at or after the offset. */
    ZCN_SEEK_DATA = 3,
    /** SEEK_HOLE: the next hole at or after the offset. */
    ZCN_SEEK_HOLE = 4,
} zcn_whence;

/** What kind of object a descriptor refers to (from fstat's st_mode). */
typedef enum zcn_fd_kind {
    /** Unknown kind. */
    ZCN_FD_UNKNOWN = 0,
    /** A regular file. */
    ZCN_FD_REGULAR = 1,
    /** A directory. */
    ZCN_FD_DIRECTORY = 2,
    /** A character device (/dev/null, a terminal). */
    ZCN_FD_CHARDEV = 3,
    /** A block device. */
    ZCN_FD_BLOCKDEV = 4,
    /** A pipe or FIFO. */
    ZCN_FD_PIPE = 5,
    /** A socket. */
    ZCN_FD_SOCKET = 6,
    /** A symbolic link (only through O_PATH|O_NOFOLLOW). */
    ZCN_FD_SYMLINK = 7,
} zcn_fd_kind;

/** Descriptor flags (fcntl F_GETFD), as zcn_fd_query reports them. */
typedef enum zcn_fd_flags {
    /** FD_CLOEXEC: execve closes the descriptor. A descriptor that has it was not inherited through the
     *  last execve (execve would have closed it): this process opened it, or set the flag itself. */
    ZCN_FD_CLOEXEC = 0x1,
} zcn_fd_flags;

/** Where zcn_dio_alignment found its answer. */
typedef enum zcn_dio_source {
    /** statx with STATX_DIOALIGN (Linux 6.1 and later, on filesystems that report it). */
    ZCN_DIO_SOURCE_STATX = 1,
    /** The logical block size of the block device that holds the file (BLKSSZGET). */
    ZCN_DIO_SOURCE_BLOCK_DEVICE = 2,
    /** The file's st_blksize, a conservative guess. */
    ZCN_DIO_SOURCE_BLKSIZE = 3,
} zcn_dio_source;

/** Capability bits reported by zcn_capabilities. */
typedef enum zcn_capability {
    /** copy_file_range(2) is implemented by the kernel. */
    ZCN_CAP_COPY_FILE_RANGE = 0x1,
    /** splice(2) is implemented by the kernel. */
    ZCN_CAP_SPLICE = 0x2,
    /** vmsplice(2) is implemented by the kernel. */
    ZCN_CAP_VMSPLICE = 0x4,
    /** tee(2) is implemented by the kernel. */
    ZCN_CAP_TEE = 0x8,
    /** memfd_create(2) is implemented by the kernel. */
    ZCN_CAP_MEMFD = 0x10,
    /** statx(2) reports STATX_DIOALIGN (Linux 6.1). */
    ZCN_CAP_STATX_DIOALIGN = 0x20,
    /** io_uring_setup(2) is implemented and not disabled (kernel.io_uring_disabled). */
    ZCN_CAP_IO_URING = 0x40,
} zcn_capability;

/** One buffer segment for zcn_vmsplice; the same layout as struct iovec. */
typedef struct zcn_iovec {
    /** Start of the buffer. */
    void *base;
    /** Length of the buffer in bytes. */
    uint64_t len;
} zcn_iovec;

/** One ready descriptor, from zcn_epoll_wait. The same fields as struct epoll_event, with a layout that is the same
 *  on every architecture (the kernel's is packed on x86-64 only). */
typedef struct zcn_epoll_event {
    /** The zcn_epoll_events that occurred. */
    uint32_t events;
    /** Reserved; always 0. */
    uint32_t reserved;
    /** The data given to zcn_epoll_ctl for this registration. */
    uint64_t data;
} zcn_epoll_event;

/** Direct I/O alignment requirements, from zcn_dio_alignment. */
typedef struct zcn_dio_info {
    /** Required alignment of the memory buffer's address and length, in bytes. */
    uint32_t mem_align;
    /** Required alignment of the file offset and the transfer length, in bytes. */
    uint32_t offset_align;
    /** Where the answer came from: a zcn_dio_source value. */
    int32_t source;
    /** Reserved; always 0. */
    int32_t reserved;
} zcn_dio_info;

/** Facts about an open descriptor, from fstat, fcntl(F_GETFL) and fcntl(F_GETFD). */
typedef struct zcn_fd_info {
    /** The kind of object: a zcn_fd_kind value. */
    int32_t kind;
    /** The status flags (F_GETFL) as zcn_open_flags values: access mode, O_APPEND, O_NONBLOCK, O_DIRECT, ... */
    int32_t status_flags;
    /** The file mode bits (st_mode & 07777). */
    uint32_t mode;
    /** The descriptor flags (F_GETFD) as zcn_fd_flags values: ZCN_FD_CLOEXEC. Unlike the status flags, they
     *  belong to this descriptor number, not to the open file description that dup'ed numbers share. */
    uint32_t descriptor_flags;
    /** The size in bytes for a regular file or block device; 0 otherwise. */
    int64_t size;
    /** The preferred I/O block size (st_blksize). */
    int64_t block_size;
    /** The device that holds the file (st_dev). */
    uint64_t device;
    /** The inode number (st_ino). */
    uint64_t inode;
} zcn_fd_info;

/* ---------------------------------------------------------------------------------------------
 * Library information (version.c, errno.c, capabilities.c)
 * ------------------------------------------------------------------------------------------- */

/** The library version, (major << 16) | (minor << 8) | patch.
 *  @return The version; never fails. */
ZCN_API int32_t zcn_version(void);

/** The symbolic name of an error number ("EAGAIN").
 *  @param error An error number, positive or negated as the library returns it.
 *  @return A static string, or NULL when the number is not a known Linux errno. */
ZCN_API const char *zcn_errno_name(int32_t error);

/** The message for an error number ("Resource temporarily unavailable"), as strerror gives it.
 *  @param error An error number, positive or negated as the library returns it.
 *  @return A static string, or NULL when the number is not a known Linux errno. Thread-safe,
 *          unlike strerror. */
ZCN_API const char *zcn_errno_message(int32_t error);

/** Probes which system calls the running kernel offers. The probe runs once; the result is cached.
 *  @return A mask of zcn_capability bits; never fails. */
ZCN_API int32_t zcn_capabilities(void);

/* ---------------------------------------------------------------------------------------------
 * Resource usage (usage.c)
 * ------------------------------------------------------------------------------------------- */

/** Whose usage zcn_getrusage reports: getrusage(2)'s who, with the kernel's values. */
typedef enum zcn_usage_who {
    /** The calling process: every thread, those that have exited included (RUSAGE_SELF). */
    ZCN_USAGE_SELF = 0,
    /** The children that have ended and been waited for, and their waited-for descendants (RUSAGE_CHILDREN). */
    ZCN_USAGE_CHILDREN = -1,
    /** The calling thread alone (RUSAGE_THREAD). */
    ZCN_USAGE_THREAD = 1
} zcn_usage_who;

/** What a process, its children or a thread has used so far: the fields of struct rusage that Linux fills. */
typedef struct zcn_usage {
    /** CPU time spent in user mode, in microseconds (ru_utime). */
    int64_t user_us;
    /** CPU time spent in the kernel, in microseconds (ru_stime). */
    int64_t system_us;
    /** Page faults served without I/O (ru_minflt). */
    int64_t minor_faults;
    /** Page faults that needed I/O (ru_majflt). */
    int64_t major_faults;
    /** Context switches because the task waited (ru_nvcsw). */
    int64_t voluntary_switches;
    /** Context switches because the scheduler preempted the task (ru_nivcsw). */
    int64_t involuntary_switches;
    /** The largest resident set so far, in KiB (ru_maxrss). */
    int64_t max_resident_kib;
} zcn_usage;

/** getrusage(2): CPU time, page faults and context switches so far. Unlike the per-thread counts in
 *  /proc/self/task/N/status, ZCN_USAGE_SELF keeps the counts of threads that have exited.
 *  @param who A zcn_usage_who value.
 *  @param out Receives the usage; zeroed on failure.
 *  @return 0, or:
 *  @retval -EINVAL who is not a zcn_usage_who value (the kernel's answer).
 *  @retval -EFAULT out is NULL. Deliberate difference: out is the library's parameter; getrusage is always given a
 *          buffer of the library's own. */
ZCN_API int32_t zcn_getrusage(int32_t who, zcn_usage *out);

/* ---------------------------------------------------------------------------------------------
 * Transfers (sendfile.c, splice.c, copy_file_range.c)
 * ------------------------------------------------------------------------------------------- */

/** sendfile(2): copies up to count bytes from in_fd to out_fd inside the kernel.
 *  @param out_fd The destination: any file, pipe or socket open for writing.
 *  @param in_fd The source: a file that supports mmap-like reads (a regular file, a block device).
 *  @param offset Where to read in_fd; updated past the bytes sent and in_fd's position is left alone.
 *         NULL reads from and advances in_fd's file position.
 *  @param count The most bytes to send; the kernel caps one call at 0x7ffff000.
 *  @return The bytes sent, possibly fewer than count (0 at end of file), or:
 *  @retval -EBADF a descriptor is not open, in_fd is not readable or out_fd not writable.
 *  @retval -EINVAL in_fd does not support sendfile, out_fd is opened with O_APPEND, *offset is negative, or
 *          count is above INT64_MAX (the kernel reads it as a negative ssize_t).
 *  @retval -ESPIPE offset is not NULL and in_fd is not seekable.
 *  @retval -EAGAIN out_fd is non-blocking and full.
 *  @retval -EPIPE the reader of a pipe or socket has closed (SIGPIPE is raised unless ignored).
 *  @retval -EINVAL also when *offset + count would pass INT64_MAX (an offset beyond the end with a count that
 *          fits returns 0).
 *  @retval -EOVERFLOW the offset is at or beyond the largest file size the filesystem allows.
 *  @retval -EFBIG the write would exceed RLIMIT_FSIZE or the filesystem's size limit.
 *  @retval -EIO, -ENOMEM, -ENOSPC as the underlying read or write reports them. */
ZCN_API int64_t zcn_sendfile(int32_t out_fd, int32_t in_fd, int64_t *offset, uint64_t count);

/** splice(2): moves up to len bytes between two descriptors, at least one of which is a pipe.
 *  @param fd_in The source.
 *  @param off_in The source offset, updated; must be NULL when fd_in is a pipe. NULL uses the file position.
 *  @param fd_out The destination.
 *  @param off_out The destination offset, updated; must be NULL when fd_out is a pipe.
 *  @param len The most bytes to move.
 *  @param flags zcn_splice_flags.
 *  @return The bytes moved (0 at end of input, or when a pipe source is empty and has no writers), or:
 *  @retval -EBADF a descriptor is not open or has the wrong access mode.
 *  @retval -EINVAL neither descriptor is a pipe, both are the same pipe, the target is O_APPEND,
 *          a descriptor does not support splice, flags hold a bit the kernel does not know, an offset is
 *          negative or offset + len passes INT64_MAX, or len is above INT64_MAX with a file source (the kernel
 *          first caps len at the room in the pipe, then reads it as a negative ssize_t). len 0 returns 0 before
 *          the flags are looked at.
 *  @retval -ESPIPE an offset was given for a pipe.
 *  @retval -EAGAIN ZCN_SPLICE_F_NONBLOCK was given (or a descriptor is non-blocking) and the pipe is full or empty.
 *  @retval -EPIPE the reader has closed.
 *  @retval -ENOMEM out of memory. */
ZCN_API int64_t zcn_splice(int32_t fd_in, int64_t *off_in, int32_t fd_out, int64_t *off_out, uint64_t len,
                           uint32_t flags);

/** tee(2): duplicates up to len bytes from one pipe into another without consuming them.
 *  @param fd_in The source pipe (read end).
 *  @param fd_out The destination pipe (write end).
 *  @param len The most bytes to duplicate.
 *  @param flags zcn_splice_flags (ZCN_SPLICE_F_NONBLOCK is the one that matters).
 *  @return The bytes duplicated (0 when the source is empty and has no writers), or:
 *  @retval -EBADF a descriptor is not open or has the wrong access mode.
 *  @retval -EINVAL a descriptor is not a pipe, both refer to the same pipe, or flags hold a bit the kernel
 *          does not know. len itself is never refused: any len, INT64_MAX and above included, duplicates
 *          what the source pipe holds.
 *  @retval -EAGAIN non-blocking and nothing could be duplicated.
 *  @retval -ENOMEM out of memory. */
ZCN_API int64_t zcn_tee(int32_t fd_in, int32_t fd_out, uint64_t len, uint32_t flags);

/** vmsplice(2): maps user memory into a pipe (write end) or copies pipe data into user memory (read end).
 *  When it writes into a pipe the pipe references the caller's pages: they must stay unmodified and
 *  allocated until the pipe has been drained, or the reader sees the change or freed memory.
 *  @param fd A pipe end.
 *  @param iov The segments.
 *  @param nr_segs The number of segments (at most IOV_MAX, 1024).
 *  @param flags zcn_splice_flags.
 *  @return The bytes moved (fewer than asked when a segment runs into memory the process cannot access), or:
 *  @retval -EBADF fd is not open, is not a pipe, or has the wrong access mode.
 *  @retval -EINVAL nr_segs is above IOV_MAX, flags hold a bit the kernel does not know, or a segment's length
 *          is above INT64_MAX (a negative ssize_t to the kernel).
 *  @retval -EINVAL nr_segs is 0. Deliberate difference: the kernel returns 0 there; the library calls zero
 *          segments a caller error. Only that success is replaced: the kernel's own refusals (EBADF, EINVAL
 *          for flags) come first, as they would.
 *  @retval -EFAULT iov or a segment points to memory the process cannot access, or a segment's length
 *          reaches past the address space (INT64_MAX).
 *  @retval -EAGAIN ZCN_SPLICE_F_NONBLOCK was given and the pipe is full or empty. Unlike splice and tee,
 *          vmsplice ignores O_NONBLOCK on the pipe: pass the flag to avoid blocking.
 *  @retval -EPIPE the reader has closed.
 *  @retval -ENOMEM out of memory. */
ZCN_API int64_t zcn_vmsplice(int32_t fd, const zcn_iovec *iov, uint64_t nr_segs, uint32_t flags);

/** copy_file_range(2): copies up to len bytes between two regular files inside the kernel
 *  (reflinked on filesystems that share extents).
 *  @param fd_in The source file, open for reading.
 *  @param off_in The source offset, updated; NULL uses and advances the file position.
 *  @param fd_out The destination file, open for writing (not O_APPEND).
 *  @param off_out The destination offset, updated; NULL uses and advances the file position.
 *  @param len The most bytes to copy.
 *  @param flags Must be 0 (zcn_copy_flags).
 *  @return The bytes copied (0 at end of the source), or:
 *  @retval -EBADF a descriptor is not open, has the wrong access mode, or fd_out is O_APPEND (sendfile and
 *          splice report EINVAL for O_APPEND instead).
 *  @retval -EINVAL flags is not 0, a descriptor is not a regular file, the ranges overlap in one file, or an
 *          offset is negative (where EOVERFLOW does not come first).
 *  @retval -EXDEV the files are on different filesystems that cannot copy between them.
 *  @retval -EOPNOTSUPP, -ENOSYS the filesystem or kernel cannot copy this way.
 *  @retval -EISDIR a descriptor is a directory.
 *  @retval -EOVERFLOW offset + len wraps around 2^64: an offset of -1, or len above INT64_MAX from a non-zero
 *          offset. From offset 0 a len above INT64_MAX is no error: the kernel caps it and copies.
 *  @retval -EFBIG the destination range passes the file size limit or INT64_MAX (len is not checked against
 *          INT64_MAX: the man page's EFBIG/EINVAL for it is not what the kernel answers).
 *  @retval -ENOSPC, -EDQUOT, -EIO as writing reports them. */
ZCN_API int64_t zcn_copy_file_range(int32_t fd_in, int64_t *off_in, int32_t fd_out, int64_t *off_out,
                                    uint64_t len, uint32_t flags);

/* ---------------------------------------------------------------------------------------------
 * Pipes (pipe.c)
 * ------------------------------------------------------------------------------------------- */

/** pipe2(2): creates a pipe. Both ends are O_CLOEXEC.
 *  @param fds Receives the read end in fds[0] and the write end in fds[1].
 *  @param flags zcn_pipe_flags.
 *  @return 0, or:
 *  @retval -EINVAL flags hold a bit outside zcn_pipe_flags. Deliberate difference: the zcn_pipe_flags values
 *          are not O_* values, so the library translates them and passes no other bit on (pipe2 itself would
 *          take O_NOTIFICATION_PIPE, for one, and answer ENOPKG where watch queues are not built in).
 *  @retval -EFAULT fds is NULL or not writable (the kernel's answer; it closes both ends again).
 *  @retval -EMFILE, -ENFILE too many open descriptors. */
ZCN_API int32_t zcn_pipe(int32_t fds[2], uint32_t flags);

/** fcntl(F_SETPIPE_SZ): sets a pipe's capacity. The kernel rounds up to a power-of-two number of pages.
 *  @param fd Either end of a pipe.
 *  @param size The requested capacity in bytes.
 *  @return The capacity actually granted, or:
 *  @retval -EBADF fd is not open, or is not a pipe.
 *  @retval -EINVAL size is above 2^31 as the kernel reads it, unsigned: every negative size but INT32_MIN (a
 *          size below one page, 0 included, is rounded up to one page, not refused).
 *  @retval -EPERM size exceeds /proc/sys/fs/pipe-max-size and the caller lacks CAP_SYS_RESOURCE; INT32_MIN is
 *          2^31 to the kernel, so it lands here.
 *  @retval -EBUSY size is smaller than the data currently in the pipe. */
ZCN_API int32_t zcn_pipe_set_size(int32_t fd, int32_t size);

/** fcntl(F_GETPIPE_SZ): a pipe's capacity.
 *  @param fd Either end of a pipe.
 *  @return The capacity in bytes, or:
 *  @retval -EBADF fd is not open, or is not a pipe. */
ZCN_API int32_t zcn_pipe_get_size(int32_t fd);

/** ioctl(FIONREAD): the bytes queued for reading in a pipe or socket (for a pipe, either end). For a regular
 *  file it is the size minus the file position.
 *  @param fd A pipe end, a socket or a regular file.
 *  @return The bytes queued, or:
 *  @retval -EBADF fd is not open.
 *  @retval -ENOTTY, -EINVAL fd does not support FIONREAD. */
ZCN_API int32_t zcn_bytes_available(int32_t fd);

/* ---------------------------------------------------------------------------------------------
 * Memory maps (mmap.c)
 * ------------------------------------------------------------------------------------------- */

/** sysconf(_SC_PAGESIZE): the page size.
 *  @return The page size in bytes; never fails. */
ZCN_API int64_t zcn_page_size(void);

/** mmap(2): maps a file or anonymous memory.
 *  @param addr_out Receives the address of the mapping; set to NULL on failure.
 *  @param addr_hint Where to place it (NULL lets the kernel choose; exact with ZCN_MAP_FIXED).
 *  @param length The length in bytes; must be above 0.
 *  @param prot zcn_prot bits.
 *  @param flags zcn_map_flags bits: one mapping type (SHARED, PRIVATE, SHARED_VALIDATE or DROPPABLE) plus
 *         others, a huge-page size (ZCN_MAP_HUGE_*) among them.
 *  @param fd The file to map, or -1 with ZCN_MAP_ANONYMOUS.
 *  @param offset The file offset; must be a multiple of the page size.
 *  @return 0, or:
 *  @retval -EFAULT addr_out is NULL. Deliberate difference: addr_out is the library's parameter, not the
 *          kernel's (which would map and return the address).
 *  @retval -EINVAL length is 0, offset is not page-aligned, flags hold no mapping type the kernel knows
 *          (SHARED, PRIVATE, SHARED_VALIDATE, DROPPABLE), ZCN_MAP_DROPPABLE for a file, ZCN_MAP_HUGETLB for
 *          a file not on hugetlbfs or with a ZCN_MAP_HUGE_* size that has no pool, or MAP_FIXED with an address
 *          that is not page-aligned.
 *          Unknown prot bits, and unknown flag bits with SHARED or PRIVATE, are ignored by the kernel, not
 *          refused; the library passes them on.
 *  @retval -EOPNOTSUPP ZCN_MAP_SHARED_VALIDATE with a flag bit this kernel does not know, or cannot honour for
 *          this file. ZCN_MAP_SYNC on a file that is not DAX gives -EOPNOTSUPP with SHARED and PRIVATE too on
 *          this kernel (the man page names SHARED_VALIDATE only); without a file the bit is ignored.
 *  @retval -EBADF fd is not open and ZCN_MAP_ANONYMOUS is not given.
 *  @retval -EACCES fd's access mode does not allow prot (PROT_WRITE with MAP_SHARED needs O_RDWR).
 *  @retval -ENODEV fd is not a regular file (a pipe, socket, directory) or its filesystem cannot map it.
 *  @retval -ENOMEM no room in the address space (any length above it, INT64_MAX and above included), no huge
 *          pages for ZCN_MAP_HUGETLB, or ZCN_MAP_LOCKED beyond RLIMIT_MEMLOCK.
 *  @retval -EOVERFLOW the page offset plus length overflows, or offset is negative (the kernel reads it as
 *          unsigned: a page offset past any file).
 *  @retval -EEXIST ZCN_MAP_FIXED_NOREPLACE and the range is taken.
 *  @retval -EPERM prot includes PROT_EXEC and the filesystem is noexec, or the file is sealed. */
ZCN_API int32_t zcn_mmap(void **addr_out, void *addr_hint, uint64_t length, int32_t prot, int32_t flags,
                         int32_t fd, int64_t offset);

/** munmap(2): removes a mapping.
 *  @param addr The start; must be page-aligned.
 *  @param length The length in bytes.
 *  @return 0 (also where nothing was mapped), or:
 *  @retval -EINVAL addr is not page-aligned, length is 0, or addr + length passes the end of the address
 *          space (INT64_MAX, UINT64_MAX). */
ZCN_API int32_t zcn_munmap(void *addr, uint64_t length);

/** msync(2): writes the changes of a shared file mapping back to the file.
 *  @param addr The start; must be page-aligned.
 *  @param length The length in bytes.
 *  @param flags zcn_msync_flags: ZCN_MS_SYNC or ZCN_MS_ASYNC, optionally with ZCN_MS_INVALIDATE.
 *  @return 0, or:
 *  @retval -EINVAL addr is not page-aligned, or flags hold both SYNC and ASYNC or unknown bits.
 *  @retval -ENOMEM the range is not entirely mapped, or reaches past the address space (INT64_MAX). A length
 *          within a page of 2^64 (UINT64_MAX) rounds up to 0 in the kernel, which then succeeds.
 *  @retval -EBUSY ZCN_MS_INVALIDATE and part of the range is locked.
 *  @retval -EIO write-back failed. */
ZCN_API int32_t zcn_msync(void *addr, uint64_t length, int32_t flags);

/** madvise(2): gives the kernel advice about a mapped range.
 *  @param addr The start; must be page-aligned.
 *  @param length The length in bytes.
 *  @param advice A zcn_madvise_advice value.
 *  @return 0, or:
 *  @retval -EINVAL addr is not page-aligned, advice is unknown, advice does not apply to this mapping, or
 *          length rounds up past 2^64 (UINT64_MAX).
 *  @retval -ENOMEM the range is not entirely mapped, or reaches past the address space (INT64_MAX).
 *  @retval -EAGAIN a kernel resource was temporarily unavailable.
 *  @retval -EFAULT, -EHWPOISON a POPULATE advice met unmapped or poisoned memory.
 *  @retval -EPERM MADV_HWPOISON without privilege. */
ZCN_API int32_t zcn_madvise(void *addr, uint64_t length, int32_t advice);

/** mincore(2): reports which pages of a range are resident in memory.
 *  @param addr The start; must be page-aligned.
 *  @param length The length in bytes.
 *  @param vec Receives one byte per page (bit 0 set when resident): (length + page_size - 1) / page_size bytes.
 *         May be NULL when only the count is wanted.
 *  @return The number of resident pages (deliberate difference: mincore(2) returns 0 and leaves the counting
 *          to the caller), or:
 *  @retval -EINVAL addr is not page-aligned.
 *  @retval -ENOMEM the range is not entirely mapped, or reaches past the address space (INT64_MAX and above).
 *  @retval -EFAULT vec points outside the address space. */
ZCN_API int64_t zcn_mincore(void *addr, uint64_t length, uint8_t *vec);

/* ---------------------------------------------------------------------------------------------
 * Guarded copies of mapped files (mapped_copy.c)
 *
 * Touching a page of a file mapping that lies past the end of the file (the file was truncated, by this or any other
 * process, after it was mapped) raises SIGBUS, which kills a process that does not handle it. zcn_mapped_read and
 * zcn_mapped_write are memcpy with a recovery point: a SIGBUS raised by the copy itself comes back as -EIO.
 *
 * How: the first guarded copy installs a SIGBUS handler (sigaction with SA_SIGINFO, once, thread-safely), keeping the
 * disposition it replaces. Each copy arms a thread-local recovery point (sigsetjmp, without the signal mask) and the
 * range it copies. The handler jumps back (siglongjmp) only for a fault raised by the kernel (si_code > 0) on the
 * thread of an armed copy at an address inside its mapped range. Every other SIGBUS is passed on to the previous
 * disposition as the kernel would have delivered it:
 *  - a handler, with the same signal number, siginfo and ucontext (SA_SIGINFO) or the number alone (a plain
 *    handler), under the signal mask it asked for (the interrupted context's mask, its sa_mask, and SIGBUS itself
 *    unless SA_NODEFER); SA_RESETHAND makes the next SIGBUS that is not ours meet the default action; our handler
 *    takes SA_ONSTACK and SA_RESTART from it, so it runs on the stack the previous handler expects;
 *  - SIG_DFL: the default action is restored; a fault is executed again and kills the process with SIGBUS (core
 *    dump), a sent signal (kill, tgkill, sigqueue) is sent again with the same siginfo (rt_tgsigqueueinfo);
 *  - SIG_IGN: a sent signal is dropped; a fault kills the process, as the kernel does for an ignored fault.
 * SIGSEGV is never handled: a bad pointer given to a guarded copy crashes exactly as memcpy would. A thread that
 * blocks SIGBUS cannot be guarded: the kernel kills the process on such a fault whatever the handler.
 *
 * A library that installs its own SIGBUS handler after ours replaces it. If that library chains to the handler it
 * replaced for faults it does not own (as the JVM, libsigchain and the .NET runtime do), guarded copies keep working;
 * if it does not, a fault in a guarded copy reaches that library instead and the process dies as it would have
 * without libzcn: install such libraries first, or call zcn_mapped_guard_install after them. The .NET runtime
 * installs its handlers at startup, before managed code can reach libzcn, so ours comes after it and chains to it.
 * Measured both ways: an unguarded SIGBUS still ends in CoreCLR's fatal AccessViolationException (exit 134), a
 * SIGBUS sent with kill is still survived under CoreCLR, and under NativeAOT both still kill the process with SIGBUS
 * (exit 135); a managed NullReferenceException (SIGSEGV) is untouched.
 * ------------------------------------------------------------------------------------------- */

/** Installs the SIGBUS handler of the guarded copies now, rather than on the first copy (sigaction(2)). Installs it
 *  once per process; later calls return the first call's result.
 *  @return 0, or:
 *  @retval -EINVAL sigaction refused (not expected on Linux). */
ZCN_API int32_t zcn_mapped_guard_install(void);

/** Copies length bytes out of a mapping, like memcpy, but a SIGBUS raised by the copy (the file under the mapping
 *  shrank, so part of the range lies past its end; or the page could not be read from the device) is an error return
 *  instead of a signal.
 *  @param dst The destination: ordinary memory (a fault there is not guarded).
 *  @param mapping_src The source: memory inside a file mapping.
 *  @param length The bytes to copy.
 *  @return length; or, when a page faulted part-way, the bytes before that page (every one of them was copied;
 *          the next call from there returns -EIO); or:
 *  @retval -EIO the first page of the range raised SIGBUS (truncated file, or a read error on the device, or a
 *          hardware memory error). Nothing is known to have been copied.
 *  @retval -EINVAL length is above INT64_MAX, or the range wraps the address space.
 *  @retval -EFAULT dst or mapping_src is NULL and length is not 0. */
ZCN_API int64_t zcn_mapped_read(void *dst, const void *mapping_src, uint64_t length);

/** Copies length bytes into a mapping, like memcpy, with the guard of zcn_mapped_read: a SIGBUS raised by the copy
 *  (the file shrank under a shared mapping, or a page could not be allocated or read) is an error return instead of a
 *  signal. Bytes written through a shared mapping reach the file on write-back (zcn_msync), as any store does.
 *  @param mapping_dst The destination: memory inside a writable file mapping.
 *  @param src The source: ordinary memory (a fault there is not guarded).
 *  @param length The bytes to copy.
 *  @return length; or, when a page faulted part-way, the bytes before that page (every one of them was written);
 *          or:
 *  @retval -EIO the first page of the range raised SIGBUS. Nothing is known to have been written.
 *  @retval -EINVAL length is above INT64_MAX, or the range wraps the address space.
 *  @retval -EFAULT mapping_dst or src is NULL and length is not 0. */
ZCN_API int64_t zcn_mapped_write(void *mapping_dst, const void *src, uint64_t length);

/* ---------------------------------------------------------------------------------------------
 * Aligned memory (aligned_alloc.c)
 * ------------------------------------------------------------------------------------------- */

/** posix_memalign(3): allocates size bytes aligned to alignment, for O_DIRECT and vmsplice buffers. The block may
 *  share its pages and its mapping with other allocations; for a buffer on transparent huge pages use
 *  zcn_aligned_map.
 *  @param out Receives the block; set to NULL on failure.
 *  @param alignment A power of two, at least sizeof(void*).
 *  @param size The size in bytes; 0 is refused.
 *  @return 0, or:
 *  @retval -EFAULT out is NULL. Deliberate difference: posix_memalign has no such case.
 *  @retval -EINVAL alignment is not a power of two or below sizeof(void*).
 *  @retval -EINVAL size is 0. Deliberate difference: posix_memalign may return a unique pointer or NULL.
 *  @retval -ENOMEM out of memory (any size beyond the address space, INT64_MAX and above included). */
ZCN_API int32_t zcn_aligned_alloc(void **out, uint64_t alignment, uint64_t size);

/** free(3) for blocks from zcn_aligned_alloc. NULL is ignored. */
ZCN_API void zcn_aligned_free(void *block);

/** mmap(2) of private anonymous memory whose start is a multiple of alignment: the block is a mapping of its own,
 *  between two inaccessible guard pages, so that the kernel reports it alone (a /proc/self/smaps entry that starts
 *  at the block) and an access just past either end faults instead of reaching other memory. The memory is
 *  zero-filled and not touched: pages are allocated on first use.
 *  This is the buffer for transparent huge pages: with alignment the huge-page size
 *  (/sys/kernel/mm/transparent_hugepage/hpage_pmd_size, 2 MiB on x86-64) and
 *  zcn_madvise(block, size, ZCN_MADV_HUGEPAGE), each whole huge page of the block may be backed by one huge page,
 *  which O_DIRECT hands to the device as one segment. Whether the kernel does is its decision (the policy in
 *  /sys/kernel/mm/transparent_hugepage/enabled, fragmentation); this function makes no promise about it.
 *  Made of one mmap (PROT_NONE, size + alignment + one page), munmap of the slack on either side and one mprotect
 *  (PROT_READ | PROT_WRITE) of the block; a failure of any of them unmaps everything and returns its errno.
 *  Counted by zcn_aligned_outstanding; free it with zcn_aligned_unmap, never zcn_aligned_free.
 *  @param out Receives the block; set to NULL on failure.
 *  @param alignment A power of two, at least the page size (zcn_page_size).
 *  @param size The size in bytes; 0 is refused. The mapping is size rounded up to whole pages.
 *  @return 0, or:
 *  @retval -EFAULT out is NULL.
 *  @retval -EINVAL alignment is not a power of two or below the page size, or size is 0.
 *  @retval -ENOMEM no room in the address space (size or alignment beyond it, INT64_MAX and above included), the
 *          process's mapping count limit, or no memory to commit (mprotect under strict overcommit). */
ZCN_API int32_t zcn_aligned_map(void **out, uint64_t alignment, uint64_t size);

/** munmap(2) of a block from zcn_aligned_map, its guard pages included. NULL is ignored (0).
 *  @param block The block zcn_aligned_map returned.
 *  @param size The size given to zcn_aligned_map for it; another size unmaps the wrong range.
 *  @return 0, or:
 *  @retval -EINVAL block is not page-aligned, size is 0 or beyond the address space
 *          (INT64_MAX and above). The block stays allocated and counted. */
ZCN_API int32_t zcn_aligned_unmap(void *block, uint64_t size);

/** The number of blocks from zcn_aligned_alloc and zcn_aligned_map not yet passed to zcn_aligned_free or
 *  zcn_aligned_unmap, for leak checks.
 *  @return The count; never fails. */
ZCN_API int64_t zcn_aligned_outstanding(void);

/* ---------------------------------------------------------------------------------------------
 * Files and descriptors (file.c, dio.c, memfd.c, poll.c)
 * ------------------------------------------------------------------------------------------- */

/** open(2) with O_CLOEXEC always added.
 *  @param path The path.
 *  @param flags zcn_open_flags.
 *  @param mode The permission bits for a new file (with ZCN_O_CREAT or ZCN_O_TMPFILE).
 *  @return The descriptor, or:
 *  @retval -EFAULT path is NULL or not readable.
 *  @retval -ENOENT, -ENOTDIR, -EACCES, -EEXIST, -EISDIR, -ELOOP, -ENAMETOOLONG, -EROFS as open reports them.
 *  @retval -EINVAL ZCN_O_DIRECT on a filesystem that does not support it, or ZCN_O_TMPFILE without write access.
 *  @retval -EINVAL flags hold a bit outside zcn_open_flags. Deliberate difference: open(2) ignores unknown
 *          bits; the library translates every bit between architectures and cannot pass on one it does not
 *          know.
 *  @retval -EMFILE, -ENFILE too many open descriptors. */
ZCN_API int32_t zcn_open(const char *path, int32_t flags, uint32_t mode);

/** close(2). Not retried on EINTR: Linux releases the descriptor even then, so EINTR is reported as 0.
 *  @param fd The descriptor.
 *  @return 0, or:
 *  @retval -EBADF fd is not open.
 *  @retval -EIO, -ENOSPC, -EDQUOT a deferred write failed (the descriptor is closed all the same). */
ZCN_API int32_t zcn_close(int32_t fd);

/** read(2): reads up to count bytes at the file position.
 *  @return The bytes read (0 at end of file; fewer than count when buf runs into memory the process cannot
 *          write, as the kernel stops there), or:
 *  @retval -EBADF fd is not open for reading.
 *  @retval -EFAULT buf is outside the address space, or buf + count is (every count above INT64_MAX: the
 *          kernel caps a transfer at MAX_RW_COUNT, so no count result can pass INT64_MAX).
 *  @retval -EAGAIN non-blocking and no data.
 *  @retval -EINVAL fd is not readable this way (an O_DIRECT misalignment, for one).
 *  @retval -EISDIR fd is a directory.
 *  @retval -EIO an I/O error. */
ZCN_API int64_t zcn_read(int32_t fd, void *buf, uint64_t count);

/** write(2): writes up to count bytes at the file position (at the end with O_APPEND).
 *  @return The bytes written (fewer than count when buf runs into memory the process cannot read), or:
 *  @retval -EBADF fd is not open for writing.
 *  @retval -EFAULT buf is outside the address space, or buf + count is (every count above INT64_MAX).
 *  @retval -EAGAIN non-blocking and full.
 *  @retval -EPIPE the reader has closed.
 *  @retval -EINVAL an O_DIRECT misalignment.
 *  @retval -ENOSPC, -EDQUOT, -EFBIG no room.
 *  @retval -EIO an I/O error. */
ZCN_API int64_t zcn_write(int32_t fd, const void *buf, uint64_t count);

/** pread(2): reads up to count bytes at offset without moving the file position.
 *  @return The bytes read (0 at end of file), or:
 *  @retval -EBADF fd is not open for reading.
 *  @retval -EINVAL offset is negative, offset + count passes INT64_MAX, or an O_DIRECT misalignment.
 *  @retval -ESPIPE fd is a pipe or socket.
 *  @retval -EFAULT, -EISDIR, -EIO as read reports them. */
ZCN_API int64_t zcn_pread(int32_t fd, void *buf, uint64_t count, int64_t offset);

/** pwrite(2): writes up to count bytes at offset without moving the file position.
 *  @return The bytes written, or:
 *  @retval -EBADF fd is not open for writing.
 *  @retval -EINVAL offset is negative, offset + count passes INT64_MAX, or an O_DIRECT misalignment.
 *  @retval -ESPIPE fd is a pipe or socket.
 *  @retval -EFAULT, -ENOSPC, -EDQUOT, -EFBIG, -EIO as write reports them. */
ZCN_API int64_t zcn_pwrite(int32_t fd, const void *buf, uint64_t count, int64_t offset);

/** lseek(2): moves the file position.
 *  @param fd A seekable descriptor.
 *  @param offset The offset, relative to whence.
 *  @param whence A zcn_whence value.
 *  @return The new position, or:
 *  @retval -EBADF fd is not open.
 *  @retval -EINVAL whence is unknown or the result would be negative.
 *  @retval -ESPIPE fd is a pipe or socket.
 *  @retval -ENXIO SEEK_DATA or SEEK_HOLE beyond the end of the file. */
ZCN_API int64_t zcn_lseek(int32_t fd, int64_t offset, int32_t whence);

/** ftruncate(2): sets the size of a file.
 *  @param fd A regular file open for writing.
 *  @param length The new size in bytes.
 *  @return 0, or:
 *  @retval -EBADF fd is not open.
 *  @retval -EINVAL length is negative, fd is not open for writing, or fd is not a regular file.
 *  @retval -EPERM the file is sealed against this change (memfd seals).
 *  @retval -EFBIG length exceeds the limit.
 *  @retval -EIO an I/O error. */
ZCN_API int32_t zcn_ftruncate(int32_t fd, int64_t length);

/** fsync(2) or fdatasync(2): waits until the file's data reaches the device.
 *  @param fd The file.
 *  @param data_only Non-zero for fdatasync (skip metadata that reads do not need).
 *  @return 0, or:
 *  @retval -EBADF fd is not open.
 *  @retval -EINVAL fd does not support synchronisation (a pipe or socket).
 *  @retval -EIO, -ENOSPC, -EDQUOT write-back failed. */
ZCN_API int32_t zcn_fsync(int32_t fd, int32_t data_only);

/** posix_fadvise(2): gives the kernel advice about a file range.
 *  @param fd The file.
 *  @param offset The start of the range.
 *  @param length The length; 0 means to the end of the file.
 *  @param advice A zcn_fadvise_advice value.
 *  @return 0, or:
 *  @retval -EBADF fd is not open.
 *  @retval -EINVAL advice is unknown, or length is negative (a negative offset is accepted by the kernel).
 *  @retval -ESPIPE fd is a pipe or FIFO. */
ZCN_API int32_t zcn_fadvise(int32_t fd, int64_t offset, int64_t length, int32_t advice);

/** fstat(2), fcntl(F_GETFL) and fcntl(F_GETFD): what a descriptor refers to and how it is open.
 *  @param fd Any open descriptor.
 *  @param out Receives the facts; zeroed on failure.
 *  @return 0, or:
 *  @retval -EFAULT out is NULL. Deliberate difference: out is the library's parameter; fstat is always given a
 *          buffer of the library's own.
 *  @retval -EBADF fd is not open. */
ZCN_API int32_t zcn_fd_query(int32_t fd, zcn_fd_info *out);

/** fcntl(F_SETFL): switches O_NONBLOCK on or off for a descriptor.
 *  @param fd Any open descriptor.
 *  @param enable Non-zero to make the descriptor non-blocking.
 *  @return 0, or:
 *  @retval -EBADF fd is not open. */
ZCN_API int32_t zcn_set_nonblocking(int32_t fd, int32_t enable);

/** poll(2) on one descriptor.
 *  @param fd The descriptor to wait on.
 *  @param events zcn_poll_events to wait for.
 *  @param timeout_ms The most milliseconds to wait; -1 waits forever, 0 returns at once.
 *         An interrupted wait is resumed with the time that remains.
 *  @return The events that occurred (0 on timeout; deliberate difference: poll(2) returns how many
 *          descriptors had events). Deliberate difference: ZCN_POLLNVAL at once for a negative fd, which
 *          poll(2) itself would skip and sleep on. Or:
 *  @retval -EINVAL timeout_ms is below -1, or events hold bits beyond the 16 of struct pollfd. Deliberate
 *          difference: poll(2) waits forever for any negative timeout and drops the high event bits.
 *  @retval -ENOMEM out of memory. */
ZCN_API int32_t zcn_poll(int32_t fd, int32_t events, int32_t timeout_ms);

/** epoll_create1(2): creates an epoll instance. EPOLL_CLOEXEC is always added.
 *  @return The descriptor, or:
 *  @retval -EMFILE, -ENFILE too many open descriptors.
 *  @retval -ENOMEM out of memory. */
ZCN_API int32_t zcn_epoll_create(void);

/** epoll_ctl(2): adds, changes or removes the registration of fd in the epoll instance epfd.
 *  @param epfd An epoll instance from zcn_epoll_create.
 *  @param op A zcn_epoll_op.
 *  @param fd The descriptor to register.
 *  @param events zcn_epoll_events to report, with the registration's mode (ZCN_EPOLLET, ZCN_EPOLLONESHOT, ...).
 *         Ignored by ZCN_EPOLL_CTL_DEL.
 *  @param data A value zcn_epoll_wait hands back with each of fd's events.
 *  @return 0, or:
 *  @retval -EBADF epfd or fd is not an open descriptor.
 *  @retval -EEXIST ADD of a descriptor already registered.
 *  @retval -ENOENT MOD or DEL of a descriptor not registered.
 *  @retval -EINVAL epfd is not an epoll instance, fd is epfd itself, op is unknown, or ZCN_EPOLLEXCLUSIVE is
 *          combined with MOD or with ZCN_EPOLLONESHOT.
 *  @retval -EPERM fd does not support epoll: a regular file or a directory (they are always ready).
 *  @retval -ELOOP fd is an epoll instance whose nesting would be too deep or circular.
 *  @retval -ENOMEM, -ENOSPC out of memory, or past /proc/sys/fs/epoll/max_user_watches. */
ZCN_API int32_t zcn_epoll_ctl(int32_t epfd, int32_t op, int32_t fd, uint32_t events, uint64_t data);

/** epoll_wait(2): waits for events in the epoll instance epfd.
 *  @param epfd An epoll instance from zcn_epoll_create.
 *  @param events Where to store up to max_events ready descriptors.
 *  @param max_events The capacity of events; at least 1.
 *  @param timeout_ms The most milliseconds to wait; -1 waits forever, 0 returns at once. An interrupted wait is
 *         resumed with the time that remains.
 *  @return How many entries of events were filled (0 on timeout), or:
 *  @retval -EBADF epfd is not an open descriptor.
 *  @retval -EINVAL epfd is not an epoll instance, or max_events is 0 or negative.
 *  @retval -EFAULT events is not writable. */
ZCN_API int32_t zcn_epoll_wait(int32_t epfd, zcn_epoll_event *events, int32_t max_events, int32_t timeout_ms);

/** memfd_create(2): creates an anonymous in-memory file. MFD_CLOEXEC is always added.
 *  @param name A name for debugging (shown in /proc/self/fd); at most 249 bytes.
 *  @param flags zcn_memfd_flags.
 *  @return The descriptor, or:
 *  @retval -EFAULT name is NULL or not readable.
 *  @retval -EINVAL name is too long, or flags hold a bit this kernel does not know. The kernel judges every
 *          bit: a huge-page size (ZCN_MFD_HUGE_*) without ZCN_MFD_HUGETLB is EINVAL, and so are
 *          ZCN_MFD_NOEXEC_SEAL and ZCN_MFD_EXEC together.
 *  @retval -EMFILE, -ENFILE too many open descriptors.
 *  @retval -ENOMEM out of memory. */
ZCN_API int32_t zcn_memfd_create(const char *name, uint32_t flags);

/** fcntl(F_ADD_SEALS): adds seals to a memfd created with ZCN_MFD_ALLOW_SEALING.
 *  @param fd The memfd, open for writing.
 *  @param seals zcn_seals bits.
 *  @return 0, or:
 *  @retval -EBADF fd is not open.
 *  @retval -EINVAL fd is not a memfd or seals hold a bit this kernel does not know.
 *  @retval -EPERM the file has ZCN_SEAL_SEAL, or was created without ZCN_MFD_ALLOW_SEALING.
 *  @retval -EBUSY ZCN_SEAL_WRITE while a writable shared mapping exists. */
ZCN_API int32_t zcn_memfd_add_seals(int32_t fd, int32_t seals);

/** fcntl(F_GET_SEALS): the seals of a memfd.
 *  @param fd The memfd.
 *  @return The zcn_seals bits, or:
 *  @retval -EBADF fd is not open.
 *  @retval -EINVAL fd does not support seals. */
ZCN_API int32_t zcn_memfd_get_seals(int32_t fd);

/** The Direct I/O alignment for a file: statx(STATX_DIOALIGN) where the kernel and filesystem report
 *  it, else the logical block size of the block device (BLKSSZGET), else st_blksize.
 *  @param fd The file.
 *  @param out Receives the alignment and its source; zeroed on failure.
 *  @return 0, or:
 *  @retval -EFAULT out is NULL. Deliberate difference: out is the library's parameter; statx is always given a
 *          buffer of the library's own.
 *  @retval -EBADF fd is not open.
 *  @retval -EINVAL the filesystem reports that it does not support Direct I/O for this file. Deliberate
 *          difference: statx succeeds there, with an alignment of 0. */
ZCN_API int32_t zcn_dio_alignment(int32_t fd, zcn_dio_info *out);

/* ---------------------------------------------------------------------------------------------
 * Sockets: sends that do not copy (socket.c)
 *
 * MSG_ZEROCOPY (Linux 4.14; Documentation/networking/msg_zerocopy.rst): after zcn_socket_set_zerocopy, a
 * zcn_send with ZCN_MSG_ZEROCOPY pins the caller's pages and sends from them instead of copying them into the
 * socket. The pages stay in use after the call returns, until the kernel has finished with them (for TCP: the
 * data was acknowledged). It says so on the socket's error queue, one completion per successful send call, read
 * with zcn_zerocopy_completions: until the completion of a call has arrived, its buffer must stay allocated and
 * unchanged, or the peer may receive the change. Each successful zcn_send with ZCN_MSG_ZEROCOPY on a socket
 * takes the next number of a 32-bit counter that starts at 0 for a new socket (a call that fails takes none);
 * a completion names a range of those numbers. Where the kernel could not avoid a copy after all (loopback, a
 * local peer through veth, a device without scatter-gather), the completion carries ZCN_ZEROCOPY_COPIED: the
 * send cost a copy and the pinning on top, and plain sends are the better choice on that socket.
 * ------------------------------------------------------------------------------------------- */

/** Flags for zcn_send (MSG_*). */
typedef enum zcn_send_flags {
    /** No flags: a plain send, blocking unless the socket is O_NONBLOCK. */
    ZCN_MSG_NONE = 0,
    /** MSG_DONTWAIT: do not block on this call; -EAGAIN instead, whatever the socket's O_NONBLOCK. */
    ZCN_MSG_DONTWAIT = 0x40,
    /** MSG_NOSIGNAL: no SIGPIPE when the connection is gone; -EPIPE instead. Always in effect; accepted for
     *  completeness. */
    ZCN_MSG_NOSIGNAL = 0x4000,
    /** MSG_MORE: more data follows; TCP holds back a partial segment (like TCP_CORK for this call). */
    ZCN_MSG_MORE = 0x8000,
    /** MSG_ZEROCOPY: send from the caller's pages without copying them, and report on the error queue when the
     *  kernel no longer uses them (zcn_zerocopy_completions). Needs zcn_socket_set_zerocopy first; without it
     *  the flag is ignored and the data is copied, with no completion. */
    ZCN_MSG_ZEROCOPY = 0x4000000,
} zcn_send_flags;

/** Bits of zcn_zerocopy_range.code (SO_EE_CODE_ZEROCOPY_*). */
typedef enum zcn_zerocopy_code {
    /** SO_EE_CODE_ZEROCOPY_COPIED: the kernel copied the data after all (loopback, a peer on this host, a
     *  device that cannot send from user pages). The send was not zero-copy; plain sends cost less here. */
    ZCN_ZEROCOPY_COPIED = 1,
} zcn_zerocopy_code;

/** One completion of MSG_ZEROCOPY sends, from zcn_zerocopy_completions: the send calls numbered first to last
 *  (inclusive, counting modulo 2^32) no longer use their buffers. The kernel merges the completions of
 *  consecutive calls into one range while they wait on the error queue; the range then carries the code of the
 *  first of them. */
typedef struct zcn_zerocopy_range {
    /** The number of the first send call completed (ee_info). */
    uint32_t first;
    /** The number of the last send call completed, inclusive (ee_data); below first when the range wraps. */
    uint32_t last;
    /** zcn_zerocopy_code bits (ee_code). */
    uint32_t code;
    /** Reserved; always 0. */
    uint32_t reserved;
} zcn_zerocopy_range;

/** setsockopt(SO_ZEROCOPY): allows (or stops allowing) ZCN_MSG_ZEROCOPY sends on a socket.
 *  @param fd A TCP socket (IPv4 or IPv6), or a UDP socket.
 *  @param enable 1 to allow, 0 to stop; the kernel refuses any other value.
 *  @return 0, or:
 *  @retval -EBADF fd is not open.
 *  @retval -ENOTSOCK fd is not a socket.
 *  @retval -EOPNOTSUPP the socket cannot send without copying: a Unix, raw, packet or netlink socket.
 *  @retval -EINVAL enable is neither 0 nor 1.
 *  @retval -ENOPROTOOPT the kernel predates SO_ZEROCOPY (Linux 4.14). */
ZCN_API int32_t zcn_socket_set_zerocopy(int32_t fd, int32_t enable);

/** send(2) with MSG_NOSIGNAL always added: a connection that is gone is -EPIPE, never SIGPIPE.
 *  @param fd A connected socket.
 *  @param buf The bytes to send. With ZCN_MSG_ZEROCOPY they must stay allocated and unchanged until the call's
 *         completion has arrived (zcn_zerocopy_completions), even though the call has returned.
 *  @param len The bytes to send; 0 sends nothing and returns 0.
 *  @param flags zcn_send_flags. Other bits go to the kernel as they are (MSG_OOB, MSG_CONFIRM, ...).
 *  @return The bytes sent: on a stream socket possibly fewer than len (non-blocking, or a signal after some
 *          bytes); a datagram goes whole. Or:
 *  @retval -EAGAIN the socket is non-blocking (O_NONBLOCK or ZCN_MSG_DONTWAIT) and has no room; or its send
 *          timeout (SO_SNDTIMEO) passed. With ZCN_MSG_ZEROCOPY, the call took no completion number.
 *  @retval -EPIPE the connection is shut down for writing, closed by the peer after a reset, or a TCP socket
 *          was never connected.
 *  @retval -ECONNRESET the peer reset the connection (the first send after the reset; -EPIPE after that).
 *  @retval -EDESTADDRREQ a datagram socket has no peer address.
 *  @retval -EMSGSIZE a datagram is larger than the protocol allows (65507 bytes for UDP over IPv4).
 *  @retval -EFAULT buf is not readable for len bytes (nothing was sent).
 *  @retval -ENOBUFS with ZCN_MSG_ZEROCOPY, the kernel could not record one more send awaiting completion (its
 *          notifications count against net.core.optmem_max): read completions, then send again.
 *  @retval -EBADF fd is not open.
 *  @retval -ENOTSOCK fd is not a socket.
 *  @retval -ENOTCONN a socket type that needs a connection has none (Unix stream). */
ZCN_API int64_t zcn_send(int32_t fd, const void *buf, uint64_t len, int32_t flags);

/** recvmsg(2) with MSG_ERRQUEUE: reads the completions of ZCN_MSG_ZEROCOPY sends from a socket's error queue.
 *  Reading never blocks: wait for the queue with zcn_poll or zcn_epoll_wait, where a non-empty error queue reports
 *  ZCN_POLLERR / ZCN_EPOLLERR (always reported, never asked for).
 *  @param fd A TCP or UDP socket (IPv4 or IPv6).
 *  @param out Receives up to max completions, in the order the kernel queued them.
 *  @param max The capacity of out; at least 1.
 *  @return The completions stored, after reading messages until out is full or the queue is empty: at least 1,
 *          or 0 when the queue held only messages of other origins (ICMP errors with IP_RECVERR, transmit
 *          timestamps), which are read and dropped. Or:
 *  @retval -EAGAIN the error queue is empty.
 *  @retval -EBADF fd is not open.
 *  @retval -ENOTSOCK fd is not a socket.
 *  @retval -EOPNOTSUPP fd is a socket that is neither IPv4 nor IPv6 (checked with getsockopt(SO_DOMAIN) first).
 *          Deliberate difference: Linux ignores MSG_ERRQUEUE on a Unix socket and recvmsg would read, and
 *          consume, the socket's data.
 *  @retval -EINVAL max is 0 or negative. Deliberate difference: out and max are the library's parameters.
 *  @retval -EFAULT out is NULL (and max is at least 1). Deliberate difference, as for max. */
ZCN_API int32_t zcn_zerocopy_completions(int32_t fd, zcn_zerocopy_range *out, int32_t max);

#ifdef __cplusplus
}
#endif

#endif /* ZCN_H */
