/*
 * mutate.c - the one read-check-write loop every order change goes through,
 * and the status machine's transition step.
 *
 * A change reads the order, lets a mutator check the rules and edit a copy,
 * and writes it with the store's order_update, which refuses when the
 * stored version moved.  On a refusal the order is read again: if its
 * version moved, the race was lost and the mutator runs again on fresh
 * data (so it re-checks every rule); otherwise the refusal is real.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void change_clear(orders__change_t *ch)
{
    orders_order_free(ch->order);
    for (size_t i = 0; i < ch->event_count; i++)
        orders_event_free(ch->events[i]);
    for (size_t i = 0; i < ch->history_count; i++)
        orders_history_free(ch->history[i]);
    memset(ch, 0, sizeof *ch);
}

static orders_code_t load(orders_ctx_t *ctx, const char *id, const char *customer_scope,
                          orders_order_t **out, orders_error_t *err)
{
    orders_code_t rc = ctx->store->order_get(ctx->store_ud, id, out, err);
    if (rc == ORDERS_E_NOT_FOUND ||
        (rc == ORDERS_OK && customer_scope && strcmp((*out)->customer_id, customer_scope) != 0)) {
        if (rc == ORDERS_OK) {
            orders_order_free(*out);
            *out = NULL;
        }
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "id", "Order not found");
    }
    return rc;
}

/* Did the stored order move past `version` since we read it? */
static bool version_moved(orders_ctx_t *ctx, const char *id, int64_t version)
{
    orders_order_t *now = NULL;
    if (ctx->store->order_get(ctx->store_ud, id, &now, NULL) != ORDERS_OK)
        return false;
    bool moved = now->version != version;
    orders_order_free(now);
    return moved;
}

/* Is the order confirmed or further along (its stock sold)? */
static bool order_sold(orders_ctx_t *ctx, const char *id)
{
    orders_order_t *o = NULL;
    if (ctx->store->order_get(ctx->store_ud, id, &o, NULL) != ORDERS_OK)
        return false;
    bool sold = o->status >= ORDERS_STATUS_CONFIRMED && o->status <= ORDERS_STATUS_DELIVERED;
    orders_order_free(o);
    return sold;
}

/* After a committed change that gave stock back locally: the remote
 * catalog gives it back too.  A failure is reported with the way to retry. */
static orders_code_t give_back(orders_ctx_t *ctx, const char *id, orders_res_effect_t effect,
                               orders_error_t *err)
{
    orders_code_t rc = orders__catalog_follow(ctx, id, effect, err);
    if (rc)
        return orders_error_set(err, rc, NULL,
                                "the order changed, but the catalog did not take its stock back "
                                "(%s); orders_reservation_release retries it",
                                err ? err->message : orders_strerror(rc));
    return ORDERS_OK;
}

/* One attempt: let fn edit a fresh copy, then write it.  *read_version
 * tells the caller which version the attempt started from; *remote_sold is
 * set once a remote catalog has confirmed the sale. */
static orders_code_t attempt_once(orders_ctx_t *ctx, const char *id, const char *customer_scope,
                                  int64_t expected_version, const char *actor,
                                  orders__mutator_fn fn, void *ud, orders_order_t **out,
                                  int64_t *read_version, bool *remote_sold, bool *committed,
                                  orders_error_t *err)
{
    orders__change_t ch = {0};
    orders_code_t rc = load(ctx, id, customer_scope, &ch.order, err);
    if (rc)
        return rc;
    *read_version = ch.order->version;
    if (expected_version != ORDERS_ANY_VERSION && *read_version != expected_version) {
        change_clear(&ch);
        return orders_error_set(err, ORDERS_E_CONFLICT, "version", "order version is %lld, expected %lld",
                                (long long)*read_version, (long long)expected_version);
    }
    ch.now = orders_ctx_now(ctx);
    ch.actor = actor ? actor : "system";
    rc = fn(ctx, &ch, ud, err);
    bool write = rc == ORDERS_OK && !ch.unchanged;
    /* A remote catalog sells before the local commit, so a failed remote
     * call leaves the order as it was, to be retried. */
    if (write && ch.effect == ORDERS_RES_EFFECT_CONFIRM && orders__catalog_remote(ctx) && !*remote_sold) {
        rc = ctx->catalog->confirm(ctx->catalog_ud, id, err);
        *remote_sold = rc == ORDERS_OK;
        write = rc == ORDERS_OK;
    }
    if (write) {
        ch.order->version = *read_version + 1;
        ch.order->updated_at = ch.now;
        orders_update_tx_t tx = {
            .order = ch.order,
            .expected_version = *read_version,
            .effect = ch.effect,
            .now = ch.now,
            .events = (const orders_event_t *const *)ch.events,
            .event_count = ch.event_count,
            .history = (const orders_history_t *const *)ch.history,
            .history_count = ch.history_count,
        };
        rc = ctx->store->order_update(ctx->store_ud, &tx, err);
        *committed = rc == ORDERS_OK;
        if (*committed)
            *remote_sold = false; /* a confirmation is now recorded: nothing to undo */
        if (*committed && ch.effect != ORDERS_RES_EFFECT_CONFIRM)
            rc = give_back(ctx, id, ch.effect, err);
    }
    if ((rc == ORDERS_OK || *committed) && out) {
        *out = ch.order;
        ch.order = NULL;
    }
    change_clear(&ch);
    return rc;
}

