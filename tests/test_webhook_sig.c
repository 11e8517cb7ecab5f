/*
 * test_webhook_sig.c - the X-Signature of payment webhooks (orders/webhook.h):
 * a known answer, one flipped bit anywhere, the timestamp window, missing
 * and malformed headers, secret rotation, and messages that never carry
 * the expected signature or the secret.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <orders/webhook.h>

#define SECRET "whsec_known_answer"
#define T0 1767225600LL
#define BODY "{\"id\":\"evt_kat\",\"type\":\"ping\"}"
/* printf '1767225600.{"id":"evt_kat","type":"ping"}' | openssl dgst -sha256 -hmac whsec_known_answer */
#define KAT_HEX "83330457ac54971e7bdc37fc006af67f3da407a735c89f67338937cbd7476ab2"

static orders_code_t verify_at(const char *secret, const char *header, const char *body,
                               int64_t now, int64_t tolerance, orders_error_t *err)
{
    return orders_webhook_verify(secret, header, body, body ? strlen(body) : 0, now, tolerance,
                                 err);
}

static void sign(const char *secret, int64_t t, const char *body, char *buf, size_t len)
{
    orders_error_t err = {0};
    cr_assert_eq(orders_webhook_sign(secret, t, body, strlen(body), buf, len, &err), ORDERS_OK,
                 "%s", err.message);
}

/* The refusal is 401-shaped, names the header, says why_part, and leaks
 * neither the expected signature nor the secret. */
static void expect_refused(orders_code_t rc, const orders_error_t *err, const char *why_part)
{
    cr_assert_eq(rc, ORDERS_E_UNAUTHORIZED, "code %d (%s)", rc, err->message);
    cr_expect_str_eq(err->field, "X-Signature");
    cr_expect_not_null(strstr(err->message, why_part), "message \"%s\" should say \"%s\"",
                       err->message, why_part);
    cr_expect_null(strstr(err->message, KAT_HEX), "the expected signature leaked");
    cr_expect_null(strstr(err->message, SECRET), "the secret leaked");
}

Test(webhook_sig, known_answer_from_openssl)
{
    char buf[ORDERS_WEBHOOK_SIGNATURE_MAX];
    sign(SECRET, T0, BODY, buf, sizeof buf);
    cr_assert_str_eq(buf, "t=1767225600,v1=" KAT_HEX);
    orders_error_t err = {0};
    cr_assert_eq(verify_at(SECRET, buf, BODY, T0, 0, &err), ORDERS_OK, "%s", err.message);
    /* the header written by hand, as a gateway would send it */
    cr_assert_eq(verify_at(SECRET, "t=1767225600,v1=" KAT_HEX, BODY, T0 + 5, 0, &err), ORDERS_OK);
}

Test(webhook_sig, another_secret_or_body_gives_another_signature)
{
    char a[ORDERS_WEBHOOK_SIGNATURE_MAX], b[ORDERS_WEBHOOK_SIGNATURE_MAX];
    sign(SECRET, T0, BODY, a, sizeof a);
    sign("whsec_other", T0, BODY, b, sizeof b);
    cr_expect_str_neq(a, b);
    sign(SECRET, T0, "{}", b, sizeof b);
    cr_expect_str_neq(a, b);
    sign(SECRET, T0 + 1, BODY, b, sizeof b); /* t is signed too */
    cr_expect_str_neq(a + strlen("t=1767225600"), b + strlen("t=1767225601"));
}

Test(webhook_sig, one_flipped_bit_in_the_body_is_refused)
{
    char hdr[ORDERS_WEBHOOK_SIGNATURE_MAX];
    sign(SECRET, T0, BODY, hdr, sizeof hdr);
    char body[sizeof BODY];
    for (size_t i = 0; i < strlen(BODY); i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(body, BODY, sizeof BODY);
            body[i] = (char)(body[i] ^ (1 << bit));
            orders_error_t err = {0};
            orders_code_t rc = orders_webhook_verify(SECRET, hdr, body, strlen(BODY), T0, 0, &err);
            expect_refused(rc, &err, "does not match");
        }
    }
    /* one byte more or less */
    orders_error_t err = {0};
    expect_refused(orders_webhook_verify(SECRET, hdr, BODY, strlen(BODY) - 1, T0, 0, &err), &err,
                   "does not match");
    expect_refused(orders_webhook_verify(SECRET, hdr, BODY " ", strlen(BODY) + 1, T0, 0, &err),
                   &err, "does not match");
}

