/*
 * helpers.c - record builders, set-up shortcuts and deep comparisons shared
 * by every conformance suite (see conformance.h).
 */
#include "conformance/conformance.h"

#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const orders_store_vtable_t *conf_vt;
void *conf_ud;

void conf_setup(void)
{
    conf_ud = NULL;
    conf_vt = NULL;
    const char *why = conformance_skip_reason();
    if (why != NULL) {
        fprintf(stderr, "conformance: SKIPPED: %s\n", why);
        cr_skip_test("%s", why);
    }
    conf_vt = conformance_open(&conf_ud);
    cr_assert_not_null(conf_vt, "conformance_open failed");
}

/* Checks the stock invariant of every product the test left behind; returns
 * the number of products that break it (the first is described in msg). */
static int sweep_invariant(char *msg, size_t len)
{
    orders_product_list_t l = {0};
    int bad = 0;
    if (conf_vt->product_list(conf_ud, NULL, 0, 1000, &l, NULL) != ORDERS_OK)
        return snprintf(msg, len, "product_list failed in teardown"), 1;
    for (size_t i = 0; i < l.count; i++) {
        orders_stock_t s;
        if (conf_vt->stock_get(conf_ud, l.items[i]->id, &s, NULL) == ORDERS_OK &&
            s.available >= 0 && s.reserved >= 0 && s.sold >= 0 &&
            s.available + s.reserved + s.sold == s.stocked - s.adjusted)
            continue;
        if (!bad++)
            snprintf(msg, len, "%s: stock unreadable or invariant broken at teardown",
                     l.items[i]->id);
    }
    orders_product_list_clear(&l);
    return bad;
}

void conf_teardown(void)
{
    char msg[ORDERS_ID_MAX + 64] = "";
    int bad = conf_vt ? sweep_invariant(msg, sizeof msg) : 0;
    if (conf_vt)
        conformance_close(conf_ud);
    conf_vt = NULL;
    conf_ud = NULL;
    cr_assert_eq(bad, 0, "%s", msg);
}

/* ---- builders ------------------------------------------------------------ */

char *conf_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    cr_assert_not_null(d, "out of memory");
    memcpy(d, s, n);
    return d;
}

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static char *fmt_dup(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return conf_strdup(buf);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    cr_assert_not_null(p, "out of memory");
    return p;
}

static orders_money_t usd(int64_t amount)
{
    orders_money_t m = {.amount = amount, .currency = "USD"};
    return m;
}

orders_product_t *conf_product_new(const char *id, const char *seller_id, int64_t price)
{
    orders_product_t *p = xcalloc(1, sizeof *p);
    p->id = conf_strdup(id);
    p->seller_id = conf_strdup(seller_id);
    p->name = fmt_dup("Product %s", id);
    p->image = fmt_dup("https://img.example/%s.png", id);
    p->price = usd(price);
    p->active = true;
    p->created_at = p->updated_at = CONF_T0;
    return p;
}

orders_cart_t *conf_cart_new(const char *customer_id, int64_t version, const conf_line_t *lines,
                             size_t n, int64_t now)
{
    orders_cart_t *c = xcalloc(1, sizeof *c);
    c->id = fmt_dup("cart-%s", customer_id);
    c->customer_id = conf_strdup(customer_id);
    c->items = n ? xcalloc(n, sizeof *c->items) : NULL;
    c->item_count = n;
    c->total_amount = usd(0);
    if (n == 0)
        c->total_amount.currency[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        orders_cart_line_t *l = &c->items[i];
        l->product_id = conf_strdup(lines[i].product_id);
        l->seller_id = conf_strdup(lines[i].seller_id);
        l->product_name = fmt_dup("Product %s", lines[i].product_id);
        l->product_image = i % 2 ? NULL : fmt_dup("https://img.example/%s.png", lines[i].product_id);
        l->quantity = lines[i].quantity;
        l->price = usd(lines[i].unit_price);
        l->total_price = usd(lines[i].unit_price * lines[i].quantity);
        l->available_stock = 100 + (int64_t)i;
        l->added_at = now - 1000 + (int64_t)i;
        c->total_items += l->quantity;
        c->total_amount.amount += l->total_price.amount;
    }
    c->version = version;
    c->created_at = now - 5000;
    c->updated_at = now;
    c->expires_at = now + 30 * CONF_DAY;
    return c;
}

