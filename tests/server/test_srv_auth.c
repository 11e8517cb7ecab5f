/*
 * tests/server/test_srv_auth.c - customer tokens and the service key over
 * HTTP: every way in that must be refused answers 401 with the error
 * envelope, never echoes the credential, and changes nothing.
 *
 * RS256 keys: tests/fixtures/jwt_test_rsa*.pem (test-only keys).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jwt.h>

#include "harness.h"

#ifndef ORDERS_SOURCE_DIR
#error "ORDERS_SOURCE_DIR must name the source tree (tests/fixtures)"
#endif
#define FIXTURES ORDERS_SOURCE_DIR "/tests/fixtures/"
#define PUB_PEM FIXTURES "jwt_test_rsa.pub.pem"

static srvh_t srv;

/* ---- tokens built by hand --------------------------------------------------------- */

static unsigned char *read_fixture(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, FIXTURES "%s", name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    unsigned char *buf = malloc(65536);
    cr_assert_not_null(buf);
    *len = fread(buf, 1, 65535, f);
    fclose(f);
    cr_assert_gt(*len, 0);
    buf[*len] = '\0';
    return buf;
}

/* base64url without padding of n bytes (malloc'd). */
static char *b64url(const unsigned char *p, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *out = malloc(n / 3 * 4 + 5), *o = out;
    cr_assert_not_null(out);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        *o++ = a[v >> 18 & 63];
        *o++ = a[v >> 12 & 63];
        if (i + 1 < n)
            *o++ = a[v >> 6 & 63];
        if (i + 2 < n)
            *o++ = a[v & 63];
    }
    *o = '\0';
    return out;
}

static char *b64url_json(json_t *j /* stolen */)
{
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    cr_assert_not_null(text);
    char *out = b64url((const unsigned char *)text, strlen(text));
    free(text);
    return out;
}

/* "<header>.<payload>.<sig>" from JSON header and payload (both stolen). */
static char *hand_token(json_t *header, json_t *payload, const char *sig)
{
    char *h = b64url_json(header), *p = b64url_json(payload), *t = NULL;
    cr_assert_gt(asprintf(&t, "%s.%s.%s", h, p, sig), 0);
    free(h);
    free(p);
    return t;
}

/* A token over exactly these claims (stolen), signed by libjwt. */
static char *sign(json_t *claims, const char *alg, const void *key, size_t key_len)
{
    char *text = json_dumps(claims, JSON_COMPACT);
    json_decref(claims);
    jwt_t *j = NULL;
    cr_assert_eq(jwt_new(&j), 0);
    cr_assert_eq(jwt_add_grants_json(j, text), 0, "%s", text);
    free(text);
    cr_assert_eq(jwt_set_alg(j, jwt_str_alg(alg), key, (int)key_len), 0);
    char *t = jwt_encode_str(j);
    jwt_free(j);
    cr_assert_not_null(t);
    return t;
}

static char *sign_hs(json_t *claims)
{
    return sign(claims, "HS256", SRVH_SECRET, strlen(SRVH_SECRET));
}

static long now_s(void)
{
    return (long)time(NULL);
}

/* ---- checks ------------------------------------------------------------------------- */

/* A 401 error envelope that does not contain secret (a token or key). */
static void expect_401_body(const srvh_resp_t *r, const char *secret, const char *what)
{
    cr_expect_eq(r->status, 401, "%s: %ld %s", what, r->status, r->body);
    cr_assert(json_is_object(r->json), "%s: not JSON: %s", what, r->body);
    cr_expect(json_is_false(json_object_get(r->json, "success")), "%s: %s", what, r->body);
    cr_expect_gt(strlen(srvh_message(r)), 0, "%s: no message: %s", what, r->body);
    cr_expect_null(json_object_get(r->json, "data"), "%s: %s", what, r->body);
    cr_expect_null(json_object_get(r->json, "errors"), "%s: %s", what, r->body);
    if (secret != NULL && strlen(secret) >= 4) {
        cr_expect_null(strstr(r->body, secret), "%s: the body echoes the credential", what);
        cr_expect_null(strstr(r->headers, secret), "%s: a header echoes it", what);
        const char *dot = strchr(secret, '.');
        const char *end = dot ? strchr(dot + 1, '.') : NULL;
        if (end != NULL && end - dot > 8) {   /* a JWT: nor its payload alone */
            char *payload = strndup(dot + 1, (size_t)(end - dot - 1));
            cr_expect_null(strstr(r->body, payload), "%s: the body echoes the claims", what);
            free(payload);
        }
    }
}

