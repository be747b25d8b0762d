"""Summarises bench/link.sh's raw results (section, name, value per line) as Markdown.

`python3 bench/link_report.py RESULTS.tsv MB`. For every link profile and client: the median
of the upload's seconds over the runs (all runs listed), goodput = file bytes / seconds, and
the share of the link's uplink rate that goodput is.
"""
import collections
import json
import statistics
import sys

path, mb = sys.argv[1], int(sys.argv[2])
rows = [l.rstrip("\n").split("\t", 2) for l in open(path) if l.strip()]
meta = {n: v for s, n, v in rows if s == "meta"}
runs = collections.defaultdict(list)
for s, n, v in rows:
    runs[(s, n)].append(v)
profiles = [(n, v) for s, n, v in rows if s == "link"]
size = mb * 1024 * 1024

clients = [
    ("Postbridge (x-client), v2", "postbridge_v2"),
    ("Postbridge (x-client), v1.1", "postbridge_v1.1"),
    ("tweepy, v1.1 chunked", "tweepy_v1.1"),
    ("twitter-api-v2, v1.1 chunked", "twitter-api-v2_v1.1"),
    ("twitter-api-v2, v2 chunked", "twitter-api-v2_v2"),
]


def label(spec, value):
    bits, rtt, stall_rate, stall_ms = value.split()
    out = f"{int(bits) / 1e6:g} Mbit/s, {rtt} ms RTT"
    if float(stall_rate) > 0 and int(stall_ms) > 0:
        out += f", stalls {float(stall_rate):g}/s x {stall_ms} ms"
    return out


def med(spec, key):
    vals = runs.get((f"link_{spec}", key), [])
    ok = [float(v) for v in vals if v not in ("", "fail")]
    return (statistics.median(ok) if ok else None), vals


def stats(spec, when):
    v = runs.get((f"stats_{when}_{spec}", "stats"))
    return json.loads(v[0]) if v else {}


print(f"## Uploads over a link ({meta.get('date')}, commit {meta.get('commit')})\n")
print(f"Machine: {meta.get('nproc')} cores, {meta.get('cpu')}, {meta.get('mem')} RAM")
print(f"Load before: `{meta.get('uptime_before')}`")
print(f"Load after:  `{meta.get('uptime_after')}`")
print(f"Script wall time: {meta.get('wall_secs')} s")
print(
    f"Video: {size:,} bytes ({mb} MiB), HTTPS, median of {meta.get('reps')} runs; "
    f"Postbridge segments {meta.get('pb_segments')}. MB = 10^6 bytes.\n"
)

# Side by side: seconds and share of the link per profile.
head = " | ".join(label(s, v) for s, v in profiles)
print(f"| client | {head} |")
print("|---|" + "---|" * len(profiles))
ideal = []
for spec, value in profiles:
    bits = int(value.split()[0])
    ideal.append(f"{size * 8 / bits:.2f} s (100 %)")
print("| ideal: file bytes / uplink rate | " + " | ".join(ideal) + " |")
for name, key in clients:
    cells = []
    for spec, value in profiles:
        bits = int(value.split()[0])
        m, vals = med(spec, key)
        if not vals:
            cells.append("–")
        elif m is None:
            cells.append("failed")
        else:
            cells.append(f"{m:.2f} s ({size / m * 8 / bits * 100:.0f} %)")
    print(f"| {name} | " + " | ".join(cells) + " |")
print()

for spec, value in profiles:
    bits = int(value.split()[0])
    print(f"### {label(spec, value)}\n")
    print("| client | seconds (median) [runs] | goodput | % of the link |")
    print("|---|---|---|---|")
    for name, key in clients:
        m, vals = med(spec, key)
        if not vals:
            continue
        if m is None:
            print(f"| {name} | failed [{', '.join(vals)}] | – | – |")
            continue
        goodput = size / m
        print(
            f"| {name} | {m:.2f} [{', '.join(vals)}] | {goodput / 1e6:.2f} MB/s "
            f"({goodput * 8 / 1e6:.1f} Mbit/s) | {goodput * 8 / bits * 100:.1f} % |"
        )
    b, a = stats(spec, "before"), stats(spec, "after")
    if a:
        d = {k: a.get(k, 0) - b.get(k, 0) for k in a}
        print(
            f"\nDuring this profile the simulator received {d.get('uplink_bytes', 0) / 1e6:.1f} MB "
            f"through the uplink, {d.get('stalls', 0)} stalls, "
            f"{d.get('connections_reset', 0) + d.get('requests_reset', 0)} resets."
        )
    print()
