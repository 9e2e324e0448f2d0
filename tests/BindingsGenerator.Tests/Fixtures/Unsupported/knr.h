/** Old style. */
int fx_old();
