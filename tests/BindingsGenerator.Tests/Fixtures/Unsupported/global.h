#include <stdint.h>

/** A global. */
extern int32_t fx_global;
