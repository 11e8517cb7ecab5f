#!/usr/bin/env python3
"""Generates docs/openapi.json for orders-server: python3 scripts/gen_openapi.py docs/openapi.json
(or, without an argument, to stdout).

The document is data; this script is its source, so shared schemas are
written once.  orders-server embeds docs/openapi.json at build time and
serves it at GET /openapi.json, so rebuild the server after regenerating.

What it says follows the code: the route tables and handlers in
server/routes_*.c and server/ops.c, the dispatcher in server/http.c, the
status mapping in server/respond.c, and the codecs in liborders/json/.
Response objects list every field their encoder writes (all of them are
always present; unset ones are null)."""
import json
import sys


def ref(kind, name):
    return {"$ref": "#/components/%s/%s" % (kind, name)}


def sref(name):
    return ref("schemas", name)


STR = {"type": "string"}
NSTR = {"type": "string", "nullable": True}
NNINT = {"type": "integer", "format": "int64", "minimum": 0}
POSINT = {"type": "integer", "format": "int64", "minimum": 1}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time", "nullable": True,
        "description": "ISO-8601 UTC with milliseconds, or null when not set",
        "example": "2023-01-01T00:00:00.000Z"}
AMOUNT = sref("Amount")
ID_MAX = 128
INT32_MAX = 2147483647


def obj(props, required=None, desc=None):
    o = {"type": "object"}
    if desc:
        o["description"] = desc
    if required:
        o["required"] = required
    o["properties"] = props
    return o


def full(props, desc=None):
    """An object whose every property is always present (an encoder's output)."""
    return obj(props, list(props), desc)


def arr(items, **kw):
    return dict({"type": "array", "items": items}, **kw)


def idstr(desc=None):
    return {"type": "string", "minLength": 1, "maxLength": ID_MAX,
            "description": (desc + "; " if desc else "") + "1 to 128 bytes (else 400)"}


def opt(schema, desc=None):
    """An optional request member: null reads as absent."""
    return dict(schema, nullable=True, **({"description": desc} if desc else {}))


# ---------------------------------------------------------------- schemas

schemas = {}

schemas["Amount"] = {"type": "number", "example": 199.98, "description": (
    "Money in major units of the currency, computed from integer minor units and printed "
    "exactly (199.98; whole amounts print as integers).")}
schemas["OrderStatus"] = {"type": "string", "enum": [
    "pending", "confirmed", "processing", "shipped", "delivered", "cancelled", "failed"],
    "description": "pending -> confirmed -> processing -> shipped -> delivered; cancel only "
                   "from pending or confirmed; pending -> failed when payment fails."}
schemas["OrderStatusInput"] = {"type": "string", "example": "shipped", "description": (
    "An order status name (see OrderStatus), in any case; another value is 400 (field status)")}
schemas["PaymentStatus"] = {"type": "string", "enum": ["pending", "paid", "failed", "refunded"]}
schemas["PaymentMethod"] = {"type": "string", "enum": ["cod", "online", "wallet"]}
schemas["ItemStatus"] = {"type": "string",
                         "enum": ["reserved", "confirmed", "cancelled", "fulfilled"]}

schemas["FieldError"] = obj({"field": {"type": "string", "example": "shippingAddress.city"},
                             "message": {"type": "string",
                                         "example": "shippingAddress.city is required"}},
                            ["field", "message"])
schemas["Error"] = obj({
    "success": {"type": "boolean", "enum": [False]},
    "message": {"type": "string", "example": "Order not found"},
    "errors": arr(sref("FieldError"), minItems=1, maxItems=1,
                  description="Only on a 400 whose cause is one named field (query "
                              "parameter, body member or path id)."),
}, ["success", "message"], "The error envelope.")

schemas["CartItem"] = full({
    "productId": STR, "sellerId": STR, "productName": STR, "productImage": NSTR,
    "quantity": POSINT, "price": AMOUNT, "totalPrice": AMOUNT,
    "availableStock": dict(NNINT, description="Available units when the line last changed"),
    "addedAt": TIME,
})
schemas["Cart"] = full({
    "id": STR, "customerId": STR, "items": arr(sref("CartItem"), maxItems=50),
    "totalItems": dict(NNINT, description="Sum of the items' quantities."),
    "totalAmount": AMOUNT,
    "currency": {"type": "string", "nullable": True,
                 "description": "null while the cart is empty", "example": "USD"},
    "createdAt": TIME, "updatedAt": TIME,
    "expiresAt": dict(TIME, description="30 days after the last change"),
})

NONEMPTY = {"type": "string", "minLength": 1}
schemas["Address"] = obj({
    "addressLine1": NONEMPTY, "addressLine2": opt(STR), "city": NONEMPTY, "state": NONEMPTY,
    "country": NONEMPTY, "postalCode": NONEMPTY, "contactName": opt(STR),
    "contactPhone": opt(STR),
}, ["addressLine1", "city", "state", "country", "postalCode"],
    "A shipping address in a request. A missing or empty required member, or a member that "
    "is not a string, is 400 with an errors entry naming it (shippingAddress.city).")
schemas["ShippingAddress"] = full({
    "addressLine1": STR, "addressLine2": NSTR, "city": STR, "state": STR, "country": STR,
    "postalCode": STR, "contactName": NSTR, "contactPhone": NSTR,
}, "The order's shipping address.")

schemas["OrderItem"] = full({
    "productId": STR, "sellerId": STR, "productName": STR, "productImage": NSTR,
    "quantity": POSINT, "unitPrice": AMOUNT, "totalPrice": AMOUNT,
    "status": sref("ItemStatus"), "reservedAt": TIME, "confirmedAt": TIME,
})
schemas["SellerStatus"] = full({"sellerId": STR, "status": sref("OrderStatus"), "updatedAt": TIME,
                               "notes": NSTR, "trackingNumber": NSTR, "estimatedDelivery": TIME})
