#!/usr/bin/env bash
# bench/growth/run.sh - how orders-server on SQLite behaves as the store
# grows (docs/performance.md, "Growth").
#
# usage: bench/growth/run.sh [--quick] [--sizes "1000 100000 1000000"]
#                            [--keep DIR] [BUILD_DIR]       (default build/release)
#
# For each size N, ascending, on one SQLite file per size:
#   1. seeding: orders-growth-seed brings the file to N real orders through
#      the library (3-line carts filled and placed with cash on delivery,
#      64 products of 8 sellers, N/10 customers; synchronous=normal while
#      seeding only), then delivers the file's outbox, as a server would
#      have over time.  Size N starts from a copy of the previous size's file.
#   2. orders-server starts on the file (synchronous=FULL, the default) and,
#      one after the other, each under GROWTH_CONNECTIONS keep-alive
#      connections for GROWTH_DURATION seconds (orders-loadgen):
#        place      POST /orders/place, carts filled first (untimed)
#        seller p1  GET /admin/orders?sellerId=gs3 (first page of 20)
#        seller deep  the same, the page in the middle of that seller's orders
#        customer   GET /orders of customer gc-7 (a customer with ~10 orders)
#   3. the server's VmRSS and VmHWM (/proc/PID/status) after those runs.
# Then one table, and the targets: p99 at the largest size at most 1.5x
# p99 at the smallest, RSS under 64 MB.  Timing never fails the script;
# errors, a dead server or a failed seeding do.
#
# --quick: sizes 1000 and 10000, 2 s per run, 8 carts a connection (CI: under 90 s).
# --keep DIR: keep the files in DIR (orders-N.db) and reuse them next time.
# Knobs: GROWTH_DURATION=5, GROWTH_CONNECTIONS=8, GROWTH_ROUNDS (carts per
# place connection; 16), GROWTH_SEED_THREADS=4 (threads placing while
# seeding).  Needs curl and jq; listens on 127.0.0.1 only; every run and
# wait is bounded in time.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
sizes="1000 100000 1000000"
rounds=
duration=${GROWTH_DURATION:-5}
keep=
build=build/release
while (($#)); do
    case $1 in
    --quick) sizes="1000 10000" duration=${GROWTH_DURATION:-2} rounds=${GROWTH_ROUNDS:-8} ;;
    --sizes) sizes=$2; shift ;;
    --keep) keep=$2; shift ;;
    -*) echo "usage: run.sh [--quick] [--sizes \"N...\"] [--keep DIR] [BUILD_DIR]" >&2; exit 2 ;;
    *) build=$1 ;;
    esac
    shift
done
[[ -d $build ]] || build=$root/$build
build=$(cd "$build" && pwd)
conns=${GROWTH_CONNECTIONS:-8}
rounds=${rounds:-${GROWTH_ROUNDS:-16}}
seed_threads=${GROWTH_SEED_THREADS:-4}
secret=growth-jwt-secret-$$
service_key=growth-service-key-$$

server_bin=$build/server/orders-server
seed_bin=$build/bench/orders-growth-seed
loadgen_bin=$build/bench/orders-loadgen
for f in "$server_bin" "$seed_bin" "$loadgen_bin"; do
    [[ -x $f ]] || { echo "growth: missing $f (build it first)" >&2; exit 1; }
done
for t in curl jq; do
    command -v "$t" >/dev/null || { echo "growth: needs $t" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/orders-growth.XXXXXX)
dbdir=${keep:-$tmp}
mkdir -p "$dbdir"
server_pid=

stop_server() {
    local i
    [[ -n $server_pid ]] || return 0
    kill -TERM "$server_pid" 2>/dev/null || { server_pid=; return 0; }
    for ((i = 0; i < 100; i++)); do
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
}
cleanup() {
    stop_server
    rm -rf "$tmp"
}
trap cleanup EXIT

# field LINE NAME: the value of NAME=value in LINE.
field() {
    sed -n "s/.*[[:space:]]$2=\([^[:space:]]*\).*/\1/p" <<<" $1"
}

# seed N: sets db to the file orders-N.db, holding at least N orders (no
# subshell: prev_db carries over to the next size).
prev_db=
db=
seed() {
    local n=$1
    db=$dbdir/orders-$1.db
    if [[ ! -e $db && -n $prev_db ]]; then
        cp "$prev_db" "$db"
    fi
    "$seed_bin" --store "sqlite:$db?synchronous=normal" --orders "$n" \
        --threads "$seed_threads" >"$tmp/seed-$n.out" ||
        { echo "growth: seeding $n failed: $(cat "$tmp/seed-$n.out")" >&2; return 1; }
    echo "== seeding $n: $(cat "$tmp/seed-$n.out")" >&2
    prev_db=$db
}

# start_server DB: sets server_pid and port (no subshell: cleanup must see the pid)
start_server() {
    local i
    port=
    "$server_bin" --port 0 --listen 127.0.0.1 --store "sqlite:$1" \
        --jwt-secret "$secret" --service-key "$service_key" \
        --rate-limit-customer 0 --rate-limit-admin 0 --log "$tmp/requests.log" \
        --events-log "$tmp/events.log" >"$tmp/server.out" 2>"$tmp/server.err" &
    server_pid=$!
    for ((i = 0; i < 300; i++)); do
        port=$(sed -n 's/^orders-server listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' \
            "$tmp/server.out" | head -1)
        [[ -n $port ]] && break
        sleep 0.1
    done
    [[ -n $port ]] || { echo "growth: server did not start:" >&2; cat "$tmp/server.err" >&2; return 1; }
}

