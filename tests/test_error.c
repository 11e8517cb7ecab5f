/*
 * test_error.c - orders_strerror, orders_error_set and orders_error_clear.
 */
#include <criterion/criterion.h>

#include <orders/error.h>

#include <stdbool.h>
#include <string.h>

#define LAST_CODE ORDERS_E_UNAUTHORIZED

/* A fully dirty error, so every test sees what the callee really wrote. */
static void dirty(orders_error_t *err)
{
    memset(err, 'x', sizeof *err);
    err->code = ORDERS_E_BACKEND;
}

/* True when s is well-formed UTF-8 (no truncated sequences). */
static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p != '\0') {
        size_t need = *p < 0x80u ? 0 : (*p & 0xE0u) == 0xC0u ? 1 : (*p & 0xF0u) == 0xE0u ? 2 : 3;
        p++;
        for (size_t i = 0; i < need; i++, p++) {
            if ((*p & 0xC0u) != 0x80u)
                return false;
        }
    }
    return true;
}

Test(strerror, names)
{
    cr_assert_str_eq(orders_strerror(ORDERS_OK), "ok");
    cr_assert_str_eq(orders_strerror(ORDERS_E_INVALID), "invalid argument");
    cr_assert_str_eq(orders_strerror(ORDERS_E_NOT_FOUND), "not found");
    cr_assert_str_eq(orders_strerror(ORDERS_E_OUT_OF_STOCK), "out of stock");
    cr_assert_str_eq(orders_strerror(ORDERS_E_DECLINED), "payment declined");
    cr_assert_str_eq(orders_strerror(ORDERS_E_NOMEM), "out of memory");
}

Test(strerror, every_code_has_its_own_name)
{
    for (int i = ORDERS_OK; i <= (int)LAST_CODE; i++) {
        const char *name = orders_strerror((orders_code_t)i);
        cr_assert_not_null(name);
        cr_assert_neq(name[0], '\0', "code %d has an empty name", i);
        cr_assert_str_neq(name, "unknown error", "code %d has no name", i);
        for (int j = ORDERS_OK; j < i; j++)
            cr_assert_str_neq(name, orders_strerror((orders_code_t)j), "codes %d and %d", j, i);
    }
}

Test(strerror, unknown_codes)
{
    cr_assert_str_eq(orders_strerror((orders_code_t)((int)LAST_CODE + 1)), "unknown error");
    cr_assert_str_eq(orders_strerror((orders_code_t)999), "unknown error");
    cr_assert_str_eq(orders_strerror((orders_code_t)-1), "unknown error");
}

Test(error_set, fills_everything)
{
    orders_error_t err;
    dirty(&err);
    orders_code_t rc = orders_error_set(&err, ORDERS_E_LIMIT, "quantity",
                                        "quantity %d exceeds the limit of %d", 120, 99);
    cr_assert_eq(rc, ORDERS_E_LIMIT, "returns the code it was given");
    cr_assert_eq(err.code, ORDERS_E_LIMIT);
    cr_assert_str_eq(err.field, "quantity");
    cr_assert_str_eq(err.message, "quantity 120 exceeds the limit of 99");
}

Test(error_set, null_field_and_null_err)
{
    orders_error_t err;
    dirty(&err);
    cr_assert_eq(orders_error_set(&err, ORDERS_E_NOT_FOUND, NULL, "no order %s", "o-1"),
                 ORDERS_E_NOT_FOUND);
    cr_assert_str_eq(err.field, "");
    cr_assert_str_eq(err.message, "no order o-1");

    cr_assert_eq(orders_error_set(NULL, ORDERS_E_CONFLICT, "state", "x"), ORDERS_E_CONFLICT);
    cr_assert_eq(orders_error_set(NULL, ORDERS_OK, NULL, "%s", "fine"), ORDERS_OK);
}

Test(error_set, null_format_uses_the_code_name)
{
    orders_error_t err;
    dirty(&err);
    /* Called through a plain pointer: the format attribute would (rightly)
     * reject a NULL format at compile time. */
    orders_code_t (*set)(orders_error_t *, orders_code_t, const char *, const char *, ...) =
        orders_error_set;
    cr_assert_eq(set(&err, ORDERS_E_EXPIRED, "reservation", NULL), ORDERS_E_EXPIRED);
    cr_assert_str_eq(err.message, orders_strerror(ORDERS_E_EXPIRED));
    cr_assert_str_eq(err.field, "reservation");
}

