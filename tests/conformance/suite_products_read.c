/*
 * suite_products_read.c - products_read (store version 2): several
 * products and their available stock in one read.
 *
 * The member is optional; a backend without it skips these tests, saying so.
 */
#include "conformance/conformance.h"

#include <criterion/criterion.h>

#include <string.h>

#define T(name) Test(products_read, name, .init = conf_setup, .fini = conf_teardown)

static void need_member(void)
{
    if (conf_vt->version < 2 || conf_vt->products_read == NULL)
        cr_skip_test("backend %s has no products_read (version %d)", conf_vt->name,
                     conf_vt->version);
}

static orders_code_t read_ids(const char *const *ids, size_t n, orders_product_avail_t *out,
                              orders_error_t *err)
{
    return conf_vt->products_read(conf_ud, ids, n, out, err);
}

T(known_unknown_inactive_and_repeated_ids)
{
    need_member();
    conf_seed_product(conf_vt, conf_ud, "p1", "s1", 7);
    conf_seed_product(conf_vt, conf_ud, "p2", "s2", 0);
    orders_product_t *off = conf_product_new("p3", "s1", 550);
    off->active = false;
    cr_assert_eq(conf_vt->product_put(conf_ud, off, true, NULL), ORDERS_OK, "put inactive p3");
    orders_product_free(off);
    cr_assert_eq(conf_vt->stock_change(conf_ud, "p3", ORDERS_STOCK_SET_AVAILABLE, 4, NULL, NULL),
                 ORDERS_OK, "stock p3");

    const char *ids[] = {"p2", "ghost", "p1", "p3", "p1"};
    const int64_t want[] = {0, 0, 7, 4, 7};
    orders_product_avail_t out[5];
    memset(out, 0xab, sizeof out); /* the store must not read what it is given */
    orders_error_t err = {0};
    cr_assert_eq(read_ids(ids, 5, out, &err), ORDERS_OK, "products_read: %s", err.message);
    for (size_t i = 0; i < 5; i++) {
        if (strcmp(ids[i], "ghost") == 0) {
            cr_assert_null(out[i].product, "unknown id %zu must give NULL", i);
        } else {
            cr_assert_not_null(out[i].product, "%s not returned", ids[i]);
            cr_assert_str_eq(out[i].product->id, ids[i], "entry %zu is another product", i);
        }
        cr_assert_eq(out[i].available, want[i], "%s: available %lld, expected %lld", ids[i],
                     (long long)out[i].available, (long long)want[i]);
    }
    cr_assert_str_eq(out[2].product->seller_id, "s1", "seller of p1");
    cr_assert_str_eq(out[2].product->name, "Product p1", "name of p1");
    cr_assert_eq(out[2].product->price.amount, 1000, "price of p1");
    cr_assert_str_eq(out[2].product->price.currency, "USD", "currency of p1");
    cr_assert(out[2].product->active, "p1 is active");
    cr_assert(!out[3].product->active, "p3 is inactive and returned as such");
    cr_assert_neq(out[2].product, out[4].product, "each entry is its own copy");
    for (size_t i = 0; i < 5; i++)
        orders_product_free(out[i].product);
}

T(reads_what_a_placement_left)
{
    need_member();
    conf_seed_product(conf_vt, conf_ud, "p1", "s1", 10);
    conf_line_t line = {"p1", "s1", 4, 1000};
    orders_reservation_t *r = conf_reservation_new("o1", "c1", &line, 1, true, CONF_T0);
    cr_assert_eq(conf_vt->reservation_create(conf_ud, r, NULL), ORDERS_OK, "reserve 4");
    orders_reservation_free(r);

    const char *ids[] = {"p1"};
    orders_product_avail_t out[1];
    cr_assert_eq(read_ids(ids, 1, out, NULL), ORDERS_OK, "products_read");
    cr_assert_eq(out[0].available, 6, "available after reserving 4 of 10: %lld",
                 (long long)out[0].available);
    orders_product_free(out[0].product);
}

T(empty_and_invalid_requests)
{
    need_member();
    conf_seed_product(conf_vt, conf_ud, "p1", "s1", 3);
    cr_assert_eq(read_ids(NULL, 0, NULL, NULL), ORDERS_OK, "n == 0 reads nothing");

    orders_product_avail_t out[2];
    orders_error_t err = {0};
    cr_assert_eq(read_ids(NULL, 2, out, &err), ORDERS_E_INVALID, "NULL ids");
    cr_assert_str_eq(err.field, "ids", "field of NULL ids: %s", err.field);
    cr_assert(out[0].product == NULL && out[1].product == NULL, "refusal leaves no product");

    const char *with_null[] = {"p1", NULL};
    memset(&err, 0, sizeof err);
    cr_assert_eq(read_ids(with_null, 2, out, &err), ORDERS_E_INVALID, "a NULL id");
    cr_assert_str_eq(err.field, "ids", "field of a NULL id: %s", err.field);
    cr_assert(out[0].product == NULL && out[1].product == NULL, "refusal leaves no product");

    const char *ids[] = {"p1"};
    memset(&err, 0, sizeof err);
    cr_assert_eq(read_ids(ids, 1, NULL, &err), ORDERS_E_INVALID, "NULL out");
    cr_assert_str_eq(err.field, "out", "field of NULL out: %s", err.field);
}
