/*
 * suite_outbox_ids.c - outbox events whose ids name their order, as the core
 * makes them ("ORDERID:VERSION.INDEX"), next to ids of any other shape: each
 * is found, acknowledged and refused as a duplicate the same way, whatever
 * the shape, in whatever order they are acknowledged.
 */
#include "conformance/conformance.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#define T(name) Test(outbox_ids, name, .init = conf_setup, .fini = conf_teardown)

/* Places order_id for customer "c-<order_id>" with exactly the events ids[]
 * (each belonging to order event_orders[i], or to order_id when NULL). */
static orders_code_t place_events(const char *order_id, const char *const *ids,
                                  const char *const *event_orders, size_t n, conf_place_t *keep)
{
    char customer[ORDERS_ID_MAX + 1], number[ORDERS_ID_MAX + 1];
    snprintf(customer, sizeof customer, "c-%s", order_id);
    snprintf(number, sizeof number, "ORD-%s", order_id);
    conf_line_t line = {"ext-p", "s1", 1, 700};
    conf_seed_cart(conf_vt, conf_ud, customer, &line, 1, CONF_T0);
    conf_place_t p;
    conf_place_init(&p, order_id, number, customer, 1, &line, 1, false, CONF_T0);
    for (size_t i = 0; i < CONF_MAX_EVENTS; i++) {
        orders_event_free(p.events[i]);
        p.events[i] = NULL;
    }
    for (size_t i = 0; i < n; i++)
        p.events[i] = conf_event_new(ids[i], ORDERS_EVENT_ORDER_PLACED,
                                     event_orders && event_orders[i] ? event_orders[i] : order_id,
                                     customer, CONF_T0 + (int64_t)i);
    conf_place_sync(&p);
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->place(conf_ud, &p.tx, &p.result, &err);
    if (keep != NULL)
        *keep = p;
    else
        conf_place_free(&p);
    return rc;
}

static void place_ok(const char *order_id, const char *const *ids, size_t n)
{
    cr_assert_eq(place_events(order_id, ids, NULL, n, NULL), ORDERS_OK, "place %s", order_id);
}

static orders_code_t deliver(const char *id)
{
    return conf_vt->outbox_ack(conf_ud, id, true, false, 0, NULL, NULL);
}

/* The outbox holds exactly ids[0..n) (in any order). */
static void assert_outbox(const char *const *ids, size_t n)
{
    orders_event_list_t l = {0};
    orders_error_t err = {0};
    cr_assert_eq(conf_vt->outbox_fetch(conf_ud, CONF_FAR_FUTURE, 100, &l, &err), ORDERS_OK,
                 "fetch: %s", err.message);
    cr_assert_eq(l.count, n, "outbox holds %zu events, expected %zu", l.count, n);
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t k = 0; k < l.count && !found; k++)
            found = strcmp(l.items[k]->id, ids[i]) == 0;
        cr_assert(found, "event %s missing from the outbox", ids[i]);
    }
    orders_event_list_clear(&l);
    cr_assert_eq(conf_outbox_pending(conf_vt, conf_ud), (int64_t)n, "pending count");
}

T(ids_naming_their_order_are_acked_in_any_order)
{
    const char *o1[] = {"o1:1.0", "o1:1.1", "o1:1.2", "o1:1.3"};
    const char *o2[] = {"o2:1.0", "o2:1.1"};
    place_ok("o1", o1, 4);
    place_ok("o2", o2, 2);

    cr_assert_eq(deliver("o1:1.1"), ORDERS_OK, "deliver o1:1.1 (neither first nor last)");
    const char *after1[] = {"o1:1.0", "o1:1.2", "o1:1.3", "o2:1.0", "o2:1.1"};
    assert_outbox(after1, 5);
    cr_assert_eq(deliver("o1:1.3"), ORDERS_OK, "deliver o1:1.3 (the newest)");
    cr_assert_eq(deliver("o1:1.0"), ORDERS_OK, "deliver o1:1.0 (the oldest)");
    const char *after3[] = {"o1:1.2", "o2:1.0", "o2:1.1"};
    assert_outbox(after3, 3);

    cr_assert_eq(deliver("o1:1.1"), ORDERS_E_NOT_FOUND, "a delivered event again");
    cr_assert_eq(deliver("o1:9.9"), ORDERS_E_NOT_FOUND, "an id of o1 never written");
    cr_assert_eq(deliver("o1:"), ORDERS_E_NOT_FOUND, "an empty suffix");
    cr_assert_eq(deliver(":1.0"), ORDERS_E_NOT_FOUND, "an empty order id");
    cr_assert_eq(deliver("o3:1.0"), ORDERS_E_NOT_FOUND, "an order with no events");

    cr_assert_eq(deliver("o1:1.2"), ORDERS_OK, "deliver o1's last event");
    cr_assert_eq(deliver("o2:1.1"), ORDERS_OK, "deliver o2:1.1");
    const char *left[] = {"o2:1.0"};
    assert_outbox(left, 1);
}

