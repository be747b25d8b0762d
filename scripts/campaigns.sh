#!/usr/bin/env bash
# The never-twice / nothing-lost campaigns of docs/reliability.md at full size: 300 faulty
# publishes, 50 SIGKILLs of the engine process, 50 pairs of processes on one draft, and the
# queue's 200 due items with 3 concurrent `postbridge-cli queue run --once` runners per round
# and random SIGKILLs. Each prints one `campaign …` line with its figures and fails on any
# double post or lost part. CI runs the same tests at small sizes inside scripts/test.sh.
# Seed: CAMPAIGN_SEED.
set -uo pipefail
cd "$(dirname "$0")/.."
export CAMPAIGN_PUBLISHES="${CAMPAIGN_PUBLISHES:-300}" CAMPAIGN_KILLS="${CAMPAIGN_KILLS:-50}" \
  CAMPAIGN_PAIRS="${CAMPAIGN_PAIRS:-50}" QUEUE_CAMPAIGN_ITEMS="${QUEUE_CAMPAIGN_ITEMS:-200}" \
  QUEUE_CAMPAIGN_RUNNERS="${QUEUE_CAMPAIGN_RUNNERS:-3}"
log=$(mktemp)
rc=0
cargo test --locked -p composer --test campaigns -- --nocapture --test-threads 1 >"$log" 2>&1 || rc=$?
cargo test --locked -p postbridge-cli --test queue_campaign -- --nocapture --test-threads 1 >>"$log" 2>&1 || rc=$?
grep -E '^campaign |^test |panicked' "$log"
rm -f "$log"
exit $rc
