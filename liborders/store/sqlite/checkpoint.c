/*
 * checkpoint.c - the SQLite store's checkpointer thread.
 *
 * In WAL mode every commit appends pages to the -wal file, and a
 * checkpoint copies them back into the database file (and, with
 * synchronous=FULL, fsyncs it).  By default SQLite runs that checkpoint in
 * whichever connection's commit pushes the WAL past 1000 pages, so every
 * thirtieth or so placement would pay for several milliseconds of copying
 * and an extra fsync.  Instead, each store handle runs one thread with its
 * own connection: the pool's connections report the WAL's size after each
 * commit (sqlite3_wal_hook, which also turns off their automatic
 * checkpoints), and past ORDERS__SQ_CKPT_FRAMES the thread is woken to copy
 * the WAL back (see checkpoint() for how, and what writers wait for).
 *
 * If the thread cannot start, the handle keeps SQLite's automatic
 * checkpoints.  Several processes may each run a checkpointer on one file;
 * SQLite serializes checkpoints itself.
 */
#include "store/sqlite/internal.h"

#include <stdlib.h>

/* WAL pages that wake the checkpointer: SQLite's own default threshold. */
#define ORDERS__SQ_CKPT_FRAMES 1000

struct orders__sq_ckpt {
    orders__sq_t *s;
    orders__sq_conn_t *conn; /* the thread's own connection, opened by it */
    pthread_t thread;
    pthread_mutex_t lock;    /* guards the two flags below */
    pthread_cond_t wake;
    bool due;                /* the WAL passed the threshold */
    bool stop;               /* the handle is closing */
};

/*
 * A PASSIVE checkpoint copies the WAL back while writers go on, but with a
 * steady stream of commits it never catches up with the last one, and a
 * WAL is only reused from its start once it is fully copied.  So a RESTART
 * checkpoint follows, with this handle's writers held on write_lock (they
 * wait on a mutex, not in SQLite's sleeping busy handler): it copies the
 * few pages written meanwhile and makes the next commit start the WAL
 * over.  Writers of other processes wait in their busy handler, bounded by
 * busy_timeout.  SQLITE_BUSY from either only means another checkpoint or a
 * long reader got in the way; the next wake-up tries again.
 */
static void checkpoint(struct orders__sq_ckpt *k)
{
    sqlite3 *db = k->conn->db;
    (void)sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    pthread_mutex_lock(&k->s->write_lock);
    (void)sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
    pthread_mutex_unlock(&k->s->write_lock);
}

static void *run(void *arg)
{
    struct orders__sq_ckpt *k = arg;
    for (;;) {
        pthread_mutex_lock(&k->lock);
        while (!k->due && !k->stop)
            pthread_cond_wait(&k->wake, &k->lock);
        bool stop = k->stop;
        k->due = false;
        pthread_mutex_unlock(&k->lock);
        if (stop)
            break;
        if (k->conn == NULL && orders__sq_conn_open(k->s, &k->conn, NULL) != ORDERS_OK)
            continue; /* tried again at the next wake-up */
        checkpoint(k);
    }
    orders__sq_conn_close(k->conn);
    return NULL;
}

/* sqlite3_wal_hook callback: runs in the committing thread, so it only
 * signals. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
    (void)db, (void)name;
    struct orders__sq_ckpt *k = arg;
    if (frames >= ORDERS__SQ_CKPT_FRAMES) {
        pthread_mutex_lock(&k->lock);
        k->due = true;
        pthread_cond_signal(&k->wake);
        pthread_mutex_unlock(&k->lock);
    }
    return SQLITE_OK;
}

void orders__sq_ckpt_start(orders__sq_t *s)
{
    struct orders__sq_ckpt *k = calloc(1, sizeof *k);
    if (k == NULL)
        return;
    k->s = s;
    if (pthread_mutex_init(&k->lock, NULL) != 0) {
        free(k);
        return;
    }
    if (pthread_cond_init(&k->wake, NULL) != 0) {
        pthread_mutex_destroy(&k->lock);
        free(k);
        return;
    }
    if (pthread_create(&k->thread, NULL, run, k) != 0) {
        pthread_cond_destroy(&k->wake);
        pthread_mutex_destroy(&k->lock);
        free(k);
        return;
    }
    s->ckpt = k;
}

void orders__sq_ckpt_attach(const orders__sq_t *s, sqlite3 *db)
{
    if (s->ckpt != NULL)
        sqlite3_wal_hook(db, on_commit, s->ckpt);
}

void orders__sq_ckpt_stop(orders__sq_t *s)
{
    struct orders__sq_ckpt *k = s->ckpt;
    if (k == NULL)
        return;
    pthread_mutex_lock(&k->lock);
    k->stop = true;
    pthread_cond_signal(&k->wake);
    pthread_mutex_unlock(&k->lock);
    pthread_join(k->thread, NULL);
    pthread_cond_destroy(&k->wake);
    pthread_mutex_destroy(&k->lock);
    free(k);
    s->ckpt = NULL;
}
