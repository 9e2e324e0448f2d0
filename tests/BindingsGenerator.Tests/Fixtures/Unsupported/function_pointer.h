#include <stdint.h>

/** Calls back. */
int32_t fx_each(int32_t (*callback)(int32_t));