orders_order_t *conf_order_new(const char *id, const char *order_number, const char *customer_id,
                               const conf_line_t *lines, size_t n, int64_t now)
{
    orders_order_t *o = xcalloc(1, sizeof *o);
    o->id = conf_strdup(id);
    o->order_number = conf_strdup(order_number);
    o->customer_id = conf_strdup(customer_id);
    o->customer_name = fmt_dup("Customer %s", customer_id);
    o->customer_email = fmt_dup("%s@example.com", customer_id);
    o->items = n ? xcalloc(n, sizeof *o->items) : NULL;
    o->item_count = n;
    o->seller_statuses = n ? xcalloc(n, sizeof *o->seller_statuses) : NULL;
    int64_t subtotal = 0;
    for (size_t i = 0; i < n; i++) {
        orders_order_item_t *it = &o->items[i];
        it->product_id = conf_strdup(lines[i].product_id);
        it->seller_id = conf_strdup(lines[i].seller_id);
        it->product_name = fmt_dup("Product %s", lines[i].product_id);
        it->product_image = i % 2 ? fmt_dup("https://img.example/%s.png", lines[i].product_id)
                                  : NULL;
        it->quantity = lines[i].quantity;
        it->unit_price = usd(lines[i].unit_price);
        it->total_price = usd(lines[i].unit_price * lines[i].quantity);
        it->status = ORDERS_ITEM_RESERVED;
        it->reserved_at = now;
        subtotal += it->total_price.amount;
        bool seen = false;
        for (size_t s = 0; s < o->seller_count; s++)
            seen = seen || strcmp(o->seller_statuses[s].seller_id, lines[i].seller_id) == 0;
        if (!seen) {
            orders_seller_status_t *ss = &o->seller_statuses[o->seller_count];
            ss->seller_id = conf_strdup(lines[i].seller_id);
            ss->status = ORDERS_STATUS_PENDING;
            /* alternate set and unset optionals to catch NULL handling */
            ss->notes = o->seller_count % 2 ? NULL : conf_strdup("handle with care");
            ss->tracking_number = o->seller_count % 2 ? conf_strdup("TRK-1") : NULL;
            ss->estimated_delivery = o->seller_count % 2 ? now + 3 * CONF_DAY : 0;
            ss->updated_at = now;
            o->seller_count++;
        }
    }
    o->subtotal = usd(subtotal);
    o->tax = usd(50), o->shipping_fee = usd(500), o->discount = usd(100);
    o->total_amount = usd(subtotal + 50 + 500 - 100);
    o->status = ORDERS_STATUS_PENDING;
    o->payment_method = ORDERS_METHOD_ONLINE;
    o->payment_status = ORDERS_PAYMENT_PENDING;
    o->payment_ref = fmt_dup("pay-%s", id);
    orders_address_t *a = &o->shipping_address; /* line2 and phone stay NULL */
    a->address_line1 = conf_strdup("1 Main Street");
    a->city = conf_strdup("Springfield");
    a->state = conf_strdup("IL");
    a->country = conf_strdup("US");
    a->postal_code = conf_strdup("62701");
    a->contact_name = conf_strdup("Jane \"JD\" Doe \xc3\xa9");
    o->placed_at = o->created_at = o->updated_at = now;
    o->notes = conf_strdup("leave at the door; ring twice"); /* cancel_reason stays NULL */
    o->refund_amount = usd(0);
    o->reservation_expiry = now + CONF_RES_WINDOW;
    o->version = 1;
    return o;
}

