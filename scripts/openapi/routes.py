"""paths: every route of orders-server, with its access level, body and statuses."""
from .common import NNINT, NSTR, STR, full, idstr, obj, opt, ref, sref
from .components import pref, schemas, success

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
