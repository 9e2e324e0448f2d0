/** Inline. */
static inline int fx_inline(int a) { return a; }
