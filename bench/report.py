"""Summarises bench/run.sh's raw results (section, name, value per line) as Markdown."""
import collections
import statistics
import sys

path, mb, big_mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = [l.rstrip("\n").split("\t", 2) for l in open(path) if l.strip()]
meta = {n: v for s, n, v in rows if s == "meta"}
one = {(s, n): v for s, n, v in rows}
runs = collections.defaultdict(list)
for s, n, v in rows:
    runs[(s, n)].append(v)


def med(sec, name):
    vals = runs.get((sec, name), [])
    ok = [float(v) for v in vals if v not in ("", "fail")]
    if not ok:
        return None, vals
    return statistics.median(ok), vals


def fmt_runs(vals):
    return ", ".join(vals)


size = mb * 1024 * 1024
print(f"## Results ({meta.get('date')}, commit {meta.get('commit')})\n")
print(f"Machine: {meta.get('nproc')} cores, {meta.get('cpu')}, {meta.get('mem')} RAM")
print(f"Load before: `{meta.get('uptime_before')}`")
print(f"Load after:  `{meta.get('uptime_after')}`")
print(f"Script wall time: {meta.get('wall_secs')} s\n")

print("### Simulator (issue 3), plain HTTP, release `postbridge sim` in its own process\n")

vals = [float(v) for s, n, v in rows if s == "sim_mbps" and v]
sim_mbps = statistics.median(vals) if vals else None
print("| figure | value |\n|---|---|")
print(f"| loopback throughput, v1.1 APPEND 4 MiB segments, {big_mb} MiB (median of {len(vals)}: {', '.join(f'{v:.0f}' for v in vals)}) | **{sim_mbps:.0f} MB/s** |" if sim_mbps else "| throughput | missing |")
kb = lambda k: int(one[("sim", k)]) / 1024 if ("sim", k) in one and one[("sim", k)] else float("nan")
print(f"| idle RSS | {kb('idle_rss_kb'):.1f} MiB |")
print(f"| peak RSS (VmHWM) while receiving the first {big_mb} MiB upload | {kb('peak_rss_first_kb'):.1f} MiB |")
print(f"| peak RSS after all {len(vals)} uploads / RSS at the end | {kb('peak_rss_kb'):.1f} MiB / {kb('rss_after_kb'):.1f} MiB |")
print()

print(f"### {mb} MiB video, wall time per upload (median of runs; all runs in brackets)\n")
clients = [
    ("Postbridge (x-client), v2, 4 MiB x 6", "postbridge_v2"),
    ("Postbridge (x-client), v1.1, 4 MiB x 6", "postbridge_v1.1"),
    ("tweepy 4.17.0, v1.1 chunked", "tweepy_v1.1"),
    ("twitter-api-v2 1.29.1, v1.1 chunked", "twitter-api-v2_v1.1"),
    ("twitter-api-v2 1.29.1, v2 chunked", "twitter-api-v2_v2"),
]
print("| client | HTTPS, 0 ms | HTTPS, 50 ms | plain HTTP, 0 ms | plain HTTP, 50 ms |")
print("|---|---|---|---|---|")
cell = {}
for label, key in clients:
    out = []
    for sec in ("https_0", "https_50", "http_0", "http_50"):
        m, v = med(sec, key)
        cell[(sec, key)] = m
        if not v:
            out.append("–")
        elif m is None:
            out.append("failed")
        else:
            out.append(f"{m:.2f} s ({m and size / m / 1e6:.0f} MB/s) [{fmt_runs(v)}]")
    print(f"| {label} | " + " | ".join(out) + " |")
raw = {}
for sch in ("https", "http", "tcp"):
    vals = [float(v) for s, n, v in rows if s == f"raw_{sch}"]
    raw[sch] = statistics.median(vals) if vals else None
def rawcell(sch):
    r = raw[sch]
    if r is None:
        return "–"
    v = [f"{float(x):.3f}" for s, n, x in rows if s == f"raw_{sch}"]
    return f"{r:.2f} s ({size / r / 1e6:.0f} MB/s) [{', '.join(v)}]"
print(f"| raw loopback: curl POST -> discarding sink, one request | {rawcell('https')} | – | {rawcell('http')} | – |")
print(f"| raw loopback: plain TCP, sendfile -> discarding sink (no HTTP) | – | – | {rawcell('tcp')} | – |")
print()
print(f"Peak RSS of each upload process for the {mb} MiB video (median over runs, MiB):\n")
print("| client | HTTPS, 0 ms | HTTPS, 50 ms |\n|---|---|---|")
for label, key in clients:
    cells = []
    for sec in ("rss_https_0", "rss_https_50"):
        v = [int(x) for x in runs.get((sec, key), []) if x.strip().isdigit()]
        cells.append(f"{statistics.median(v) / 1024:.0f}" if v else "–")
    print(f"| {label} | " + " | ".join(cells) + " |")
print()

print("### Targets\n")
print("| target | figure | met? |\n|---|---|---|")
peers = ["tweepy_v1.1", "twitter-api-v2_v1.1", "twitter-api-v2_v2"]
best_peer = [(cell[("https_50", p)], p) for p in peers if cell.get(("https_50", p))]
pb50 = min(x for x in (cell.get(("https_50", "postbridge_v2")), cell.get(("https_50", "postbridge_v1.1"))) if x) if any((cell.get(("https_50", "postbridge_v2")), cell.get(("https_50", "postbridge_v1.1")))) else None
if best_peer and pb50:
    bp, bn = min(best_peer)
    for key in ("postbridge_v2", "postbridge_v1.1"):
        p = cell.get(("https_50", key))
        if p:
            f = p / bp
            print(f"| 50 ms: Postbridge ≤ 1/3 of the best peer's wall time | {key}: {p:.2f} s / {bn} {bp:.2f} s = **{f:.3f}** (1/{bp / p:.1f}) | {'met' if f <= 1 / 3 else 'NOT met'} |")
else:
    print("| 50 ms vs best peer | missing (a peer failed or was not run) | ? |")
for sch, sec in (("https", "https_0"), ("http", "http_0"), ("tcp", "http_0")):
    r = raw[sch]
    for key in ("postbridge_v2", "postbridge_v1.1"):
        p = cell.get((sec, key))
        if r and p:
            pct = r / p * 100
            print(f"| 0 ms, {dict(https='HTTPS vs raw HTTPS POST', http='HTTP vs raw HTTP POST', tcp='HTTP vs raw TCP sendfile')[sch]}: Postbridge ≥ 80 % of raw loopback throughput | {key}: {size / p / 1e6:.0f} / {size / r / 1e6:.0f} MB/s = **{pct:.0f} %** | {'met' if pct >= 80 else 'NOT met'} |")
for route in ("v2", "v1.1"):
    v = one.get(("pb_rss", route))
    t = one.get(("pb_big_secs", route))
    if v:
        mib = int(v) / 1024
        print(f"| Postbridge upload process peak RSS < 64 MB for {big_mb} MiB ({route}, 0 ms, HTTP, took {t} s) | **{mib:.1f} MiB** ({int(v) * 1024 / 1e6:.1f} MB) | {'met' if int(v) * 1024 < 64e6 else 'NOT met'} |")
if sim_mbps:
    print(f"| simulator ≥ 300 MB/s (4 MiB APPENDs) | **{sim_mbps:.0f} MB/s** | {'met' if sim_mbps >= 300 else 'NOT met'} |")
