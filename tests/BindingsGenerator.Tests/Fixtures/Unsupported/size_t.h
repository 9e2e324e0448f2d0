#include <stddef.h>

/** size_t is unsigned long on LP64. */
int fx_size(size_t length);
