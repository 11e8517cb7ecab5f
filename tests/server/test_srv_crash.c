/*
 * tests/server/test_srv_crash.c - orders-server killed with SIGKILL at random
 * moments while clients check out over HTTP, on SQLite and on MongoDB (the
 * server of ORDERS_TEST_MONGO_URI).  Short by default (CI); the full run is
 * scripts/crash-test.sh (docs/reliability.md, "Crash test").
 *
 * Setup: the server starts on a fresh store; two products of two sellers,
 * each with STOCK units, are created through the admin API, and the test
 * places two reference orders itself, one cash on delivery and one paid
 * online (the server's test gateway approves every payment).
 *
 * Each cycle: CLIENTS threads check out, each customer once: customer
 * "cCC-T-NNNNN" (cycle, thread, n-th) adds 1 + n % 3 of product A and 1 of
 * B to its cart and places it with "Idempotency-Key: <customer>", cash on
 * delivery, or online for every fourth customer (n % 4 == 3).  Every 201 is
 * recorded (customer, order id).  A random DELAY_MIN_MS..DELAY_MAX_MS
 * after the cycle's first 201 the server gets SIGKILL; the clients'
 * requests then fail, and each client notes the step it was in.  Then:
 *   1. (MongoDB) the test opens the store with a recovery grace of 0, which
 *      finishes or undoes what the kill cut in half (a live server does the
 *      same 30 s later); it notes which in-flight customers have an order
 *      already (committed but never acknowledged);
 *   2. the server is restarted on the same store;
 *   3. every placement in flight at the kill is sent again with the same
 *      Idempotency-Key: it must answer 201, with the same order when the
 *      first attempt had committed; an online order the kill left unpaid
 *      (answered "pending") is paid with POST /orders/:id/pay: 200;
 *   4. the checks, reading the store through the public API (and, for
 *      SQLite, PRAGMA integrity_check) and the server through HTTP:
 *      - every acknowledged placement is stored once, for its customer, and
 *        every stored order is acknowledged (so: exactly once per customer);
 *        a customer killed while filling its cart has no order;
 *      - every order is whole (support/order_check.h): confirmed, paid
 *        online or cash on delivery as chosen, the lines of its cart, its
 *        reservation confirmed with the same lines (sold, never also
 *        released), its cart empty, its history written;
 *      - stock of A and B: available + reserved + sold == stocked -
 *        adjusted, sold == the units of the stored orders, nothing reserved;
 *      - the outbox holds the events of every order: its pending events
 *        plus those already delivered to events.log give every order as
 *        many distinct events as the reference order of its payment
 *        method, among them order_placed to the customer and new_order to
 *        each seller; no event names an order that is not stored; no dead
 *        letters;
 *      - the restarted server's admin order list and stock agree.
 *
 * At the end, with ORDERS_CRASH_DRAIN_S=N, the last server must deliver
 * every pending event within N s (it first waits for the killed server's
 * outbox lease to lapse: 30 s), and the checks run once more.
 *
 * Environment: ORDERS_CRASH_KILLS (default 4, times ORDERS_TEST_SCALE: 1 in
 * test.sh's valgrind pass), ORDERS_CRASH_CLIENTS (4),
 * ORDERS_CRASH_STORE=sqlite|mongo (default both), ORDERS_CRASH_DRAIN_S (0:
 * no drain), ORDERS_TEST_SEED (the delays; the seed is printed).  Every
 * wait is bounded: requests time out (ORDERS_TEST_SLOWDOWN stretches
 * them), a client places at most MAX_PER_CYCLE orders, and the test has a
 * Criterion timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include "events_seen.h"
#include "harness.h"
#include "stores.h"
#include "support/clock.h"
#include "support/order_check.h"
#include "support/scale.h"
#ifdef ORDERS_HAVE_SQLITE
#include "support/sqlite_integrity.h"
#endif

#define PRODUCT_A "crash-a"
#define PRODUCT_B "crash-b"
#define SELLER_A "crash-seller-a"
#define SELLER_B "crash-seller-b"
#define STOCK 1000000
#define REF_COD "ref-cod"          /* the test's reference orders */
#define REF_ONLINE "ref-online"

#define MAX_CLIENTS 16
#define MAX_PER_CYCLE 1500        /* customers per client per cycle */
#define DELAY_MIN_MS 20
#define DELAY_MAX_MS 1500
#define FIRST_ACK_TIMEOUT_MS 30000
#define REQUEST_TIMEOUT_S 30L

