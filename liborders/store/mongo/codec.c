/*
 * codec.c - products, carts, orders and reservations <-> BSON documents
 * (layouts in internal.h; field names are the seed document's).
 *
 * Each record (and each array element) is described by a table of its
 * fields, written and read by the same two loops, so that every field a
 * writer stores is read back by the reader; identity fields, the shipping
 * address and arrays are coded next to their table.
 *
 *   strings   null when NULL; null or absent reads as NULL;
 *   times     BSON dates; "required" times (the ones queries range over:
 *             createdAt, updatedAt, placedAt, expiresAt ...) are always
 *             written, optional ones are null when 0; null or absent
 *             reads as 0;
 *   money     mg_put_money / mg_get_money against the document's
 *             "currency", which is the currency of the record's total
 *             (cart totalAmount, order totalAmount, reservation
 *             totalValue), "" included; "<key>Currency" is null when the
 *             field's currency is the document's;
 *   enums     wire names (types.h); an unknown or missing name is
 *             ORDERS_E_BACKEND naming the field.
 *
 * Nulls rather than absent fields: cart_put, product_put and order_update
 * $set a whole record over the stored one, and must clear what the new
 * record no longer has.
 *
 * The *_from functions build the record in fresh heap memory and free it
 * on every failure path.  Products and carts are returned as single-block
 * copies (types.h), like every built-in store returns them.
 */
#include "store/mongo/internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- field tables ---------------------------------------------------------------- */

typedef enum field_kind {
    F_ID,         /* char *, required: a document without it is corrupt */
    F_STR,        /* char *, optional */
    F_I64,        /* int64_t */
    F_BOOL,       /* bool */
    F_TIME,       /* int64_t ms, always written */
    F_OPT_TIME,   /* int64_t ms, null when 0 */
    F_MONEY,      /* orders_money_t against the document currency */
    F_STATUS,     /* orders_status_t, and the enums below: wire names */
    F_METHOD,     /* orders_payment_method_t */
    F_PAYMENT,    /* orders_payment_status_t */
    F_ITEM_STATUS, /* orders_item_status_t */
    F_RES_STATUS  /* orders_reservation_status_t */
} field_kind_t;

typedef struct field {
    const char *key;
    field_kind_t kind;
    size_t off;
} field_t;

/* A field of record type T: FLD(T, "key", F_KIND, member). */
#define FLD(T, key, kind, member) {key, kind, offsetof(T, member)}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define P_(k, kind, m) FLD(orders_product_t, k, kind, m)
static const field_t PRODUCT_FIELDS[] = {
    P_("_id", F_ID, id), P_("sellerId", F_STR, seller_id), P_("name", F_STR, name), P_("image", F_STR, image),
    P_("price", F_MONEY, price), P_("active", F_BOOL, active),
    P_("createdAt", F_TIME, created_at), P_("updatedAt", F_TIME, updated_at),
};

#define C_(k, kind, m) FLD(orders_cart_t, k, kind, m)
static const field_t CART_FIELDS[] = {
    C_("cartId", F_STR, id), C_("customerId", F_ID, customer_id),
    C_("totalItems", F_I64, total_items), C_("totalAmount", F_MONEY, total_amount),
    C_("version", F_I64, version), C_("createdAt", F_TIME, created_at),
    C_("lastUpdated", F_TIME, updated_at), C_("expiresAt", F_TIME, expires_at),
};

#define L_(k, kind, m) FLD(orders_cart_line_t, k, kind, m)
static const field_t CART_LINE_FIELDS[] = {
    L_("productId", F_STR, product_id), L_("sellerId", F_STR, seller_id),
    L_("productName", F_STR, product_name), L_("productImage", F_STR, product_image),
    L_("quantity", F_I64, quantity), L_("price", F_MONEY, price),
    L_("totalPrice", F_MONEY, total_price), L_("availableStock", F_I64, available_stock),
    L_("addedAt", F_TIME, added_at),
};