/* GET /cart and POST /cart/add with this Authorization value (NULL: none) are 401. */
static void expect_refused(const char *authorization, const char *what)
{
    char *line = NULL;
    const char *hdrs[2] = {NULL, NULL};
    if (authorization != NULL) {
        cr_assert_gt(asprintf(&line, "Authorization: %s", authorization), 0);
        hdrs[0] = line;
    }
    const char *secret = authorization ? strchr(authorization, ' ') : NULL;
    secret = secret ? secret + 1 : NULL;   /* the credential after the scheme */
    srvh_resp_t r;
    srvh_call(&srv, "GET", "/api/v1/cart", hdrs, NULL, &r);
    expect_401_body(&r, secret, what);
    srvh_resp_clear(&r);
    srvh_call(&srv, "POST", "/api/v1/cart/add", hdrs, "{\"productId\":\"prod-mug\",\"quantity\":1}",
              &r);
    expect_401_body(&r, secret, what);
    srvh_resp_clear(&r);
    free(line);
}

static void expect_token_refused(const char *token, const char *what)
{
    char *authz = NULL;
    cr_assert_gt(asprintf(&authz, "Bearer %s", token), 0);
    expect_refused(authz, what);
    free(authz);
}

/* The message of GET /cart with token; the status must be want. */
static void expect_cart(const char *token, long want, const char *message, const char *what)
{
    srvh_resp_t r;
    cr_expect_eq(srvh_customer(&srv, token, "GET", "/api/v1/cart", NULL, &r), want, "%s: %s",
                 what, r.body);
    if (message != NULL)
        cr_expect_str_eq(srvh_message(&r), message, "%s", what);
    srvh_resp_clear(&r);
}

/* With a genuine token, the customer's cart is empty: no refused add got through. */
static void expect_cart_empty_for(const char *genuine_token)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, genuine_token, "GET", "/api/v1/cart", NULL, &r), 200,
                 "%s", r.body);
    cr_expect_eq(json_array_size(json_object_get(srvh_data(&r), "items")), 0,
                 "a refused request changed the cart: %s", r.body);
    srvh_resp_clear(&r);
}

static void expect_cart_empty(const char *customer)
{
    char *tok = srvh_token(customer);
    expect_cart_empty_for(tok);
    free(tok);
}

/* GET /cart with token answers 200 for exactly this customer id. */
static void expect_customer(const char *token, const char *customer, const char *what)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, token, "GET", "/api/v1/cart", NULL, &r), 200, "%s: %s",
                 what, r.body);
    cr_expect_str_eq(json_string_value(json_object_get(srvh_data(&r), "customerId")), customer,
                     "%s", what);
    srvh_resp_clear(&r);
}

/* ---- the default server: HS256 secret and service key --------------------------------- */

static void up(void)
{
    srvh_start(&srv, NULL, NULL);
}

static void down(void)
{
    cr_expect_eq(srvh_stop(&srv, false), 0, "orders-server must exit cleanly");
}

TestSuite(srv_auth, .init = up, .fini = down);

Test(srv_auth, missing_or_malformed_authorization_is_401)
{
    expect_refused(NULL, "no Authorization header");
    expect_refused("Basic abc", "Basic scheme");
    expect_refused("Basic dGVzdDp0ZXN0", "Basic credentials");
    expect_refused("Bearer", "Bearer and nothing else");
    expect_refused("Bearer    ", "Bearer and blanks");
    expect_refused("Bearer not.a.jwt", "not.a.jwt");
    expect_refused("Bearer %%%%.@@@@.!!!!", "garbage base64");
    expect_refused("Bearer eyJhbGciOiJIUzI1NiJ9", "one segment");
    expect_refused("Bearer eyJhbGciOiJIUzI1NiJ9.e30", "two segments");
    expect_refused("Bearer e30.e30.e30.e30", "four segments");
    expect_refused("Token abcdefgh", "another scheme");
}

