#!/usr/bin/env bash
# bench/http/run.sh - the HTTP benchmark of orders-server (README.md here).
#
# usage: bench/http/run.sh [BUILD_DIR]     (default: build/release)
#
# Builds nothing: BUILD_DIR must hold server/orders-server and
# bench/orders-ping, bench/orders-loadgen, bench/orders-bench.  Needs wrk,
# curl and jq.  Everything listens on 127.0.0.1 only; every run and every
# wait is bounded in time.  Knobs (environment):
#   BENCH_DURATION=5        seconds per run (checkout runs twice as long)
#   BENCH_CONNECTIONS=64    loadgen connections (cart-add, checkout, place)
#   BENCH_PLACE_ROUNDS=32   carts each place connection fills, then places
#   BENCH_WRK_CONNECTIONS=32
#   BENCH_SQLITE_COMMITS=2000   raw SQLite commits for the placement ceiling
#   BENCH_SERVER_THREADS=64     CivetWeb workers, for both servers
#   BENCH_STRICT=1          exit 1 when a target is missed
#   BENCH_SERVER_BIN=PATH   another orders-server binary than BUILD_DIR's
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build/release}
[[ -d $build ]] || build=$root/$build
build=$(cd "$build" && pwd)

duration=${BENCH_DURATION:-5}
conns=${BENCH_CONNECTIONS:-64}
wrk_conns=${BENCH_WRK_CONNECTIONS:-32}
commits=${BENCH_SQLITE_COMMITS:-2000}
threads=${BENCH_SERVER_THREADS:-64}
rounds=${BENCH_PLACE_ROUNDS:-32}
secret=bench-jwt-secret-$$
service_key=bench-service-key-$$

server_bin=${BENCH_SERVER_BIN:-$build/server/orders-server}
ping_bin=$build/bench/orders-ping
loadgen_bin=$build/bench/orders-loadgen
obench_bin=$build/bench/orders-bench
for f in "$server_bin" "$ping_bin" "$loadgen_bin" "$obench_bin"; do
    [[ -x $f ]] || { echo "run.sh: missing $f (build it first)" >&2; exit 1; }
done
for t in wrk curl jq; do
    command -v "$t" >/dev/null || { echo "run.sh: needs $t" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/orders-http-bench.XXXXXX)
server_pid=
ping_pid=
express_pid=

# stop_pid PID: SIGTERM, up to 10 s to exit, then SIGKILL.
stop_pid() {
    local pid=$1 i
    [[ -n $pid ]] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    stop_pid "$server_pid"
    stop_pid "$ping_pid"
    stop_pid "$express_pid"
    rm -rf "$tmp"
}
trap cleanup EXIT

# wait_port FILE PREFIX: the port from the line "PREFIX 127.0.0.1:PORT" in
# FILE, waiting up to 10 s.
wait_port() {
    local file=$1 prefix=$2 i port
    for ((i = 0; i < 100; i++)); do
        port=$(sed -n "s/^$prefix 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p" "$file" 2>/dev/null | head -1)
        if [[ -n $port ]]; then
            echo "$port"
            return 0
        fi
        sleep 0.1
    done
    echo "run.sh: no '$prefix' line in $file:" >&2
    cat "$file" "$file.err" >&2 2>/dev/null || true
    return 1
}

# field LINE NAME: the value of NAME=value in LINE.
field() {
    sed -n "s/.*[[:space:]]$2=\([^[:space:]]*\).*/\1/p" <<<" $1"
}

# ---- servers -------------------------------------------------------------------------------
"$ping_bin" --port 0 --listen 127.0.0.1 --threads "$threads" >"$tmp/ping.out" 2>"$tmp/ping.out.err" &
ping_pid=$!
ping_port=$(wait_port "$tmp/ping.out" "ping listening on")

