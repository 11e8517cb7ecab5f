/*
 * orders-bench - in-process placement throughput and latency.
 *
 * Every run places 3-line carts with cash on delivery (placement and
 * confirmation in one orders_order_place call; see place_run.c) and prints
 * orders/s over the wall time of the timed phase, and p50/p99/mean/max of
 * single placements in microseconds.
 *
 * Memory store: three runs.  "cold", the first run in the process, whose
 * stored records land on memory the kernel has not handed out yet (every
 * new page costs a page fault), then "warm" with 1 and with 2 threads, on
 * memory the previous runs freed, as in a long-running server.  The
 * allocator is told to keep freed memory (glibc mallopt) so that the warm
 * runs measure the library, not the kernel.
 *
 * SQLite store (when built in): first the ceiling, the raw SQLite commit
 * rate of a single-row transaction under synchronous=FULL, then the store
 * with 1, 2 and 16 threads (writes that arrive together share a commit),
 * each on a fresh database file in a temporary folder, and how much the
 * library adds to a raw commit.
 *
 * Usage: orders-bench [--quick] [--orders N] [--sqlite-orders M] [--store URI]
 *                     [--sqlite-raw-only]
 *   --store URI runs only that store (1 and 2 threads; the URI as given).
 *   --sqlite-raw-only prints only the raw SQLite commit line (M commits).
 */
#include <stdio.h> /* first: defines __GLIBC__ on glibc */
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <orders/orders.h>

#include "bench.h"

static void print_run(const char *store, const char *label, int threads, const bench_figures_t *f)
{
    printf("store=%-8s %-9s threads=%d orders=%lld  %.0f orders/s  p50=%.2f us  p99=%.2f us  "
           "mean=%.2f us  max=%.0f us  faults/order=%.2f  failures=%lld\n",
           store, label, threads, (long long)f->count, f->per_second, f->p50_us, f->p99_us,
           f->mean_us, f->max_us, f->faults_per_op, (long long)f->failures);
    if (f->failures) {
        fprintf(stderr, "orders-bench: %lld placements failed\n", (long long)f->failures);
        exit(1);
    }
}

static void run(const char *uri, const char *label, int threads, int64_t total)
{
    bench_figures_t f = {0};
    bench_place(uri, threads, total / threads, &f);
    print_run(uri, label, threads, &f);
}

static void bench_memory(int64_t orders)
{
    run("memory:", "heap=cold", 1, orders);
    run("memory:", "heap=warm", 1, orders);
    run("memory:", "heap=warm", 2, orders);
}

/* Is the SQLite store built into this liborders? */
static int have_sqlite(void)
{
    orders_ctx_t *ctx = NULL;
    orders_error_t err = {0};
    if (orders_ctx_new(NULL, &ctx, &err))
        return 0;
    int yes = orders_ctx_open_store(ctx, "sqlite:", &err) != ORDERS_E_UNSUPPORTED;
    orders_ctx_destroy(ctx);
    return yes;
}

static void remove_db(const char *path)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char buf[512];
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(buf, sizeof buf, "%s%s", path, suffix[i]);
        unlink(buf);
    }
}

/* Measures and prints the raw SQLite commit rate on a database in dir
 * (removed afterwards); exits the program when SQLite fails. */
static void sqlite_raw_run(const char *dir, int64_t commits, bench_figures_t *raw)
{
    char path[256];
    snprintf(path, sizeof path, "%s/raw.db", dir);
    if (bench_sqlite_raw(path, commits, raw) != 0)
        exit(1);
    remove_db(path);
    printf("sqlite raw: 1-row transactions, WAL, synchronous=FULL  %lld commits  %.0f commits/s  "
           "p50=%.2f us  p99=%.2f us  mean=%.2f us\n",
           (long long)raw->count, raw->per_second, raw->p50_us, raw->p99_us, raw->mean_us);
}

static void make_temp_dir(char *dir)
{
    if (!mkdtemp(dir)) {
        perror("orders-bench: mkdtemp");
        exit(1);
    }
}

