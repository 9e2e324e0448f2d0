/* usage.c - zcn_getrusage: getrusage(2) in fixed-width fields. */
#include <string.h>
#include <sys/resource.h>

#include "zcn_internal.h"

_Static_assert((int)ZCN_USAGE_SELF == (int)RUSAGE_SELF, "RUSAGE_SELF");
_Static_assert((int)ZCN_USAGE_CHILDREN == (int)RUSAGE_CHILDREN, "RUSAGE_CHILDREN");
_Static_assert((int)ZCN_USAGE_THREAD == (int)RUSAGE_THREAD, "RUSAGE_THREAD");

static int64_t microseconds(struct timeval t) {
    return (int64_t)t.tv_sec * 1000000 + (int64_t)t.tv_usec;
}

int32_t zcn_getrusage(int32_t who, zcn_usage *out) {
    if (out == NULL) {
        return -ZCN_EFAULT;
    }
    memset(out, 0, sizeof *out);
    struct rusage usage;
    /* The C library passes who to the kernel unchanged: the kernel alone decides which values it accepts. */
    int32_t status = zcn_status(getrusage(who, &usage));
    if (status < 0) {
        return status;
    }
    out->user_us = microseconds(usage.ru_utime);
    out->system_us = microseconds(usage.ru_stime);
    out->minor_faults = usage.ru_minflt;
    out->major_faults = usage.ru_majflt;
    out->voluntary_switches = usage.ru_nvcsw;
    out->involuntary_switches = usage.ru_nivcsw;
    out->max_resident_kib = usage.ru_maxrss;
    return 0;
}