Test(srv_auth, bearer_scheme_is_case_insensitive)
{
    char *tok = srvh_token("case-buyer");
    char *line = NULL;
    cr_assert_gt(asprintf(&line, "Authorization: bearer %s", tok), 0);
    const char *hdrs[] = {line, NULL};
    srvh_resp_t r;
    cr_expect_eq(srvh_call(&srv, "GET", "/api/v1/cart", hdrs, NULL, &r), 200, "%s", r.body);
    srvh_resp_clear(&r);
    free(line);
    free(tok);
}

Test(srv_auth, alg_none_is_401)
{
    char *none = srvh_token_ex("mallory", "none", NULL, 0, 3600, 0);
    expect_token_refused(none, "libjwt alg none");
    free(none);

    static const char *algs[] = {"none", "None", "NONE", "HS256", "RS256"};
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        json_t *claims = json_pack("{s:s, s:s, s:I}", "id", "mallory", "sub", "mallory", "exp",
                                   (json_int_t)now_s() + 3600);
        char *t = hand_token(json_pack("{s:s, s:s}", "alg", algs[i], "typ", "JWT"), claims, "");
        expect_token_refused(t, algs[i]);
        free(t);
    }
    /* The same claims signed with the secret are accepted: only the alg was wrong. */
    char *good = sign_hs(json_pack("{s:s, s:s, s:I}", "id", "mallory", "sub", "mallory", "exp",
                                   (json_int_t)now_s() + 3600));
    expect_customer(good, "mallory", "the genuine token");
    free(good);
    expect_cart_empty("mallory");
}

Test(srv_auth, wrong_secret_is_401)
{
    const char *other = "another-secret-0123456789abcdef";
    char *t = srvh_token_ex("mallory", "HS256", (const unsigned char *)other, strlen(other), 3600,
                            0);
    expect_token_refused(t, "signed with another secret");
    free(t);
    /* a genuine token with its signature cut or changed */
    char *g = srvh_token("mallory");
    char *cut = strdup(g);
    *strrchr(cut, '.') = '\0';
    expect_token_refused(cut, "no signature segment");
    char *flip = strdup(g);
    char *last = flip + strlen(flip) - 2;
    *last = *last == 'A' ? 'B' : 'A';
    expect_token_refused(flip, "one signature character changed");
    free(cut);
    free(flip);
    free(g);
    expect_cart_empty("mallory");
}

Test(srv_auth, expiry_and_not_before)
{
    const unsigned char *k = (const unsigned char *)SRVH_SECRET;
    size_t n = strlen(SRVH_SECRET);
    char *expired = srvh_token_ex("mallory", "HS256", k, n, -10, 0);
    expect_token_refused(expired, "expired 10 s ago");
    expect_cart(expired, 401, "Token expired", "expired");
    char *early = srvh_token_ex("mallory", "HS256", k, n, 7200, 3600);
    expect_token_refused(early, "nbf in an hour");
    expect_cart(early, 401, "Token not yet valid", "not yet valid");
    char *valid = srvh_token_ex("timely", "HS256", k, n, 3600, -10);
    expect_customer(valid, "timely", "exp +1 h, nbf -10 s");
    free(expired);
    free(early);
    free(valid);
    expect_cart_empty("mallory");
}

Test(srv_auth, time_claims_must_be_integers)
{
    json_int_t later = (json_int_t)now_s() + 3600;
    char later_s[32];
    snprintf(later_s, sizeof later_s, "%lld", (long long)later);
    json_t *bad[] = {
        json_pack("{s:s, s:s}", "id", "mallory", "exp", later_s),
        json_pack("{s:s, s:f}", "id", "mallory", "exp", (double)later + 0.5),
        json_pack("{s:s, s:n}", "id", "mallory", "exp"),
        json_pack("{s:s, s:b}", "id", "mallory", "exp", 1),
        json_pack("{s:s, s:I, s:s}", "id", "mallory", "exp", later + 3600, "nbf", later_s),
        json_pack("{s:s, s:I, s:f}", "id", "mallory", "exp", later + 3600, "nbf",
                  (double)later + 0.5),
        json_pack("{s:s, s:I, s:[I]}", "id", "mallory", "exp", later + 3600, "nbf", later),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_not_null(bad[i]);
        char *what = json_dumps(bad[i], JSON_COMPACT);
        char *t = sign_hs(bad[i]);
        expect_token_refused(t, what);
        expect_cart(t, 401, "Invalid token", what);
        free(t);
        free(what);
    }
    expect_cart_empty("mallory");
}

