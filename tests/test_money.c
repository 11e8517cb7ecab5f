/*
 * test_money.c - the ISO-4217 table, checked arithmetic, formatting,
 * parsing and the double edge conversion of orders/money.h.
 */
#include <criterion/criterion.h>

#include <orders/money.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------- */
static orders_money_t money(int64_t amount, const char *currency)
{
    orders_money_t m;
    orders_code_t rc = orders_money_init(&m, amount, currency, NULL);
    cr_assert_eq(rc, ORDERS_OK, "init %s", currency);
    return m;
}

/* An out value a failing call must leave exactly as it was. */
static const orders_money_t SENTINEL = {.amount = 424242, .currency = "GBP"};

static void assert_untouched(const orders_money_t *out)
{
    cr_assert_eq(out->amount, SENTINEL.amount, "out->amount was written on error");
    cr_assert_str_eq(out->currency, SENTINEL.currency, "out->currency was written on error");
}

static void assert_format(int64_t amount, const char *currency, const char *expected)
{
    orders_money_t m = money(amount, currency);
    char buf[64];
    int n = orders_money_format(&m, buf, sizeof buf);
    cr_assert_str_eq(buf, expected, "format %lld %s", (long long)amount, currency);
    cr_assert_eq(n, (int)strlen(expected), "format length for %s", expected);
}

static void assert_parse(const char *text, const char *currency, int64_t expected)
{
    orders_money_t out = SENTINEL;
    orders_error_t err;
    orders_code_t rc = orders_money_parse(text, currency, &out, &err);
    cr_assert_eq(rc, ORDERS_OK, "parse '%s' %s: %s", text, currency, err.message);
    cr_assert_eq(out.amount, expected, "parse '%s' %s gave %lld", text, currency,
                 (long long)out.amount);
    cr_assert_str_eq(out.currency, currency);
}

static void assert_parse_fails(const char *text, const char *currency, orders_code_t code)
{
    orders_money_t out = SENTINEL;
    orders_error_t err;
    orders_code_t rc = orders_money_parse(text, currency, &out, &err);
    cr_assert_eq(rc, code, "parse '%s' %s: expected %d, got %d", text ? text : "(null)",
                 currency, (int)code, (int)rc);
    cr_assert_eq(err.code, code);
    cr_assert_neq(err.message[0], '\0', "a failure needs a message");
    if (code == ORDERS_E_INVALID || code == ORDERS_E_OVERFLOW)
        cr_assert_str_eq(err.field, "amount");
    assert_untouched(&out);
}

static void assert_double(double major, const char *currency, int64_t expected)
{
    orders_money_t out = SENTINEL;
    orders_error_t err;
    orders_code_t rc = orders_money_from_major_double(major, currency, &out, &err);
    cr_assert_eq(rc, ORDERS_OK, "from_double %.17g %s: %s", major, currency, err.message);
    cr_assert_eq(out.amount, expected, "from_double %.17g %s gave %lld", major, currency,
                 (long long)out.amount);
    cr_assert_str_eq(out.currency, currency);
}

static void assert_double_fails(double major, const char *currency, const char *message)
{
    orders_money_t out = SENTINEL;
    orders_error_t err;
    orders_code_t rc = orders_money_from_major_double(major, currency, &out, &err);
    cr_assert_eq(rc, ORDERS_E_INVALID, "from_double %.17g %s should fail", major, currency);
    cr_assert_str_eq(err.field, "amount");
    if (message != NULL)
        cr_assert_str_eq(err.message, message);
    assert_untouched(&out);
}

/* ---- the currency table ----------------------------------------------- */
Test(currency, digits_samples)
{
    const struct { const char *code; int digits; } samples[] = {
        {"USD", 2}, {"EUR", 2}, {"GBP", 2}, {"JPY", 0}, {"KRW", 0}, {"ISK", 0}, {"KWD", 3},
        {"BHD", 3}, {"JOD", 3}, {"OMR", 3}, {"TND", 3}, {"CLF", 4}, {"UYW", 4},
        {"AED", 2}, {"ZWG", 2}, /* first and last in the table */
    };
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        cr_assert_eq(orders_currency_digits(samples[i].code), samples[i].digits, "%s",
                     samples[i].code);
}

/* Every code of ISO 4217 list one that has minor digits, in order; this
 * also proves the table is sorted, or the binary search would miss some. */
