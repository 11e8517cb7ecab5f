/*
 * tests/server/test_srv_token_cache.c - the verified-token cache
 * (server/token_cache.c) never outlives a token's exp, and never accepts a
 * token that differs from a verified one.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

static srvh_t srv;

static void up(void)
{
    srvh_start(&srv, NULL, NULL);
}

static void down(void)
{
    cr_expect_eq(srvh_stop(&srv, false), 0, "orders-server must exit cleanly");
}

TestSuite(srv_token_cache, .init = up, .fini = down);

static long get_cart(const char *token)
{
    srvh_resp_t r;
    long st = srvh_customer(&srv, token, "GET", "/api/v1/cart", NULL, &r);
    srvh_resp_clear(&r);
    return st;
}

Test(srv_token_cache, a_cached_token_is_refused_once_it_expires)
{
    /* exp two seconds ahead: accepted (and cached) now, refused after. */
    char *tok = srvh_token_ex("short-lived", "HS256", (const unsigned char *)SRVH_SECRET,
                              strlen(SRVH_SECRET), 2, 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(get_cart(tok), 200, "request %d before exp", i);
    sleep(3);
    srvh_resp_t r;
    cr_expect_eq(srvh_customer(&srv, tok, "GET", "/api/v1/cart", NULL, &r), 401);
    cr_expect_str_eq(srvh_message(&r), "Token expired");
    srvh_resp_clear(&r);
    free(tok);
}

Test(srv_token_cache, a_token_differing_from_a_verified_one_is_verified_again)
{
    char *tok = srvh_token("cache-buyer");
    cr_assert_eq(get_cart(tok), 200);
    size_t n = strlen(tok);
    /* flip the last signature character, then append one: both must fail */
    char *bad = strdup(tok);
    bad[n - 1] = bad[n - 1] == 'A' ? 'B' : 'A';
    cr_expect_eq(get_cart(bad), 401, "a changed signature");
    char *longer = malloc(n + 2);
    memcpy(longer, tok, n);
    longer[n] = 'A';
    longer[n + 1] = '\0';
    cr_expect_eq(get_cart(longer), 401, "a longer token");
    cr_expect_eq(get_cart(tok), 200, "the verified token still works");
    free(bad);
    free(longer);
    free(tok);
}

Test(srv_token_cache, many_customers_each_keep_their_own_identity)
{
    /* 300 tokens, each answered twice (verified, then from the cache): every
     * answer names its own customer. */
    for (int i = 0; i < 300; i++) {
        char id[32];
        snprintf(id, sizeof id, "many-%d", i);
        char *tok = srvh_token(id);
        srvh_resp_t r;
        cr_assert_eq(srvh_customer(&srv, tok, "GET", "/api/v1/cart", NULL, &r), 200);
        const char *who = json_string_value(json_object_get(srvh_data(&r), "customerId"));
        cr_assert_str_eq(who, id);
        srvh_resp_clear(&r);
        cr_assert_eq(srvh_customer(&srv, tok, "GET", "/api/v1/cart", NULL, &r), 200);
        who = json_string_value(json_object_get(srvh_data(&r), "customerId"));
        cr_assert_str_eq(who, id, "the cached identity of %s", id);
        srvh_resp_clear(&r);
        free(tok);
    }
}
