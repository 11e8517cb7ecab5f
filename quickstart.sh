#!/usr/bin/env bash
# ./quickstart.sh [STORE-URI] - installs the dependencies, builds the release
# configuration and runs the quickstart example on the store given, by
# default the SQLite file build/quickstart.db (kept between runs: each run
# stocks the catalog again and places one more order).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

scripts/deps.sh
scripts/build.sh release

exe=build/release/examples/quickstart
if [[ ! -x "$exe" ]]; then
    echo "quickstart: $exe was not built (is examples/quickstart.c there?)" >&2
    exit 1
fi
if [[ $# -eq 0 ]]; then
    set -- "sqlite:build/quickstart.db"
fi
exec "$exe" "$@"
