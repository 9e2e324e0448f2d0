/* memfd.c - zcn_memfd_create, zcn_memfd_add_seals and zcn_memfd_get_seals. */
#include <fcntl.h>
#include <sys/mman.h>

#include "zcn_internal.h"

_Static_assert(ZCN_MFD_CLOEXEC == MFD_CLOEXEC, "MFD_CLOEXEC");
_Static_assert(ZCN_MFD_ALLOW_SEALING == MFD_ALLOW_SEALING, "MFD_ALLOW_SEALING");
_Static_assert(ZCN_MFD_HUGETLB == MFD_HUGETLB, "MFD_HUGETLB");

_Static_assert(ZCN_SEAL_SEAL == F_SEAL_SEAL, "F_SEAL_SEAL");
_Static_assert(ZCN_SEAL_SHRINK == F_SEAL_SHRINK, "F_SEAL_SHRINK");
_Static_assert(ZCN_SEAL_GROW == F_SEAL_GROW, "F_SEAL_GROW");
_Static_assert(ZCN_SEAL_WRITE == F_SEAL_WRITE, "F_SEAL_WRITE");
#ifdef F_SEAL_FUTURE_WRITE
_Static_assert(ZCN_SEAL_FUTURE_WRITE == F_SEAL_FUTURE_WRITE, "F_SEAL_FUTURE_WRITE");
#endif

#define ZCN_MFD_KNOWN ((uint32_t)(ZCN_MFD_CLOEXEC | ZCN_MFD_ALLOW_SEALING | ZCN_MFD_HUGETLB))
#define ZCN_SEALS_KNOWN                                                                                                \
    ((int32_t)(ZCN_SEAL_SEAL | ZCN_SEAL_SHRINK | ZCN_SEAL_GROW | ZCN_SEAL_WRITE | ZCN_SEAL_FUTURE_WRITE))

int32_t zcn_memfd_create(const char *name, uint32_t flags) {
    if (name == NULL) return -EFAULT;
    if ((flags & ~ZCN_MFD_KNOWN) != 0) return -EINVAL;
    return zcn_result32(memfd_create(name, flags | MFD_CLOEXEC));
}

int32_t zcn_memfd_add_seals(int32_t fd, int32_t seals) {
    if ((seals & ~ZCN_SEALS_KNOWN) != 0) return -EINVAL;
    return zcn_status(fcntl(fd, F_ADD_SEALS, seals));
}

int32_t zcn_memfd_get_seals(int32_t fd) {
    return zcn_result32(fcntl(fd, F_GET_SEALS));
}