"$server_bin" --port 0 --listen 127.0.0.1 --store "sqlite:$tmp/orders.db" \
    --jwt-secret "$secret" --service-key "$service_key" \
    --rate-limit-customer 0 --rate-limit-admin 0 --demo-catalog --threads "$threads" \
    --log "$tmp/requests.log" --events-log "$tmp/events.log" \
    >"$tmp/server.out" 2>"$tmp/server.out.err" &
server_pid=$!
port=$(wait_port "$tmp/server.out" "orders-server listening on")
base=http://127.0.0.1:$port
echo "== ping on 127.0.0.1:$ping_port, orders-server on 127.0.0.1:$port (store $tmp/orders.db)"

# api METHOD PATH [BODY] [HEADER...]: prints the body, returns 1 unless 2xx.
api() {
    local method=$1 path=$2 body=${3:-} code
    shift 3 || shift $#
    local args=(-s -o "$tmp/api.body" -w '%{http_code}' --max-time 10 -X "$method")
    for h in "$@"; do args+=(-H "$h"); done
    [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data "$body")
    code=$(curl "${args[@]}" "$base$path") || code=000
    cat "$tmp/api.body"
    [[ $code == 2* ]]
}

# ---- products with stock for every checkout of the run -----------------------------------
# Own products through the admin API; when the server cannot create them,
# the demo catalog's products with their stock raised (or as they are).
products=()
for i in 1 2 3 4 5 6; do
    id=bench-p$i
    body=$(jq -cn --arg id "$id" --arg s "bench-seller-$((i % 3 + 1))" \
        '{id: $id, sellerId: $s, name: ("Bench product " + $id), image: "", price: 9.99,
          currency: "USD", stock: 100000000, active: true}')
    if api PUT "/api/v1/admin/products/$id" "$body" "X-Service-Key: $service_key" >/dev/null; then
        products+=("$id")
    fi
