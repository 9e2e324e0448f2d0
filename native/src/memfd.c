/* memfd.c - zcn_memfd_create, zcn_memfd_add_seals and zcn_memfd_get_seals. */
#include <fcntl.h>
#include <asm-generic/hugetlb_encode.h>
#include <sys/mman.h>

#include "zcn_internal.h"

_Static_assert(ZCN_MFD_CLOEXEC == MFD_CLOEXEC, "MFD_CLOEXEC");
_Static_assert(ZCN_MFD_ALLOW_SEALING == MFD_ALLOW_SEALING, "MFD_ALLOW_SEALING");
_Static_assert(ZCN_MFD_HUGETLB == MFD_HUGETLB, "MFD_HUGETLB");
#ifdef MFD_NOEXEC_SEAL
_Static_assert(ZCN_MFD_NOEXEC_SEAL == MFD_NOEXEC_SEAL, "MFD_NOEXEC_SEAL");
_Static_assert(ZCN_MFD_EXEC == MFD_EXEC, "MFD_EXEC");
#endif
#ifdef MFD_HUGE_SHIFT
_Static_assert(ZCN_HUGE_SHIFT == MFD_HUGE_SHIFT, "MFD_HUGE_SHIFT");
#endif
/* MFD_HUGE_* are defined as the kernel's HUGETLB_FLAG_ENCODE_* values, as MAP_HUGE_* are. */
#define ZCN_ASSERT_MFD_HUGE(size)                                                                                      \
    _Static_assert(ZCN_MFD_HUGE_##size == HUGETLB_FLAG_ENCODE_##size, "MFD_HUGE_" #size);
ZCN_HUGE_SIZE_LIST(ZCN_ASSERT_MFD_HUGE)

_Static_assert(ZCN_SEAL_SEAL == F_SEAL_SEAL, "F_SEAL_SEAL");
_Static_assert(ZCN_SEAL_SHRINK == F_SEAL_SHRINK, "F_SEAL_SHRINK");
_Static_assert(ZCN_SEAL_GROW == F_SEAL_GROW, "F_SEAL_GROW");
_Static_assert(ZCN_SEAL_WRITE == F_SEAL_WRITE, "F_SEAL_WRITE");
#ifdef F_SEAL_FUTURE_WRITE
_Static_assert(ZCN_SEAL_FUTURE_WRITE == F_SEAL_FUTURE_WRITE, "F_SEAL_FUTURE_WRITE");
#endif
#ifdef F_SEAL_EXEC
_Static_assert(ZCN_SEAL_EXEC == F_SEAL_EXEC, "F_SEAL_EXEC");
#endif

int32_t zcn_memfd_create(const char *name, uint32_t flags) {
    /* The name and every flag bit are the kernel's to judge (it knows the huge-page size bits and the exec
     * flags of its version); MFD_CLOEXEC is the one bit the library adds. */
    return zcn_result32(memfd_create(name, flags | MFD_CLOEXEC));
}

int32_t zcn_memfd_add_seals(int32_t fd, int32_t seals) {
    return zcn_status(fcntl(fd, F_ADD_SEALS, seals));
}

int32_t zcn_memfd_get_seals(int32_t fd) {
    return zcn_result32(fcntl(fd, F_GET_SEALS));
}
