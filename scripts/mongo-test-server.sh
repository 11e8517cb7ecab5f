#!/usr/bin/env bash
# scripts/mongo-test-server.sh - the MongoDB-wire test server for the tests.
#
#   scripts/mongo-test-server.sh start STATE_DIR
#       Copies ../shared/tools/mongo-wire-test-server (see find_source) into
#       STATE_DIR (the original may be read-only), runs `npm ci` there,
#       starts `node server.mjs PORT` on a free port of 127.0.0.1, waits for
#       its READY line, and prints the URI
#       (mongodb://127.0.0.1:PORT) on stdout.  Exit 1, with the reason on
#       stderr, when any of that fails: the caller then runs the tests
#       without ORDERS_TEST_MONGO_URI, and the Mongo tests say they skipped.
#   scripts/mongo-test-server.sh stop STATE_DIR
#       SIGTERM, up to 5 s, then SIGKILL.
#
# There is no MongoDB in Debian (TOOLCHAIN.md "MongoDB for tests"); this
# server is a test double for the wire protocol.  Every wait is bounded.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() {
    echo "mongo-test-server: $*" >&2
    exit 1
}

# A free TCP port on 127.0.0.1: the kernel's choice, released at once
# (without python3, a random high port; start() retries a taken one).
free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
    else
        echo $((20000 + RANDOM % 40000))
    fi
}

# The wire test server's sources: ORDERS_MONGO_WIRE_SERVER_DIR, else
# ../shared/tools next to the checkout, else the development machine's
# /work/shared/tools (a clone made elsewhere, e.g. in /tmp, still finds it).
find_source() {
    local d
    for d in ${ORDERS_MONGO_WIRE_SERVER_DIR:+"$ORDERS_MONGO_WIRE_SERVER_DIR"} \
        "$root/../shared/tools/mongo-wire-test-server" /work/shared/tools/mongo-wire-test-server; do
        if [[ -f $d/server.mjs && -f $d/package-lock.json ]]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

start() {
    local state=$1 src
    src=$(find_source) ||
        die "no wire test server in ../shared/tools or /work/shared/tools (set ORDERS_MONGO_WIRE_SERVER_DIR)"
    command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed"
    mkdir -p "$state"
    rm -rf "$state/server"
    cp -R "$src" "$state/server"
    rm -rf "$state/server/node_modules"
    (cd "$state/server" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) \
        >"$state/npm.log" 2>&1 || die "npm ci failed: $(tail -n 5 "$state/npm.log")"
    local attempt port i
    for attempt in 1 2 3; do
        port=$(free_port)
        (cd "$state/server" && exec node server.mjs "$port") >"$state/server.log" 2>&1 &
        echo $! >"$state/pid"
        for ((i = 0; i < 300; i++)); do # 30 s
            if grep -q "^READY $port\$" "$state/server.log" 2>/dev/null; then
                echo "mongodb://127.0.0.1:$port"
                return 0
            fi
            kill -0 "$(cat "$state/pid")" 2>/dev/null || break
            sleep 0.1
        done
        stop "$state" # the port was taken meanwhile, or it did not come up: again
    done
    die "the server did not come up: $(tail -n 5 "$state/server.log")"
}

stop() {
    local state=$1 pid i
    [[ -f $state/pid ]] || return 0
    pid=$(cat "$state/pid")
    rm -f "$state/pid"
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

case "${1:-}" in
start) start "${2:?state dir}" ;;
stop) stop "${2:?state dir}" ;;
*)
    echo "usage: scripts/mongo-test-server.sh start|stop STATE_DIR" >&2
    exit 2
    ;;
esac
