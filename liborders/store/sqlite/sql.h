/*
 * sql.h - every SQL statement the SQLite store prepares.  Not installed.
 *
 * One list, ORDERS__SQ_STATEMENTS(X), names each statement and gives its
 * text.  The store prepares them from it (pool.c, per connection, once), and
 * tests/test_sqlite_schema.c runs EXPLAIN QUERY PLAN on the very same text,
 * so the test checks exactly the SQL the store runs.
 *
 * Every value comes in through a bound parameter (?N or :name); no text is
 * ever pasted into SQL.  The schema itself (tables, indexes, migrations) is
 * in schema.c.
 *
 * ORDERS__SQ_LIST_QUERY marks the statements that list or count rows of a
 * table that grows (orders, reservations, carts, outbox, history, stats):
 * the test asserts that each of them is served by an index.
 */
#ifndef ORDERS_STORE_SQLITE_SQL_H
#define ORDERS_STORE_SQLITE_SQL_H

/* Columns of an orders row, in the order sq_order_row (orders_read.c) reads them. */
#define ORDERS__SQ_ORDER_COLS                                                                   \
    "id, order_number, customer_id, customer_name, customer_email, "                          \
    "subtotal_amount, subtotal_currency, tax_amount, tax_currency, "                          \
    "shipping_amount, shipping_currency, discount_amount, discount_currency, "                \
    "total_amount, total_currency, status, payment_method, payment_status, payment_ref, "     \
    "ship_line1, ship_line2, ship_city, ship_state, ship_country, ship_postal_code, "         \
    "ship_contact_name, ship_contact_phone, placed_at, confirmed_at, processing_at, "         \
    "shipped_at, delivered_at, cancelled_at, notes, cancel_reason, refund_amount, "           \
    "refund_currency, reservation_expiry, version, created_at, updated_at"
#define ORDERS__SQ_ORDER_PARAMS                                                                 \
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "  \
    "?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, "   \
    "?37, ?38, ?39, ?40, ?41"
#define ORDERS__SQ_ORDER_SET                                                                    \
    "order_number = ?2, customer_id = ?3, customer_name = ?4, customer_email = ?5, "          \
    "subtotal_amount = ?6, subtotal_currency = ?7, tax_amount = ?8, tax_currency = ?9, "      \
    "shipping_amount = ?10, shipping_currency = ?11, discount_amount = ?12, "                 \
    "discount_currency = ?13, total_amount = ?14, total_currency = ?15, status = ?16, "       \
    "payment_method = ?17, payment_status = ?18, payment_ref = ?19, ship_line1 = ?20, "       \
    "ship_line2 = ?21, ship_city = ?22, ship_state = ?23, ship_country = ?24, "               \
    "ship_postal_code = ?25, ship_contact_name = ?26, ship_contact_phone = ?27, "             \
    "placed_at = ?28, confirmed_at = ?29, processing_at = ?30, shipped_at = ?31, "            \
    "delivered_at = ?32, cancelled_at = ?33, notes = ?34, cancel_reason = ?35, "              \
    "refund_amount = ?36, refund_currency = ?37, reservation_expiry = ?38, version = ?39, "   \
    "created_at = ?40, updated_at = ?41"

#define ORDERS__SQ_PRODUCT_COLS                                                                 \
    "id, seller_id, name, image, price_amount, price_currency, active, created_at, updated_at"
#define ORDERS__SQ_RES_COLS                                                                     \
    "id, order_id, customer_id, total_items, total_amount, total_currency, status, "          \
    "local_stock, created_at, updated_at, expires_at"
#define ORDERS__SQ_EVENT_COLS                                                                   \
    "id, type, order_id, recipient, old_status, new_status, amount, currency, detail, "       \
    "created_at, attempts, next_attempt_at, last_error"

