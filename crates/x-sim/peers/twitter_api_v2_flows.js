// Real-client fidelity check: node twitter-api-v2 (pinned by the caller) against the X API
// simulator. Nothing in the library is changed, not even its URLs: an `httpAgent` (its
// documented option) routes connections for api.x.com / upload.x.com (and the twitter.com names) to the
// simulator; URLs, Host headers and signatures are untouched (the certificate covers them).
//
// Environment: SIM_API, SIM_UPLOAD (https://127.0.0.1:PORT), SIM_CK, SIM_CS, SIM_AT,
// SIM_ATS; NODE_EXTRA_CA_CERTS = the simulator's certificate.
'use strict';
const https = require('https');
const { TwitterApi } = require('twitter-api-v2');

const { SIM_API, SIM_UPLOAD, SIM_CK, SIM_CS, SIM_AT, SIM_ATS } = process.env;
const apiPort = Number(new URL(SIM_API).port);
const uploadPort = Number(new URL(SIM_UPLOAD).port);
const ports = {
  'api.x.com': apiPort,
  'api.twitter.com': apiPort,
  'upload.x.com': uploadPort,
  'upload.twitter.com': uploadPort,
};

// Routes connections for X's hosts to the simulator; TLS still verifies the original host
// name (SNI), so requests, Host headers and signatures are exactly what production sees.
class SimAgent extends https.Agent {
  createConnection(options, cb) {
    const port = ports[options.host];
    if (port) {
      options = { ...options, servername: options.servername || options.host, host: '127.0.0.1', port };
    }
    return super.createConnection(options, cb);
  }
}
const settings = { httpAgent: new SimAgent({ keepAlive: false }) };

function control(path, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(`${SIM_API}/_sim/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, res => {
      let data = '';
      res.on('data', c => (data += c));
      res.on('end', () => resolve(JSON.parse(data)));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function png(size = 4000) {
  const head = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.from([0, 0, 0, 64, 0, 0, 0, 48])]);
  return Buffer.concat([head, Buffer.alloc(size - head.length)]);
}

function mp4(size = 3 * 1024 * 1024 + 17) {
  const real = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), Buffer.alloc(4), Buffer.from('mp42isom')]);
  return Buffer.concat([real, Buffer.alloc(size - real.length, 7)]);
}

const ok = name => console.log(`twitter-api-v2: ${name}: ok`);

async function main() {
  await control('reset', {});
  const client = new TwitterApi({ appKey: SIM_CK, appSecret: SIM_CS, accessToken: SIM_AT, accessSecret: SIM_ATS }, settings);

  const me = await client.v2.me();
  if (me.data.username !== 'postbridge_demo') throw new Error('me: ' + JSON.stringify(me));
  ok('v2 me');

  const v1img = await client.v1.uploadMedia(png(), { mimeType: 'image/png' });
  await client.v1.createMediaMetadata(v1img, { alt_text: { text: 'v1 alt' } });
  ok('v1.1 image upload + alt text');

  const v1vid = await client.v1.uploadMedia(mp4(), { mimeType: 'video/mp4', target: 'tweet' });
  ok('v1.1 chunked video + STATUS polling');

  const v2img = await client.v2.uploadMedia(png(), { media_type: 'image/png' });
  await client.v2.createMediaMetadata(v2img, { alt_text: { text: 'v2 alt' } });
  ok('v2 image upload + alt text');

  const v2vid = await client.v2.uploadMedia(mp4(), { media_type: 'video/mp4', media_category: 'tweet_video' });
  ok('v2 chunked video + STATUS polling');

  const t = await client.v2.tweet('twitter-api-v2 text post');
  await client.v2.tweet({ text: 'with v1 image', media: { media_ids: [v1img] } });
  await client.v2.tweet({ text: 'with v1 video', media: { media_ids: [v1vid] } });
  await client.v2.tweet({ text: 'with v2 image', media: { media_ids: [v2img] } });
  await client.v2.tweet({ text: 'with v2 video', media: { media_ids: [v2vid] } });
  ok('v2 posts (text, v1.1 and v2 media)');

  await client.v2.deleteTweet(t.data.id);
  ok('v2 delete');

  const app = new TwitterApi({ appKey: SIM_CK, appSecret: SIM_CS }, settings);
  const link = await app.generateAuthLink('oob');
  const { pin } = await control('oauth/approve', { oauth_token: link.oauth_token });
  const tmp = new TwitterApi({ appKey: SIM_CK, appSecret: SIM_CS, accessToken: link.oauth_token, accessSecret: link.oauth_token_secret }, settings);
  const login = await tmp.login(pin);
  const me2 = await login.client.v2.me();
  if (me2.data.username !== 'postbridge_demo' || login.screenName !== 'postbridge_demo') throw new Error('PIN login');
  ok('PIN sign-in');
  console.log('twitter-api-v2: all flows passed');
}

main().catch(e => {
  console.error('twitter-api-v2: FAILED', e && (e.data ? JSON.stringify(e.data) : e), e && e.stack);
  process.exit(1);
});