#define ADDRESS                                                                           \
    "\"shippingAddress\":{\"addressLine1\":\"1 Main St\",\"city\":\"Springfield\","      \
    "\"state\":\"IL\",\"country\":\"US\",\"postalCode\":\"62701\"}"
#define PLACE_COD "{" ADDRESS ",\"paymentMethod\":\"cod\"}"
#define PLACE_ONLINE "{" ADDRESS ",\"paymentMethod\":\"online\"}"

typedef enum step { STEP_NONE, STEP_ADD_A, STEP_ADD_B, STEP_PLACE, STEP_DONE } step_t;

typedef struct ack {
    char customer[32];
    char order_id[160];
    bool paid_late;              /* paid with POST /orders/:id/pay after a restart */
} ack_t;

/* One client thread of one cycle.  The thread writes everything but the
 * inputs; the test's thread reads it after pthread_join. */
typedef struct client {
    int cycle, index;
    const char *base;
    char **tokens;               /* MAX_PER_CYCLE, minted by the test's thread */
    int *acked;                  /* shared counter (atomic) */
    ack_t *acks;                 /* MAX_PER_CYCLE */
    int nacks;
    step_t step;                 /* where the kill found it */
    int n;                       /* its customer then */
    char failure[512];           /* an unexpected answer */
} client_t;

static struct {
    srvs_store_t store;
    srvh_t srv;
    bool curl_up;
    int clients;
    ack_t *acks;                 /* every acknowledged placement */
    size_t nacks, cap;
    int64_t price_a, price_b;
    size_t history_per_order[2];  /* by method: cod, online (the references') */
    size_t events_per_order[2];
    uint64_t rng;
} S;

/* ---- small helpers ------------------------------------------------------------------ */

static uint64_t next_random(void)
{
    uint64_t z = (S.rng += 0x9e3779b97f4a7c15ULL); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t seed(void)
{
    const char *s = getenv("ORDERS_TEST_SEED");
    if (s && *s)
        return strtoull(s, NULL, 10);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
}

static void customer_id(char *buf, size_t len, int cycle, int client, int n)
{
    snprintf(buf, len, "c%02d-%d-%05d", cycle, client, n);
}

static int64_t qty_a(int n)
{
    return 1 + n % 3;
}

/* Every fourth customer pays online (the server's test gateway approves). */
static bool online(int n)
{
    return n % 4 == 3;
}

static void add_ack(const char *customer, const char *order_id, bool paid_late)
{
    if (S.nacks == S.cap) {
        S.cap = S.cap ? 2 * S.cap : 1024;
        ack_t *grown = realloc(S.acks, S.cap * sizeof *grown);
        cr_assert_not_null(grown, "out of memory");
        S.acks = grown;
    }
    ack_t *a = &S.acks[S.nacks++];
    snprintf(a->customer, sizeof a->customer, "%s", customer);
    snprintf(a->order_id, sizeof a->order_id, "%.159s", order_id);
    a->paid_late = paid_late;
}

/* ---- the clients -------------------------------------------------------------------- */

/* One POST; false (with c->step left at the step) when the request failed
 * (the server died), else the status in *status. */
static bool post(client_t *c, CURL *curl, const char *token, const char *path,
                 const char *header, const char *json, long *status, char **body)
{
    *status = srvh_post_from_thread_h(curl, c->base, token, path, header, json,
                                      test_scaled_ms(REQUEST_TIMEOUT_S * 1000) / 1000, body);
    return *status != -1;
}

/* One customer's checkout; false when the client stops. */
static bool checkout(client_t *c, CURL *curl, int n)
{
    char cust[32], add[128], key[64], *body = NULL;
    long status = 0;
    const char *token = c->tokens[n];
    customer_id(cust, sizeof cust, c->cycle, c->index, n);
    c->n = n;
    c->step = STEP_ADD_A;
    snprintf(add, sizeof add, "{\"productId\":\"" PRODUCT_A "\",\"quantity\":%lld}",
             (long long)qty_a(n));
    bool up = post(c, curl, token, "/api/v1/cart/add", NULL, add, &status, &body);
    if (up && status == 200) {
        free(body);
        body = NULL;
        c->step = STEP_ADD_B;
        up = post(c, curl, token, "/api/v1/cart/add", NULL,
                  "{\"productId\":\"" PRODUCT_B "\",\"quantity\":1}", &status, &body);
    }
    if (up && status == 200) {
        free(body);
        body = NULL;
        c->step = STEP_PLACE;
        snprintf(key, sizeof key, "Idempotency-Key: %s", cust);
        up = post(c, curl, token, "/api/v1/orders/place", key,
                  online(n) ? PLACE_ONLINE : PLACE_COD, &status, &body);
    }
    if (!up) {
        free(body);
        return false;                      /* killed: c->step says where */
    }
    json_t *j = body ? json_loads(body, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(json_object_get(j, "data"), "id"));
    bool placed = c->step == STEP_PLACE && status == 201 && id != NULL;
    if (placed) {
        snprintf(c->acks[c->nacks].customer, sizeof c->acks[0].customer, "%s", cust);
        snprintf(c->acks[c->nacks].order_id, sizeof c->acks[0].order_id, "%s", id);
        c->nacks++;
        __atomic_add_fetch(c->acked, 1, __ATOMIC_SEQ_CST);
        c->step = STEP_NONE;
    } else {
        snprintf(c->failure, sizeof c->failure, "%s at step %d answered %ld: %.300s", cust,
                 (int)c->step, status, body ? body : "");
    }
    json_decref(j);
    free(body);
    return placed;
}

static void *client_main(void *arg)
{
    client_t *c = arg;
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        snprintf(c->failure, sizeof c->failure, "curl_easy_init failed");
        return NULL;
    }
    int n = 0;
    while (n < MAX_PER_CYCLE && checkout(c, curl, n))
        n++;
    if (n == MAX_PER_CYCLE)
        c->step = STEP_DONE;
    curl_easy_cleanup(curl);
    return NULL;
}

