#include <stdint.h>
/** Packed. */
struct fx_packed {
    uint8_t a;
    uint32_t b;
} __attribute__((packed));
