#!/usr/bin/env bash
# scripts/crash-test.sh [--kills N] [--store sqlite|mongo|both] [--clients N]
#                       [--drain SECONDS] [--seed N]
#
# The full crash test (docs/reliability.md, "Crash test"): orders-server is
# killed with SIGKILL at random moments while client threads check out over
# HTTP, N times per store (default 20, on SQLite and on MongoDB), and after
# every restart the checks of tests/server/test_srv_crash.c run.  At the end
# the last server must deliver every pending outbox event within --drain
# seconds (default 60; 0 skips it).  ctest runs the same test short (4
# kills, no drain).
#
# Builds into build/reliability (ORDERS_BUILD_DIR overrides).  MongoDB: the
# one in ORDERS_TEST_MONGO_URI, else the wire test server, started and
# stopped here.  Exit status: 0 when every store passed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/server-test-lib.sh"

kills=20 store=both clients=4 drain=60 seed=""
while [[ $# -gt 0 ]]; do
    case "$1" in
    --kills) kills=$2 ;;
    --store) store=$2 ;;
    --clients) clients=$2 ;;
    --drain) drain=$2 ;;
    --seed) seed=$2 ;;
    *) die "unknown option $1 (see the header of $0)" ;;
    esac
    shift 2
done

build_test test_srv_crash
status=0
for s in $(stores_of "$store"); do
    [[ $s == mongo ]] && need_mongo
    echo "== crash test on $s: $kills kills, $clients clients"
    start=$(date +%s)
    if ORDERS_CRASH_STORE=$s ORDERS_CRASH_KILLS=$kills ORDERS_CRASH_CLIENTS=$clients \
        ORDERS_CRASH_DRAIN_S=$drain ${seed:+ORDERS_TEST_SEED=$seed} \
        "$build_dir/tests/test_srv_crash" --filter "srv_crash/${s}_*"; then
        echo "== $s: PASSED in $(($(date +%s) - start)) s"
    else
        echo "== $s: FAILED"
        status=1
    fi
done
exit $status
