#!/usr/bin/env python3
"""Generates docs/openapi.json for orders-server: python3 scripts/gen_openapi.py > docs/openapi.json

The document is data; this script is its source, so shared schemas are
written once.  orders-server embeds docs/openapi.json at build time and
serves it at GET /openapi.json."""
import json
import sys


def ref(kind, name):
    return {"$ref": "#/components/%s/%s" % (kind, name)}


def sref(name):
    return ref("schemas", name)



STR = {"type": "string"}
NSTR = {"type": "string", "nullable": True}
INT = {"type": "integer", "format": "int64"}
NNINT = {"type": "integer", "format": "int64", "minimum": 0}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time", "nullable": True,
        "description": "ISO-8601 UTC with milliseconds, or null when not set",
        "example": "2023-01-01T00:00:00.000Z"}
AMOUNT = sref("Amount")


def obj(props, required=None, desc=None):
    o = {"type": "object"}
    if desc:
        o["description"] = desc
    if required:
        o["required"] = required
    o["properties"] = props
    return o


def arr(items, **kw):
    a = {"type": "array", "items": items}
    a.update(kw)
    return a


# ---------------------------------------------------------------- schemas

schemas = {}

schemas["Amount"] = {
    "type": "number",
    "description": "Money in major units of the currency, computed from integer minor "
                   "units and printed exactly (199.98; whole amounts print as integers).",
    "example": 199.98,
}
schemas["OrderStatus"] = {
    "type": "string",
    "enum": ["pending", "confirmed", "processing", "shipped", "delivered",
             "cancelled", "failed"],
    "description": "pending -> confirmed -> processing -> shipped -> delivered; "
                   "cancel only from pending or confirmed; pending -> failed when payment fails.",
}
schemas["OrderStatusInput"] = {
    "type": "string",
    "description": "An order status name (see OrderStatus), in any case",
    "example": "shipped",
}
schemas["PaymentStatus"] = {"type": "string",
                            "enum": ["pending", "paid", "failed", "refunded"]}
schemas["PaymentMethod"] = {"type": "string", "enum": ["cod", "online", "wallet"]}
schemas["ItemStatus"] = {"type": "string",
                         "enum": ["reserved", "confirmed", "cancelled", "fulfilled"]}

schemas["FieldError"] = obj({
    "field": {"type": "string", "example": "shippingAddress.city"},
    "message": {"type": "string", "example": "shippingAddress.city is required"},
}, ["field", "message"])
schemas["Error"] = obj({
    "success": {"type": "boolean", "enum": [False]},
    "message": {"type": "string", "example": "Order not found"},
    "errors": arr(sref("FieldError"),
                  description="Present only for validation failures (400)."),
}, ["success", "message"], "The error envelope.")
schemas["Success"] = obj({
    "success": {"type": "boolean", "enum": [True]},
    "message": {"type": "string", "description": "Present where the route has one."},
    "data": {"description": "The route's result; see each response for its shape."},
}, ["success"], "The success envelope.")

schemas["CartItem"] = obj({
    "productId": STR, "sellerId": STR, "productName": STR,
    "productImage": NSTR,
    "quantity": {"type": "integer", "format": "int64", "minimum": 1},
    "price": AMOUNT, "totalPrice": AMOUNT,
    "availableStock": NNINT,
    "addedAt": TIME,
}, ["productId", "sellerId", "productName", "quantity", "price", "totalPrice"])
schemas["Cart"] = obj({
    "id": STR, "customerId": STR,
    "items": arr(sref("CartItem"), maxItems=50),
    "totalItems": dict(NNINT, description="Sum of the items' quantities."),
    "totalAmount": AMOUNT,
    "currency": {"type": "string", "nullable": True,
                 "description": "null while the cart is empty", "example": "USD"},
    "createdAt": TIME, "updatedAt": TIME,
    "expiresAt": dict(TIME, description="30 days after the last change"),
}, ["id", "customerId", "items", "totalItems", "totalAmount", "currency"])

schemas["Address"] = obj({
    "addressLine1": {"type": "string", "minLength": 1},
    "addressLine2": NSTR,
    "city": {"type": "string", "minLength": 1},
    "state": {"type": "string", "minLength": 1},
    "country": {"type": "string", "minLength": 1},
    "postalCode": {"type": "string", "minLength": 1},
    "contactName": NSTR,
    "contactPhone": NSTR,
}, ["addressLine1", "city", "state", "country", "postalCode"],
    "A shipping address. A missing or empty required field is 400 with an errors "
    "entry naming it (shippingAddress.city).")

