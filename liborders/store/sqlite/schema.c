/*
 * schema.c - the SQLite store's schema, its version table and migrations.
 *
 * schema_version holds one row per migration applied (version, applied_at);
 * the schema's version is the highest.  When a store opens, one BEGIN
 * IMMEDIATE transaction reads it and applies every later migration in
 * order, then commits: a file is never left half migrated, and two
 * processes opening a new file at once migrate it once (the second finds
 * the work done).  A version above ORDERS_SQLITE_SCHEMA_VERSION was written
 * by a newer library and is refused, so an old library never writes into a
 * layout it does not know.
 *
 * Version 1: products and stock, carts and their lines, orders with items
 * and seller statuses, inventory_reservations and their lines, the outbox,
 * history, idempotency keys, wallet balances and ledger, sequences and
 * analytics counters; a seller's orders are found through order_items.
 * Version 2: order_sellers, one row per (seller, order) with the order's
 * created_at, so that the admin seller filter walks an index newest first;
 * the migration fills it from the orders already stored.
 * Version 3: outbox_dead, the dead letters by (created_at, id), so that
 * outbox_requeue takes the oldest without sorting them all; leases, the
 * named leases of lease_take (name, owner, until).
 * Version 4: order_counts, the number of orders per list filter, kept by
 * triggers in the transaction that writes the orders, so that a list's
 * total is one row read however many orders match (a COUNT(*) grows with
 * them: 270 ms for a seller of 335k orders); the migration fills it from
 * the orders already stored.
 *
 * Money is stored as INTEGER minor units plus a TEXT currency code per
 * amount.  Statuses are stored by their wire names ("pending", "active").
 * Every statement here is fixed text: no input ever reaches this file.
 */
#include "store/sqlite/internal.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