orders_reservation_t *conf_reservation_new(const char *order_id, const char *customer_id,
                                           const conf_line_t *lines, size_t n, bool local_stock,
                                           int64_t now)
{
    orders_reservation_t *r = xcalloc(1, sizeof *r);
    r->id = fmt_dup("res-%s", order_id);
    r->order_id = conf_strdup(order_id);
    r->customer_id = conf_strdup(customer_id);
    r->lines = n ? xcalloc(n, sizeof *r->lines) : NULL;
    r->line_count = n;
    r->total_value = usd(0);
    for (size_t i = 0; i < n; i++) {
        r->lines[i].product_id = conf_strdup(lines[i].product_id);
        r->lines[i].seller_id = conf_strdup(lines[i].seller_id);
        r->lines[i].quantity = lines[i].quantity;
        r->lines[i].unit_price = usd(lines[i].unit_price);
        r->total_items += lines[i].quantity;
        r->total_value.amount += lines[i].unit_price * lines[i].quantity;
    }
    r->status = ORDERS_RES_ACTIVE;
    r->local_stock = local_stock;
    r->created_at = r->updated_at = now;
    r->expires_at = now + CONF_RES_WINDOW;
    return r;
}

orders_event_t *conf_event_new(const char *id, orders_event_type_t type, const char *order_id,
                               const char *recipient, int64_t now)
{
    orders_event_t *e = xcalloc(1, sizeof *e);
    e->id = conf_strdup(id);
    e->type = type;
    e->order_id = conf_strdup(order_id);
    e->recipient = conf_strdup(recipient); /* old_status, last_error stay NULL */
    e->new_status = conf_strdup("pending");
    e->amount = usd(1234);
    e->detail = fmt_dup("detail of %s", id);
    e->created_at = e->next_attempt_at = now;
    return e;
}

orders_history_t *conf_history_new(const char *order_id, int64_t at, const char *actor,
                                   const char *from, const char *to, const char *note)
{
    orders_history_t *h = xcalloc(1, sizeof *h);
    h->order_id = conf_strdup(order_id);
    h->at = at;
    h->actor = conf_strdup(actor);
    h->from_status = conf_strdup(from);
    h->to_status = conf_strdup(to);
    h->note = conf_strdup(note);
    return h;
}

/* ---- transactions ------------------------------------------------------------ */

void conf_place_sync(conf_place_t *p)
{
    size_t ne = 0, nh = 0;
    for (size_t i = 0; i < CONF_MAX_EVENTS; i++) {
        p->event_ptrs[i] = p->events[i];
        if (p->events[i])
            ne = i + 1;
    }
    for (size_t i = 0; i < CONF_MAX_HISTORY; i++) {
        p->history_ptrs[i] = p->history[i];
        if (p->history[i])
            nh = i + 1;
    }
    p->tx.order = p->order;
    p->tx.reservation = p->reservation;
    p->tx.cleared_cart = p->cleared_cart;
    p->tx.events = ne ? p->event_ptrs : NULL;
    p->tx.event_count = ne;
    p->tx.history = nh ? p->history_ptrs : NULL;
    p->tx.history_count = nh;
}

void conf_place_init(conf_place_t *p, const char *order_id, const char *order_number,
                     const char *customer_id, int64_t cart_version, const conf_line_t *lines,
                     size_t n, bool local_stock, int64_t now)
{
    memset(p, 0, sizeof *p);
    p->order = conf_order_new(order_id, order_number, customer_id, lines, n, now);
    p->reservation = conf_reservation_new(order_id, customer_id, lines, n, local_stock, now);
    p->cleared_cart = conf_cart_new(customer_id, cart_version + 1, NULL, 0, now);

    char id[ORDERS_ID_MAX + 1];
    snprintf(id, sizeof id, "%s-ev0", order_id);
    p->events[0] = conf_event_new(id, ORDERS_EVENT_ORDER_PLACED, order_id, customer_id, now);
    for (size_t s = 0; s < p->order->seller_count && s + 1 < CONF_MAX_EVENTS; s++) {
        snprintf(id, sizeof id, "%s-ev%zu", order_id, s + 1);
        p->events[s + 1] = conf_event_new(id, ORDERS_EVENT_NEW_ORDER, order_id,
                                          p->order->seller_statuses[s].seller_id, now);
    }
    char actor[ORDERS_ID_MAX + 16];
    snprintf(actor, sizeof actor, "customer:%s", customer_id);
    p->history[0] = conf_history_new(order_id, now, actor, NULL, "pending", NULL);
    p->tx.cart_version = cart_version; /* no idempotency key */
    conf_place_sync(p);
}

