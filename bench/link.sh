#!/usr/bin/env bash
# Uploads over a real-world link (issue 15), one command:
#
#   bash bench/link.sh         (from anywhere; needs what bench/run.sh needs: cargo, curl,
#                               openssl, python3 with venv, node + npm, /usr/bin/time,
#                               registry access for the pinned peers)
#
# The same BENCH_MB video (default 200 MiB) is uploaded by Postbridge (x-client's
# `upload_bench` example, v2 and v1.1 routes, PB_CHUNK_MIB x PB_CONCURRENCY segments, default
# 4 MiB x 6), tweepy (v1.1 chunked) and twitter-api-v2 (v1.1 and v2 chunked) to one simulator
# (`postbridge sim --print-bases`, release, HTTPS with a throwaway CA, processing 0 ms, plan
# unlimited) whose link (`POST /_sim/link`, x-sim's link model) is set to each profile of
# BENCH_LINKS in turn; the five clients run interleaved, BENCH_REPS rounds per profile
# (default 3). Per client and profile: median seconds of the upload call, goodput (file bytes
# / seconds) and its share of the link's uplink rate.
#
# BENCH_LINKS: space-separated profiles MBIT:RTT_MS[:STALLS_PER_SEC:STALL_MS], default
# "100:50 20:50" (100 and 20 Mbit/s uplink, 50 ms RTT); e.g. add "20:50:0.5:200" for a run
# with a 200 ms stall every 2 s of transfer on average (seeded, so the same for every client).
# BENCH_RESULTS: a file to copy the raw per-run results to. TWEEPY_VERSION,
# TWITTER_API_V2_VERSION, PB_CHUNK_MIB, PB_CONCURRENCY: see bench/lib.sh.
# At full size this takes long: every upload lasts at least size / rate (200 MiB at 20 Mbit/s:
# 84 s), so the defaults are about 5 clients x 3 rounds x (17 + 84 s) ≈ 25 min plus builds.
# Every process started here is stopped on exit, and the temp dir is removed. Like run.sh,
# the CLI-only release build replaces target/release/postbridge.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

REPS="${BENCH_REPS:-3}"
MB="${BENCH_MB:-200}"
LINKS="${BENCH_LINKS:-100:50 20:50}"

bench_init
rec meta links "$LINKS"
rec meta reps "$REPS"
rec meta pb_segments "$PB_CHUNK_MIB MiB x $PB_CONCURRENCY"

log "building release binaries (may wait on the shared cargo lock)"
build_sim
pb_bench="$(exe x-client upload_bench)"
[ -x "$sim_bin" ] && [ -x "$pb_bench" ] || { echo "binaries not found" >&2; exit 1; }

install_peers
make_certs
video="$work/pb-bench-$MB.mp4"
gen_video "$video" "$MB"
export TMPDIR="$work"

start_sim_https sim-link
sim_post faults '{"clear":true}'

pb_https() {   # $1 = route: one Postbridge upload to the HTTPS simulator, prints seconds
  PB_BENCH_CA="$ca" SSL_CERT_FILE="$ca" pb_seconds "$1" "$SIM_API" "$SIM_UPLOAD" 0
}
run() {   # $1 = client name, rest = command printing seconds; records them (or "fail") for $spec
  local name="$1" s; shift
  # Set again before every upload: the uplink's schedule and the seeded stall sequence start
  # afresh, so every client meets the same stalls at the same points of its transfer.
  sim_post link "$link_json"
  s="$("$@")" || s=fail
  rec "link_$spec" "$name" "$s"
  log "  $spec $name: $s s"
}

for spec in $LINKS; do
  IFS=: read -r mbit rtt stall_rate stall_ms <<<"$spec"
  stall_rate="${stall_rate:-0}"; stall_ms="${stall_ms:-0}"
  bits=$(python3 -c 'import sys; print(int(float(sys.argv[1]) * 1e6))' "$mbit")
  link_json="{\"down\":false,\"uplink_bits_per_sec\":$bits,\"rtt_ms\":$rtt,\"stall_rate\":$stall_rate,\"stall_ms\":$stall_ms}"
  sim_post link "$link_json"
  log "link $spec: $(sim_get link)"
  rec link "$spec" "$bits $rtt $stall_rate $stall_ms"
  rec "stats_before_$spec" stats "$(sim_get link/stats)"
  for i in $(seq 1 "$REPS"); do
    run postbridge_v2 pb_https v2
    run postbridge_v1.1 pb_https v1.1
    run tweepy_v1.1 peer_tweepy
    run twitter-api-v2_v1.1 peer_tav2 v1
    run twitter-api-v2_v2 peer_tav2 v2
  done
  rec "stats_after_$spec" stats "$(sim_get link/stats)"
done
sim_post link '{"down":false,"uplink_bits_per_sec":0,"rtt_ms":0,"stall_rate":0,"stall_ms":0}'
bench_finish
python3 "$here/link_report.py" "$results" "$MB"
