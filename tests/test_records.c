/*
 * test_records.c - single-block copies of products and carts (types.h):
 * one allocation, equal content, members a caller replaced freed with the
 * record (the sanitizer build fails the test on a leak or a bad free).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <orders/orders.h>

static orders_product_t product(void)
{
    orders_product_t p = {.id = "p1", .seller_id = "s1", .name = "Mug", .image = "mug.png",
                          .price = {1299, "USD"}, .active = true, .created_at = 5};
    return p;
}

Test(records, product_copy_is_one_block_with_equal_content)
{
    orders_product_t src = product();
    orders_product_t *c = orders_product_copy(&src);
    cr_assert_not_null(c);
    cr_assert_not_null(c->block_end, "a copy is a single block");
    cr_assert_str_eq(c->id, "p1");
    cr_assert_str_eq(c->seller_id, "s1");
    cr_assert_str_eq(c->name, "Mug");
    cr_assert_str_eq(c->image, "mug.png");
    cr_assert_eq(c->price.amount, 1299);
    cr_assert_eq(c->created_at, 5);
    cr_assert((char *)c->name > (char *)c && (char *)c->name < (char *)c->block_end,
              "strings live in the block");
    orders_product_free(c);
}

Test(records, replaced_member_of_a_block_is_freed_with_it)
{
    orders_product_t src = product();
    orders_product_t *c = orders_product_copy(&src);
    cr_assert_not_null(c);
    c->name = strdup("Big mug"); /* the caller's own string: freed by orders_product_free */
    cr_assert_not_null(c->name);
    orders_product_t *again = orders_product_copy(c);
    cr_assert_str_eq(again->name, "Big mug");
    orders_product_free(again);
    orders_product_free(c);
}

Test(records, cart_copy_is_one_block_and_copies_of_it_are_independent)
{
    orders_cart_line_t lines[2] = {
        {.product_id = "p1", .seller_id = "s1", .product_name = "Mug", .quantity = 2,
         .price = {1299, "USD"}},
        {.product_id = "p2", .seller_id = "s2", .product_name = "Tea", .product_image = "t.png",
         .quantity = 1, .price = {650, "USD"}},
    };
    orders_cart_t src = {.id = "c", .customer_id = "cust", .items = lines, .item_count = 2,
                         .version = 3};
    orders_cart_t *c = orders_cart_copy(&src);
    cr_assert_not_null(c);
    cr_assert_not_null(c->block_end);
    cr_assert_eq(c->item_count, 2u);
    cr_assert_str_eq(c->items[1].product_image, "t.png");
    cr_assert_null(c->items[0].product_image);
    cr_assert_eq(c->version, 3);
    cr_assert((char *)c->items >= (char *)c && (char *)c->items < (char *)c->block_end);
    orders_cart_t *d = orders_cart_copy(c);
    orders_cart_free(c); /* d must not depend on c */
    cr_assert_str_eq(d->items[0].product_name, "Mug");
    cr_assert_str_eq(d->customer_id, "cust");
    orders_cart_free(d);
}

Test(records, a_record_built_field_by_field_owns_its_members)
{
    orders_product_t *p = calloc(1, sizeof *p);
    cr_assert_not_null(p);
    p->id = strdup("p9");
    p->name = strdup("Loose");
    cr_assert_null(p->block_end);
    orders_product_free(p); /* frees id and name: a leak would fail this test */
}

Test(records, event_type_names_round_trip)
{
    for (int t = ORDERS_EVENT_ORDER_PLACED; t <= ORDERS_EVENT_INVENTORY; t++) {
        orders_event_type_t back = (orders_event_type_t)-1;
        const char *name = orders_event_type_name((orders_event_type_t)t);
        cr_assert(orders_event_type_parse(name, &back), "%s does not parse", name);
        cr_assert_eq((int)back, t, "%s", name);
    }
    orders_event_type_t e;
    cr_assert(orders_event_type_parse("ORDER_PLACED", &e), "case-insensitive");
    cr_assert_eq(e, ORDERS_EVENT_ORDER_PLACED);
    cr_assert_not(orders_event_type_parse("order_shipped", &e));
    cr_assert_not(orders_event_type_parse(NULL, &e));
}