CURRENCY = {"type": "string", "example": "USD"}
schemas["Order"] = full({
    "id": STR,
    "orderNumber": {"type": "string", "description": "Unique and human-readable",
                    "example": "ORD1700000000000123"},
    "customerId": STR, "customerName": NSTR, "customerEmail": NSTR,
    "items": arr(sref("OrderItem")),
    "subtotal": AMOUNT, "tax": AMOUNT, "shippingFee": AMOUNT, "discount": AMOUNT,
    "totalAmount": AMOUNT, "currency": CURRENCY,
    "status": sref("OrderStatus"), "paymentMethod": sref("PaymentMethod"),
    "paymentStatus": sref("PaymentStatus"), "shippingAddress": sref("ShippingAddress"),
    "sellerStatuses": arr(sref("SellerStatus")),
    "placedAt": TIME, "confirmedAt": TIME, "shippedAt": TIME, "deliveredAt": TIME,
    "cancelledAt": TIME, "notes": NSTR, "cancelReason": NSTR, "refundAmount": AMOUNT,
    "reservationExpiry": TIME, "createdAt": TIME, "updatedAt": TIME,
})

SUMMARY = {
    "id": STR, "orderNumber": STR, "status": sref("OrderStatus"), "totalAmount": AMOUNT,
    "itemCount": dict(NNINT, description="Units over all items"), "placedAt": TIME,
}
schemas["OrderSummary"] = full(dict(SUMMARY, deliveredAt=TIME), "A customer's order list entry.")
schemas["AdminOrderSummary"] = full(dict(
    SUMMARY, customerId=STR, customerName=NSTR, customerEmail=NSTR,
    paymentStatus=sref("PaymentStatus"),
    sellers=arr(STR, description="Ids of the sellers with a part in the order")),
    "An admin order list entry.")
schemas["Pagination"] = full({
    "page": {"type": "integer", "format": "int64", "minimum": 1},
    "limit": {"type": "integer", "format": "int64", "minimum": 1,
              "description": "The page size used (after clamping)"},
    "total": dict(NNINT, description="Every match, over all pages"), "pages": NNINT,
})


def page_of(key, item):
    return full({key: arr(sref(item)), "pagination": sref("Pagination")})


schemas["OrderPage"] = page_of("orders", "OrderSummary")
schemas["AdminOrderPage"] = page_of("orders", "AdminOrderSummary")

PRODUCT = {
    "id": STR, "sellerId": STR, "name": STR, "image": NSTR, "price": AMOUNT,
    "currency": CURRENCY, "active": BOOL, "createdAt": TIME, "updatedAt": TIME,
}
schemas["Product"] = full(PRODUCT)
schemas["ProductStored"] = obj(
    dict(PRODUCT, stock=sref("Stock")), list(PRODUCT),
    "The product as stored, and its stock levels after the write (stock) when the request "
    "had a stock member.")
schemas["ProductPage"] = page_of("products", "Product")
schemas["Stock"] = full(
    {"productId": STR, "available": NNINT, "reserved": NNINT, "sold": NNINT},
    "available + reserved + sold equals everything ever stocked minus what was adjusted away.")
schemas["InventoryCheckItem"] = full({
    "productId": STR, "requestedQuantity": POSINT,
    "availableStock": dict(NNINT, description="0 for an unknown product"),
    "available": dict(BOOL, description="availableStock covers requestedQuantity"),
})
schemas["InventoryCheck"] = full({"allAvailable": BOOL, "items": arr(
    sref("InventoryCheckItem"), description="The requested lines, in order")})
schemas["ReservationItem"] = full(
    {"productId": STR, "quantity": POSINT, "reservedAt": TIME, "expiresAt": TIME})
schemas["Reservation"] = full({
    "orderId": STR, "reservationId": STR, "items": arr(sref("ReservationItem")),
    "status": {"type": "string", "enum": ["reserved", "confirmed", "expired", "cancelled"],
               "description": "reserved while active"},
    "expiresAt": TIME,
})
SELLER_PART = {
    "orderId": STR, "orderNumber": STR, "sellerId": STR, "status": sref("OrderStatus"),
    "trackingNumber": NSTR, "estimatedDelivery": TIME, "notes": NSTR, "updatedAt": TIME,
    "items": arr(sref("OrderItem"), description="This seller's items of the order"),
    "totalItems": NNINT,
    "subtotal": AMOUNT, "tax": AMOUNT, "shippingFee": AMOUNT, "discount": AMOUNT,
    "totalAmount": AMOUNT, "currency": CURRENCY, "customerId": STR, "customerName": NSTR,
    "shippingAddress": sref("ShippingAddress"), "placedAt": TIME,
}
PART_DESC = ("One seller's part of an order: status, trackingNumber, estimatedDelivery, notes "
             "and updatedAt are the seller's own. Order-level tax, shipping fee and discount "
             "are shared in proportion to part subtotals, so the parts add up exactly to the "
             "order.")
schemas["SellerPart"] = full(SELLER_PART, PART_DESC)
schemas["SellerPartUpdated"] = full(
    dict(SELLER_PART, orderStatus=sref("OrderStatus")),
    PART_DESC + " orderStatus is the order's overall status after the change (the least "
                "advanced of its sellers' statuses).")
schemas["HistoryEntry"] = full({"at": TIME, "actor": dict(NSTR, example="customer:cust-42"),
                               "from": dict(NSTR, description="null for the placement"),
                               "to": STR, "note": NSTR})
schemas["History"] = full(
    {"orderId": STR, "history": arr(sref("HistoryEntry"), description="Oldest first")})
schemas["BulkResultItem"] = {
    "description": "{orderId, success: true, status} for an order moved (status = the new "
                   "status), {orderId, success: false, message} for one that was not (the "
                   "error message; a generic one for 5xx causes).",
    "oneOf": [full({"orderId": STR, "success": {"type": "boolean", "enum": [True]},
                    "status": sref("OrderStatus")}),
              full({"orderId": STR, "success": {"type": "boolean", "enum": [False]},
                    "message": STR})]}
schemas["BulkResult"] = full({"results": arr(sref("BulkResultItem"), description=(
    "One per orderIds entry, in order")), "succeeded": NNINT, "failed": NNINT})


def amount_row(key):
    return full({key: STR, "amount": AMOUNT, "currency": STR, "orders": NNINT})