/* ---- set-up --------------------------------------------------------------------------- */

static void start_server(void)
{
    srvs_start(&S.store, &S.srv, "16", NULL);
}

static void create_product(const char *id, const char *seller, int price)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"id\":\"%s\",\"sellerId\":\"%s\",\"name\":\"%s\",\"price\":%d,\"stock\":%d}", id,
             seller, id, price, STOCK);
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&S.srv, "POST", "/api/v1/admin/products", body, &r), 201, "%s",
                 r.body);
    srvh_resp_clear(&r);
}

static int64_t price_of(orders_ctx_t *ctx, const char *id)
{
    orders_product_t *p = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_product_get(ctx, id, &p, &err), ORDERS_OK, "%s: %s", id, err.message);
    int64_t amount = p->price.amount;
    orders_product_free(p);
    return amount;
}

/* POST path (with body) for the customer of token with "Idempotency-Key:
 * key"; the status, the order id into id (or the body when none) and
 * whether the order answered is still pending (its payment not made). */
static long post_with_key(const char *path, const char *key, const char *token,
                          const char *body, char *id, size_t len, bool *pending)
{
    char auth[8300], idem[96];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    snprintf(idem, sizeof idem, "Idempotency-Key: %s", key);
    const char *hdrs[] = {auth, idem, NULL};
    srvh_resp_t r;
    long status = srvh_call(&S.srv, "POST", path, hdrs, body, &r);
    json_t *data = r.json ? json_object_get(r.json, "data") : NULL;
    const char *got = json_string_value(json_object_get(data, "id"));
    const char *state = json_string_value(json_object_get(data, "status"));
    snprintf(id, len, "%s", got ? got : r.body);
    *pending = state != NULL && strcmp(state, "pending") == 0;
    srvh_resp_clear(&r);
    return status;
}

/* Places customer's cart again with its key (the clients' key): 201, and
 * pays an order the kill left unpaid (POST /orders/:id/pay with a key of
 * its own): 200.  The order id into id; true when it had to be paid. */
static bool place_again(const char *customer, const char *token, bool pay_online, char *id,
                        size_t len)
{
    bool pending = false;
    long status = post_with_key("/api/v1/orders/place", customer, token,
                                pay_online ? PLACE_ONLINE : PLACE_COD, id, len, &pending);
    cr_assert_eq(status, 201, "%s placed again with its key: %ld %s", customer, status, id);
    if (!pending)
        return false;
    cr_assert(pay_online, "%s: cash-on-delivery order %s answered pending", customer, id);
    char path[256], key[64], paid[512];
    snprintf(path, sizeof path, "/api/v1/orders/%s/pay", id);
    snprintf(key, sizeof key, "pay-%s", customer);
    status = post_with_key(path, key, token, NULL, paid, sizeof paid, &pending);
    cr_assert_eq(status, 200, "%s: paying order %s after the restart: %ld %s", customer, id,
                 status, paid);
    cr_assert(!pending && strcmp(paid, id) == 0, "%s: paying order %s answered %s (%s)",
              customer, id, paid, pending ? "still pending" : "settled");
    return true;
}