orders_code_t orders__order_mutate(orders_ctx_t *ctx, const char *id, const char *customer_scope,
                                   int64_t expected_version, const char *actor,
                                   orders__mutator_fn fn, void *ud, orders_order_t **out,
                                   orders_error_t *err)
{
    if (out)
        *out = NULL;
    orders_code_t rc = orders__check_id(id, "id", err);
    if (rc)
        return rc;
    bool remote_sold = false, exhausted = true;
    for (int attempt = 0; attempt < ORDERS__MAX_RETRIES; attempt++) {
        int64_t read_version = 0;
        bool committed = false;
        rc = attempt_once(ctx, id, customer_scope, expected_version, actor, fn, ud, out,
                          &read_version, &remote_sold, &committed, err);
        if (committed) /* written: only a remote give-back may have failed */
            return rc;
        bool raced = rc == ORDERS_E_CONFLICT && read_version && version_moved(ctx, id, read_version);
        if (raced && expected_version == ORDERS_ANY_VERSION)
            continue; /* lost a race: read again and re-check every rule */
        if (raced)
            rc = orders_error_set(err, ORDERS_E_CONFLICT, "version",
                                  "order changed concurrently (version %lld is stale)",
                                  (long long)expected_version);
        exhausted = false;
        break;
    }
    if (remote_sold && !order_sold(ctx, id)) /* sold remotely, never confirmed: give back */
        (void)ctx->catalog->release(ctx->catalog_ud, id, NULL);
    if (exhausted)
        return orders_error_set(err, ORDERS_E_CONFLICT, NULL,
                                "order %s is changing too often; try again", id);
    return rc;
}

orders_event_t *orders__event_new(const char *id, const char *order_id, int64_t now,
                                  orders_event_type_t type, const char *recipient,
                                  const char *old_status, const char *new_status,
                                  const orders_money_t *amount, const char *detail)
{
    orders_event_t *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->type = type;
    e->created_at = now;
    e->next_attempt_at = now;
    if (amount)
        e->amount = *amount;
    if (!orders__set_str(&e->id, id) || !orders__set_str(&e->order_id, order_id) ||
        !orders__set_str(&e->recipient, recipient) ||
        !orders__set_str(&e->old_status, old_status) ||
        !orders__set_str(&e->new_status, new_status) || !orders__set_str(&e->detail, detail)) {
        orders_event_free(e);
        return NULL;
    }
    return e;
}

orders_history_t *orders__history_new(const char *order_id, int64_t now, const char *actor,
                                      const char *from, const char *to, const char *note)
{
    orders_history_t *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->at = now;
    if (!orders__set_str(&h->order_id, order_id) || !orders__set_str(&h->actor, actor) ||
        !orders__set_str(&h->from_status, from) || !orders__set_str(&h->to_status, to) ||
        !orders__set_str(&h->note, note)) {
        orders_history_free(h);
        return NULL;
    }
    return h;
}

bool orders__change_event(orders_ctx_t *ctx, orders__change_t *ch, orders_event_type_t type,
                          const char *recipient, const char *old_status, const char *new_status,
                          const orders_money_t *amount, const char *detail)
{
    if (ch->event_count >= ORDERS__MAX_CHANGE_RECORDS)
        return false;
    /* the mutator edits the order as read: the change writes the next version */
    char id[ORDERS_ID_MAX + 1];
    orders__step_event_id(ctx, ch->order->id, ch->order->version + 1, ch->event_count, ch->now,
                          id);
    orders_event_t *e = orders__event_new(id, ch->order->id, ch->now, type, recipient,
                                          old_status, new_status, amount, detail);
    if (e)
        ch->events[ch->event_count++] = e;
    return e != NULL;
}

bool orders__change_history(orders__change_t *ch, const char *from, const char *to,
                            const char *note)
{
    if (ch->history_count >= ORDERS__MAX_CHANGE_RECORDS)
        return false;
    orders_history_t *h = orders__history_new(ch->order->id, ch->now, ch->actor, from, to, note);
    if (h)
        ch->history[ch->history_count++] = h;
    return h != NULL;
}