schemas["OrderItem"] = obj({
    "productId": STR, "sellerId": STR, "productName": STR, "productImage": NSTR,
    "quantity": {"type": "integer", "format": "int64", "minimum": 1},
    "unitPrice": AMOUNT, "totalPrice": AMOUNT,
    "status": sref("ItemStatus"),
    "reservedAt": TIME, "confirmedAt": TIME,
}, ["productId", "sellerId", "productName", "quantity", "unitPrice", "totalPrice", "status"])
schemas["SellerStatus"] = obj({
    "sellerId": STR, "status": sref("OrderStatus"), "updatedAt": TIME,
    "notes": NSTR, "trackingNumber": NSTR,
    "estimatedDelivery": TIME,
}, ["sellerId", "status"])
schemas["Order"] = obj({
    "id": STR,
    "orderNumber": {"type": "string", "description": "Unique and human-readable",
                    "example": "ORD1700000000000123"},
    "customerId": STR, "customerName": NSTR, "customerEmail": NSTR,
    "items": arr(sref("OrderItem")),
    "subtotal": AMOUNT, "tax": AMOUNT, "shippingFee": AMOUNT, "discount": AMOUNT,
    "totalAmount": AMOUNT,
    "currency": {"type": "string", "example": "USD"},
    "status": sref("OrderStatus"),
    "paymentMethod": sref("PaymentMethod"),
    "paymentStatus": sref("PaymentStatus"),
    "shippingAddress": sref("Address"),
    "sellerStatuses": arr(sref("SellerStatus")),
    "placedAt": TIME, "confirmedAt": TIME, "shippedAt": TIME, "deliveredAt": TIME,
    "cancelledAt": TIME,
    "notes": NSTR, "cancelReason": NSTR,
    "refundAmount": AMOUNT,
    "reservationExpiry": TIME,
    "createdAt": TIME, "updatedAt": TIME,
}, ["id", "orderNumber", "customerId", "items", "subtotal", "tax", "shippingFee",
    "discount", "totalAmount", "currency", "status", "paymentMethod", "paymentStatus",
    "shippingAddress", "sellerStatuses"])

schemas["OrderSummary"] = obj({
    "id": STR, "orderNumber": STR, "status": sref("OrderStatus"),
    "totalAmount": AMOUNT,
    "itemCount": dict(NNINT, description="Units over all items"),
    "placedAt": TIME, "deliveredAt": TIME,
}, ["id", "orderNumber", "status", "totalAmount", "itemCount"],
    "A customer's order list entry.")
schemas["AdminOrderSummary"] = obj({
    "id": STR, "orderNumber": STR, "status": sref("OrderStatus"),
    "totalAmount": AMOUNT,
    "itemCount": dict(NNINT, description="Units over all items"),
    "placedAt": TIME,
    "customerId": STR, "customerName": NSTR, "customerEmail": NSTR,
    "paymentStatus": sref("PaymentStatus"),
    "sellers": arr(STR, description="Ids of the sellers with a part in the order"),
}, ["id", "orderNumber", "status", "totalAmount", "itemCount", "customerId",
    "paymentStatus", "sellers"], "An admin order list entry.")
schemas["Pagination"] = obj({
    "page": {"type": "integer", "minimum": 1},
    "limit": {"type": "integer", "minimum": 1},
    "total": dict(NNINT, description="Every match, over all pages"),
    "pages": NNINT,
}, ["page", "limit", "total", "pages"])
schemas["OrderPage"] = obj({
    "orders": arr(sref("OrderSummary")), "pagination": sref("Pagination"),
}, ["orders", "pagination"])
schemas["AdminOrderPage"] = obj({
    "orders": arr(sref("AdminOrderSummary")), "pagination": sref("Pagination"),
}, ["orders", "pagination"])

schemas["Product"] = obj({
    "id": STR, "sellerId": STR, "name": STR, "image": NSTR,
    "price": AMOUNT, "currency": {"type": "string", "example": "USD"},
    "active": BOOL, "createdAt": TIME, "updatedAt": TIME,
}, ["id", "sellerId", "name", "price", "currency", "active"])
schemas["ProductPage"] = obj({
    "products": arr(sref("Product")), "pagination": sref("Pagination"),
}, ["products", "pagination"])
schemas["Stock"] = obj({
    "productId": STR, "available": NNINT, "reserved": NNINT, "sold": NNINT,
}, ["productId", "available", "reserved", "sold"],
    "available + reserved + sold equals everything ever stocked minus what was "
    "adjusted away.")
