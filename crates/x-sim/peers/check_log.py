"""Checks the simulator's request log after one peer ran (the peer resets the simulator first,
so the log holds that peer's requests only).

    python3 check_log.py API_BASE CERT NAME [--oauth2 CLIENT_ID --posts SPEC_JSON]

Always: at least one request, and every request verified — authentication outcome `ok` under
the strict verifier — except the OAuth 2.0 token and revoke endpoints, which carry no
signature or Bearer token (they authenticate the client by `client_id`) and so must instead
have answered 200.

With --oauth2: at least two token requests (the code exchange and a refresh); every other
request is a v2 route (`/2/…`) called with an OAuth 2.0 user token this simulator minted
(`simO2AT-…`) for CLIENT_ID — no OAuth 1.0a signature slipped in. With --posts: each
`{"text", "media": bool, "deleted": bool}` of SPEC_JSON matches a post in `GET /_sim/posts`
by the demo account (media attached or not, deleted or not).
"""
import json
import ssl
import sys
import urllib.request

UNSIGNED_OAUTH2 = ("POST /2/oauth2/token", "POST /2/oauth2/revoke")


def get(base, ctx, path):
    return json.load(urllib.request.urlopen(base + path, context=ctx))


def main(argv):
    base, cert, name, *rest = argv
    opts = dict(zip(rest[::2], rest[1::2]))
    ctx = ssl.create_default_context(cafile=cert)
    log = get(base, ctx, "/_sim/requests")
    bad = []
    for e in log:
        if e["endpoint"] in UNSIGNED_OAUTH2:
            if e["status"] != 200:
                bad.append((e, f"answered {e['status']}"))
        elif e["auth"] != "ok":
            bad.append((e, f"auth {e['auth']}"))
    client_id = opts.get("--oauth2")
    if client_id:
        tokens = [e for e in log if e["endpoint"] == "POST /2/oauth2/token"]
        if len(tokens) < 2:
            bad.append(({"method": "-", "target": "/2/oauth2/token", "status": "-"}, f"{len(tokens)} token requests, want the code exchange and a refresh"))
        for e in log:
            if e["endpoint"] in UNSIGNED_OAUTH2:
                continue
            if not e["target"].startswith("/2/"):
                bad.append((e, "not a v2 route"))
            elif not (e.get("token") or "").startswith("simO2AT-") or e.get("consumer_key") != client_id:
                bad.append((e, f"not an OAuth 2.0 user token of {client_id}"))
    spec = json.loads(opts.get("--posts", "[]"))
    if spec:
        demo_id = get(base, ctx, "/_sim/state")["demo"]["user_id"]
        posts = get(base, ctx, "/_sim/posts")
        for want in spec:
            found = [
                p for p in posts
                if p["text"] == want["text"]
                and p["author_id"] == demo_id
                and bool(p["media_ids"]) == want.get("media", False)
                and bool(p["deleted"]) == want.get("deleted", False)
            ]
            if not found:
                bad.append(({"method": "-", "target": "/_sim/posts", "status": "-"}, f"no post matching {want}"))
    for e, why in bad:
        print(f"{name}: unverified: {e['method']} {e['target']} {e['status']}: {why}")
    extra = f", {len(spec)} posts checked" if spec else ""
    print(f"{name}: {len(log)} requests{extra}, {len(bad)} failed verification")
    return 1 if bad or not log else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
