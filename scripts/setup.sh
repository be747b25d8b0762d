#!/usr/bin/env bash
# Installs whatever is missing to build, run and test Postbridge on Debian/Ubuntu:
# system packages (apt), tauri-driver (cargo) and the UI's npm packages (from the lockfile).
# Safe to run again: each step is skipped when already done. Uses sudo when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

# Build: WebKitGTK 4.1 and friends; nasm for OpenH264's SIMD (a video's first frame; without it
# the build silently falls back to plain C). Run/test: Xvfb, WebDriver, D-Bus, gnome-keyring.
# dunst: a real notification service (D-Bus-activated in the test session) for the queue's notifications.
BUILD_PKGS="build-essential nasm pkg-config file libssl-dev libwebkit2gtk-4.1-dev librsvg2-dev libdbus-1-dev nodejs npm"
TEST_PKGS="openssl python3-venv webkit2gtk-driver xvfb xauth x11-utils xdotool imagemagick librsvg2-bin dbus dbus-x11 gnome-keyring libsecret-tools keyutils procps python3-gi gir1.2-gtk-3.0 dunst"
want="$BUILD_PKGS"
if [[ "${1:-}" == "--test" ]]; then want="$BUILD_PKGS $TEST_PKGS"; fi

# A machine with its own Node.js (e.g. from nodesource) does not need Debian's.
have_node=no
if command -v node >/dev/null && command -v npm >/dev/null; then have_node=yes; fi
missing=()
for p in $want; do
  if [[ $have_node == yes && ( $p == nodejs || $p == npm ) ]]; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "setup: Rust is missing: install it from https://rustup.rs (stable, 1.90 or newer), then run this again." >&2
  exit 1
fi

if [[ "${1:-}" == "--test" ]] && ! command -v tauri-driver >/dev/null; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --locked --version '^2.1' --quiet
fi

# The UI's packages, exactly as locked.
if [[ ! -d ui/node_modules ]] || [[ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]]; then
  echo "setup: installing the UI's npm packages"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
# The bundle Tauri embeds.
(cd ui && npm run --silent build)