static const char SCHEMA_V1[] =
    "CREATE TABLE schema_version ("
    "  version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);"

    "CREATE TABLE products ("
    "  id TEXT PRIMARY KEY, seller_id TEXT, name TEXT, image TEXT,"
    "  price_amount INTEGER NOT NULL, price_currency TEXT NOT NULL,"
    "  active INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE INDEX products_seller ON products (seller_id, id);"
    "CREATE TABLE stock ("
    "  product_id TEXT PRIMARY KEY,"
    "  available INTEGER NOT NULL, reserved INTEGER NOT NULL, sold INTEGER NOT NULL,"
    "  stocked INTEGER NOT NULL, adjusted INTEGER NOT NULL,"
    "  CHECK (available >= 0 AND reserved >= 0 AND sold >= 0 AND stocked >= 0"
    "         AND adjusted >= 0 AND available + reserved + sold = stocked - adjusted));"

    "CREATE TABLE carts ("
    "  customer_id TEXT PRIMARY KEY, id TEXT,"
    "  total_items INTEGER NOT NULL, total_amount INTEGER NOT NULL, total_currency TEXT NOT NULL,"
    "  version INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL);"
    "CREATE INDEX carts_expires ON carts (expires_at);"
    "CREATE TABLE cart_lines ("
    "  customer_id TEXT NOT NULL, pos INTEGER NOT NULL,"
    "  product_id TEXT, seller_id TEXT, product_name TEXT, product_image TEXT,"
    "  quantity INTEGER NOT NULL, price_amount INTEGER NOT NULL, price_currency TEXT NOT NULL,"
    "  total_amount INTEGER NOT NULL, total_currency TEXT NOT NULL,"
    "  available_stock INTEGER NOT NULL, added_at INTEGER NOT NULL,"
    "  PRIMARY KEY (customer_id, pos)) WITHOUT ROWID;"

    "CREATE TABLE orders ("
    "  id TEXT PRIMARY KEY, order_number TEXT NOT NULL, customer_id TEXT NOT NULL,"
    "  customer_name TEXT, customer_email TEXT,"
    "  subtotal_amount INTEGER NOT NULL, subtotal_currency TEXT NOT NULL,"
    "  tax_amount INTEGER NOT NULL, tax_currency TEXT NOT NULL,"
    "  shipping_amount INTEGER NOT NULL, shipping_currency TEXT NOT NULL,"
    "  discount_amount INTEGER NOT NULL, discount_currency TEXT NOT NULL,"
    "  total_amount INTEGER NOT NULL, total_currency TEXT NOT NULL,"
    "  status TEXT NOT NULL, payment_method TEXT NOT NULL, payment_status TEXT NOT NULL,"
    "  payment_ref TEXT,"
    "  ship_line1 TEXT, ship_line2 TEXT, ship_city TEXT, ship_state TEXT, ship_country TEXT,"
    "  ship_postal_code TEXT, ship_contact_name TEXT, ship_contact_phone TEXT,"
    "  placed_at INTEGER NOT NULL, confirmed_at INTEGER NOT NULL,"
    "  processing_at INTEGER NOT NULL, shipped_at INTEGER NOT NULL,"
    "  delivered_at INTEGER NOT NULL, cancelled_at INTEGER NOT NULL,"
    "  notes TEXT, cancel_reason TEXT,"
    "  refund_amount INTEGER NOT NULL, refund_currency TEXT NOT NULL,"
    "  reservation_expiry INTEGER NOT NULL, version INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX orders_number ON orders (order_number);"
    "CREATE INDEX orders_created ON orders (created_at, id);"
    "CREATE INDEX orders_customer_created ON orders (customer_id, created_at, id);"
    "CREATE INDEX orders_status_created ON orders (status, created_at, id);"
    "CREATE INDEX orders_placed ON orders (placed_at, id);"
    "CREATE TABLE order_items ("
    "  order_id TEXT NOT NULL, pos INTEGER NOT NULL,"
    "  product_id TEXT, seller_id TEXT, product_name TEXT, product_image TEXT,"
    "  quantity INTEGER NOT NULL, unit_amount INTEGER NOT NULL, unit_currency TEXT NOT NULL,"
    "  total_amount INTEGER NOT NULL, total_currency TEXT NOT NULL, status TEXT NOT NULL,"
    "  reserved_at INTEGER NOT NULL, confirmed_at INTEGER NOT NULL,"
    "  PRIMARY KEY (order_id, pos)) WITHOUT ROWID;"
    "CREATE INDEX order_items_seller ON order_items (seller_id, order_id);"
    "CREATE TABLE order_seller_statuses ("
    "  order_id TEXT NOT NULL, pos INTEGER NOT NULL, seller_id TEXT, status TEXT NOT NULL,"
    "  notes TEXT, tracking_number TEXT, estimated_delivery INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (order_id, pos)) WITHOUT ROWID;"

    "CREATE TABLE inventory_reservations ("
    "  order_id TEXT PRIMARY KEY, id TEXT, customer_id TEXT,"
    "  total_items INTEGER NOT NULL, total_amount INTEGER NOT NULL, total_currency TEXT NOT NULL,"
    "  status TEXT NOT NULL, local_stock INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
    "CREATE INDEX reservations_status_expires"
    "  ON inventory_reservations (status, expires_at, order_id);"
    "CREATE INDEX reservations_updated ON inventory_reservations (status, updated_at);"
    "CREATE TABLE reservation_lines ("
    "  order_id TEXT NOT NULL, pos INTEGER NOT NULL, product_id TEXT, seller_id TEXT,"
    "  quantity INTEGER NOT NULL, unit_amount INTEGER NOT NULL, unit_currency TEXT NOT NULL,"
    "  PRIMARY KEY (order_id, pos)) WITHOUT ROWID;"

    "CREATE TABLE outbox ("
    "  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,"
    "  order_id TEXT, recipient TEXT, old_status TEXT, new_status TEXT,"
    "  amount INTEGER NOT NULL, currency TEXT NOT NULL, detail TEXT,"
    "  created_at INTEGER NOT NULL, attempts INTEGER NOT NULL,"
    "  next_attempt_at INTEGER NOT NULL, last_error TEXT,"
    "  state INTEGER NOT NULL);" /* 0 pending, 1 dead letter; delivered rows are deleted */
    "CREATE INDEX outbox_pending ON outbox (state, created_at, seq);"
    "CREATE TABLE history ("
    "  seq INTEGER PRIMARY KEY, order_id TEXT NOT NULL, at INTEGER NOT NULL,"
    "  actor TEXT, from_status TEXT, to_status TEXT, note TEXT);"
    "CREATE INDEX history_order ON history (order_id, at, seq);"

    "CREATE TABLE idempotency_keys ("
    "  key TEXT PRIMARY KEY, order_id TEXT NOT NULL, hash TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE wallet_balances ("
    "  customer_id TEXT NOT NULL, currency TEXT NOT NULL, balance INTEGER NOT NULL,"
    "  PRIMARY KEY (customer_id, currency), CHECK (balance >= 0)) WITHOUT ROWID;"
    "CREATE TABLE wallet_ledger ("
    "  seq INTEGER PRIMARY KEY, ref TEXT UNIQUE, customer_id TEXT NOT NULL,"
    "  currency TEXT NOT NULL, delta INTEGER NOT NULL, balance_after INTEGER NOT NULL,"
    "  at INTEGER NOT NULL);"
    "CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE stats (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX stats_kind_at ON stats (kind, at);";

