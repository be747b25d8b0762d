#!/usr/bin/env bash
# Installs whatever is missing, then runs every check and test Postbridge has:
# format, clippy (warnings denied), the UI's type check and unit tests, all Rust tests, and
# the end-to-end journeys in the real window — under a private X display, D-Bus session and
# unlocked keychain (scripts/with-desktop.sh), so it works on a machine with no desktop.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

step "setup"
# Free disk space, printed so that a run that fails with "No space left on device" says so.
df -h . 2>/dev/null | tail -n 1 || true
scripts/setup.sh --test

step "format"
cargo fmt --all -- --check

step "ui: type check and unit tests"
(cd ui && npm run --silent typecheck && npm test --silent)

step "clippy (warnings denied)"
cargo clippy --locked --workspace --all-targets -- -D warnings

step "build"
cargo build --locked --workspace --all-targets

step "rust tests, keychain and end-to-end (private desktop session)"
scripts/with-desktop.sh cargo test --locked --workspace --all-targets -- --include-ignored

step "peers: tweepy and twitter-api-v2 against the simulator (strict signatures)"
bash crates/x-sim/peers/run.sh

step "headless CLI build (no GUI libraries)"
cargo check --locked -p postbridge --no-default-features

step "install test: the .deb built, installed, launched from its menu entry, purged"
scripts/install-test.sh
