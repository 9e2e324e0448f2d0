/* Pointers and const: pointers stay pointers, const and typedef spellings survive in [NativeTypeName]. */
#include <stdint.h>

/** A point. */
typedef struct fx_point {
    /** X. */
    int32_t x;
    /** Y. */
    int32_t y;
} fx_point;

/** Returns a static name.
 *  @param id Which name.
 *  @return A static string. */
const char *fx_name(int32_t id);

/** Allocates.
 *  @param out Receives the block.
 *  @param base A hint.
 *  @param size The size.
 *  @return 0 or -errno. */
int32_t fx_alloc(void **out, void *base, uint64_t size);

/** Reads points.
 *  @param points The points, read only.
 *  @param count How many.
 *  @param fds Two descriptors.
 *  @return The sum. */
int64_t fx_sum(const fx_point *points, uint64_t count, int32_t fds[2]);

/** Writes bytes. */
void fx_write(const void *buf, uint8_t *bytes, const char *const *names);