Test(error_set, long_message_is_truncated)
{
    char big[1000];
    memset(big, 'm', sizeof big - 1);
    big[sizeof big - 1] = '\0';

    orders_error_t err;
    dirty(&err);
    orders_error_set(&err, ORDERS_E_BACKEND, NULL, "disk: %s", big);
    cr_assert_eq(strlen(err.message), ORDERS_ERROR_MESSAGE_MAX - 1);
    cr_assert_eq(strncmp(err.message, "disk: mmm", 9), 0);
    cr_assert_eq(err.code, ORDERS_E_BACKEND);

    /* One character shorter than the buffer fits exactly. */
    big[ORDERS_ERROR_MESSAGE_MAX - 1] = '\0';
    orders_error_set(&err, ORDERS_E_BACKEND, NULL, "%s", big);
    cr_assert_str_eq(err.message, big);
}

Test(error_set, long_field_is_truncated)
{
    char field[300];
    memset(field, 'f', sizeof field - 1);
    field[sizeof field - 1] = '\0';

    orders_error_t err;
    dirty(&err);
    orders_error_set(&err, ORDERS_E_INVALID, field, "bad");
    cr_assert_eq(strlen(err.field), ORDERS_ERROR_FIELD_MAX - 1);
    cr_assert_eq(err.field[0], 'f');
    cr_assert_str_eq(err.message, "bad");
}

Test(error_set, truncation_keeps_utf8_whole)
{
    /* "é" is two bytes; 255 bytes of them would end in half a character. */
    char text[601];
    for (size_t i = 0; i < 600; i += 2) {
        text[i] = (char)0xC3;
        text[i + 1] = (char)0xA9;
    }
    text[600] = '\0';

    orders_error_t err;
    dirty(&err);
    orders_error_set(&err, ORDERS_E_INVALID, text, "%s", text);
    cr_assert(valid_utf8(err.message), "message cut inside a character");
    cr_assert_eq(strlen(err.message), ORDERS_ERROR_MESSAGE_MAX - 2);
    cr_assert(valid_utf8(err.field), "field cut inside a character");
    cr_assert_eq(strlen(err.field), ORDERS_ERROR_FIELD_MAX - 2); /* 31 whole characters */

    /* Three-byte "€": 255 = 85 * 3 fits whole, one more byte of prefix does not. */
    char euros[301];
    for (size_t i = 0; i < 300; i += 3) {
        euros[i] = (char)0xE2;
        euros[i + 1] = (char)0x82;
        euros[i + 2] = (char)0xAC;
    }
    euros[300] = '\0';
    orders_error_set(&err, ORDERS_E_INVALID, NULL, "%s", euros);
    cr_assert_eq(strlen(err.message), 255);
    cr_assert(valid_utf8(err.message));
    orders_error_set(&err, ORDERS_E_INVALID, NULL, "a%s", euros);
    cr_assert_eq(strlen(err.message), 253);
    cr_assert(valid_utf8(err.message));
}

Test(error_set, arguments_may_point_into_err)
{
    orders_error_t err;
    dirty(&err);
    orders_error_set(&err, ORDERS_E_UNAVAILABLE, "gateway", "timed out after %d ms", 500);
    orders_error_set(&err, err.code, err.field, "payment: %s", err.message);
    cr_assert_str_eq(err.message, "payment: timed out after 500 ms");
    cr_assert_str_eq(err.field, "gateway");
    cr_assert_eq(err.code, ORDERS_E_UNAVAILABLE);
}

Test(error_clear, resets)
{
    orders_error_t err;
    dirty(&err);
    orders_error_set(&err, ORDERS_E_DECLINED, "card", "declined");
    orders_error_clear(&err);
    cr_assert_eq(err.code, ORDERS_OK);
    cr_assert_str_eq(err.message, "");
    cr_assert_str_eq(err.field, "");

    dirty(&err);
    orders_error_clear(&err);
    cr_assert_eq(err.code, ORDERS_OK);
    cr_assert_str_eq(err.message, "");
    cr_assert_str_eq(err.field, "");

    orders_error_clear(NULL); /* a no-op; reaching the next line is the check */
    cr_assert_eq(err.code, ORDERS_OK);
}