void conf_place_free(conf_place_t *p)
{
    orders_order_free(p->order);
    orders_reservation_free(p->reservation);
    orders_cart_free(p->cleared_cart);
    for (size_t i = 0; i < CONF_MAX_EVENTS; i++)
        orders_event_free(p->events[i]);
    for (size_t i = 0; i < CONF_MAX_HISTORY; i++)
        orders_history_free(p->history[i]);
    memset(p, 0, sizeof *p);
}

void conf_update_init(conf_update_t *u, const orders_order_t *current, orders_status_t to,
                      orders_res_effect_t effect, int64_t now, const char *tag)
{
    memset(u, 0, sizeof *u);
    u->order = orders_order_copy(current);
    cr_assert_not_null(u->order, "orders_order_copy failed");
    orders_order_t *o = u->order;
    const char *from = orders_status_name(o->status);
    o->version = current->version + 1;
    o->status = to;
    o->updated_at = now;
    int64_t *stamp[] = {[ORDERS_STATUS_CONFIRMED] = &o->confirmed_at,
                        [ORDERS_STATUS_PROCESSING] = &o->processing_at,
                        [ORDERS_STATUS_SHIPPED] = &o->shipped_at,
                        [ORDERS_STATUS_DELIVERED] = &o->delivered_at,
                        [ORDERS_STATUS_CANCELLED] = &o->cancelled_at,
                        [ORDERS_STATUS_FAILED] = &o->cancelled_at};
    if (stamp[to])
        *stamp[to] = now;
    if (to == ORDERS_STATUS_CANCELLED || to == ORDERS_STATUS_FAILED) {
        free(o->cancel_reason);
        o->cancel_reason = conf_strdup("changed my mind");
    }
    if (tag) {
        free(o->notes);
        o->notes = conf_strdup(tag);
    }
    char id[ORDERS_ID_MAX + 1];
    snprintf(id, sizeof id, "%s-v%lld%s%s", o->id, (long long)o->version, tag ? "-" : "",
             tag ? tag : "");
    u->event = conf_event_new(id, ORDERS_EVENT_STATUS_CHANGED, o->id, o->customer_id, now);
    free(u->event->old_status);
    u->event->old_status = conf_strdup(from);
    free(u->event->new_status);
    u->event->new_status = conf_strdup(orders_status_name(to));
    u->history = conf_history_new(o->id, now, "admin", from, orders_status_name(to), tag);
    u->event_ptrs[0] = u->event;
    u->history_ptrs[0] = u->history;
    u->tx = (orders_update_tx_t){.order = o, .expected_version = current->version,
                                 .effect = effect, .now = now, .events = u->event_ptrs,
                                 .event_count = 1, .history = u->history_ptrs,
                                 .history_count = 1};
}

void conf_update_free(conf_update_t *u)
{
    orders_order_free(u->order);
    orders_event_free(u->event);
    orders_history_free(u->history);
    memset(u, 0, sizeof *u);
}

/* ---- set-up shortcuts ---------------------------------------------------------- */

void conf_seed_product(const orders_store_vtable_t *vt, void *ud, const char *id,
                       const char *seller_id, int64_t available)
{
    orders_product_t *p = conf_product_new(id, seller_id, 1000);
    orders_error_t err = {0};
    orders_code_t rc = vt->product_put(ud, p, true, &err);
    orders_product_free(p);
    cr_assert_eq(rc, ORDERS_OK, "seed product_put(%s): %d %s", id, rc, err.message);
    rc = vt->stock_change(ud, id, ORDERS_STOCK_SET_AVAILABLE, available, NULL, &err);
    cr_assert_eq(rc, ORDERS_OK, "seed stock_change(%s): %d %s", id, rc, err.message);
    conf_assert_stock(vt, ud, id, available, 0, 0);
}

void conf_seed_cart(const orders_store_vtable_t *vt, void *ud, const char *customer_id,
                    const conf_line_t *lines, size_t n, int64_t now)
{
    orders_cart_t *c = conf_cart_new(customer_id, 1, lines, n, now);
    orders_error_t err = {0};
    orders_code_t rc = vt->cart_put(ud, c, 0, &err);
    orders_cart_free(c);
    cr_assert_eq(rc, ORDERS_OK, "seed cart_put(%s): %d %s", customer_id, rc, err.message);
}

