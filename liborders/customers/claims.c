/*
 * customers/claims.c - the built-in "claims" customers backend.
 *
 * It trusts the identity the caller passes (normally the claims of a JWT the
 * server verified): the customer exists, is active, and has the name and
 * email given.  It keeps no address book, so a shippingAddressId is never
 * found; use a customers backend that has one (the Customer service).
 */
#include "../core/internal.h"

static orders_code_t claims_resolve(void *ud, const orders_identity_t *who,
                                    orders_customer_t *out, orders_error_t *err)
{
    (void)ud;
    orders_code_t rc = orders__check_id(who ? who->id : NULL, "customerId", err);
    if (rc)
        return rc;
    orders_customer_t c = {.active = true};
    if (!orders__set_str(&c.id, who->id) || !orders__set_str(&c.name, who->name) ||
        !orders__set_str(&c.email, who->email)) {
        orders_customer_clear(&c);
        return orders__nomem(err);
    }
    *out = c;
    return ORDERS_OK;
}

static orders_code_t claims_address_get(void *ud, const orders_identity_t *who,
                                        const char *address_id, orders_address_t *out,
                                        orders_error_t *err)
{
    (void)ud, (void)who, (void)address_id, (void)out;
    return orders_error_set(err, ORDERS_E_NOT_FOUND, "shippingAddressId",
                            "Address not found (the claims backend keeps no addresses)");
}

static const orders_customers_vtable_t claims = {
    .version = ORDERS_CUSTOMERS_VERSION,
    .name = "claims",
    .resolve = claims_resolve,
    .address_get = claims_address_get,
};

const orders_customers_vtable_t *orders_customers_claims_vtable(void)
{
    return &claims;
}
