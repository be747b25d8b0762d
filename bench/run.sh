#!/usr/bin/env bash
# Upload benchmarks on the X API simulator (issues 3 and 4), one command:
#
#   bash bench/run.sh          (from anywhere; needs cargo, curl, openssl, python3 with venv,
#                               node + npm, /usr/bin/time, registry access for the pinned peers)
#
# Environment: BENCH_REPS (default 5; every figure is the median of that many runs),
# BENCH_MB (default 200, the video all clients upload), BENCH_BIG_MB (default 512),
# BENCH_RESULTS (a file to copy the raw per-run results to), TWEEPY_VERSION,
# TWITTER_API_V2_VERSION (pinned like crates/x-sim/peers/run.sh).
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

TWEEPY_VERSION="${TWEEPY_VERSION:-4.17.0}"
TWITTER_API_V2_VERSION="${TWITTER_API_V2_VERSION:-1.29.1}"
REPS="${BENCH_REPS:-5}"
MB="${BENCH_MB:-200}"
BIG_MB="${BENCH_BIG_MB:-512}"

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

results="$work/results.tsv"   # section <TAB> name <TAB> value
: > "$results"
rec() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$results"; }
log() { echo "[bench $(date -u +%H:%M:%S)] $*" >&2; }

t_start=$(date +%s)
rec meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
rec meta uptime_before "$(uptime)"
rec meta nproc "$(nproc)"
rec meta cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
rec meta mem "$(free -m | awk '/^Mem:/ {print $2 " MiB"}')"
rec meta commit "$(git rev-parse --short HEAD 2>/dev/null || echo '?')"

log "building release examples (may wait on the shared cargo lock)"
exe() {   # $1 = package, $2 = example: builds it, prints the executable's path
  cargo build -q --release -p "$1" --example "$2" --message-format=json |
    python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == sys.argv[1]:
        print(m["executable"])' "$2" | tail -n 1 > "$work/exe.path"
  # Both packages have an `upload_bench` example and cargo uplifts them to the same path:
  # keep a copy of each right after its build.
  mkdir -p "$work/bin"
  cp "$(cat "$work/exe.path")" "$work/bin/$1-$2"
  echo "$work/bin/$1-$2"
}
cargo build -q --release --no-default-features --bin postbridge
mkdir -p "$work/bin"
cp target/release/postbridge "$work/bin/postbridge"
sim_bin="$work/bin/postbridge"
sim_bench="$(exe x-sim upload_bench)"
pb_bench="$(exe x-client upload_bench)"
[ -x "$sim_bin" ] && [ -x "$pb_bench" ] && [ -x "$sim_bench" ] || { echo "example binaries not found" >&2; exit 1; }

log "installing tweepy $TWEEPY_VERSION and twitter-api-v2 $TWITTER_API_V2_VERSION into $work"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "tweepy==$TWEEPY_VERSION"
(cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund "twitter-api-v2@$TWITTER_API_V2_VERSION" >/dev/null)

# A throwaway CA and a server certificate it signs (rustls refuses a self-signed CA
# certificate used as the server's own), SANs covering 127.0.0.1 and X's host names.
# Clients trust ca.pem; the simulator and the raw sink serve cert.pem.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=postbridge bench CA" \
  -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
  -keyout "$work/key.pem" -out "$work/server.csr" 2>/dev/null
printf '%s\n' \
  "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:api.x.com,DNS:upload.x.com,DNS:api.twitter.com,DNS:upload.twitter.com" \
  "basicConstraints=CA:FALSE" "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
  > "$work/server.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
  -days 2 -extfile "$work/server.ext" -out "$work/cert.pem" 2>/dev/null
ca="$work/ca.pem"

# The video: the bytes x-client's upload_bench writes (ftyp of testkit::samples::mp4, one mdat box),
# so the file it regenerates in $TMPDIR is identical to the one the others upload.
gen_video() {
  python3 - "$1" "$2" <<'PY'
import struct, sys
path, mb = sys.argv[1], int(sys.argv[2])
total = mb * 1024 * 1024
ftyp = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
with open(path, "wb") as f:
    f.write(ftyp + struct.pack(">I", total - 32) + b"mdat")
    left, block = total - 40, b"\x07" * (1 << 20)
    while left > 0:
        n = min(left, len(block)); f.write(block[:n]); left -= n
PY
}
video="$work/pb-bench-$MB.mp4"
gen_video "$video" "$MB"
export TMPDIR="$work"