#define O_(k, kind, m) FLD(orders_order_t, k, kind, m)
static const field_t ORDER_FIELDS[] = {
    O_("_id", F_ID, id), O_("orderNumber", F_ID, order_number),
    O_("customerId", F_ID, customer_id),
    O_("customerName", F_STR, customer_name), O_("customerEmail", F_STR, customer_email),
    O_("subtotal", F_MONEY, subtotal), O_("tax", F_MONEY, tax),
    O_("shippingFee", F_MONEY, shipping_fee), O_("discount", F_MONEY, discount),
    O_("totalAmount", F_MONEY, total_amount), O_("paymentRef", F_STR, payment_ref),
    O_("placedAt", F_TIME, placed_at), O_("confirmedAt", F_OPT_TIME, confirmed_at),
    O_("processingAt", F_OPT_TIME, processing_at), O_("shippedAt", F_OPT_TIME, shipped_at),
    O_("deliveredAt", F_OPT_TIME, delivered_at), O_("cancelledAt", F_OPT_TIME, cancelled_at),
    O_("notes", F_STR, notes), O_("cancelReason", F_STR, cancel_reason),
    O_("refundAmount", F_MONEY, refund_amount),
    O_("reservationExpiry", F_OPT_TIME, reservation_expiry), O_("version", F_I64, version),
    O_("createdAt", F_TIME, created_at), O_("updatedAt", F_TIME, updated_at),
    O_("status", F_STATUS, status), O_("paymentMethod", F_METHOD, payment_method),
    O_("paymentStatus", F_PAYMENT, payment_status),
};

#define A_(k, m) FLD(orders_address_t, k, F_STR, m)
static const field_t ADDRESS_FIELDS[] = {
    A_("addressLine1", address_line1), A_("addressLine2", address_line2), A_("city", city),
    A_("state", state), A_("country", country), A_("postalCode", postal_code),
    A_("contactName", contact_name), A_("contactPhone", contact_phone),
};

#define I_(k, kind, m) FLD(orders_order_item_t, k, kind, m)
static const field_t ITEM_FIELDS[] = {
    I_("productId", F_STR, product_id), I_("sellerId", F_STR, seller_id),
    I_("productName", F_STR, product_name), I_("productImage", F_STR, product_image),
    I_("quantity", F_I64, quantity), I_("unitPrice", F_MONEY, unit_price),
    I_("totalPrice", F_MONEY, total_price), I_("reservedAt", F_OPT_TIME, reserved_at),
    I_("confirmedAt", F_OPT_TIME, confirmed_at), I_("status", F_ITEM_STATUS, status),
};

#define S_(k, kind, m) FLD(orders_seller_status_t, k, kind, m)
static const field_t SELLER_FIELDS[] = {
    S_("sellerId", F_STR, seller_id), S_("updatedAt", F_TIME, updated_at),
    S_("notes", F_STR, notes), S_("trackingNumber", F_STR, tracking_number),
    S_("estimatedDelivery", F_OPT_TIME, estimated_delivery), S_("status", F_STATUS, status),
};

#define R_(k, kind, m) FLD(orders_reservation_t, k, kind, m)
static const field_t RES_FIELDS[] = {
    R_("_id", F_ID, id), R_("orderId", F_ID, order_id), R_("customerId", F_STR, customer_id),
    R_("totalItems", F_I64, total_items), R_("totalValue", F_MONEY, total_value),
    R_("localStock", F_BOOL, local_stock), R_("createdAt", F_TIME, created_at),
    R_("updatedAt", F_TIME, updated_at), R_("expiresAt", F_TIME, expires_at),
    R_("status", F_RES_STATUS, status),
};

#define RL_(k, kind, m) FLD(orders_reservation_line_t, k, kind, m)
static const field_t RES_LINE_FIELDS[] = {
    RL_("productId", F_STR, product_id), RL_("sellerId", F_STR, seller_id),
    RL_("quantity", F_I64, quantity), RL_("unitPrice", F_MONEY, unit_price),
};

/* An array of records: its key and its elements' type and fields. */
typedef struct array_spec {
    const char *key;
    size_t size;
    const field_t *fields;
    size_t count;
} array_spec_t;

