// twitter-api-v2 (library defaults) uploading one video to the simulator.
//
// `node peer_twitter_api_v2.js v1|v2 FILE` with SIM_API, SIM_UPLOAD, SIM_CK, SIM_CS, SIM_AT,
// SIM_ATS, NODE_EXTRA_CA_CERTS and NODE_PATH set (see bench/run.sh). v1 = client.v1.uploadMedia
// (file path, chunked v1.1), v2 = client.v2.uploadMedia (Buffer, the only input it takes; the
// file is read before the clock starts). Prints `seconds=S` for the upload alone.
// Connections to X's host names are routed to the simulator by an https.Agent (the library's
// documented `httpAgent` option), keep-alive on like Node's default global agent.
'use strict';
const fs = require('fs');
const https = require('https');
const { TwitterApi } = require('twitter-api-v2');

const [route, file] = process.argv.slice(2);
const { SIM_API, SIM_UPLOAD, SIM_CK, SIM_CS, SIM_AT, SIM_ATS } = process.env;
const apiPort = Number(new URL(SIM_API).port);
const uploadPort = Number(new URL(SIM_UPLOAD).port);
const ports = { 'api.x.com': apiPort, 'api.twitter.com': apiPort, 'upload.x.com': uploadPort, 'upload.twitter.com': uploadPort };

class SimAgent extends https.Agent {
  createConnection(options, cb) {
    const port = ports[options.host];
    if (port) options = { ...options, servername: options.servername || options.host, host: '127.0.0.1', port };
    return super.createConnection(options, cb);
  }
}

async function main() {
  const client = new TwitterApi(
    { appKey: SIM_CK, appSecret: SIM_CS, accessToken: SIM_AT, accessSecret: SIM_ATS },
    { httpAgent: new SimAgent({ keepAlive: true }) },
  );
  let id;
  let t;
  if (route === 'v1') {
    t = process.hrtime.bigint();
    id = await client.v1.uploadMedia(file, { mimeType: 'video/mp4', target: 'tweet' });
  } else {
    const buf = fs.readFileSync(file);
    t = process.hrtime.bigint();
    id = await client.v2.uploadMedia(buf, { media_type: 'video/mp4', media_category: 'tweet_video' });
  }
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(`seconds=${secs.toFixed(3)} media_id=${id}`);
}

main().catch(e => {
  console.error('twitter-api-v2: FAILED', e && (e.data ? JSON.stringify(e.data) : e), e && e.stack);
  process.exit(1);
});