RATE = {"type": "number", "minimum": 0, "maximum": 1, "description": "A fraction (0.25 = 25%)"}
schemas["Analytics"] = full({
    "from": TIME, "to": TIME, "carts": full({"created": NNINT}),
    "orders": full({"placed": NNINT, "cancelled": NNINT, "delivered": NNINT}),
    "conversionRate": {"type": "number", "minimum": 0,
                       "description": "Orders placed / carts created, as a fraction (0 when no "
                                      "cart was created); above 1 when orders come from carts "
                                      "created before the range"},
    "cancellationRate": dict(RATE, description="Orders placed in range now cancelled / placed"),
    "averageOrderValue": arr(full({"currency": STR, "amount": AMOUNT, "orders": NNINT})),
    "reservations": full({
        "active": NNINT, "confirmed": NNINT, "expired": NNINT, "cancelled": NNINT,
        "conversionRate": dict(RATE, description="confirmed / (confirmed + expired + "
                                                 "cancelled); 0 when none settled")}),
    "fulfillment": full({
        "delivered": NNINT, "meanDeliveryMs": NNINT,
        "meanDeliveryHours": {"type": "number", "minimum": 0, "description": "Two decimals"}}),
    "revenueBySeller": arr(amount_row("sellerId")),
    "revenueByPaymentMethod": arr(amount_row("paymentMethod")),
    "outOfStockEvents": NNINT, "reservationConflicts": NNINT,
}, "Sales and inventory analytics over from <= t < to.")
schemas["Health"] = full({
    "status": {"type": "string", "enum": ["ok", "degraded"]}, "uptimeSeconds": NNINT,
    "version": STR,
    "store": full({"name": STR, "status": {"type": "string", "enum": ["up", "down"]},
                   "latencyMs": {"type": "number", "minimum": 0,
                                 "description": "How long the store took to answer"}}),
    "outbox": full({"pending": dict(NNINT, nullable=True), "dead": dict(NNINT, nullable=True)},
                   "null counts when the store is down"),
})

# request bodies
schemas["CartItemRequest"] = obj({"productId": idstr(), "quantity": {
    "type": "integer", "minimum": 1, "description": "An integer (else 400); below 1 is 400; "
                                                    "above 1000 per cart line is 422"}},
    ["productId", "quantity"])
schemas["CartUpdateRequest"] = obj({"productId": idstr(), "quantity": {
    "type": "integer", "description": "An integer (else 400); <= 0 removes the item; above "
                                      "1000 is 422"}}, ["productId", "quantity"])
schemas["CartRemoveRequest"] = obj({"productId": idstr()}, ["productId"])
schemas["PlaceOrderRequest"] = obj({
    "shippingAddress": sref("Address"),
    "shippingAddressId": opt(idstr(
        "A saved address, resolved through the customers backend (404 if unknown); used when "
        "there is no shippingAddress")),
    "paymentMethod": opt({"type": "string", "default": "cod", "example": "cod"},
                         "cod, online or wallet, in any case (\"COD\" is accepted); another "
                         "value is 400"),
    "notes": opt({"type": "string", "maxLength": 2000}, "At most 2000 bytes (else 400)"),
    "deferPayment": opt({"type": "boolean", "default": False},
                        "true or false (else 400). For online and wallet orders: do not pay "
                        "at placement; the order stays pending (holding its reservation) "
                        "until POST /orders/{id}/pay. Ignored for cod."),
}, None, "Either shippingAddress or shippingAddressId (neither is 400, field "
         "shippingAddress). Unknown members are ignored.")
schemas["PlaceOrderRequest"]["anyOf"] = [{"required": ["shippingAddress"]},
                                         {"required": ["shippingAddressId"]}]
schemas["CancelRequest"] = obj({"reason": opt(STR, "Default \"Cancelled by customer\"")})
schemas["AdminStatusRequest"] = obj({"status": sref("OrderStatusInput"), "notes": opt(
    STR, "Recorded in the history; on a move to cancelled also the cancelReason (default "
    "\"Cancelled by admin\")")}, ["status"])
schemas["SellerStatusRequest"] = obj({
    "status": {"type": "string", "example": "shipped",
               "description": "confirmed, processing, shipped or delivered, in any case (another "
                              "status is 400); the seller's current status or the next one "
                              "(else 409)"},
    "trackingNumber": opt(STR),
    "estimatedDelivery": opt({"type": "string", "format": "date-time",
                              "example": "2023-01-05T00:00:00.000Z"},
                             "ISO-8601 date and time with Z or +hh:mm, fraction optional "
                             "(else 400)"),
    "notes": opt(STR),
}, ["status"])
schemas["BulkStatusRequest"] = obj({"orderIds": arr(
    STR, minItems=1, maxItems=100, description="1 to 100 strings (else 400)"),
    "status": sref("OrderStatusInput"), "notes": opt(STR)}, ["orderIds", "status"])
schemas["RefundRequest"] = obj({
    "amount": opt({"type": "number", "exclusiveMinimum": True, "minimum": 0},
                  "Major units of the order's currency, above 0 and with no more decimals "
                  "than the currency has (else 400); absent or null refunds everything not "
                  "yet refunded. More than is left to refund is 400 (field amount)."),
    "reason": opt(STR),
})
PRODUCT_FIELDS = {
    "sellerId": idstr(),
    "name": {"type": "string", "minLength": 1, "description": "1 to 512 bytes (else 400)"},
    "image": opt(STR, "At most 2048 bytes (else 400)"),
    "price": {"type": "number", "minimum": 0, "example": 19.99,
              "description": "Major units; negative, or more decimals than the currency has, "
                             "is 400"},
    "currency": opt({"type": "string", "default": "USD"},
                    "An ISO 4217 code; an unknown one is 422"),
    "stock": opt({"type": "integer", "minimum": 0},
                 "Sets the available count after the product is stored (an integer >= 0, "
                 "else 400); the answer then carries the stock levels"),
    "active": opt({"type": "boolean", "default": True},
                  "An inactive product cannot be added to a cart"),
}
schemas["ProductCreateRequest"] = obj(dict({"id": idstr()}, **PRODUCT_FIELDS),
                                      ["id", "sellerId", "name", "price"])
