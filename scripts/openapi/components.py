"""components: schemas, responses and parameters of docs/openapi.json.

Schemas are inserted in document order; routes.py appends the few that
belong next to their routes (outbox, payments)."""
from .common import (AMOUNT, BOOL, ID_MAX, INT32_MAX, NNINT, NSTR, POSINT, STR, TIME, arr,
                     full, idstr, obj, opt, ref, sref)

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

