/*
 * numbers.c - order sequence numbers, handed out from blocks taken from the
 * store's "order" sequence.
 *
 * The store's "order" counter counts blocks of ORDERS__NUMBER_BLOCK numbers:
 * value v stands for the numbers (v-1)*BLOCK+1 .. v*BLOCK, which this context
 * then hands out in order.  So the store is asked once per block, not once
 * per order (for SQLite, one commit saved per placement), numbers stay unique
 * across contexts and processes, and a restart or a second process starts at
 * a fresh block: numbers increase within a context but may have gaps.  The
 * block size is fixed, because a database's counter must mean the same thing
 * to every process that opens it.
 *
 * Taking a block is a store write (with SQLite, a durable commit).  Done
 * under the lock when the block runs out, it stalled every placing thread of
 * the context for that commit, once per block.  So the next block is taken
 * ahead: the thread that hands out the block's middle number takes it, with
 * the lock released, while the others go on with the current block.  Only a
 * thread that finds both used up waits, and only for that one fetch; if the
 * fetch failed, the thread that waited fetches itself, and its own error is
 * what it reports.
 */
#include "internal.h"

/* Asks the store for the next block; its first number in *first. */
static orders_code_t fetch_block(orders_ctx_t *ctx, int64_t *first, orders_error_t *err)
{
    int64_t block = 0;
    orders_code_t rc = ctx->store->sequence_next(ctx->store_ud, "order", &block, err);
    if (rc == ORDERS_OK && (block < 1 || block > INT64_MAX / ORDERS__NUMBER_BLOCK))
        rc = orders_error_set(err, ORDERS_E_BACKEND, NULL, "store returned order block %lld",
                              (long long)block);
    if (rc == ORDERS_OK)
        *first = (block - 1) * ORDERS__NUMBER_BLOCK + 1;
    return rc;
}

/* Under number_lock: moves to the spare block when the current one is
 * used up.  True when a number is there to take. */
static bool have_number(orders_ctx_t *ctx)
{
    if (ctx->number_next == ctx->number_end && ctx->number_spare != 0) {
        ctx->number_next = ctx->number_spare;
        ctx->number_end = ctx->number_spare + ORDERS__NUMBER_BLOCK;
        ctx->number_spare = 0;
    }
    return ctx->number_next < ctx->number_end;
}

/* Under number_lock: ends a fetch, keeping its block as the spare. */
static void fetch_done(orders_ctx_t *ctx, orders_code_t rc, int64_t first)
{
    if (rc == ORDERS_OK)
        ctx->number_spare = first;
    ctx->number_fetching = false;
    pthread_cond_broadcast(&ctx->number_cond);
}

orders_code_t orders__next_order_seq(orders_ctx_t *ctx, int64_t *seq, orders_error_t *err)
{
    pthread_mutex_lock(&ctx->number_lock);
    while (!have_number(ctx)) {
        if (ctx->number_fetching) {
            pthread_cond_wait(&ctx->number_cond, &ctx->number_lock);
            continue;
        }
        /* both blocks used up and nobody fetching: fetch, and wait for it */
        ctx->number_fetching = true;
        pthread_mutex_unlock(&ctx->number_lock);
        int64_t first = 0;
        orders_code_t rc = fetch_block(ctx, &first, err);
        pthread_mutex_lock(&ctx->number_lock);
        fetch_done(ctx, rc, first);
        if (rc != ORDERS_OK) {
            pthread_mutex_unlock(&ctx->number_lock);
            return rc;
        }
    }
    *seq = ctx->number_next++;
    bool ahead = ctx->number_spare == 0 && !ctx->number_fetching &&
                 ctx->number_end - ctx->number_next == ORDERS__NUMBER_BLOCK / 2;
    ctx->number_fetching |= ahead;
    pthread_mutex_unlock(&ctx->number_lock);
    if (!ahead)
        return ORDERS_OK;
    /* the next block, taken ahead; a failure is left for the thread that
     * will need it (it fetches again, and reports its own error) */
    int64_t first = 0;
    orders_code_t rc = fetch_block(ctx, &first, NULL);
    pthread_mutex_lock(&ctx->number_lock);
    fetch_done(ctx, rc, first);
    pthread_mutex_unlock(&ctx->number_lock);
    return ORDERS_OK;
}
