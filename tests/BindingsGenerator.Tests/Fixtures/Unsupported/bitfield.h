#include <stdint.h>
/** Bits. */
struct fx_bits {
    uint32_t a : 3;
    uint32_t b : 5;
};