schemas["ProductPutRequest"] = obj(
    dict({"id": opt(STR, "If given, the id of the path (else 400)")}, **PRODUCT_FIELDS),
    ["sellerId", "name", "price"], "The product id comes from the path.")
schemas["StockSetRequest"] = obj({"available": {
    "type": "integer", "minimum": 0,
    "description": "An integer (else 400), not negative (else 400)"}}, ["available"])
schemas["StockAdjustRequest"] = obj({
    "delta": {"type": "integer", "not": {"enum": [0]},
              "description": "A non-zero integer (else 400): adds (> 0) or removes (< 0) "
                             "available units; never below zero (409)"},
    "reason": opt(STR, "Checked to be a string, not stored"),
}, ["delta"])
schemas["ItemRequest"] = obj({"productId": idstr(), "quantity": {
    "type": "integer", "minimum": 1, "description": "An integer >= 1 (else 400)"}},
    ["productId", "quantity"])
ITEMS = arr(sref("ItemRequest"), minItems=1, maxItems=100,
            description="1 to 100 entries (else 400); more than 50 (the cart line limit) is "
                        "422")
schemas["InventoryCheckRequest"] = obj({"items": ITEMS}, ["items"])
schemas["ReserveRequest"] = obj({"orderId": idstr(), "items": ITEMS, "expirationMinutes": opt(
    {"type": "integer", "minimum": 1, "maximum": 1440}, "An integer from 1 to 1440 (else 400); "
    "default the configured reservation window (--reservation-minutes, 30)")},
    ["orderId", "items"])
schemas["OrderIdRequest"] = obj({"orderId": idstr()}, ["orderId"])
schemas["IgnoredBody"] = {"type": "object",
                          "description": "Any JSON object; its members are ignored"}

# ---------------------------------------------------------------- responses


def error_response(desc, **headers):
    r = {"description": desc, "content": {"application/json": {"schema": sref("Error")}}}
    return dict(r, headers=headers) if headers else r


responses = {
    "BadRequest": error_response(
        "Invalid input: a body member, query parameter or path id of the wrong type, range "
        "or length; errors names the field. Also \"Malformed JSON: ...\", \"The request "
        "body must be a JSON object\" and \"Incomplete request body\" (a body shorter than "
        "its Content-Length; Connection: close), without errors."),
    "Unauthorized": error_response(
        "Missing or invalid credentials: \"Authentication required\", \"Authorization header "
        "must be: Bearer <token>\", \"Invalid token\", \"Token expired\", \"Token not yet "
        "valid\", \"Token has no customer id\" (customer routes) or \"Invalid or missing "
        "service key\" (admin and inventory routes)."),
    "NotFound": error_response("Not found (another customer's order is 404 too)."),
    "Conflict": error_response(
        "State or version conflict (a move the status machine refuses, a record changed "
        "concurrently too often), an Idempotency-Key reused with another body, an existing "
        "id, or an expired reservation."),
    "PayloadTooLarge": error_response("\"Request body too large (limit 64 KiB)\"; the "
                                      "connection is closed (Connection: close)."),
    "UnsupportedMediaType": error_response("\"Content-Type must be application/json\": a "
                                           "non-empty body with another Content-Type."),
    "Unprocessable": error_response(
        "Business rule: out of stock, empty cart, a limit, currency, declined, insufficient "
        "funds, inactive product or customer, or an amount that overflows."),
    "TooManyRequests": error_response("\"Too many requests, please try again later\".",
                                      **{"Retry-After": ref("headers", "RetryAfter")}),
    "InternalError": error_response("\"Internal server error\" (no details are given; the "
                                    "request log has them)."),
    "NotImplemented": error_response(
        "The configured backend does not support this call (a gateway that cannot refund, "
        "stock held by a remote catalog)."),
    "ServiceUnavailable": error_response(
        "\"Service temporarily unavailable\": a dependency (store, payment gateway) is down "
        "or timed out, or a cancellation's refund failed after the cancellation was "
        "recorded. Also \"Server is shutting down\" (with Connection: close) from any "
        "route while the server drains on SIGTERM."),
}


def success(desc, data=None, message=None):
    """A success envelope: message (exactly this text) and data when the route sends them."""
    props = {"success": {"type": "boolean", "enum": [True]}}
    if message:
        props["message"] = {"type": "string", "enum": [message]}
    if data:
        props["data"] = sref(data)
    return {"description": desc, "content": {"application/json": {"schema": full(props)}}}


# ---------------------------------------------------------------- parameters


def page_param(maximum):
    return {"name": "page", "in": "query", "required": False,
            "description": "Page number, an integer from 1 to %d (else 400)" % maximum,
            "schema": {"type": "integer", "format": "int64", "minimum": 1,
                       "maximum": maximum, "default": 1}}


def limit_param(default, clamp, maximum):
    return {"name": "limit", "in": "query", "required": False,
            "description": "Page size, an integer from 1 to %d (else 400), default %d; values "
                           "above %d are clamped to %d (the answer's pagination.limit shows "
                           "the size used)" % (maximum, default, clamp, clamp),
            "schema": {"type": "integer", "format": "int64", "minimum": 1,
                       "maximum": maximum, "default": default}}


def path_param(name, desc, longer="; longer than 128 bytes is 400"):
    return {"name": name, "in": "path", "required": True, "description": desc + longer,
            "schema": {"type": "string", "minLength": 1, "maxLength": ID_MAX}}


def time_param(name, desc):
    return {"name": name, "in": "query", "required": False,
            "description": desc + ": epoch milliseconds (digits), a date (2024-01-31, "
                                  "midnight UTC) or an ISO-8601 date and time with Z or "
                                  "+hh:mm (2024-01-31T00:00:00.000Z); anything else is 400",
            "schema": {"type": "string", "example": "2024-01-31"}}


def query_param(name, desc, schema):
    return {"name": name, "in": "query", "required": False, "description": desc,
            "schema": schema}


