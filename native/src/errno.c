/* errno.c - zcn_errno_name and zcn_errno_message: names and messages of Linux error numbers. */
#include <string.h>

#include "zcn_internal.h"

/* Every distinct error number of zcn_errno (aliases excluded), in order. One list drives both the
 * static checks against <errno.h> and the name table, so the two cannot drift apart. */
#define ZCN_ERRNO_LIST(X)                                                                                              \
    X(EPERM)                                                                                                           \
    X(ENOENT)                                                                                                          \
    X(ESRCH)                                                                                                           \
    X(EINTR)                                                                                                           \
    X(EIO)                                                                                                             \
    X(ENXIO)                                                                                                           \
    X(E2BIG)                                                                                                           \
    X(ENOEXEC)                                                                                                         \
    X(EBADF)                                                                                                           \
    X(ECHILD)                                                                                                          \
    X(EAGAIN)                                                                                                          \
    X(ENOMEM)                                                                                                          \
    X(EACCES)                                                                                                          \
    X(EFAULT)                                                                                                          \
    X(ENOTBLK)                                                                                                         \
    X(EBUSY)                                                                                                           \
    X(EEXIST)                                                                                                          \
    X(EXDEV)                                                                                                           \
    X(ENODEV)                                                                                                          \
    X(ENOTDIR)                                                                                                         \
    X(EISDIR)                                                                                                          \
    X(EINVAL)                                                                                                          \
    X(ENFILE)                                                                                                          \
    X(EMFILE)                                                                                                          \
    X(ENOTTY)                                                                                                          \
    X(ETXTBSY)                                                                                                         \
    X(EFBIG)                                                                                                           \
    X(ENOSPC)                                                                                                          \
    X(ESPIPE)                                                                                                          \
    X(EROFS)                                                                                                           \
    X(EMLINK)                                                                                                          \
    X(EPIPE)                                                                                                           \
    X(EDOM)                                                                                                            \
    X(ERANGE)                                                                                                          \
    X(EDEADLK)                                                                                                         \
    X(ENAMETOOLONG)                                                                                                    \
    X(ENOLCK)                                                                                                          \
    X(ENOSYS)                                                                                                          \
    X(ENOTEMPTY)                                                                                                       \
    X(ELOOP)                                                                                                           \
    X(ENOMSG)                                                                                                          \
    X(EIDRM)                                                                                                           \
    X(ECHRNG)                                                                                                          \
    X(EL2NSYNC)                                                                                                        \
    X(EL3HLT)                                                                                                          \
    X(EL3RST)                                                                                                          \
    X(ELNRNG)                                                                                                          \
    X(EUNATCH)                                                                                                         \
    X(ENOCSI)                                                                                                          \
    X(EL2HLT)                                                                                                          \
    X(EBADE)                                                                                                           \
    X(EBADR)                                                                                                           \
    X(EXFULL)                                                                                                          \
    X(ENOANO)                                                                                                          \
    X(EBADRQC)                                                                                                         \
    X(EBADSLT)                                                                                                         \
    X(EBFONT)                                                                                                          \
    X(ENOSTR)                                                                                                          \
    X(ENODATA)                                                                                                         \
    X(ETIME)                                                                                                           \
    X(ENOSR)                                                                                                           \
    X(ENONET)                                                                                                          \
    X(ENOPKG)                                                                                                          \
    X(EREMOTE)                                                                                                         \
    X(ENOLINK)                                                                                                         \
    X(EADV)                                                                                                            \
    X(ESRMNT)                                                                                                          \
    X(ECOMM)                                                                                                           \
    X(EPROTO)                                                                                                          \
    X(EMULTIHOP)                                                                                                       \
    X(EDOTDOT)                                                                                                         \
    X(EBADMSG)                                                                                                         \
    X(EOVERFLOW)                                                                                                       \
    X(ENOTUNIQ)                                                                                                        \
    X(EBADFD)                                                                                                          \
    X(EREMCHG)                                                                                                         \
    X(ELIBACC)                                                                                                         \
    X(ELIBBAD)                                                                                                         \
    X(ELIBSCN)                                                                                                         \
    X(ELIBMAX)                                                                                                         \
    X(ELIBEXEC)                                                                                                        \
    X(EILSEQ)                                                                                                          \
    X(ERESTART)                                                                                                        \
    X(ESTRPIPE)                                                                                                        \
    X(EUSERS)                                                                                                          \
    X(ENOTSOCK)                                                                                                        \
    X(EDESTADDRREQ)                                                                                                    \
    X(EMSGSIZE)                                                                                                        \
    X(EPROTOTYPE)                                                                                                      \
    X(ENOPROTOOPT)                                                                                                     \
    X(EPROTONOSUPPORT)                                                                                                 \
    X(ESOCKTNOSUPPORT)                                                                                                 \
    X(EOPNOTSUPP)                                                                                                      \
    X(EPFNOSUPPORT)                                                                                                    \
    X(EAFNOSUPPORT)                                                                                                    \
    X(EADDRINUSE)                                                                                                      \
    X(EADDRNOTAVAIL)                                                                                                   \
    X(ENETDOWN)                                                                                                        \
    X(ENETUNREACH)                                                                                                     \
    X(ENETRESET)                                                                                                       \
    X(ECONNABORTED)                                                                                                    \
    X(ECONNRESET)                                                                                                      \
    X(ENOBUFS)                                                                                                         \
    X(EISCONN)                                                                                                         \
    X(ENOTCONN)                                                                                                        \
    X(ESHUTDOWN)                                                                                                       \
    X(ETOOMANYREFS)                                                                                                    \
    X(ETIMEDOUT)                                                                                                       \
    X(ECONNREFUSED)                                                                                                    \
    X(EHOSTDOWN)                                                                                                       \
    X(EHOSTUNREACH)                                                                                                    \
    X(EALREADY)                                                                                                        \
    X(EINPROGRESS)                                                                                                     \
    X(ESTALE)                                                                                                          \
    X(EUCLEAN)                                                                                                         \
    X(ENOTNAM)                                                                                                         \
    X(ENAVAIL)                                                                                                         \
    X(EISNAM)                                                                                                          \
    X(EREMOTEIO)                                                                                                       \
    X(EDQUOT)                                                                                                          \
    X(ENOMEDIUM)                                                                                                       \
    X(EMEDIUMTYPE)                                                                                                     \
    X(ECANCELED)                                                                                                       \
    X(ENOKEY)                                                                                                          \
    X(EKEYEXPIRED)                                                                                                     \
    X(EKEYREVOKED)                                                                                                     \
    X(EKEYREJECTED)                                                                                                    \
    X(EOWNERDEAD)                                                                                                      \
    X(ENOTRECOVERABLE)                                                                                                 \
    X(ERFKILL)                                                                                                         \
    X(EHWPOISON)