#define ARRAY(key, T, f) {key, sizeof(T), f, COUNT(f)}
static const array_spec_t CART_LINES = ARRAY("items", orders_cart_line_t, CART_LINE_FIELDS);
static const array_spec_t ORDER_ITEMS = ARRAY("items", orders_order_item_t, ITEM_FIELDS);
static const array_spec_t SELLERS =
    ARRAY("sellerStatuses", orders_seller_status_t, SELLER_FIELDS);
static const array_spec_t RES_LINES =
    ARRAY("reservations", orders_reservation_line_t, RES_LINE_FIELDS);

/* ---- enums and errors ------------------------------------------------------------- */

/* The wire name of enum member m of kind k ("unknown" out of range). */
static const char *enum_name(field_kind_t k, const void *m)
{
    switch (k) {
    case F_STATUS:
        return orders_status_name(*(const orders_status_t *)m);
    case F_METHOD:
        return orders_payment_method_name(*(const orders_payment_method_t *)m);
    case F_PAYMENT:
        return orders_payment_status_name(*(const orders_payment_status_t *)m);
    case F_ITEM_STATUS:
        return orders_item_status_name(*(const orders_item_status_t *)m);
    default:
        return orders_reservation_status_name(*(const orders_reservation_status_t *)m);
    }
}

/* Parses wire name s (may be NULL: false) into enum member m of kind k. */
static bool enum_parse(field_kind_t k, const char *s, void *m)
{
    if (s == NULL)
        return false;
    switch (k) {
    case F_STATUS:
        return orders_status_parse(s, m);
    case F_METHOD:
        return orders_payment_method_parse(s, m);
    case F_PAYMENT:
        return orders_payment_status_parse(s, m);
    case F_ITEM_STATUS:
        return orders_item_status_parse(s, m);
    default:
        return orders_reservation_status_parse(s, m);
    }
}

/* A stored document that cannot be a record: what (e.g. "order") id has
 * a missing (value NULL) or unknown `field`. */
static orders_code_t corrupt(const char *what, const char *id, const char *field,
                             const char *value, orders_error_t *err)
{
    if (id == NULL)
        id = "(no id)";
    if (value == NULL)
        return orders_error_set(err, ORDERS_E_BACKEND, "store", "mongo: %s %s has no %s", what,
                                id, field);
    return orders_error_set(err, ORDERS_E_BACKEND, "store", "mongo: %s %s has an unknown %s \"%s\"",
                            what, id, field, value);
}

/* ---- fields ------------------------------------------------------------------------ */

/* Money at key, and "<key>Currency" when its currency is not the
 * document's -- else null, so that a $set clears an earlier one. */
static bool put_money(bson_t *doc, const char *key, const orders_money_t *m, const char *currency)
{
    char ck[64];
    mg_put_money(doc, key, m, currency);
    if (strcmp(m->currency, currency) != 0)
        return true;
    int n = snprintf(ck, sizeof ck, "%sCurrency", key);
    return n > 0 && (size_t)n < sizeof ck && BSON_APPEND_NULL(doc, ck);
}

/* Appends the fields f[0..n) of record rec; false when BSON refuses.  A
 * NULL string or an unset optional time is written as null. */
static bool put_fields(bson_t *doc, const void *rec, const field_t *f, size_t n,
                       const char *currency)
{
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        const void *m = (const char *)rec + f[i].off;
        const char *k = f[i].key;
        switch (f[i].kind) {
        case F_ID:
        case F_STR:
            if (*(char *const *)m == NULL)
                ok = BSON_APPEND_NULL(doc, k);
            else
                mg_put_str(doc, k, *(char *const *)m);
            break;
        case F_I64:
            ok = BSON_APPEND_INT64(doc, k, *(const int64_t *)m);
            break;
        case F_BOOL:
            ok = BSON_APPEND_BOOL(doc, k, *(const bool *)m);
            break;
        case F_TIME:
            mg_put_time(doc, k, *(const int64_t *)m, false);
            break;
        case F_OPT_TIME:
            if (*(const int64_t *)m == 0)
                ok = BSON_APPEND_NULL(doc, k);
            else
                mg_put_time(doc, k, *(const int64_t *)m, false);
            break;
        case F_MONEY:
            ok = put_money(doc, k, m, currency);
            break;
        default:
            ok = BSON_APPEND_UTF8(doc, k, enum_name(f[i].kind, m));
            break;
        }
    }
    return ok;
}