static const char ALL_CODES[] =
    "AED2 AFN2 ALL2 AMD2 AOA2 ARS2 AUD2 AWG2 AZN2 BAM2 BBD2 BDT2 BHD3 BIF0 BMD2 BND2 BOB2 BOV2 "
    "BRL2 BSD2 BTN2 BWP2 BYN2 BZD2 CAD2 CDF2 CHE2 CHF2 CHW2 CLF4 CLP0 CNY2 COP2 COU2 CRC2 CUP2 "
    "CVE2 CZK2 DJF0 DKK2 DOP2 DZD2 EGP2 ERN2 ETB2 EUR2 FJD2 FKP2 GBP2 GEL2 GHS2 GIP2 GMD2 GNF0 "
    "GTQ2 GYD2 HKD2 HNL2 HTG2 HUF2 IDR2 ILS2 INR2 IQD3 IRR2 ISK0 JMD2 JOD3 JPY0 KES2 KGS2 KHR2 "
    "KMF0 KPW2 KRW0 KWD3 KYD2 KZT2 LAK2 LBP2 LKR2 LRD2 LSL2 LYD3 MAD2 MDL2 MGA2 MKD2 MMK2 MNT2 "
    "MOP2 MRU2 MUR2 MVR2 MWK2 MXN2 MXV2 MYR2 MZN2 NAD2 NGN2 NIO2 NOK2 NPR2 NZD2 OMR3 PAB2 PEN2 "
    "PGK2 PHP2 PKR2 PLN2 PYG0 QAR2 RON2 RSD2 RUB2 RWF0 SAR2 SBD2 SCR2 SDG2 SEK2 SGD2 SHP2 SLE2 "
    "SOS2 SRD2 SSP2 STN2 SVC2 SYP2 SZL2 THB2 TJS2 TMT2 TND3 TOP2 TRY2 TTD2 TWD2 TZS2 UAH2 UGX0 "
    "USD2 USN2 UYI0 UYU2 UYW4 UZS2 VED2 VES2 VND0 VUV0 WST2 XAD2 XAF0 XCD2 XCG2 XOF0 XPF0 YER2 "
    "ZAR2 ZMW2 ZWG2 ";

Test(currency, whole_table)
{
    size_t count = 0;
    for (const char *p = ALL_CODES; *p != '\0'; p += 5) {
        char code[4] = {p[0], p[1], p[2], '\0'};
        int digits = p[3] - '0';
        cr_assert_eq(orders_currency_digits(code), digits, "digits of %s", code);
        cr_assert(orders_currency_valid(code), "%s should be valid", code);
        count++;
    }
    cr_assert_geq(count, 150);
}

Test(currency, unknown_codes)
{
    const char *bad[] = {"XXX", "XTS", "XAU", "XDR", "usd", "Usd", "US",  "USDD",
                         "",    "U$D", "US ", " US", "ZZZ", "AAA", "ZZ",  "\xff\xff\xff"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(orders_currency_digits(bad[i]), -1, "'%s' should be unknown", bad[i]);
        cr_assert_not(orders_currency_valid(bad[i]), "'%s' should be invalid", bad[i]);
    }
    cr_assert_eq(orders_currency_digits(NULL), -1);
    cr_assert_not(orders_currency_valid(NULL));
}

Test(currency, init)
{
    orders_money_t m = SENTINEL;
    orders_error_t err;
    cr_assert_eq(orders_money_init(&m, -250, "KWD", &err), ORDERS_OK);
    cr_assert_eq(m.amount, -250);
    cr_assert_str_eq(m.currency, "KWD");

    m = SENTINEL;
    cr_assert_eq(orders_money_init(&m, 1, "XXX", &err), ORDERS_E_CURRENCY);
    cr_assert_eq(err.code, ORDERS_E_CURRENCY);
    cr_assert_str_eq(err.field, "currency");
    cr_assert_str_eq(err.message, "unknown currency 'XXX'");
    assert_untouched(&m);

    cr_assert_eq(orders_money_init(&m, 1, NULL, &err), ORDERS_E_CURRENCY);
    assert_untouched(&m);
    cr_assert_eq(orders_money_init(NULL, 1, "USD", &err), ORDERS_E_INVALID);
    cr_assert_eq(orders_money_init(&m, 1, "EURO", NULL), ORDERS_E_CURRENCY);
}

