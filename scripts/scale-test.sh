#!/usr/bin/env bash
# scripts/scale-test.sh [--runs N] [--buyers N] [--units N] [--store sqlite|mongo|both]
#
# The scale test (docs/reliability.md, "Scale test"): two orders-server
# processes on one store, --buyers concurrent buyers (default 200) racing for
# --units units (default 50) of one product: exactly --units orders.  Runs
# tests/server/test_srv_scale.c --runs times (default 5) per store.
#
# Builds into build/reliability (ORDERS_BUILD_DIR overrides).  MongoDB: the
# one in ORDERS_TEST_MONGO_URI, else the wire test server, started and
# stopped here.  Exit status: 0 when every run passed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/server-test-lib.sh"

runs=5 buyers=200 units=50 store=both
while [[ $# -gt 0 ]]; do
    case "$1" in
    --runs) runs=$2 ;;
    --buyers) buyers=$2 ;;
    --units) units=$2 ;;
    --store) store=$2 ;;
    *) die "unknown option $1 (see the header of $0)" ;;
    esac
    shift 2
done

build_test test_srv_scale
failed=0
for s in $(stores_of "$store"); do
    [[ $s == mongo ]] && need_mongo
    for ((i = 1; i <= runs; i++)); do
        echo "== scale test on $s, run $i/$runs: $buyers buyers, $units units, two servers"
        if ! ORDERS_SCALE_BUYERS=$buyers ORDERS_SCALE_UNITS=$units \
            "$build_dir/tests/test_srv_scale" --filter "srv_scale/${s}_*"; then
            echo "== $s run $i: FAILED"
            failed=$((failed + 1))
        fi
    done
done
echo "== scale test: $failed failed run(s)"
[[ $failed -eq 0 ]]
