# Shared set-up of the upload benchmarks, sourced by bench/run.sh and bench/link.sh (not run
# on its own). After `source bench/lib.sh` and `bench_init`, the caller has:
#   $here (bench/), the repository root as working directory, $work (a temp dir removed on
#   exit, with every process in $pids stopped), $results (section <TAB> name <TAB> value per
#   line, written by `rec`), `log`, and the functions below.
# Pinned peers: TWEEPY_VERSION, TWITTER_API_V2_VERSION (as crates/x-sim/peers/run.sh).
# Postbridge's segment size and APPENDs in flight: PB_CHUNK_MIB (default 4), PB_CONCURRENCY
# (default 6) — x-client's ClientConfig defaults when this was written; x-client's
# upload_bench example takes them explicitly, so set them when the defaults change.

TWEEPY_VERSION="${TWEEPY_VERSION:-4.17.0}"
TWITTER_API_V2_VERSION="${TWITTER_API_V2_VERSION:-1.29.1}"
PB_CHUNK_MIB="${PB_CHUNK_MIB:-4}"
PB_CONCURRENCY="${PB_CONCURRENCY:-6}"

bench_init() {   # temp dir, clean-up trap, results file, machine facts
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  cd "$here/.."
  work="$(mktemp -d)"
  pids=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  results="$work/results.tsv"
  : > "$results"
  t_start=$(date +%s)
  rec meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
  rec meta uptime_before "$(uptime)"
  rec meta nproc "$(nproc)"
  rec meta cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  rec meta mem "$(free -m | awk '/^Mem:/ {print $2 " MiB"}')"
  rec meta commit "$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
}
bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
bench_finish() {   # closing facts; copies the raw results to $BENCH_RESULTS if set
  rec meta uptime_after "$(uptime)"
  rec meta wall_secs "$(( $(date +%s) - t_start ))"
  if [ -n "${BENCH_RESULTS:-}" ]; then cp "$results" "$BENCH_RESULTS"; fi
}

rec() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$results"; }
log() { echo "[bench $(date -u +%H:%M:%S)] $*" >&2; }

exe() {   # $1 = package, $2 = example: builds it (release), prints the executable's path
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

build_sim() {   # the CLI-only release build (replaces target/release/postbridge); sets $sim_bin
  cargo build -q --release --no-default-features --bin postbridge
  mkdir -p "$work/bin"
  cp target/release/postbridge "$work/bin/postbridge"
  sim_bin="$work/bin/postbridge"
}

install_peers() {   # tweepy into $work/venv, twitter-api-v2 into $work/node_modules
  log "installing tweepy $TWEEPY_VERSION and twitter-api-v2 $TWITTER_API_V2_VERSION into $work"
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q "tweepy==$TWEEPY_VERSION"
  (cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund "twitter-api-v2@$TWITTER_API_V2_VERSION" >/dev/null)
}

make_certs() {   # sets $ca
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
}

# The video: the bytes x-client's upload_bench writes (ftyp of testkit::samples::mp4, one mdat box),
# so the file it regenerates in $TMPDIR is identical to the one the others upload.
gen_video() {   # $1 = path, $2 = MiB
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

start_sim_https() {   # $1 = name: the simulator over HTTPS for every client; exports SIM_*
  start_sim "$1" --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" \
    --signing-origin https://api.twitter.com
  export SIM_API="$sim_api" SIM_UPLOAD="$sim_upload"
  export SIM_CK=simDemoConsumerKey000000
  export SIM_CS=simDemoConsumerSecret00000000000000000000000000
  export SIM_AT=1700000000000000001-simDemoAccessToken0000000000000
  export SIM_ATS=simDemoAccessTokenSecret000000000000000000000
}

sim_post() {   # $1 = control path under /_sim/, $2 = JSON body (the HTTPS simulator)
  curl -sS --fail --cacert "$ca" -o /dev/null -H 'content-type: application/json' -d "$2" "$SIM_API/_sim/$1"
}
sim_get() {   # $1 = control path under /_sim/: prints the JSON (the HTTPS simulator)
  curl -sS --fail --cacert "$ca" "$SIM_API/_sim/$1"
}

status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

median() { python3 -c 'import statistics,sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.3f}")' "$@"; }

# One Postbridge upload of $video ($MB MiB) by x-client's upload_bench example ($pb_bench):
# $1 = route (v2|v1.1), $2 = API base, $3 = upload base, $4 = latency set by the example
# (0 = it clears the faults). HTTPS needs PB_BENCH_CA (and SSL_CERT_FILE) in the environment.
# Prints the upload's seconds; the process's peak RSS (KiB) is left in $work/pb.rss.
# Fails (and logs why) if the upload failed.
pb_seconds() {
  local out
  if out="$(PB_BENCH_FILE="$video" PB_BENCH_API="$2" PB_BENCH_UPLOAD="$3" /usr/bin/time -f '%M' -o "$work/pb.rss" "$pb_bench" "$MB" "$4" "$1" "$PB_CHUNK_MIB" "$PB_CONCURRENCY" 2>"$work/pb.err" | grep '^| v')"; then
    awk -F'|' '{gsub(/[ s]/, "", $6); print $6}' <<<"$out"
  else
    log "  postbridge FAILED: $(tail -c 600 "$work/pb.err")"
    return 1
  fi
}

# One peer upload: $1 = name (for the log), rest = the command, which prints `seconds=S`.
# Prints S; the process's peak RSS (KiB) is left in $work/peer.rss. Fails (and logs why).
peer_seconds() {
  local name="$1" out; shift
  if out="$(/usr/bin/time -f '%M' -o "$work/peer.rss" "$@" 2>"$work/peer.err")"; then
    sed -n 's/^seconds=\([0-9.]*\).*/\1/p' <<<"$out"
  else
    log "  $name FAILED: $(tail -c 600 "$work/peer.err")"
    return 1
  fi
}
# The peers' commands against the HTTPS simulator (after install_peers, make_certs, start_sim_https).
peer_tweepy() { peer_seconds tweepy_v1.1 env REQUESTS_CA_BUNDLE="$ca" "$work/venv/bin/python" "$here/peer_tweepy.py" "$video"; }
peer_tav2() {   # $1 = v1|v2
  peer_seconds "twitter-api-v2_$1" env NODE_EXTRA_CA_CERTS="$ca" NODE_PATH="$work/node_modules" node "$here/peer_twitter_api_v2.js" "$1" "$video"
}
