/*
 * scale.h - ORDERS_TEST_SCALE, the size knob of the heavy tests (stress
 * loops, many threads or processes), linked into every test binary.
 *
 * ORDERS_TEST_SCALE is a number in (0, 1], default 1: a heavy test
 * multiplies its iteration counts by it.  test.sh's valgrind pass sets 0.1
 * (ORDERS_VALGRIND_TEST_SCALE), since memcheck runs the code 20 to 50
 * times slower; every other run uses the full sizes.  A malformed value
 * counts as 1.  Thread-safe.
 */
#ifndef ORDERS_TEST_SCALE_H
#define ORDERS_TEST_SCALE_H

#include <stdint.h>

double test_scale(void);
/* n * test_scale(), rounded down, but at least min (and at most n). */
int64_t test_scaled_count(int64_t n, int64_t min);

#endif
