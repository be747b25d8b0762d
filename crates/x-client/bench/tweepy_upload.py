"""Uploads one video to the simulator with tweepy (v1.1 chunked) and prints
{"client","route","seconds"} as JSON. tweepy forces https://, so the simulator must serve TLS
and REQUESTS_CA_BUNDLE must name its certificate.
usage: python3 tweepy_upload.py API_BASE UPLOAD_BASE FILE"""
import json
import os
import ssl
import sys
import time
import urllib.request

import tweepy

api_base, upload_base, path = sys.argv[1:4]
ctx = ssl.create_default_context(cafile=os.environ["REQUESTS_CA_BUNDLE"])
state = json.load(urllib.request.urlopen(api_base + "/_sim/state", context=ctx))
d = state["demo"]
auth = tweepy.OAuth1UserHandler(
    d["consumer_key"], d["consumer_secret"], d["access_token"], d["access_token_secret"]
)
api = tweepy.API(
    auth, host=api_base.split("://", 1)[1], upload_host=upload_base.split("://", 1)[1]
)
started = time.perf_counter()
media = api.media_upload(path, chunked=True, media_category="tweet_video")
seconds = time.perf_counter() - started
print(json.dumps({"client": "tweepy", "route": "v1.1", "seconds": seconds,
                  "media_id": media.media_id_string}))