# loadgen NAME PORT ARGS...: one run; its summary line of KIND goes to NAME.out
loadgen() {
    local name=$1 port=$2
    shift 2
    "$loadgen_bin" --port "$port" -t 2 -c "$conns" -n 10000000 -d "$duration" "$@" \
        >"$tmp/$name.out" 2>&1 || { echo "growth: $name run failed:" >&2; cat "$tmp/$name.out" >&2; return 1; }
}

# measure N DB: sets result to "N place_p50 place_p99 p1_p99 deep_p99 cust_p99 rss hwm
# errors" and the request rates
port=
result=
measure() {
    local n=$1 db=$2 base total deep token errors=0 k
    start_server "$db"
    base=http://127.0.0.1:$port
    total=$(curl -s --max-time 30 -H "X-Service-Key: $service_key" \
        "$base/api/v1/admin/orders?sellerId=gs3&limit=20" | jq -r '.data.pagination.total // empty')
    [[ $total =~ ^[0-9]+$ ]] || { echo "growth: cannot read seller gs3's order count" >&2; return 1; }
    deep=$((total / 20 / 2 + 1))
    token=$(ORDERS_JWT_SECRET=$secret "$server_bin" token --customer gc-7)
    loadgen place-fill-$n "$port" --mode place --rounds "$rounds" --phase fill \
        --mint "$server_bin" --jwt-secret "$secret" --customer-prefix "growth-$n-$$" \
        --product g01 --product g10 --product g23
    loadgen place-$n "$port" --mode place --rounds "$rounds" --phase place \
        --mint "$server_bin" --jwt-secret "$secret" --customer-prefix "growth-$n-$$" \
        --product g01 --product g10 --product g23
    loadgen seller1-$n "$port" --path "/api/v1/admin/orders?sellerId=gs3&limit=20" \
        -H "X-Service-Key: $service_key"
    loadgen sellerdeep-$n "$port" --path "/api/v1/admin/orders?sellerId=gs3&limit=20&page=$deep" \
        -H "X-Service-Key: $service_key"
    loadgen customer-$n "$port" --path "/api/v1/orders" -H "Authorization: Bearer $token"
    kill -0 "$server_pid" 2>/dev/null || { echo "growth: orders-server died" >&2; return 1; }
    local rss hwm place p1 pd cu
    rss=$(awk '/^VmRSS:/{printf "%.1f", $2/1024}' "/proc/$server_pid/status")
    hwm=$(awk '/^VmHWM:/{printf "%.1f", $2/1024}' "/proc/$server_pid/status")
    stop_server
    place=$(grep '^place ' "$tmp/place-$n.out")
    p1=$(grep '^get ' "$tmp/seller1-$n.out")
    pd=$(grep '^get ' "$tmp/sellerdeep-$n.out")
    cu=$(grep '^get ' "$tmp/customer-$n.out")
    for k in "$(grep '^fill ' "$tmp/place-fill-$n.out")" "$place" "$p1" "$pd" "$cu"; do
        errors=$((errors + $(field "$k" errors)))
    done
    result="$n $(field "$place" p50_ms) $(field "$place" p99_ms) $(field "$p1" p99_ms)"
    result+=" $(field "$pd" p99_ms) $(field "$cu" p99_ms) $rss $hwm $errors"
    result+=" $(field "$place" rps) $(field "$p1" rps) $(field "$pd" rps) $(field "$cu" rps) $deep $total"
}

results=()
for n in $sizes; do
    seed "$n"
    echo "== measuring $n orders ($conns connections, ${duration} s a run)" >&2
    measure "$n" "$db"
    results+=("$result")
done

echo
echo "orders-server growth on SQLite: $(nproc) cores, load generator on the same machine," \
    "$conns connections, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
printf '%-9s %-11s %-11s %-11s %-19s %-11s %-8s %-8s %s\n' orders "place p50" "place p99" \
    "seller p99" "seller deep p99" "cust p99" "VmRSS" "VmHWM" errors
errors=0
for r in "${results[@]}"; do
    read -r n pp50 pp99 s1 sd cu rss hwm e prps s1rps sdrps curps deep total <<<"$r"
    printf '%-9s %-11s %-11s %-11s %-19s %-11s %-8s %-8s %s\n' "$n" "$pp50 ms" "$pp99 ms" \
        "$s1 ms" "$sd ms (p$deep)" "$cu ms" "$rss MB" "$hwm MB" "$e"
    echo "          req/s: place $prps, seller $s1rps, seller deep $sdrps, customer $curps;" \
        "seller gs3 has $total orders"
    errors=$((errors + e))
done
# targets: compare the largest size with the smallest
read -r _ _ a_pp a_s1 a_sd a_cu _ <<<"${results[0]}"
read -r _ _ b_pp b_s1 b_sd b_cu _ b_hwm _ <<<"${results[-1]}"
verdict() { awk -v a="$2" -v b="$3" -v name="$1" \
    'BEGIN{ r = a > 0 ? b / a : 0; printf "%-18s %.2fx  %s\n", name, r, r <= 1.5 ? "met (<= 1.5x)" : "MISSED (<= 1.5x)" }'; }
echo "p99 at the largest size over p99 at the smallest:"
verdict "place" "$a_pp" "$b_pp"
verdict "seller first page" "$a_s1" "$b_s1"
verdict "seller deep page" "$a_sd" "$b_sd"
verdict "customer list" "$a_cu" "$b_cu"
awk -v r="$b_hwm" 'BEGIN{ printf "%-18s %s MB  %s\n", "peak RSS", r, r < 64 ? "met (< 64 MB)" : "MISSED (< 64 MB)" }'
((errors == 0)) || { echo "growth: $errors requests failed" >&2; exit 1; }
