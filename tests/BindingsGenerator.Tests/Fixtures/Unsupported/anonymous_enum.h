/** Anonymous. */
enum {
    FX_A = 1,
};
