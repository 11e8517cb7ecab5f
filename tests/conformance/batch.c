/*
 * batch.c - the batched conformance run (CONF_BATCHED: the valgrind build).
 *
 * CONF_TEST registers each test here instead of making it a Criterion test;
 * the one Criterion test below runs them all in this process, in order:
 * init, body, fini, as Criterion would, printing each name first so a crash
 * is placed.  conf_skip jumps back here; the skipped test's fini still runs
 * (conf_teardown copes with a store that never opened).  A failed assertion
 * ends the batch, and Criterion reports its file and line.  Built without
 * CONF_BATCHED this file is empty: every test is its own Criterion test.
 */
#ifdef CONF_BATCHED

#include "conformance/conformance.h"

#include <criterion/criterion.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>

static conf_case_t *cases;
static conf_case_t **cases_end = &cases;
static jmp_buf skip_to;

void conf_case_register(conf_case_t *c)
{
    *cases_end = c;
    cases_end = &c->next;
}

void conf_batch_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "conformance: skipped: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    longjmp(skip_to, 1);
}

/* Runs c; true when it ran to the end, false when it skipped. */
static bool run_case(conf_case_t *c)
{
    /* volatile: read after the longjmp */
    volatile bool skipped = false;
    fprintf(stderr, "conformance: %s::%s\n", c->suite, c->name);
    if (setjmp(skip_to) == 0) {
        c->init();
        c->body();
    } else {
        skipped = true;
    }
    c->fini();
    return !skipped;
}

Test(conformance, every_test_in_one_process, .timeout = 3000)
{
    int ran = 0, skipped = 0;
    for (conf_case_t *c = cases; c != NULL; c = c->next) {
        if (run_case(c))
            ran++;
        else
            skipped++;
    }
    fprintf(stderr, "conformance: %d tests ran, %d skipped\n", ran, skipped);
    cr_assert_gt(ran + skipped, 100, "only %d tests registered", ran + skipped);
    if (ran == 0)
        cr_skip_test("every conformance test skipped");
}

#endif