T(an_event_id_is_unique_whatever_its_shape)
{
    const char *first[] = {"o1:1.0", "free-form-id"};
    place_ok("o1", first, 2);

    /* the same id as an event of another order (so not named after its own) */
    const char *dup[] = {"o1:1.0"};
    const char *other[] = {"o2"};
    conf_place_t p;
    cr_assert_eq(place_events("o2", dup, other, 1, &p), ORDERS_E_CONFLICT,
                 "o1:1.0 written again by o2 must be a conflict");
    conf_assert_not_placed(conf_vt, conf_ud, &p);
    conf_place_free(&p);

    /* an id named after order x, written by o3 ... */
    const char *xs[] = {"x:7"};
    place_ok("o3", xs, 1);
    /* ... and then by order x itself */
    cr_assert_eq(place_events("x", xs, NULL, 1, &p), ORDERS_E_CONFLICT,
                 "x:7 written again by x must be a conflict");
    conf_assert_not_placed(conf_vt, conf_ud, &p);
    conf_place_free(&p);

    const char *free_dup[] = {"free-form-id"};
    cr_assert_eq(place_events("o4", free_dup, NULL, 1, &p), ORDERS_E_CONFLICT,
                 "a free-form id written twice must be a conflict");
    conf_place_free(&p);

    const char *all[] = {"o1:1.0", "free-form-id", "x:7"};
    assert_outbox(all, 3);
    cr_assert_eq(deliver("x:7"), ORDERS_OK, "deliver x:7 (written by o3)");
    cr_assert_eq(deliver("free-form-id"), ORDERS_OK, "deliver free-form-id");
    const char *left[] = {"o1:1.0"};
    assert_outbox(left, 1);
}

T(order_ids_with_colons_and_dead_letters)
{
    const char *ids[] = {"a:b:1.0", "a:b:1.1"};
    place_ok("a:b", ids, 2);
    cr_assert_eq(conf_vt->outbox_ack(conf_ud, "a:b:1.0", false, true, CONF_T0, "gave up", NULL),
                 ORDERS_OK, "dead letter");
    cr_assert_eq(conf_outbox_dead(conf_vt, conf_ud), 1, "dead count");
    cr_assert_eq(deliver("a:b:1.0"), ORDERS_E_CONFLICT, "a dead letter cannot be delivered");
    const char *dup[] = {"a:b:1.0"};
    conf_place_t p;
    cr_assert_eq(place_events("a:b:c", dup, NULL, 1, &p), ORDERS_E_CONFLICT,
                 "a dead letter's id stays taken");
    conf_assert_not_placed(conf_vt, conf_ud, &p);
    conf_place_free(&p);
    cr_assert_eq(deliver("a:b:1.1"), ORDERS_OK, "deliver a:b:1.1");
    assert_outbox(NULL, 0);
    cr_assert_eq(conf_outbox_dead(conf_vt, conf_ud), 1, "the dead letter stays");
}

T(odd_ids_are_simply_not_found)
{
    const char *ids[] = {"o1:1.0"};
    place_ok("o1", ids, 1);
    char longer[3 * ORDERS_ID_MAX];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    longer[2 * ORDERS_ID_MAX] = ':'; /* an "order id" longer than any id */
    const char *odd[] = {"", ":", "::", "o1:1.0:", "o1::1.0", ":o1:1.0", "o1:1.0 ", "O1:1.0",
                         longer};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
        cr_assert_eq(deliver(odd[i]), ORDERS_E_NOT_FOUND, "ack of odd id %zu", i);
    assert_outbox(ids, 1);
    cr_assert_eq(deliver("o1:1.0"), ORDERS_OK, "the real one");
}
