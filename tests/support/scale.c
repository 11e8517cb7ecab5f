/*
 * scale.c - see scale.h.
 */
#include "support/scale.h"

#include <stdlib.h>

double test_scale(void)
{
    const char *v = getenv("ORDERS_TEST_SCALE");
    if (v == NULL || *v == '\0')
        return 1;
    char *end;
    double x = strtod(v, &end);
    return *end == '\0' && x > 0 && x <= 1 ? x : 1;
}

int64_t test_scaled_count(int64_t n, int64_t min)
{
    int64_t k = (int64_t)((double)n * test_scale());
    if (k < min)
        k = min;
    return k > n ? n : k;
}