schemas["InventoryCheckItem"] = obj({
    "productId": STR, "requestedQuantity": INT, "availableStock": NNINT,
    "available": dict(BOOL, description="availableStock covers requestedQuantity"),
}, ["productId", "requestedQuantity", "availableStock", "available"])
schemas["InventoryCheck"] = obj({
    "allAvailable": BOOL,
    "items": arr(sref("InventoryCheckItem")),
}, ["allAvailable", "items"])
schemas["ReservationItem"] = obj({
    "productId": STR, "quantity": {"type": "integer", "format": "int64", "minimum": 1},
    "reservedAt": TIME, "expiresAt": TIME,
}, ["productId", "quantity"])
schemas["Reservation"] = obj({
    "orderId": STR, "reservationId": STR,
    "items": arr(sref("ReservationItem")),
    "status": {"type": "string",
               "enum": ["reserved", "confirmed", "expired", "cancelled"],
               "description": "reserved while active"},
    "expiresAt": TIME,
}, ["orderId", "reservationId", "items", "status"])
schemas["SellerPart"] = obj({
    "orderId": STR, "orderNumber": STR, "sellerId": STR,
    "status": sref("OrderStatus"),
    "trackingNumber": NSTR, "estimatedDelivery": TIME, "notes": NSTR,
    "updatedAt": TIME,
    "items": arr(sref("OrderItem"), description="This seller's items of the order"),
    "totalItems": NNINT,
    "subtotal": AMOUNT, "tax": AMOUNT, "shippingFee": AMOUNT, "discount": AMOUNT,
    "totalAmount": AMOUNT,
    "currency": {"type": "string", "example": "USD"},
    "customerId": STR, "customerName": NSTR,
    "shippingAddress": sref("Address"),
    "placedAt": TIME,
}, ["orderId", "orderNumber", "sellerId", "status", "items", "totalItems", "subtotal",
    "tax", "shippingFee", "discount", "totalAmount", "currency", "customerId"],
    "One seller's part of an order. Order-level tax, shipping fee and discount are "
    "shared in proportion to part subtotals, so the parts add up exactly to the order.")
schemas["HistoryEntry"] = obj({
    "at": TIME, "actor": NSTR,
    "from": dict(NSTR, description="null for the placement"),
    "to": STR, "note": NSTR,
}, ["at", "actor", "from", "to"])
schemas["History"] = obj({
    "orderId": STR,
    "history": arr(sref("HistoryEntry"), description="Oldest first"),
}, ["orderId", "history"])
schemas["BulkResultItem"] = obj({
    "orderId": STR, "success": BOOL,
    "status": {"type": "string", "description": "The new status (on success)"},
    "message": {"type": "string", "description": "The error message (on failure)"},
}, ["orderId", "success"])
schemas["BulkResult"] = obj({
    "results": arr(sref("BulkResultItem")),
    "succeeded": NNINT, "failed": NNINT,
}, ["results", "succeeded", "failed"])


def amount_row(key):
    return obj({key: STR, "amount": AMOUNT, "currency": STR, "orders": NNINT},
               [key, "amount", "currency", "orders"])


RATE = {"type": "number", "minimum": 0, "maximum": 1,
        "description": "A fraction (0.25 = 25%)"}
schemas["Analytics"] = obj({
    "from": TIME, "to": TIME,
    "carts": obj({"created": NNINT}, ["created"]),
    "orders": obj({"placed": NNINT, "cancelled": NNINT, "delivered": NNINT},
                  ["placed", "cancelled", "delivered"]),
    "conversionRate": dict(RATE, description="Orders placed / carts created"),
    "cancellationRate": dict(RATE, description="Orders placed in range now cancelled / placed"),
    "averageOrderValue": arr(obj({"currency": STR, "amount": AMOUNT, "orders": NNINT},
                                 ["currency", "amount", "orders"])),
    "reservations": obj({"active": NNINT, "confirmed": NNINT, "expired": NNINT,
                         "cancelled": NNINT,
                         "conversionRate": dict(RATE, description="confirmed / (confirmed "
                                                "+ expired + cancelled); 0 when none settled")},
                        ["active", "confirmed", "expired", "cancelled", "conversionRate"]),
    "fulfillment": obj({"delivered": NNINT,
                        "meanDeliveryMs": NNINT,
                        "meanDeliveryHours": {"type": "number", "minimum": 0}},
                       ["delivered", "meanDeliveryMs", "meanDeliveryHours"]),
    "revenueBySeller": arr(amount_row("sellerId")),
    "revenueByPaymentMethod": arr(amount_row("paymentMethod")),
    "outOfStockEvents": NNINT,
    "reservationConflicts": NNINT,
}, ["from", "to", "carts", "orders", "conversionRate", "cancellationRate",
    "averageOrderValue", "reservations", "fulfillment", "revenueBySeller",
    "revenueByPaymentMethod", "outOfStockEvents", "reservationConflicts"],
    "Sales and inventory analytics over from <= t < to.")