static const char SCHEMA_V2[] =
    "CREATE TABLE order_sellers ("
    "  seller_id TEXT NOT NULL, created_at INTEGER NOT NULL, order_id TEXT NOT NULL,"
    "  PRIMARY KEY (seller_id, created_at, order_id)) WITHOUT ROWID;"
    "CREATE INDEX order_sellers_order ON order_sellers (order_id);"
    "INSERT OR IGNORE INTO order_sellers (seller_id, created_at, order_id)"
    "  SELECT i.seller_id, o.created_at, o.id FROM order_items AS i"
    "  JOIN orders AS o ON o.id = i.order_id WHERE i.seller_id IS NOT NULL;"
    /* version 1 needed this index only for the seller filter */
    "DROP INDEX order_items_seller;";

/* A partial index: dead letters only (state 1), so pending rows cost it
 * nothing.  state leads it although it is constant: with it, the planner
 * sees the index serve "state = 1 ORDER BY created_at, id" better than
 * outbox_pending does, and it covers the query.  Then the leases: one row
 * per name, held by owner while now < until. */
static const char SCHEMA_V3[] =
    "CREATE INDEX outbox_dead ON outbox (state, created_at, id) WHERE state = 1;"
    "CREATE TABLE leases ("
    "  name TEXT PRIMARY KEY, owner TEXT NOT NULL, until INTEGER NOT NULL) WITHOUT ROWID;";

/* order_counts: (scope, k1, k2) -> n.  scope is the filter's bits as
 * orders_read.c numbers them (seller 4, customer 2, status 1): 0 all orders,
 * 1 a status (k2), 2 a customer (k1), 3 a customer (k1) and status (k2),
 * 4 a seller (k1), 5 a seller (k1) and the order's status (k2); the other
 * key is ''.  A seller and a customer together (6, 7) are counted from the
 * customer's few orders instead.  The triggers keep every row equal to the
 * COUNT(*) it stands for: orders rows count under 0-3, order_sellers rows
 * under 4-5 with their order's status, and a status change moves the
 * order's seller rows too.  Rows that fall to 0 stay. */