/* Reads the fields f[0..n) into record rec (whose strings are NULL).  On
 * failure the strings read so far stay in rec for its free function.
 * what and owner name the record in errors. */
static orders_code_t get_fields(const bson_t *doc, void *rec, const field_t *f, size_t n,
                                const char *currency, const char *what, const char *owner,
                                orders_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        void *m = (char *)rec + f[i].off;
        switch (f[i].kind) {
        case F_ID:
        case F_STR:
            if (!mg_dup_str(doc, f[i].key, (char **)m))
                return mg_nomem(err);
            if (f[i].kind == F_ID && *(char **)m == NULL)
                return corrupt(what, owner, f[i].key, NULL, err);
            break;
        case F_I64:
        case F_TIME:
        case F_OPT_TIME:
            *(int64_t *)m = mg_get_i64(doc, f[i].key, 0);
            break;
        case F_BOOL:
            *(bool *)m = mg_get_bool(doc, f[i].key, false);
            break;
        case F_MONEY:
            mg_get_money(doc, f[i].key, currency, m);
            break;
        default:
            if (!enum_parse(f[i].kind, mg_get_str(doc, f[i].key), m))
                return corrupt(what, owner, f[i].key, mg_get_str(doc, f[i].key), err);
            break;
        }
    }
    return ORDERS_OK;
}

/* The document's currency ("" when absent). */
static const char *doc_currency(const bson_t *doc)
{
    const char *c = mg_get_str(doc, "currency");
    return c != NULL ? c : "";
}

/* ---- sub-documents and arrays ------------------------------------------------------- */

/* The document (or array) at key into *sub, borrowed from doc; false when
 * absent or of another type. */
static bool get_sub(const bson_t *doc, const char *key, bool array, bson_t *sub)
{
    bson_iter_t it;
    const uint8_t *data = NULL;
    uint32_t len = 0;
    if (!bson_iter_init_find(&it, doc, key))
        return false;
    if (array ? !BSON_ITER_HOLDS_ARRAY(&it) : !BSON_ITER_HOLDS_DOCUMENT(&it))
        return false;
    if (array)
        bson_iter_array(&it, &len, &data);
    else
        bson_iter_document(&it, &len, &data);
    return bson_init_static(sub, data, len);
}

/* Appends items[0..n) as the array a->key; extra (may be NULL) is
 * appended to every element. */
static bool put_array(bson_t *doc, const array_spec_t *a, const void *items, size_t n,
                      const char *currency, const bson_t *extra)
{
    bson_t arr, elem;
    if (!bson_append_array_begin(doc, a->key, -1, &arr))
        return false;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        char buf[16];
        const char *k;
        bson_uint32_to_string((uint32_t)i, &k, buf, sizeof buf);
        if (!bson_append_document_begin(&arr, k, -1, &elem))
            return false;
        ok = put_fields(&elem, (const char *)items + i * a->size, a->fields, a->count, currency) &&
             (extra == NULL || bson_concat(&elem, extra));
        ok = bson_append_document_end(&arr, &elem) && ok;
    }
    return bson_append_array_end(doc, &arr) && ok;
}

/* Reads the array a->key into a new array *items of *count elements.
 * *items and *count are set as soon as the array is allocated, so that
 * the record's free function releases a partly read array. */
