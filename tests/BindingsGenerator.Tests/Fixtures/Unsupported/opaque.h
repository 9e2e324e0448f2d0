/** Opaque. */
struct fx_opaque;

/** Uses it. */
int fx_use(struct fx_opaque *o);