Test(srv_auth, oversized_token_is_401)
{
    char *pad = malloc(9001);
    memset(pad, 'x', 9000);
    pad[9000] = '\0';
    char *t = sign_hs(json_pack("{s:s, s:I, s:s}", "id", "mallory", "exp",
                                (json_int_t)now_s() + 3600, "pad", pad));
    free(pad);
    cr_assert_gt(strlen(t), 8192);
    expect_token_refused(t, "a signed token over 8 KiB");
    free(t);
    expect_cart_empty("mallory");
}

Test(srv_auth, customer_id_comes_from_id_else_sub)
{
    json_int_t exp = (json_int_t)now_s() + 3600;
    char *t = sign_hs(json_pack("{s:s, s:I}", "sub", "sub-only", "exp", exp));
    expect_customer(t, "sub-only", "only sub");
    free(t);
    t = sign_hs(json_pack("{s:s, s:s, s:I}", "id", "the-id", "sub", "the-sub", "exp", exp));
    expect_customer(t, "the-id", "id wins over sub");
    free(t);
    t = sign_hs(json_pack("{s:I, s:I}", "id", (json_int_t)42, "exp", exp));
    expect_customer(t, "42", "an integer id");
    free(t);
    /* an id that is neither a string nor an integer is not an id: sub, or nothing */
    t = sign_hs(json_pack("{s:n, s:s, s:I}", "id", "sub", "sub-of-null", "exp", exp));
    expect_customer(t, "sub-of-null", "id null, sub given");
    free(t);
    t = sign_hs(json_pack("{s:b, s:I}", "id", 1, "exp", exp));
    expect_token_refused(t, "id true and no sub");
    free(t);
    t = sign_hs(json_pack("{s:f, s:I}", "id", 1.5, "exp", exp));
    expect_token_refused(t, "id 1.5 and no sub");
    free(t);
    /* so two such tokens can never land on one shared customer ("0") */
    expect_cart_empty("0");
}

Test(srv_auth, customer_id_must_be_present_and_short)
{
    json_int_t exp = (json_int_t)now_s() + 3600;
    char *t = sign_hs(json_pack("{s:s, s:s, s:I}", "name", "Nobody", "email", "n@example.com",
                                "exp", exp));
    expect_token_refused(t, "neither id nor sub");
    expect_cart(t, 401, "Token has no customer id", "neither id nor sub");
    free(t);
    t = sign_hs(json_pack("{s:s, s:I}", "id", "", "exp", exp));
    expect_token_refused(t, "empty id");
    free(t);

    char id[130];
    memset(id, 'a', 129);
    id[129] = '\0';
    t = sign_hs(json_pack("{s:s, s:I}", "id", id, "exp", exp));
    expect_token_refused(t, "id of 129 bytes");
    free(t);
    t = sign_hs(json_pack("{s:s, s:I}", "sub", id, "exp", exp));
    expect_token_refused(t, "sub of 129 bytes");
    free(t);
    id[128] = '\0';
    t = sign_hs(json_pack("{s:s, s:I}", "id", id, "exp", exp));
    expect_customer(t, id, "id of 128 bytes");
    free(t);
}

/* ---- another customer's order --------------------------------------------------------- */

static char *order_status(const char *token, const char *id)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/orders/%s", id);
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, token, "GET", path, NULL, &r), 200, "%s", r.body);
    json_t *d = srvh_data(&r);
    cr_expect(!json_is_string(json_object_get(d, "cancelledAt")), "%s", r.body);
    char *s = strdup(json_string_value(json_object_get(d, "status")));
    srvh_resp_clear(&r);
    return s;
}

