#!/usr/bin/env bash
# scripts/expiry-full.sh [build dir]   (default build/release)
#
# The full reservation-expiry run of issue 7 (docs/reliability.md,
# "Reservation expiry"): tests/server/test_srv_expiry.c with 10,000
# reservations whose deadlines are staggered over 15 s, on the memory and
# the SQLite store (and on MongoDB when ORDERS_TEST_MONGO_URI is set, with
# ORDERS_EXPIRY_MONGO_COUNT reservations, default 300), each on a real
# orders-server whose own sweeper releases them.  Fails unless none is released before its deadline and every one at
# most 1 s after it; prints the lateness (p50, p99, max) of each store.
# CI runs the short version (2,000 over 4 s; 300 on MongoDB) as the ctest
# test_srv_expiry.
# ORDERS_EXPIRY_COUNT / ORDERS_EXPIRY_SPREAD_MS override the sizes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir=${1:-build/release}
exe=$dir/tests/test_srv_expiry
if [[ ! -x "$exe" ]]; then
    echo "expiry-full: no $exe (build it first: scripts/build.sh release)" >&2
    exit 2
fi
export ORDERS_EXPIRY_COUNT=${ORDERS_EXPIRY_COUNT:-10000}
export ORDERS_EXPIRY_SPREAD_MS=${ORDERS_EXPIRY_SPREAD_MS:-15000}
# one test at a time: the two servers would otherwise share the CPU
"$exe" --jobs 1 2>&1 | grep -E '^expiry\[|Assertion|FAIL|Synthesis'
exit "${PIPESTATUS[0]}"
