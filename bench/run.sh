#!/usr/bin/env bash
# Upload benchmarks on the X API simulator (issues 3 and 4), one command:
#
#   bash bench/run.sh          (from anywhere; needs cargo, curl, openssl, python3 with venv,
#                               node + npm, /usr/bin/time, registry access for the pinned peers)
#
# Environment: BENCH_REPS (default 5; every figure is the median of that many runs),
# BENCH_MB (default 200, the video all clients upload), BENCH_BIG_MB (default 512),
# BENCH_RESULTS (a file to copy the raw per-run results to), TWEEPY_VERSION,
# TWITTER_API_V2_VERSION (pinned like crates/x-sim/peers/run.sh), PB_CHUNK_MIB and
# PB_CONCURRENCY (Postbridge's segments, default 4 MiB x 6). The set-up shared with
# bench/link.sh (uploads over a shaped link) is in bench/lib.sh.
#
# What it measures (release builds, everything on 127.0.0.1, files in a temp dir):
#  1. Simulator alone (plain HTTP, `postbridge sim --print-bases` in its own process,
#     processing 0 ms, plan unlimited):
#     idle RSS, loopback throughput of v1.1 chunked APPEND with 4 MiB segments sent by
#     x-sim's `upload_bench` example (BENCH_BIG_MB), and the simulator's peak RSS (VmHWM).
#  2. The same BENCH_MB video uploaded by Postbridge (x-client `upload_bench` example,
#     defaults 4 MiB x 6, v1.1 and v2 routes), tweepy (v1.1 chunked), twitter-api-v2 (v1.1 and
#     v2 chunked), with 0 ms and 50 ms injected latency on every endpoint (`/_sim/faults`,
#     endpoint "*"), over HTTPS (the peers cannot talk plain HTTP to X's host names) with a
#     throwaway CA; plus a raw loopback upload of the same bytes (curl POST -> a sink that
#     discards them, over HTTPS and HTTP; and plain TCP sendfile), Postbridge over plain HTTP
#     too, and the peak RSS (/usr/bin/time) of every upload process.
#  3. Peak RSS (/usr/bin/time -v) of the Postbridge upload process for a BENCH_BIG_MB upload.
# Every process started here is stopped on exit (trap), and the temp dir is removed.
# The simulator is the CLI-only release build (`cargo build --release --no-default-features`),
# which replaces target/release/postbridge: run `tauri build` again before bench/app.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"   # shared with bench/link.sh: set-up, simulator, clients

REPS="${BENCH_REPS:-5}"
MB="${BENCH_MB:-200}"
BIG_MB="${BENCH_BIG_MB:-512}"

bench_init

log "building release examples (may wait on the shared cargo lock)"
build_sim
sim_bench="$(exe x-sim upload_bench)"
pb_bench="$(exe x-client upload_bench)"
[ -x "$sim_bin" ] && [ -x "$pb_bench" ] && [ -x "$sim_bench" ] || { echo "example binaries not found" >&2; exit 1; }

install_peers
make_certs

video="$work/pb-bench-$MB.mp4"
gen_video "$video" "$MB"
export TMPDIR="$work"

# ---------------------------------------------------------------- 1. simulator alone
log "simulator over HTTP: idle RSS, $BIG_MB MiB of 4 MiB v1.1 APPENDs"
start_sim sim-http
http_api="$sim_api"; http_upload="$sim_upload"; http_pid="$sim_pid"
sleep 1
rec sim idle_rss_kb "$(status_kb "$http_pid" VmRSS)"
for i in $(seq 1 "$REPS"); do
  out="$("$sim_bench" "$http_upload" "$BIG_MB")"
  log "  $out"
  rec sim_mbps "$i" "$(sed -n 's/.*s, \([0-9.]*\) MB\/s.*/\1/p' <<<"$out")"
  if [ "$i" = 1 ]; then rec sim peak_rss_first_kb "$(status_kb "$http_pid" VmHWM)"; fi
done
rec sim peak_rss_kb "$(status_kb "$http_pid" VmHWM)"
rec sim rss_after_kb "$(status_kb "$http_pid" VmRSS)"

