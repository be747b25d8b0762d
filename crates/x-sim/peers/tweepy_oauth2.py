"""Real-client fidelity check: tweepy's OAuth 2.0 user flow (`OAuth2UserHandler`, a public
client with PKCE) and `Client` with the user token, against the X API simulator
(docs/protocol.md §14).

Nothing in tweepy is changed but its host, as in tweepy_flows.py: the handler and `Client`
hard-code https://api.twitter.com, so a requests transport adapter sends each finished request
to the simulator instead (URL path, headers and body untouched). The authorize URL
(https://twitter.com/i/oauth2/authorize) is never fetched: the control hook plays the browser
and reads only its query. The callback is https, so oauthlib needs no
OAUTHLIB_INSECURE_TRANSPORT.

Flow: register this app and callback (control hook) → get_authorization_url → consent (control
hook) → fetch_token(redirect URL) → Client(bearer_token=access token): get_me, create_tweet,
delete_tweet with user_auth=False → refresh: the handler is a requests-oauthlib OAuth2Session,
so its own refresh_token(token_url, client_id=…) (tweepy has no wrapper of its own; a public
client must name itself in the body, docs/protocol.md §14.2) → create_tweet with the new token.
tweepy 4.17's Client has no v2 media upload (its media upload is v1.1, OAuth 1.0a only), so no
media here; twitter-api-v2's OAuth 2.0 peer covers v2 media.

Environment: SIM_API (https://127.0.0.1:PORT); REQUESTS_CA_BUNDLE = the simulator's
certificate. Prints one line per step and exits non-zero on the first failure.
"""
import json
import os
import ssl
import urllib.parse
import urllib.request

import requests
import tweepy

API = os.environ["SIM_API"]
api_host = urllib.parse.urlparse(API).netloc

# This peer's app: a public client (no secret), with its own callback.
CLIENT_ID = "tweepyPeerClient"
CALLBACK = "https://127.0.0.1:8747/tweepy/callback"
SCOPES = ["tweet.read", "tweet.write", "users.read", "offline.access"]
TOKEN_URL = "https://api.twitter.com/2/oauth2/token"  # the URL tweepy's fetch_token uses

_send = requests.adapters.HTTPAdapter.send


def _to_sim(self, request, **kw):
    """Sends requests meant for api.twitter.com / api.x.com to the simulator."""
    u = urllib.parse.urlparse(request.url)
    if u.netloc in ("api.twitter.com", "api.x.com"):
        request.url = urllib.parse.urlunparse(u._replace(netloc=api_host))
    return _send(self, request, **kw)


requests.adapters.HTTPAdapter.send = _to_sim


def control(path, body):
    ctx = ssl.create_default_context(cafile=os.environ.get("REQUESTS_CA_BUNDLE"))
    req = urllib.request.Request(API + "/_sim/" + path, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, context=ctx) as r:
        return json.loads(r.read())


def ok(name):
    print(f"tweepy oauth2: {name}: ok", flush=True)


control("reset", {})
control("oauth2/clients", {"client_id": CLIENT_ID, "redirect_uris": [CALLBACK]})

handler = tweepy.OAuth2UserHandler(client_id=CLIENT_ID, redirect_uri=CALLBACK, scope=SCOPES)
url = handler.get_authorization_url()
location = control("oauth2/authorize", {"url": url})["location"]
assert location.startswith(CALLBACK + "?"), location
ok("authorization URL + consent")

token = handler.fetch_token(location)  # also checks `state` against the URL's
assert token["token_type"].lower() == "bearer", token
assert token.get("refresh_token"), "no refresh token with offline.access"
assert set(SCOPES) <= set(token["scope"]), token["scope"]
ok("fetch_token (code + PKCE verifier)")

client = tweepy.Client(bearer_token=token["access_token"])
me = client.get_me(user_auth=False)
assert me.data.username == "postbridge_demo", me
r = client.create_tweet(text="tweepy oauth2 text post", user_auth=False)
client.delete_tweet(r.data["id"], user_auth=False)
ok("Client with the user token: get_me, create_tweet, delete_tweet")

new = handler.refresh_token(TOKEN_URL, client_id=CLIENT_ID)
assert new["access_token"] != token["access_token"], "refresh returned the same access token"
assert new.get("refresh_token") and new["refresh_token"] != token["refresh_token"], "refresh token not rotated"
ok("refresh (rotated pair)")

client = tweepy.Client(bearer_token=new["access_token"])
r2 = client.create_tweet(text="tweepy oauth2 post after refresh", user_auth=False)
ok("create_tweet with the refreshed token")
print(f"tweepy oauth2: posts {r.data['id']} (deleted) {r2.data['id']}")
print("tweepy oauth2: all flows passed")