schemas["Health"] = obj({
    "status": {"type": "string", "enum": ["ok", "degraded"]},
    "uptimeSeconds": NNINT,
    "version": STR,
    "store": obj({"name": STR, "status": {"type": "string", "enum": ["up", "down"]},
                  "latencyMs": {"type": "number", "minimum": 0}},
                 ["name", "status"]),
    "outbox": obj({"pending": NNINT, "dead": NNINT}, ["pending", "dead"]),
}, ["status", "uptimeSeconds", "version", "store", "outbox"])

# request bodies
schemas["CartItemRequest"] = obj({
    "productId": {"type": "string", "minLength": 1},
    "quantity": {"type": "integer", "minimum": 1},
}, ["productId", "quantity"])
schemas["CartUpdateRequest"] = obj({
    "productId": {"type": "string", "minLength": 1},
    "quantity": {"type": "integer", "description": "quantity <= 0 removes the item"},
}, ["productId", "quantity"])
schemas["CartRemoveRequest"] = obj({
    "productId": {"type": "string", "minLength": 1},
}, ["productId"])
schemas["PlaceOrderRequest"] = obj({
    "shippingAddress": sref("Address"),
    "shippingAddressId": {"type": "string",
                          "description": "A saved address, resolved through the customers "
                                         "backend (404 if unknown); instead of shippingAddress"},
    "paymentMethod": {"type": "string", "default": "cod",
                      "description": "cod, online or wallet, case-insensitive (\"COD\" is "
                                     "accepted)",
                      "example": "cod"},
    "notes": STR,
    "deferPayment": {"type": "boolean", "default": False,
                     "description": "online and wallet only: leave the order pending and pay "
                                    "later with POST /orders/{id}/pay"},
}, None, "Either shippingAddress or shippingAddressId.")
schemas["PlaceOrderRequest"]["anyOf"] = [{"required": ["shippingAddress"]},
                                         {"required": ["shippingAddressId"]}]
schemas["CancelRequest"] = obj({
    "reason": {"type": "string", "description": "Default \"Cancelled by customer\""},
})
schemas["AdminStatusRequest"] = obj({
    "status": sref("OrderStatusInput"), "notes": STR,
}, ["status"])
schemas["SellerStatusRequest"] = obj({
    "status": sref("OrderStatusInput"),
    "trackingNumber": STR,
    "estimatedDelivery": {"type": "string", "format": "date-time",
                          "example": "2023-01-05T00:00:00.000Z"},
    "notes": STR,
}, ["status"])
schemas["BulkStatusRequest"] = obj({
    "orderIds": arr(STR, minItems=1, maxItems=100),
    "status": sref("OrderStatusInput"),
    "notes": STR,
}, ["orderIds", "status"])
schemas["RefundRequest"] = obj({
    "amount": {"type": "number", "exclusiveMinimum": True, "minimum": 0,
               "description": "Major units; absent refunds everything not yet refunded. "
                              "Never more than was paid (400, field amount)."},
    "reason": STR,
})
PRODUCT_FIELDS = {
    "sellerId": {"type": "string", "minLength": 1, "maxLength": 128},
    "name": {"type": "string", "minLength": 1},
    "image": STR,
    "price": {"type": "number", "minimum": 0, "description": "Major units", "example": 19.99},
    "currency": {"type": "string", "default": "USD"},
    "stock": {"type": "integer", "minimum": 0, "description": "Sets the available count"},
    "active": {"type": "boolean", "default": True,
               "description": "An inactive product cannot be added to a cart"},
}
schemas["ProductCreateRequest"] = obj(
    dict({"id": {"type": "string", "minLength": 1, "maxLength": 128}}, **PRODUCT_FIELDS),
    ["id", "sellerId", "name", "price"])
schemas["ProductPutRequest"] = obj(dict(PRODUCT_FIELDS), ["sellerId", "name", "price"],
                                   "The product id comes from the path.")
schemas["StockSetRequest"] = obj({"available": {"type": "integer", "minimum": 0}},
                                 ["available"])
schemas["StockAdjustRequest"] = obj({
    "delta": {"type": "integer", "not": {"enum": [0]},
              "description": "Non-zero: adds (> 0) or removes (< 0) available units; "
                             "never below zero (409)"},
    "reason": STR,
}, ["delta"])
schemas["ItemRequest"] = obj({
    "productId": {"type": "string", "minLength": 1},
    "quantity": {"type": "integer", "minimum": 1},
}, ["productId", "quantity"])
schemas["InventoryCheckRequest"] = obj({
    "items": arr(sref("ItemRequest"), minItems=1, maxItems=100),
}, ["items"])
schemas["ReserveRequest"] = obj({
    "orderId": {"type": "string", "minLength": 1},
    "items": arr(sref("ItemRequest"), minItems=1, maxItems=100),
    "expirationMinutes": {"type": "integer", "minimum": 1, "maximum": 1440,
                          "description": "Default: the configured reservation window "
                                         "(--reservation-minutes, 30)"},
}, ["orderId", "items"])
schemas["OrderIdRequest"] = obj({"orderId": {"type": "string", "minLength": 1}},
                                ["orderId"])