Test(currency, unknown_code_is_quoted_safely)
{
    orders_money_t m = SENTINEL;
    orders_error_t err;
    cr_assert_eq(orders_money_init(&m, 1, "U\n\x01\xc3\xa9", &err), ORDERS_E_CURRENCY);
    cr_assert_str_eq(err.message, "unknown currency 'U???\?'");

    char longcode[200];
    memset(longcode, 'Q', sizeof longcode - 1);
    longcode[sizeof longcode - 1] = '\0';
    cr_assert_eq(orders_money_init(&m, 1, longcode, &err), ORDERS_E_CURRENCY);
    cr_assert_lt(strlen(err.message), 64, "echo of caller text is bounded");
    cr_assert_not_null(strstr(err.message, "...'"));

    /* A money value whose currency array holds no NUL at all. */
    orders_money_t junk = {.amount = 1};
    memcpy(junk.currency, "ABCD", 4);
    orders_money_t out = SENTINEL;
    cr_assert_eq(orders_money_add(&junk, &junk, &out, &err), ORDERS_E_CURRENCY);
    cr_assert_str_eq(err.message, "unknown currency 'ABCD'");
    char buf[32];
    cr_assert_eq(orders_money_format(&junk, buf, sizeof buf), -1);
    assert_untouched(&out);
}

/* ---- arithmetic -------------------------------------------------------- */
Test(arith, add_sub_mul_alias)
{
    orders_money_t a = money(1999, "USD");
    orders_money_t b = money(-500, "USD");
    orders_money_t out = SENTINEL;

    cr_assert_eq(orders_money_add(&a, &b, &out, NULL), ORDERS_OK);
    cr_assert_eq(out.amount, 1499);
    cr_assert_str_eq(out.currency, "USD");
    cr_assert_eq(orders_money_sub(&a, &b, &out, NULL), ORDERS_OK);
    cr_assert_eq(out.amount, 2499);
    cr_assert_eq(orders_money_mul(&a, 3, &out, NULL), ORDERS_OK);
    cr_assert_eq(out.amount, 5997);
    cr_assert_eq(orders_money_mul(&a, -2, &out, NULL), ORDERS_OK);
    cr_assert_eq(out.amount, -3998);
    cr_assert_eq(orders_money_mul(&a, 0, &out, NULL), ORDERS_OK);
    cr_assert_eq(out.amount, 0);

    /* out may alias a or b. */
    a = money(100, "EUR");
    b = money(7, "EUR");
    cr_assert_eq(orders_money_add(&a, &a, &a, NULL), ORDERS_OK);
    cr_assert_eq(a.amount, 200);
    cr_assert_eq(orders_money_sub(&a, &b, &b, NULL), ORDERS_OK);
    cr_assert_eq(b.amount, 193);
    cr_assert_eq(orders_money_mul(&b, 2, &b, NULL), ORDERS_OK);
    cr_assert_eq(b.amount, 386);
}

Test(arith, add_limits)
{
    orders_money_t max = money(ORDERS_MONEY_MAX, "JPY");
    orders_money_t min = money(-ORDERS_MONEY_MAX, "JPY");
    orders_money_t huge = money(INT64_MAX, "JPY");
    orders_money_t one = money(1, "JPY");
    orders_money_t minus_one = money(-1, "JPY");
    orders_money_t out = SENTINEL;
    orders_error_t err;

    cr_assert_eq(orders_money_add(&max, &one, &out, &err), ORDERS_E_OVERFLOW);
    cr_assert_eq(err.code, ORDERS_E_OVERFLOW);
    cr_assert_str_eq(err.message,
                     "amount overflow: 999999999999999 + 1 JPY exceeds 999999999999999 minor units");
    assert_untouched(&out);
    cr_assert_eq(orders_money_add(&min, &minus_one, &out, &err), ORDERS_E_OVERFLOW);
    cr_assert_eq(orders_money_add(&max, &max, &out, &err), ORDERS_E_OVERFLOW);
    cr_assert_eq(orders_money_add(&min, &min, &out, &err), ORDERS_E_OVERFLOW);
    cr_assert_eq(orders_money_add(&huge, &one, &out, &err), ORDERS_E_OVERFLOW); /* int64 too */
    cr_assert_eq(orders_money_add(&huge, &minus_one, &out, &err), ORDERS_E_OVERFLOW);
    assert_untouched(&out);

    cr_assert_eq(orders_money_add(&max, &minus_one, &out, &err), ORDERS_OK);
    cr_assert_eq(out.amount, ORDERS_MONEY_MAX - 1);
    cr_assert_eq(orders_money_add(&max, &min, &out, &err), ORDERS_OK);
    cr_assert_eq(out.amount, 0);
    orders_money_t almost = money(ORDERS_MONEY_MAX - 1, "JPY");
    cr_assert_eq(orders_money_add(&almost, &one, &out, &err), ORDERS_OK);
    cr_assert_eq(out.amount, ORDERS_MONEY_MAX);
    orders_money_t low = money(-ORDERS_MONEY_MAX + 1, "JPY");
    cr_assert_eq(orders_money_add(&low, &minus_one, &out, &err), ORDERS_OK);
    cr_assert_eq(out.amount, -ORDERS_MONEY_MAX);
}

