/* Enums: negative, hex, octal and unsigned values; prefix stripping; flags. */
#include <stdint.h>

/** Signed values. */
typedef enum fx_signed {
    /** Minus one. */
    FX_SIGNED_MINUS_ONE = -1,
    /** Zero. */
    FX_SIGNED_ZERO = 0,
    /** The smallest int. */
    FX_SIGNED_MIN = -2147483647 - 1,
} fx_signed;

/** Hex and octal values; listed as flags. */
typedef enum fx_bits {
    FX_BIT_A = 0x1,
    FX_BIT_B = 0x10,
    FX_BIT_OCT = 0100,
    FX_BIT_HIGH = 0x80000000u,
} fx_bits;

/** Unsigned without flags. */
enum fx_unsigned {
    /** Big. */
    FX_U_BIG = 4000000000u,
    /** Alias. */
    FX_U_ALIAS = FX_U_BIG,
};

/** One member: stripped up to its last underscore. */
typedef enum fx_single {
    /** None. */
    FX_SINGLE_NONE = 0,
} fx_single;

/** Members whose common prefix would leave digits: the prefix is shortened. */
typedef enum fx_digits {
    /** One. */
    FX_LEVEL_1 = 1,
    /** Two. */
    FX_LEVEL_2 = 2,
} fx_digits;

/** Keyword member names get '@'. */
typedef enum fx_keywords {
    /** Stripped to 'in'? No: upper case is kept, so IN is not a keyword. */
    FX_KW_IN = 1,
    /** Out. */
    FX_KW_OUT = 2,
} fx_keywords;

/** Uses the enums so they are referenced from a function.
 *  @param s A signed value.
 *  @param u An unsigned value.
 *  @return s. */
fx_signed fx_enum_echo(fx_signed s, enum fx_unsigned u);
