#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...] - the libFuzzer targets of
# tests/fuzz/ (docs/reliability.md, "Fuzzing").
#
#   SECONDS_PER_TARGET  how long each target runs (default 25; test.sh runs 20)
#   TARGET              request_json, auth, query, config, routes (default:
#                       all of tests/fuzz/fuzz_*.c), with or without "fuzz_"
#
# Configures and builds build/fuzz with clang-14 (-DORDERS_FUZZ=ON:
# libFuzzer, ASan, UBSan, leaks), then runs each target in turn, one process,
# on its seeds (tests/fuzz/corpus/NAME, read only) and its work corpus
# build/fuzz/work/NAME/corpus (new inputs go there, kept between runs), with
# the dictionary tests/fuzz/NAME.dict when there is one.  The full log of a
# run is build/fuzz/work/NAME/log; a crash, leak or timeout leaves its input
# in build/fuzz/work/NAME/ and the script names it.
#
# Environment: FUZZ_TIMEOUT (s per input, 10), FUZZ_RSS_MB (2048),
# FUZZ_MAX_LEN (bytes, 8192), FUZZ_NO_BUILD=1 (use build/fuzz as it is).
# One line per target: result, executions, seconds, exec/s, coverage
# (edges, features), corpus kept (inputs/bytes), peak RSS.  Exit status 0
# only when every target ran its time without a failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${1:-25}
shift || true
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1)); then
    echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2
    exit 2
fi
dir=build/fuzz
timeout_s=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
max_len=${FUZZ_MAX_LEN:-8192}

targets=("$@")
if ((${#targets[@]} == 0)); then
    for src in tests/fuzz/fuzz_*.c; do
        name=$(basename "$src" .c)
        targets+=("${name#fuzz_}")
    done
fi

build() {
    local cc
    cc=$(command -v clang-14 || command -v clang || true)
    if [[ -z "$cc" ]]; then
        echo "fuzz.sh: no clang-14 (scripts/deps.sh installs clang-14 and libclang-rt-14-dev)" >&2
        return 1
    fi
    cmake -S . -B "$dir" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DORDERS_FUZZ=ON -DORDERS_WERROR=ON -DORDERS_BUILD_TESTS=OFF \
        -DORDERS_BUILD_EXAMPLES=OFF -DORDERS_BUILD_BENCH=OFF >"$dir.configure.log" 2>&1 ||
        { cat "$dir.configure.log" >&2; return 1; }
    cmake --build "$dir" -j"$(nproc)" >"$dir.build.log" 2>&1 ||
        { tail -n 50 "$dir.build.log" >&2; return 1; }
}

# final_stat <log> <libFuzzer final stat name>: its value, or "?".
final_stat() {
    local v
    v=$(sed -n "s/^stat::$2: *//p" "$1" | tail -n 1)
    echo "${v:-?}"
}

# run_target <name>: 0 when it ran its time without a failure.
run_target() {
    local name=${1#fuzz_}
    local bin="$dir/tests/fuzz/fuzz_$name" seeds="tests/fuzz/corpus/$name"
    local work="$dir/work/$name"
    if [[ ! -x "$bin" || ! -d "$seeds" ]]; then
        echo "fuzz_$name: FAILED: no $bin or no $seeds"
        return 1
    fi
    mkdir -p "$work/corpus"
    local args=(-max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb="$rss_mb"
        -max_len="$max_len" -detect_leaks=1 -print_final_stats=1
        -artifact_prefix="$work/")
    [[ -f "tests/fuzz/$name.dict" ]] && args+=(-dict="tests/fuzz/$name.dict")
    local rc=0 t0 t1
    t0=$(date +%s)
    ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1} \
        UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$bin" "${args[@]}" "$work/corpus" "$seeds" >"$work/log" 2>&1 || rc=$?
    t1=$(date +%s)
    local runs secs cov ft corp rate rss
    runs=$(final_stat "$work/log" number_of_executed_units)
    rate=$(final_stat "$work/log" average_exec_per_sec)
    rss=$(final_stat "$work/log" peak_rss_mb)
    secs=$((t1 - t0))
    # "#123456 DONE   cov: 812 ft: 2100 corp: 120/9876b ...": the last
    # status line has the coverage (edges, features) and the corpus kept
    cov=$(grep -oE 'cov: [0-9]+' "$work/log" | tail -n 1 | cut -d' ' -f2)
    ft=$(grep -oE 'ft: [0-9]+' "$work/log" | tail -n 1 | cut -d' ' -f2)
    corp=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]+' "$work/log" | tail -n 1 | cut -d' ' -f2)
    local figures="$runs runs in ${secs} s ($rate/s), cov ${cov:-?} ft ${ft:-?}, corpus ${corp:-?} (seeds $(find "$seeds" -type f | wc -l)), peak RSS ${rss} MB"
    if ((rc == 0)) && grep -q 'Done [0-9]* runs in' "$work/log"; then
        echo "fuzz_$name: ok: $figures"
        return 0
    fi
    echo "fuzz_$name: FAILED (exit $rc): $figures"
    grep -E '^==[0-9]+==ERROR|SUMMARY: |ALARM: working on the last Unit|out-of-memory|broken:|runtime error' \
        "$work/log" | head -n 5 | sed 's/^/    /'
    grep -E 'Test unit written to' "$work/log" | sed 's/^/    /'
    echo "    full log: $work/log"
    return 1
}

if [[ ${FUZZ_NO_BUILD:-0} != 1 ]]; then
    mkdir -p "$dir"
    echo "fuzz.sh: building $dir (clang, libFuzzer + ASan + UBSan)"
    build
fi
echo "fuzz.sh: ${#targets[@]} target(s), $seconds s each; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
failed=0
for t in "${targets[@]}"; do
    run_target "$t" || failed=$((failed + 1))
done
if ((failed > 0)); then
    echo "fuzz.sh: $failed target(s) failed"
    exit 1
fi
echo "fuzz.sh: every target ran clean"