Test(arith, sub_limits)
{
    orders_money_t max = money(ORDERS_MONEY_MAX, "USD");
    orders_money_t min = money(-ORDERS_MONEY_MAX, "USD");
    orders_money_t zero = money(0, "USD");
    orders_money_t one = money(1, "USD");
    orders_money_t minus_one = money(-1, "USD");
    orders_money_t int_min = money(INT64_MIN, "USD");
    orders_money_t out = SENTINEL;
    orders_error_t err;

    cr_assert_eq(orders_money_sub(&min, &one, &out, &err), ORDERS_E_OVERFLOW);
    cr_assert_eq(orders_money_sub(&max, &minus_one, &out, &err), ORDERS_E_OVERFLOW);
    cr_assert_eq(orders_money_sub(&max, &min, &out, &err), ORDERS_E_OVERFLOW);
    cr_assert_eq(orders_money_sub(&zero, &int_min, &out, &err), ORDERS_E_OVERFLOW); /* int64 */
    assert_untouched(&out);

    cr_assert_eq(orders_money_sub(&zero, &min, &out, &err), ORDERS_OK);
    cr_assert_eq(out.amount, ORDERS_MONEY_MAX);
    cr_assert_eq(orders_money_sub(&zero, &max, &out, &err), ORDERS_OK);
    cr_assert_eq(out.amount, -ORDERS_MONEY_MAX);
    cr_assert_eq(orders_money_sub(&max, &max, &out, &err), ORDERS_OK);
    cr_assert_eq(out.amount, 0);
}

Test(arith, mul_limits)
{
    orders_money_t max = money(ORDERS_MONEY_MAX, "KWD");
    orders_money_t min = money(-ORDERS_MONEY_MAX, "KWD");
    orders_money_t half = money(ORDERS_MONEY_MAX / 2 + 1, "KWD");
    orders_money_t huge = money(INT64_MAX, "KWD");
    orders_money_t out = SENTINEL;
    orders_error_t err;

    cr_assert_eq(orders_money_mul(&max, 2, &out, &err), ORDERS_E_OVERFLOW);
    cr_assert_eq(err.code, ORDERS_E_OVERFLOW);
    cr_assert_str_eq(err.message, "amount overflow: 999999999999999 KWD * 2 exceeds "
                                  "999999999999999 minor units");
    cr_assert_eq(orders_money_mul(&half, 2, &out, &err), ORDERS_E_OVERFLOW);
    cr_assert_eq(orders_money_mul(&min, 2, &out, &err), ORDERS_E_OVERFLOW);
    cr_assert_eq(orders_money_mul(&huge, 1, &out, &err), ORDERS_E_OVERFLOW);
    cr_assert_eq(orders_money_mul(&huge, INT64_MIN, &out, &err), ORDERS_E_OVERFLOW); /* int64 */
    assert_untouched(&out);

    cr_assert_eq(orders_money_mul(&min, 1, &out, &err), ORDERS_OK);
    cr_assert_eq(out.amount, -ORDERS_MONEY_MAX);
    cr_assert_eq(orders_money_mul(&max, -1, &out, &err), ORDERS_OK);
    cr_assert_eq(out.amount, -ORDERS_MONEY_MAX);
    orders_money_t m = money(-1, "KWD");
    cr_assert_eq(orders_money_mul(&m, -ORDERS_MONEY_MAX, &out, &err), ORDERS_OK);
    cr_assert_eq(out.amount, ORDERS_MONEY_MAX);
    orders_money_t cent = money(3, "KWD");
    cr_assert_eq(orders_money_mul(&cent, 333333333333333, &out, &err), ORDERS_OK);
    cr_assert_eq(out.amount, ORDERS_MONEY_MAX);
    cr_assert_eq(orders_money_mul(&cent, 333333333333334, &out, &err), ORDERS_E_OVERFLOW);
}

