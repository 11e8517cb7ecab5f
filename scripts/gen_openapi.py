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
always present; unset ones are null).

The parts live in scripts/openapi/: common.py (helpers), components.py
(schemas, responses, parameters) and routes.py (paths); this file adds the
description, tags and security schemes and writes the document."""
import json
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the sources
from openapi.components import parameters, responses, schemas  # noqa: E402
from openapi.routes import paths  # noqa: E402

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