/* A reference order of customer: one of A and one of B, placed by the test. */
static void place_reference(const char *customer, bool pay_online)
{
    char *token = srvh_token(customer), id[512];
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&S.srv, token, "POST", "/api/v1/cart/add",
                               "{\"productId\":\"" PRODUCT_A "\",\"quantity\":1}", &r),
                 200, "%s", r.body);
    srvh_resp_clear(&r);
    cr_assert_eq(srvh_customer(&S.srv, token, "POST", "/api/v1/cart/add",
                               "{\"productId\":\"" PRODUCT_B "\",\"quantity\":1}", &r),
                 200, "%s", r.body);
    srvh_resp_clear(&r);
    bool paid_late = place_again(customer, token, pay_online, id, sizeof id);
    free(token);
    cr_assert(!paid_late, "reference order %s was left unpaid", id);
    add_ack(customer, id, false);
}

/* ---- the checks ------------------------------------------------------------------------ */

static int cmp_ack_id(const void *a, const void *b)
{
    return strcmp(((const ack_t *)a)->order_id, ((const ack_t *)b)->order_id);
}

/* The lines customer's cart held, and how it paid. */
static size_t lines_of(const char *customer, ochk_line_t lines[2],
                       orders_payment_method_t *method)
{
    int cycle = -1, client = -1, n = -1;
    char extra;
    int64_t qa = 1;
    *method = strcmp(customer, REF_ONLINE) == 0 ? ORDERS_METHOD_ONLINE : ORDERS_METHOD_COD;
    if (strcmp(customer, REF_COD) != 0 && strcmp(customer, REF_ONLINE) != 0) {
        cr_assert(sscanf(customer, "c%d-%d-%d%c", &cycle, &client, &n, &extra) == 3,
                  "an order of unexpected customer %s", customer);
        qa = qty_a(n);
        *method = online(n) ? ORDERS_METHOD_ONLINE : ORDERS_METHOD_COD;
    }
    lines[0] = (ochk_line_t){PRODUCT_A, qa, S.price_a};
    lines[1] = (ochk_line_t){PRODUCT_B, 1, S.price_b};
    return 2;
}

typedef struct tally {
    int64_t orders, units_a, units_b;
    size_t events_pending, events_logged, torn_lines;
} tally_t;

/* The events of order o: as many as the reference order's of its payment
 * method, among them its confirmation to the customer and each seller's
 * part. */
static void check_events(const char *when, const seen_events_t *ev, const orders_order_t *o,
                         orders_payment_method_t method)
{
    size_t n = 0;
    const seen_event_t *e = seen_events_of(ev, o->id, &n);
    bool placed = false, seller_a = false, seller_b = false;
    for (size_t i = 0; i < n; i++) {
        placed |= !strcmp(e[i].type, "order_placed") && !strcmp(e[i].recipient, o->customer_id);
        seller_a |= !strcmp(e[i].type, "new_order") && !strcmp(e[i].recipient, SELLER_A);
        seller_b |= !strcmp(e[i].type, "new_order") && !strcmp(e[i].recipient, SELLER_B);
    }
    cr_assert(placed && seller_a && seller_b,
              "%s: order %s (%s): outbox events missing: order_placed %d, new_order to %s %d, "
              "to %s %d (%zu events)",
              when, o->id, o->customer_id, placed, SELLER_A, seller_a, SELLER_B, seller_b, n);
    size_t *want = &S.events_per_order[method == ORDERS_METHOD_ONLINE];
    if (*want == 0)
        *want = n;                      /* the reference order, checked first */
    cr_assert_eq(n, *want, "%s: order %s (%s) has %zu outbox events, a placement writes %zu",
                 when, o->id, orders_payment_method_name(method), n, *want);
}

/* The history of order id as text ("from>to by actor (note); ..."), for a
 * failure message. */
static void history_text(orders_ctx_t *ctx, const char *id, char *buf, size_t len)
{
    orders_history_list_t h = {0};
    orders_error_t err = {0};
    size_t used = 0;
    buf[0] = '\0';
    if (orders_order_history(ctx, id, &h, &err) != ORDERS_OK)
        return;
    for (size_t i = 0; i < h.count && used < len; i++) {
        const orders_history_t *e = h.items[i];
        int k = snprintf(buf + used, len - used, "%s%s>%s by %s (%s)", i ? "; " : "",
                         e->from_status ? e->from_status : "-", e->to_status,
                         e->actor ? e->actor : "-", e->note ? e->note : "");
        used += k > 0 ? (size_t)k : 0;
    }
    orders_history_list_clear(&h);
}

