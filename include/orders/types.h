/*
 * orders/types.h - the records liborders reads and writes.
 *
 * These are plain value records: a snapshot of a cart, an order, a
 * reservation, an outbox event or a history entry.  Their invariants are
 * kept by the functions that produce them (cart.h, order.h, ...) and by the
 * store, not by the struct: changing a snapshot changes nothing stored.
 * They are public so that storage plugins can map every field.
 *
 * Ownership: a record returned by liborders (or by a store) is heap-owned by
 * the caller and freed with its orders_*_free() function, which frees every
 * string and array inside it.  All strings are NUL-terminated UTF-8 and owned
 * by the record; an optional string is NULL when absent.  Passing NULL to
 * any *_free function is a harmless no-op.  *_copy functions return a deep
 * copy the caller frees, or NULL when memory runs out.
 *
 * Single-block records: orders_product_copy and orders_cart_copy (and so
 * every product or cart a built-in store returns) allocate the record, its
 * arrays and its strings as ONE block, and mark it with block_end.  Read
 * such a record freely, and replace a member with a string of your own if
 * you like (orders_*_free then frees yours), but never free() or realloc()
 * a member yourself.  A record you build field by field leaves block_end
 * NULL and owns each member separately.
 *
 * Times are int64 milliseconds since the Unix epoch, UTC; 0 means "not set".
 *
 * Thread-safety: a record is not shared; distinct records may be used from
 * different threads freely.
 */
#ifndef ORDERS_TYPES_H
#define ORDERS_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#include <orders/money.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Ids (order ids, product ids, customer ids...) are at most this many bytes. */
#define ORDERS_ID_MAX 128

/* ---- order and item states ------------------------------------------------ */

typedef enum orders_status {
    ORDERS_STATUS_PENDING = 0,
    ORDERS_STATUS_CONFIRMED,
    ORDERS_STATUS_PROCESSING,
    ORDERS_STATUS_SHIPPED,
    ORDERS_STATUS_DELIVERED,
    ORDERS_STATUS_CANCELLED,
    ORDERS_STATUS_FAILED
} orders_status_t;

typedef enum orders_payment_status {
    ORDERS_PAYMENT_PENDING = 0,
    ORDERS_PAYMENT_PAID,
    ORDERS_PAYMENT_FAILED,
    ORDERS_PAYMENT_REFUNDED
} orders_payment_status_t;

typedef enum orders_payment_method {
    ORDERS_METHOD_COD = 0,
    ORDERS_METHOD_ONLINE,
    ORDERS_METHOD_WALLET
} orders_payment_method_t;

typedef enum orders_item_status {
    ORDERS_ITEM_RESERVED = 0,
    ORDERS_ITEM_CONFIRMED,
    ORDERS_ITEM_CANCELLED,
    ORDERS_ITEM_FULFILLED
} orders_item_status_t;

typedef enum orders_reservation_status {
    ORDERS_RES_ACTIVE = 0,
    ORDERS_RES_CONFIRMED,
    ORDERS_RES_EXPIRED,
    ORDERS_RES_CANCELLED
} orders_reservation_status_t;

/* Lower-case wire names ("pending", "cod", "reserved", "active"), static. */
const char *orders_status_name(orders_status_t s);
const char *orders_payment_status_name(orders_payment_status_t s);
const char *orders_payment_method_name(orders_payment_method_t m);
const char *orders_item_status_name(orders_item_status_t s);
const char *orders_reservation_status_name(orders_reservation_status_t s);

/* Parse a wire name, case-insensitively ("COD" is cod).  false if unknown. */
bool orders_status_parse(const char *name, orders_status_t *out);
bool orders_payment_status_parse(const char *name, orders_payment_status_t *out);
bool orders_payment_method_parse(const char *name, orders_payment_method_t *out);
bool orders_item_status_parse(const char *name, orders_item_status_t *out);
bool orders_reservation_status_parse(const char *name, orders_reservation_status_t *out);

/* ---- catalog ----------------------------------------------------------- */

typedef struct orders_product {
    char *id;
    char *seller_id;
    char *name;
    char *image;            /* optional */
    orders_money_t price;   /* unit price */
    bool active;
    int64_t created_at;
    int64_t updated_at;
    void *block_end;        /* library use: see "single-block records" above */
} orders_product_t;

/*
 * Stock of one product.  At every instant a reader can observe:
 *     available + reserved + sold == stocked - adjusted
 * where stocked counts every unit ever added and adjusted every unit
 * removed by an adjustment.
 */
typedef struct orders_stock {
    int64_t available;
    int64_t reserved;
    int64_t sold;
    int64_t stocked;
    int64_t adjusted;
} orders_stock_t;

