/*
 * orders/customers.h - the customers plugin interface (version 1).
 *
 * Resolves who is ordering: that the customer exists and is active, their
 * name and email, and saved shipping addresses by id.
 *
 * The caller (the server, or an embedding program) passes what it knows of
 * the customer as an orders_identity_t, typically the claims of a verified
 * JWT.  The built-in "claims" backend trusts that identity as it is and has
 * no address book; an HTTP backend asks a Customer service.
 *
 * Every member may be called from many threads at once.  Inputs are
 * borrowed; outputs are filled into caller storage and freed with
 * orders_customer_clear / orders_address_clear.
 */
#ifndef ORDERS_CUSTOMERS_H
#define ORDERS_CUSTOMERS_H

#include <orders/types.h>
#include <orders/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ORDERS_CUSTOMERS_VERSION 1

/* What the caller knows of a customer; all strings borrowed. */
typedef struct orders_identity {
    const char *id;              /* required, at most ORDERS_ID_MAX bytes */
    const char *name;            /* optional */
    const char *email;           /* optional */
} orders_identity_t;

typedef struct orders_customers_vtable {
    int version;
    const char *name;
    /* Fills *out.  ORDERS_E_NOT_FOUND for an unknown customer,
     * ORDERS_E_INACTIVE for one who may not order. */
    orders_code_t (*resolve)(void *ud, const orders_identity_t *who, orders_customer_t *out,
                             orders_error_t *err);
    /* Fills *out with the customer's saved address address_id;
     * ORDERS_E_NOT_FOUND when there is none.  Optional (NULL: none). */
    orders_code_t (*address_get)(void *ud, const orders_identity_t *who, const char *address_id,
                                 orders_address_t *out, orders_error_t *err);
} orders_customers_vtable_t;

/* Built-in "claims" backend: the vtable needs no userdata (pass NULL). */
const orders_customers_vtable_t *orders_customers_claims_vtable(void);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_CUSTOMERS_H */