/* One stored order: acknowledged, whole, with its events. */
static void check_stored(const char *when, orders_ctx_t *ctx, const seen_events_t *ev,
                         const ack_t *sorted, const orders_order_t *o, tally_t *t)
{
    ack_t key;
    snprintf(key.order_id, sizeof key.order_id, "%s", o->id);
    const ack_t *a = bsearch(&key, sorted, S.nacks, sizeof *sorted, cmp_ack_id);
    cr_assert_not_null(a, "%s: order %s of %s is stored but no placement of it was "
                       "acknowledged (a second order for one cart?)", when, o->id,
                       o->customer_id);
    cr_assert_str_eq(a->customer, o->customer_id, "%s: order %s: placed for %s, stored for %s",
                     when, o->id, a->customer, o->customer_id);
    ochk_line_t lines[2];
    orders_payment_method_t method;
    size_t n = lines_of(o->customer_id, lines, &method);
    size_t h = ochk_order_whole(ctx, when, o, method, lines, n);
    size_t *want = &S.history_per_order[method == ORDERS_METHOD_ONLINE];
    if (*want == 0)
        *want = h;                      /* the reference order, checked first */
    /* a payment made with an Idempotency-Key records the key's mark as one
     * more entry (core/payment.c) */
    size_t expected = *want + (a->paid_late ? 1 : 0);
    char text[1024] = "";
    if (h != expected)
        history_text(ctx, o->id, text, sizeof text);
    cr_assert_eq(h, expected, "%s: order %s (%s%s) has %zu history entries, not %zu: %s", when,
                 o->id, orders_payment_method_name(method), a->paid_late ? ", paid late" : "", h,
                 expected, text);
    check_events(when, ev, o, method);
    t->units_a += lines[0].quantity;
    t->units_b += lines[1].quantity;
    t->orders++;
}

/* Every stored order, oldest first (the reference order first). */
static void check_all_orders(const char *when, orders_ctx_t *ctx, const seen_events_t *ev,
                             tally_t *t)
{
    ack_t *sorted = malloc((S.nacks ? S.nacks : 1) * sizeof *sorted);
    cr_assert_not_null(sorted, "out of memory");
    memcpy(sorted, S.acks, S.nacks * sizeof *sorted);
    qsort(sorted, S.nacks, sizeof *sorted, cmp_ack_id);
    for (size_t i = 1; i < S.nacks; i++)
        cr_assert(strcmp(sorted[i - 1].order_id, sorted[i].order_id) != 0,
                  "%s: order %s acknowledged to two placements (%s and %s)", when,
                  sorted[i].order_id, sorted[i - 1].customer, sorted[i].customer);
    orders_error_t err = {0};
    int64_t total = 0, pages = 1;
    for (int64_t page = pages; page <= pages; page++) {
        orders_order_list_t l = {0};
        orders_list_query_t q = {.page = page, .limit = 1000};
        orders_code_t rc = orders_order_list(ctx, &q, &l, &err);
        cr_assert_eq(rc, ORDERS_OK, "%s: order list page %lld: %s (%s)", when, (long long)page,
                     orders_strerror(rc), err.message);
        total = l.total;
        pages = (total + 999) / 1000;
        for (size_t k = l.count; k-- > 0;)
            check_stored(when, ctx, ev, sorted, l.items[k], t);
        orders_order_list_clear(&l);
    }
    free(sorted);
    cr_assert_eq(t->orders, total, "%s: the order list says %lld orders, %lld listed", when,
                 (long long)total, (long long)t->orders);
    cr_assert_eq(t->orders, (int64_t)S.nacks,
                 "%s: %lld orders stored, %zu placements acknowledged: some acknowledged "
                 "placement is missing", when, (long long)t->orders, S.nacks);
}

/* No event names an order that is not stored. */
static void check_no_stray_events(const char *when, orders_ctx_t *ctx, const seen_events_t *ev)
{
    for (size_t i = 0; i < ev->count; i++) {
        if (i > 0 && strcmp(ev->items[i].order_id, ev->items[i - 1].order_id) == 0)
            continue;
        orders_order_t *o = NULL;
        orders_error_t err = {0};
        orders_code_t rc = orders_order_get(ctx, ev->items[i].order_id, NULL, &o, &err);
        orders_order_free(o);
        cr_assert_eq(rc, ORDERS_OK, "%s: outbox event %s (%s) of order %s, which is not "
                     "stored: %s", when, ev->items[i].id, ev->items[i].type,
                     ev->items[i].order_id, orders_strerror(rc));
    }
}