/* Order lists: the filter combinations, each with its own statement so that
 * each is served by the index that fits it (seller: order_sellers;
 * customer: orders_customer_created; status: orders_status_created; none:
 * orders_created).  With customer and status, "+status" keeps the planner
 * on the customer's index (a customer has few orders, a status has many).
 * Parameters :customer, :status, :seller, :limit, :offset.  A list's total
 * is read from order_counts (schema.c, version 4) by :scope, :k1, :k2,
 * except with both a seller and a customer: then it is counted. */
#define ORDERS__SQ_NEWEST " ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset"
#define ORDERS__SQ_BY_SELLER                                                                    \
    " FROM order_sellers AS s CROSS JOIN orders AS o ON o.id = s.order_id"                    \
    " WHERE s.seller_id = :seller"
#define ORDERS__SQ_SELLER_NEWEST                                                                \
    " ORDER BY s.created_at DESC, s.order_id DESC LIMIT :limit OFFSET :offset"
/* A seller and a customer: from the customer's few orders, each looked up
 * in order_sellers by its primary key (s.created_at is o.created_at). */
#define ORDERS__SQ_BY_CUSTOMER_SELLER                                                           \
    " FROM orders AS o CROSS JOIN order_sellers AS s ON s.seller_id = :seller"                \
    " AND s.created_at = o.created_at AND s.order_id = o.id WHERE o.customer_id = :customer"
#define ORDERS__SQ_NEWEST_O " ORDER BY o.created_at DESC, o.id DESC LIMIT :limit OFFSET :offset"