# ---------------------------------------------------------------- responses


def error_response(desc, extra_headers=None):
    r = {"description": desc,
         "content": {"application/json": {"schema": sref("Error")}}}
    if extra_headers:
        r["headers"] = extra_headers
    return r


responses = {
    "BadRequest": error_response("Invalid input; errors names the fields at fault."),
    "Unauthorized": error_response("Missing or invalid credentials."),
    "NotFound": error_response("Not found (another customer's order is 404 too)."),
    "Conflict": error_response("State or version conflict, idempotency key reused with "
                               "another body, or an expired reservation."),
    "PayloadTooLarge": error_response("Body larger than 64 KiB."),
    "UnsupportedMediaType": error_response("Content-Type is not application/json."),
    "Unprocessable": error_response("Business rule: out of stock, empty cart, limit, "
                                    "currency, declined, insufficient funds or inactive."),
    "TooManyRequests": error_response("Rate limited.", {"Retry-After": ref("headers", "RetryAfter")}),
    "InternalError": error_response("Internal server error (no details are given)."),
    "NotImplemented": error_response("The configured backend does not support this call."),
    "ServiceUnavailable": error_response("A dependency (store, payment gateway) is down or "
                                         "timed out."),
}


def data_envelope(data_schema):
    return {"allOf": [sref("Success"),
                      {"type": "object", "required": ["data"],
                       "properties": {"data": data_schema}}]}


def success_response(name, desc, data_schema):
    responses[name] = {"description": desc, "content": {"application/json": {
        "schema": data_envelope(data_schema)}}}


success_response("CartOk", "The cart.", sref("Cart"))
success_response("OrderOk", "The order.", sref("Order"))
success_response("OrderPageOk", "A page of the customer's orders.", sref("OrderPage"))
success_response("AdminOrderPageOk", "A page of orders.", sref("AdminOrderPage"))
success_response("SellerPartOk", "The seller's part of the order.", sref("SellerPart"))
success_response("BulkResultOk", "One result per order.", sref("BulkResult"))
success_response("HistoryOk", "The order's history.", sref("History"))
success_response("AnalyticsOk", "Analytics for the range.", sref("Analytics"))
success_response("ProductOk", "The product.", sref("Product"))
success_response("ProductPageOk", "A page of products.", sref("ProductPage"))
success_response("StockOk", "The product's stock levels.", sref("Stock"))
success_response("InventoryCheckOk", "Availability per line.", sref("InventoryCheck"))
success_response("ReservationOk", "The reservation.", sref("Reservation"))
success_response("HealthOk", "Liveness and the state of each dependency.", sref("Health"))
responses["MessageOk"] = {
    "description": "Done; clients should rely on success and message only.",
    "content": {"application/json": {"schema": sref("Success")}}}

# ---------------------------------------------------------------- parameters


def page_param():
    return {"name": "page", "in": "query", "required": False,
            "description": "Page number, from 1 (below 1 is 400)",
            "schema": {"type": "integer", "minimum": 1, "default": 1}}


def limit_param(default, maximum):
    return {"name": "limit", "in": "query", "required": False,
            "description": "Page size (default %d, max %d); outside 1..%d is 400"
                           % (default, maximum, maximum),
            "schema": {"type": "integer", "minimum": 1, "maximum": maximum,
                       "default": default}}


def path_param(name, desc):
    return {"name": name, "in": "path", "required": True, "description": desc,
            "schema": {"type": "string", "minLength": 1}}


parameters = {
    "Page": page_param(),
    "CustomerLimit": limit_param(10, 50),
    "AdminLimit": limit_param(20, 100),
    "ProductLimit": limit_param(20, 100),
    "StatusFilter": {"name": "status", "in": "query", "required": False,
                     "description": "Only orders in this status",
                     "schema": sref("OrderStatus")},
    "SellerFilter": {"name": "sellerId", "in": "query", "required": False,
                     "description": "Only orders (or products) of this seller",
                     "schema": {"type": "string"}},
    "OrderId": path_param("id", "Order id"),
    "SellerId": path_param("sellerId", "Seller id"),
    "ProductIdPath": path_param("id", "Product id"),
    "StockProductId": path_param("productId", "Product id"),
    "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": False,
                       "description": "The same key and body return the first result; the "
                                      "same key with another body is 409. At most 128 bytes.",
                       "schema": {"type": "string", "minLength": 1, "maxLength": 128}},
    "From": {"name": "from", "in": "query", "required": False,
             "description": "Start of the range (inclusive), ISO-8601 UTC",
             "schema": {"type": "string", "format": "date-time"}},
    "To": {"name": "to", "in": "query", "required": False,
           "description": "End of the range (exclusive), ISO-8601 UTC; must be after from",
           "schema": {"type": "string", "format": "date-time"}},
}