#define ZCN_ASSERT_ERRNO(name) _Static_assert(ZCN_##name == name, "zcn_errno " #name " differs from libc");
ZCN_ERRNO_LIST(ZCN_ASSERT_ERRNO)
#undef ZCN_ASSERT_ERRNO

_Static_assert(ZCN_EWOULDBLOCK == EWOULDBLOCK, "zcn_errno EWOULDBLOCK differs from libc");
_Static_assert(ZCN_EDEADLOCK == EDEADLOCK, "zcn_errno EDEADLOCK differs from libc");
_Static_assert(ZCN_ENOTSUP == ENOTSUP, "zcn_errno ENOTSUP differs from libc");

#define ZCN_ERRNO_NAME(name) [name] = #name,
static const char *const zcn_errno_names[] = {ZCN_ERRNO_LIST(ZCN_ERRNO_NAME)};
#undef ZCN_ERRNO_NAME

#define ZCN_ERRNO_NAME_COUNT ((int32_t)(sizeof(zcn_errno_names) / sizeof(zcn_errno_names[0])))

/* Maps a positive or negated error number to its index in the table, or 0 when it is unknown. */
static int32_t zcn_errno_index(int32_t error) {
    if (error == INT32_MIN) return 0;
    if (error < 0) error = -error;
    if (error <= 0 || error >= ZCN_ERRNO_NAME_COUNT || zcn_errno_names[error] == NULL) return 0;
    return error;
}

const char *zcn_errno_name(int32_t error) {
    int32_t index = zcn_errno_index(error);
    return index == 0 ? NULL : zcn_errno_names[index];
}

const char *zcn_errno_message(int32_t error) {
    int32_t index = zcn_errno_index(error);
    /* strerrordesc_np (glibc 2.32) returns a static, untranslated string: thread-safe, unlike strerror. */
    return index == 0 ? NULL : strerrordesc_np(index);
}
