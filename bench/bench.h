/*
 * bench.h - pieces of orders-bench shared between its files.  Not installed.
 */
#ifndef ORDERS_BENCH_H
#define ORDERS_BENCH_H

#include <stdint.h>

/* What one timed run measured. */
typedef struct bench_figures {
    int64_t count;        /* operations timed */
    int64_t failures;
    double per_second;    /* count over the wall time of the timed phase */
    double p50_us, p99_us, mean_us, max_us;
    double faults_per_op; /* minor page faults per operation */
} bench_figures_t;

int64_t bench_now_ns(void);
long bench_minor_faults(void);

/* Fills f's latency fields from lat_ns[0..n) (sorted in place), and
 * per_second from wall_ns. */
void bench_summarize(int64_t *lat_ns, int64_t n, int64_t wall_ns, bench_figures_t *f);

/* Places per_thread 3-line carts (cod) on each of threads threads sharing
 * one context on the store at uri; exits the program on setup errors. */
void bench_place(const char *uri, int threads, int64_t per_thread, bench_figures_t *f);

/*
 * The ceiling for the SQLite store: n single-row write transactions
 * (BEGIN IMMEDIATE; INSERT; COMMIT) on a WAL database at path with
 * synchronous=FULL, as the store runs by default.  0 on success; -1 (with
 * a message on stderr) when SQLite fails or is not built in.
 */
int bench_sqlite_raw(const char *path, int64_t n, bench_figures_t *f);

#endif
