/*
 * memory_lease.c - the memory store's named leases (lease_take).
 *
 * m->leases maps a name to one fixed-size record {name, owner, until}; the
 * record holds its own key.  lease_take runs under the store's lock, so
 * the test and the change are one step.  Leases are never removed: the
 * outbox dispatcher uses one name, and an expired record is simply taken
 * over.
 *
 * Locking: see memory.c.
 */
#include "store/memory_internal.h"

#include <stdlib.h>
#include <string.h>

/* Whether owner may take rec at now: free (no record), expired, or its own. */
static bool lease_free_for(const orders__mem_lease_t *rec, const char *owner, int64_t now)
{
    return rec == NULL || rec->until <= now || strcmp(rec->owner, owner) == 0;
}

/* A new record of name, not yet owned; NULL when memory runs out. */
static orders__mem_lease_t *lease_new(const char *name)
{
    orders__mem_lease_t *rec = calloc(1, sizeof *rec);
    if (rec != NULL)
        orders__copy_id(rec->name, name);
    return rec;
}

orders_code_t orders__mem_lease_take(void *ud, const char *name, const char *owner, int64_t now,
                                     int64_t until, bool *held, orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = orders__check_lease(name, owner, now, until, held, err);
    if (rc != ORDERS_OK)
        return rc;
    pthread_mutex_lock(&m->lock);
    orders__mem_lease_t *rec = orders__map_get(&m->leases, name);
    bool take = lease_free_for(rec, owner, now);
    if (take && rec == NULL) {
        rec = lease_new(name);
        if (rec == NULL || !orders__map_put(&m->leases, rec->name, rec)) {
            free(rec);
            pthread_mutex_unlock(&m->lock);
            return orders__mem_nomem(err);
        }
    }
    if (take) {
        orders__copy_id(rec->owner, owner);
        rec->until = until;
    }
    *held = take;
    pthread_mutex_unlock(&m->lock);
    return ORDERS_OK;
}
