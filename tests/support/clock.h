/*
 * clock.h - the monotonic clock and sleeps of the tests, linked into every
 * test binary (tests/support/).  Thread-safe.
 */
#ifndef ORDERS_TEST_CLOCK_H
#define ORDERS_TEST_CLOCK_H

#include <stdint.h>

/* Monotonic milliseconds (CLOCK_MONOTONIC): only differences mean anything. */
int64_t test_mono_ms(void);
/* Sleeps ms milliseconds (resumed after a signal); ms <= 0 returns at once. */
void test_sleep_ms(int64_t ms);
/* ms times ORDERS_TEST_SLOWDOWN (an integer 1..100; default 1): for the
 * client timeouts and stub delays that a test's outcome depends on, so
 * that a slow run (test.sh's valgrind pass sets 10) keeps their ratios
 * instead of timing out.  Not for assertions on speed (there are none). */
int64_t test_scaled_ms(int64_t ms);

#endif
