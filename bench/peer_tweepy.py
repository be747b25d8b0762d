"""tweepy (v1.1 chunked, library defaults) uploading one video to the simulator.

`python peer_tweepy.py FILE` with SIM_UPLOAD, SIM_CK, SIM_CS, SIM_AT, SIM_ATS and
REQUESTS_CA_BUNDLE set (see bench/run.sh). Prints `seconds=S` for the upload alone
(INIT + APPENDs + FINALIZE + any STATUS polling), imports and setup excluded.
"""
import os
import sys
import time
import urllib.parse

import tweepy

path = sys.argv[1]
upload_host = urllib.parse.urlparse(os.environ["SIM_UPLOAD"]).netloc
auth = tweepy.OAuth1UserHandler(
    os.environ["SIM_CK"], os.environ["SIM_CS"], os.environ["SIM_AT"], os.environ["SIM_ATS"]
)
api = tweepy.API(auth, upload_host=upload_host)
t = time.perf_counter()
media = api.media_upload(path, chunked=True, media_category="tweet_video")
el = time.perf_counter() - t
info = getattr(media, "processing_info", None)
assert info is None or info.get("state") == "succeeded", info
print(f"seconds={el:.3f} media_id={media.media_id}", flush=True)