static const char SCHEMA_V4[] =
    "CREATE TABLE order_counts ("
    "  scope INTEGER NOT NULL, k1 TEXT NOT NULL, k2 TEXT NOT NULL, n INTEGER NOT NULL,"
    "  PRIMARY KEY (scope, k1, k2)) WITHOUT ROWID;"
    "INSERT INTO order_counts SELECT 0, '', '', COUNT(*) FROM orders;"
    "INSERT INTO order_counts SELECT 1, '', status, COUNT(*) FROM orders GROUP BY status;"
    "INSERT INTO order_counts SELECT 2, customer_id, '', COUNT(*) FROM orders"
    "  GROUP BY customer_id;"
    "INSERT INTO order_counts SELECT 3, customer_id, status, COUNT(*) FROM orders"
    "  GROUP BY customer_id, status;"
    "INSERT INTO order_counts SELECT 4, seller_id, '', COUNT(*) FROM order_sellers"
    "  GROUP BY seller_id;"
    "INSERT INTO order_counts SELECT 5, s.seller_id, o.status, COUNT(*)"
    "  FROM order_sellers AS s JOIN orders AS o ON o.id = s.order_id"
    "  GROUP BY s.seller_id, o.status;"

    "CREATE TRIGGER order_counts_order_insert AFTER INSERT ON orders BEGIN"
    "  INSERT INTO order_counts (scope, k1, k2, n) VALUES (0, '', '', 1),"
    "    (1, '', NEW.status, 1), (2, NEW.customer_id, '', 1),"
    "    (3, NEW.customer_id, NEW.status, 1)"
    "    ON CONFLICT (scope, k1, k2) DO UPDATE SET n = n + 1;"
    "END;"
    "CREATE TRIGGER order_counts_order_delete AFTER DELETE ON orders BEGIN"
    "  UPDATE order_counts SET n = n - 1 WHERE scope = 0 AND k1 = '' AND k2 = '';"
    "  UPDATE order_counts SET n = n - 1 WHERE scope = 1 AND k1 = '' AND k2 = OLD.status;"
    "  UPDATE order_counts SET n = n - 1 WHERE scope = 2 AND k1 = OLD.customer_id AND k2 = '';"
    "  UPDATE order_counts SET n = n - 1"
    "    WHERE scope = 3 AND k1 = OLD.customer_id AND k2 = OLD.status;"
    "END;"
    "CREATE TRIGGER order_counts_order_update AFTER UPDATE OF status, customer_id ON orders"
    "  WHEN OLD.status IS NOT NEW.status OR OLD.customer_id IS NOT NEW.customer_id BEGIN"
    "  UPDATE order_counts SET n = n - 1 WHERE scope = 1 AND k1 = '' AND k2 = OLD.status;"
    "  UPDATE order_counts SET n = n - 1 WHERE scope = 2 AND k1 = OLD.customer_id AND k2 = '';"
    "  UPDATE order_counts SET n = n - 1"
    "    WHERE scope = 3 AND k1 = OLD.customer_id AND k2 = OLD.status;"
    "  INSERT INTO order_counts (scope, k1, k2, n) VALUES (1, '', NEW.status, 1),"
    "    (2, NEW.customer_id, '', 1), (3, NEW.customer_id, NEW.status, 1)"
    "    ON CONFLICT (scope, k1, k2) DO UPDATE SET n = n + 1;"
    "  UPDATE order_counts SET n = n - 1 WHERE scope = 5 AND k2 = OLD.status AND k1 IN"
    "    (SELECT seller_id FROM order_sellers WHERE order_id = OLD.id);"
    "  INSERT INTO order_counts (scope, k1, k2, n)"
    "    SELECT 5, seller_id, NEW.status, 1 FROM order_sellers WHERE order_id = NEW.id"
    "    ON CONFLICT (scope, k1, k2) DO UPDATE SET n = n + 1;"
    "END;"
    "CREATE TRIGGER order_counts_seller_insert AFTER INSERT ON order_sellers BEGIN"
    "  INSERT INTO order_counts (scope, k1, k2, n) VALUES (4, NEW.seller_id, '', 1)"
    "    ON CONFLICT (scope, k1, k2) DO UPDATE SET n = n + 1;"
    "  INSERT INTO order_counts (scope, k1, k2, n)"
    "    SELECT 5, NEW.seller_id, status, 1 FROM orders WHERE id = NEW.order_id"
    "    ON CONFLICT (scope, k1, k2) DO UPDATE SET n = n + 1;"
    "END;"
    "CREATE TRIGGER order_counts_seller_delete AFTER DELETE ON order_sellers BEGIN"
    "  UPDATE order_counts SET n = n - 1 WHERE scope = 4 AND k1 = OLD.seller_id AND k2 = '';"
    "  UPDATE order_counts SET n = n - 1 WHERE scope = 5 AND k1 = OLD.seller_id"
    "    AND k2 = (SELECT status FROM orders WHERE id = OLD.order_id);"
    "END;";

