"""Real-client fidelity check: tweepy (pinned by the caller) against the X API simulator.

Nothing in tweepy is changed but its host: `API(host=…, upload_host=…)` for v1.1, and for
the v2 `Client` and the PIN handler (which hard-code https://api.twitter.com) a requests
transport adapter that sends the already-signed request to the simulator instead; the
simulator then verifies the signature over https://api.twitter.com (X_SIM_SIGNING_ORIGINS).

Environment: SIM_API (https://127.0.0.1:PORT), SIM_UPLOAD (https://127.0.0.1:PORT2),
SIM_CK, SIM_CS, SIM_AT, SIM_ATS; REQUESTS_CA_BUNDLE = the simulator's certificate.
Prints one line per flow and exits non-zero on the first failure.
"""
import json
import os
import struct
import sys
import tempfile
import urllib.parse
import urllib.request
import ssl

import requests
import tweepy

API = os.environ["SIM_API"]
UPLOAD = os.environ["SIM_UPLOAD"]
CK, CS, AT, ATS = (os.environ[k] for k in ("SIM_CK", "SIM_CS", "SIM_AT", "SIM_ATS"))
api_host = urllib.parse.urlparse(API).netloc
upload_host = urllib.parse.urlparse(UPLOAD).netloc


_send = requests.adapters.HTTPAdapter.send


def _to_sim(self, request, **kw):
    """Sends requests signed for api.twitter.com to the simulator (a stand-in proxy):
    the request is already signed when it reaches the transport adapter."""
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


def png_bytes(size=4000):
    head = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", 64, 48)
    return head + b"\x00" * (size - len(head))


def mp4_bytes(size=3 * 1024 * 1024 + 17):
    head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    return head + b"\x07" * (size - len(head))


def ok(name):
    print(f"tweepy: {name}: ok", flush=True)


control("reset", {})
tmp = tempfile.mkdtemp()
img = os.path.join(tmp, "pic.png")
vid = os.path.join(tmp, "clip.mp4")
open(img, "wb").write(png_bytes())
open(vid, "wb").write(mp4_bytes())

auth = tweepy.OAuth1UserHandler(CK, CS, AT, ATS)
api = tweepy.API(auth, host=api_host, upload_host=upload_host)

# image via v1.1 simple upload, alt text via metadata/create
media = api.media_upload(img)
api.create_media_metadata(media.media_id, "a test picture")
ok("v1.1 image upload + alt text")

# chunked video via v1.1 with STATUS polling
video = api.media_upload(vid, chunked=True, media_category="tweet_video")
assert video.processing_info["state"] == "succeeded", video.processing_info
ok("v1.1 chunked video + STATUS polling")

# statuses/update is 453 on every modern plan
try:
    api.update_status("hello")
    raise SystemExit("update_status should be refused")
except tweepy.Forbidden as e:
    assert 453 in e.api_codes, e.api_codes
ok("v1.1 update_status -> 453")

# v2 posting through Client (hard-coded host → adapter)
client = tweepy.Client(consumer_key=CK, consumer_secret=CS, access_token=AT, access_token_secret=ATS)
me = client.get_me(user_auth=True)
assert me.data.username == "postbridge_demo", me
r = client.create_tweet(text="tweepy text post")
ok("v2 text post")
r2 = client.create_tweet(text="tweepy image post", media_ids=[media.media_id])
r3 = client.create_tweet(text="tweepy video post", media_ids=[video.media_id])
ok("v2 post with v1.1 media")
client.delete_tweet(r.data["id"], user_auth=True)
ok("v2 delete")

# PIN sign-in
handler = tweepy.OAuth1UserHandler(CK, CS, callback="oob")
url = handler.get_authorization_url()
token = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["oauth_token"][0]
pin = control("oauth/approve", {"oauth_token": token})["pin"]
at, ats = handler.get_access_token(pin)
c2 = tweepy.Client(consumer_key=CK, consumer_secret=CS, access_token=at, access_token_secret=ats)
assert c2.get_me(user_auth=True).data.username == "postbridge_demo"
ok("PIN sign-in")
print("tweepy: all flows passed")
