/*
 * moves.c - stock moves under a token.
 *
 * A move changes one product document with one conditional update: the
 * source count must hold the units, and the product's `marks` must not
 * hold the token yet; the update moves the units and adds the token.  So a
 * move applied twice (a step retried, or rolled forward by recovery)
 * changes stock once, an undo only touches products that carry the mark,
 * and the counts of one product always satisfy the stock invariant.
 */
#include "store/mongo/internal.h"

#include <stdlib.h>
#include <string.h>

static int cmp_move(const void *a, const void *b)
{
    return strcmp(((const mg_move_t *)a)->product_id, ((const mg_move_t *)b)->product_id);
}

orders_code_t mg_moves_from_lines(const orders_reservation_line_t *lines, size_t n,
                                  mg_move_t **out, size_t *count, orders_error_t *err)
{
    *out = NULL;
    *count = 0;
    orders_code_t rc = orders__check_res_lines(lines, n, err);
    if (rc != ORDERS_OK || n == 0)
        return rc;
    mg_move_t *m = calloc(n, sizeof *m);
    if (m == NULL)
        return mg_nomem(err);
    for (size_t i = 0; i < n; i++) {
        m[i].product_id = lines[i].product_id;
        m[i].quantity = lines[i].quantity;
    }
    qsort(m, n, sizeof *m, cmp_move);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && strcmp(m[k - 1].product_id, m[i].product_id) == 0) {
            if (m[i].quantity > INT64_MAX - m[k - 1].quantity) {
                rc = orders_error_set(err, ORDERS_E_OVERFLOW, "quantity",
                                      "quantity of product %s overflows", m[i].product_id);
                free(m);
                return rc;
            }
            m[k - 1].quantity += m[i].quantity;
        } else {
            m[k++] = m[i];
        }
    }
    *out = m;
    *count = k;
    return ORDERS_OK;
}

/* The stock fields a move takes units from and gives them to. */
static void move_fields(orders__move_t mv, const char **from, const char **to)
{
    switch (mv) {
    case ORDERS__MOVE_RESERVE:
        *from = "available", *to = "reserved";
        break;
    case ORDERS__MOVE_SELL:
        *from = "available", *to = "sold";
        break;
    case ORDERS__MOVE_CONFIRM:
        *from = "reserved", *to = "sold";
        break;
    case ORDERS__MOVE_RELEASE:
        *from = "reserved", *to = "available";
        break;
    case ORDERS__MOVE_RETURN:
    default:
        *from = "sold", *to = "available";
        break;
    }
}

/* After a move matched nothing: the product is unknown, already carries
 * the mark (ORDERS_OK), or is short (*have gets its units). */
static orders_code_t why_not_moved(mg_store_t *s, mongoc_client_t *c, const mg_move_t *m,
                                   const char *from, const char *token, int64_t *have,
                                   orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(m->product_id));
    bson_t doc;
    bool found = false;
    orders_code_t rc = mg_find_one(s, c, MG_PRODUCTS, filter, NULL, &doc, &found, "stock", err);
    bson_destroy(filter);
    if (rc == ORDERS_OK && !found)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, m->product_id, "product %s not found",
                              m->product_id);
    else if (rc == ORDERS_OK && !mg_array_has(&doc, "marks", token)) {
        *have = mg_get_i64(&doc, from, 0);
        rc = ORDERS_E_OUT_OF_STOCK; /* the caller words it */
    }
    bson_destroy(&doc);
    return rc;
}

orders_code_t mg_moves_apply(mg_store_t *s, mongoc_client_t *c, const mg_move_t *moves,
                             size_t n, orders__move_t mv, const char *token, size_t *short_i,
                             int64_t *short_have, orders_error_t *err)
{
    const char *from, *to;
    move_fields(mv, &from, &to);
    for (size_t i = 0; i < n; i++) {
        const mg_move_t *m = &moves[i];
        bson_t *filter = MG_BCON("_id", BCON_UTF8(m->product_id), from, "{", "$gte",
                                  BCON_INT64(m->quantity), "}", "marks", "{", "$ne",
                                  BCON_UTF8(token), "}");
        bson_t *update = MG_BCON("$inc", "{", from, BCON_INT64(-m->quantity), to,
                                  BCON_INT64(m->quantity), "}", "$push", "{", "marks",
                                  BCON_UTF8(token), "}");
        int64_t matched = 0;
        orders_code_t rc =
            mg_update_one(s, c, MG_PRODUCTS, filter, update, false, &matched, "stock", err);
        bson_destroy(update);
        bson_destroy(filter);
        if (rc == ORDERS_OK && matched == 0)
            rc = why_not_moved(s, c, m, from, token, short_have, err);
        if (rc != ORDERS_OK) {
            *short_i = i;
            return rc;
        }
    }
    return ORDERS_OK;
}

orders_code_t mg_moves_undo(mg_store_t *s, mongoc_client_t *c, const mg_move_t *moves, size_t n,
                            orders__move_t mv, const char *token, orders_error_t *err)
{
    const char *from, *to;
    move_fields(mv, &from, &to);
    for (size_t i = 0; i < n; i++) {
        bson_t *filter = MG_BCON("_id", BCON_UTF8(moves[i].product_id), "marks",
                                  BCON_UTF8(token));
        bson_t *update = MG_BCON("$inc", "{", from, BCON_INT64(moves[i].quantity), to,
                                  BCON_INT64(-moves[i].quantity), "}", "$pull", "{", "marks",
                                  BCON_UTF8(token), "}");
        orders_code_t rc =
            mg_update_one(s, c, MG_PRODUCTS, filter, update, false, NULL, "stock", err);
        bson_destroy(update);
        bson_destroy(filter);
        if (rc != ORDERS_OK)
            return rc;
    }
    return ORDERS_OK;
}

orders_code_t mg_moves_unmark(mg_store_t *s, mongoc_client_t *c, const mg_move_t *moves,
                              size_t n, const char *token, orders_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        bson_t *filter = MG_BCON("_id", BCON_UTF8(moves[i].product_id), "marks",
                                  BCON_UTF8(token));
        bson_t *update = MG_BCON("$pull", "{", "marks", BCON_UTF8(token), "}");
        orders_code_t rc =
            mg_update_one(s, c, MG_PRODUCTS, filter, update, false, NULL, "stock", err);
        bson_destroy(update);
        bson_destroy(filter);
        if (rc != ORDERS_OK)
            return rc;
    }
    return ORDERS_OK;
}
