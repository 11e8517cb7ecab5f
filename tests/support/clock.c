/*
 * clock.c - see clock.h.
 */
#include "support/clock.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

int64_t test_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void test_sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int64_t test_scaled_ms(int64_t ms)
{
    const char *v = getenv("ORDERS_TEST_SLOWDOWN");
    long k = v != NULL ? strtol(v, NULL, 10) : 1;
    return ms * (k >= 1 && k <= 100 ? k : 1);
}
