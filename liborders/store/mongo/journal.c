/*
 * journal.c - a step's history entries, written "held" before the step
 * commits and released after it, like its outbox events (outbox.c):
 * history_list skips held entries, so a step that is undone leaves none,
 * and a step rolled forward by recovery finds its entries already written.
 * Also the helpers every multi-document step uses to copy a record's
 * document into an update.
 */
#include "store/mongo/internal.h"

#include <stdio.h>
#include <string.h>

static orders_code_t history_drop(mg_store_t *s, mongoc_client_t *c, const char *token,
                                  orders_error_t *err);

static orders_code_t history_hold(mg_store_t *s, mongoc_client_t *c,
                                  const orders_history_t *const *history, size_t n,
                                  int64_t order_version, const char *token, orders_error_t *err)
{
    int64_t held_at = mg_now_ms();
    for (size_t i = 0; i < n; i++) {
        /* The token makes the id the step's own: updates racing for one
         * version write distinct entries, and only the winner's survive. */
        char base[MG_HISTORY_ID_MAX], id[MG_HISTORY_ID_MAX + MG_TOKEN_LEN + 1];
        mg_history_id(history[i]->order_id, order_version, i, base);
        snprintf(id, sizeof id, "%s/%s", base, token);
        bson_t doc = BSON_INITIALIZER;
        if (!mg_history_bson(history[i], id, &doc)) {
            bson_destroy(&doc);
            return orders_error_set(err, ORDERS_E_INVALID, "history", "history entry too large");
        }
        BSON_APPEND_UTF8(&doc, "holder", token);
        BSON_APPEND_DATE_TIME(&doc, "heldAt", held_at);
        bool dup = false;
        orders_code_t rc = mg_insert_one(s, c, MG_HISTORY, &doc, &dup, "history", err);
        bson_destroy(&doc);
        if (dup) /* the token is fresh, so this cannot be another step's */
            rc = orders_error_set(err, ORDERS_E_CONFLICT, "history",
                                  "history entry %s already exists", id);
        if (rc != ORDERS_OK) {
            (void)history_drop(s, c, token, NULL);
            return rc;
        }
    }
    return ORDERS_OK;
}

static orders_code_t update_held(mg_store_t *s, mongoc_client_t *c, const char *token,
                                 bool release, orders_error_t *err)
{
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&filter, "holder", token);
    mongoc_collection_t *cl = mg_coll(s, c, MG_HISTORY);
    bson_error_t e;
    bool ok;
    if (release) {
        bson_t *update = MG_BCON("$unset", "{", "holder", BCON_UTF8(""), "heldAt",
                                  BCON_UTF8(""), "}");
        ok = mongoc_collection_update_many(cl, &filter, update, NULL, NULL, &e);
        bson_destroy(update);
    } else {
        ok = mongoc_collection_delete_many(cl, &filter, NULL, NULL, &e);
    }
    mongoc_collection_destroy(cl);
    bson_destroy(&filter);
    return ok ? ORDERS_OK : mg_fail(&e, release ? "history release" : "history drop", err);
}

static orders_code_t history_release(mg_store_t *s, mongoc_client_t *c, const char *token,
                                     orders_error_t *err)
{
    return update_held(s, c, token, true, err);
}

static orders_code_t history_drop(mg_store_t *s, mongoc_client_t *c, const char *token,
                                  orders_error_t *err)
{
    return update_held(s, c, token, false, err);
}

orders_code_t mg_journal_hold(mg_store_t *s, mongoc_client_t *c,
                              const orders_event_t *const *events, size_t ne,
                              const orders_history_t *const *history, size_t nh,
                              int64_t order_version, const char *token, orders_error_t *err)
{
    orders_code_t rc = mg_events_hold(s, c, events, ne, token, err);
    if (rc != ORDERS_OK)
        return rc;
    rc = history_hold(s, c, history, nh, order_version, token, err);
    if (rc != ORDERS_OK)
        (void)mg_journal_drop(s, c, token, NULL);
    return rc;
}

orders_code_t mg_journal_release(mg_store_t *s, mongoc_client_t *c, const char *token,
                                 orders_error_t *err)
{
    orders_code_t rc = mg_events_release(s, c, token, err);
    return rc != ORDERS_OK ? rc : history_release(s, c, token, err);
}

orders_code_t mg_journal_drop(mg_store_t *s, mongoc_client_t *c, const char *token,
                              orders_error_t *err)
{
    orders_code_t rc = mg_events_drop(s, c, token, err);
    return rc != ORDERS_OK ? rc : history_drop(s, c, token, err);
}

void mg_append_except(bson_t *dst, const bson_t *src, const char *const *skip)
{
    bson_iter_t it;
    if (!bson_iter_init(&it, src))
        return;
    while (bson_iter_next(&it)) {
        const char *key = bson_iter_key(&it);
        bool skipped = false;
        for (size_t i = 0; skip[i] != NULL && !skipped; i++)
            skipped = strcmp(skip[i], key) == 0;
        if (!skipped)
            bson_append_iter(dst, key, -1, &it);
    }
}