/* The restarted server answers with the same figures. */
static void check_over_http(const char *when, const tally_t *t)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&S.srv, "GET", "/api/v1/admin/orders?page=1&limit=1", NULL, &r), 200,
                 "%s: %s", when, r.body);
    json_int_t total = json_integer_value(
        json_object_get(json_object_get(srvh_data(&r), "pagination"), "total"));
    srvh_resp_clear(&r);
    cr_assert_eq(total, t->orders, "%s: the server lists %lld orders, the store holds %lld", when,
                 (long long)total, (long long)t->orders);
    cr_assert_eq(srvh_admin(&S.srv, "GET", "/api/v1/inventory/stock/" PRODUCT_A, NULL, &r), 200,
                 "%s: %s", when, r.body);
    json_int_t sold = json_integer_value(json_object_get(srvh_data(&r), "sold"));
    srvh_resp_clear(&r);
    cr_assert_eq(sold, t->units_a, "%s: the server says %lld of A sold, the orders hold %lld",
                 when, (long long)sold, (long long)t->units_a);
}

/* Everything the header comment lists. */
static tally_t verify(const char *when)
{
    tally_t t = {0};
#ifdef ORDERS_HAVE_SQLITE
    if (S.store.kind == SRVS_SQLITE)
        sqlt_assert_integrity(when, S.srv.db);
#endif
    orders_ctx_t *ctx = srvs_open(&S.store);
    char log[320];
    snprintf(log, sizeof log, "%s/events.log", S.store.dir);
    seen_events_t ev;
    seen_events_read(ctx, log, &ev);
    check_all_orders(when, ctx, &ev, &t);
    check_no_stray_events(when, ctx, &ev);
    ochk_stock_sold(ctx, when, PRODUCT_A, STOCK, t.units_a);
    ochk_stock_sold(ctx, when, PRODUCT_B, STOCK, t.units_b);
    t.events_pending = ev.pending;
    t.events_logged = ev.logged;
    t.torn_lines = ev.torn_lines;
    seen_events_clear(&ev);
    orders_ctx_destroy(ctx);
    check_over_http(when, &t);
    return t;
}

/* ---- one cycle ----------------------------------------------------------------------------- */

typedef struct cycle_stats {
    int64_t delay_ms;
    int acked;              /* 201s during the load */
    int in_add, in_place;   /* steps the kill found */
    int committed;          /* in-flight placements already stored */
    int paid_late;          /* of them, online orders the kill left unpaid */
} cycle_stats_t;

/* Load, then SIGKILL a random delay after the first 201. */
static void load_and_kill(client_t *c, int cycle, cycle_stats_t *st)
{
    int acked = 0;
    pthread_t th[MAX_CLIENTS];
    for (int i = 0; i < S.clients; i++) {
        c[i].cycle = cycle;
        c[i].index = i;
        c[i].base = S.srv.base;
        c[i].acked = &acked;
        cr_assert_eq(pthread_create(&th[i], NULL, client_main, &c[i]), 0);
    }
    int64_t t0 = test_mono_ms();
    while (__atomic_load_n(&acked, __ATOMIC_SEQ_CST) == 0 &&
           test_mono_ms() - t0 < test_scaled_ms(FIRST_ACK_TIMEOUT_MS))
        test_sleep_ms(5);
    bool any = __atomic_load_n(&acked, __ATOMIC_SEQ_CST) > 0;
    st->delay_ms = DELAY_MIN_MS + (int64_t)(next_random() % (DELAY_MAX_MS - DELAY_MIN_MS + 1));
    if (any)
        test_sleep_ms(st->delay_ms);
    cr_assert_eq(kill(S.srv.pid, SIGKILL), 0, "kill: %s", strerror(errno));
    int status = 0;
    cr_assert_eq(waitpid(S.srv.pid, &status, 0), S.srv.pid);
    S.srv.pid = 0;
    for (int i = 0; i < S.clients; i++)
        pthread_join(th[i], NULL);
    cr_assert(any, "cycle %d: no placement answered 201 within %lld ms", cycle,
              (long long)test_scaled_ms(FIRST_ACK_TIMEOUT_MS));
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
              "cycle %d: orders-server ended before the kill (status %d)", cycle, status);
    for (int i = 0; i < S.clients; i++) {
        cr_assert_eq(c[i].failure[0], '\0', "cycle %d client %d: %s", cycle, i, c[i].failure);
        for (int k = 0; k < c[i].nacks; k++)
            add_ack(c[i].acks[k].customer, c[i].acks[k].order_id, false);
        st->acked += c[i].nacks;
        st->in_add += c[i].step == STEP_ADD_A || c[i].step == STEP_ADD_B;
        st->in_place += c[i].step == STEP_PLACE;
    }
}