/*
 * One answer of a batch product read (catalog products_get, store
 * products_read): the product and the units available now.
 */
typedef struct orders_product_avail {
    orders_product_t *product;   /* a new copy (orders_product_free), or NULL: unknown id */
    int64_t available;           /* 0 when product is NULL */
} orders_product_avail_t;

/* ---- addresses and customers --------------------------------------------- */

typedef struct orders_address {
    char *address_line1;   /* required */
    char *address_line2;   /* optional */
    char *city;            /* required */
    char *state;           /* required */
    char *country;         /* required */
    char *postal_code;     /* required */
    char *contact_name;    /* optional */
    char *contact_phone;   /* optional */
} orders_address_t;

typedef struct orders_customer {
    char *id;
    char *name;            /* optional */
    char *email;           /* optional */
    bool active;
} orders_customer_t;

/* ---- cart ---------------------------------------------------------------- */

typedef struct orders_cart_line {
    char *product_id;
    char *seller_id;
    char *product_name;
    char *product_image;        /* optional */
    int64_t quantity;
    orders_money_t price;        /* unit price when added */
    orders_money_t total_price;  /* price * quantity */
    int64_t available_stock;     /* as it was when added or last updated */
    int64_t added_at;
} orders_cart_line_t;

typedef struct orders_cart {
    char *id;
    char *customer_id;
    orders_cart_line_t *items;
    size_t item_count;
    int64_t total_items;         /* sum of quantities */
    orders_money_t total_amount; /* currency "" while the cart is empty */
    int64_t version;             /* goes up on every change; 0 = never stored */
    int64_t created_at;
    int64_t updated_at;
    int64_t expires_at;          /* updated_at + 30 days */
    void *block_end;             /* library use: see "single-block records" above */
} orders_cart_t;

/* ---- orders -------------------------------------------------------------- */

typedef struct orders_order_item {
    char *product_id;
    char *seller_id;
    char *product_name;
    char *product_image;         /* optional */
    int64_t quantity;
    orders_money_t unit_price;
    orders_money_t total_price;
    orders_item_status_t status;
    int64_t reserved_at;
    int64_t confirmed_at;
} orders_order_item_t;

typedef struct orders_seller_status {
    char *seller_id;
    orders_status_t status;
    char *notes;                 /* optional */
    char *tracking_number;       /* optional */
    int64_t estimated_delivery;  /* 0 = not set */
    int64_t updated_at;
} orders_seller_status_t;

typedef struct orders_order {
    char *id;
    char *order_number;          /* "ORD" + digits, unique */
    char *customer_id;
    char *customer_name;         /* optional */
    char *customer_email;        /* optional */
    orders_order_item_t *items;
    size_t item_count;
    orders_money_t subtotal;
    orders_money_t tax;
    orders_money_t shipping_fee;
    orders_money_t discount;
    orders_money_t total_amount; /* subtotal + tax + shipping_fee - discount */
    orders_status_t status;
    orders_payment_method_t payment_method;
    orders_payment_status_t payment_status;
    char *payment_ref;           /* gateway transaction id; optional */
    orders_address_t shipping_address;
    orders_seller_status_t *seller_statuses; /* one per seller, first-seen order */
    size_t seller_count;
    int64_t placed_at;
    int64_t confirmed_at;
    int64_t processing_at;
    int64_t shipped_at;
    int64_t delivered_at;
    int64_t cancelled_at;
    char *notes;                 /* optional */
    char *cancel_reason;         /* optional */
    orders_money_t refund_amount;
    int64_t reservation_expiry;
    int64_t version;             /* 1 on placement, +1 on every update */
    int64_t created_at;
    int64_t updated_at;
} orders_order_t;

/* ---- reservations ------------------------------------------------------------ */

typedef struct orders_reservation_line {
    char *product_id;
    char *seller_id;             /* optional for standalone reservations */
    int64_t quantity;
    orders_money_t unit_price;   /* amount 0 when unknown */
} orders_reservation_line_t;

typedef struct orders_reservation {
    char *id;
    char *order_id;              /* unique: one reservation per order id */
    char *customer_id;           /* optional */
    orders_reservation_line_t *lines;
    size_t line_count;
    int64_t total_items;
    orders_money_t total_value;
    orders_reservation_status_t status;
    bool local_stock;            /* true: the store's own stock counts moved */
    int64_t created_at;
    int64_t updated_at;
    int64_t expires_at;
} orders_reservation_t;

/* ---- outbox events and history --------------------------------------------- */

