#include <stdint.h>

/** A callback type. */
typedef void (*fx_callback)(void *);
