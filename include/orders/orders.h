/*
 * <orders/orders.h> - the umbrella header of liborders.  It only includes the
 * per-area headers; each of them compiles on its own.
 */
#ifndef ORDERS_ORDERS_H
#define ORDERS_ORDERS_H

#include <orders/version.h>
#include <orders/error.h>
#include <orders/money.h>
#include <orders/types.h>
#include <orders/store.h>
#include <orders/store_sqlite.h>
#include <orders/store_mongo.h>
#include <orders/catalog.h>
#include <orders/catalog_http.h>
#include <orders/customers.h>
#include <orders/customers_http.h>
#include <orders/gateway.h>
#include <orders/gateway_http.h>
#include <orders/notifier.h>
#include <orders/notifier_http.h>
#include <orders/context.h>
#include <orders/inventory.h>
#include <orders/cart.h>
#include <orders/order.h>
#include <orders/seller.h>
#include <orders/payment.h>
#include <orders/webhook.h>
#include <orders/analytics.h>
#include <orders/outbox.h>
#include <orders/ops.h>

#endif /* ORDERS_ORDERS_H */