typedef enum orders_event_type {
    ORDERS_EVENT_ORDER_PLACED = 0,   /* to the customer: confirmation        */
    ORDERS_EVENT_NEW_ORDER,          /* to one seller: its part of the order  */
    ORDERS_EVENT_STATUS_CHANGED,     /* order_status_changed                  */
    ORDERS_EVENT_SELLER_STATUS,      /* one seller's status / tracking update */
    ORDERS_EVENT_PAYMENT,            /* payment or refund recorded            */
    ORDERS_EVENT_INVENTORY           /* reserved for stock notices; not emitted
                                        by this version of the core          */
} orders_event_type_t;

/* "order_placed", "new_order", "order_status_changed", ... (static), and
 * back, case-insensitively (false for NULL or an unknown name): storage
 * backends read events back with it. */
const char *orders_event_type_name(orders_event_type_t t);
bool orders_event_type_parse(const char *name, orders_event_type_t *out);

typedef struct orders_event {
    char *id;                    /* stable: receivers drop duplicates by it */
    orders_event_type_t type;
    char *order_id;
    char *recipient;             /* customer id or seller id */
    char *old_status;            /* optional */
    char *new_status;            /* optional */
    orders_money_t amount;       /* order total, seller part or refund */
    char *detail;                /* optional: note, tracking number, reason */
    int64_t created_at;
    int attempts;                /* deliveries tried so far */
    int64_t next_attempt_at;
    char *last_error;            /* optional */
} orders_event_t;

typedef struct orders_history {
    char *order_id;
    int64_t at;
    char *actor;                 /* "customer:ID", "admin", "system", ... */
    char *from_status;           /* optional: NULL on placement */
    char *to_status;
    char *note;                  /* optional */
} orders_history_t;

/* ---- lists ------------------------------------------------------------------ */

typedef struct orders_order_list {
    orders_order_t **items;      /* owned */
    size_t count;
    int64_t total;               /* matching records, ignoring paging */
} orders_order_list_t;

typedef struct orders_product_list {
    orders_product_t **items;
    size_t count;
    int64_t total;
} orders_product_list_t;

typedef struct orders_event_list {
    orders_event_t **items;
    size_t count;
} orders_event_list_t;

typedef struct orders_history_list {
    orders_history_t **items;
    size_t count;
} orders_history_list_t;

typedef struct orders_string_list {
    char **items;
    size_t count;
} orders_string_list_t;

/* ---- memory ------------------------------------------------------------------ */

void orders_product_free(orders_product_t *p);
void orders_customer_clear(orders_customer_t *c);   /* frees members only */
void orders_address_clear(orders_address_t *a);     /* frees members only */
void orders_cart_free(orders_cart_t *c);
void orders_order_free(orders_order_t *o);
void orders_reservation_free(orders_reservation_t *r);
void orders_event_free(orders_event_t *e);
void orders_history_free(orders_history_t *h);

orders_product_t *orders_product_copy(const orders_product_t *p);
orders_cart_t *orders_cart_copy(const orders_cart_t *c);
orders_order_t *orders_order_copy(const orders_order_t *o);
orders_reservation_t *orders_reservation_copy(const orders_reservation_t *r);
orders_event_t *orders_event_copy(const orders_event_t *e);
orders_history_t *orders_history_copy(const orders_history_t *h);
/* Deep-copies src into *dst (members only); false when memory runs out, and
 * then *dst holds nothing that needs freeing. */
bool orders_address_copy_into(orders_address_t *dst, const orders_address_t *src);
bool orders_customer_copy_into(orders_customer_t *dst, const orders_customer_t *src);

/* The list clear functions free every item and reset the list to empty. */
void orders_order_list_clear(orders_order_list_t *l);
void orders_product_list_clear(orders_product_list_t *l);
void orders_event_list_clear(orders_event_list_t *l);
void orders_history_list_clear(orders_history_list_t *l);
void orders_string_list_clear(orders_string_list_t *l);

/* Appends (takes ownership of) item; false when memory runs out, and then
 * the item is still the caller's.  The lists have no capacity field: the
 * push functions infer it from count (doubling), so build a list only with
 * them, starting from an empty (zeroed or cleared) list. */
bool orders_order_list_push(orders_order_list_t *l, orders_order_t *item);
bool orders_product_list_push(orders_product_list_t *l, orders_product_t *item);
bool orders_event_list_push(orders_event_list_t *l, orders_event_t *item);
bool orders_history_list_push(orders_history_list_t *l, orders_history_t *item);
bool orders_string_list_push(orders_string_list_t *l, const char *s); /* copies s */

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_TYPES_H */
