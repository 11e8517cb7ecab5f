#!/usr/bin/env bash
# scripts/valgrind-test.sh [--server-only] <test executable> [args...]
#
# Runs one test executable under valgrind memcheck, as ctest does in a build
# configured with -DORDERS_VALGRIND=ON (tests/CMakeLists.txt registers every
# test as "scripts/valgrind-test.sh <test>").  Fails (exit 1) when the test
# fails or when valgrind reports, in ANY process it checked, a memory
# error (invalid read/write, use of uninitialised values, bad free...) or a
# definite leak.
#
# Every process is checked: --trace-children=yes follows Criterion's test
# workers (BoxFort re-executes the test binary for each test) and the
# orders-server processes that tests/server/harness.c starts.  System
# programs the tests run (sh, curl, sqlite3, cmake...) are not traced.
# Each process writes its own log; the exit status alone is not enough
# because Criterion's runner ignores a worker's exit status once the worker
# has reported its test (the same reason as tests/support/leakcheck.c), so
# the logs are read after the run.
#
# --server-only (the server tests, tests/server/): the test executable runs
# natively and every orders-server it starts runs under memcheck: the
# harness execs ORDERS_TEST_SERVER_WRAPPER, which is this script again
# (with ORDERS_TEST_VG_LOGS set, it execs valgrind on the server).  What such a test checks is the server; its own side is an
# HTTP client, checked under ASan, and leaving it native spares a memcheck
# start (1-2 s) for every test and the runner.
#
# Suppressions: tests/valgrind.supp (only third-party false positives, each
# commented).  Extra valgrind options: ORDERS_VALGRIND_OPTIONS.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if (($# < 1)); then
    echo "usage: scripts/valgrind-test.sh [--server-only] <test executable> [args...]" >&2
    exit 2
fi

# valgrind_cmd LOGDIR: sets vg to the memcheck command line (without the program)
valgrind_cmd() {
    # shellcheck disable=SC2206 # ORDERS_VALGRIND_OPTIONS is a list of options
    vg=(valgrind --tool=memcheck --quiet
        --trace-children=yes --trace-children-skip='/bin/*,/usr/*,/sbin/*'
        --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite
        --track-origins=no --num-callers=30 --error-exitcode=99
        --suppressions="$here/tests/valgrind.supp"
        --log-file="$1/vg.%p.log" ${ORDERS_VALGRIND_OPTIONS:-})
}

# Run by the harness as ORDERS_TEST_SERVER_WRAPPER (ORDERS_TEST_VG_LOGS is set by
# the --server-only run that started the test): BIN ARGS... is a server to
# become, under memcheck, logging into ORDERS_TEST_VG_LOGS.
if [[ -n ${ORDERS_TEST_VG_LOGS:-} ]]; then
    valgrind_cmd "$ORDERS_TEST_VG_LOGS"
    exec "${vg[@]}" "$@"
fi

server_only=0
if [[ $1 == --server-only ]]; then
    server_only=1
    shift
fi
logs=$(mktemp -d "${TMPDIR:-/tmp}/orders-vg.XXXXXX")
trap 'rm -rf "$logs"' EXIT

if ((server_only)); then
    ORDERS_TEST_VG_LOGS=$logs ORDERS_TEST_SERVER_WRAPPER="$here/scripts/valgrind-test.sh" "$@"
else
    valgrind_cmd "$logs"
    "${vg[@]}" "$@"
fi
rc=$?

bad=0
for f in "$logs"/vg.*.log; do
    [[ -e "$f" ]] || continue
    # --quiet: a clean process writes nothing; any error or leak record
    # ends with "ERROR SUMMARY: N errors" where N > 0.
    if grep -qE 'ERROR SUMMARY: [1-9]|Invalid (read|write|free)|uninitialised|definitely lost' "$f"; then
        echo "valgrind-test: valgrind found errors in process ${f##*/vg.} of $1:" >&2
        cat "$f" >&2
        bad=1
    fi
done
if ((bad)); then
    exit 1
fi
if ((server_only)) && ! ls "$logs"/vg.*.log >/dev/null 2>&1; then
    echo "valgrind-test: --server-only, but no orders-server ran under memcheck" >&2
    exit 1
fi
exit "$rc"