parameters = {
    "OrderPage": page_param(INT32_MAX),
    "CustomerLimit": limit_param(10, 50, INT32_MAX),
    "AdminLimit": limit_param(20, 100, INT32_MAX),
    "ProductPage": page_param(1000000000),
    "ProductLimit": limit_param(20, 100, 1000000000),
    "StatusFilter": query_param(
        "status", "Only orders in this status (a status name in any case; another value, "
                  "empty included, is 400)", sref("OrderStatusInput")),
    "OrderSellerFilter": query_param(
        "sellerId", "Only orders with a part of this seller (empty means no filter; longer "
                    "than 128 bytes is 400)", {"type": "string", "maxLength": ID_MAX}),
    "ProductSellerFilter": query_param(
        "sellerId", "Only products of this seller (1 to 128 bytes; empty or longer is 400)",
        {"type": "string", "minLength": 1, "maxLength": ID_MAX}),
    "OrderId": path_param("id", "Order id"),
    "SellerId": path_param("sellerId", "Seller id",
                           "; longer than 128 bytes is 400 when changing its status (reading "
                           "it, such an id is simply not in the order: 404)"),
    "ProductIdPath": path_param("id", "Product id"),
    "StockProductId": path_param("productId", "Product id"),
    "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": False,
                       "description": "The same key and body return the first result (the "
                                      "order, as it is now); the same key with another body "
                                      "is 409. 1 to 128 bytes (else 400).",
                       "schema": {"type": "string", "minLength": 1, "maxLength": ID_MAX}},
    "From": time_param("from", "Start of the range (inclusive; default 30 days before to)"),
    "To": time_param("to", "End of the range (exclusive; default now); from must be before "
                           "to (else 400)"),
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
# Routes that take a body (server/routes_*.c: body = true): 413 and 415 from
# the dispatcher, 400 for malformed JSON or a body that is not an object.
BODY_CODES = [400, 413, 415]
# Credentials and rate limit by access level (server/http.c).
AUTH = {"customer": ("bearerAuth", {401, 429}), "admin": ("serviceKey", {401, 429}),
        "inventory": ("serviceKey", {401}), "none": (None, set()),
        "signed": ("webhookSignature", {401, 429})}

paths = {}


def access(path):
    """The tag and access level of a path, by its prefix as in the route tables."""
    for prefix, tag, auth in (("/api/v1/cart", "Cart", "customer"),
                              ("/api/v1/orders", "Orders", "customer"),
                              ("/api/v1/admin/products", "Catalog", "admin"),
                              ("/api/v1/admin/", "Admin", "admin"),
                              ("/api/v1/inventory/", "Inventory", "inventory"),
                              ("/api/v1/payments/", "Payments", "signed")):
        if path.startswith(prefix):
            return tag, auth
    return "Operations", "none"


def route(method, path, op_id, summary, ok, codes, body=None, body_required=True, params=None,
          desc=None):
    """ok: [(status, response object)]; codes: the route's own error statuses.  Every
    route adds 500 and 503 (shutting down); the others come with its access level and its
    body."""
    tag, auth = access(path)
    o = {"tags": [tag], "summary": summary, "operationId": op_id}
    if desc:
        o["description"] = desc
    if params:
        o["parameters"] = [pref(p) for p in params]
    if body:
        o["requestBody"] = {"required": body_required, "content": {
            "application/json": {"schema": sref(body)}}}
    scheme, auth_codes = AUTH[auth]
    o["security"] = [{scheme: []}] if scheme else []
    all_codes = set(codes) | {500, 503} | auth_codes | (set(BODY_CODES) if body else set())
    resp = {str(status): r for status, r in ok}
    for c in sorted(all_codes):
        resp.setdefault(str(c), ref("responses", CODES[c]))
    o["responses"] = dict(sorted(resp.items()))
    paths.setdefault(path, {})[method] = o


V = "/api/v1"
ORDER_ID = ["OrderId"]
# cart
route("post", V + "/cart/add", "addToCart", "Add a product to the cart",
      [(200, success("The cart.", "Cart", "Item added to cart"))], [404, 409, 422],
      "CartItemRequest",
      desc="Adding a product already in the cart raises its quantity. An unknown product is "
           "404 (\"Product not found\"). Stock is checked (\"Insufficient stock. Available: 5, "
           "Requested: 10\", 422); an inactive product, more than 1000 units in a line, more "
           "than 50 lines, or a product priced in another currency than the cart's is 422. "
           "409 when the cart kept changing concurrently (\"cart is changing too often; try "
           "again\").")
route("get", V + "/cart", "getCart", "Get the cart", [(200, success("The cart.", "Cart"))], [409],
      desc="An empty cart is created when none exists.")
route("put", V + "/cart/update", "updateCartItem", "Set an item's quantity",
      [(200, success("The cart.", "Cart", "Cart item updated"))], [404, 409, 422],
      "CartUpdateRequest",
      desc="quantity <= 0 removes the item; a product not in the cart is 404 (\"Item not found "
           "in cart\"). Stock is checked as on add (422).")
route("delete", V + "/cart/remove", "removeCartItem", "Remove an item",
      [(200, success("The cart without the item.", "Cart", "Item removed from cart"))],
      [404, 409], "CartRemoveRequest",
      desc="A product not in the cart is 404 (\"Item not found in cart\").")
route("delete", V + "/cart/clear", "clearCart", "Remove every item",
      [(200, success("The empty cart.", "Cart", "Cart cleared"))], [409])
# orders
route("post", V + "/orders/place", "placeOrder", "Place the cart as an order",
      [(201, success("The order (also for a replayed Idempotency-Key).", "Order",
                     "Order placed successfully"))],
      [404, 409, 422], "PlaceOrderRequest", params=["IdempotencyKey"],
      desc="Validates the cart (\"Cart is empty\", 422), checks stock (\"Some items are not "
           "available: NAME (requested: 10, available: 5)\", 422), reserves stock for the "
           "reservation window, creates the order pending with every item reserved, clears "
           "the cart and notifies the customer and each seller. Then payment runs through the "
           "method's gateway, unless deferPayment is true for an online or wallet order. A "
           "payment outcome (declined, insufficient funds, gateway down) is not an error: the "
           "order is returned in its resulting state (failed, or pending to be paid with POST "
           "/orders/{id}/pay). An unknown shippingAddressId is 404 (\"Address not found\").")