void conf_seed_order(const orders_store_vtable_t *vt, void *ud, const char *order_id,
                     const char *order_number, const char *customer_id, const char *seller_id,
                     int64_t at, orders_status_t status)
{
    char product[ORDERS_ID_MAX + 1];
    snprintf(product, sizeof product, "ext-%s", seller_id);
    conf_line_t line = {product, seller_id, 1, 700};

    orders_cart_t *c = NULL;
    int64_t version;
    orders_code_t rc = vt->cart_get(ud, customer_id, &c, NULL);
    if (rc == ORDERS_OK) {
        version = c->version;
        orders_cart_free(c);
    } else {
        cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "seed cart_get(%s): %d", customer_id, rc);
        conf_seed_cart(vt, ud, customer_id, &line, 1, at);
        version = 1;
    }
    conf_place_t p;
    conf_place_init(&p, order_id, order_number, customer_id, version, &line, 1, false, at);
    p.order->status = status;
    orders_error_t err = {0};
    rc = vt->place(ud, &p.tx, &p.result, &err);
    conf_place_free(&p);
    cr_assert_eq(rc, ORDERS_OK, "seed place(%s): %d %s", order_id, rc, err.message);
}

/* ---- reading the store ------------------------------------------------------------ */

orders_stock_t conf_stock(const orders_store_vtable_t *vt, void *ud, const char *product_id)
{
    orders_stock_t s;
    memset(&s, 0xA5, sizeof s);
    orders_error_t err = {0};
    orders_code_t rc = vt->stock_get(ud, product_id, &s, &err);
    cr_assert_eq(rc, ORDERS_OK, "stock_get(%s): %d %s", product_id, rc, err.message);
    return s;
}

static const char *stock_str(char *buf, size_t len, const orders_stock_t *s)
{
    snprintf(buf, len, "available %lld, reserved %lld, sold %lld, stocked %lld, adjusted %lld",
             (long long)s->available, (long long)s->reserved, (long long)s->sold,
             (long long)s->stocked, (long long)s->adjusted);
    return buf;
}

void assert_invariant(const orders_store_vtable_t *vt, void *ud, const char *product_id)
{
    char b[160];
    orders_stock_t s = conf_stock(vt, ud, product_id);
    cr_assert(s.available >= 0 && s.reserved >= 0 && s.sold >= 0 && s.stocked >= 0 &&
                  s.adjusted >= 0,
              "%s: negative stock count: %s", product_id, stock_str(b, sizeof b, &s));
    cr_assert_eq(s.available + s.reserved + s.sold, s.stocked - s.adjusted,
                 "%s: invariant available + reserved + sold == stocked - adjusted broken: %s",
                 product_id, stock_str(b, sizeof b, &s));
}

void conf_assert_stock(const orders_store_vtable_t *vt, void *ud, const char *product_id,
                       int64_t available, int64_t reserved, int64_t sold)
{
    char b[160];
    orders_stock_t s = conf_stock(vt, ud, product_id);
    cr_assert(s.available == available && s.reserved == reserved && s.sold == sold,
              "%s: expected available %lld, reserved %lld, sold %lld; got %s", product_id,
              (long long)available, (long long)reserved, (long long)sold,
              stock_str(b, sizeof b, &s));
    assert_invariant(vt, ud, product_id);
}

size_t conf_history_count(const orders_store_vtable_t *vt, void *ud, const char *order_id)
{
    orders_history_list_t l = {0};
    orders_error_t err = {0};
    orders_code_t rc = vt->history_list(ud, order_id, &l, &err);
    size_t n = l.count;
    orders_history_list_clear(&l);
    cr_assert_eq(rc, ORDERS_OK, "history_list(%s): %d %s", order_id, rc, err.message);
    return n;
}

static void outbox_counts(const orders_store_vtable_t *vt, void *ud, int64_t *pending,
                          int64_t *dead)
{
    orders_error_t err = {0};
    *pending = *dead = -1;
    orders_code_t rc = vt->outbox_counts(ud, pending, dead, &err);
    cr_assert_eq(rc, ORDERS_OK, "outbox_counts: %d %s", rc, err.message);
}