/* The order of customer now in the store, into id ("" when none). */
static void stored_order_of(orders_ctx_t *ctx, const char *customer, char *id, size_t len)
{
    orders_order_list_t l = {0};
    orders_list_query_t q = {.customer_id = customer, .page = 1, .limit = 10};
    orders_error_t err = {0};
    orders_code_t rc = orders_order_list(ctx, &q, &l, &err);
    cr_assert_eq(rc, ORDERS_OK, "orders of %s: %s (%s)", customer, orders_strerror(rc),
                 err.message);
    cr_assert_leq(l.count, 1, "customer %s has %zu orders for one cart", customer, l.count);
    snprintf(id, len, "%s", l.count ? l.items[0]->id : "");
    orders_order_list_clear(&l);
}

/* Steps 1-3 of the header comment. */
static void recover_restart_resume(client_t *c, int cycle, cycle_stats_t *st)
{
    char before[MAX_CLIENTS][160];
    orders_ctx_t *ctx = srvs_open(&S.store);     /* MongoDB: recovery at open */
    for (int i = 0; i < S.clients; i++) {
        char cust[32];
        customer_id(cust, sizeof cust, cycle, i, c[i].n);
        before[i][0] = '\0';
        if (c[i].step == STEP_ADD_A || c[i].step == STEP_ADD_B || c[i].step == STEP_PLACE)
            stored_order_of(ctx, cust, before[i], sizeof before[i]);
        cr_assert(c[i].step == STEP_PLACE || before[i][0] == '\0',
                  "cycle %d: customer %s was killed filling its cart, yet has order %s", cycle,
                  cust, before[i]);
        st->committed += before[i][0] != '\0';
    }
    orders_ctx_destroy(ctx);
    start_server();
    for (int i = 0; i < S.clients; i++) {
        if (c[i].step != STEP_PLACE)
            continue;
        char cust[32], id[512];
        customer_id(cust, sizeof cust, cycle, i, c[i].n);
        bool paid_late = place_again(cust, c[i].tokens[c[i].n], online(c[i].n), id, sizeof id);
        st->paid_late += paid_late;
        cr_assert(before[i][0] == '\0' || strcmp(before[i], id) == 0,
                  "cycle %d: %s had order %s stored, its key's replay answered %s", cycle, cust,
                  before[i], id);
        add_ack(cust, id, paid_late);
    }
}

static void mint_tokens(client_t *c, int cycle)
{
    for (int i = 0; i < S.clients; i++)
        for (int n = 0; n < MAX_PER_CYCLE; n++) {
            char cust[32];
            customer_id(cust, sizeof cust, cycle, i, n);
            free(c[i].tokens[n]);
            c[i].tokens[n] = srvh_token(cust);
        }
}

/* Waits up to limit_s for the running server to deliver every pending
 * event (it takes the store's outbox lease once the killed server's lapses,
 * up to 30 s); returns how long it took. */
static int64_t drain_outbox(long limit_s)
{
    int64_t t0 = test_mono_ms(), pending = -1;
    while (test_mono_ms() - t0 < limit_s * 1000) {
        srvh_resp_t r;
        cr_assert_eq(srvh_admin(&S.srv, "GET", "/api/v1/admin/outbox", NULL, &r), 200, "%s",
                     r.body);
        pending = json_integer_value(json_object_get(srvh_data(&r), "pending"));
        srvh_resp_clear(&r);
        if (pending == 0)
            break;
        test_sleep_ms(250);
    }
    cr_assert_eq(pending, 0, "%lld outbox events still pending after %ld s", (long long)pending,
                 limit_s);
    return test_mono_ms() - t0;
}

/* ---- the test -------------------------------------------------------------------------------- */

static void down(void)
{
    if (S.srv.pid > 0) {
        kill(S.srv.pid, SIGKILL);
        waitpid(S.srv.pid, NULL, 0);
    }
    srvs_destroy(&S.store);
    free(S.acks);
    if (S.curl_up)
        curl_global_cleanup();
    memset(&S, 0, sizeof S);
}