# ---------------------------------------------------------------- raw loopback
raw_upload() {   # $1 = http|https|tcp; records seconds
  local pf="$work/sink-$1.port" args=()
  rm -f "$pf"
  if [ "$1" = https ]; then args=("$work/cert.pem" "$work/key.pem"); fi
  if [ "$1" = tcp ]; then args=(--tcp); fi
  python3 "$here/sink.py" "$pf" "${args[@]}" 2>>"$work/sink.err" &
  local sp=$!
  pids+=("$sp")
  for _ in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
  local port; port="$(cat "$pf")"
  for i in $(seq 1 "$REPS"); do
    local s
    if [ "$1" = tcp ]; then
      s="$(python3 "$here/raw_send.py" "$port" "$video")"
    else
      s="$(curl -sS --cacert "$ca" -o /dev/null -X POST -T "$video" -H 'Expect:' \
      -H 'Content-Type: application/octet-stream' -w '%{time_total}' "$1://127.0.0.1:$port/")"
    fi
    rec "raw_$1" "$i" "$s"
    log "  raw $1 $i: $s s"
  done
  kill "$sp" 2>/dev/null || true; wait "$sp" 2>/dev/null || true
}
log "raw loopback upload of the same $MB MiB (curl -> sink)"
raw_upload http
raw_upload https
raw_upload tcp

# ---------------------------------------------------------------- Postbridge (x-client)
pb_upload() {   # $1 = scheme label, $2 = api, $3 = upload, $4 = latency, $5 = route; records seconds
  local s
  if s="$(pb_seconds "$5" "$2" "$3" "$4")"; then
    rec "rss_$1_$4" "postbridge_$5" "$(tail -n 1 "$work/pb.rss")"
  else
    s=fail
  fi
  rec "$1_$4" "postbridge_$5" "$s"
  log "  postbridge $1 $5 $4 ms: $s s"
}
log "Postbridge over plain HTTP (0 and 50 ms)"
for lat in 0 50; do
  for i in $(seq 1 "$REPS"); do
    pb_upload http "$http_api" "$http_upload" "$lat" v2
    pb_upload http "$http_api" "$http_upload" "$lat" v1.1
  done
done

log "Postbridge peak RSS for a $BIG_MB MiB upload (/usr/bin/time -v)"
for route in v2 v1.1; do
  PB_BENCH_API="$http_api" PB_BENCH_UPLOAD="$http_upload" \
    /usr/bin/time -v -o "$work/time-$route.txt" "$pb_bench" "$BIG_MB" 0 "$route" "$PB_CHUNK_MIB" "$PB_CONCURRENCY" > "$work/big-$route.out"
  rec pb_rss "$route" "$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time-$route.txt")"
  rec pb_big_secs "$route" "$(awk -F'|' '/^\| v/ {gsub(/[ s]/, "", $6); print $6}' "$work/big-$route.out")"
done
rm -f "$work/pb-bench-$BIG_MB.mp4"
kill "$http_pid" 2>/dev/null || true

# ---------------------------------------------------------------- everyone over HTTPS
log "simulator over HTTPS: Postbridge vs tweepy vs twitter-api-v2"
start_sim_https sim-https

set_latency() {
  sim_post faults '{"clear":true}'
  if [ "$1" -gt 0 ]; then
    sim_post faults "{\"endpoint\":\"*\",\"faults\":{\"latency_ms\":$1}}"
  fi
}
peer() {   # $1 = latency, $2 = name, $3 = peer_tweepy | peer_tav2 v1|v2; records seconds or "fail"
  local lat="$1" name="$2" s; shift 2
  if s="$("$@")"; then
    rec "rss_https_$lat" "$name" "$(tail -n 1 "$work/peer.rss")"
  else
    s=fail
  fi
  rec "https_$lat" "$name" "$s"
  log "  $name $lat ms: $s s"
}
for lat in 0 50; do
  set_latency "$lat"
  for i in $(seq 1 "$REPS"); do
    PB_BENCH_CA="$ca" SSL_CERT_FILE="$ca" pb_upload https "$SIM_API" "$SIM_UPLOAD" "$lat" v2
    PB_BENCH_CA="$ca" SSL_CERT_FILE="$ca" pb_upload https "$SIM_API" "$SIM_UPLOAD" "$lat" v1.1
    set_latency "$lat"   # Postbridge's example sets "*" itself; make sure it is as intended
    peer "$lat" tweepy_v1.1 peer_tweepy
    peer "$lat" twitter-api-v2_v1.1 peer_tav2 v1
    peer "$lat" twitter-api-v2_v2 peer_tav2 v2
  done
done
set_latency 0
bench_finish
python3 "$here/report.py" "$results" "$MB" "$BIG_MB"
