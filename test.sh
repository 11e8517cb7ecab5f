#!/usr/bin/env bash
# ./test.sh - the whole check, as CI runs it (.ci/run):
#   1. scripts/deps.sh (installs only what is missing);
#   2. builds build/release and build/asan (ASan + UBSan), warnings as errors;
#   3. starts the MongoDB-wire test server (scripts/mongo-test-server.sh)
#      and exports ORDERS_TEST_MONGO_URI for the tests, unless the variable
#      is already set (a real MongoDB); when the server cannot start, the
#      Mongo tests run without it and say they skipped, and why;
#   4. ctest in both (in build/asan a leak fails the test that leaked:
#      tests/support/leakcheck.c);
#   4b. ctest in build/valgrind (-DORDERS_VALGRIND=ON): every test under
#      valgrind memcheck; an error or a definite leak in a checked process
#      fails the test (scripts/valgrind-test.sh).  The library and
#      conformance tests run batched, all of a binary's tests in one
#      process (tests/support/batch.h), with every process they start; the
#      server tests run every orders-server under memcheck and their HTTP
#      client natively (--server-only).  ORDERS_TEST_SCALE cuts the
#      iteration counts of the heavy tests and ORDERS_TEST_SLOWDOWN
#      stretches the client timeouts that tests depend on
#      (docs/reliability.md, "Sanitizers and valgrind");
#   5. installs build/release into a temporary prefix and builds and runs
#      tests/consumer against it with find_package and with pkg-config;
#   6. runs build/release/bench/orders-bench --quick when it exists, and
#      bench/growth/run.sh --quick (SQLite at 1k and 10k orders; fails on
#      errors, never on timing);
#   7. scripts/fuzz.sh: builds build/fuzz (clang, libFuzzer) and runs each
#      fuzz target of tests/fuzz/ for ORDERS_FUZZ_SECONDS (10) seconds.
# Last line: "N passed, F failed" (ctest tests of both builds; a failed
# consumer, bench or fuzz step counts as one more failure).  Exit status 0 only
# when F is 0.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

passed=0
failed=0
logs=$(mktemp -d)
prefix=$(mktemp -d)
mongo_state=$(mktemp -d)
trap 'scripts/mongo-test-server.sh stop "$mongo_state"; rm -rf "$logs" "$prefix" "$mongo_state"' EXIT

section() { printf '\n==== %s\n' "$*"; }

summary_and_exit() {
    echo
    echo "$passed passed, $failed failed"
    if ((failed > 0)); then
        exit 1
    fi
    exit 0
}

# run_ctest <build dir> [VAR=value | ctest argument...]: runs ctest there
# (VAR=value in its environment) and adds its counts.
run_ctest() {
    local dir=$1 log a
    shift
    local envs=() opts=()
    for a in "$@"; do
        if [[ $a =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; then envs+=("$a"); else opts+=("$a"); fi
    done
    log="$logs/ctest-$(basename "$dir").log"
    section "ctest in $dir"
    set +e
    env "${envs[@]}" ctest --test-dir "$dir" --output-on-failure -j2 "${opts[@]}" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    set -e

    # "100% tests passed, 0 tests failed out of 12"
    local line total bad
    line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
    if [[ -n "$line" ]]; then
        bad=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
        total=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
        passed=$((passed + total - bad))
        failed=$((failed + bad))
        if ((rc != 0 && bad == 0)); then
            echo "test.sh: ctest in $dir exited $rc" >&2
            failed=$((failed + 1))
        fi
    elif grep -q 'No tests were found' "$log" && ((rc == 0)); then
        echo "test.sh: no tests registered in $dir"
    else
        echo "test.sh: ctest in $dir exited $rc without a summary" >&2
        failed=$((failed + 1))
    fi
}

section "dependencies"
scripts/deps.sh

for kind in release asan valgrind; do
    section "build $kind"
    if ! scripts/build.sh "$kind"; then
        echo "test.sh: the $kind build failed" >&2
        failed=$((failed + 1))
        summary_and_exit
    fi
done

section "MongoDB for the tests"
if [[ -n ${ORDERS_TEST_MONGO_URI:-} ]]; then
    echo "ORDERS_TEST_MONGO_URI is set: the Mongo tests use $ORDERS_TEST_MONGO_URI"
elif uri=$(scripts/mongo-test-server.sh start "$mongo_state"); then
    export ORDERS_TEST_MONGO_URI=$uri
    echo "wire test server at $uri (ORDERS_TEST_MONGO_URI)"
else
    echo "test.sh: no MongoDB for the tests: the Mongo tests will say they skipped" >&2
fi

run_ctest build/release
run_ctest build/asan \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Batched and server-only (4b above) because each memcheck process costs
# 1-2 s to start; Release and ASan run one process per test.
run_ctest build/valgrind \
    ORDERS_TEST_SCALE=${ORDERS_VALGRIND_TEST_SCALE:-0.1} ORDERS_TEST_SLOWDOWN=10

section "install build/release into $prefix and build the consumer"
if cmake --install build/release --prefix "$prefix" >"$logs/install.log" 2>&1 &&
    tests/consumer/run.sh "$prefix"; then
    echo "consumer: ok"
else
    cat "$logs/install.log" >&2
    echo "test.sh: the installed-library consumer failed" >&2
    failed=$((failed + 1))
fi

bench=build/release/bench/orders-bench
if [[ -x "$bench" ]]; then
    section "$bench --quick"
    if ! "$bench" --quick; then
        echo "test.sh: orders-bench --quick failed" >&2
        failed=$((failed + 1))
    fi
else
    section "no $bench yet: bench skipped"
fi

# growth, short: 1k and 10k SQLite orders, 2 s a run (about a minute);
# fails only when the script cannot run or a request fails, never on timing
if [[ -x build/release/bench/orders-growth-seed ]]; then
    section "bench/growth/run.sh --quick build/release"
    if ! timeout 300 bench/growth/run.sh --quick build/release; then
        echo "test.sh: bench/growth/run.sh --quick failed" >&2
        failed=$((failed + 1))
    fi
else
    section "no build/release/bench/orders-growth-seed yet: growth skipped"
fi

section "scripts/fuzz.sh ${ORDERS_FUZZ_SECONDS:-10} (libFuzzer targets of tests/fuzz)"
if ! scripts/fuzz.sh "${ORDERS_FUZZ_SECONDS:-10}"; then
    echo "test.sh: scripts/fuzz.sh failed (inputs and logs under build/fuzz/work/)" >&2
    failed=$((failed + 1))
fi

summary_and_exit