Test(srv_auth, another_customers_order_is_404)
{
    char *a = srvh_token("owner-a"), *b = srvh_token("stranger-b");
    char *id = srvh_place(&srv, a, "prod-mug", 1, "cod");
    char *before = order_status(a, id);
    char path[256];
    srvh_resp_t r;

    snprintf(path, sizeof path, "/api/v1/orders/%s", id);
    cr_expect_eq(srvh_customer(&srv, b, "GET", path, NULL, &r), 404, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Order not found");
    cr_expect_null(strstr(r.body, "owner-a"), "%s", r.body);
    srvh_resp_clear(&r);
    expect_refused(NULL, "no token");   /* the cart routes; and the order route: */
    cr_expect_eq(srvh_customer(&srv, NULL, "GET", path, NULL, &r), 401, "%s", r.body);
    srvh_resp_clear(&r);

    snprintf(path, sizeof path, "/api/v1/orders/%s/cancel", id);
    cr_expect_eq(srvh_customer(&srv, b, "PUT", path, "{\"reason\":\"not mine\"}", &r), 404,
                 "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Order not found");
    srvh_resp_clear(&r);
    cr_expect_eq(srvh_customer(&srv, NULL, "PUT", path, "{}", &r), 401, "%s", r.body);
    srvh_resp_clear(&r);

    cr_expect_eq(srvh_customer(&srv, b, "GET", "/api/v1/orders", NULL, &r), 200, "%s", r.body);
    cr_expect_null(strstr(r.body, id), "B's list shows A's order: %s", r.body);
    srvh_resp_clear(&r);

    char *after = order_status(a, id);
    cr_expect_str_eq(after, before, "A's order changed");
    free(before);
    free(after);
    free(id);
    free(a);
    free(b);
}

/* ---- the service key --------------------------------------------------------------------- */

static void expect_key_refused(const char *header, const char *what)
{
    static const char *paths[] = {"/api/v1/admin/orders", "/api/v1/inventory/stock/prod-mug"};
    const char *hdrs[] = {header, NULL};
    const char *secret = header ? strchr(header, ':') : NULL;
    secret = secret && secret[1] == ' ' ? secret + 2 : NULL;
    for (size_t i = 0; i < 2; i++) {
        srvh_resp_t r;
        srvh_call(&srv, "GET", paths[i], header ? hdrs : NULL, NULL, &r);
        char label[200];
        snprintf(label, sizeof label, "%s on %s", what, paths[i]);
        expect_401_body(&r, secret, label);
        srvh_resp_clear(&r);
    }
    srvh_resp_t r;
    srvh_call(&srv, "PUT", "/api/v1/inventory/stock/prod-mug", header ? hdrs : NULL,
              "{\"available\":1}", &r);
    expect_401_body(&r, secret, what);
    srvh_resp_clear(&r);
}

Test(srv_auth, service_key_must_match_exactly)
{
    char *tok = srvh_token("customer-x");
    char *jwt_as_key = NULL, *bearer_key = NULL;
    cr_assert_gt(asprintf(&jwt_as_key, "X-Service-Key: %s", tok), 0);
    cr_assert_gt(asprintf(&bearer_key, "Authorization: Bearer %s", SRVH_SERVICE_KEY), 0);
    expect_key_refused(NULL, "no key");
    expect_key_refused("X-Service-Key;", "an empty key");
    expect_key_refused("X-Service-Key: wrong-key-entirely", "a wrong key");
    expect_key_refused("X-Service-Key: test-service-ke", "a prefix of the key");
    expect_key_refused("X-Service-Key: test-service-keyX", "the key plus one character");
    expect_key_refused("X-Service-Key: TEST-SERVICE-KEY", "the key in capitals");
    expect_key_refused(jwt_as_key, "a customer token as the key");
    expect_key_refused(bearer_key, "the key as a bearer token");
    free(jwt_as_key);
    free(bearer_key);

    srvh_resp_t r;
    cr_expect_eq(srvh_admin(&srv, "GET", "/api/v1/admin/orders", NULL, &r), 200, "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(srvh_admin(&srv, "GET", "/api/v1/inventory/stock/prod-mug", NULL, &r), 200,
                 "%s", r.body);
    cr_expect_eq(json_integer_value(json_object_get(srvh_data(&r), "available")), 100,
                 "a refused stock write changed the stock: %s", r.body);
    srvh_resp_clear(&r);
    /* and the key is no customer credential */
    cr_expect_eq(srvh_customer(&srv, SRVH_SERVICE_KEY, "GET", "/api/v1/cart", NULL, &r), 401);
    srvh_resp_clear(&r);
    free(tok);
}

/* ---- RS256: a server with only the public key, and one with both keys --------------------- */

static char *rs256(const char *customer, const char *private_pem, long exp_offset)
{
    size_t len;
    unsigned char *key = read_fixture(private_pem, &len);
    char *t = srvh_token_ex(customer, "RS256", key, len, exp_offset, 0);
    free(key);
    return t;
}

/* HS256 "signed" with the PEM public key text as the HMAC secret. */
static char *key_confusion(const char *customer)
{
    size_t len;
    unsigned char *pem = read_fixture("jwt_test_rsa.pub.pem", &len);
    char *t = srvh_token_ex(customer, "HS256", pem, len, 3600, 0);
    /* An unpinned verifier given the public key accepts it: the attack is real. */
    jwt_t *j = NULL;
    cr_assert_eq(jwt_decode(&j, t, pem, (int)len), 0, "the forged token must verify unpinned");
    jwt_free(j);
    free(pem);
    return t;
}

static void rs_attacks(void)
{
    char *good = rs256("rs-buyer", "jwt_test_rsa.pem", 3600);
    expect_customer(good, "rs-buyer", "RS256 signed with the private key");
    free(good);

    char *confused = key_confusion("mallory");
    expect_token_refused(confused, "HS256 with the public key as secret");
    free(confused);
    char *other = rs256("mallory", "jwt_test_rsa_other.pem", 3600);
    expect_token_refused(other, "RS256 signed by another key");
    free(other);
    char *expired = rs256("mallory", "jwt_test_rsa.pem", -10);
    expect_token_refused(expired, "RS256 expired");
    expect_cart(expired, 401, "Token expired", "RS256 expired");
    free(expired);
    char *none = srvh_token_ex("mallory", "none", NULL, 0, 3600, 0);
    expect_token_refused(none, "alg none");
    free(none);
    char *genuine = rs256("mallory", "jwt_test_rsa.pem", 3600);
    expect_cart_empty_for(genuine);
    free(genuine);
}

static void up_rs_only(void)
{
    static const char *const args[] = {
        "--jwt-public-key", PUB_PEM, "--service-key", SRVH_SERVICE_KEY, "--demo-catalog",
        "--rate-limit-customer", "0", "--rate-limit-admin", "0", "--threads", "8", NULL,
    };
    srvh_start_argv(&srv, args);
}

static void up_both_keys(void)
{
    static const char *const extra[] = {"--jwt-public-key", PUB_PEM, NULL};
    srvh_start(&srv, NULL, extra);
}

TestSuite(srv_auth_rs256_only, .init = up_rs_only, .fini = down);
TestSuite(srv_auth_both_keys, .init = up_both_keys, .fini = down);

Test(srv_auth_rs256_only, rs256_accepted_and_forgeries_refused)
{
    rs_attacks();
    /* no secret is configured: a token signed with the harness secret is nothing */
    char *hs = srvh_token("mallory");
    expect_token_refused(hs, "HS256 on a server without a secret");
    free(hs);
}

Test(srv_auth_both_keys, both_algorithms_accepted_and_forgeries_refused)
{
    rs_attacks();
    char *hs = srvh_token("hs-buyer");
    expect_customer(hs, "hs-buyer", "HS256 with the secret");
    free(hs);
    const char *other = "another-secret-0123456789abcdef";
    char *wrong = srvh_token_ex("mallory", "HS256", (const unsigned char *)other, strlen(other),
                                3600, 0);
    expect_token_refused(wrong, "HS256 with another secret");
    free(wrong);
}
