// Uploads one video to the simulator with twitter-api-v2 (npm), v1.1 or v2 chunked, and prints
// {"client","route","seconds"} as JSON. The library's hosts (upload.twitter.com, api.x.com) are
// kept in the signed URLs; an HTTPS agent connects them to the simulator instead.
// usage: node twitter_api_v2_upload.js API_BASE FILE v1|v2
const https = require('https');
const tls = require('tls');
const fs = require('fs');
const { TwitterApi, EUploadMimeType } = require('twitter-api-v2');

const [apiBase, file, route] = process.argv.slice(2);
const target = new URL(apiBase);

class ToSimulator extends https.Agent {
  createConnection(options, callback) {
    return tls.connect(
      { ...options, host: target.hostname, port: Number(target.port), servername: undefined, rejectUnauthorized: false },
      callback,
    );
  }
}

function getJson(url) {
  return new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

(async () => {
  const state = await getJson(`${apiBase}/_sim/state`);
  const d = state.demo;
  const client = new TwitterApi(
    { appKey: d.consumer_key, appSecret: d.consumer_secret, accessToken: d.access_token, accessSecret: d.access_token_secret },
    { httpAgent: new ToSimulator({ keepAlive: true }) },
  );
  const started = process.hrtime.bigint();
  let id;
  if (route === 'v1') {
    id = await client.v1.uploadMedia(file, { mimeType: EUploadMimeType.Mp4, target: 'tweet' });
  } else {
    // v2.uploadMedia takes the whole file as a Buffer (it cannot stream).
    id = await client.v2.uploadMedia(fs.readFileSync(file), { media_type: 'video/mp4', media_category: 'tweet_video' });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(JSON.stringify({ client: 'twitter-api-v2', route: route === 'v1' ? 'v1.1' : 'v2', seconds, media_id: String(id) }));
})().catch((e) => {
  console.error(e && (e.data ? JSON.stringify(e.data) : e.stack || e));
  process.exit(1);
});