int64_t conf_outbox_pending(const orders_store_vtable_t *vt, void *ud)
{
    int64_t c[2];
    return outbox_counts(vt, ud, &c[0], &c[1]), c[0];
}

int64_t conf_outbox_dead(const orders_store_vtable_t *vt, void *ud)
{
    int64_t c[2];
    return outbox_counts(vt, ud, &c[0], &c[1]), c[1];
}

void conf_assert_cart_at(const orders_store_vtable_t *vt, void *ud, const char *customer_id,
                         int64_t version, size_t item_count)
{
    orders_cart_t *c = NULL;
    orders_error_t err = {0};
    orders_code_t rc = vt->cart_get(ud, customer_id, &c, &err);
    cr_assert_eq(rc, ORDERS_OK, "cart_get(%s): %d %s", customer_id, rc, err.message);
    int64_t v = c->version;
    size_t n = c->item_count;
    orders_cart_free(c);
    cr_assert_eq(v, version, "cart of %s: version: expected %lld, got %lld", customer_id,
                 (long long)version, (long long)v);
    cr_assert_eq(n, item_count, "cart of %s: lines: expected %zu, got %zu", customer_id,
                 item_count, n);
}

void conf_assert_res_status(const orders_store_vtable_t *vt, void *ud, const char *order_id,
                            orders_reservation_status_t status)
{
    orders_reservation_t *r = NULL;
    orders_error_t err = {0};
    orders_code_t rc = vt->reservation_get(ud, order_id, &r, &err);
    cr_assert_eq(rc, ORDERS_OK, "reservation_get(%s): %d %s", order_id, rc, err.message);
    orders_reservation_status_t got = r->status;
    orders_reservation_free(r);
    cr_assert_eq(got, status, "reservation of %s: status: expected %s, got %s", order_id,
                 orders_reservation_status_name(status), orders_reservation_status_name(got));
}

void conf_assert_not_placed(const orders_store_vtable_t *vt, void *ud, const conf_place_t *p)
{
    const char *id = p->order->id;
    orders_order_t *o = NULL;
    orders_code_t rc = vt->order_get(ud, id, &o, NULL);
    orders_order_free(o);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "order %s was written (order_get gave %d)", id, rc);
    o = NULL;
    rc = vt->order_get_by_number(ud, p->order->order_number, &o, NULL);
    orders_order_free(o);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "order number %s was written (gave %d)",
                 p->order->order_number, rc);
    orders_reservation_t *r = NULL;
    rc = vt->reservation_get(ud, id, &r, NULL);
    orders_reservation_free(r);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "reservation of %s was written (gave %d)", id, rc);
    size_t h = conf_history_count(vt, ud, id);
    cr_assert_eq(h, 0, "history of %s was written (%zu entries)", id, h);
    if (p->tx.idem_key) {
        char oid[ORDERS_ID_MAX + 1] = "", hash[ORDERS_ID_MAX + 1] = "";
        rc = vt->idem_get(ud, p->tx.idem_key, oid, hash, NULL);
        cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "idempotency key %s was recorded (gave %d, '%s')",
                     p->tx.idem_key, rc, oid);
    }
}

void conf_snapshot_take(conf_snapshot_t *s, const orders_store_vtable_t *vt, void *ud,
                        const char *const *product_ids, size_t n)
{
    cr_assert(n <= CONF_SNAP_MAX, "snapshot of too many products");
    memset(s, 0, sizeof *s);
    s->product_count = n;
    for (size_t i = 0; i < n; i++) {
        s->product_ids[i] = product_ids[i];
        s->stock[i] = conf_stock(vt, ud, product_ids[i]);
    }
    outbox_counts(vt, ud, &s->pending, &s->dead);
}

