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

#endif