/* --sqlite-raw-only: the raw commit line alone (the ceiling that
 * bench/http/run.sh compares HTTP placement with). */
static void bench_sqlite_raw_only(int64_t commits)
{
    char dir[] = "/tmp/orders-bench-XXXXXX";
    bench_figures_t raw = {0};
    make_temp_dir(dir);
    sqlite_raw_run(dir, commits, &raw);
    rmdir(dir);
}

static void bench_sqlite(int64_t orders)
{
    char dir[] = "/tmp/orders-bench-XXXXXX";
    char path[256], uri[300];
    make_temp_dir(dir);
    bench_figures_t raw = {0};
    sqlite_raw_run(dir, orders, &raw);

    /* 16 threads: writers that arrive together share commits (group commit) */
    static const int thread_counts[] = {1, 2, 16};
    for (size_t k = 0; k < sizeof thread_counts / sizeof thread_counts[0]; k++) {
        int threads = thread_counts[k];
        bench_figures_t f = {0};
        snprintf(path, sizeof path, "%s/store%d.db", dir, threads);
        snprintf(uri, sizeof uri, "sqlite:%s", path);
        bench_place(uri, threads, orders / threads, &f);
        print_run("sqlite:", "", threads, &f);
        printf("  vs raw commit: %.0f%% of its rate; the library adds %+.0f%% to a commit's time "
               "(mean %.2f us vs %.2f us)\n",
               100.0 * f.per_second / raw.per_second,
               100.0 * (raw.per_second / f.per_second - 1.0), f.mean_us, raw.mean_us);
        remove_db(path);
    }
    rmdir(dir);
}

int main(int argc, char **argv)
{
    int64_t orders = 200000, sqlite_orders = 2000;
    const char *store = NULL;
    int raw_only = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            orders = 5000;
            sqlite_orders = 200;
        } else if (strcmp(argv[i], "--orders") == 0 && i + 1 < argc) {
            orders = strtoll(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--sqlite-orders") == 0 && i + 1 < argc) {
            sqlite_orders = strtoll(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
            store = argv[++i];
        } else if (strcmp(argv[i], "--sqlite-raw-only") == 0) {
            raw_only = 1;
        } else {
            fprintf(stderr, "usage: orders-bench [--quick] [--orders N] [--sqlite-orders M] "
                            "[--store URI] [--sqlite-raw-only]\n");
            return 2;
        }
    }
    if (orders < 100 || sqlite_orders < 100) {
        fprintf(stderr, "orders-bench: --orders and --sqlite-orders must be at least 100\n");
        return 2;
    }
    if (raw_only) {
        if (!have_sqlite()) {
            fprintf(stderr, "orders-bench: sqlite: not built into this liborders\n");
            return 1;
        }
        bench_sqlite_raw_only(sqlite_orders);
        return 0;
    }
    printf("orders-bench %s: %d-line carts, cod placement (place + confirm)\n",
           orders_version_string(), 3);
#ifdef __GLIBC__
    /* keep what is freed for the warm runs: no trimming, blocks up to
     * glibc's largest mmap threshold (32 MiB on 64-bit) from the heap, and
     * one arena for every thread -- glibc unmaps a per-thread arena's heap
     * as soon as it empties, whatever the trim threshold, so a warm run on
     * a new thread would fault its memory in again */
    if (!mallopt(M_TRIM_THRESHOLD, 1 << 30) || !mallopt(M_MMAP_THRESHOLD, 32 << 20) ||
        !mallopt(M_ARENA_MAX, 1))
        fprintf(stderr, "orders-bench: mallopt refused; warm runs may still fault\n");
#endif
    if (store) {
        run(store, "", 1, orders);
        run(store, "", 2, orders);
        return 0;
    }
    bench_memory(orders);
    if (have_sqlite())
        bench_sqlite(sqlite_orders);
    else
        printf("sqlite: not built into this liborders (skipped)\n");
    return 0;
}
