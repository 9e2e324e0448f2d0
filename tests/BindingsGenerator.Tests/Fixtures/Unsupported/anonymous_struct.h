#include <stdint.h>
/** Anonymous. */
typedef struct {
    int32_t a;
} fx_anon;