static orders_code_t get_array(const bson_t *doc, const array_spec_t *a, const char *currency,
                               const char *what, const char *owner, void **items, size_t *count,
                               orders_error_t *err)
{
    bson_t arr;
    bson_iter_t it;
    size_t n = 0;
    *items = NULL;
    *count = 0;
    if (!get_sub(doc, a->key, true, &arr))
        return bson_has_field(doc, a->key) ? corrupt(what, owner, a->key, "(not an array)", err)
                                           : ORDERS_OK;
    if (bson_iter_init(&it, &arr))
        while (bson_iter_next(&it))
            n++;
    if (n == 0)
        return ORDERS_OK;
    char *v = calloc(n, a->size);
    if (v == NULL)
        return mg_nomem(err);
    *items = v;
    *count = n;
    bson_iter_init(&it, &arr);
    for (size_t i = 0; i < n && bson_iter_next(&it); i++) {
        const uint8_t *data = NULL;
        uint32_t len = 0;
        bson_t elem;
        if (BSON_ITER_HOLDS_DOCUMENT(&it))
            bson_iter_document(&it, &len, &data);
        if (data == NULL || !bson_init_static(&elem, data, len))
            return corrupt(what, owner, a->key, "(element not a document)", err);
        char who[ORDERS_ID_MAX + 48]; /* "o1 items[2]" */
        snprintf(who, sizeof who, "%s %s[%zu]", owner != NULL ? owner : "(no id)", a->key, i);
        orders_code_t rc =
            get_fields(&elem, v + i * a->size, a->fields, a->count, currency, what, who, err);
        if (rc != ORDERS_OK)
            return rc;
    }
    return ORDERS_OK;
}

/* ---- products ---------------------------------------------------------------------- */

bool mg_product_bson(const orders_product_t *p, bson_t *doc)
{
    return put_fields(doc, p, PRODUCT_FIELDS, COUNT(PRODUCT_FIELDS), p->price.currency) &&
           BSON_APPEND_UTF8(doc, "currency", p->price.currency);
}

orders_code_t mg_product_from(const bson_t *doc, orders_product_t **out, orders_error_t *err)
{
    *out = NULL;
    orders_product_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        return mg_nomem(err);
    orders_code_t rc = get_fields(doc, p, PRODUCT_FIELDS, COUNT(PRODUCT_FIELDS), doc_currency(doc),
                                  "product", mg_get_str(doc, "_id"), err);
    if (rc == ORDERS_OK && (*out = orders_product_copy(p)) == NULL) /* one block */
        rc = mg_nomem(err);
    orders_product_free(p);
    return rc;
}

void mg_stock_from(const bson_t *doc, orders_stock_t *out)
{
    out->available = mg_get_i64(doc, "available", 0);
    out->reserved = mg_get_i64(doc, "reserved", 0);
    out->sold = mg_get_i64(doc, "sold", 0);
    out->stocked = mg_get_i64(doc, "stocked", 0);
    out->adjusted = mg_get_i64(doc, "adjusted", 0);
}

/* ---- carts ------------------------------------------------------------------------- */

bool mg_cart_bson(const orders_cart_t *c, bson_t *doc)
{
    const char *cur = c->total_amount.currency;
    return BSON_APPEND_UTF8(doc, "_id", c->customer_id) &&
           BSON_APPEND_UTF8(doc, "currency", cur) &&
           put_fields(doc, c, CART_FIELDS, COUNT(CART_FIELDS), cur) &&
           put_array(doc, &CART_LINES, c->items, c->item_count, cur, NULL);
}

orders_code_t mg_cart_from(const bson_t *doc, orders_cart_t **out, orders_error_t *err)
{
    *out = NULL;
    orders_cart_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return mg_nomem(err);
    const char *cur = doc_currency(doc), *owner = mg_get_str(doc, "_id");
    void *items = NULL;
    orders_code_t rc = get_fields(doc, c, CART_FIELDS, COUNT(CART_FIELDS), cur, "cart", owner, err);
    if (rc == ORDERS_OK)
        rc = get_array(doc, &CART_LINES, cur, "cart", owner, &items, &c->item_count, err);
    c->items = items;
    if (rc == ORDERS_OK && (*out = orders_cart_copy(c)) == NULL) /* one block */
        rc = mg_nomem(err);
    orders_cart_free(c);
    return rc;
}

/* ---- orders ------------------------------------------------------------------------ */

