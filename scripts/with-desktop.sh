#!/usr/bin/env bash
# Runs a command inside a private desktop session: a virtual X display (Xvfb), a private
# D-Bus session bus, a fresh kernel session keyring, and an unlocked gnome-keyring providing
# the Secret Service. Nothing started here outlives the command.
#
#   scripts/with-desktop.sh cargo test
#
# On your own desktop (a display and an unlocked keychain already there) just run the command.
set -euo pipefail

if [[ "${POSTBRIDGE_IN_DESKTOP:-}" == 1 ]]; then
  exec "$@"
fi

keyring_home=$(mktemp -d -t postbridge-keyring.XXXXXX)
trap 'rm -rf "$keyring_home"' EXIT

# xvfb-run picks a free display; dbus-run-session ends the bus when the command exits;
# keyctl gives keyutils a proper session keyring. The inner script unlocks a throwaway
# login keyring (fixed password) and, when the command is done, stops every process that
# was started on this private bus (gnome-keyring, the accessibility bus WebKit activates).
xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  dbus-run-session -- keyctl session - \
  env POSTBRIDGE_IN_DESKTOP=1 KEYRING_HOME="$keyring_home" NO_AT_BRIDGE=1 bash -c '
    set -uo pipefail
    echo -n postbridge-test | XDG_DATA_HOME="$KEYRING_HOME" gnome-keyring-daemon --unlock --components=secrets >/dev/null
    "$@"
    status=$?
    # Everything whose environment carries this private bus address is ours to stop.
    for pid in $(pgrep -u "$(id -u)" .); do
      [[ $pid == $$ ]] && continue
      if { tr "\0" "\n" < "/proc/$pid/environ"; } 2>/dev/null | grep -qxF "DBUS_SESSION_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS"; then
        kill -TERM "$pid" 2>/dev/null || true
      fi
    done
    exit $status
  ' bash "$@"