/* The migration to each version, in order: MIGRATIONS[v - 1] makes v. */
static const char *const MIGRATIONS[ORDERS_SQLITE_SCHEMA_VERSION] = {SCHEMA_V1, SCHEMA_V2,
                                                                      SCHEMA_V3, SCHEMA_V4};

/* Runs fixed SQL text (several statements) on c. */
static orders_code_t exec_fixed(orders__sq_conn_t *c, const char *sql, const char *what,
                                orders_error_t *err)
{
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? ORDERS_OK : orders__sq_fail(c, rc, what, err);
}

/* A one-column integer query of fixed text; *out is 0 when it gives no row. */
static orders_code_t query_i64(orders__sq_conn_t *c, const char *sql, int64_t *out,
                               orders_error_t *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return orders__sq_fail(c, rc, "cannot read the schema version", err);
    rc = orders__sq_step(c, st);
    *out = rc == SQLITE_ROW ? orders__sq_i64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return orders__sq_fail(c, rc, "cannot read the schema version", err);
    return ORDERS_OK;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Records that version v was applied. */
static orders_code_t record_version(orders__sq_conn_t *c, int64_t v, orders_error_t *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db,
                                "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return orders__sq_fail(c, rc, "cannot record the schema version", err);
    orders_code_t code = ORDERS_OK;
    if (!orders__sq_bind_i64(st, 1, v) || !orders__sq_bind_i64(st, 2, now_ms()))
        code = orders__sq_bind_failed(err);
    else
        code = orders__sq_exec(c, st, "cannot record the schema version", err);
    sqlite3_finalize(st);
    return code;
}

/* The body of the migration transaction. */
static orders_code_t migrate_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    const char *path = arg;
    int64_t has_table = 0, version = 0;
    orders_code_t rc = query_i64(c,
                                 "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
                                 "AND name = 'schema_version'",
                                 &has_table, err);
    if (rc == ORDERS_OK && has_table)
        rc = query_i64(c, "SELECT COALESCE(MAX(version), 0) FROM schema_version", &version, err);
    if (rc != ORDERS_OK)
        return rc;
    if (version > ORDERS_SQLITE_SCHEMA_VERSION)
        return orders_error_set(err, ORDERS_E_UNSUPPORTED, "store",
                                "sqlite: %s has schema version %" PRId64
                                ", newer than the %d this liborders knows: upgrade liborders",
                                path, version, ORDERS_SQLITE_SCHEMA_VERSION);
    if (version < 0)
        return orders_error_set(err, ORDERS_E_BACKEND, "store",
                                "sqlite: %s has an invalid schema version %" PRId64, path,
                                version);
    for (int64_t v = version + 1; v <= ORDERS_SQLITE_SCHEMA_VERSION; v++) {
        if ((rc = exec_fixed(c, MIGRATIONS[v - 1], "cannot migrate the schema", err)) !=
                ORDERS_OK ||
            (rc = record_version(c, v, err)) != ORDERS_OK)
            return rc;
    }
    return ORDERS_OK;
}

orders_code_t orders__sq_migrate(const orders__sq_t *s, orders__sq_conn_t *c,
                                 orders_error_t *err)
{
    int attempts = 0;
    for (;;) {
        c->locked = false;
        int rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        orders_code_t code = rc == SQLITE_OK ? migrate_body(c, s->path, err)
                                             : orders__sq_fail(c, rc, "cannot begin", err);
        if (code == ORDERS_OK) {
            rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
            if (rc != SQLITE_OK)
                code = orders__sq_fail(c, rc, "cannot commit the schema", err);
        }
        if (code == ORDERS_OK)
            return ORDERS_OK;
        if (!sqlite3_get_autocommit(c->db))
            (void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        if (!c->locked || attempts++ >= s->opts.busy_retries) {
            c->locked = false;
            return code;
        }
    }
}
