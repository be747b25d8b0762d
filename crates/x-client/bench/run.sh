#!/usr/bin/env bash
# Side-by-side upload benchmark on the simulator (issue 4 "Performance"):
# Postbridge (v1.1 and v2 chunked, default settings) vs tweepy (v1.1 chunked) and
# twitter-api-v2 (v1.1 and v2 chunked), the same video, with 0 ms and 50 ms injected latency,
# plus a raw loopback transfer of the same bytes as the physical limit. The simulator runs in
# its own process over HTTPS (tweepy forces https://) with a throw-away CA.
#
#   crates/x-client/bench/run.sh [MB]        (default 200)
#
# Needs: cargo, python3 + pip, node + npm, openssl, curl. Installs tweepy and twitter-api-v2
# into a scratch directory. Prints a Markdown table; peak RSS is measured with /usr/bin/time
# when present.
set -euo pipefail
cd "$(dirname "$0")/../../.."
MB=${1:-200}
work=$(mktemp -d)
trap 'kill "${sim_pid:-}" "${plain_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
bench=crates/x-client/bench

cargo build -q --release -p x-client --example sim_server --example upload_bench

python3 -c 'import tweepy' 2>/dev/null || pip3 install -q tweepy
(cd "$work" && npm init -y >/dev/null && npm install -q --no-audit --no-fund twitter-api-v2 >/dev/null)
export NODE_PATH="$work/node_modules"

# A CA and a leaf for 127.0.0.1 (rustls refuses a self-signed CA as the server's certificate).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" -days 2 -subj "/CN=bench CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/leaf.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$work/leaf.ext"
openssl x509 -req -in "$work/leaf.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -out "$work/cert.pem" -days 2 -extfile "$work/leaf.ext" 2>/dev/null

PB_SIM_TLS_CERT="$work/cert.pem" PB_SIM_TLS_KEY="$work/key.pem" target/release/examples/sim_server > "$work/sim.out" &
sim_pid=$!
for _ in $(seq 50); do [ -s "$work/sim.out" ] && break; sleep 0.1; done
read -r API UPLOAD < "$work/sim.out"
# A second simulator over plain HTTP, to compare with the raw (plain TCP) loopback transfer.
target/release/examples/sim_server > "$work/plain.out" &
plain_pid=$!
for _ in $(seq 50); do [ -s "$work/plain.out" ] && break; sleep 0.1; done
read -r PLAIN_API PLAIN_UPLOAD < "$work/plain.out"

# The same video for everyone: ftyp + one mdat box.
python3 - "$work/video.mp4" "$MB" <<'PY'
import struct, sys
path, size = sys.argv[1], int(sys.argv[2]) * 1024 * 1024
head = bytes([0, 0, 0, 0x20]) + b"ftypisom" + bytes([0, 0, 2, 0]) + b"isomiso2avc1mp41"
with open(path, "wb") as f:
    f.write(head + struct.pack(">I", size - 32) + b"mdat")
    block = b"\x07" * (1 << 20)
    left = size - 40
    while left > 0:
        f.write(block[: min(left, len(block))]); left -= min(left, len(block))
PY
video="$work/video.mp4"

timed() { # prints "seconds peak_kb" of a command whose last stdout line is JSON with "seconds"
  local out rss=""
  if [ -x /usr/bin/time ]; then
    out=$(/usr/bin/time -f '%M' -o "$work/rss" "$@" | tail -1); rss=$(cat "$work/rss")
  else
    out=$("$@" | tail -1)
  fi
  python3 -c 'import json,sys; print(json.loads(sys.argv[1])["seconds"], sys.argv[2] or "-")' "$out" "$rss"
}
postbridge() { # route: the command line (env + binary) to time
  echo env PB_BENCH_API="$API" PB_BENCH_UPLOAD="$UPLOAD" PB_BENCH_CA="$work/ca.pem" PB_BENCH_JSON=1 \
    PB_BENCH_FILE="$video" target/release/examples/upload_bench "$MB" "$latency" "$1" 4 6 --no-latency-setup
}

echo "| latency | client | route | wall time | MB/s | peak RSS |"
echo "|---|---|---|---|---|---|"
for latency in 0 50; do
  curl -s --cacert "$work/ca.pem" -X POST "$API/_sim/faults" -H 'content-type: application/json' -d '{"clear":true}' >/dev/null
  if [ "$latency" -gt 0 ]; then
    curl -s --cacert "$work/ca.pem" -X POST "$API/_sim/faults" -H 'content-type: application/json' \
      -d "{\"endpoint\":\"*\",\"faults\":{\"latency_ms\":$latency}}" >/dev/null
  fi
  row() { read -r s kb; python3 -c 'import sys; l,c,r,s,kb,mb=sys.argv[1:]; s=float(s); rss = kb if kb == "-" else "%d MB" % (int(kb)//1024); print("| %s ms | %s | %s | %.2f s | %.0f | %s |" % (l, c, r, s, float(mb)/s, rss))' "$latency" "$1" "$2" "$s" "$kb" "$MB"; }
  # shellcheck disable=SC2046
  timed $(postbridge v1) | row "Postbridge" "v1.1"
  # shellcheck disable=SC2046
  timed $(postbridge v2) | row "Postbridge" "v2"
  REQUESTS_CA_BUNDLE="$work/ca.pem" timed python3 "$bench/tweepy_upload.py" "$API" "$UPLOAD" "$video" | row "tweepy $(python3 -c 'import tweepy; print(tweepy.__version__)')" "v1.1"
  v=$(node -p 'require("twitter-api-v2/package.json").version')
  timed node "$bench/twitter_api_v2_upload.js" "$API" "$video" v1 | row "twitter-api-v2 $v" "v1.1"
  timed node "$bench/twitter_api_v2_upload.js" "$API" "$video" v2 | row "twitter-api-v2 $v" "v2"
  if [ "$latency" -eq 0 ]; then
    for r in v1 v2; do
      # shellcheck disable=SC2046
      timed $(postbridge "$r" | sed "s|PB_BENCH_API=[^ ]*|PB_BENCH_API=$PLAIN_API|; s|PB_BENCH_UPLOAD=[^ ]*|PB_BENCH_UPLOAD=$PLAIN_UPLOAD|") \
        | row "Postbridge, plain HTTP" "$([ "$r" = v1 ] && echo v1.1 || echo v2)"
    done
    timed python3 "$bench/raw_loopback.py" "$video" | row "raw loopback (plain TCP)" "-"
  fi
done
