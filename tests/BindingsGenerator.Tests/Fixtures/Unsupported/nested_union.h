#include <stdint.h>
/** Nested union. */
struct fx_holder {
    union {
        int32_t a;
        float b;
    } u;
};
