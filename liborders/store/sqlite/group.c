/*
 * group.c - group commit: the writes of one handle that arrive together
 * share one transaction, and so one fsync.
 *
 * A writer puts its operation in the handle's queue and waits.  When no
 * batch is running, it becomes the leader: it takes every operation queued
 * so far (its own among them) and runs them on the writer connection in one
 * BEGIN IMMEDIATE ... COMMIT, each inside its own SAVEPOINT, so that an
 * operation that fails rolls back only itself.  The operations run in the
 * order they arrived, each seeing the writes of those before it, exactly as
 * if they had run one after the other.  The leader wakes the others with
 * their results only after COMMIT returned: nobody learns of a success
 * before it is durable (with synchronous=FULL, on disk).  Meanwhile the
 * next writers queue up and form the next batch.
 *
 * Failures:
 *   - an operation's own refusal (a stale version, no stock ...): rolled
 *     back to its savepoint, the others go on;
 *   - an error that ends the whole transaction (SQLite rolls it back itself
 *     on an I/O error, a full disk, ...): that operation gets the error and
 *     the others run again in a new transaction;
 *   - the database stays locked (another process) at BEGIN or COMMIT, or
 *     inside an operation: the whole batch is rolled back and tried again,
 *     at most busy_retries more times, then every operation gets
 *     ORDERS_E_UNAVAILABLE;
 *   - COMMIT fails otherwise: every operation of the batch gets the error.
 * A batch of one runs without a savepoint, as a plain transaction.  A
 * larger batch first runs without savepoints too, and again with them only
 * when one of its writes is refused (see batch_once).
 */
#include "store/sqlite/internal.h"

#include <string.h>

/* One write waiting in, or running in, a batch. */
typedef struct orders__sq_op {
    orders__sq_body_fn body;
    void *arg;
    orders_error_t *err;        /* the caller's, or scratch */
    orders_error_t scratch;
    orders_code_t code;
    bool excluded;              /* its error ended a transaction: not run again */
    struct orders__sq_op *next; /* guarded by group_lock while queued */
    /* The hand-over from the leader, guarded by `lock` (not group_lock, so
     * that a woken writer never wakes only to wait for the leader's lock). */
    pthread_mutex_t lock;
    pthread_cond_t wake;        /* signalled when done or lead is set */
    bool done;                  /* the caller may return code */
    bool lead;                  /* the caller is to lead the next batch */
} orders__sq_op_t;

typedef enum { BATCH_DONE, BATCH_LOCKED } batch_end_t;

/* Gives every op still in the batch the same failure. */
static void all_fail(orders__sq_op_t *ops, orders__sq_conn_t *c, int rc, const char *what)
{
    for (orders__sq_op_t *op = ops; op != NULL; op = op->next)
        if (!op->excluded)
            op->code = orders__sq_fail(c, rc, what, op->err);
}

static size_t active_count(const orders__sq_op_t *ops)
{
    size_t n = 0;
    for (; ops != NULL; ops = ops->next)
        n += !ops->excluded;
    return n;
}

typedef enum {
    STEP_OK,     /* op ran: it succeeded, or its own refusal was rolled back */
    STEP_LOCKED, /* the database is locked: the batch must be tried again */
    STEP_LOST,   /* op's error ended the transaction: op is excluded */
    STEP_BROKEN  /* a savepoint could not be opened, released or rolled back */
} step_t;

/* Runs op inside the open transaction, in its own savepoint unless it is
 * alone in the batch (a refusal then leaves the whole transaction to be
 * rolled back by the caller). */
static step_t run_one(orders__sq_conn_t *c, orders__sq_op_t *op, bool alone)
{
    const char *what = "cannot open a savepoint";
    int rc = alone ? SQLITE_OK : orders__sq_control(c, ORDERS__SQ_SAVEPOINT);
    if (rc == SQLITE_OK) {
        op->code = op->body(c, op->arg, op->err);
        if (c->locked)
            return STEP_LOCKED;
        if (op->code != ORDERS_OK && sqlite3_get_autocommit(c->db)) {
            op->excluded = true; /* SQLite rolled the transaction back */
            return STEP_LOST;
        }
        if (alone)
            return STEP_OK;
        orders__sq_reset_all(c);
        what = "cannot close a savepoint";
        if (op->code != ORDERS_OK)
            rc = orders__sq_control(c, ORDERS__SQ_ROLLBACK_TO);
        if (rc == SQLITE_OK)
            rc = orders__sq_control(c, ORDERS__SQ_RELEASE);
        if (rc == SQLITE_OK)
            return STEP_OK;
    }
    op->code = orders__sq_fail(c, rc, what, op->err);
    return c->locked ? STEP_LOCKED : STEP_BROKEN;
}

