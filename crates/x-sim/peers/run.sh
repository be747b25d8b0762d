#!/usr/bin/env bash
# Real third-party clients against the X API simulator, strict signatures, over HTTPS.
#
#   bash crates/x-sim/peers/run.sh            (from the workspace root; needs cargo, openssl,
#                                              python3 with venv, node + npm, registry access)
#
# Pinned clients: tweepy (PyPI) and twitter-api-v2 (npm), installed into a temp dir. The
# simulator runs as `postbridge sim --print-bases` (the debug `postbridge` binary, the same
# build the end-to-end journeys use) with a throwaway certificate whose SANs cover 127.0.0.1
# and X's host names. Each client runs its OAuth 1.0a flows (tweepy_flows.py,
# twitter_api_v2_flows.js) and its OAuth 2.0 user flows (tweepy_oauth2.py,
# twitter_api_v2_oauth2.js); after each script check_log.py verifies the simulator's request
# log and, for OAuth 2.0, the posts. Exit status 0 only if every flow of both clients passed.
set -euo pipefail

TWEEPY_VERSION="${TWEEPY_VERSION:-4.17.0}"
TWITTER_API_V2_VERSION="${TWITTER_API_V2_VERSION:-1.29.1}"

here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cargo build -q -p postbridge --bin postbridge
postbridge_bin="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/postbridge"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:api.x.com,DNS:upload.x.com,DNS:api.twitter.com,DNS:upload.twitter.com" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "tweepy==$TWEEPY_VERSION"
(cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund "twitter-api-v2@$TWITTER_API_V2_VERSION" >/dev/null)

# Copied first: a rebuild by someone else in the shared target dir cannot change this run.
cp "$postbridge_bin" "$work/postbridge"
"$work/postbridge" sim --print-bases --api-addr 127.0.0.1:0 --upload-addr 127.0.0.1:0 \
  --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" \
  --signing-origin https://api.twitter.com --processing-ms 300 --plan unlimited \
  > "$work/serve.out" 2>"$work/serve.err" &
sim_pid=$!
for _ in $(seq 1 100); do
  grep -q '^api ' "$work/serve.out" 2>/dev/null && break
  sleep 0.1
done
read -r _ api _ upload _ _ < "$work/serve.out" || { echo "simulator did not start: $(cat "$work/serve.err")" >&2; exit 1; }
echo "simulator: api $api upload $upload"

export SIM_API="$api" SIM_UPLOAD="$upload"
export SIM_CK=simDemoConsumerKey000000
export SIM_CS=simDemoConsumerSecret00000000000000000000000000
export SIM_AT=1700000000000000001-simDemoAccessToken0000000000000
export SIM_ATS=simDemoAccessTokenSecret000000000000000000000

# Every request a client made must have verified under the strict verifier (check_log.py).
check_log() {
  python3 "$here/check_log.py" "$api" "$work/cert.pem" "$@"
}

REQUESTS_CA_BUNDLE="$work/cert.pem" "$work/venv/bin/python" "$here/tweepy_flows.py"
check_log tweepy
NODE_EXTRA_CA_CERTS="$work/cert.pem" NODE_PATH="$work/node_modules" node "$here/twitter_api_v2_flows.js"
check_log twitter-api-v2

# OAuth 2.0 user sign-in (docs/protocol.md §14): each peer registers its own public client,
# and every v2 request after the token exchange must carry that client's user token.
REQUESTS_CA_BUNDLE="$work/cert.pem" "$work/venv/bin/python" "$here/tweepy_oauth2.py"
check_log "tweepy oauth2" --oauth2 tweepyPeerClient --posts '[
  {"text": "tweepy oauth2 text post", "deleted": true},
  {"text": "tweepy oauth2 post after refresh"}]'
NODE_EXTRA_CA_CERTS="$work/cert.pem" NODE_PATH="$work/node_modules" node "$here/twitter_api_v2_oauth2.js"
check_log "twitter-api-v2 oauth2" --oauth2 twitterApiV2PeerClient --posts '[
  {"text": "twitter-api-v2 oauth2 text post"},
  {"text": "twitter-api-v2 oauth2 image post", "media": true}]'
echo "peers: tweepy $TWEEPY_VERSION and twitter-api-v2 $TWITTER_API_V2_VERSION passed (OAuth 1.0a and OAuth 2.0 flows)"