/* X(name, list_query, sql) */
#define ORDERS__SQ_STATEMENTS(X)                                                                \
    X(BEGIN, 0, "BEGIN")                                                                      \
    X(BEGIN_IMMEDIATE, 0, "BEGIN IMMEDIATE")                                                  \
    X(COMMIT, 0, "COMMIT")                                                                    \
    X(ROLLBACK, 0, "ROLLBACK")                                                                \
    X(SAVEPOINT, 0, "SAVEPOINT op")                                                           \
    X(RELEASE, 0, "RELEASE op")                                                               \
    X(ROLLBACK_TO, 0, "ROLLBACK TO op")                                                       \
    /* ---- products and stock ---- */                                                        \
    X(PRODUCT_EXISTS, 0, "SELECT 1 FROM products WHERE id = ?1")                              \
    X(PRODUCT_PUT, 0,                                                                         \
      "INSERT INTO products (" ORDERS__SQ_PRODUCT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, " \
      "?8, ?9) ON CONFLICT (id) DO UPDATE SET seller_id = excluded.seller_id, "               \
      "name = excluded.name, image = excluded.image, price_amount = excluded.price_amount, "  \
      "price_currency = excluded.price_currency, active = excluded.active, "                  \
      "created_at = excluded.created_at, updated_at = excluded.updated_at")                   \
    X(STOCK_INIT, 0,                                                                          \
      "INSERT OR IGNORE INTO stock (product_id, available, reserved, sold, stocked, adjusted) " \
      "VALUES (?1, 0, 0, 0, 0, 0)")                                                           \
    X(PRODUCT_GET, 0, "SELECT " ORDERS__SQ_PRODUCT_COLS " FROM products WHERE id = ?1")       \
    X(PRODUCT_AVAIL, 0,                                                                       \
      "SELECT " ORDERS__SQ_PRODUCT_COLS ", "                                                  \
      "(SELECT available FROM stock WHERE product_id = ?1) FROM products WHERE id = ?1")      \
    X(PRODUCT_LIST, 1,                                                                        \
      "SELECT " ORDERS__SQ_PRODUCT_COLS " FROM products ORDER BY id LIMIT ?1 OFFSET ?2")      \
    X(PRODUCT_COUNT, 0, "SELECT COUNT(*) FROM products")                                      \
    X(PRODUCT_LIST_SELLER, 1,                                                                 \
      "SELECT " ORDERS__SQ_PRODUCT_COLS " FROM products WHERE seller_id = ?3 ORDER BY id "    \
      "LIMIT ?1 OFFSET ?2")                                                                   \
    X(PRODUCT_COUNT_SELLER, 1, "SELECT COUNT(*) FROM products WHERE seller_id = ?1")          \
    X(STOCK_GET, 0,                                                                           \
      "SELECT available, reserved, sold, stocked, adjusted FROM stock WHERE product_id = ?1") \
    X(STOCK_SET, 0,                                                                           \
      "UPDATE stock SET available = ?2, reserved = ?3, sold = ?4, stocked = ?5, "             \
      "adjusted = ?6 WHERE product_id = ?1")                                                  \
    X(STOCK_RESERVE, 0,                                                                       \
      "UPDATE stock SET available = available - ?2, reserved = reserved + ?2 "                \
      "WHERE product_id = ?1 AND available >= ?2")                                            \
    X(STOCK_SELL, 0,                                                                          \
      "UPDATE stock SET available = available - ?2, sold = sold + ?2 "                        \
      "WHERE product_id = ?1 AND available >= ?2")                                            \
    X(STOCK_CONFIRM, 0,                                                                       \
      "UPDATE stock SET reserved = reserved - ?2, sold = sold + ?2 "                          \
      "WHERE product_id = ?1 AND reserved >= ?2")                                             \
    X(STOCK_RELEASE, 0,                                                                       \
      "UPDATE stock SET reserved = reserved - ?2, available = available + ?2 "                \
      "WHERE product_id = ?1 AND reserved >= ?2")                                             \
    X(STOCK_RETURN, 0,                                                                        \
      "UPDATE stock SET sold = sold - ?2, available = available + ?2 "                        \
      "WHERE product_id = ?1 AND sold >= ?2")                                                 \
    /* ---- carts ---- */                                                                     \
    X(CART_GET, 0,                                                                            \
      "SELECT id, customer_id, total_items, total_amount, total_currency, version, "          \
      "created_at, updated_at, expires_at FROM carts WHERE customer_id = ?1")                 \
    X(CART_LINES, 0,                                                                          \
      "SELECT product_id, seller_id, product_name, product_image, quantity, price_amount, "   \
      "price_currency, total_amount, total_currency, available_stock, added_at "              \
      "FROM cart_lines WHERE customer_id = ?1 ORDER BY pos")                                  \
    X(CART_VERSION, 0, "SELECT version FROM carts WHERE customer_id = ?1")                    \
    X(CART_PUT, 0,                                                                            \
      "INSERT INTO carts (customer_id, id, total_items, total_amount, total_currency, "       \
      "version, created_at, updated_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, " \
      "?9) ON CONFLICT (customer_id) DO UPDATE SET id = excluded.id, "                        \
      "total_items = excluded.total_items, total_amount = excluded.total_amount, "            \
      "total_currency = excluded.total_currency, version = excluded.version, "                \
      "created_at = excluded.created_at, updated_at = excluded.updated_at, "                  \
      "expires_at = excluded.expires_at")                                                     \
    X(CART_LINES_DELETE, 0, "DELETE FROM cart_lines WHERE customer_id = ?1")                  \
    X(CART_LINE_PUT, 0,                                                                       \
      "INSERT INTO cart_lines (customer_id, pos, product_id, seller_id, product_name, "       \
      "product_image, quantity, price_amount, price_currency, total_amount, total_currency, " \
      "available_stock, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, " \
      "?13)")                                                                                 \
    X(CART_PURGE_LINES, 1,                                                                    \
      "DELETE FROM cart_lines WHERE customer_id IN "                                          \
      "(SELECT customer_id FROM carts WHERE expires_at <= ?1)")                               \
    X(CART_PURGE, 1, "DELETE FROM carts WHERE expires_at <= ?1")                              \
    /* ---- orders ---- */                                                                    \
    X(ORDER_HEAD, 0, "SELECT version, order_number FROM orders WHERE id = ?1")                \
    X(ORDER_VERSION, 0, "SELECT version, customer_id FROM orders WHERE id = ?1")              \
    X(ORDER_NUMBER_EXISTS, 0, "SELECT 1 FROM orders WHERE order_number = ?1")                 \
    X(ORDER_INSERT, 0,                                                                        \
      "INSERT INTO orders (" ORDERS__SQ_ORDER_COLS ") VALUES (" ORDERS__SQ_ORDER_PARAMS ")")  \
    X(ORDER_REPLACE, 0, "UPDATE orders SET " ORDERS__SQ_ORDER_SET " WHERE id = ?1")           \
    X(ORDER_ITEMS_DELETE, 0, "DELETE FROM order_items WHERE order_id = ?1")                   \
    X(ORDER_ITEM_PUT, 0,                                                                      \
      "INSERT INTO order_items (order_id, pos, product_id, seller_id, product_name, "         \
      "product_image, quantity, unit_amount, unit_currency, total_amount, total_currency, "   \
      "status, reserved_at, confirmed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "  \
      "?11, ?12, ?13, ?14)")                                                                  \
    X(SELLER_STATUSES_DELETE, 0, "DELETE FROM order_seller_statuses WHERE order_id = ?1")     \
    X(SELLER_STATUS_PUT, 0,                                                                   \
      "INSERT INTO order_seller_statuses (order_id, pos, seller_id, status, notes, "          \
      "tracking_number, estimated_delivery, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, " \
      "?8)")                                                                                  \
    X(ORDER_SELLERS_DELETE, 0, "DELETE FROM order_sellers WHERE order_id = ?1")               \
    X(ORDER_SELLER_PUT, 0,                                                                    \
      "INSERT OR IGNORE INTO order_sellers (seller_id, created_at, order_id) "                \
      "VALUES (?1, ?2, ?3)")                                                                  \
    X(ORDER_GET, 0, "SELECT " ORDERS__SQ_ORDER_COLS " FROM orders WHERE id = ?1")             \
    X(ORDER_GET_BY_NUMBER, 0,                                                                 \
      "SELECT " ORDERS__SQ_ORDER_COLS " FROM orders WHERE order_number = ?1")                 \
    X(ORDER_ITEMS, 0,                                                                         \
      "SELECT product_id, seller_id, product_name, product_image, quantity, unit_amount, "    \
      "unit_currency, total_amount, total_currency, status, reserved_at, confirmed_at "       \
      "FROM order_items WHERE order_id = ?1 ORDER BY pos")                                    \
    X(ORDER_SELLER_STATUSES, 0,                                                               \
      "SELECT seller_id, status, notes, tracking_number, estimated_delivery, updated_at "     \
      "FROM order_seller_statuses WHERE order_id = ?1 ORDER BY pos")                          \
    X(ORDER_LIST, 1, "SELECT id FROM orders" ORDERS__SQ_NEWEST)                               \
    X(ORDER_LIST_C, 1, "SELECT id FROM orders WHERE customer_id = :customer" ORDERS__SQ_NEWEST) \
    X(ORDER_LIST_T, 1, "SELECT id FROM orders WHERE status = :status" ORDERS__SQ_NEWEST)      \
    X(ORDER_LIST_CT, 1,                                                                       \
      "SELECT id FROM orders WHERE customer_id = :customer AND +status = :status"             \
      ORDERS__SQ_NEWEST)                                                                      \
    X(ORDER_LIST_S, 1,                                                                        \
      "SELECT s.order_id FROM order_sellers AS s WHERE s.seller_id = :seller"                 \
      ORDERS__SQ_SELLER_NEWEST)                                                               \
    X(ORDER_LIST_SC, 1,                                                                       \
      "SELECT o.id" ORDERS__SQ_BY_CUSTOMER_SELLER ORDERS__SQ_NEWEST_O)                        \
    X(ORDER_LIST_ST, 1,                                                                       \
      "SELECT s.order_id" ORDERS__SQ_BY_SELLER " AND o.status = :status"                      \
      ORDERS__SQ_SELLER_NEWEST)                                                               \
    X(ORDER_LIST_SCT, 1,                                                                      \
      "SELECT o.id" ORDERS__SQ_BY_CUSTOMER_SELLER " AND +o.status = :status"                  \
      ORDERS__SQ_NEWEST_O)                                                                    \
    X(ORDER_COUNT_KEYED, 1,                                                                   \
      "SELECT COALESCE((SELECT n FROM order_counts WHERE scope = :scope AND k1 = :k1"         \
      " AND k2 = :k2), 0)")                                                                   \
    X(ORDER_COUNT_SC, 1, "SELECT COUNT(*)" ORDERS__SQ_BY_CUSTOMER_SELLER)                     \
    X(ORDER_COUNT_SCT, 1,                                                                     \
      "SELECT COUNT(*)" ORDERS__SQ_BY_CUSTOMER_SELLER " AND +o.status = :status")             \
    X(ORDER_SCAN, 1,                                                                          \
      "SELECT id, placed_at FROM orders WHERE placed_at >= ?1 AND placed_at < ?2 "                       \
      "AND (placed_at, id) > (?3, ?4) ORDER BY placed_at, id LIMIT ?5")                       \
    /* ---- reservations ---- */                                                              \
    X(RES_GET, 0,                                                                             \
      "SELECT " ORDERS__SQ_RES_COLS " FROM inventory_reservations WHERE order_id = ?1")       \
    X(RES_LINES, 0,                                                                           \
      "SELECT product_id, seller_id, quantity, unit_amount, unit_currency "                   \
      "FROM reservation_lines WHERE order_id = ?1 ORDER BY pos")                              \
    X(RES_EXISTS, 0, "SELECT 1 FROM inventory_reservations WHERE order_id = ?1")              \
    X(RES_INSERT, 0,                                                                          \
      "INSERT INTO inventory_reservations (" ORDERS__SQ_RES_COLS ") VALUES (?1, ?2, ?3, ?4, " \
      "?5, ?6, ?7, ?8, ?9, ?10, ?11)")                                                        \
    X(RES_LINE_PUT, 0,                                                                        \
      "INSERT INTO reservation_lines (order_id, pos, product_id, seller_id, quantity, "       \
      "unit_amount, unit_currency) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")                      \
    X(RES_SET_STATUS, 0,                                                                      \
      "UPDATE inventory_reservations SET status = ?2, updated_at = ?3 WHERE order_id = ?1")   \
    X(RES_DUE, 1,                                                                             \
      "SELECT order_id FROM inventory_reservations WHERE status = 'active' "                  \
      "AND expires_at <= ?1 ORDER BY expires_at, order_id LIMIT ?2")                          \
    X(RES_COUNTS, 1,                                                                          \
      "SELECT COUNT(*) FROM inventory_reservations "                                          \
      "WHERE status = ?1 AND updated_at >= ?2 AND updated_at < ?3")                           \
    /* ---- outbox and history ---- */                                                        \
    X(EVENT_EXISTS, 0, "SELECT 1 FROM outbox WHERE id = ?1")                                  \
    X(EVENT_INSERT, 0,                                                                        \
      "INSERT INTO outbox (" ORDERS__SQ_EVENT_COLS ", state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, " \
      "?7, ?8, ?9, ?10, ?11, ?12, ?13, 0)")                                                   \
    X(OUTBOX_FETCH, 1,                                                                        \
      "SELECT " ORDERS__SQ_EVENT_COLS " FROM outbox WHERE state = 0 "                         \
      "AND next_attempt_at <= ?1 ORDER BY created_at, seq LIMIT ?2")                          \
    X(OUTBOX_STATE, 0, "SELECT state FROM outbox WHERE id = ?1")                              \
    X(OUTBOX_DELETE, 0, "DELETE FROM outbox WHERE id = ?1")                                   \
    X(OUTBOX_FAIL, 0,                                                                         \
      "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3, "    \
      "state = ?4 WHERE id = ?1")                                                             \
    X(OUTBOX_COUNT, 1, "SELECT COUNT(*) FROM outbox WHERE state = ?1")                        \
    /* outbox_requeue, due at ?1: the ?2 oldest dead letters (outbox_dead), or id ?2 */    \
    X(OUTBOX_REQUEUE, 1,                                                                      \
      "UPDATE outbox SET state = 0, attempts = 0, next_attempt_at = ?1 WHERE seq IN "         \
      "(SELECT seq FROM outbox WHERE state = 1 ORDER BY created_at, id LIMIT ?2)")            \
    X(OUTBOX_REQUEUE_ID, 0,                                                                   \
      "UPDATE outbox SET state = 0, attempts = 0, next_attempt_at = ?1 "                      \
      "WHERE id = ?2 AND state = 1")                                                          \
    X(HISTORY_INSERT, 0,                                                                      \
      "INSERT INTO history (order_id, at, actor, from_status, to_status, note) "              \
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                                      \
    X(HISTORY_LIST, 1,                                                                        \
      "SELECT order_id, at, actor, from_status, to_status, note FROM history "                \
      "WHERE order_id = ?1 ORDER BY at, seq")                                                 \
    /* ---- idempotency, wallets, sequences, counters ---- */                                 \
    X(IDEM_GET, 0, "SELECT order_id, hash FROM idempotency_keys WHERE key = ?1")              \
    X(IDEM_INSERT, 0,                                                                         \
      "INSERT INTO idempotency_keys (key, order_id, hash, created_at) VALUES (?1, ?2, ?3, ?4)") \
    X(WALLET_REF, 0, "SELECT 1 FROM wallet_ledger WHERE ref = ?1")                            \
    X(WALLET_BALANCE, 0,                                                                      \
      "SELECT balance FROM wallet_balances WHERE customer_id = ?1 AND currency = ?2")         \
    X(WALLET_SET, 0,                                                                          \
      "INSERT INTO wallet_balances (customer_id, currency, balance) VALUES (?1, ?2, ?3) "     \
      "ON CONFLICT (customer_id, currency) DO UPDATE SET balance = excluded.balance")         \
    X(WALLET_LEDGER_PUT, 0,                                                                   \
      "INSERT INTO wallet_ledger (ref, customer_id, currency, delta, balance_after, at) "     \
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                                      \
    X(SEQUENCE_NEXT, 0,                                                                       \
      "INSERT INTO sequences (name, value) VALUES (?1, 1) ON CONFLICT (name) DO UPDATE "      \
      "SET value = value + 1 WHERE value < 9223372036854775807 RETURNING value")              \
    X(STAT_ADD, 0, "INSERT INTO stats (kind, at) VALUES (?1, ?2)")                            \
    X(STAT_COUNT, 1, "SELECT COUNT(*) FROM stats WHERE kind = ?1 AND at >= ?2 AND at < ?3")   \
    /* lease_take: name ?1, owner ?2, until ?3, now ?4; a row back when owner holds it */     \
    X(LEASE_TAKE, 0,                                                                          \
      "INSERT INTO leases (name, owner, until) VALUES (?1, ?2, ?3) ON CONFLICT (name) "       \
      "DO UPDATE SET owner = excluded.owner, until = excluded.until "                         \
      "WHERE leases.until <= ?4 OR leases.owner = excluded.owner RETURNING owner")

#define ORDERS__SQ_ENUM(name, list, sql) ORDERS__SQ_##name,
typedef enum orders__sq_id {
    ORDERS__SQ_STATEMENTS(ORDERS__SQ_ENUM) ORDERS__SQ_COUNT
} orders__sq_id_t;
#undef ORDERS__SQ_ENUM

#endif /* ORDERS_STORE_SQLITE_SQL_H */
