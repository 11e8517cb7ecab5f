#!/usr/bin/env bash
# scripts/build.sh release|asan|valgrind [extra cmake -D options...]
#   release  build/release:  CMAKE_BUILD_TYPE=Release
#   asan     build/asan:     RelWithDebInfo + ORDERS_SANITIZE=ON (ASan + UBSan)
#   valgrind build/valgrind: RelWithDebInfo + ORDERS_VALGRIND=ON (every test
#                            under valgrind memcheck; no bench)
# Both with ORDERS_WERROR=ON.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

kind=${1:-}
case "$kind" in
release) args=(-DCMAKE_BUILD_TYPE=Release -DORDERS_SANITIZE=OFF) ;;
asan) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DORDERS_SANITIZE=ON) ;;
valgrind)
    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DORDERS_SANITIZE=OFF -DORDERS_VALGRIND=ON
        -DORDERS_BUILD_BENCH=OFF)
    ;;
*)
    echo "usage: scripts/build.sh release|asan|valgrind [cmake options...]" >&2
    exit 2
    ;;
esac
shift

dir=build/$kind
generator=()
if [[ ! -f "$dir/CMakeCache.txt" ]] && command -v ninja >/dev/null 2>&1; then
    generator=(-G Ninja)
fi

cmake -S . -B "$dir" "${generator[@]}" "${args[@]}" -DORDERS_WERROR=ON "$@"
cmake --build "$dir" -j"$(nproc)"
