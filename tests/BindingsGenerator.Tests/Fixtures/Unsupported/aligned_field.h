#include <stdint.h>
/** Aligned. */
struct fx_aligned {
    _Alignas(16) uint32_t a;
};
