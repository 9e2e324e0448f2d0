/* Typedef chains: to primitives (resolved, spelling kept), to structs (renamed), to pointers. */
#include <stdint.h>

/** An offset. */
typedef int64_t fx_off;
/** A position: a typedef of a typedef. */
typedef fx_off fx_pos;
/** A handle: a pointer typedef. */
typedef void *fx_handle;
/** Plain int through a typedef. */
typedef unsigned int fx_count;

/** A struct with a typedef name that differs from its tag. */
typedef struct fx_range_s {
    /** Start. */
    fx_pos start;
    /** Length. */
    fx_count length;
} fx_range_t;

/** Seeks.
 *  @param handle The handle.
 *  @param pos Where.
 *  @param range A range.
 *  @return The position. */
fx_pos fx_seek(fx_handle handle, fx_pos pos, const fx_range_t *range);