bool mg_order_bson(const orders_order_t *o, bson_t *doc)
{
    const char *cur = o->total_amount.currency;
    bson_t addr;
    if (!put_fields(doc, o, ORDER_FIELDS, COUNT(ORDER_FIELDS), cur) ||
        !BSON_APPEND_UTF8(doc, "currency", cur) ||
        !BSON_APPEND_DOCUMENT_BEGIN(doc, "shippingAddress", &addr))
        return false;
    bool ok = put_fields(&addr, &o->shipping_address, ADDRESS_FIELDS, COUNT(ADDRESS_FIELDS), "");
    return bson_append_document_end(doc, &addr) && ok &&
           put_array(doc, &ORDER_ITEMS, o->items, o->item_count, cur, NULL) &&
           put_array(doc, &SELLERS, o->seller_statuses, o->seller_count, cur, NULL);
}

/* Reads every part of an order into o (zeroed); on failure what was read
 * stays in o for orders_order_free. */
static orders_code_t order_read(const bson_t *doc, orders_order_t *o, orders_error_t *err)
{
    const char *cur = doc_currency(doc), *owner = mg_get_str(doc, "_id");
    void *items = NULL, *sellers = NULL;
    bson_t addr;
    orders_code_t rc = get_fields(doc, o, ORDER_FIELDS, COUNT(ORDER_FIELDS), cur, "order", owner,
                                  err);
    if (rc == ORDERS_OK && get_sub(doc, "shippingAddress", false, &addr))
        rc = get_fields(&addr, &o->shipping_address, ADDRESS_FIELDS, COUNT(ADDRESS_FIELDS), "",
                        "order", owner, err);
    if (rc == ORDERS_OK)
        rc = get_array(doc, &ORDER_ITEMS, cur, "order", owner, &items, &o->item_count, err);
    o->items = items;
    if (rc == ORDERS_OK)
        rc = get_array(doc, &SELLERS, cur, "order", owner, &sellers, &o->seller_count, err);
    o->seller_statuses = sellers;
    return rc;
}

orders_code_t mg_order_from(const bson_t *doc, orders_order_t **out, orders_error_t *err)
{
    *out = NULL;
    orders_order_t *o = calloc(1, sizeof *o);
    if (o == NULL)
        return mg_nomem(err);
    orders_code_t rc = order_read(doc, o, err);
    if (rc != ORDERS_OK)
        orders_order_free(o);
    else
        *out = o;
    return rc;
}

/* ---- reservations ------------------------------------------------------------------ */

/* Every line also carries the seed's reservedAt and expiresAt (the
 * reservation's own times, which are what is read back). */
bool mg_reservation_bson(const orders_reservation_t *r, bson_t *doc)
{
    const char *cur = r->total_value.currency;
    bson_t extra = BSON_INITIALIZER;
    bool ok = BSON_APPEND_DATE_TIME(&extra, "reservedAt", r->created_at) &&
              BSON_APPEND_DATE_TIME(&extra, "expiresAt", r->expires_at) &&
              put_fields(doc, r, RES_FIELDS, COUNT(RES_FIELDS), cur) &&
              BSON_APPEND_UTF8(doc, "currency", cur) &&
              put_array(doc, &RES_LINES, r->lines, r->line_count, cur, &extra);
    bson_destroy(&extra);
    return ok;
}

orders_code_t mg_reservation_from(const bson_t *doc, orders_reservation_t **out,
                                  orders_error_t *err)
{
    *out = NULL;
    orders_reservation_t *r = calloc(1, sizeof *r);
    if (r == NULL)
        return mg_nomem(err);
    const char *cur = doc_currency(doc), *owner = mg_get_str(doc, "_id");
    void *lines = NULL;
    orders_code_t rc = get_fields(doc, r, RES_FIELDS, COUNT(RES_FIELDS), cur, "reservation",
                                  owner, err);
    if (rc == ORDERS_OK)
        rc = get_array(doc, &RES_LINES, cur, "reservation", owner, &lines, &r->line_count, err);
    r->lines = lines;
    if (rc != ORDERS_OK)
        orders_reservation_free(r);
    else
        *out = r;
    return rc;
}
