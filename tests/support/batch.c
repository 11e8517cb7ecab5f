/*
 * batch.c - runs every test that support/batch.h registered, in one
 * Criterion test (the valgrind build's library and conformance tests; see
 * batch.h for why and what changes).  Linked only into those binaries, and
 * compiled without batch.h, so Test here is Criterion's own.
 */
#define ORDERS_BATCH_RUNNER /* keep Criterion's Test */
#include <criterion/criterion.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/batch.h"

static orders_batch_case_t *cases;
static orders_batch_suite_t *suites;
static orders_batch_case_t **order; /* static: a failed test leaves it reachable */
static jmp_buf skip_to;

void orders_batch_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "batch: skipped: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    longjmp(skip_to, 1);
}

void orders_batch_add_case(orders_batch_case_t *c)
{
    c->next = cases;
    cases = c;
}

void orders_batch_add_suite(orders_batch_suite_t *s)
{
    s->next = suites;
    suites = s;
}

static const struct criterion_test_extra_data *suite_data(const char *name)
{
    for (orders_batch_suite_t *s = suites; s != NULL; s = s->next)
        if (strcmp(s->name, name) == 0)
            return s->data;
    return NULL;
}

static int by_suite_then_name(const void *a, const void *b)
{
    const orders_batch_case_t *x = *(orders_batch_case_t *const *)a;
    const orders_batch_case_t *y = *(orders_batch_case_t *const *)b;
    int c = strcmp(x->suite, y->suite);
    return c != 0 ? c : strcmp(x->name, y->name);
}

static void call(void (*fn)(void))
{
    if (fn != NULL)
        fn();
}

/* One test as Criterion runs it: fixtures around the body.  False when it
 * skipped (its .fini fixtures still run). */
static bool run_case(const orders_batch_case_t *c)
{
    /* volatile: read after a longjmp */
    const struct criterion_test_extra_data *volatile s = suite_data(c->suite);
    volatile bool skipped = false;
    fprintf(stderr, "batch: %s::%s\n", c->suite, c->name);
    if (setjmp(skip_to) == 0) {
        call(s ? s->init : NULL);
        call(c->data->init);
        c->body();
    } else {
        skipped = true;
    }
    call(c->data->fini);
    call(s ? s->fini : NULL);
    return !skipped;
}

/* With the batched build's own tests in a binary, "batch" must not be one
 * of their suite names: it is not (tests/CMakeLists.txt). */
Test(batch, every_test_in_one_process, .timeout = 3000)
{
    size_t n = 0;
    for (orders_batch_case_t *c = cases; c != NULL; c = c->next)
        n++;
    cr_assert_gt(n, 0, "no test registered: was support/batch.h included?");
    order = malloc(n * sizeof *order);
    cr_assert_not_null(order);
    size_t i = 0;
    for (orders_batch_case_t *c = cases; c != NULL; c = c->next)
        order[i++] = c;
    qsort(order, n, sizeof *order, by_suite_then_name);
    size_t ran = 0, disabled = 0, skipped = 0;
    for (i = 0; i < n; i++) {
        const struct criterion_test_extra_data *s = suite_data(order[i]->suite);
        if (order[i]->data->disabled || (s != NULL && s->disabled)) {
            disabled++;
            continue;
        }
        if (run_case(order[i]))
            ran++;
        else
            skipped++;
    }
    free(order);
    order = NULL;
    fprintf(stderr, "batch: %zu tests ran, %zu skipped, %zu disabled\n", ran, skipped,
            disabled);
}