bool orders_status_can_move(orders_status_t from, orders_status_t to)
{
    switch (from) {
    case ORDERS_STATUS_PENDING:
        return to == ORDERS_STATUS_CONFIRMED || to == ORDERS_STATUS_CANCELLED ||
               to == ORDERS_STATUS_FAILED;
    case ORDERS_STATUS_CONFIRMED:
        return to == ORDERS_STATUS_PROCESSING || to == ORDERS_STATUS_CANCELLED;
    case ORDERS_STATUS_PROCESSING:
        return to == ORDERS_STATUS_SHIPPED;
    case ORDERS_STATUS_SHIPPED:
        return to == ORDERS_STATUS_DELIVERED;
    default:
        return false;
    }
}

static bool is_fulfilment(orders_status_t s)
{
    return s >= ORDERS_STATUS_CONFIRMED && s <= ORDERS_STATUS_DELIVERED;
}

static void stamp(orders_order_t *o, orders_status_t to, int64_t now)
{
    switch (to) {
    case ORDERS_STATUS_CONFIRMED: o->confirmed_at = now; break;
    case ORDERS_STATUS_PROCESSING: o->processing_at = now; break;
    case ORDERS_STATUS_SHIPPED: o->shipped_at = now; break;
    case ORDERS_STATUS_DELIVERED: o->delivered_at = now; break;
    case ORDERS_STATUS_CANCELLED: o->cancelled_at = now; break;
    default: break;
    }
}

static void set_items(orders_order_t *o, orders_status_t to, int64_t now)
{
    orders_item_status_t is;
    if (to == ORDERS_STATUS_CONFIRMED)
        is = ORDERS_ITEM_CONFIRMED;
    else if (to == ORDERS_STATUS_DELIVERED)
        is = ORDERS_ITEM_FULFILLED;
    else if (to == ORDERS_STATUS_CANCELLED || to == ORDERS_STATUS_FAILED)
        is = ORDERS_ITEM_CANCELLED;
    else
        return;
    for (size_t i = 0; i < o->item_count; i++) {
        o->items[i].status = is;
        if (is == ORDERS_ITEM_CONFIRMED)
            o->items[i].confirmed_at = now;
    }
}

/* Sellers follow the order: behind ones catch up on fulfilment moves, and
 * every seller ends with the order when it ends (cancelled, failed). */
static void set_sellers(orders_order_t *o, orders_status_t to, int64_t now)
{
    for (size_t i = 0; i < o->seller_count; i++) {
        orders_seller_status_t *s = &o->seller_statuses[i];
        bool behind = s->status < to || !is_fulfilment(s->status);
        if ((is_fulfilment(to) && behind) || !is_fulfilment(to)) {
            if (s->status != to) {
                s->status = to;
                s->updated_at = now;
            }
        }
    }
}

orders_code_t orders__transition(orders_ctx_t *ctx, orders__change_t *ch, orders_status_t to,
                                 const char *note, orders_error_t *err)
{
    orders_order_t *o = ch->order;
    orders_status_t from = o->status;
    if (!orders_status_can_move(from, to))
        return orders_error_set(err, ORDERS_E_CONFLICT, "status",
                                "Cannot change order status from %s to %s",
                                orders_status_name(from), orders_status_name(to));
    o->status = to;
    stamp(o, to, ch->now);
    set_items(o, to, ch->now);
    set_sellers(o, to, ch->now);
    if (to == ORDERS_STATUS_DELIVERED && o->payment_method == ORDERS_METHOD_COD &&
        o->payment_status == ORDERS_PAYMENT_PENDING)
        o->payment_status = ORDERS_PAYMENT_PAID; /* cash collected on delivery */
    if (!orders__change_history(ch, orders_status_name(from), orders_status_name(to), note) ||
        !orders__change_event(ctx, ch, ORDERS_EVENT_STATUS_CHANGED, o->customer_id,
                              orders_status_name(from), orders_status_name(to), &o->total_amount,
                              note))
        return orders__nomem(err);
    return ORDERS_OK;
}

orders_code_t orders__catalog_follow(orders_ctx_t *ctx, const char *order_id,
                                     orders_res_effect_t effect, orders_error_t *err)
{
    if (!orders__catalog_remote(ctx) || effect == ORDERS_RES_EFFECT_NONE)
        return ORDERS_OK;
    if (effect == ORDERS_RES_EFFECT_CONFIRM)
        return ctx->catalog->confirm(ctx->catalog_ud, order_id, err);
    return ctx->catalog->release(ctx->catalog_ud, order_id, err);
}
