#!/usr/bin/env bash
# scripts/deps.sh - installs the Debian 12 packages that build and test
# liborders (the list in TOOLCHAIN.md), only when one is missing.
# Node.js/npm come with the machine and are never apt-installed here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(
    build-essential cmake pkg-config libmongoc-dev libbson-dev libjansson-dev
    libcurl4-openssl-dev libjwt-dev libcivetweb-dev libcriterion-dev libsqlite3-dev libssl-dev
    valgrind clang-14 libclang-rt-14-dev wrk hyperfine
)

missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "deps: all ${#packages[@]} packages installed"
    exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=()
if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
    else
        echo "deps: missing packages (${missing[*]}) and not root, no sudo: install them as root" >&2
        exit 1
    fi
fi
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
