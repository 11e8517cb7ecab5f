/*
 * test_srv_notifications_shared.c - two orders-server processes on one
 * SQLite file, both with --notifications-url to one Notifications stub.
 * Both run an outbox dispatcher over the same outbox; the store's "outbox"
 * lease lets one deliver at a time, so the stub receives every event of
 * every acknowledged order exactly once.  Then the servers stop one after
 * the other and a new one on the same file delivers what is left; a server
 * that stops cleanly releases the lease, so the other takes over at once.
 */
#define _DEFAULT_SOURCE

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "stub_notifications.h"
#include "support/clock.h"

#define SERVICES_KEY "shared-services-key"
#define ORDERS_N 30
#define EVENTS_PER_ORDER 3 /* cod: order_placed, new_order (one seller), confirmed */
#define DRAIN_WAIT_MS 60000

static stub_notifications_t *stub;
static srvh_t a, b;
static char *ids[ORDERS_N];      /* the acknowledged (201) orders */

/* Starts s on a's SQLite file (a itself on a new one), delivering to the
 * stub. */
static void start_on_shared_file(srvh_t *s)
{
    const char *extra[] = {"--notifications-url", stub_notifications_url(stub),
                           "--services-key", SERVICES_KEY, "--outbox-backoff-ms", "200", NULL};
    srvh_start(s, s == &a ? NULL : a.dir, extra);
}

static void up(void)
{
    stub = stub_notifications_start(SERVICES_KEY);
    cr_assert_not_null(stub, "the Notifications stub did not start");
    start_on_shared_file(&a);
    start_on_shared_file(&b); /* the same SQLite file */
}

static void down(void)
{
    if (b.pid > 0)
        cr_expect_eq(srvh_stop(&b, true), 0, "server b did not stop cleanly");
    if (a.pid > 0)
        cr_expect_eq(srvh_stop(&a, true), 0, "server a did not stop cleanly");
    srvh_remove_dir(a.dir);
    stub_notifications_free(stub);
    for (int i = 0; i < ORDERS_N; i++) {
        free(ids[i]);
        ids[i] = NULL;
    }
}

TestSuite(srv_notifications_shared, .init = up, .fini = down, .timeout = 180);

static int64_t pending_on(srvh_t *s)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(s, "GET", "/api/v1/admin/outbox", NULL, &r), 200, "%s", r.body);
    json_t *p = json_object_get(srvh_data(&r), "pending");
    cr_assert(json_is_integer(p), "%s", r.body);
    int64_t n = json_integer_value(p);
    srvh_resp_clear(&r);
    return n;
}

/* Waits until the shared outbox is empty, then a little longer, so that a
 * second dispatcher delivering the same events would have shown. */
static void drain(srvh_t *s)
{
    int64_t t0 = test_mono_ms();
    while (pending_on(s) != 0) {
        cr_assert_lt(test_mono_ms() - t0, DRAIN_WAIT_MS, "the outbox never drained");
        test_sleep_ms(100);
    }
    test_sleep_ms(1000);
}

/* Places n cod orders of one mug, alternating servers; 201 each. */
static void place_alternating(int first, int n)
{
    for (int i = first; i < first + n; i++) {
        char customer[32];
        snprintf(customer, sizeof customer, "shared-%d", i % 6);
        char *tok = srvh_token(customer);
        srvh_t *s = i % 2 ? &a : &b;
        if (s->pid <= 0)
            s = s == &a ? &b : &a;
        ids[i] = srvh_place(s, tok, "prod-mug", 1, "cod");
        cr_assert_not_null(ids[i]);
        free(tok);
    }
}

/* Each id once, and every acknowledged order's events there. */
static void expect_each_once(int orders)
{
    for (int i = 0; i < orders; i++) {
        cr_assert_eq(stub_notifications_matching(stub, "order_placed", ids[i], NULL), 1,
                     "order %s: no order_placed", ids[i]);
        cr_assert_eq(stub_notifications_matching(stub, "new_order", ids[i], "seller-bean"), 1,
                     "order %s: no new_order", ids[i]);
    }
    int total = stub_notifications_total(stub), distinct = stub_notifications_distinct(stub);
    cr_assert_eq(stub_notifications_max_count(stub), 1,
                 "an event id was delivered %d times (total %d, distinct %d)",
                 stub_notifications_max_count(stub), total, distinct);
    cr_assert_eq(distinct, orders * EVENTS_PER_ORDER, "distinct events %d", distinct);
    cr_assert_eq(total, distinct);
}

Test(srv_notifications_shared, two_dispatchers_deliver_each_event_once)
{
    /* slow deliveries: each dispatcher's batch stays in flight a while, so
     * two dispatchers without the lease would fetch the same events */
    stub_notifications_delay(stub, 20);
    place_alternating(0, ORDERS_N);
    drain(&a);
    expect_each_once(ORDERS_N);
}

Test(srv_notifications_shared, the_lease_passes_on_when_its_holder_stops)
{
    place_alternating(0, 10);
    drain(&b);
    /* stop a (perhaps the holder: its lease then lapses within 30 s) */
    cr_assert_eq(srvh_stop(&a, true), 0, "server a did not stop cleanly");
    a.pid = 0;
    stub_notifications_stop(stub); /* hold the next events back */
    place_alternating(10, 10);
    cr_assert(stub_notifications_restart(stub), "the stub did not restart");
    int64_t t0 = test_mono_ms();
    drain(&b);
    cr_log_info("b delivered the last events %lld ms after the stub came back",
                (long long)(test_mono_ms() - t0));
    expect_each_once(20);
}

/* The lease a clean stop leaves behind is released: the remaining server
 * delivers well before the 30 s the lease would otherwise still run. */
#define LEASE_MS 30000

Test(srv_notifications_shared, a_clean_stop_hands_the_lease_over_at_once)
{
    cr_assert_eq(srvh_stop(&b, true), 0, "server b did not stop cleanly");
    b.pid = 0;
    place_alternating(0, 5); /* all on a, which now holds the lease */
    drain(&a);
    start_on_shared_file(&b);
    int64_t stopped = test_mono_ms();
    cr_assert_eq(srvh_stop(&a, true), 0, "server a did not stop cleanly");
    a.pid = 0;
    place_alternating(5, 5); /* all on b */
    int64_t t0 = test_mono_ms();
    while (pending_on(&b) != 0) {
        cr_assert_lt(test_mono_ms() - stopped, test_scaled_ms(LEASE_MS - 5000),
                     "b waited for a's lease to lapse: it was not released");
        test_sleep_ms(100);
    }
    cr_log_info("b delivered %lld ms after its orders (%lld ms after a stopped)",
                (long long)(test_mono_ms() - t0), (long long)(test_mono_ms() - stopped));
    test_sleep_ms(1000);
    expect_each_once(10);
}
