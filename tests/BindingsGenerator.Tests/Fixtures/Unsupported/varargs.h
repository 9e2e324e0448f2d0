#include <stdint.h>

/** Prints. */
int32_t fx_printf(const char *format, ...);