def pref(name):
    return ref("parameters", name)


# ---------------------------------------------------------------- operations

CODES = {
    400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 409: "Conflict",
    413: "PayloadTooLarge", 415: "UnsupportedMediaType", 422: "Unprocessable",
    429: "TooManyRequests", 500: "InternalError", 501: "NotImplemented",
    503: "ServiceUnavailable",
}
BODY_CODES = [400, 413, 415]


def op(op_id, tag, summary, auth, ok, codes, body=None, body_required=True, params=None,
       desc=None):
    o = {"tags": [tag], "summary": summary, "operationId": op_id}
    if desc:
        o["description"] = desc
    if params:
        o["parameters"] = params
    if body:
        o["requestBody"] = {"required": body_required, "content": {
            "application/json": {"schema": sref(body)}}}
    all_codes = set(codes) | {500}
    if auth == "customer":
        o["security"] = [{"bearerAuth": []}]
        all_codes |= {401, 429, 503}
    elif auth == "admin":
        o["security"] = [{"serviceKey": []}]
        all_codes |= {401, 429, 503}
    elif auth == "inventory":
        o["security"] = [{"serviceKey": []}]
        all_codes |= {401, 503}
    else:
        o["security"] = []
    if body:
        all_codes |= set(BODY_CODES)
    resp = {}
    for status, name in ok:
        resp[str(status)] = ref("responses", name)
    for c in sorted(all_codes):
        resp[str(c)] = ref("responses", CODES[c])
    o["responses"] = dict(sorted(resp.items()))
    return o


paths = {}


def add(path, method, operation):
    paths.setdefault(path, {})[method] = operation


V = "/api/v1"
# cart
add(V + "/cart/add", "post", op(
    "addToCart", "Cart", "Add a product to the cart", "customer", [(200, "CartOk")],
    [404, 422], "CartItemRequest",
    desc="Message \"Item added to cart\". Adding a product already in the cart raises its "
         "quantity. Stock is checked (\"Insufficient stock. Available: 5, Requested: 10\", "
         "422); an inactive product is 422; at most 50 items per cart."))
add(V + "/cart", "get", op(
    "getCart", "Cart", "Get the cart", "customer", [(200, "CartOk")], [],
    desc="An empty cart is created when none exists."))
add(V + "/cart/update", "put", op(
    "updateCartItem", "Cart", "Set an item's quantity", "customer", [(200, "CartOk")],
    [404, 422], "CartUpdateRequest",
    desc="Message \"Cart item updated\". quantity <= 0 removes the item; a product not in "
         "the cart is 404 (\"Item not found in cart\"). Stock is checked as on add."))
add(V + "/cart/remove", "delete", op(
    "removeCartItem", "Cart", "Remove an item", "customer", [(200, "MessageOk")],
    [404], "CartRemoveRequest", desc="Message \"Item removed from cart\"."))
add(V + "/cart/clear", "delete", op(
    "clearCart", "Cart", "Remove every item", "customer", [(200, "MessageOk")], [],
    desc="Message \"Cart cleared\"."))
# orders
add(V + "/orders/place", "post", op(
    "placeOrder", "Orders", "Place the cart as an order", "customer", [(201, "OrderOk")],
    [404, 409, 422], "PlaceOrderRequest", params=[pref("IdempotencyKey")],
    desc="Message \"Order placed successfully\". Validates the cart (\"Cart is empty\", "
         "422), checks stock (\"Some items are not available: NAME (requested: 10, "
         "available: 5)\", 422), reserves stock for the reservation window, creates the "
         "order pending with every item reserved, clears the cart and notifies the customer "
         "and each seller. A payment outcome (declined, insufficient funds) is not an error: "
         "the order is returned in its resulting state."))
add(V + "/orders", "get", op(
    "listOrders", "Orders", "List the customer's orders", "customer",
    [(200, "OrderPageOk")], [400],
    params=[pref("Page"), pref("CustomerLimit"), pref("StatusFilter")],
    desc="Newest first."))
add(V + "/orders/{id}", "get", op(
    "getOrder", "Orders", "Get one of the customer's orders", "customer",
    [(200, "OrderOk")], [404], params=[pref("OrderId")],
    desc="404 \"Order not found\", also for another customer's order."))
