/* Structs: nested structs, fixed arrays of primitives (fixed buffers) and of structs (inline arrays). */
#include <stdint.h>

/** The outer struct. */
typedef struct fx_outer {
    /** A nested declaration, hoisted to file scope by C. */
    struct fx_inner {
        /** A byte. */
        uint8_t tag;
        /** A long, aligned to 8. */
        int64_t value;
    } inner;
    /** Sixteen bytes. */
    uint8_t pad[16];
    /** Two by three ints, flattened. */
    int32_t grid[2][3];
    /** Three inner structs. */
    struct fx_inner items[3];
    /** Two pointers. */
    void *slots[2];
    /** A trailing short. */
    uint16_t tail;
} fx_outer;

/** Takes the outer struct.
 *  @param outer The struct.
 *  @return 0. */
int32_t fx_outer_use(fx_outer *outer);
