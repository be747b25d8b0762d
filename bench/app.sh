#!/usr/bin/env bash
# App start-up and memory at rest, Postbridge next to a bare Tauri 2 window, both release
# builds, in the private desktop session (Xvfb, D-Bus, keychain) of scripts/with-desktop.sh.
#
#   bash bench/app.sh [BARE_TAURI_BINARY [ITS_WINDOW_TITLE]]
#
# Postbridge's binary is target/release/postbridge (built by `tauri build`, see the README's
# Install section). For each app, 5 launches: time until its window is mapped (xdotool
# --sync), then, 3 s later, the RSS and PSS of the app and its WebKit child processes.
set -euo pipefail
cd "$(dirname "$0")/.."
bare="${1:-}"
bare_title="${2:-Bare}"
app="target/release/postbridge"
[[ -x "$app" ]] || { echo "build the release app first (README: Install)" >&2; exit 2; }

descendants() { # $1 = pid: it and every process below it
  local p="$1"; echo "$p"
  for c in $(pgrep -P "$p" || true); do descendants "$c"; done
}

measure() { # $1 = binary, $2 = window title
  local bin="$1" title="$2"
  for i in 1 2 3 4 5; do
    local home; home=$(mktemp -d)
    local t0; t0=$(date +%s%N)
    XDG_CONFIG_HOME="$home/c" XDG_DATA_HOME="$home/d" POSTBRIDGE_KEYCHAIN_SERVICE="bench-$$" "$bin" >/dev/null 2>&1 &
    local pid=$!
    timeout 30 xdotool search --sync --onlyvisible --name "^${title}\$" >/dev/null
    local t1; t1=$(date +%s%N)
    sleep 3
    local rss=0 pss=0
    for p in $(descendants "$pid"); do
      [[ -r /proc/$p/smaps_rollup ]] || continue
      rss=$(( rss + $(awk '/^Rss:/{print $2}' /proc/$p/smaps_rollup) ))
      pss=$(( pss + $(awk '/^Pss:/{print $2}' /proc/$p/smaps_rollup) ))
    done
    printf '%s\t%d\t%d\t%d\n' "$(basename "$bin")" $(( (t1 - t0) / 1000000 )) $(( rss / 1024 )) $(( pss / 1024 ))
    local tree; tree=$(descendants "$pid")
    kill $tree 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -rf "$home"
    sleep 1
  done
}

export -f measure
echo -e "app\tms_to_window\trss_mb\tpss_mb"
scripts/with-desktop.sh bash -c "$(declare -f descendants measure); measure '$app' Postbridge; if [[ -n '$bare' ]]; then measure '$bare' '$bare_title'; fi"
