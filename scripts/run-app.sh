#!/usr/bin/env bash
# Installs whatever is missing, builds Postbridge and opens its window.
#   scripts/run-app.sh            the app
#   scripts/run-app.sh sim        any CLI subcommand instead (post, doctor, sim)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo run --locked --quiet -- "$@"
