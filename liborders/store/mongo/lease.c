/*
 * lease.c - the MongoDB store's named leases (lease_take).
 *
 * A lease is one document of `leases`: {_id: name, owner, until (a date)}.
 * Taking it is one single-document update with upsert, atomic on the
 * server:
 *     filter {_id: name, $or: [{until: {$lte: now}}, {owner: owner}]}
 *     update {$set: {owner, until}}
 * It matches when the lease has expired or is owner's, and is then
 * rewritten; when there is no document the upsert inserts one.  When
 * another owner holds the lease, the filter matches nothing and the
 * upsert's insert fails with a duplicate key on _id: not held.  Two
 * upserts racing on a missing document also end with one duplicate key;
 * that caller tries once more, so that a second call by the holder itself
 * (the same owner from another thread) sees its own lease.
 */
#include "store/mongo/internal.h"

#define MG_LEASE_ATTEMPTS 2

/* One conditional upsert.  *dup when it failed on a duplicate key (the
 * lease is someone else's, or another upsert inserted it first); *held
 * when owner holds the lease after it. */
static orders_code_t take_once(mg_store_t *s, mongoc_client_t *c, const char *name,
                               const char *owner, int64_t now, int64_t until, bool *held,
                               bool *dup, orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(name), "$or", "[", "{", "until", "{", "$lte",
                             BCON_DATE_TIME(now), "}", "}", "{", "owner", BCON_UTF8(owner), "}",
                             "]");
    bson_t *update = MG_BCON("$set", "{", "owner", BCON_UTF8(owner), "until",
                             BCON_DATE_TIME(until), "}");
    orders_error_t one = {0};
    int64_t matched = 0;
    orders_code_t rc =
        mg_update_one(s, c, MG_LEASES, filter, update, true, &matched, "lease_take", &one);
    bson_destroy(update);
    bson_destroy(filter);
    /* mg_fail maps exactly the duplicate keys (mg_is_dup) to ORDERS_E_CONFLICT */
    *dup = rc == ORDERS_E_CONFLICT;
    *held = rc == ORDERS_OK && matched == 1;
    if (rc != ORDERS_OK && !*dup && err != NULL)
        *err = one;
    return *dup ? ORDERS_OK : rc;
}

orders_code_t mg_lease_take(void *ud, const char *name, const char *owner, int64_t now,
                            int64_t until, bool *held, orders_error_t *err)
{
    orders_code_t rc = orders__check_lease(name, owner, now, until, held, err);
    if (rc != ORDERS_OK)
        return rc;
    mg_store_t *s = ud;
    mongoc_client_t *c = mg_pop(s);
    bool dup = true;
    *held = false;
    for (int i = 0; rc == ORDERS_OK && dup && i < MG_LEASE_ATTEMPTS; i++)
        rc = take_once(s, c, name, owner, now, until, held, &dup, err);
    mg_push(s, c);
    return rc;
}
