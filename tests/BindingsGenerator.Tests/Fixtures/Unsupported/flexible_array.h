#include <stdint.h>
/** Flexible. */
struct fx_flex {
    uint32_t count;
    uint8_t data[];
};