done
if ((${#products[@]} < 3)); then
    echo "run.sh: cannot create products through /admin/products; using the demo catalog" >&2
    products=(prod-notebook prod-mug prod-mouse prod-beans prod-keyboard)
    for id in "${products[@]}"; do
        api PUT "/api/v1/inventory/stock/$id" '{"available":100000000}' \
            "X-Service-Key: $service_key" >/dev/null ||
            echo "run.sh: could not raise the stock of $id; checkouts may run out" >&2
    done
fi
product_args=()
for id in "${products[@]}"; do product_args+=(--product "$id"); done

# ---- one order to read back -------------------------------------------------------------------
get_token=$(ORDERS_JWT_SECRET=$secret "$server_bin" token --customer bench-reader \
    --name "Bench Reader" --email bench-reader@bench.example)
auth="Authorization: Bearer $get_token"
add_body=$(jq -cn --arg id "${products[0]}" '{productId: $id, quantity: 2}')
api POST /api/v1/cart/add "$add_body" "$auth" >/dev/null ||
    { echo "run.sh: cart/add failed: $(cat "$tmp/api.body")" >&2; exit 1; }
place_body='{"shippingAddress":{"addressLine1":"1 Bench Street","city":"Loadville","state":"LB","country":"US","postalCode":"10001"},"paymentMethod":"cod"}'
order_id=$(api POST /api/v1/orders/place "$place_body" "$auth" | jq -r '.data.id // empty') || true
[[ -n $order_id ]] || { echo "run.sh: orders/place failed: $(cat "$tmp/api.body")" >&2; exit 1; }
echo "== order $order_id placed for GET /api/v1/orders/:id"

# settle NAME: waits (up to 60 s) until the server has delivered its outbox
# backlog, then flushes the page cache to disk and rests a second, so that
# the raw commit rate and the run after it start on an idle server and a
# quiet disk (a write run leaves thousands of events to deliver, each
# dispatch a commit, and megabytes of WAL being written back).  Prints how
# long it waited.
settle() {
    local i pending=unknown started=$SECONDS
    for ((i = 0; i < 600; i++)); do
        pending=$(curl -s --max-time 5 "$base/metrics" |
            sed -n 's/^orders_outbox_pending \([0-9][0-9]*\)$/\1/p')
        [[ $pending == 0 ]] && break
        sleep 0.1
    done
    sync
    sleep 1
    echo "== settled before $1: outbox pending $pending, waited $((SECONDS - started)) s"
}

# ---- the runs: each one's output shows and is kept in $tmp/NAME.out ----------------------------
run_wrk() { # NAME URL [TOKEN]
    BENCH_TOKEN=${3:-} wrk -t2 -c"$wrk_conns" -d"${duration}s" --timeout 10s \
        -s "$here/get.lua" "$2" | tee "$tmp/$1.out"
}
run_loadgen() { # NAME PORT ARGS...
    local name=$1 p=$2
    shift 2
    "$loadgen_bin" --port "$p" -t 2 -n 10000000 "$@" | tee "$tmp/$name.out"
}

echo "== ping ceiling (wrk -t2 -c$wrk_conns -d${duration}s)"
run_wrk ping-wrk "http://127.0.0.1:$ping_port/ping"
# The Express ceiling: express from npm in a folder of its own (removed
# with $tmp), a hello world on 127.0.0.1, measured as ping is.  Skipped,
# with a note, when node or npm is missing or the install fails.
express_line=
if command -v node >/dev/null && command -v npm >/dev/null &&
    mkdir -p "$tmp/express" && (cd "$tmp/express" && npm init -y >/dev/null &&
        timeout 180 npm install --no-audit --no-fund express >"$tmp/express/npm.log" 2>&1); then
    cat >"$tmp/express/hello.js" <<'JS'
const app = require('express')();
app.get('/', (req, res) => res.send('Hello World!'));
const s = app.listen(0, '127.0.0.1', () => console.log('express listening on 127.0.0.1:' + s.address().port));
process.on('SIGTERM', () => process.exit(0));
JS
    node "$tmp/express/hello.js" >"$tmp/express-server.out" 2>"$tmp/express-server.out.err" &
    express_pid=$!
    express_port=$(wait_port "$tmp/express-server.out" "express listening on")
    echo "== Express $(cd "$tmp/express" && node -p 'require("express/package.json").version') hello world (wrk -t2 -c$wrk_conns -d${duration}s)"
    run_wrk express "http://127.0.0.1:$express_port/"
    express_line=$(grep '^WRK ' "$tmp/express.out" || true)
    stop_pid "$express_pid"
    express_pid=
else
    echo "== Express hello world skipped (no node/npm, or npm install express failed)"
fi
echo "== ping ceiling (orders-loadgen get, $conns connections)"
run_loadgen ping-lg "$ping_port" -c "$conns" -d "$duration" --path /ping
echo "== GET /api/v1/orders/:id (wrk -t2 -c$wrk_conns -d${duration}s)"
run_wrk get-order "$base/api/v1/orders/$order_id" "$get_token"
echo "== POST /api/v1/cart/add (orders-loadgen cart-add, $conns connections)"
run_loadgen cart "$port" --mode cart-add -c "$conns" -d "$duration" --clear-every 10 \
    --mint "$server_bin" --jwt-secret "$secret" --customer-prefix "bench-cart-$$" "${product_args[@]}"
# the placement ceiling: raw SQLite commits, with both servers idle, just
# before the checkout run (the disk is shared and its speed drifts)
settle checkout
echo "== sqlite raw commit rate ($commits commits, WAL, synchronous=FULL)"
"$obench_bin" --sqlite-raw-only --sqlite-orders "$commits" | tee "$tmp/raw.out"
echo "== checkout: 3 adds + place (orders-loadgen checkout, $conns connections)"
run_loadgen checkout "$port" --mode checkout -c "$conns" -d "$((duration * 2))" \
    --mint "$server_bin" --jwt-secret "$secret" --customer-prefix "bench-checkout-$$" \
    "${product_args[@]}"
kill -0 "$server_pid" 2>/dev/null || { echo "run.sh: orders-server died" >&2; exit 1; }
echo "== sqlite raw commit rate again, after the checkout run"
"$obench_bin" --sqlite-raw-only --sqlite-orders "$commits" | tee "$tmp/raw-after.out"

# ---- placement only: conns x rounds customers fill their carts (untimed), then
# only the placements are timed.  The tokens are minted once, for both phases.
place_customers=$((conns * rounds))
echo "== placement only: minting $place_customers customer tokens"
: >"$tmp/place-tokens"
for ((i = 0; i < place_customers; i++)); do
    ORDERS_JWT_SECRET=$secret "$server_bin" token --customer "bench-place-$$-$i" \
        --name "Bench Customer $i" --email "bench-place-$$-$i@bench.example" >>"$tmp/place-tokens"
done
place_args=(--mode place -c "$conns" --rounds "$rounds" --tokens "$tmp/place-tokens" "${product_args[@]}")
echo "== placement only, untimed fill: $place_customers carts of 3 products ($conns connections)"
run_loadgen place-fill "$port" "${place_args[@]}" --phase fill
settle placements
echo "== sqlite raw commit rate, just before the placements"
"$obench_bin" --sqlite-raw-only --sqlite-orders "$commits" | tee "$tmp/raw-place.out"
echo "== placement only, timed: each of $conns connections places its $rounds carts in turn"
run_loadgen place "$port" "${place_args[@]}" --phase place -d "$((duration * 2))"
kill -0 "$server_pid" 2>/dev/null || { echo "run.sh: orders-server died" >&2; exit 1; }
echo "== sqlite raw commit rate again, after the placements"
"$obench_bin" --sqlite-raw-only --sqlite-orders "$commits" | tee "$tmp/raw-place-after.out"

ping_wrk=$(grep '^WRK ' "$tmp/ping-wrk.out")
ping_lg=$(grep '^get ' "$tmp/ping-lg.out")
get_wrk=$(grep '^WRK ' "$tmp/get-order.out")
cart_line=$(grep '^cart-add ' "$tmp/cart.out")
place_line=$(grep '^place ' "$tmp/checkout.out")
checkout_total=$(grep '^total ' "$tmp/checkout.out")
placed_rate=$(field "$(grep '^checkout ' "$tmp/checkout.out")" placed_per_s)
fill_line=$(grep '^fill ' "$tmp/place-fill.out")
place_only_line=$(grep '^place ' "$tmp/place.out")
place_only_rate=$(field "$(grep '^placement ' "$tmp/place.out")" placed_per_s)
# a failed add of the untimed fill counts against the placement row too
place_only_errors=$(($(field "$place_only_line" errors) + $(field "$fill_line" errors)))
# raw_figure FILE FIELD: commits/s (rate) or p99 in ms (p99) of a raw line.
raw_figure() {
    local line
    line=$(grep '^sqlite raw:' "$1")
    case $2 in
    rate) sed -n 's/.* \([0-9][0-9]*\) commits\/s.*/\1/p' <<<"$line" ;;
    p99) awk -v us="$(sed -n 's/.*p99=\([0-9.]*\) us.*/\1/p' <<<"$line")" \
        'BEGIN{printf "%.3f", us/1000}' ;;
    esac
}
# faster_raw BEFORE_FILE AFTER_FILE: "RATE P99_MS" of the faster of the two.
faster_raw() {
    local a b
    a=$(raw_figure "$1" rate) b=$(raw_figure "$2" rate)
    if ((a >= b)); then
        echo "$a $(raw_figure "$1" p99)"
    else
        echo "$b $(raw_figure "$2" p99)"
    fi
}
# A placement ceiling is the faster of the raw measurements around its run.
raw_before=$(raw_figure "$tmp/raw.out" rate)
raw_after=$(raw_figure "$tmp/raw-after.out" rate)
read -r raw_rate raw_p99_ms < <(faster_raw "$tmp/raw.out" "$tmp/raw-after.out")
raw_place_before=$(raw_figure "$tmp/raw-place.out" rate)
raw_place_after=$(raw_figure "$tmp/raw-place-after.out" rate)
read -r raw_place_rate raw_place_p99_ms < <(faster_raw "$tmp/raw-place.out" "$tmp/raw-place-after.out")

# ---- the table -----------------------------------------------------------------------------------

missed=0
print_row() { printf '%-36s %10s %9s %7s   %-18s %6s  %s\n' "$@"; }
# row NAME RPS P99 ERRORS CEILING_NAME CEILING_RPS [TARGET_RATIO]
# A target is met only when the ratio reaches it and the run had no errors.
row() {
    local ratio verdict=""
    ratio=$(awk -v a="$2" -v b="$6" 'BEGIN{ if (a != "" && b > 0) printf "%.2f", a/b; else printf "-" }')
    if [[ -n ${7:-} ]]; then
        # compared unrounded: 3,939 against 3,941 prints 1.00 but misses
        if [[ ${4:-1} == 0 ]] &&
            awk -v a="$2" -v b="$6" -v t="$7" 'BEGIN{ exit !(a != "" && b > 0 && a >= t * b) }'; then
            verdict="ok (>= $7)"
        else
            verdict="MISSED (>= $7 with no errors)"
            missed=1
        fi
    fi
    print_row "$1" "${2:--}" "${3:--}" "${4:--}" "$5" "$ratio" "$verdict"
}
echo
echo "orders-server HTTP benchmark: $(nproc) cores, load generator on the same machine," \
    "server threads $threads, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
print_row name req/s "p99 ms" errors ceiling ratio target
row "ping (wrk)" "$(field "$ping_wrk" rps)" "$(field "$ping_wrk" p99_ms)" \
    "$(field "$ping_wrk" errors)" "-" 0
if [[ -n $express_line ]]; then
    row "Express hello world (wrk)" "$(field "$express_line" rps)" "$(field "$express_line" p99_ms)" \
        "$(field "$express_line" errors)" "ping (wrk)" "$(field "$ping_wrk" rps)"
fi
row "ping (loadgen)" "$(field "$ping_lg" rps)" "$(field "$ping_lg" p99_ms)" \
    "$(field "$ping_lg" errors)" "-" 0
row "GET /orders/:id (wrk)" "$(field "$get_wrk" rps)" "$(field "$get_wrk" p99_ms)" \
    "$(field "$get_wrk" errors)" "ping (wrk)" "$(field "$ping_wrk" rps)" 0.6
row "POST /cart/add (loadgen)" "$(field "$cart_line" rps)" "$(field "$cart_line" p99_ms)" \
    "$(field "$cart_line" errors)" "ping (loadgen)" "$(field "$ping_lg" rps)"
row "checkout: placements (201)" "$placed_rate" "$(field "$place_line" p99_ms)" \
    "$(field "$place_line" errors)" "sqlite raw commit" "$raw_rate" 1.0
# every checkout request (add, place, clear) is a write transaction
row "checkout: all requests (writes)" "$(field "$checkout_total" rps)" "-" \
    "$(field "$checkout_total" errors)" "sqlite raw commit" "$raw_rate"
row "placement only (carts filled first)" "$place_only_rate" "$(field "$place_only_line" p99_ms)" \
    "$place_only_errors" "sqlite raw (place)" "$raw_place_rate" 1.0
row "sqlite raw commit (orders-bench)" "$raw_rate" "${raw_p99_ms:--}" 0 "-" 0
row "sqlite raw (place) (orders-bench)" "$raw_place_rate" "${raw_place_p99_ms:--}" 0 "-" 0
echo "(sqlite raw commit: the faster of $raw_before/s before and $raw_after/s after the checkout run)"
echo "(sqlite raw (place): the faster of $raw_place_before/s before and $raw_place_after/s after" \
    "the placements; $place_customers placements, $rounds per connection)"
echo "(cart/add req/s counts adds only; its clears every 10 adds are in the loadgen report above)"
if [[ ${BENCH_STRICT:-0} == 1 && $missed == 1 ]]; then
    exit 1
fi