route("get", V + "/orders", "listOrders", "List the customer's orders",
      [(200, success("A page of the customer's orders.", "OrderPage"))], [400],
      params=["OrderPage", "CustomerLimit", "StatusFilter"], desc="Newest first.")
route("get", V + "/orders/{id}", "getOrder", "Get one of the customer's orders",
      [(200, success("The order.", "Order"))], [400, 404], params=ORDER_ID,
      desc="404 \"Order not found\", also for another customer's order.")
route("put", V + "/orders/{id}/cancel", "cancelOrder", "Cancel an order",
      [(200, success("The cancelled order.", "Order", "Order cancelled successfully"))],
      [400, 404, 409], "CancelRequest", body_required=False, params=ORDER_ID,
      desc="Only from pending or confirmed, and not after a seller has moved past confirmed "
           "(else 409). Held stock is released, sold stock returned and money paid refunded. "
           "The order comes back with status cancelled, cancelledAt and cancelReason. 503 "
           "when the refund failed after the cancellation was recorded (retry it with POST "
           "/admin/orders/{id}/refund).")
route("post", V + "/orders/{id}/pay", "payOrder", "Pay a pending online or wallet order",
      [(200, success("The order after the payment attempt.", "Order", "Payment processed"))],
      [400, 404, 409, 501], "IgnoredBody", body_required=False,
      params=ORDER_ID + ["IdempotencyKey"],
      desc="For pending online and wallet orders (placed with deferPayment, or whose payment "
           "timed out). A cod order is 400 (field paymentMethod); an order that is not pending "
           "is 409; a reservation that expired first is 409. An approved payment confirms the "
           "order and converts its reservation; a declined one (insufficient wallet balance) "
           "releases the reservation and fails the order: both answer 200 with the order. A "
           "gateway that times out is 503 and the order stays pending. With an Idempotency-Key "
           "(scoped to the order), the same key after its payment settled answers 200 with "
           "the order as it is now, without asking the gateway again; another key on a "
           "settled order is 409.")
# admin orders
route("get", V + "/admin/orders", "adminListOrders", "List orders",
      [(200, success("A page of orders.", "AdminOrderPage"))], [400],
      params=["OrderPage", "AdminLimit", "StatusFilter", "OrderSellerFilter"],
      desc="Newest first.")
route("put", V + "/admin/orders/{id}/status", "adminSetOrderStatus", "Change an order's status",
      [(200, success("The order.", "Order", "Order status updated"))], [404, 409],
      "AdminStatusRequest", params=ORDER_ID,
      desc="Sets the matching timestamp (shippedAt, ...). A move the status machine refuses "
           "is 409 (\"Cannot change order status from pending to shipped\"). Moving to "
           "cancelled behaves as a cancellation (503 when its refund failed).")
route("get", V + "/admin/orders/{id}/sellers/{sellerId}", "adminGetSellerPart",
      "Get one seller's part of an order",
      [(200, success("The seller's part of the order.", "SellerPart"))], [400, 404],
      params=["OrderId", "SellerId"],
      desc="404 \"Order not found\", or \"Seller not found in order\".")
route("put", V + "/admin/orders/{id}/sellers/{sellerId}/status", "adminSetSellerStatus",
      "Change one seller's status",
      [(200, success("The seller's part after the change, with the order's status.",
                     "SellerPartUpdated", "Seller status updated"))],
      [404, 409], "SellerStatusRequest", params=["OrderId", "SellerId"],
      desc="Each seller moves its part through confirmed -> processing -> shipped -> "
           "delivered one step at a time (or stays, to update tracking and notes) while the "
           "order is confirmed, processing or shipped (else 409). The order's status is then "
           "the least advanced of its sellers' statuses. 404 when the order does not exist or "
           "the seller has no part in it.")
route("post", V + "/admin/orders/bulk-status", "adminBulkStatus",
      "Change the status of many orders",
      [(200, success("One result per order.", "BulkResult", "Bulk status update processed"))],
      [], "BulkStatusRequest",
      desc="Each order moves as with PUT /admin/orders/{id}/status; one bad order does not "
           "fail the others: its result has success false and the message. The answer is 200 "
           "whatever the results.")
route("post", V + "/admin/orders/{id}/refund", "adminRefund",
      "Refund an order in full or in part",
      [(200, success("The order after the refund.", "Order", "Refund processed"))],
      [404, 409, 422, 501], "RefundRequest", body_required=False,
      params=ORDER_ID + ["IdempotencyKey"],
      desc="Through the order's payment gateway. More than is left to refund is 400 (field "
           "amount); an order that is not paid is 409; a refund the gateway declines is 422; "
           "a gateway that cannot refund is 501; an outcome the gateway did not report is 503 "
           "(the amount stays counted as refunded). With an Idempotency-Key the refund "
           "happens at most once: the same key and amount again answers 200 with the order "
           "as it is, without refunding again; after a decline the same key may run again; "
           "the key with another amount is 409.")
route("get", V + "/admin/orders/{id}/history", "adminOrderHistory",
      "Every recorded change of an order",
      [(200, success("The order's history.", "History"))], [400, 404], params=ORDER_ID)
route("get", V + "/admin/analytics", "adminAnalytics", "Sales and inventory analytics",
      [(200, success("Analytics for the range.", "Analytics"))], [400], params=["From", "To"])
