/*
 * suite_order_version.c - order_version (store version 3): an order's
 * version and customer without the rest of it, always the version a full
 * read gives.
 *
 * The member is optional; a backend without it skips these tests, saying so.
 */
#include "conformance/conformance.h"

#include <criterion/criterion.h>

#include <string.h>

#define T(name) Test(order_version, name, .init = conf_setup, .fini = conf_teardown)

static void need_member(void)
{
    if (conf_vt->version < 3 || conf_vt->order_version == NULL)
        cr_skip_test("backend %s has no order_version (version %d)", conf_vt->name,
                     conf_vt->version);
}

static int64_t full_read_version(const char *id)
{
    orders_order_t *o = NULL;
    cr_assert_eq(conf_vt->order_get(conf_ud, id, &o, NULL), ORDERS_OK, "order_get %s", id);
    int64_t v = o->version;
    orders_order_free(o);
    return v;
}

T(follows_every_update_and_names_the_customer)
{
    need_member();
    conf_seed_order(conf_vt, conf_ud, "ov-1", "ORD-OV-1", "cust-ov", "s1", CONF_T0,
                    ORDERS_STATUS_PENDING);
    int64_t v = 0;
    char owner[ORDERS_ID_MAX + 1] = "";
    cr_assert_eq(conf_vt->order_version(conf_ud, "ov-1", &v, owner, NULL), ORDERS_OK);
    cr_expect_eq(v, 1);
    cr_expect_eq(v, full_read_version("ov-1"));
    cr_expect_str_eq(owner, "cust-ov");

    static const orders_status_t path[] = {ORDERS_STATUS_CONFIRMED, ORDERS_STATUS_PROCESSING,
                                           ORDERS_STATUS_SHIPPED};
    for (size_t i = 0; i < sizeof path / sizeof path[0]; i++) {
        orders_order_t *cur = NULL;
        cr_assert_eq(conf_vt->order_get(conf_ud, "ov-1", &cur, NULL), ORDERS_OK);
        conf_update_t u;
        conf_update_init(&u, cur, path[i], ORDERS_RES_EFFECT_NONE, CONF_T0 + 10 + (int64_t)i,
                         NULL);
        cr_assert_eq(conf_vt->order_update(conf_ud, &u.tx, NULL), ORDERS_OK, "update %zu", i);
        conf_update_free(&u);
        orders_order_free(cur);
        cr_assert_eq(conf_vt->order_version(conf_ud, "ov-1", &v, owner, NULL), ORDERS_OK);
        cr_expect_eq(v, (int64_t)i + 2, "after update %zu", i);
        cr_expect_eq(v, full_read_version("ov-1"));
    }
}

T(unknown_order_is_not_found)
{
    need_member();
    int64_t v = 77;
    char owner[ORDERS_ID_MAX + 1] = "";
    orders_error_t err;
    cr_expect_eq(conf_vt->order_version(conf_ud, "no-such-order", &v, owner, &err),
                 ORDERS_E_NOT_FOUND);
    cr_expect_eq(err.code, ORDERS_E_NOT_FOUND);
}