start_sim() {   # $1 = name, rest = extra `postbridge sim` options; sets sim_api sim_upload sim_pid
  local name="$1"; shift
  "$sim_bin" sim --print-bases --api-addr 127.0.0.1:0 --upload-addr 127.0.0.1:0 \
    --processing-ms 0 --plan unlimited "$@" > "$work/$name.out" 2>&1 &
  local p=$!
  pids+=("$p")
  for _ in $(seq 1 100); do grep -q '^api ' "$work/$name.out" 2>/dev/null && break; sleep 0.1; done
  read -r _ sim_api _ sim_upload _ sim_pid < "$work/$name.out"
  [ "$sim_pid" = "$p" ] || { echo "simulator did not start: $(cat "$work/$name.out")" >&2; exit 1; }
}
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

median() { python3 -c 'import statistics,sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.3f}")' "$@"; }

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
  local out s
  if out="$(PB_BENCH_FILE="$video" PB_BENCH_API="$2" PB_BENCH_UPLOAD="$3" /usr/bin/time -f '%M' -o "$work/pb.rss" "$pb_bench" "$MB" "$4" "$5" 4 6 2>"$work/pb.err" | grep '^| v')"; then
    s="$(awk -F'|' '{gsub(/[ s]/, "", $6); print $6}' <<<"$out")"
    rec "rss_$1_$4" "postbridge_$5" "$(tail -n 1 "$work/pb.rss")"
  else
    s=fail
    log "  postbridge FAILED: $(tail -c 600 "$work/pb.err")"
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
    /usr/bin/time -v -o "$work/time-$route.txt" "$pb_bench" "$BIG_MB" 0 "$route" 4 6 > "$work/big-$route.out"
  rec pb_rss "$route" "$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time-$route.txt")"
  rec pb_big_secs "$route" "$(awk -F'|' '/^\| v/ {gsub(/[ s]/, "", $6); print $6}' "$work/big-$route.out")"
done
rm -f "$work/pb-bench-$BIG_MB.mp4"
kill "$http_pid" 2>/dev/null || true

# ---------------------------------------------------------------- everyone over HTTPS
log "simulator over HTTPS: Postbridge vs tweepy vs twitter-api-v2"
start_sim sim-https --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" \
  --signing-origin https://api.twitter.com
export SIM_API="$sim_api" SIM_UPLOAD="$sim_upload"
export SIM_CK=simDemoConsumerKey000000
export SIM_CS=simDemoConsumerSecret00000000000000000000000000
export SIM_AT=1700000000000000001-simDemoAccessToken0000000000000
export SIM_ATS=simDemoAccessTokenSecret000000000000000000000

set_latency() {
  curl -sS --cacert "$ca" -o /dev/null -H 'content-type: application/json' \
    -d '{"clear":true}' "$SIM_API/_sim/faults"
  if [ "$1" -gt 0 ]; then
    curl -sS --cacert "$ca" -o /dev/null -H 'content-type: application/json' \
      -d "{\"endpoint\":\"*\",\"faults\":{\"latency_ms\":$1}}" "$SIM_API/_sim/faults"
  fi
}
peer() {   # $1 = latency, $2 = name, rest = command; records seconds or "fail"
  local lat="$1" name="$2" out s; shift 2
  if out="$(/usr/bin/time -f '%M' -o "$work/peer.rss" "$@" 2>"$work/peer.err")"; then
    s="$(sed -n 's/^seconds=\([0-9.]*\).*/\1/p' <<<"$out")"
    rec "rss_https_$lat" "$name" "$(tail -n 1 "$work/peer.rss")"
  else
    s=fail
    log "  $name FAILED: $(tail -c 600 "$work/peer.err")"
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
    peer "$lat" tweepy_v1.1 env REQUESTS_CA_BUNDLE="$ca" "$work/venv/bin/python" "$here/peer_tweepy.py" "$video"
    peer "$lat" twitter-api-v2_v1.1 env NODE_EXTRA_CA_CERTS="$ca" NODE_PATH="$work/node_modules" node "$here/peer_twitter_api_v2.js" v1 "$video"
    peer "$lat" twitter-api-v2_v2 env NODE_EXTRA_CA_CERTS="$ca" NODE_PATH="$work/node_modules" node "$here/peer_twitter_api_v2.js" v2 "$video"
  done
done
set_latency 0
rec meta uptime_after "$(uptime)"
rec meta wall_secs "$(( $(date +%s) - t_start ))"
if [ -n "${BENCH_RESULTS:-}" ]; then cp "$results" "$BENCH_RESULTS"; fi
python3 "$here/report.py" "$results" "$MB" "$BIG_MB"