# outbox (server/routes_outbox.c)
schemas["OutboxCounts"] = full({"pending": NNINT, "dead": NNINT})
schemas["Requeued"] = full({"requeued": NNINT})
schemas["RequeueRequest"] = obj({
    "eventId": opt(idstr("One dead letter to requeue")),
    "limit": opt({"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000},
                 "Without eventId: requeue the oldest N dead letters (1 to 10000, else 400)")})
route("get", V + "/admin/outbox", "adminOutboxCounts", "Outbox counts",
      [(200, success("Events waiting for delivery and dead letters.", "OutboxCounts"))], [])
route("post", V + "/admin/outbox/requeue", "adminOutboxRequeue", "Requeue dead letters",
      [(200, success("How many dead letters went back to pending.", "Requeued",
                     "Dead letters requeued"))], [404, 409], "RequeueRequest",
      body_required=False,
      desc="Moves dead letters back to the pending set once their cause is fixed: each keeps "
           "its event id, gets the configured number of attempts afresh and is due at once. "
           "No body (or {}) moves the oldest 1000. An unknown eventId is 404; an event that "
           "is not a dead letter is 409; eventId not a string of 1 to 128 bytes or limit not "
           "an integer from 1 to 10000 is 400 naming the field.")
# payments (server/routes_payments.c)
schemas["WebhookEvent"] = obj({
    "id": idstr("The gateway's event id"),
    "type": {"type": "string", "minLength": 1, "example": "payment.succeeded",
             "description": "payment.succeeded or payment.failed are applied; any other type "
                            "is acknowledged (200, result ignored) and data is not read"},
    "created": {"type": "integer", "format": "int64", "description": "Unix seconds"},
    "data": obj({
        "paymentId": idstr("The gateway's payment (transaction) id"),
        "orderId": idstr("The order paid"),
        "amount": dict(NNINT, description="Minor units (cents); must equal the order's total "
                                          "(else 422)"),
        "currency": {"type": "string", "minLength": 3, "maxLength": 3, "example": "USD",
                     "description": "Must be the order's currency (else 422)"},
        "failureMessage": opt(STR, "payment.failed: why, recorded in the order's history")},
        ["paymentId", "orderId", "amount", "currency"],
        "Required for payment.succeeded and payment.failed")},
    ["id", "type", "created"])
schemas["WebhookResult"] = full({
    "result": {"type": "string", "enum": ["applied", "duplicate", "ignored", "refunded"],
               "description": "applied: this event settled the order; duplicate: it was "
                              "settled the same way already (nothing written); ignored: an "
                              "unknown type, or an event contradicting a settled order (a "
                              "failure after the payment); refunded: a success for an order "
                              "that had ended, whose money was given back"},
    "eventId": STR,
    "orderId": NSTR,
    "status": dict(NSTR, description="The order's status after the event (null for an "
                                     "unknown type)"),
    "paymentStatus": NSTR})
route("post", V + "/payments/webhook", "paymentWebhook", "The payment gateway's signed callback",
      [(200, success("What the event did; the gateway should stop retrying.", "WebhookResult",
                     "Webhook processed"))],
      [404, 422, 503], "WebhookEvent",
      desc="No JWT or service key: the X-Signature header is the credential, "
           "t=<unix seconds>,v1=<lowercase hex HMAC-SHA256 of \"<t>.<raw body>\" keyed with "
           "--payment-webhook-secret> (several v1 entries allowed, for secret rotation; "
           "one match is enough). The handler checks it after the dispatcher read the body "
           "(so 413, 415 and 400 for JSON that is not an object come first). A missing or "
           "malformed header, a signature that does not "
           "match, or a t more than 300 s from the server's clock is 401, and the message "
           "says which. A malformed event is 400 naming the field; an unknown order 404; an "
           "order not paid online 400 (field paymentMethod); an amount or currency other "
           "than the order's total 422 (nothing changes); 503 \"Payment webhooks are not "
           "configured\" when the server has no secret. payment.succeeded confirms a pending "
           "order as paid (as POST /orders/{id}/pay would; racing it, the order is confirmed "
           "once); payment.failed fails it and releases its stock. Rate limited per client "
           "address like the admin routes. See docs/integrations.md, \"Payment webhooks\".")
# catalog
route("post", V + "/admin/products", "adminCreateProduct", "Create a product",
      [(201, success("The product (and its stock when the body set it).", "ProductStored",
                     "Product created"))], [409, 422], "ProductCreateRequest",
      params=["IdempotencyKey"],
      desc="409 when the id exists; an unknown currency is 422; a price with more decimals "
           "than the currency has is 400. With an Idempotency-Key, sending the same product "
           "again (a retry) answers 201 with the product and its stock as they are now, and "
           "does not set the stock again; another product under that id is still 409. Should "
           "setting the stock fail after the product was stored (5xx), send the same body to "
           "PUT /admin/products/{id}.")
route("get", V + "/admin/products", "adminListProducts", "List products",
      [(200, success("A page of products.", "ProductPage"))], [400],
      params=["ProductSellerFilter", "ProductPage", "ProductLimit"], desc="By id.")
route("put", V + "/admin/products/{id}", "adminPutProduct", "Create or replace a product",
      [(200, success("The replaced product (and its stock when the body set it).",
                     "ProductStored", "Product updated")),
       (201, success("The created product (and its stock when the body set it).",
                     "ProductStored", "Product created"))],
      [422], "ProductPutRequest", params=["ProductIdPath"],
      desc="201 when the product did not exist, 200 when it was replaced (createdAt is kept). "
           "A body id other than the path's is 400; an unknown currency is 422; a price with "
           "more decimals than the currency has is 400.")
route("get", V + "/admin/products/{id}", "adminGetProduct", "Get a product",
      [(200, success("The product.", "Product"))], [400, 404], params=["ProductIdPath"],
      desc="404 \"Product not found\".")
# inventory
route("post", V + "/inventory/check", "inventoryCheck", "Check availability",
      [(200, success("Availability per line.", "InventoryCheck"))], [422], "InventoryCheckRequest",
      desc="Unknown products count as 0 available. 1 to 100 items; more than 50 is 422.")
route("post", V + "/inventory/reserve", "inventoryReserve", "Reserve stock for an order",
      [(201, success("The reservation.", "Reservation", "Inventory reserved"))],
      [404, 409, 422, 501], "ReserveRequest",
      desc="All items or none: a short product is 422 (\"Insufficient stock for P: available "
           "1, requested 5\"), an unknown one 404 (\"product P not found\"). The same request "
           "again (same orderId, customer and lines: a retry) answers 201 with the first "
           "reservation as it is now and holds nothing more; other lines for the same orderId "
           "are 409. 501 when stock is held by a remote catalog.")
route("post", V + "/inventory/release", "inventoryRelease", "Release an order's reservation",
      [(200, success("Released (no data).", None, "Inventory released"))], [404, 409],
      "OrderIdRequest",
      desc="404 \"Reservation not found\"; 409 when it is no longer active. A pending order "
           "holding the reservation is cancelled.")
route("post", V + "/inventory/confirm", "inventoryConfirm", "Convert a reservation into a sale",
      [(200, success("Confirmed (no data).", None, "Inventory confirmed"))], [404, 409],
      "OrderIdRequest",
      desc="A pending order with that id becomes confirmed (its payment status is left as it "
           "is). 404 \"Reservation not found\"; 409 when it is no longer active or its "
           "deadline has passed.")
STOCK_OK = "The product's stock levels."
route("get", V + "/inventory/stock/{productId}", "getStock", "Get a product's stock",
      [(200, success(STOCK_OK, "Stock"))], [400, 404], params=["StockProductId"],
      desc="404 \"Product not found\".")
route("put", V + "/inventory/stock/{productId}", "setStock", "Set the available count",
      [(200, success(STOCK_OK, "Stock", "Stock updated"))], [404, 422], "StockSetRequest",
      params=["StockProductId"],
      desc="404 \"Product not found\"; 422 when a count would overflow.")
route("post", V + "/inventory/stock/{productId}/adjust", "adjustStock",
      "Add or remove available units",
      [(200, success(STOCK_OK, "Stock", "Stock adjusted"))], [404, 409, 422],
      "StockAdjustRequest", params=["StockProductId"],
      desc="Never below zero (409); delta 0 is 400; 422 when a count would overflow.")
# ops
DEGRADED = {"description": "The store did not answer: the load balancer should take the "
                           "server out. The error envelope carries the health data anyway "
                           "(status degraded, store.status down, outbox counts null). While "
                           "the server shuts down: the plain error envelope.",
            "content": {"application/json": {"schema": {"anyOf": [full({
                "success": {"type": "boolean", "enum": [False]},
                "message": {"type": "string",
                            "enum": ["Service degraded: the store does not answer"]},
                "data": sref("Health")}), sref("Error")]}}}}
route("get", "/health", "health", "Liveness and dependencies",
      [(200, success("Liveness and the state of each dependency (status ok, store up).",
                     "Health")), (503, DEGRADED)], [],
      desc="Reads the store's operational counts; their answer time is store.latencyMs.")
route("get", "/metrics", "metrics", "Prometheus metrics",
      [(200, {"description": "Prometheus text exposition format 0.0.4 (see docs/server.md)",
              "content": {"text/plain; version=0.0.4; charset=utf-8": {
                  "schema": {"type": "string"}}}})], [])
route("get", "/openapi.json", "openapi", "This document",
      [(200, {"description": "The OpenAPI 3.0.3 document of every route",
              "content": {"application/json": {"schema": {"type": "object"}}}})], [])

DESCRIPTION = """\
REST API of orders-server (liborders). Every API route is under /api/v1; /health,
/metrics and /openapi.json are at the top level.

Customer routes take `Authorization: Bearer <JWT>` (HS256, or RS256 when the server is
given a public key); the customer id is the token's `id` claim, else `sub`. Admin
(/api/v1/admin/*) and inventory (/api/v1/inventory/*) routes take `X-Service-Key`.
POST /api/v1/payments/webhook takes the payment gateway's `X-Signature` (an HMAC of the
body). Missing or wrong credentials: 401.

Success envelope: {"success": true, "message": "...", "data": ...} (message and data only
where the route has them; each response below lists them). Error envelope:
{"success": false, "message": "...", "errors": [{"field", "message"}]} (errors only on a
400 that names a field). Amounts are JSON numbers in major units; times are ISO-8601 UTC
with milliseconds, or null. A 5xx never carries details: "Internal server error", or
"Service temporarily unavailable" for 503.

Requests are checked in this order: route (404 "Route not found" for an unknown path;
405 "Method not allowed" with an Allow header for a known path and another method),
credentials (401), rate limit (429), body (413, 415, 400), then the route itself. HEAD
is answered on every GET route, as the GET without its body. Routes that take a body read
a missing or empty one as {}; a non-empty body needs Content-Type application/json (415),
at most 64 KiB (413), all its Content-Length bytes (400 "Incomplete request body"), valid
JSON (400 "Malformed JSON: ...") and an object (400). Unknown body members are ignored.
Every answer has Cache-Control: no-store. A request CivetWeb cannot parse (an unknown HTTP
method, for one) gets CivetWeb's own plain-text 400. After SIGTERM the server lets the
requests in flight finish (10 s at most) and answers new ones 503 "Server is shutting
down" with Connection: close.

Rate limits (429 with Retry-After, in seconds): customer routes per customer id (default
100 per 15 minutes), admin routes and the payment webhook per client address (default
1000 per 15 minutes); inventory and operations routes are not limited. Both limits are configurable."""

TAGS = [("Cart", "The customer's cart (JWT)"), ("Orders", "The customer's orders (JWT)"),
        ("Admin", "Order administration (service key)"),
        ("Catalog", "Products of the embedded catalog (service key)"),
        ("Inventory", "Stock and reservations (service key)"),
        ("Payments", "The payment gateway's callbacks (X-Signature)"),
        ("Operations", "Health, metrics and this document (no auth)")]
doc = {
    "openapi": "3.0.3",
    "info": {"title": "orders-server", "version": "0.1.0", "description": DESCRIPTION},
    "servers": [{"url": "http://127.0.0.1:3005", "description": "Default local server"}],
    "tags": [{"name": n, "description": d} for n, d in TAGS],
    "paths": paths,
    "components": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "serviceKey": {"type": "apiKey", "in": "header", "name": "X-Service-Key"},
            "webhookSignature": {"type": "apiKey", "in": "header", "name": "X-Signature",
                                 "description": "t=<unix s>,v1=<hex HMAC-SHA256(secret, "
                                                "\"<t>.<raw body>\")>"},
        },
        "headers": {"RetryAfter": {"description": "Seconds until the client's window ends",
                                   "schema": {"type": "integer", "minimum": 1}}},
        "parameters": parameters,
        "schemas": schemas,
        "responses": responses,
    },
}

out = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
if len(sys.argv) > 1:
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        f.write(out)
else:
    sys.stdout.write(out)
