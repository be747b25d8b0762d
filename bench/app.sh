#!/usr/bin/env bash
# App start-up and memory at rest, Postbridge next to a bare Tauri 2 window, both release
# builds, in the private desktop session (Xvfb, D-Bus, keychain) of scripts/with-desktop.sh.
#
#   bash bench/app.sh [BARE_TAURI_BINARY [ITS_WINDOW_TITLE]]
#
# Postbridge's binary is target/release/postbridge (built by `tauri build`, see the README's
# Install section; BENCH_APP overrides it). The bare window is bench/bare-tauri, built with the
# same release profile:
#   cargo build --release --manifest-path bench/bare-tauri/Cargo.toml --features tauri/custom-protocol
# and passed as the first argument (its title is "Bare").
#
# For each app, one warm-up launch (not reported), then BENCH_LAUNCHES (default 5) launches,
# each on a fresh home:
# - launch → window mapped (xdotool --sync);
# - Postbridge only: launch → interactive composer — an account is saved first (accounts'
#   `seed_profile` example: a profile and its keys in the session's keychain), so the app opens
#   on the composer; when the draft is restored and its field takes keystrokes the page tells
#   Rust, which prints `postbridge-probe: interactive at <unix ms>` (ui/src/lib/probe.ts);
# - 3 s after the window is mapped, the RSS and PSS of the app and every process below it
#   (WebKitWebProcess, WebKitNetworkProcess), from /proc/<pid>/smaps_rollup.
set -euo pipefail
cd "$(dirname "$0")/.."
bare="${1:-}"
bare_title="${2:-Bare}"
app="${BENCH_APP:-target/release/postbridge}"
launches="${BENCH_LAUNCHES:-5}"
[[ -x "$app" ]] || { echo "build the release app first (README: Install)" >&2; exit 2; }
cargo build --release --quiet -p accounts --example seed_profile
seed="${CARGO_TARGET_DIR:-$(pwd)/target}/release/examples/seed_profile"

descendants() { # $1 = pid: it and every process below it
  local p="$1"; echo "$p"
  for c in $(pgrep -P "$p" || true); do descendants "$c"; done
}

measure() { # $1 = binary, $2 = window title, $3 = seed binary (Postbridge) or empty
  local bin="$1" title="$2" seed="$3"
  # One launch first, not reported: the first WebKit process of a fresh desktop session pays for
  # caches (fonts, shaders) that every later launch of either app finds warm.
  for i in $(seq 0 "$launches"); do
    local home; home=$(mktemp -d)
    local service="bench-$$-$i"
    if [[ -n "$seed" ]]; then "$seed" "$home/c/postbridge" "$service"; fi
    local t0; t0=$(date +%s%3N)
    XDG_CONFIG_HOME="$home/c" XDG_DATA_HOME="$home/d" POSTBRIDGE_KEYCHAIN_SERVICE="$service" "$bin" >/dev/null 2>"$home/stderr" &
    local pid=$!
    timeout 30 xdotool search --sync --onlyvisible --name "^${title}\$" >/dev/null
    local t1; t1=$(date +%s%3N)
    local interactive="-"
    if [[ -n "$seed" ]]; then
      for _ in $(seq 1 300); do
        local at; at=$(sed -n 's/^postbridge-probe: interactive at \([0-9]*\)$/\1/p' "$home/stderr" | head -1)
        if [[ -n "$at" ]]; then interactive=$(( at - t0 )); break; fi
        sleep 0.05
      done
    fi
    sleep 3
    local rss=0 pss=0
    for p in $(descendants "$pid"); do
      [[ -r /proc/$p/smaps_rollup ]] || continue
      rss=$(( rss + $(awk '/^Rss:/{print $2}' /proc/$p/smaps_rollup) ))
      pss=$(( pss + $(awk '/^Pss:/{print $2}' /proc/$p/smaps_rollup) ))
    done
    [[ $i -gt 0 ]] && printf '%s\t%d\t%s\t%d\t%d\n' "$(basename "$bin")" $(( t1 - t0 )) "$interactive" $(( rss / 1024 )) $(( pss / 1024 ))
    local tree; tree=$(descendants "$pid")
    kill $tree 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -rf "$home"
    sleep 1
  done
}

echo -e "app\tms_to_window\tms_to_interactive\trss_mb\tpss_mb"
scripts/with-desktop.sh bash -c "launches=$launches; $(declare -f descendants measure); measure '$app' Postbridge '$seed'; if [[ -n '$bare' ]]; then measure '$bare' '$bare_title' ''; fi"
