#!/usr/bin/env bash
# ./quickstart.sh [args...] - installs the dependencies, builds the release
# configuration and runs the quickstart example with the given arguments.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

scripts/deps.sh
scripts/build.sh release

exe=build/release/examples/quickstart
if [[ ! -x "$exe" ]]; then
    echo "quickstart: $exe was not built (is examples/quickstart.c there?)" >&2
    exit 1
fi
exec "$exe" "$@"