/*
 * One try at the ops not excluded: BEGIN, each op, COMMIT.
 *
 * A savepoint is not free: SQLite copies the original of every page an op
 * changes into a statement journal, so that the op alone can be rolled
 * back.  Most writes succeed, so a batch first runs without savepoints
 * (*careful false); the first op that is refused rolls the whole
 * transaction back, and the batch runs again, each op in its own savepoint
 * (*careful true).  Bodies may run more than once (internal.h), so this is
 * the same as the retry after a lock.
 */
static batch_end_t batch_once(orders__sq_t *s, orders__sq_conn_t *c, orders__sq_op_t *ops,
                              bool *careful)
{
    for (;;) {
        size_t n = active_count(ops);
        if (n == 0)
            return BATCH_DONE;
        bool fast = n == 1 || !*careful;
        c->locked = false;
        int rc = orders__sq_control(c, ORDERS__SQ_BEGIN_IMMEDIATE);
        if (rc != SQLITE_OK) {
            all_fail(ops, c, rc, "cannot begin a transaction");
            return c->locked ? BATCH_LOCKED : BATCH_DONE;
        }
        step_t st = STEP_OK;
        orders__sq_op_t *last = NULL;
        size_t succeeded = 0;
        bool refused = false;
        for (orders__sq_op_t *op = ops; op != NULL && st == STEP_OK && !refused;
             op = op->next) {
            if (op->excluded)
                continue;
            last = op;
            st = run_one(c, op, fast);
            succeeded += st == STEP_OK && op->code == ORDERS_OK;
            refused = n > 1 && fast && st == STEP_OK && op->code != ORDERS_OK;
        }
        if (refused) {
            orders__sq_rollback(c);
            *careful = true;
            continue; /* the whole batch again, in savepoints */
        }
        if (st != STEP_OK)
            orders__sq_rollback(c);
        if (st == STEP_LOCKED)
            return BATCH_LOCKED;
        if (st == STEP_LOST)
            continue; /* the others again, in a new transaction */
        if (st == STEP_BROKEN) {
            for (orders__sq_op_t *op = ops; op != NULL; op = op->next)
                if (!op->excluded && op != last)
                    op->code = orders_error_set(op->err, ORDERS_E_BACKEND, "store",
                                                "sqlite: another write of the same batch failed");
            return BATCH_DONE;
        }
        if (succeeded == 0) { /* nothing to keep */
            orders__sq_rollback(c);
            return BATCH_DONE;
        }
        orders__sq_reset_all(c);
        rc = orders__sq_control(c, ORDERS__SQ_COMMIT);
        if (rc == SQLITE_OK) {
            s->commits++;
            s->writes_committed += (int64_t)succeeded;
            return BATCH_DONE;
        }
        for (orders__sq_op_t *op = ops; op != NULL; op = op->next)
            if (!op->excluded && op->code == ORDERS_OK)
                op->code = orders__sq_fail(c, rc, "cannot commit", op->err);
        orders__sq_rollback(c);
        return c->locked ? BATCH_LOCKED : BATCH_DONE;
    }
}

/* Runs a batch to its end on the writer connection, under write_lock. */
static void run_batch(orders__sq_t *s, orders__sq_op_t *ops)
{
    pthread_mutex_lock(&s->write_lock);
    orders_error_t open_err = {0};
    orders_code_t code =
        s->writer != NULL ? ORDERS_OK : orders__sq_conn_open(s, &s->writer, &open_err);
    if (code != ORDERS_OK) {
        pthread_mutex_unlock(&s->write_lock);
        for (orders__sq_op_t *op = ops; op != NULL; op = op->next) {
            *op->err = open_err;
            op->code = code;
        }
        return;
    }
    orders__sq_conn_t *c = s->writer;
    bool careful = false;
    for (int attempts = 0; batch_once(s, c, ops, &careful) == BATCH_LOCKED;) {
        if (attempts++ >= s->opts.busy_retries) {
            for (orders__sq_op_t *op = ops; op != NULL; op = op->next)
                if (!op->excluded)
                    op->code = orders_error_set(
                        op->err, ORDERS_E_UNAVAILABLE, "store",
                        "sqlite: the database is locked: gave up after %d attempts of %d ms each",
                        attempts, s->opts.busy_timeout_ms);
            break;
        }
        orders__sq_backoff(attempts);
    }
    c->locked = false;
    pthread_mutex_unlock(&s->write_lock);
}

