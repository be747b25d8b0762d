#!/usr/bin/env bash
# Runs every end-to-end journey N times and tells which ones ever failed.
#
#   scripts/flake-check.sh [N [TEST...]]   (N defaults to 5; TEST: only these tests/TEST.rs)
#
# The journeys are the tests in tests/*.rs that drive the real window through the rig in
# tests/support (`mod support;`), plus tests/installed_app.rs when POSTBRIDGE_INSTALLED_BIN is
# set (it needs the .deb installed: scripts/install-test.sh). They are run as scripts/test.sh
# runs them (`--include-ignored`), each test binary in its own private desktop session
# (scripts/with-desktop.sh).
#
# It builds once, then runs a snapshot of that build (the test binaries and the app, copied to
# target/flake-check/<stamp>/bin), so a rebuild in the shared target dir cannot change the code
# under test between runs. Output: a per-journey pass/fail table and a total; the exit status is
# non-zero if any run of any journey failed. The artifacts of failed runs (screenshot, app log,
# the app's home, the test output) are kept under target/flake-check/<stamp>/run-<i>/, with the
# snapshot they ran; those of passed journeys (and, when nothing failed, the snapshot) are deleted.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

n="${1:-5}"
if ! [[ $n =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [N [TEST...]]   (N >= 1 runs of every journey, or of tests/TEST.rs only)" >&2
  exit 2
fi
shift || true

targets=()
if (( $# > 0 )); then
  for t in "$@"; do
    [[ -f "tests/$t.rs" ]] || { echo "flake-check: no tests/$t.rs" >&2; exit 2; }
    targets+=("$t")
  done
else
  for f in tests/*.rs; do
    if grep -q '^mod support;' "$f"; then targets+=("$(basename "$f" .rs)"); fi
  done
  if [[ -n "${POSTBRIDGE_INSTALLED_BIN:-}" ]]; then targets+=(installed_app); fi
fi
if (( ${#targets[@]} == 0 )); then
  echo "flake-check: no journeys found in tests/*.rs" >&2
  exit 2
fi

stamp=$(date +%Y%m%d-%H%M%S)
out="target/flake-check/$stamp"
mkdir -p "$out/bin"
out=$(cd "$out" && pwd)

echo "==> setup and build (once)"
scripts/setup.sh --test
test_args=()
for t in "${targets[@]}"; do test_args+=(--test "$t"); done
cargo test --locked -p postbridge "${test_args[@]}" --no-run --message-format=json-render-diagnostics \
  > "$out/build.json"
cargo build --locked -p postbridge --bin postbridge
# Copy what was built: each journey's test binary and the app it launches.
python3 - "$out" "${targets[@]}" <<'PY'
import json, shutil, sys
out, wanted = sys.argv[1], set(sys.argv[2:])
found = {}
for line in open(f"{out}/build.json"):
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") != "compiler-artifact" or not msg.get("executable"):
        continue
    target = msg.get("target", {})
    if target.get("name") in wanted and "test" in target.get("kind", []):
        found[target["name"]] = msg["executable"]
missing = wanted - found.keys()
if missing:
    sys.exit(f"flake-check: no test binary for {sorted(missing)}")
for name, exe in found.items():
    shutil.copy2(exe, f"{out}/bin/{name}")
PY
cp -p target/debug/postbridge "$out/bin/postbridge"

results="$out/results.tsv"
: > "$results"
for ((i = 1; i <= n; i++)); do
  run="$out/run-$i"
  mkdir -p "$run"
  for t in "${targets[@]}"; do
    echo "==> run $i/$n: $t"
    log="$run/$t.log"
    status=0
    POSTBRIDGE_E2E_ARTIFACTS="$run/$t" POSTBRIDGE_E2E_APP="$out/bin/postbridge" \
      timeout --kill-after=30 1800 scripts/with-desktop.sh "$out/bin/$t" --include-ignored \
      > "$log" 2>&1 || status=$?
    # Every test the binary has gets a line: ok, or failed (also when it never reported).
    "$out/bin/$t" --list --include-ignored 2>/dev/null | sed -n 's/: test$//p' | while read -r name; do
      if grep -qE "^test $name \.\.\. ok$" "$log"; then
        printf '%s::%s\t%s\tok\n' "$t" "$name" "$i"
      else
        printf '%s::%s\t%s\tFAILED\n' "$t" "$name" "$i"
      fi
    done >> "$results"
    if grep -qE "^test .* \.\.\. FAILED$" "$log" || (( status != 0 )); then
      echo "    failed (exit $status): $log"
    else
      rm -f "$log"
    fi
    # Keep only the artifacts of journeys that did not pass.
    if [[ -d "$run/$t" ]]; then
      for dir in "$run/$t"/*/; do
        [[ -d $dir ]] || continue
        if [[ -f "$dir/outcome" ]] && [[ $(head -n1 "$dir/outcome") == passed ]]; then rm -rf "$dir"; fi
      done
      rmdir "$run/$t" 2>/dev/null || true
    fi
  done
  rmdir "$run" 2>/dev/null || true
done

echo
awk -F'\t' -v n="$n" '
  { seen[$1] = 1; if ($3 == "ok") pass[$1]++; else { fail[$1]++; runs[$1] = runs[$1] (runs[$1] == "" ? "" : ",") $2 } }
  END {
    printf "%-92s %6s %6s  %s\n", "journey", "passed", "failed", "failed runs"
    total = 0; failed = 0
    for (j in seen) names[++k] = j
    # sort names (portable insertion sort)
    for (a = 2; a <= k; a++) { v = names[a]; b = a - 1; while (b > 0 && names[b] > v) { names[b + 1] = names[b]; b-- } names[b + 1] = v }
    for (a = 1; a <= k; a++) {
      j = names[a]
      printf "%-92s %3d/%-2d %6d  %s\n", j, pass[j], n, fail[j], runs[j]
      total += pass[j] + fail[j]; failed += fail[j]
    }
    printf "\ntotal: %d journey runs (%d journeys x %d), %d failed\n", total, k, n, failed
  }' "$results"
if grep -q $'\tFAILED$' "$results"; then
  echo "artifacts of the failed runs: $out (the build they ran: $out/bin)"
  exit 1
fi
rm -rf "$out/bin" "$out/build.json"
echo "results: $results"
