#!/usr/bin/env bash
# The install test: builds the .deb (production build), installs it with dpkg, launches the
# installed app from its desktop entry's Exec line in a private desktop session and checks the
# first screen over WebDriver (tests/installed_app.rs), then purges the package and checks that
# none of its files remain.
#
#   scripts/install-test.sh             build the .deb, then test it
#   scripts/install-test.sh FILE.deb    test an existing .deb
#
# Needs root or sudo (dpkg), what scripts/setup.sh --test installs, and the UI's npm packages
# (@tauri-apps/cli builds the bundle). Refuses to run if postbridge is already installed:
# the test removes the package at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
pkg=postbridge
say() { printf 'install-test: %s\n' "$*"; }
fail() {
  printf 'install-test: FAIL: %s\n' "$*" >&2
  exit 1
}

if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
  fail "$pkg is already installed on this machine; remove it first (dpkg --purge $pkg)"
fi

version=$(cargo pkgid --quiet -p "$pkg" | sed 's/.*[#@]//')
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')

if [[ $# -ge 1 ]]; then
  deb=$1
else
  say "building the .deb ($pkg $version, release, custom-protocol)"
  (cd ui && npm run --silent build)
  rm -f "$target_dir"/release/bundle/deb/*.deb
  ui/node_modules/.bin/tauri build --ci --bundles deb -- --locked
  shopt -s nullglob
  debs=("$target_dir"/release/bundle/deb/*_"${version}"_*.deb)
  shopt -u nullglob
  (( ${#debs[@]} == 1 )) || fail "expected one .deb for $version, found: ${debs[*]:-none}"
  deb=${debs[0]}
fi
say "package: $deb ($(du -h "$deb" | cut -f1), $(stat -c %s "$deb") bytes)"
if [[ -f $target_dir/release/$pkg ]]; then
  say "release binary: $target_dir/release/$pkg ($(stat -c %s "$target_dir/release/$pkg") bytes)"
fi
[[ $(dpkg-deb -f "$deb" Package) == "$pkg" ]] || fail "the .deb's package is $(dpkg-deb -f "$deb" Package), not $pkg"
[[ $(dpkg-deb -f "$deb" Version) == "$version" ]] || fail "the .deb's version is $(dpkg-deb -f "$deb" Version), Cargo says $version"

# From here on the package is (being) installed: purge it however the test ends.
installed=no
cleanup() {
  if [[ $installed == yes ]]; then
    say "removing $pkg after a failure"
    $SUDO dpkg --purge "$pkg" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

say "installing with dpkg -i"
installed=yes
if ! $SUDO dpkg -i "$deb"; then
  say "installing missing dependencies (apt-get install -f)"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -f -y -qq --no-install-recommends
fi
dpkg-query -W -f='${Status}' "$pkg" | grep -q "install ok installed" || fail "$pkg is not installed"

# Everything the package put on the machine, for the check after removal.
mapfile -t files < <(dpkg -L "$pkg")
(( ${#files[@]} > 0 )) || fail "dpkg -L $pkg lists nothing"

# The desktop entry, and the program its Exec line starts.
mapfile -t entries < <(dpkg -L "$pkg" | grep -E '^/usr/share/applications/[^/]+\.desktop$')
(( ${#entries[@]} == 1 )) || fail "expected one desktop entry, found: ${entries[*]:-none}"
entry=${entries[0]}
say "desktop entry: $entry"
sed 's/^/    /' "$entry"
if command -v desktop-file-validate >/dev/null; then desktop-file-validate "$entry"; fi
field() { sed -n "s/^$1=//p" "$entry" | head -n1; }
exec_line=$(field Exec)
icon=$(field Icon)
wm_class=$(field StartupWMClass)
[[ -n $exec_line && -n $icon && -n $wm_class && -n $(field Name) && -n $(field Categories) ]] ||
  fail "the desktop entry lacks Exec, Icon, StartupWMClass, Name or Categories"
# The program is the Exec line's first word, without field codes (%U and the like).
read -r program _ <<<"${exec_line//%[a-zA-Z]/}"
bin=$(command -v "$program") || fail "Exec=$exec_line: $program is not on PATH"
[[ $(dpkg-query -S "$bin" 2>/dev/null) == "$pkg: "* ]] || fail "Exec starts $bin, which $pkg does not own"
printf '%s\n' "${files[@]}" | grep -qE "^/usr/share/icons/hicolor/.*/apps/$icon\.png$" ||
  fail "no icon named $icon in the package"
say "Exec=$exec_line -> $bin; Icon=$icon; StartupWMClass=$wm_class"

say "launching the installed app over WebDriver (private desktop session)"
POSTBRIDGE_INSTALLED_BIN=$bin POSTBRIDGE_INSTALLED_WM_CLASS=$wm_class \
  scripts/with-desktop.sh cargo test --locked --test installed_app -- --nocapture

say "removing with dpkg --purge"
$SUDO dpkg --purge "$pkg"
installed=no
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
  fail "dpkg still knows $pkg after the purge"
fi
left=()
for f in "${files[@]}"; do
  [[ $f == /. ]] && continue
  [[ -e $f || -L $f ]] || continue
  # A directory may stay when another package owns it too (/usr/bin, /usr/share/icons, ...).
  if [[ -d $f && ! -L $f ]] && dpkg-query -S "$f" >/dev/null 2>&1; then continue; fi
  left+=("$f")
done
(( ${#left[@]} == 0 )) || fail "left behind after the purge: ${left[*]}"
say "PASS: installed, launched from the desktop entry, first screen and version $version checked, purged (${#files[@]} paths gone or shared)"
