/** Platform-dependent. */
long fx_long(long value);
