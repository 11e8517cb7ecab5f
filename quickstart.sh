#!/usr/bin/env bash
# ./quickstart.sh - installs what is missing (apt-get, with sudo when not
# root), builds the release configuration, and runs orders-server on the
# embedded SQLite store (build/orders.db) with the demo catalog, on
# 127.0.0.1:3005 (ORDERS_PORT changes it).  Ctrl-C stops it cleanly.
#
# Development credentials are made once and kept in build/dev-credentials
# (a random JWT secret and service key), unless ORDERS_JWT_SECRET and
# ORDERS_SERVICE_KEY are set.  Before the server starts, this prints how to
# mint a customer token and place an order with curl.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

scripts/deps.sh
scripts/build.sh release

exe=build/release/server/orders-server
if [[ ! -x "$exe" ]]; then
    echo "quickstart: $exe was not built (are libcivetweb-dev and libjwt-dev installed?)" >&2
    exit 1
fi

creds=build/dev-credentials
if [[ ! -f "$creds" ]]; then
    umask 077
    {
        echo "ORDERS_JWT_SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
        echo "ORDERS_SERVICE_KEY=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    } >"$creds"
fi
# shellcheck disable=SC1090
source "$creds"
export ORDERS_JWT_SECRET="${ORDERS_JWT_SECRET}" ORDERS_SERVICE_KEY="${ORDERS_SERVICE_KEY}"
export ORDERS_STORE="${ORDERS_STORE:-sqlite:build/orders.db}"
export ORDERS_DEMO_CATALOG=1
port="${ORDERS_PORT:-3005}"
base="http://127.0.0.1:$port/api/v1"

cat <<MSG

orders-server: store $ORDERS_STORE, demo catalog (prod-mug, prod-pen, prod-keyboard, ...).
Credentials: $creds (JWT secret and service key for development only).

In another terminal, from $(pwd):
  source $creds && export ORDERS_JWT_SECRET
  TOKEN=\$($exe token --customer alice --name "Alice" --email alice@example.com)
  curl -s -X POST $base/cart/add -H "Authorization: Bearer \$TOKEN" \\
       -H 'Content-Type: application/json' -d '{"productId":"prod-mug","quantity":2}'
  curl -s -X POST $base/orders/place -H "Authorization: Bearer \$TOKEN" \\
       -H 'Content-Type: application/json' \\
       -d '{"shippingAddress":{"addressLine1":"1 Main St","city":"Springfield","state":"IL","country":"US","postalCode":"62701"},"paymentMethod":"cod"}'
  curl -s $base/orders -H "Authorization: Bearer \$TOKEN"
  curl -s $base/admin/orders -H "X-Service-Key: \$ORDERS_SERVICE_KEY"
  curl -s http://127.0.0.1:$port/health

MSG
exec "$exe" --port "$port"