Test(webhook_sig, one_flipped_bit_in_the_signature_is_refused)
{
    char hdr[ORDERS_WEBHOOK_SIGNATURE_MAX];
    sign(SECRET, T0, BODY, hdr, sizeof hdr);
    size_t start = strlen("t=1767225600,v1=");
    static const char hex[] = "0123456789abcdef";
    for (size_t i = start; i < start + 64; i++) {
        for (int bit = 0; bit < 4; bit++) {
            char bad[ORDERS_WEBHOOK_SIGNATURE_MAX];
            memcpy(bad, hdr, sizeof bad);
            int nibble = (int)(strchr(hex, bad[i]) - hex);
            bad[i] = hex[nibble ^ (1 << bit)];
            orders_error_t err = {0};
            expect_refused(verify_at(SECRET, bad, BODY, T0, 0, &err), &err, "does not match");
        }
    }
    /* a bit flipped in t: still a number, but not the signed one */
    char bad[ORDERS_WEBHOOK_SIGNATURE_MAX];
    memcpy(bad, hdr, sizeof bad);
    bad[strlen("t=176722560")] ^= 1; /* ...600 -> ...601 */
    orders_error_t err = {0};
    expect_refused(verify_at(SECRET, bad, BODY, T0, 0, &err), &err, "does not match");
}

Test(webhook_sig, the_wrong_secret_is_refused)
{
    char hdr[ORDERS_WEBHOOK_SIGNATURE_MAX];
    sign("whsec_attacker", T0, BODY, hdr, sizeof hdr);
    orders_error_t err = {0};
    expect_refused(verify_at(SECRET, hdr, BODY, T0, 0, &err), &err, "does not match");
}

Test(webhook_sig, stale_and_future_timestamps_are_refused)
{
    char hdr[ORDERS_WEBHOOK_SIGNATURE_MAX];
    sign(SECRET, T0, BODY, hdr, sizeof hdr);
    orders_error_t err = {0};
    /* the default window is 300 s either way, edges included */
    cr_expect_eq(verify_at(SECRET, hdr, BODY, T0 + 300, 0, &err), ORDERS_OK, "%s", err.message);
    cr_expect_eq(verify_at(SECRET, hdr, BODY, T0 - 300, 0, &err), ORDERS_OK, "%s", err.message);
    expect_refused(verify_at(SECRET, hdr, BODY, T0 + 301, 0, &err), &err, "tolerance");
    expect_refused(verify_at(SECRET, hdr, BODY, T0 - 301, 0, &err), &err, "tolerance");
    expect_refused(verify_at(SECRET, hdr, BODY, T0 + 86400, 0, &err), &err, "tolerance");
    /* a tolerance of the caller's */
    cr_expect_eq(verify_at(SECRET, hdr, BODY, T0 + 10, 10, &err), ORDERS_OK);
    expect_refused(verify_at(SECRET, hdr, BODY, T0 + 11, 10, &err), &err, "tolerance");
    expect_refused(verify_at(SECRET, hdr, BODY, T0 - 11, 10, &err), &err, "tolerance");
}

Test(webhook_sig, a_missing_header_is_refused)
{
    orders_error_t err = {0};
    expect_refused(verify_at(SECRET, NULL, BODY, T0, 0, &err), &err, "missing");
    expect_refused(verify_at(SECRET, "", BODY, T0, 0, &err), &err, "missing");
}