add(V + "/orders/{id}/cancel", "put", op(
    "cancelOrder", "Orders", "Cancel an order", "customer", [(200, "OrderOk")],
    [404, 409], "CancelRequest", body_required=False, params=[pref("OrderId")],
    desc="Only from pending or confirmed (else 409). Held stock is released, sold stock "
         "returned and money paid refunded. The order comes back with status cancelled, "
         "cancelledAt and cancelReason. 503 when the refund failed after the order was "
         "cancelled."))
add(V + "/orders/{id}/pay", "post", op(
    "payOrder", "Orders", "Start or complete payment", "customer", [(200, "OrderOk")],
    [400, 404, 409, 501], params=[pref("OrderId")],
    desc="For pending online and wallet orders (cod is 400; an order that is not pending "
         "is 409). A successful payment confirms the order and converts its reservation; a "
         "failed one releases the reservation and fails the order."))
# admin orders
add(V + "/admin/orders", "get", op(
    "adminListOrders", "Admin", "List orders", "admin", [(200, "AdminOrderPageOk")], [400],
    params=[pref("Page"), pref("AdminLimit"), pref("StatusFilter"), pref("SellerFilter")],
    desc="Newest first."))
add(V + "/admin/orders/{id}/status", "put", op(
    "adminSetOrderStatus", "Admin", "Change an order's status", "admin",
    [(200, "OrderOk")], [404, 409], "AdminStatusRequest", params=[pref("OrderId")],
    desc="Message \"Order status updated\"; sets the matching timestamp (shippedAt, ...). "
         "A move the status machine refuses is 409. Moving to cancelled behaves as a "
         "cancellation (503 when its refund failed)."))
add(V + "/admin/orders/{id}/sellers/{sellerId}", "get", op(
    "adminGetSellerPart", "Admin", "Get one seller's part of an order", "admin",
    [(200, "SellerPartOk")], [404], params=[pref("OrderId"), pref("SellerId")]))
add(V + "/admin/orders/{id}/sellers/{sellerId}/status", "put", op(
    "adminSetSellerStatus", "Admin", "Change one seller's status", "admin",
    [(200, "OrderOk")], [404, 409], "SellerStatusRequest",
    params=[pref("OrderId"), pref("SellerId")],
    desc="Each seller moves its part through confirmed -> processing -> shipped -> "
         "delivered one step at a time (or stays to update tracking and notes) while the "
         "order is confirmed, processing or shipped. The order's status is then the least "
         "advanced of its sellers' statuses. 404 when the seller has no part in the order."))
add(V + "/admin/orders/bulk-status", "post", op(
    "adminBulkStatus", "Admin", "Change the status of many orders", "admin",
    [(200, "BulkResultOk")], [], "BulkStatusRequest",
    desc="One result per order; one bad order does not fail the others."))
add(V + "/admin/orders/{id}/refund", "post", op(
    "adminRefund", "Admin", "Refund an order in full or in part", "admin",
    [(200, "OrderOk")], [404, 409, 422, 501], "RefundRequest", body_required=False,
    params=[pref("OrderId")],
    desc="Through the order's payment gateway. More than was paid is 400 (field amount); "
         "an order with nothing paid is 409."))
add(V + "/admin/orders/{id}/history", "get", op(
    "adminOrderHistory", "Admin", "Every recorded change of an order", "admin",
    [(200, "HistoryOk")], [404], params=[pref("OrderId")]))
add(V + "/admin/analytics", "get", op(
    "adminAnalytics", "Admin", "Sales and inventory analytics", "admin",
    [(200, "AnalyticsOk")], [400], params=[pref("From"), pref("To")]))
# catalog
add(V + "/admin/products", "post", op(
    "adminCreateProduct", "Catalog", "Create a product", "admin", [(201, "ProductOk")],
    [409, 422], "ProductCreateRequest",
    desc="409 when the id exists; an unknown currency is 422; a price with more "
         "decimals than the currency has is 400."))
add(V + "/admin/products", "get", op(
    "adminListProducts", "Catalog", "List products", "admin", [(200, "ProductPageOk")],
    [400], params=[pref("SellerFilter"), pref("Page"), pref("ProductLimit")],
    desc="By id."))
add(V + "/admin/products/{id}", "put", op(
    "adminPutProduct", "Catalog", "Create or replace a product", "admin",
    [(200, "ProductOk")], [422], "ProductPutRequest", params=[pref("ProductIdPath")],
    desc="An unknown currency is 422; a price with more decimals than the currency has "
         "is 400."))
add(V + "/admin/products/{id}", "get", op(
    "adminGetProduct", "Catalog", "Get a product", "admin", [(200, "ProductOk")], [404],
    params=[pref("ProductIdPath")]))
# inventory
add(V + "/inventory/check", "post", op(
    "inventoryCheck", "Inventory", "Check availability", "inventory",
    [(200, "InventoryCheckOk")], [], "InventoryCheckRequest",
    desc="1 to 100 items."))
