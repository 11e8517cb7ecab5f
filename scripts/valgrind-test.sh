#!/usr/bin/env bash
# scripts/valgrind-test.sh <test executable> [args...]
#
# Runs one test executable under valgrind memcheck, as ctest does in a build
# configured with -DORDERS_VALGRIND=ON (tests/CMakeLists.txt registers every
# test as "scripts/valgrind-test.sh <test>").  Fails (exit 1) when the test
# fails or when valgrind reports, in ANY process of the test, a memory
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
# Suppressions: tests/valgrind.supp (only third-party false positives, each
# commented).  Extra valgrind options: ORDERS_VALGRIND_OPTIONS.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if (($# < 1)); then
    echo "usage: scripts/valgrind-test.sh <test executable> [args...]" >&2
    exit 2
fi
logs=$(mktemp -d "${TMPDIR:-/tmp}/orders-vg.XXXXXX")
trap 'rm -rf "$logs"' EXIT

# shellcheck disable=SC2086 # ORDERS_VALGRIND_OPTIONS is a list of options
valgrind --tool=memcheck --quiet \
    --trace-children=yes --trace-children-skip='/bin/*,/usr/*,/sbin/*' \
    --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --track-origins=no --num-callers=30 --error-exitcode=99 \
    --suppressions="$here/tests/valgrind.supp" \
    --log-file="$logs/vg.%p.log" ${ORDERS_VALGRIND_OPTIONS:-} "$@"
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
exit "$rc"
