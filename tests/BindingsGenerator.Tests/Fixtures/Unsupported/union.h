#include <stdint.h>
/** A union. */
union fx_u {
    int32_t a;
    int64_t b;
};
