#!/usr/bin/env bash
# Renders the app icon (src-tauri/icons/icon.svg, drawn by hand) to every file Tauri's
# bundler needs: PNGs for Linux (.deb) and the window icon, icon.icns (macOS), icon.ico
# (Windows). Run it after editing the SVG and commit the results.
#
# Needs rsvg-convert (apt: librsvg2-bin) and the UI's npm packages (`cd ui && npm ci`), whose
# @tauri-apps/cli (`tauri icon`) writes the .icns and .ico.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=src-tauri/icons
svg=$dir/icon.svg

render() { rsvg-convert --width "$1" --height "$1" --keep-aspect-ratio "$svg" --output "$2"; }
render 32 "$dir/32x32.png"
render 128 "$dir/128x128.png"
render 256 "$dir/128x128@2x.png"
render 512 "$dir/icon.png"
# `tauri icon` also writes Windows Store, Android and iOS icons; keep only .icns and .ico.
# Its .icns/.ico embed every size down to 16 px, downscaled from a 1024 px rendering.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
render 1024 "$tmp/source.png"
(cd ui && npx --no-install tauri icon "$tmp/source.png" --output "$tmp/out" >"$tmp/log" 2>&1) || { cat "$tmp/log" >&2; exit 1; }
cp "$tmp/out/icon.icns" "$tmp/out/icon.ico" "$dir/"
ls -l "$dir"
