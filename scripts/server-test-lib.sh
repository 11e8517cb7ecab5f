# scripts/server-test-lib.sh - sourced by scripts/crash-test.sh and
# scripts/scale-test.sh (not run on its own): builds one server test binary
# and runs it with the stores asked for, starting the MongoDB-wire test
# server when a Mongo run needs one and ORDERS_TEST_MONGO_URI is not set.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${ORDERS_BUILD_DIR:-$root/build/reliability}
mongo_state=""

die() {
    echo "$(basename "$0"): $*" >&2
    exit 2
}

# build_test <target>: configures build_dir (Release, -Werror) the first
# time, then builds orders-server and the test.
build_test() {
    if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
        cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DORDERS_WERROR=ON >/dev/null
    fi
    cmake --build "$build_dir" -j"$(nproc)" --target orders-server "$1" >/dev/null
}

stop_mongo() {
    if [[ -n $mongo_state ]]; then
        "$root/scripts/mongo-test-server.sh" stop "$mongo_state" || true
        rm -rf "$mongo_state"
    fi
}

# need_mongo: exports ORDERS_TEST_MONGO_URI, starting the wire test server
# (stopped on exit) when it is not set.
need_mongo() {
    [[ -n ${ORDERS_TEST_MONGO_URI:-} ]] && return 0
    mongo_state=$(mktemp -d /tmp/orders-mongo-XXXXXX)
    trap stop_mongo EXIT
    ORDERS_TEST_MONGO_URI=$("$root/scripts/mongo-test-server.sh" start "$mongo_state") ||
        die "could not start the MongoDB-wire test server"
    export ORDERS_TEST_MONGO_URI
}

# stores_of sqlite|mongo|both: the stores, one a line.
stores_of() {
    case "$1" in
    sqlite | mongo) echo "$1" ;;
    both) printf 'sqlite\nmongo\n' ;;
    *) die "--store: sqlite, mongo or both, not '$1'" ;;
    esac
}