add(V + "/inventory/reserve", "post", op(
    "inventoryReserve", "Inventory", "Reserve stock for an order", "inventory",
    [(200, "ReservationOk")], [404, 409, 422], "ReserveRequest",
    desc="All items or none (422 names the short product). A second reservation for one "
         "order id is 409."))
add(V + "/inventory/release", "post", op(
    "inventoryRelease", "Inventory", "Release an order's reservation", "inventory",
    [(200, "MessageOk")], [404, 409], "OrderIdRequest",
    desc="Message \"Inventory released\". A pending order holding the reservation is "
         "cancelled."))
add(V + "/inventory/confirm", "post", op(
    "inventoryConfirm", "Inventory", "Convert a reservation into a sale", "inventory",
    [(200, "MessageOk")], [404, 409], "OrderIdRequest",
    desc="A pending order with that id becomes confirmed (its payment status is left as "
         "it is). 409 after the reservation's deadline."))
add(V + "/inventory/stock/{productId}", "get", op(
    "getStock", "Inventory", "Get a product's stock", "inventory", [(200, "StockOk")],
    [404], params=[pref("StockProductId")]))
add(V + "/inventory/stock/{productId}", "put", op(
    "setStock", "Inventory", "Set the available count", "inventory", [(200, "StockOk")],
    [404], "StockSetRequest", params=[pref("StockProductId")]))
add(V + "/inventory/stock/{productId}/adjust", "post", op(
    "adjustStock", "Inventory", "Add or remove available units", "inventory",
    [(200, "StockOk")], [404, 409], "StockAdjustRequest", params=[pref("StockProductId")],
    desc="Never below zero (409); delta 0 is 400."))
# ops
paths["/health"] = {"get": op("health", "Operations", "Liveness and dependencies", "none",
                              [(200, "HealthOk")], [])}
paths["/metrics"] = {"get": {
    "tags": ["Operations"], "summary": "Prometheus metrics", "operationId": "metrics",
    "security": [],
    "responses": {"200": {"description": "Prometheus text exposition format",
                          "content": {"text/plain": {"schema": {"type": "string"}}}},
                  "500": ref("responses", "InternalError")}}}
paths["/openapi.json"] = {"get": {
    "tags": ["Operations"], "summary": "This document", "operationId": "openapi",
    "security": [],
    "responses": {"200": {"description": "The OpenAPI 3.0.3 document of every route",
                          "content": {"application/json": {"schema": {"type": "object"}}}}}}}

DESCRIPTION = """\
REST API of orders-server (liborders). Every API route is under /api/v1; /health,
/metrics and /openapi.json are at the top level.

Customer routes take `Authorization: Bearer <JWT>` (HS256, or RS256 when the server is
given a public key); the customer id is the token's `id` claim, else `sub`. Admin
(/api/v1/admin/*) and inventory (/api/v1/inventory/*) routes take `X-Service-Key`.
Missing or wrong credentials: 401.

Success envelope: {"success": true, "message": "...", "data": ...}. Error envelope:
{"success": false, "message": "...", "errors": [{"field", "message"}]} (errors only for
validation failures). Amounts are JSON numbers in major units; times are ISO-8601 UTC
with milliseconds, or null.

Besides the statuses listed per route, any path may answer 404 "Route not found" (unknown
route) or 405 "Method not allowed" (with an Allow header). Rate limits (429 with
Retry-After): per customer on customer routes (default 100 per 15 minutes) and on admin
routes (default 1000 per 15 minutes); both configurable."""

doc = {
    "openapi": "3.0.3",
    "info": {"title": "orders-server", "version": "0.1.0", "description": DESCRIPTION},
    "servers": [{"url": "http://127.0.0.1:3005", "description": "Default local server"}],
    "tags": [
        {"name": "Cart", "description": "The customer's cart (JWT)"},
        {"name": "Orders", "description": "The customer's orders (JWT)"},
        {"name": "Admin", "description": "Order administration (service key)"},
        {"name": "Catalog", "description": "Products of the embedded catalog (service key)"},
        {"name": "Inventory", "description": "Stock and reservations (service key)"},
        {"name": "Operations", "description": "Health, metrics and this document (no auth)"},
    ],
    "paths": paths,
    "components": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "serviceKey": {"type": "apiKey", "in": "header", "name": "X-Service-Key"},
        },
        "headers": {"RetryAfter": {"description": "Seconds until the next request is allowed",
                                   "schema": {"type": "integer", "minimum": 0}}},
        "parameters": parameters,
        "schemas": schemas,
        "responses": responses,
    },
}

out = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
(open(sys.argv[1], "w") if len(sys.argv) > 1 else sys.stdout).write(out)