void conf_snapshot_assert_same(const conf_snapshot_t *s, const orders_store_vtable_t *vt,
                               void *ud)
{
    for (size_t i = 0; i < s->product_count; i++) {
        char was[160], now[160];
        orders_stock_t a = s->stock[i], b = conf_stock(vt, ud, s->product_ids[i]);
        cr_assert(memcmp(&a, &b, sizeof a) == 0, "%s: stock changed: was %s; now %s",
                  s->product_ids[i], stock_str(was, sizeof was, &a), stock_str(now, sizeof now, &b));
        assert_invariant(vt, ud, s->product_ids[i]);
    }
    int64_t pending, dead;
    outbox_counts(vt, ud, &pending, &dead);
    cr_assert_eq(pending, s->pending, "outbox pending: expected %lld, got %lld",
                 (long long)s->pending, (long long)pending);
    cr_assert_eq(dead, s->dead, "outbox dead: expected %lld, got %lld", (long long)s->dead,
                 (long long)dead);
}

/* ---- deep comparison ------------------------------------------------------------------ */

void conf_assert_str(const char *what, const char *expected, const char *got)
{
    if (!expected) {
        cr_assert_null(got, "%s: expected NULL, got \"%s\"", what, got);
        return;
    }
    cr_assert_not_null(got, "%s: expected \"%s\", got NULL", what, expected);
    cr_assert_str_eq(got, expected, "%s: expected \"%s\", got \"%s\"", what, expected, got);
}

void conf_assert_money(const char *what, const orders_money_t *expected, const orders_money_t *got)
{
    cr_assert_eq(got->amount, expected->amount, "%s: amount: expected %lld, got %lld", what,
                 (long long)expected->amount, (long long)got->amount);
    cr_assert_str_eq(got->currency, expected->currency, "%s: currency: expected \"%s\", got \"%s\"",
                     what, expected->currency, got->currency);
}

static const char *fld(char *buf, size_t len, const char *prefix, const char *field)
{
    snprintf(buf, len, "%s.%s", prefix, field);
    return buf;
}

/* Field comparisons of records x (expected) and y (got), named "P.field". */
#define S(P, x, y, F) conf_assert_str(fld(nb, sizeof nb, P, #F), (x)->F, (y)->F)
#define M(P, x, y, F) conf_assert_money(fld(nb, sizeof nb, P, #F), &(x)->F, &(y)->F)
#define I(P, x, y, F)                                                                          \
    cr_assert_eq((int64_t)(y)->F, (int64_t)(x)->F, "%s.%s: expected %lld, got %lld", P, #F,    \
                 (long long)(x)->F, (long long)(y)->F)
