#!/usr/bin/env bash
# tests/consumer/run.sh PREFIX
#
# Builds and runs tests/consumer/main.c against a liborders installed in
# PREFIX (cmake --install ... --prefix PREFIX), every supported way:
#   1. find_package(liborders) with CMAKE_PREFIX_PATH: shared and static targets;
#   2. pkg-config with PKG_CONFIG_PATH: shared, then static (liborders.a).
set -euo pipefail

prefix=${1:?usage: tests/consumer/run.sh PREFIX}
prefix=$(cd "$prefix" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '\n== consumer: %s\n' "$*"; }

step "find_package(liborders) with CMAKE_PREFIX_PATH=$prefix"
cmake -S "$here" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/cmake" >/dev/null
"$work/cmake/consumer"
"$work/cmake/consumer_static"

libdir=$(dirname "$(find "$prefix" -name liborders.pc -path '*/pkgconfig/*' -print -quit)")
[[ -n "$libdir" && "$libdir" != . ]] || { echo "consumer: no liborders.pc under $prefix" >&2; exit 1; }
export PKG_CONFIG_PATH="$libdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
cc=${CC:-cc}

step "pkg-config, shared: $cc main.c \$(pkg-config --cflags --libs liborders)"
pkg-config --modversion liborders
# shellcheck disable=SC2046 # word splitting of pkg-config output is intended
"$cc" -std=c11 -Wall -Wextra -Werror "$here/main.c" -o "$work/consumer_pc" $(pkg-config --cflags --libs liborders)
LD_LIBRARY_PATH="$(pkg-config --variable=libdir liborders)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$work/consumer_pc"

step "pkg-config, static: liborders.a + \$(pkg-config --static --libs liborders)"
static_libs=$(pkg-config --static --libs liborders | sed -E 's/(^| )-lorders( |$)/ /')
# shellcheck disable=SC2046,SC2086
"$cc" -std=c11 -Wall -Wextra -Werror "$here/main.c" -o "$work/consumer_pc_static" \
    $(pkg-config --cflags liborders) "$(pkg-config --variable=libdir liborders)/liborders.a" $static_libs
if ldd "$work/consumer_pc_static" | grep -q 'liborders\.so'; then
    echo "consumer: the static build still needs liborders.so" >&2
    exit 1
fi
env -u LD_LIBRARY_PATH "$work/consumer_pc_static"

step "all consumer builds ran"