Test(webhook_sig, malformed_headers_are_refused)
{
    static const char *const bad[] = {
        "garbage",
        "t=1767225600",                                   /* no v1 */
        "v1=" KAT_HEX,                                     /* no t */
        "t=,v1=" KAT_HEX,
        "t=17672256x0,v1=" KAT_HEX,
        "t=-1767225600,v1=" KAT_HEX,
        "t=1767225600,t=1767225600,v1=" KAT_HEX,           /* two t */
        "t=1767225600,v1=83330457",                        /* short */
        "t=1767225600,v1=" KAT_HEX "00",                   /* long */
        "t=1767225600,v1=83330457AC54971E7BDC37FC006AF67F3DA407A735C89F67338937CBD7476AB2",
        "t=1767225600,v1=" KAT_HEX ",",                    /* empty entry */
        "t=1767225600,,v1=" KAT_HEX,
        "t=1767225600;v1=" KAT_HEX,
        "=1767225600,v1=" KAT_HEX,
        "t=99999999999999999999,v1=" KAT_HEX,              /* does not fit */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orders_error_t err = {0};
        orders_code_t rc = verify_at(SECRET, bad[i], BODY, T0, 0, &err);
        cr_expect_eq(rc, ORDERS_E_UNAUTHORIZED, "header %zu \"%s\" passed", i, bad[i]);
        cr_expect_not_null(strstr(err.message, "malformed"), "header %zu: \"%s\"", i, err.message);
    }
    /* a header far too long */
    static char huge[8192];
    memset(huge, 'a', sizeof huge - 1);
    memcpy(huge, "t=1767225600,v1=" KAT_HEX ",x=", strlen("t=1767225600,v1=" KAT_HEX ",x="));
    orders_error_t err = {0};
    expect_refused(verify_at(SECRET, huge, BODY, T0, 0, &err), &err, "malformed");
}

Test(webhook_sig, spaces_and_other_schemes_are_tolerated)
{
    orders_error_t err = {0};
    cr_expect_eq(verify_at(SECRET, " t=1767225600 , v0=abc, v1=" KAT_HEX " ", BODY, T0, 0, &err),
                 ORDERS_OK, "%s", err.message);
}

Test(webhook_sig, rotation_any_v1_entry_may_match)
{
    char old_sig[ORDERS_WEBHOOK_SIGNATURE_MAX], new_sig[ORDERS_WEBHOOK_SIGNATURE_MAX];
    sign("whsec_old", T0, BODY, old_sig, sizeof old_sig);
    sign("whsec_new", T0, BODY, new_sig, sizeof new_sig);
    char both[256];
    /* "t=...,v1=OLD" + ",v1=NEW" */
    snprintf(both, sizeof both, "%s,%s", old_sig, strchr(new_sig, ',') + 1);
    orders_error_t err = {0};
    cr_expect_eq(verify_at("whsec_new", both, BODY, T0, 0, &err), ORDERS_OK, "%s", err.message);
    cr_expect_eq(verify_at("whsec_old", both, BODY, T0, 0, &err), ORDERS_OK, "%s", err.message);
    expect_refused(verify_at("whsec_third", both, BODY, T0, 0, &err), &err, "does not match");
    /* with the new one first, too */
    snprintf(both, sizeof both, "%s,%s", new_sig, strchr(old_sig, ',') + 1);
    cr_expect_eq(verify_at("whsec_old", both, BODY, T0, 0, &err), ORDERS_OK, "%s", err.message);
}

Test(webhook_sig, bad_arguments)
{
    orders_error_t err = {0};
    char hdr[ORDERS_WEBHOOK_SIGNATURE_MAX];
    cr_expect_eq(verify_at(NULL, "t=1,v1=" KAT_HEX, BODY, T0, 0, &err), ORDERS_E_INVALID);
    cr_expect_str_eq(err.field, "secret");
    cr_expect_eq(verify_at("", "t=1,v1=" KAT_HEX, BODY, T0, 0, &err), ORDERS_E_INVALID);
    cr_expect_eq(orders_webhook_sign("", T0, BODY, strlen(BODY), hdr, sizeof hdr, &err),
                 ORDERS_E_INVALID);
    cr_expect_eq(orders_webhook_sign(SECRET, T0, BODY, strlen(BODY), hdr, 40, &err),
                 ORDERS_E_INVALID);
    cr_expect_str_eq(err.field, "buf");
    cr_expect_str_eq(hdr, "");
    cr_expect_eq(orders_webhook_sign(SECRET, -5, BODY, strlen(BODY), hdr, sizeof hdr, &err),
                 ORDERS_E_INVALID);
    /* an empty body signs and verifies */
    cr_assert_eq(orders_webhook_sign(SECRET, T0, NULL, 0, hdr, sizeof hdr, &err), ORDERS_OK);
    cr_expect_eq(orders_webhook_verify(SECRET, hdr, NULL, 0, T0, 0, &err), ORDERS_OK);
}
