// Real-client fidelity check: twitter-api-v2's OAuth 2.0 user flows (Authorization Code with
// PKCE, public client) against the X API simulator (docs/protocol.md §14). As in
// twitter_api_v2_flows.js nothing in the library is changed, not even its URLs: the documented
// `httpAgent` option routes connections for api.x.com (and the other X names) to the
// simulator; URLs, Host headers and bodies are exactly what production sees.
//
// Flow: register this app and its callback (control hook) → generateOAuth2AuthLink → play the
// browser (control hook; it reads only the link's query, so x.com in the link is fine) →
// check `state` → loginWithOAuth2 → v2.me → refreshOAuth2Token → a text post with the
// refreshed client → v2 image upload with that client (media.write) → a post with the media →
// revokeOAuth2Token. (Refusals — reused refresh tokens, missing scopes, expiry — are the
// simulator's own tests, crates/x-sim/tests/oauth2.rs: here every request must succeed.)
//
// Environment: SIM_API (https://127.0.0.1:PORT), SIM_UPLOAD; NODE_EXTRA_CA_CERTS = the
// simulator's certificate. Prints one line per step; exits non-zero on the first failure.
'use strict';
const https = require('https');
const { TwitterApi } = require('twitter-api-v2');

const { SIM_API, SIM_UPLOAD } = process.env;
const apiPort = Number(new URL(SIM_API).port);
const uploadPort = Number(new URL(SIM_UPLOAD).port);
const ports = {
  'api.x.com': apiPort,
  'api.twitter.com': apiPort,
  'upload.x.com': uploadPort,
  'upload.twitter.com': uploadPort,
};

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

// This peer's app: a public client (no secret), with its own callback.
const CLIENT_ID = 'twitterApiV2PeerClient';
const CALLBACK = 'http://127.0.0.1:8746/twitter-api-v2/callback';
const SCOPES = ['tweet.read', 'tweet.write', 'users.read', 'media.write', 'offline.access'];

function control(path, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(`${SIM_API}/_sim/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, res => {
      let data = '';
      res.on('data', c => (data += c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`/_sim/${path}: ${res.statusCode} ${data}`));
        else resolve(JSON.parse(data));
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function png(size = 4000) {
  const head = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.from([0, 0, 0, 64, 0, 0, 0, 48])]);
  return Buffer.concat([head, Buffer.alloc(size - head.length)]);
}

const ok = name => console.log(`twitter-api-v2 oauth2: ${name}: ok`);
const check = (cond, what) => {
  if (!cond) throw new Error(what);
};

async function main() {
  await control('reset', {});
  await control('oauth2/clients', { client_id: CLIENT_ID, redirect_uris: [CALLBACK] });

  const app = new TwitterApi({ clientId: CLIENT_ID }, settings);
  const link = app.generateOAuth2AuthLink(CALLBACK, { scope: SCOPES });
  const { location } = await control('oauth2/authorize', { url: link.url });
  const back = new URL(location);
  check(`${back.origin}${back.pathname}` === CALLBACK, 'redirected elsewhere: ' + location);
  check(back.searchParams.get('state') === link.state, 'state mismatch: ' + location);
  const code = back.searchParams.get('code');
  check(code, 'no code: ' + location);
  ok('auth link + consent');

  const login = await app.loginWithOAuth2({ code, codeVerifier: link.codeVerifier, redirectUri: CALLBACK });
  check(login.refreshToken, 'no refresh token with offline.access');
  check(SCOPES.every(s => login.scope.includes(s)), 'scopes: ' + login.scope);
  check(login.expiresIn === 7200, 'expires_in: ' + login.expiresIn);
  const me = await login.client.v2.me();
  check(me.data.username === 'postbridge_demo', 'me: ' + JSON.stringify(me));
  ok('login with the code + v2 me');

  const refreshed = await app.refreshOAuth2Token(login.refreshToken);
  check(refreshed.accessToken !== login.accessToken, 'refresh returned the same access token');
  check(refreshed.refreshToken && refreshed.refreshToken !== login.refreshToken, 'refresh token not rotated');
  ok('refresh');

  const t = await refreshed.client.v2.tweet('twitter-api-v2 oauth2 text post');
  check(t.data && t.data.id, 'post: ' + JSON.stringify(t));
  ok('v2 post with the refreshed token');

  const mediaId = await refreshed.client.v2.uploadMedia(png(), { media_type: 'image/png' });
  check(mediaId, 'no media id');
  ok('v2 media upload (media.write)');

  const t2 = await refreshed.client.v2.tweet({ text: 'twitter-api-v2 oauth2 image post', media: { media_ids: [mediaId] } });
  check(t2.data && t2.data.id, 'media post: ' + JSON.stringify(t2));
  ok('v2 post with the media');

  const revoked = await app.revokeOAuth2Token(refreshed.accessToken, 'access_token');
  check(revoked && revoked.revoked === true, 'revoke: ' + JSON.stringify(revoked));
  ok('revoke');

  console.log(`twitter-api-v2 oauth2: posts ${t.data.id} ${t2.data.id} media ${mediaId}`);
  console.log('twitter-api-v2 oauth2: all flows passed');
}

main().catch(e => {
  console.error('twitter-api-v2 oauth2: FAILED', e && (e.data ? JSON.stringify(e.data) : e), e && e.stack);
  process.exit(1);
});
