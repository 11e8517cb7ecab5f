/*
 * suite_lease.c - lease_take (store version 5): a named lease is granted
 * when free, expired (its until <= now) or already the caller's, and
 * otherwise left exactly as it is; bad arguments are ORDERS_E_INVALID; and
 * of 8 threads racing for one lease, exactly one holds it.  When the
 * backend can open a second handle on the same data (conformance_reopen),
 * odd threads use it, as separate processes would.
 *
 * The member is optional; a backend without it skips these tests, saying so.
 * Worker threads never assert: they record what they got, which the test
 * checks after joining them.
 */
#define _POSIX_C_SOURCE 200809L

#include "conformance/conformance.h"

#include <criterion/criterion.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define THREADS 8
#define ROUNDS 200
#define LEASE_MS INT64_C(1000)

static void *second_ud; /* from conformance_reopen, or NULL */

static void lease_setup(void)
{
    conf_setup();
    second_ud = conformance_reopen(conf_ud);
}

static void lease_teardown(void)
{
    if (second_ud)
        conformance_close(second_ud);
    second_ud = NULL;
    conf_teardown();
}

#define T(name) Test(lease, name, .init = lease_setup, .fini = lease_teardown)

static void need_member(void)
{
    if (conf_vt->version < 5 || conf_vt->lease_take == NULL)
        cr_skip_test("backend %s has no lease_take (version %d)", conf_vt->name,
                     conf_vt->version);
}

/* lease_take on the test's handle, asserting it succeeds; returns *held. */
static bool take(const char *name, const char *owner, int64_t now, int64_t until)
{
    bool held = true; /* a call that forgets to set it fails the refusals below */
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->lease_take(conf_ud, name, owner, now, until, &held, &err);
    cr_assert_eq(rc, ORDERS_OK, "lease_take(%s, %s, %lld, %lld): %d %s", name, owner,
                 (long long)now, (long long)until, rc, err.message);
    return held;
}

/* take() from a state where held starts false, for grants. */
static bool take_granted(const char *name, const char *owner, int64_t now, int64_t until)
{
    bool held = false;
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->lease_take(conf_ud, name, owner, now, until, &held, &err);
    cr_assert_eq(rc, ORDERS_OK, "lease_take(%s, %s, %lld, %lld): %d %s", name, owner,
                 (long long)now, (long long)until, rc, err.message);
    return held;
}

#define GRANTED(name, owner, now, until)                                                      \
    cr_assert(take_granted(name, owner, now, until), "%s should hold %s at %lld", owner, name, \
              (long long)(now))
#define REFUSED(name, owner, now, until)                                                      \
    cr_assert(!take(name, owner, now, until), "%s should not get %s at %lld", owner, name,    \
              (long long)(now))

T(a_free_lease_is_granted)
{
    need_member();
    GRANTED("outbox", "a", CONF_T0, CONF_T0 + LEASE_MS);
}

T(another_owner_is_refused_and_the_lease_left_unchanged)
{
    need_member();
    GRANTED("outbox", "a", CONF_T0, CONF_T0 + LEASE_MS);
    REFUSED("outbox", "b", CONF_T0 + 500, CONF_T0 + 5 * LEASE_MS);
    REFUSED("outbox", "b", CONF_T0 + LEASE_MS - 1, CONF_T0 + 5 * LEASE_MS); /* last ms */
    /* still a's: a renews it (to the same until) */
    GRANTED("outbox", "a", CONF_T0 + 600, CONF_T0 + LEASE_MS);
    /* and b's refused call did not extend it: it expires at a's until */
    GRANTED("outbox", "c", CONF_T0 + LEASE_MS, CONF_T0 + 2 * LEASE_MS);
}

T(the_owner_renews_and_extends_it)
{
    need_member();
    GRANTED("outbox", "a", CONF_T0, CONF_T0 + LEASE_MS);
    GRANTED("outbox", "a", CONF_T0 + 900, CONF_T0 + 3 * LEASE_MS);
    REFUSED("outbox", "b", CONF_T0 + 2 * LEASE_MS, CONF_T0 + 4 * LEASE_MS); /* extended */
    GRANTED("outbox", "b", CONF_T0 + 3 * LEASE_MS, CONF_T0 + 4 * LEASE_MS); /* expired */
}

T(an_expired_lease_goes_to_another_owner)
{
    need_member();
    GRANTED("outbox", "a", CONF_T0, CONF_T0 + LEASE_MS);
    GRANTED("outbox", "b", CONF_T0 + LEASE_MS, CONF_T0 + 2 * LEASE_MS); /* now == until */
    REFUSED("outbox", "a", CONF_T0 + LEASE_MS + 1, CONF_T0 + 3 * LEASE_MS);
    GRANTED("outbox", "b", CONF_T0 + LEASE_MS + 2, CONF_T0 + 3 * LEASE_MS);
    /* a renewal by the holder after its lease expired is a new grant */
    GRANTED("outbox", "b", CONF_T0 + 10 * LEASE_MS, CONF_T0 + 11 * LEASE_MS);
}

T(leases_of_different_names_are_independent)
{
    need_member();
    GRANTED("outbox", "a", CONF_T0, CONF_T0 + LEASE_MS);
    GRANTED("sweeper", "b", CONF_T0, CONF_T0 + LEASE_MS);
    REFUSED("sweeper", "a", CONF_T0 + 1, CONF_T0 + LEASE_MS);
    REFUSED("outbox", "b", CONF_T0 + 1, CONF_T0 + LEASE_MS);
}

