#include <stdint.h>
/** Broken. */
int32_t fx_broken(int32_t a
