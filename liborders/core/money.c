/*
 * money.c - int64 minor units, the ISO-4217 table, checked arithmetic,
 * exact formatting and strict parsing.
 *
 * Never double, except in orders_money_from_major_double, which converts a
 * JSON number at the edge and accepts it only when the conversion is exact.
 * No state: every function here is pure and may run concurrently.
 */
#include <orders/money.h>

#include <inttypes.h>
#include <math.h> /* isnan: a macro, no libm needed */
#include <string.h>

typedef struct currency_info {
    char code[ORDERS_CURRENCY_LEN];
    int digits;
} currency_info_t;

/*
 * ISO 4217 list one (as published 2026-01-01), sorted by code for binary
 * search.  Only codes with a defined number of minor digits: the "N.A."
 * entries (XAU, XAG, XPD, XPT, XDR, XSU, XUA, XBA..XBD, XTS, XXX) are not
 * money an order can be priced in.  Withdrawn codes (ANG, BGN, CUC, HRK,
 * SLL, ZWL, ...) are gone.  When ISO amends the list, keep it sorted: the
 * tests look every code up.
 */
static const currency_info_t currencies[] = {
    {"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"AOA", 2}, {"ARS", 2},
    {"AUD", 2}, {"AWG", 2}, {"AZN", 2}, {"BAM", 2}, {"BBD", 2}, {"BDT", 2},
    {"BHD", 3}, {"BIF", 0}, {"BMD", 2}, {"BND", 2}, {"BOB", 2}, {"BOV", 2},
    {"BRL", 2}, {"BSD", 2}, {"BTN", 2}, {"BWP", 2}, {"BYN", 2}, {"BZD", 2},
    {"CAD", 2}, {"CDF", 2}, {"CHE", 2}, {"CHF", 2}, {"CHW", 2}, {"CLF", 4},
    {"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"COU", 2}, {"CRC", 2}, {"CUP", 2},
    {"CVE", 2}, {"CZK", 2}, {"DJF", 0}, {"DKK", 2}, {"DOP", 2}, {"DZD", 2},
    {"EGP", 2}, {"ERN", 2}, {"ETB", 2}, {"EUR", 2}, {"FJD", 2}, {"FKP", 2},
    {"GBP", 2}, {"GEL", 2}, {"GHS", 2}, {"GIP", 2}, {"GMD", 2}, {"GNF", 0},
    {"GTQ", 2}, {"GYD", 2}, {"HKD", 2}, {"HNL", 2}, {"HTG", 2}, {"HUF", 2},
    {"IDR", 2}, {"ILS", 2}, {"INR", 2}, {"IQD", 3}, {"IRR", 2}, {"ISK", 0},
    {"JMD", 2}, {"JOD", 3}, {"JPY", 0}, {"KES", 2}, {"KGS", 2}, {"KHR", 2},
    {"KMF", 0}, {"KPW", 2}, {"KRW", 0}, {"KWD", 3}, {"KYD", 2}, {"KZT", 2},
    {"LAK", 2}, {"LBP", 2}, {"LKR", 2}, {"LRD", 2}, {"LSL", 2}, {"LYD", 3},
    {"MAD", 2}, {"MDL", 2}, {"MGA", 2}, {"MKD", 2}, {"MMK", 2}, {"MNT", 2},
    {"MOP", 2}, {"MRU", 2}, {"MUR", 2}, {"MVR", 2}, {"MWK", 2}, {"MXN", 2},
    {"MXV", 2}, {"MYR", 2}, {"MZN", 2}, {"NAD", 2}, {"NGN", 2}, {"NIO", 2},
    {"NOK", 2}, {"NPR", 2}, {"NZD", 2}, {"OMR", 3}, {"PAB", 2}, {"PEN", 2},
    {"PGK", 2}, {"PHP", 2}, {"PKR", 2}, {"PLN", 2}, {"PYG", 0}, {"QAR", 2},
    {"RON", 2}, {"RSD", 2}, {"RUB", 2}, {"RWF", 0}, {"SAR", 2}, {"SBD", 2},
    {"SCR", 2}, {"SDG", 2}, {"SEK", 2}, {"SGD", 2}, {"SHP", 2}, {"SLE", 2},
    {"SOS", 2}, {"SRD", 2}, {"SSP", 2}, {"STN", 2}, {"SVC", 2}, {"SYP", 2},
    {"SZL", 2}, {"THB", 2}, {"TJS", 2}, {"TMT", 2}, {"TND", 3}, {"TOP", 2},
    {"TRY", 2}, {"TTD", 2}, {"TWD", 2}, {"TZS", 2}, {"UAH", 2}, {"UGX", 0},
    {"USD", 2}, {"USN", 2}, {"UYI", 0}, {"UYU", 2}, {"UYW", 4}, {"UZS", 2},
    {"VED", 2}, {"VES", 2}, {"VND", 0}, {"VUV", 0}, {"WST", 2}, {"XAD", 2},
    {"XAF", 0}, {"XCD", 2}, {"XCG", 2}, {"XOF", 0}, {"XPF", 0}, {"YER", 2},
    {"ZAR", 2}, {"ZMW", 2}, {"ZWG", 2},
};

#define CURRENCY_COUNT (sizeof currencies / sizeof currencies[0])

/* 10^digits for every digits value the table uses (0..4). */
static const int64_t pow10_table[] = {1, 10, 100, 1000, 10000};

/* Longest piece of caller text echoed into a message, "..." included. */
#define QUOTE_MAX 28

/*
 * The table entry for code, or NULL.  Reads at most four bytes of code and
 * stops at the first byte that is not 'A'..'Z', so a garbage
 * orders_money_t.currency is never read past its end.
 */
static uint32_t code3(const char *c)
{
    return (uint32_t)(unsigned char)c[0] << 16 | (uint32_t)(unsigned char)c[1] << 8 |
           (uint32_t)(unsigned char)c[2];
}

static const currency_info_t *currency_find(const char *code)
{
    if (code == NULL)
        return NULL;
    for (size_t i = 0; i < 3; i++) {
        if (code[i] < 'A' || code[i] > 'Z')
            return NULL;
    }
    if (code[3] != '\0')
        return NULL;

    /* Most lookups in a thread ask for the currency it asked for last. */
    static _Thread_local const currency_info_t *last;
    const uint32_t key = code3(code);
    if (last != NULL && code3(last->code) == key)
        return last;

    /* the table is sorted, and for upper-case letters the order of the
     * codes is the order of their three bytes read as one number */
    size_t lo = 0;
    size_t hi = CURRENCY_COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t at = code3(currencies[mid].code);
        if (at == key)
            return last = &currencies[mid];
        if (key < at)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/*
 * Copies at most max bytes of caller text into out for a message: printable
 * ASCII kept, anything else shown as '?', "..." when cut.  Messages must
 * stay valid UTF-8 and must not carry control characters from the network.
 */
static void quote_text(char out[QUOTE_MAX], const char *src, size_t max)
{
    const size_t keep = QUOTE_MAX - 4; /* room for "..." and the NUL */
    size_t n = 0;
    size_t i = 0;

    for (; i < max && src[i] != '\0' && n < keep; i++) {
        unsigned char c = (unsigned char)src[i];
        out[n++] = (c >= 0x20u && c < 0x7Fu) ? (char)c : '?';
    }
    if (i < max && src[i] != '\0') {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

static orders_code_t unknown_currency(orders_error_t *err, const char *code, size_t max)
{
    if (code == NULL)
        return orders_error_set(err, ORDERS_E_CURRENCY, "currency", "currency is missing");

    char shown[QUOTE_MAX];
    quote_text(shown, code, max);
    return orders_error_set(err, ORDERS_E_CURRENCY, "currency", "unknown currency '%s'", shown);
}

static orders_code_t null_argument(orders_error_t *err, const char *name)
{
    return orders_error_set(err, ORDERS_E_INVALID, name, "%s must not be NULL", name);
}

/* The currency of m, or an error: NULL m, or a code not in the table. */
static orders_code_t money_currency(const orders_money_t *m, const char *name,
                                    const currency_info_t **info, orders_error_t *err)
{
    if (m == NULL)
        return null_argument(err, name);
    *info = currency_find(m->currency);
    if (*info == NULL)
        return unknown_currency(err, m->currency, sizeof m->currency);
    return ORDERS_OK;
}

/* Checks a and b for a binary operation: both known, same currency. */
static orders_code_t same_currency(const orders_money_t *a, const orders_money_t *b,
                                   const orders_money_t *out, const currency_info_t **info,
                                   orders_error_t *err)
{
    const currency_info_t *ca = NULL;
    const currency_info_t *cb = NULL;
    orders_code_t rc;

    if ((rc = money_currency(a, "a", &ca, err)) != ORDERS_OK)
        return rc;
    if (b != NULL && memcmp(a->currency, b->currency, sizeof a->currency) == 0)
        cb = ca; /* the same code: one lookup is enough */
    else if ((rc = money_currency(b, "b", &cb, err)) != ORDERS_OK)
        return rc;
    if (out == NULL)
        return null_argument(err, "out");
    if (ca != cb)
        return orders_error_set(err, ORDERS_E_CURRENCY, "currency",
                                "currency mismatch: %s vs %s", ca->code, cb->code);
    *info = ca;
    return ORDERS_OK;
}

int orders_currency_digits(const char *code)
{
    const currency_info_t *c = currency_find(code);
    return c != NULL ? c->digits : -1;
}

bool orders_currency_valid(const char *code)
{
    return currency_find(code) != NULL;
}

orders_code_t orders_money_init(orders_money_t *out, int64_t amount, const char *currency,
                                orders_error_t *err)
{
    if (out == NULL)
        return null_argument(err, "out");
    const currency_info_t *c = currency_find(currency);
    if (c == NULL)
        return unknown_currency(err, currency, SIZE_MAX);

    out->amount = amount;
    memcpy(out->currency, c->code, sizeof out->currency);
    return ORDERS_OK;
}

/* True when amount's magnitude is at most ORDERS_MONEY_MAX. */
static bool in_range(int64_t amount)
{
    return amount >= -ORDERS_MONEY_MAX && amount <= ORDERS_MONEY_MAX;
}

/* out = a + sign * b, checked; out may alias a or b. */
static orders_code_t add_signed(const orders_money_t *a, const orders_money_t *b, int sign,
                                orders_money_t *out, orders_error_t *err)
{
    const currency_info_t *c = NULL;
    orders_code_t rc = same_currency(a, b, out, &c, err);
    if (rc != ORDERS_OK)
        return rc;

    int64_t r;
    bool overflow = sign > 0 ? __builtin_add_overflow(a->amount, b->amount, &r)
                             : __builtin_sub_overflow(a->amount, b->amount, &r);
    if (overflow || !in_range(r))
        return orders_error_set(err, ORDERS_E_OVERFLOW, NULL,
                                "amount overflow: %" PRId64 " %c %" PRId64 " %s exceeds %" PRId64
                                " minor units",
                                a->amount, sign > 0 ? '+' : '-', b->amount, c->code,
                                ORDERS_MONEY_MAX);

    /* Written last and whole: out may alias a or b. */
    out->amount = r;
    memcpy(out->currency, c->code, sizeof out->currency);
    return ORDERS_OK;
}

orders_code_t orders_money_add(const orders_money_t *a, const orders_money_t *b,
                               orders_money_t *out, orders_error_t *err)
{
    return add_signed(a, b, +1, out, err);
}

orders_code_t orders_money_sub(const orders_money_t *a, const orders_money_t *b,
                               orders_money_t *out, orders_error_t *err)
{
    return add_signed(a, b, -1, out, err);
}

orders_code_t orders_money_mul(const orders_money_t *a, int64_t factor, orders_money_t *out,
                               orders_error_t *err)
{
    const currency_info_t *c = NULL;
    orders_code_t rc = money_currency(a, "a", &c, err);
    if (rc != ORDERS_OK)
        return rc;
    if (out == NULL)
        return null_argument(err, "out");

    int64_t product;
    if (__builtin_mul_overflow(a->amount, factor, &product) || !in_range(product))
        return orders_error_set(err, ORDERS_E_OVERFLOW, NULL,
                                "amount overflow: %" PRId64 " %s * %" PRId64 " exceeds %" PRId64
                                " minor units",
                                a->amount, c->code, factor, ORDERS_MONEY_MAX);

    out->amount = product;
    memcpy(out->currency, c->code, sizeof out->currency);
    return ORDERS_OK;
}

bool orders_i64_add(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (out == NULL || __builtin_add_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

bool orders_i64_mul(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (out == NULL || __builtin_mul_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

int orders_money_format(const orders_money_t *m, char *buf, size_t len)
{
    if (buf != NULL && len > 0)
        buf[0] = '\0';
    if (m == NULL || buf == NULL)
        return -1;
    const currency_info_t *c = currency_find(m->currency);
    if (c == NULL)
        return -1;

    /* The magnitude as uint64: 0 - (uint64_t)INT64_MIN is 2^63, no UB. */
    uint64_t mag = m->amount < 0 ? UINT64_C(0) - (uint64_t)m->amount : (uint64_t)m->amount;

    /* Filled from the end: at most 20 digits, '.', '-' (22 bytes). */
    char tmp[32];
    size_t pos = sizeof tmp;
    int produced = 0;
    do {
        if (produced == c->digits && c->digits > 0)
            tmp[--pos] = '.';
        tmp[--pos] = (char)('0' + (int)(mag % 10u));
        mag /= 10u;
        produced++;
    } while (mag != 0 || produced <= c->digits);
    if (m->amount < 0)
        tmp[--pos] = '-';

    size_t n = sizeof tmp - pos;
    if (n >= len)
        return -1;
    memcpy(buf, tmp + pos, n);
    buf[n] = '\0';
    return (int)n;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* *mag = *mag * 10 + digit, unless that passes limit (then false, *mag kept). */
static bool push_digit(uint64_t *mag, unsigned digit, uint64_t limit)
{
    uint64_t r;
    if (__builtin_mul_overflow(*mag, 10u, &r) || __builtin_add_overflow(r, digit, &r) ||
        r > limit)
        return false;
    *mag = r;
    return true;
}

static orders_code_t bad_amount(orders_error_t *err, const char *text, const char *problem)
{
    char shown[QUOTE_MAX];
    quote_text(shown, text, SIZE_MAX);
    return orders_error_set(err, ORDERS_E_INVALID, "amount", "amount '%s' %s", shown, problem);
}

static orders_code_t too_many_decimals(orders_error_t *err, int digits)
{
    return orders_error_set(err, ORDERS_E_INVALID, "amount", "amount has more than %d decimals",
                            digits);
}

orders_code_t orders_money_parse(const char *text, const char *currency, orders_money_t *out,
                                 orders_error_t *err)
{
    if (out == NULL)
        return null_argument(err, "out");
    const currency_info_t *c = currency_find(currency);
    if (c == NULL)
        return unknown_currency(err, currency, SIZE_MAX);
    if (text == NULL || text[0] == '\0')
        return orders_error_set(err, ORDERS_E_INVALID, "amount", "amount is empty");

    /* Grammar: '-'? digit+ ('.' digit+)?  with at most c->digits decimals. */
    const char *p = text;
    bool negative = false;
    if (*p == '-') {
        negative = true;
        p++;
    }
    if (!is_digit(*p)) {
        if (*p == '\0')
            return bad_amount(err, text, "has no digits");
        if (*p == '.')
            return bad_amount(err, text, "needs a digit before the decimal point");
        return bad_amount(err, text, "is not a decimal number");
    }

    /* |INT64_MIN| is one more than INT64_MAX. */
    const uint64_t limit = negative ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    uint64_t mag = 0;
    bool overflow = false; /* sticky; the grammar is still checked to the end */
    for (; is_digit(*p); p++) {
        if (!overflow && !push_digit(&mag, (unsigned)(*p - '0'), limit))
            overflow = true;
    }

    int decimals = 0;
    if (*p == '.') {
        p++;
        if (!is_digit(*p))
            return bad_amount(err, text, "needs a digit after the decimal point");
        for (; is_digit(*p); p++) {
            decimals++;
            if (decimals <= c->digits && !overflow &&
                !push_digit(&mag, (unsigned)(*p - '0'), limit))
                overflow = true;
        }
    }
    if (*p != '\0')
        return bad_amount(err, text, "is not a decimal number");
    if (decimals > c->digits)
        return too_many_decimals(err, c->digits);
    for (; decimals < c->digits && !overflow; decimals++) {
        if (!push_digit(&mag, 0u, limit))
            overflow = true;
    }
    if (overflow)
        return orders_error_set(err, ORDERS_E_OVERFLOW, "amount",
                                "amount does not fit in int64 minor units of %s", c->code);

    /* mag <= limit, so -(mag - 1) - 1 is exact even for INT64_MIN. */
    int64_t amount;
    if (negative && mag > 0)
        amount = -(int64_t)(mag - 1u) - 1;
    else
        amount = (int64_t)mag;

    out->amount = amount;
    memcpy(out->currency, c->code, sizeof out->currency);
    return ORDERS_OK;
}

/*
 * Every amount up to ORDERS_MONEY_MAX (below 2^52) has a unique nearest
 * double, so at most one candidate below can match; the bound is the
 * library's money range rather than 2^52 because 15 significant digits,
 * which is how the REST encoder prints, carry exactly that range.
 */
orders_code_t orders_money_from_major_double(double major, const char *currency,
                                             orders_money_t *out, orders_error_t *err)
{
    if (out == NULL)
        return null_argument(err, "out");
    const currency_info_t *c = currency_find(currency);
    if (c == NULL)
        return unknown_currency(err, currency, SIZE_MAX);
    if (isnan(major))
        return orders_error_set(err, ORDERS_E_INVALID, "amount", "amount is not a number");

    const double scale = (double)pow10_table[c->digits];
    const double scaled = major * scale;
    /* Also catches +-infinity.  MAX + 1 (10^15) is a double exactly and
     * rounding is monotonic: nothing at or beyond it slips below. */
    const double limit = (double)(ORDERS_MONEY_MAX + 1);
    if (!(scaled > -limit && scaled < limit))
        return orders_error_set(err, ORDERS_E_INVALID, "amount",
                                "amount exceeds %" PRId64 " minor units of %s", ORDERS_MONEY_MAX,
                                c->code);

    /*
     * Accept n only when n / 10^digits, correctly rounded (IEEE division
     * is), gives back major exactly: major is then what a JSON parser makes
     * of the text "n / 10^digits", and in range no other amount maps to
     * the same double.  The product rounds, so the true n may be
     * one off the truncated one; try the neighbours too.
     */
    const int64_t base = (int64_t)scaled; /* |scaled| < 2^52: exact truncation */
    const int64_t candidates[3] = {base, base - 1, base + 1};
    for (size_t i = 0; i < 3; i++) {
        double back = (double)candidates[i] / scale;
        if (back == major && in_range(candidates[i])) {
            out->amount = candidates[i];
            memcpy(out->currency, c->code, sizeof out->currency);
            return ORDERS_OK;
        }
    }
    return too_many_decimals(err, c->digits);
}
