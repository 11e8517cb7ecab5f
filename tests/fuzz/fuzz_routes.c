/*
 * fuzz_routes - sequences of requests run by orders-server's own route
 * handlers on a fresh memory store holding the demo catalog: the fuzzer
 * chooses the routes, path parameters, query strings and JSON bodies, so
 * the library's rules (quantities, prices, stock, the status machine,
 * refunds) meet every value the request decoders let through.
 *
 * The input is up to MAX_REQUESTS lines "METHOD PATH[?QUERY][ BODY]".  A
 * line goes through the router (srv_router_match), the body through
 * srv_body_parse, as in http.c; customer routes run as one customer,
 * the others as admin.  Credentials, rate limits and HTTP framing are the
 * other targets' business (fuzz_auth, fuzz_query, fuzz_request_json).  The
 * store's clock is fixed and its ids count up ("id-1", "id-2" ...), so an
 * input can name the order it placed.
 *
 * Checked: every request gets exactly one JSON envelope whose "success"
 * agrees with its status, and never a 500 (the memory store cannot fail:
 * a 500 is a bug); after the sequence, the stock of every product keeps
 * available + reserved + sold == stocked - adjusted with no negative part.
 */
#include <inttypes.h>
#include <string.h>

#include "fuzz.h"
#include "handler.h"

#define MAX_REQUESTS 16
#define NOW_MS 1700000000000LL

static srv_router_t *router;        /* for the whole run */

typedef struct session {
    srv_t srv;                      /* a fresh context and order cache per input */
    unsigned next_id;
} session_t;

static int64_t fixed_clock(void *ud)
{
    (void)ud;
    return NOW_MS;
}

static void counting_ids(void *ud, char out[ORDERS_ID_MAX + 1])
{
    session_t *s = ud;
    snprintf(out, ORDERS_ID_MAX + 1, "id-%u", ++s->next_id);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    router = srv_router_new();
    FUZZ_REQUIRE(router != NULL, "no router");
    return 0;
}

static bool session_open(session_t *s)
{
    orders_error_t err;
    memset(s, 0, sizeof *s);
    s->srv.router = router;
    s->srv.orders_cache = srv_order_cache_new();
    if (s->srv.orders_cache == NULL || orders_ctx_new(NULL, &s->srv.ctx, &err) != ORDERS_OK)
        return false;
    orders_ctx_set_clock(s->srv.ctx, fixed_clock, NULL);
    orders_ctx_set_idgen(s->srv.ctx, counting_ids, s);
    return orders_ctx_open_store(s->srv.ctx, "memory:", &err) == ORDERS_OK &&
           srv_demo_catalog_load(s->srv.ctx, &err) == ORDERS_OK;
}

static void session_close(session_t *s)
{
    orders_ctx_destroy(s->srv.ctx);
    srv_order_cache_free(s->srv.orders_cache);
}

/* One line "METHOD PATH[?QUERY][ BODY]" (modified in place). */
static void request(session_t *s, char *line)
{
    char *path = strchr(line, ' ');
    if (path == NULL)
        return;
    *path++ = '\0';
    char *body_text = strchr(path, ' ');
    if (body_text != NULL)
        *body_text++ = '\0';
    char *query = strchr(path, '?');
    if (query != NULL)
        *query++ = '\0';
    char buf[2048];
    const char *params[SRV_MAX_PARAMS];
    size_t index, n;
    char allow[64];
    if (strlen(path) >= sizeof buf ||
        srv_router_match(router, line, path, buf, &index, params, &n, allow, sizeof allow) !=
            SRV_MATCHED)
        return;
    const srv_route_t *route = srv_router_at(router, index);
    if (route->access == SRV_OPEN)
        return; /* /health, /metrics, /openapi.json: fuzz_query's and the tests' */
    json_t *body = NULL;
    size_t raw_len = body_text ? strlen(body_text) : 0;
    if (route->body) {
        char why[200];
        if ((body = srv_body_parse(body_text ? body_text : "", raw_len, why, sizeof why)) == NULL)
            return; /* the dispatcher's 400 */
    }
    fuzz_call_handler(&(fuzz_call_t){.srv = &s->srv, .route = route, .path = path,
                                     .query = query, .params = params, .nparams = n,
                                     .body = body, .raw = raw_len ? body_text : NULL,
                                     .raw_len = raw_len});
    json_decref(body);
}

/* Every product's stock keeps its documented identity. */
static void check_stock(session_t *s)
{
    orders_product_list_t list = {0};
    orders_error_t err;
    FUZZ_REQUIRE(orders_product_list(s->srv.ctx, NULL, 1, 1000, &list, &err) == ORDERS_OK,
                 "the memory store cannot list its products");
    for (size_t i = 0; i < list.count; i++) {
        orders_stock_t st;
        if (orders_stock_get(s->srv.ctx, list.items[i]->id, &st, &err) != ORDERS_OK)
            continue; /* a product created without stock */
        FUZZ_REQUIRE(st.available >= 0 && st.reserved >= 0 && st.sold >= 0,
                     "a negative stock level");
        FUZZ_REQUIRE(st.available + st.reserved + st.sold == st.stocked - st.adjusted,
                     "available + reserved + sold != stocked - adjusted");
    }
    orders_product_list_clear(&list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    char *text = fuzz_cstring(data, size);
    session_t s;
    if (text == NULL)
        return 0;
    FUZZ_REQUIRE(session_open(&s), "the fuzz target's store does not open");
    char *line = text;
    for (int i = 0; i < MAX_REQUESTS && line != NULL && *line != '\0'; i++) {
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        request(&s, line);
        line = next;
    }
    check_stock(&s);
    session_close(&s);
    free(text);
    return 0;
}