#define N(P, x, y, F)                                                                          \
    cr_assert_eq((y)->F, (x)->F, "%s.%s: expected %zu, got %zu", P, #F, (x)->F, (y)->F)

void conf_assert_product_eq(const orders_product_t *e, const orders_product_t *g)
{
    char nb[128];
    const char *P = "product";
    cr_assert_not_null(g, "product: got NULL");
    S(P, e, g, id); S(P, e, g, seller_id); S(P, e, g, name); S(P, e, g, image);
    M(P, e, g, price); I(P, e, g, active); I(P, e, g, created_at); I(P, e, g, updated_at);
}

void conf_assert_cart_eq(const orders_cart_t *e, const orders_cart_t *g)
{
    char nb[128], P[64] = "cart";
    cr_assert_not_null(g, "cart: got NULL");
    S(P, e, g, id); S(P, e, g, customer_id); N(P, e, g, item_count);
    I(P, e, g, total_items); M(P, e, g, total_amount); I(P, e, g, version);
    I(P, e, g, created_at); I(P, e, g, updated_at); I(P, e, g, expires_at);
    for (size_t i = 0; i < e->item_count; i++) {
        const orders_cart_line_t *x = &e->items[i], *y = &g->items[i];
        snprintf(P, sizeof P, "cart.items[%zu]", i);
        S(P, x, y, product_id); S(P, x, y, seller_id); S(P, x, y, product_name);
        S(P, x, y, product_image); I(P, x, y, quantity); M(P, x, y, price);
        M(P, x, y, total_price); I(P, x, y, available_stock); I(P, x, y, added_at);
    }
}

void conf_assert_order_eq(const orders_order_t *e, const orders_order_t *g)
{
    char nb[128], P[64] = "order";
    cr_assert_not_null(g, "order: got NULL");
    S(P, e, g, id); S(P, e, g, order_number); S(P, e, g, customer_id);
    S(P, e, g, customer_name); S(P, e, g, customer_email); N(P, e, g, item_count);
    M(P, e, g, subtotal); M(P, e, g, tax); M(P, e, g, shipping_fee); M(P, e, g, discount);
    M(P, e, g, total_amount); I(P, e, g, status); I(P, e, g, payment_method);
    I(P, e, g, payment_status); S(P, e, g, payment_ref); N(P, e, g, seller_count);
    I(P, e, g, placed_at); I(P, e, g, confirmed_at); I(P, e, g, processing_at);
    I(P, e, g, shipped_at); I(P, e, g, delivered_at); I(P, e, g, cancelled_at);
    S(P, e, g, notes); S(P, e, g, cancel_reason); M(P, e, g, refund_amount);
    I(P, e, g, reservation_expiry); I(P, e, g, version); I(P, e, g, created_at);
    I(P, e, g, updated_at);
    const orders_address_t *ea = &e->shipping_address, *ga = &g->shipping_address;
    snprintf(P, sizeof P, "order.shipping_address");
    S(P, ea, ga, address_line1); S(P, ea, ga, address_line2); S(P, ea, ga, city);
    S(P, ea, ga, state); S(P, ea, ga, country); S(P, ea, ga, postal_code);
    S(P, ea, ga, contact_name); S(P, ea, ga, contact_phone);
    for (size_t i = 0; i < e->item_count; i++) {
        const orders_order_item_t *x = &e->items[i], *y = &g->items[i];
        snprintf(P, sizeof P, "order.items[%zu]", i);
        S(P, x, y, product_id); S(P, x, y, seller_id); S(P, x, y, product_name);
        S(P, x, y, product_image); I(P, x, y, quantity); M(P, x, y, unit_price);
        M(P, x, y, total_price); I(P, x, y, status); I(P, x, y, reserved_at);
        I(P, x, y, confirmed_at);
    }
    for (size_t i = 0; i < e->seller_count; i++) {
        const orders_seller_status_t *x = &e->seller_statuses[i], *y = &g->seller_statuses[i];
        snprintf(P, sizeof P, "order.seller_statuses[%zu]", i);
        S(P, x, y, seller_id); I(P, x, y, status); S(P, x, y, notes);
        S(P, x, y, tracking_number); I(P, x, y, estimated_delivery); I(P, x, y, updated_at);
    }
}

void conf_assert_reservation_eq(const orders_reservation_t *e, const orders_reservation_t *g)
{
    char nb[128], P[64] = "reservation";
    cr_assert_not_null(g, "reservation: got NULL");
    S(P, e, g, id); S(P, e, g, order_id); S(P, e, g, customer_id); N(P, e, g, line_count);
    I(P, e, g, total_items); M(P, e, g, total_value); I(P, e, g, status);
    I(P, e, g, local_stock); I(P, e, g, created_at); I(P, e, g, updated_at);
    I(P, e, g, expires_at);
    for (size_t i = 0; i < e->line_count; i++) {
        const orders_reservation_line_t *x = &e->lines[i], *y = &g->lines[i];
        snprintf(P, sizeof P, "reservation.lines[%zu]", i);
        S(P, x, y, product_id); S(P, x, y, seller_id); I(P, x, y, quantity);
        M(P, x, y, unit_price);
    }
}

void conf_assert_event_eq(const orders_event_t *e, const orders_event_t *g)
{
    char nb[128];
    const char *P = "event";
    cr_assert_not_null(g, "event: got NULL");
    S(P, e, g, id); I(P, e, g, type); S(P, e, g, order_id); S(P, e, g, recipient);
    S(P, e, g, old_status); S(P, e, g, new_status); M(P, e, g, amount); S(P, e, g, detail);
    I(P, e, g, created_at); I(P, e, g, attempts); I(P, e, g, next_attempt_at);
    S(P, e, g, last_error);
}

void conf_assert_history_eq(const orders_history_t *e, const orders_history_t *g)
{
    char nb[128];
    const char *P = "history";
    cr_assert_not_null(g, "history: got NULL");
    S(P, e, g, order_id); I(P, e, g, at); S(P, e, g, actor); S(P, e, g, from_status);
    S(P, e, g, to_status); S(P, e, g, note);
}
