#!/usr/bin/env bash
# scripts/valgrind-full.sh [ctest options...]
#
# The whole ctest suite under valgrind memcheck, full sizes (docs/
# reliability.md, "Sanitizers and valgrind"): builds build/valgrind
# (scripts/build.sh valgrind), starts the MongoDB-wire test server unless
# ORDERS_TEST_MONGO_URI is set, and runs every test, the conformance suites
# that test.sh leaves out of its valgrind pass included, through
# scripts/valgrind-test.sh.  ORDERS_TEST_SLOWDOWN=10 stretches the client
# timeouts that tests depend on.  Takes well over half an hour on 2 cores.
# Extra arguments go to ctest (e.g. -R test_srv_ to run a part).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/build.sh valgrind
state=$(mktemp -d)
trap 'scripts/mongo-test-server.sh stop "$state"; rm -rf "$state"' EXIT
if [[ -z ${ORDERS_TEST_MONGO_URI:-} ]] && uri=$(scripts/mongo-test-server.sh start "$state"); then
    export ORDERS_TEST_MONGO_URI=$uri
fi
ORDERS_TEST_SLOWDOWN=${ORDERS_TEST_SLOWDOWN:-10} \
    ctest --test-dir build/valgrind --output-on-failure -j2 "$@"