/* Sets *flag of op and wakes its writer.  After the unlock op may be gone:
 * its writer can return at once (destroying a mutex just unlocked by
 * another thread is allowed). */
static void hand_over(orders__sq_op_t *op, bool *flag)
{
    pthread_mutex_lock(&op->lock);
    *flag = true;
    pthread_cond_signal(&op->wake);
    pthread_mutex_unlock(&op->lock);
}

/* Takes every queued write as the next batch; NULL when none is queued,
 * and then nobody leads.  Under group_lock. */
static orders__sq_op_t *take_queue(orders__sq_t *s)
{
    orders__sq_op_t *batch = s->queue_head;
    s->queue_head = s->queue_tail = NULL;
    s->leading = batch != NULL;
    return batch;
}

/*
 * Each writer sleeps on its own condition variable and mutex, and is woken
 * once: when its write is done, or when it is to lead the next batch.  The
 * leader detaches the queue under group_lock, runs it, picks the next
 * leader (the head of what queued meanwhile) under group_lock, and wakes
 * the next leader and then its own batch without holding group_lock.  (One
 * shared condition woke every waiter after every batch, and waking under
 * group_lock made each woken writer sleep again on that lock.)
 */
orders_code_t orders__sq_group_run(orders__sq_t *s, orders__sq_body_fn body, void *arg,
                                   orders_error_t *err)
{
    orders__sq_op_t me = {.body = body, .arg = arg};
    me.err = err != NULL ? err : &me.scratch;
    pthread_mutex_init(&me.lock, NULL);
    pthread_cond_init(&me.wake, NULL);

    pthread_mutex_lock(&s->group_lock);
    if (s->queue_tail != NULL)
        s->queue_tail->next = &me;
    else
        s->queue_head = &me;
    s->queue_tail = &me;
    /* Whether this write leads is decided here, under group_lock, and kept in
     * a local: me.lead belongs to the hand-over (written under me.lock).  Once
     * group_lock is released, a finishing leader may already pick me (the
     * head of the queue) and set me.lead; reading me.lead below instead of
     * `leads` skipped both the wait and the taking of the queue, ran an empty
     * batch, returned a write never run, and left me queued with `leading`
     * set: every later writer slept forever. */
    bool leads = !s->leading; /* nobody leads: this write leads, the queue is just itself */
    orders__sq_op_t *batch = leads ? take_queue(s) : NULL;
    pthread_mutex_unlock(&s->group_lock);

    if (!leads) {
        pthread_mutex_lock(&me.lock);
        while (!me.done && !me.lead)
            pthread_cond_wait(&me.wake, &me.lock);
        pthread_mutex_unlock(&me.lock);
        if (!me.done) { /* made leader: leading is still set for us */
            pthread_mutex_lock(&s->group_lock);
            batch = s->queue_head;
            s->queue_head = s->queue_tail = NULL;
            pthread_mutex_unlock(&s->group_lock);
        }
    }
    if (!me.done) {
        run_batch(s, batch); /* me is in it: the head of the queue when we lead */
        pthread_mutex_lock(&s->group_lock);
        orders__sq_op_t *next = s->queue_head;
        s->leading = next != NULL; /* the next leader takes over at once */
        pthread_mutex_unlock(&s->group_lock);
        if (next != NULL)
            hand_over(next, &next->lead);
        for (orders__sq_op_t *op = batch, *after; op != NULL; op = after) {
            after = op->next; /* read before op's writer may return */
            if (op != &me)
                hand_over(op, &op->done);
        }
    }
    pthread_mutex_destroy(&me.lock);
    pthread_cond_destroy(&me.wake);
    return me.code;
}

void orders__sq_group_stats(orders__sq_t *s, int64_t *commits, int64_t *writes)
{
    pthread_mutex_lock(&s->write_lock);
    *commits = s->commits;
    *writes = s->writes_committed;
    pthread_mutex_unlock(&s->write_lock);
}
