/*
 * orders/money.h - money as int64 minor units plus an ISO-4217 code.
 *
 * Never double.  Every operation is overflow-checked and refuses to mix
 * currencies.  A table of ISO-4217 currencies gives each one's minor digits
 * (USD 2, JPY 0, KWD 3, ...).
 *
 * Ownership: orders_money_t is a plain value type the caller owns.
 * Thread-safety: every function here is pure and may run concurrently.
 */
#ifndef ORDERS_MONEY_H
#define ORDERS_MONEY_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include <orders/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ORDERS_CURRENCY_LEN 4 /* three letters and a NUL */

/*
 * The largest magnitude, in minor units, of an amount the library computes
 * or takes from JSON: 10^15 - 1 (9,999,999,999,999.99 USD).  A JSON number
 * printed with 15 significant digits (JSON_REAL_PRECISION(15)) carries every
 * amount in this range exactly, and none beyond it, so the arithmetic below
 * refuses results outside it rather than let a total print wrong.
 */
#define ORDERS_MONEY_MAX INT64_C(999999999999999)

typedef struct orders_money {
    int64_t amount;                        /* minor units (cents)         */
    char currency[ORDERS_CURRENCY_LEN];    /* "USD"; upper case, NUL-ended */
} orders_money_t;

/* Minor digits of an ISO-4217 code ("USD" -> 2, "JPY" -> 0, "KWD" -> 3), or
 * -1 when code is NULL or not a known currency.  Case-sensitive: upper case. */
int orders_currency_digits(const char *code);

/* True when code names a known ISO-4217 currency. */
bool orders_currency_valid(const char *code);

/* out = {amount, currency}.  ORDERS_E_CURRENCY for an unknown code.  Takes
 * any int64: like orders_money_parse and orders_money_format it converts;
 * ORDERS_MONEY_MAX bounds what the arithmetic computes. */
orders_code_t orders_money_init(orders_money_t *out, int64_t amount, const char *currency,
                                orders_error_t *err);

/* out = a + b; out may alias a or b.  ORDERS_E_CURRENCY when they differ,
 * ORDERS_E_OVERFLOW when the sum's magnitude exceeds ORDERS_MONEY_MAX; out
 * is untouched on error. */
orders_code_t orders_money_add(const orders_money_t *a, const orders_money_t *b,
                               orders_money_t *out, orders_error_t *err);

/* out = a - b, with the same rules as orders_money_add. */
orders_code_t orders_money_sub(const orders_money_t *a, const orders_money_t *b,
                               orders_money_t *out, orders_error_t *err);

/* out = a * factor (a unit price times a quantity).  ORDERS_E_OVERFLOW when
 * the product's magnitude exceeds ORDERS_MONEY_MAX. */
orders_code_t orders_money_mul(const orders_money_t *a, int64_t factor, orders_money_t *out,
                               orders_error_t *err);

/* Checked int64 helpers used across the library: false on overflow, *out
 * untouched then. */
bool orders_i64_add(int64_t a, int64_t b, int64_t *out);
bool orders_i64_mul(int64_t a, int64_t b, int64_t *out);

/*
 * Writes amount in major units with exactly the currency's minor digits
 * ("199.98", "-0.05", "500" for JPY, "1.250" for KWD) into buf.  Returns the
 * length written (without NUL), or -1 if the currency is unknown or buf is
 * too small (buf then holds "" when len > 0).  Exact for every int64 value
 * (INT64_MIN included); 22 bytes always suffice.
 */
int orders_money_format(const orders_money_t *m, char *buf, size_t len);

/*
 * Parses a decimal string in major units ("19.99", "-3", "0.5") into minor
 * units of currency.  Grammar: optional '-', digits, then optionally '.'
 * and 1 to digits-of-currency digits.  Refuses more fractional digits than
 * the currency has, exponents, spaces, '+', ".5", "5.", separators, empty
 * strings (ORDERS_E_INVALID, field "amount"), values that overflow int64
 * (ORDERS_E_OVERFLOW) and unknown currencies (ORDERS_E_CURRENCY).  out is
 * untouched on error.
 */
orders_code_t orders_money_parse(const char *text, const char *currency, orders_money_t *out,
                                 orders_error_t *err);

/*
 * Converts a JSON-style double in major units (19.99) into minor units.
 * Exact or refused: the result is the one amount n with at most the
 * currency's decimals whose decimal text n / 10^digits parses to exactly
 * this double (19.99 -> 1999, 199.98 -> 19998).  Doubles that no such text
 * produces are ORDERS_E_INVALID, field "amount", "amount has more than N
 * decimals": 1.005 in USD, and also arithmetic noise such as 0.1 + 0.2
 * (0.30000000000000004).  NaN, infinities and magnitudes above
 * ORDERS_MONEY_MAX minor units ("amount exceeds ...") are ORDERS_E_INVALID
 * too; unknown currency is ORDERS_E_CURRENCY.  For
 * decoding JSON numbers at the edge; the library never computes with
 * doubles.
 */
orders_code_t orders_money_from_major_double(double major, const char *currency,
                                             orders_money_t *out, orders_error_t *err);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_MONEY_H */
