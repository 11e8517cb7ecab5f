/*
 * suite_outbox_many.c - outbox_ack_many (store version 4): many delivery
 * attempts recorded in one step, each meaning what one outbox_ack means,
 * each refused on its own when its event is gone or dead.
 *
 * The member is optional; a backend without it skips these tests, saying so.
 */
#include "conformance/conformance.h"

#include <criterion/criterion.h>

#include <string.h>

#define T(name) Test(outbox_many, name, .init = conf_setup, .fini = conf_teardown)

static void need_member(void)
{
    if (conf_vt->version < 4 || conf_vt->outbox_ack_many == NULL)
        cr_skip_test("backend %s has no outbox_ack_many (version %d)", conf_vt->name,
                     conf_vt->version);
}

/* o1 and o2, two events each: o1-ev0, o1-ev1, o2-ev0, o2-ev1 (o2's first). */
static void seed(void)
{
    conf_seed_order(conf_vt, conf_ud, "o1", "ORD1", "c1", "s1", CONF_T0 + 10, ORDERS_STATUS_PENDING);
    conf_seed_order(conf_vt, conf_ud, "o2", "ORD2", "c2", "s1", CONF_T0, ORDERS_STATUS_PENDING);
}

static const orders_event_t *find(const orders_event_list_t *l, const char *id)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i]->id, id) == 0)
            return l->items[i];
    return NULL;
}

static void fetch_all(orders_event_list_t *l)
{
    orders_error_t err = {0};
    cr_assert_eq(conf_vt->outbox_fetch(conf_ud, CONF_FAR_FUTURE, 100, l, &err), ORDERS_OK, "%s",
                 err.message);
}

T(records_every_kind_of_attempt_in_one_call)
{
    need_member();
    seed();
    const orders_outbox_ack_t acks[] = {
        {"o2-ev0", true, false, 0, NULL},
        {"o2-ev1", false, false, CONF_T0 + 1000, "timeout"},
        {"o1-ev0", false, true, CONF_T0 + 50, "gave up"},
    };
    orders_code_t results[3] = {-1, -1, -1};
    orders_error_t err = {0};
    cr_assert_eq(conf_vt->outbox_ack_many(conf_ud, acks, 3, results, &err), ORDERS_OK, "%s",
                 err.message);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(results[i], ORDERS_OK, "ack %d: %d", i, results[i]);
    cr_assert_eq(conf_outbox_pending(conf_vt, conf_ud), 2, "pending: o2-ev1 and o1-ev1");
    cr_assert_eq(conf_outbox_dead(conf_vt, conf_ud), 1, "dead: o1-ev0");

    orders_event_list_t l = {0};
    fetch_all(&l);
    cr_assert_eq(l.count, 2, "fetched %zu", l.count);
    cr_assert_null(find(&l, "o2-ev0"), "delivered event fetched");
    cr_assert_null(find(&l, "o1-ev0"), "dead event fetched");
    const orders_event_t *e = find(&l, "o2-ev1");
    cr_assert_not_null(e, "failed event missing");
    cr_expect_eq(e->attempts, 1);
    cr_expect_eq(e->next_attempt_at, CONF_T0 + 1000);
    conf_assert_str("last_error", "timeout", e->last_error);
    e = find(&l, "o1-ev1");
    cr_assert_not_null(e, "untouched event missing");
    cr_expect_eq(e->attempts, 0, "an event not in the call was changed");
    orders_event_list_clear(&l);
}

T(a_gone_or_dead_event_refuses_only_its_own_ack)
{
    need_member();
    seed();
    cr_assert_eq(conf_vt->outbox_ack(conf_ud, "o1-ev0", false, true, CONF_T0, "gave up", NULL),
                 ORDERS_OK, "make o1-ev0 dead");
    cr_assert_eq(conf_vt->outbox_ack(conf_ud, "o2-ev0", true, false, 0, NULL, NULL), ORDERS_OK,
                 "deliver o2-ev0");
    const orders_outbox_ack_t acks[] = {
        {"o1-ev0", true, false, 0, NULL},  /* dead */
        {"o2-ev1", true, false, 0, NULL},
        {"o2-ev0", true, false, 0, NULL},  /* gone: delivered before */
        {"nope", false, false, CONF_T0, "x"}, /* never existed */
        {"o1-ev1", false, false, CONF_T0 + 7, "later"},
    };
    orders_code_t results[5];
    orders_error_t err = {0};
    cr_assert_eq(conf_vt->outbox_ack_many(conf_ud, acks, 5, results, &err), ORDERS_OK, "%s",
                 err.message);
    cr_expect_eq(results[0], ORDERS_E_CONFLICT, "dead event: %d", results[0]);
    cr_expect_eq(results[1], ORDERS_OK);
    cr_expect_eq(results[2], ORDERS_E_NOT_FOUND, "delivered event: %d", results[2]);
    cr_expect_eq(results[3], ORDERS_E_NOT_FOUND, "unknown event: %d", results[3]);
    cr_expect_eq(results[4], ORDERS_OK);
    cr_assert_eq(conf_outbox_dead(conf_vt, conf_ud), 1, "the dead letter stays dead");
    cr_assert_eq(conf_outbox_pending(conf_vt, conf_ud), 1, "pending: o1-ev1, failed once");
    orders_event_list_t l = {0};
    fetch_all(&l);
    cr_assert_eq(l.count, 1);
    cr_expect_str_eq(l.items[0]->id, "o1-ev1");
    cr_expect_eq(l.items[0]->attempts, 1);
    orders_event_list_clear(&l);
}

T(bad_input_records_nothing)
{
    need_member();
    seed();
    orders_code_t results[2];
    cr_assert_eq(conf_vt->outbox_ack_many(conf_ud, NULL, 0, results, NULL), ORDERS_OK,
                 "no acks is a no-op");
    const orders_outbox_ack_t acks[] = {
        {"o2-ev0", true, false, 0, NULL},
        {NULL, true, false, 0, NULL},
    };
    cr_assert_eq(conf_vt->outbox_ack_many(conf_ud, acks, 2, results, NULL), ORDERS_E_INVALID,
                 "a NULL event id");
    cr_assert_eq(conf_vt->outbox_ack_many(conf_ud, acks, 1, NULL, NULL), ORDERS_E_INVALID,
                 "no results array");
    cr_assert_eq(conf_outbox_pending(conf_vt, conf_ud), 4, "a refused call changed the outbox");
}