Test(arith, currency_mismatch)
{
    orders_money_t usd = money(100, "USD");
    orders_money_t eur = money(100, "EUR");
    orders_money_t out = SENTINEL;
    orders_error_t err;

    cr_assert_eq(orders_money_add(&usd, &eur, &out, &err), ORDERS_E_CURRENCY);
    cr_assert_eq(err.code, ORDERS_E_CURRENCY);
    cr_assert_str_eq(err.message, "currency mismatch: USD vs EUR");
    cr_assert_str_eq(err.field, "currency");
    assert_untouched(&out);

    cr_assert_eq(orders_money_sub(&eur, &usd, &out, &err), ORDERS_E_CURRENCY);
    cr_assert_str_eq(err.message, "currency mismatch: EUR vs USD");
    assert_untouched(&out);

    /* Mismatch wins over overflow: it is the first thing wrong. */
    orders_money_t big_usd = money(INT64_MAX, "USD");
    orders_money_t big_eur = money(INT64_MAX, "EUR");
    cr_assert_eq(orders_money_add(&big_usd, &big_eur, &out, NULL), ORDERS_E_CURRENCY);
    assert_untouched(&out);
}

Test(arith, bad_arguments)
{
    orders_money_t usd = money(100, "USD");
    orders_money_t out = SENTINEL;
    orders_error_t err;

    cr_assert_eq(orders_money_add(NULL, &usd, &out, &err), ORDERS_E_INVALID);
    cr_assert_eq(orders_money_add(&usd, NULL, &out, &err), ORDERS_E_INVALID);
    cr_assert_eq(orders_money_add(&usd, &usd, NULL, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.field, "out");
    cr_assert_eq(orders_money_mul(NULL, 2, &out, &err), ORDERS_E_INVALID);
    cr_assert_eq(orders_money_mul(&usd, 2, NULL, NULL), ORDERS_E_INVALID);

    orders_money_t bogus = {.amount = 1, .currency = "xyz"};
    cr_assert_eq(orders_money_mul(&bogus, 2, &out, &err), ORDERS_E_CURRENCY);
    cr_assert_str_eq(err.message, "unknown currency 'xyz'");
    cr_assert_eq(orders_money_sub(&usd, &bogus, &out, NULL), ORDERS_E_CURRENCY);
    assert_untouched(&out);
}

Test(arith, i64_helpers)
{
    int64_t r = 77;
    cr_assert(orders_i64_add(INT64_MAX - 5, 5, &r));
    cr_assert_eq(r, INT64_MAX);
    r = 77;
    cr_assert_not(orders_i64_add(INT64_MAX, 1, &r));
    cr_assert_not(orders_i64_add(INT64_MIN, -1, &r));
    cr_assert_eq(r, 77, "untouched on overflow");
    cr_assert(orders_i64_mul(-3037000499, 3037000499, &r));
    cr_assert_eq(r, -INT64_C(9223372030926249001));
    r = 77;
    cr_assert_not(orders_i64_mul(3037000500, 3037000500, &r));
    cr_assert_not(orders_i64_mul(INT64_MIN, -1, &r));
    cr_assert_eq(r, 77, "untouched on overflow");
}

/* ---- formatting -------------------------------------------------------- */
Test(format, zero_and_samples)
{
    assert_format(0, "USD", "0.00");
    assert_format(0, "JPY", "0");
    assert_format(0, "KWD", "0.000");
    assert_format(0, "CLF", "0.0000");
    assert_format(19998, "USD", "199.98");
    assert_format(-5, "USD", "-0.05");
    assert_format(-1, "USD", "-0.01");
    assert_format(100, "USD", "1.00");
    assert_format(-100, "EUR", "-1.00");
    assert_format(1000000, "EUR", "10000.00");
    assert_format(500, "JPY", "500");
    assert_format(-500, "JPY", "-500");
    assert_format(1250, "KWD", "1.250");
    assert_format(-7, "KWD", "-0.007");
    assert_format(1, "UYW", "0.0001");
}

Test(format, int64_limits)
{
    assert_format(INT64_MAX, "USD", "92233720368547758.07");
    assert_format(INT64_MIN, "USD", "-92233720368547758.08");
    assert_format(INT64_MAX, "JPY", "9223372036854775807");
    assert_format(INT64_MIN, "JPY", "-9223372036854775808");
    assert_format(INT64_MAX, "KWD", "9223372036854775.807");
    assert_format(INT64_MIN, "KWD", "-9223372036854775.808");
    assert_format(INT64_MIN, "CLF", "-922337203685477.5808");
    assert_format(INT64_MIN + 1, "USD", "-92233720368547758.07");
}

Test(format, buffer_too_small)
{
    orders_money_t m = money(INT64_MIN, "USD"); /* "-92233720368547758.08", 21 chars */
    char buf[32];

    cr_assert_eq(orders_money_format(&m, buf, 22), 21);
    cr_assert_str_eq(buf, "-92233720368547758.08");
    memset(buf, 'x', sizeof buf);
    cr_assert_eq(orders_money_format(&m, buf, 21), -1);
    cr_assert_eq(buf[0], '\0', "buf is emptied on failure");
    cr_assert_eq(buf[21], 'x', "nothing written past len");
    cr_assert_eq(orders_money_format(&m, buf, 0), -1);

    orders_money_t cents = money(5, "USD");
    cr_assert_eq(orders_money_format(&cents, buf, 5), 4);
    cr_assert_str_eq(buf, "0.05");
    cr_assert_eq(orders_money_format(&cents, buf, 4), -1);
    cr_assert_eq(orders_money_format(&cents, NULL, 10), -1);
    cr_assert_eq(orders_money_format(NULL, buf, sizeof buf), -1);
}

/* ---- parsing ----------------------------------------------------------- */
Test(parse, accepts)
{
    assert_parse("19.99", "USD", 1999);
    assert_parse("-3", "USD", -300);
    assert_parse("0.5", "USD", 50);
    assert_parse("0", "USD", 0);
    assert_parse("-0", "USD", 0);
    assert_parse("-0.00", "USD", 0);
    assert_parse("007.10", "USD", 710);
    assert_parse("500", "JPY", 500);
    assert_parse("1.25", "KWD", 1250);
    assert_parse("1.250", "KWD", 1250);
    assert_parse("-0.001", "KWD", -1);
    assert_parse("0.0001", "CLF", 1);
    assert_parse("92233720368547758.07", "USD", INT64_MAX);
    assert_parse("-92233720368547758.08", "USD", INT64_MIN);
    assert_parse("-9223372036854775808", "JPY", INT64_MIN);
    assert_parse("92233720368547758", "USD", INT64_C(9223372036854775800));
    assert_parse("0000000000000000000000000000001", "JPY", 1);
}

Test(parse, rejects_bad_input)
{
    const char *bad[] = {"",    "-",   ".5",  "-.5",  "5.",   "-5.",  "+1",  "1e3",
                         " 1",  "1 ",  "1,00", "--1", "1.2.3", "0x10", "1.-5", "- 1",
                         "1-",  "abc", ".",   "1.5e2", "\t1",  "1_000", "Infinity", "NaN"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_parse_fails(bad[i], "USD", ORDERS_E_INVALID);
    assert_parse_fails(NULL, "USD", ORDERS_E_INVALID);
    assert_parse_fails("1.00", "XXX", ORDERS_E_CURRENCY);
    assert_parse_fails("1.00", NULL, ORDERS_E_CURRENCY);
    cr_assert_eq(orders_money_parse("1.00", "USD", NULL, NULL), ORDERS_E_INVALID);

    assert_parse_fails("1.005", "USD", ORDERS_E_INVALID); /* more decimals than USD has */
    assert_parse_fails("1.000", "USD", ORDERS_E_INVALID);
    assert_parse_fails("5.0", "JPY", ORDERS_E_INVALID);
    assert_parse_fails("1.2345", "KWD", ORDERS_E_INVALID);
    assert_parse_fails("0.00001", "CLF", ORDERS_E_INVALID);
}

Test(parse, messages_name_the_problem)
{
    orders_money_t out = SENTINEL;
    orders_error_t err;

    cr_assert_eq(orders_money_parse("", "USD", &out, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.message, "amount is empty");
    cr_assert_eq(orders_money_parse(".5", "USD", &out, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.message, "amount '.5' needs a digit before the decimal point");
    cr_assert_eq(orders_money_parse("5.", "USD", &out, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.message, "amount '5.' needs a digit after the decimal point");
    cr_assert_eq(orders_money_parse("1e3", "USD", &out, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.message, "amount '1e3' is not a decimal number");
    cr_assert_eq(orders_money_parse("1.005", "USD", &out, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.message, "amount has more than 2 decimals");
    cr_assert_eq(orders_money_parse("1\n\x7f", "USD", &out, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.message, "amount '1?\?' is not a decimal number");
    assert_untouched(&out);
}

Test(parse, overflow)
{
    assert_parse_fails("92233720368547758.08", "USD", ORDERS_E_OVERFLOW);
    assert_parse_fails("-92233720368547758.09", "USD", ORDERS_E_OVERFLOW);
    assert_parse_fails("9223372036854775808", "JPY", ORDERS_E_OVERFLOW);
    assert_parse_fails("-9223372036854775809", "JPY", ORDERS_E_OVERFLOW);
    assert_parse_fails("92233720368547759", "USD", ORDERS_E_OVERFLOW); /* the scaling overflows */
    assert_parse_fails("99999999999999999999999999999999", "USD", ORDERS_E_OVERFLOW);
    assert_parse_fails("18446744073709551616", "JPY", ORDERS_E_OVERFLOW); /* 2^64 */
    /* Bad grammar is reported even when the digits also overflow. */
    assert_parse_fails("99999999999999999999999999x", "USD", ORDERS_E_INVALID);
    assert_parse_fails("99999999999999999999999999.999", "USD", ORDERS_E_INVALID);
}

/* Values around every power of ten and the int64 limits, plus a
 * deterministic pseudo-random spread over all magnitudes. */
static size_t roundtrip_values(int64_t *v, size_t cap)
{
    size_t n = 0;
    const int64_t fixed[] = {0, 1, -1, 2, -2, 9, -9, INT64_MAX, INT64_MAX - 1, INT64_MIN,
                             INT64_MIN + 1, INT64_MAX / 10, INT64_MIN / 10, INT64_MAX / 100};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        v[n++] = fixed[i];
    for (int64_t p = 10;; p *= 10) { /* up to 10^18 */
        const int64_t near[] = {p - 1, p, p + 1, -(p - 1), -p, -(p + 1)};
        for (size_t i = 0; i < 6; i++)
            v[n++] = near[i];
        if (p > INT64_MAX / 10)
            break;
    }
    uint64_t x = 0x9E3779B97F4A7C15u;
    while (n < cap) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        unsigned shift = (unsigned)(x % 64u); /* vary the magnitude */
        v[n++] = (int64_t)(x >> shift);
        if (n < cap)
            v[n++] = -(int64_t)(x >> (shift | 1u));
    }
    return n;
}

Test(parse, roundtrips_formatted_values)
{
    static int64_t values[4000];
    size_t count = roundtrip_values(values, sizeof values / sizeof values[0]);
    const char *currencies[] = {"USD", "JPY", "KWD", "CLF"};

    for (size_t c = 0; c < 4; c++) {
        for (size_t i = 0; i < count; i++) {
            orders_money_t m = money(values[i], currencies[c]);
            char buf[32];
            int len = orders_money_format(&m, buf, sizeof buf);
            cr_assert_gt(len, 0);
            cr_assert_lt(len, 22, "22 bytes suffice (header promise)");
            orders_money_t back = SENTINEL;
            orders_error_t err;
            cr_assert_eq(orders_money_parse(buf, currencies[c], &back, &err), ORDERS_OK,
                         "parse '%s' %s: %s", buf, currencies[c], err.message);
            cr_assert_eq(back.amount, values[i], "'%s' %s", buf, currencies[c]);
        }
    }
}

/* ---- from_major_double ------------------------------------------------- */
Test(from_double, exact_values)
{
    assert_double(19.99, "USD", 1999);
    assert_double(199.98, "USD", 19998);
    assert_double(0.01, "USD", 1);
    assert_double(-0.05, "USD", -5);
    assert_double(0.3, "USD", 30);
    assert_double(0.1, "USD", 10);
    assert_double(100.0, "USD", 10000);
    assert_double(0.0, "USD", 0);
    assert_double(-0.0, "USD", 0);
    assert_double(0.5 + 0.25, "USD", 75); /* exact binary arithmetic is fine */
    assert_double(500.0, "JPY", 500);
    assert_double(1.25, "KWD", 1250);
    assert_double(0.001, "KWD", 1);
    assert_double(0.0001, "CLF", 1);
    assert_double(9999999999999.99, "USD", ORDERS_MONEY_MAX);
    assert_double(-9999999999999.99, "USD", -ORDERS_MONEY_MAX);
    assert_double(999999999999999.0, "JPY", ORDERS_MONEY_MAX);
    assert_double(999999999999.999, "KWD", ORDERS_MONEY_MAX);
}

/* What a JSON parser hands over for every decimal text with 2 decimals. */
Test(from_double, every_cent_text_converts_back)
{
    for (int64_t cents = -300000; cents <= 300000; cents += 7) {
        orders_money_t m = money(cents, "USD");
        char buf[32];
        cr_assert_gt(orders_money_format(&m, buf, sizeof buf), 0);
        assert_double(strtod(buf, NULL), "USD", cents);
    }
    for (int64_t big = ORDERS_MONEY_MAX; big > 0; big /= 3) {
        orders_money_t m = money(big, "USD");
        char buf[32];
        cr_assert_gt(orders_money_format(&m, buf, sizeof buf), 0);
        assert_double(strtod(buf, NULL), "USD", big);
        assert_double(-strtod(buf, NULL), "USD", -big);
    }
}

/* The range's reason: every amount in it, printed as the REST encoder
 * prints a JSON number (15 significant digits of the double nearest its
 * decimal text), reads back as the same amount. */
Test(from_double, fifteen_digit_print_round_trips_the_range)
{
    const char *currencies[] = {"USD", "JPY", "KWD", "CLF"};
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (size_t c = 0; c < 4; c++) {
        for (int i = 0; i < 20000; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int64_t n = i < 50 ? ORDERS_MONEY_MAX - i : (int64_t)(x % (uint64_t)ORDERS_MONEY_MAX);
            if (i % 2)
                n = -n;
            orders_money_t m = money(n, currencies[c]);
            char exact[32], printed[40];
            cr_assert_gt(orders_money_format(&m, exact, sizeof exact), 0);
            snprintf(printed, sizeof printed, "%.15g", strtod(exact, NULL));
            assert_double(strtod(printed, NULL), currencies[c], n);
        }
    }
}

Test(from_double, rejects_extra_decimals)
{
    assert_double_fails(1.005, "USD", "amount has more than 2 decimals");
    assert_double_fails(0.1 + 0.2, "USD", "amount has more than 2 decimals");
    assert_double_fails(19.999, "USD", NULL);
    assert_double_fails(19.990000001, "USD", NULL);
    assert_double_fails(1e-300, "USD", NULL);
    assert_double_fails(0.5, "JPY", "amount has more than 0 decimals");
    assert_double_fails(1.2345, "KWD", "amount has more than 3 decimals");
}

Test(from_double, rejects_non_finite_large_and_bad_args)
{
    assert_double_fails(NAN, "USD", NULL);
    assert_double_fails(INFINITY, "USD", NULL);
    assert_double_fails(-INFINITY, "USD", NULL);
    assert_double_fails(1e13, "USD", "amount exceeds 999999999999999 minor units of USD");
    assert_double_fails(-1e13, "USD", NULL);
    assert_double_fails(1e15, "JPY", "amount exceeds 999999999999999 minor units of JPY");
    assert_double_fails(1e12, "KWD", NULL);
    /* in the double-exact range (below 2^52) but 16 digits: a 15-digit
     * print would move it by a cent (found by fuzz_request_json) */
    assert_double_fails(-22933720368080.07, "USD", NULL);
    assert_double_fails(45035996273704.95, "USD", NULL); /* 2^52 - 1 cents */
    assert_double_fails(45035996273704.96, "USD", NULL); /* exactly 2^52 cents */
    assert_double_fails(70368744177664.01, "USD", NULL); /* would be read as .02 */
    assert_double_fails(1e300, "USD", NULL);
    assert_double_fails(4503599627370496.0, "JPY", NULL);
    assert_double_fails(9.3e18, "JPY", NULL); /* beyond int64 */

    orders_money_t out = SENTINEL;
    orders_error_t err;
    cr_assert_eq(orders_money_from_major_double(1.0, "XXX", &out, &err), ORDERS_E_CURRENCY);
    cr_assert_str_eq(err.message, "unknown currency 'XXX'");
    assert_untouched(&out);
    cr_assert_eq(orders_money_from_major_double(1.0, "USD", NULL, &err), ORDERS_E_INVALID);
}