TestSuite(srv_crash, .fini = down);

static void run(srvs_kind_t kind, const char *test)
{
    const char *only = getenv("ORDERS_CRASH_STORE");
    if (only && *only && strcmp(only, srvs_kind_name(kind)) != 0)
        cr_skip_test("ORDERS_CRASH_STORE=%s", only);
    long kills = srvs_env_long("ORDERS_CRASH_KILLS", (long)test_scaled_count(4, 1), 1, 1000);
    S.clients = (int)srvs_env_long("ORDERS_CRASH_CLIENTS", 4, 1, MAX_CLIENTS);
    srvs_init(&S.store, kind, test);
    cr_assert_eq(curl_global_init(CURL_GLOBAL_ALL), CURLE_OK);
    S.curl_up = true;
    S.rng = seed();
    fprintf(stderr, "%s: seed %llu (ORDERS_TEST_SEED repeats the delays), %ld kills, %d clients\n",
            test, (unsigned long long)S.rng, kills, S.clients);
    int64_t t_start = test_mono_ms();
    start_server();
    create_product(PRODUCT_A, SELLER_A, 10);
    create_product(PRODUCT_B, SELLER_B, 3);
    orders_ctx_t *ctx = srvs_open(&S.store);
    S.price_a = price_of(ctx, PRODUCT_A);
    S.price_b = price_of(ctx, PRODUCT_B);
    orders_ctx_destroy(ctx);
    place_reference(REF_COD, false);
    place_reference(REF_ONLINE, true);
    verify("before the first kill");

    static client_t c[MAX_CLIENTS];
    static char *tokens[MAX_CLIENTS][MAX_PER_CYCLE];
    static ack_t acks[MAX_CLIENTS][MAX_PER_CYCLE];
    tally_t t = {0};
    for (int cycle = 0; cycle < kills; cycle++) {
        for (int i = 0; i < S.clients; i++)
            c[i] = (client_t){.tokens = tokens[i], .acks = acks[i]};
        mint_tokens(c, cycle);
        cycle_stats_t st = {0};
        int64_t t0 = test_mono_ms();
        load_and_kill(c, cycle, &st);
        int64_t t_load = test_mono_ms() - t0;
        recover_restart_resume(c, cycle, &st);
        char when[64];
        snprintf(when, sizeof when, "after kill %d/%ld", cycle + 1, kills);
        t = verify(when);
        fprintf(stderr,
                "%s: kill %2d: %4lld ms after the first 201; %4d acknowledged; in flight: %d "
                "adding, %d placing (%d already stored, %d paid after the restart); %6lld orders; "
                "events %zu pending + %zu delivered; load %lld ms, check %lld ms\n",
                test, cycle + 1, (long long)st.delay_ms, st.acked, st.in_add, st.in_place,
                st.committed, st.paid_late, (long long)t.orders, t.events_pending, t.events_logged,
                (long long)t_load, (long long)(test_mono_ms() - t0 - t_load));
    }
    long drain_s = srvs_env_long("ORDERS_CRASH_DRAIN_S", 0, 0, 600);
    if (drain_s > 0) {
        int64_t waited = drain_outbox(drain_s);
        t = verify("after the outbox drained");
        fprintf(stderr, "%s: the restarted server delivered every pending event in %lld ms "
                "(%zu in the events log)\n", test, (long long)waited, t.events_logged);
    }
    for (int i = 0; i < MAX_CLIENTS; i++)
        for (int n = 0; n < MAX_PER_CYCLE; n++) {
            free(tokens[i][n]);
            tokens[i][n] = NULL;
        }
    cr_expect_eq(srvh_stop(&S.srv, true), 0, "orders-server must stop cleanly at the end");
    fprintf(stderr, "%s: PASSED %ld kills, %zu acknowledged placements, %lld orders stored, %zu "
            "torn event-log lines, %lld ms in all\n",
            test, kills, S.nacks, (long long)t.orders, t.torn_lines,
            (long long)(test_mono_ms() - t_start));
}

Test(srv_crash, sqlite_kill_nine_under_checkout_load, .timeout = 3000)
{
    run(SRVS_SQLITE, "srv_crash[sqlite]");
}

Test(srv_crash, mongo_kill_nine_under_checkout_load, .timeout = 3000)
{
    run(SRVS_MONGO, "srv_crash[mongo]");
}
