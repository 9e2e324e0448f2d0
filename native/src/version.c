/* version.c - zcn_version: the version CMake reads from the VERSION file. */
#include "zcn_internal.h"

#if !defined(ZCN_VERSION_MAJOR) || !defined(ZCN_VERSION_MINOR) || !defined(ZCN_VERSION_PATCH)
#error "ZCN_VERSION_MAJOR, ZCN_VERSION_MINOR and ZCN_VERSION_PATCH must be defined by the build"
#endif

_Static_assert(ZCN_VERSION_MINOR < 256 && ZCN_VERSION_PATCH < 256, "version fields must fit one byte");

int32_t zcn_version(void) {
    return (ZCN_VERSION_MAJOR << 16) | (ZCN_VERSION_MINOR << 8) | ZCN_VERSION_PATCH;
}