/* lease_take refuses the call with ORDERS_E_INVALID. */
static void assert_invalid(const char *name, const char *owner, int64_t now, int64_t until,
                           bool *held, const char *why)
{
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->lease_take(conf_ud, name, owner, now, until, held, &err);
    cr_assert_eq(rc, ORDERS_E_INVALID, "%s: got %d (%s)", why, rc, err.message);
    cr_assert_eq(err.code, ORDERS_E_INVALID, "%s: err.code %d", why, err.code);
    cr_assert_neq(err.message[0], '\0', "%s: no message", why);
}

T(bad_arguments_are_invalid)
{
    need_member();
    char longest[ORDERS_ID_MAX + 1], too_long[ORDERS_ID_MAX + 2];
    memset(longest, 'n', ORDERS_ID_MAX);
    longest[ORDERS_ID_MAX] = '\0';
    memset(too_long, 'n', ORDERS_ID_MAX + 1);
    too_long[ORDERS_ID_MAX + 1] = '\0';
    int64_t t = CONF_T0, u = CONF_T0 + LEASE_MS;
    bool held = false;
    assert_invalid(NULL, "a", t, u, &held, "NULL name");
    assert_invalid("", "a", t, u, &held, "empty name");
    assert_invalid(too_long, "a", t, u, &held, "name over ORDERS_ID_MAX");
    assert_invalid("outbox", NULL, t, u, &held, "NULL owner");
    assert_invalid("outbox", "", t, u, &held, "empty owner");
    assert_invalid("outbox", too_long, t, u, &held, "owner over ORDERS_ID_MAX");
    assert_invalid("outbox", "a", t, u, NULL, "NULL held");
    assert_invalid("outbox", "a", t, t, &held, "until == now");
    assert_invalid("outbox", "a", t, t - 1, &held, "until < now");
    /* none of them took anything; the longest name and owner are fine */
    GRANTED("outbox", "b", t, u);
    GRANTED(longest, longest, t, u);
    REFUSED(longest, "a", t + 1, u);
    GRANTED(longest, longest, t + 2, u);
}

/* ---- racing threads ------------------------------------------------------------------ */

typedef struct race {
    pthread_barrier_t start; /* every round starts together */
    void *ud[THREADS];
    bool held[ROUNDS][THREADS];
    orders_code_t rc[ROUNDS][THREADS];
    char message[THREADS][ORDERS_ERROR_MESSAGE_MAX];
} race_t;

typedef struct racer {
    race_t *race;
    int index;
} racer_t;

static void round_name(int round, char *out, size_t len)
{
    snprintf(out, len, "race-%d", round);
}

/* Odd rounds race for a lease that "old" held until the race's now (so it
 * has just expired); even rounds for one that was never taken. */
#define RACE_NOW (CONF_T0 + LEASE_MS)

static void *racer_main(void *arg)
{
    racer_t *r = arg;
    race_t *race = r->race;
    char owner[32], name[32];
    snprintf(owner, sizeof owner, "owner-%d", r->index);
    for (int round = 0; round < ROUNDS; round++) {
        round_name(round, name, sizeof name);
        pthread_barrier_wait(&race->start);
        orders_error_t err = {0};
        bool held = false;
        race->rc[round][r->index] = conf_vt->lease_take(race->ud[r->index], name, owner, RACE_NOW,
                                                        RACE_NOW + LEASE_MS, &held, &err);
        race->held[round][r->index] = held;
        if (race->rc[round][r->index] != ORDERS_OK && race->message[r->index][0] == '\0')
            snprintf(race->message[r->index], sizeof race->message[r->index], "%s", err.message);
    }
    return NULL;
}

T(racing_owners_one_holder_per_round)
{
    need_member();
    static race_t race; /* large: not on the test's stack */
    memset(&race, 0, sizeof race);
    char name[32];
    for (int round = 1; round < ROUNDS; round += 2) {
        round_name(round, name, sizeof name);
        GRANTED(name, "old", CONF_T0, RACE_NOW);
    }
    cr_assert_eq(pthread_barrier_init(&race.start, NULL, THREADS), 0);
    pthread_t th[THREADS];
    racer_t racers[THREADS];
    for (int t = 0; t < THREADS; t++) {
        race.ud[t] = (t % 2 && second_ud) ? second_ud : conf_ud;
        racers[t] = (racer_t){&race, t};
        cr_assert_eq(pthread_create(&th[t], NULL, racer_main, &racers[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    pthread_barrier_destroy(&race.start);

    for (int round = 0; round < ROUNDS; round++) {
        int holders = 0, winner = -1;
        for (int t = 0; t < THREADS; t++) {
            cr_assert_eq(race.rc[round][t], ORDERS_OK, "round %d thread %d: %d %s", round, t,
                         race.rc[round][t], race.message[t]);
            if (race.held[round][t]) {
                holders++;
                winner = t;
            }
        }
        cr_assert_eq(holders, 1, "round %d: %d holders of one lease", round, holders);
        /* the stored lease is the winner's: it renews, a loser is refused */
        char owner[32];
        round_name(round, name, sizeof name);
        snprintf(owner, sizeof owner, "owner-%d", winner);
        GRANTED(name, owner, RACE_NOW + 1, RACE_NOW + LEASE_MS);
        snprintf(owner, sizeof owner, "owner-%d", (winner + 1) % THREADS);
        REFUSED(name, owner, RACE_NOW + 2, RACE_NOW + LEASE_MS);
    }
}
