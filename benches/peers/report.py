"""Merge the harness's JSON files into benches/results.json and write benches/RESULTS.md.

    python report.py OUT_DIR RESULTS_JSON RESULTS_MD [--ssimulacra2 FILE] PART_FILES...

OUT_DIR holds inputs.json and timings.json (written by run.sh; `quick` when FOTOBASE_PEERS_QUICK=1);
PART_FILES are the outputs of bench_python.py, bench_node.mjs, scaling.py, scaling_node.mjs and
server.py. --ssimulacra2: the raw times of ssimulacra2-peer (SSIMULACRA2 against the `ssimulacra2`
crate). RESULTS.md is generated: edit this script, not that file.
"""
import datetime
import json
import os
import pathlib
import platform
import re
import sys

from common import row, stats

# The issues' goals (issue 9, revised by issue 26). `ratio`: the least throughput ratio fotobase/peer
# (peer time / our time); `bytes`: our output at most `bytes_max` (default 1) times the peer's (rows
# with bytes_ours and bytes_theirs).
# `has`: text the workload must also contain. First match wins. Goals, never test assertions.
TARGETS = [
    {"work": "thumbnail", "peer": "sharp", "ratio": 1.5, "text": "≥ 1.5× sharp"},
    {"work": "re-encode", "has": "AVIF", "peer": "sharp", "ratio": 1.0, "bytes": True,
     "text": "bytes ≤ sharp, time ≤ sharp"},
    {"work": "re-encode", "has": "PNG, lossless, oxipng level 0 (default)", "peer": "sharp", "ratio": 0.67,
     "bytes": True, "bytes_max": 0.70, "text": "bytes ≤ 0.70× sharp, time ≤ 1.5× sharp"},
    {"work": "re-encode", "peer": "sharp", "ratio": 1.0, "bytes": True, "text": "bytes ≤ sharp, time ≤ sharp"},
    {"work": "quality search", "peer": "naive", "ratio": None, "bytes": True,
     "text": "— (the search's output no larger than the sweep's)"},
    {"work": "SSIM ", "peer": "scikit-image", "ratio": 10.0, "text": "≥ 10× scikit-image"},
    {"work": "SSIMULACRA2", "peer": "`ssimulacra2` crate", "ratio": 2.0, "text": "≥ 2× the `ssimulacra2` crate"},
    {"work": "MS-SSIM", "peer": "—", "ratio": None, "text": "reported"},
    {"work": "MSE + PSNR", "peer": "NumPy", "ratio": 5.0, "text": "≥ 5× NumPy"},
    {"work": "argon2id", "peer": "argon2-cffi", "ratio": 1 / 1.1, "text": "time ≤ 1.1× argon2-cffi"},
    {"work": "argon2id", "peer": "@node-rs/argon2", "ratio": 1.0, "text": "≥ 1× @node-rs/argon2"},
    {"work": "JWT", "peer": "jose", "ratio": 2.0, "text": "≥ 2× jose"},
    {"work": "JWT", "peer": "PyJWT", "ratio": 3.0, "text": "≥ 3× PyJWT"},
]

# Rows of issue 9 that no part of the harness measures yet: (workload, peer, goal).
NOT_YET = []

# The table's order: the first prefix a workload starts with.
ORDER = ["thumbnail", "re-encode", "quality search", "SSIM ", "SSIMULACRA2", "MS-SSIM", "MSE", "argon2id",
         "JWT EdDSA", "JWT ES256"]


def target_for(r):
    for t in TARGETS:
        if r["workload"].startswith(t["work"]) and t.get("has", "") in r["workload"] and r["peer"].startswith(t["peer"]):
            return t
    return None


def goal_text(r):
    """The goal and whether this row meets it: `bytes ≤ sharp, time ≤ sharp: bytes met (0.99×), time **missed** …`."""
    t = r["target"]
    if not t:
        return ""
    if t["ratio"] is None and not t.get("bytes"):
        return t["text"]
    if r["ratio"] is None:
        return f"{t['text']}: not measured"
    parts = []
    if t.get("bytes") and r.get("bytes_ours") and r.get("bytes_theirs"):
        b = r["bytes_ours"] / r["bytes_theirs"]
        parts.append(f"bytes {b:.3f}×: " + ("met" if b <= t.get("bytes_max", 1.0) else "**missed**"))
    if t["ratio"] is not None:
        parts.append(("time: " if t.get("bytes") else "") + (
            "met" if r["ratio"] >= t["ratio"] else f"**missed**, needs {t['ratio'] / r['ratio']:.2f}× faster"))
    return f"{t['text']}: " + ", ".join(parts)


def ssimulacra2_rows(path):
    """SSIMULACRA2 on the 12 MP metrics pair, fotobase against the `ssimulacra2` crate, from the raw
    alternating times of the ssimulacra2-peer binary (benches/src/bin/ssimulacra2_peer.rs)."""
    version = "0.5.1"
    lock = pathlib.Path(__file__).resolve().parents[2] / "Cargo.lock"
    m = re.search(r'name = "ssimulacra2"\nversion = "([^"]+)"', lock.read_text()) if lock.exists() else None
    if m:
        version = m.group(1)
    peer = f"`ssimulacra2` crate {version}"
    if path is None or not path.exists():
        r = row("SSIMULACRA2 12 MP pair", "rust", {"ours": "—", "peer": "—"}, peer, None, None,
                detail="ssimulacra2-peer did not run", missing="run `make bench-peers`")
        return [r]
    d = json.loads(path.read_text())
    threads = f"{d['threads']} (rayon default)"
    delta = abs(d["score_ours"] - d["score_theirs"])
    return [row("SSIMULACRA2 12 MP pair", "rust", {"ours": threads, "peer": threads}, peer,
                stats(d["ours"]), stats(d["theirs"]), value_diff=delta,
                detail=f"SSIMULACRA2 fotobase {d['score_ours']:.4f}, crate {d['score_theirs']:.4f} (|Δ| = {delta:.1e}); "
                       f"the metrics pair of the Python rows ({d['width']}×{d['height']}); fotobase: `compare_pixels` on the "
                       "borrowed 8-bit pixels; crate: 8-bit sRGB → f32 then `compute_frame_ssimulacra2`; both on rayon's "
                       f"default pool; ssimulacra2-peer, n = {len(d['ours'])} per side, alternating")]


UNITS = [(1.0, "s"), (1e-3, "ms"), (1e-6, "µs")]


def fmt_time(v):
    scale, unit = next(((f, u) for f, u in UNITS if v >= f), UNITS[-1])
    return f"{v / scale:.0f} {unit}" if v / scale >= 100 else f"{v / scale:.1f} {unit}"


def fmt_stats(st, ops=False):
    """`78.0 ms (72.3–82.2)`: the median and the interquartile range, in the median's unit; `n = 1`
    when there was a single run."""
    scale, unit = next(((f, u) for f, u in UNITS if st["median"] >= f), UNITS[-1])
    digits = lambda v: f"{v / scale:.0f}" if v / scale >= 100 else f"{v / scale:.1f}"  # noqa: E731
    if st.get("n") == 1:
        text = f"{digits(st['median'])} {unit} (n = 1)"
    else:
        text = f"{digits(st['median'])} {unit} ({digits(st['q1'])}–{digits(st['q3'])})"
    if ops:
        text += f", {1 / st['median']:,.0f} ops/s"
    return text


def cell(r, side):
    """A time cell, with the output size and the number of encodes when the row has them."""
    st = r["ours" if side == "ours" else "theirs"]
    if st is None:
        return r.get("missing", "—")
    text = fmt_stats(st, r["workload"].startswith("JWT"))
    key = "ours" if side == "ours" else "theirs"
    if r.get(f"bytes_{key}"):
        text += f"; {r[f'bytes_{key}']:,} B"
    if r.get(f"encodes_{key}"):
        text += f"; {r[f'encodes_{key}']} encodes"
    return text


def cpu_model():
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    argv = sys.argv[1:]
    ssimulacra2 = None
    if "--ssimulacra2" in argv:
        i = argv.index("--ssimulacra2")
        ssimulacra2 = pathlib.Path(argv[i + 1])
        del argv[i:i + 2]
    out_dir, results_json, results_md = map(pathlib.Path, argv[:3])
    parts = [json.loads(pathlib.Path(p).read_text()) for p in argv[3:]]
    inputs = json.loads((out_dir / "inputs.json").read_text())
    timings = json.loads((out_dir / "timings.json").read_text())
    quick = (out_dir / "quick").exists()
    rows, versions, scaling, server, server_notes = [], {}, [], [], []
    for part in parts:
        rows += part["rows"]
        versions.update(part["versions"])
        scaling += [{"binding": part.get("binding", "python"), **c} for c in part.get("scaling", [])]
        server += part.get("server", [])
        server_notes += part.get("server_notes", [])
    rows += ssimulacra2_rows(ssimulacra2)
    versions.update(timings.pop("versions", {}))
    rows.sort(key=lambda r: (next((i for i, w in enumerate(ORDER) if r["workload"].startswith(w)), 99), r.get("seq", 0),
                             r["workload"], r["binding"], r["threads"]["ours"] != "1", r["threads"]["peer"]))
    for r in rows:
        r["target"] = target_for(r)
    now = datetime.datetime.now(datetime.timezone.utc)
    results = {"date": now.isoformat(timespec="seconds"), "quick": quick, "cpu": cpu_model(), "cores": os.cpu_count(),
               "versions": versions, "inputs": inputs, "timings": timings, "rows": rows,
               "scaling": scaling, "server": server, "server_notes": server_notes}
    results_json.write_text(json.dumps(results, indent=1) + "\n")

    md = ["# fotobase against its peers", "",
          "Generated by `make bench-peers` (`benches/peers/run.sh`, also part of `make bench`): **do not edit by hand**.", ""]
    if quick:
        md += ["> **Quick run** (`FOTOBASE_PEERS_QUICK=1`): three rounds per comparison, the 2 MP photo for the re-encode "
               "and quality-search rows, 3 s per server endpoint. It checks the harness; its numbers mean little.", ""]
    md += [f"- Date: {now:%Y-%m-%d %H:%M} UTC",
           f"- CPU: {results['cpu']}, {results['cores']} cores (`/proc/cpuinfo`; shared with whatever else ran then)",
           f"- OS: {platform.system()} {platform.release()}"]
    load = out_dir / "loadavg"
    if load.exists():
        md.append(f"- Load average (1, 5, 15 min) when the runs began: {load.read_text().strip()} "
                  "(anything above 0 is other work sharing the CPU)")
    md.append("")
    md += ["## Inputs", ""]
    for i in inputs:
        md.append(f"- `{i['name']}`: {i['width']}×{i['height']}, {i['bytes']:,} bytes, sha256 `{i['sha256'][:16]}…`")
    md += ["", "Built by `benches/peers/make_inputs.py` from the photos scikit-image ships (astronaut, coffee, chelsea, "
           "rocket, motorcycles) tiled, Lanczos-upscaled and given a fixed-seed grain, then JPEG q92 4:2:0 (Pillow). "
           "The metrics pair is that photo and its q50 re-encode, both decoded to RGB arrays (every metric gets the "
           "same pixels; decoding is not timed).", ""]
    md += ["## Results", "",
           "Median time per operation (interquartile range in brackets), fotobase and the peer alternating in one "
           "process on the same input. **Ratio = peer time / fotobase time**, i.e. fotobase's throughput relative "
           "to the peer's: **> 1 means fotobase is faster**, < 1 that the peer is. Threads: fotobase's single-thread "
           "mode is `RAYON_NUM_THREADS=1` (the bindings have no thread option); sharp's is `sharp.concurrency(1)`. "
           "Re-encode rows also give each side's output bytes (`B`) at equal SSIMULACRA2, and their goal checks bytes "
           "(fotobase's / sharp's) as well as time; the quality-search row gives encodes.",
           "", "| Workload | Binding | Threads fotobase / peer | fotobase | Peer | Peer time | Ratio | Goal (issues 9, 26) |",
           "|---|---|---|---|---|---|---:|---|"]
    for r in rows:
        ratio = "—" if r["ratio"] is None else f"**{r['ratio']:.2f}×**" if r["ratio"] < 1 else f"{r['ratio']:.2f}×"
        peer_time = cell(r, "theirs") if r["theirs"] is not None or r.get("missing") else "—"
        md.append(f"| {r['workload']} | {r['binding']} | {r['threads']['ours']} / {r['threads']['peer']} | "
                  f"{cell(r, 'ours')} | {r['peer']} | {peer_time} | {ratio} | {goal_text(r)} |")
    for work, peer, goal in NOT_YET:
        md.append(f"| {work} | — | — | not yet measured | {peer} | not yet measured | — | {goal} |")
    md += ["", "![fotobase/peer throughput ratios](results.png)", "", "Notes per row:", ""]
    for r in rows:
        if r.get("detail"):
            md.append(f"- {r['workload']} ({r['binding']}, {r['threads']['ours']} / {r['threads']['peer']} threads): {r['detail']}")
    for binding, title, about in (
        ("python", "Python", "for the 800 px thumbnail (JPEG in memory → JPEG) and SSIM (RGB arrays)"),
        ("node", "Node", "for the 800 px thumbnail (JPEG in memory → JPEG q80, Lanczos-3; both async; sharp "
                         "with `cache(false)` at its default concurrency); Node has no SSIM peer"),
    ):
        cells_of = [c for c in scaling if c["binding"] == binding]
        if not cells_of:
            continue
        sizes = sorted({c["megapixels"] for c in cells_of})
        md += ["", f"## Scaling ({title}, default threads)", "",
               "Median time and peak memory added by the operation (peak RSS minus RSS once the input was loaded; "
               f"one fresh process per cell), {about}. "
               "Goal (issue 9): roughly linear time, memory bounded by the shrink-on-load path.", "",
               "| Operation | Library | " + " | ".join(f"{mp} MP" for mp in sizes) + " |",
               "|---|---|" + "---:|" * len(sizes)]
        for key in dict.fromkeys((c["op"], c["lib"]) for c in cells_of):
            cells = {c["megapixels"]: c for c in cells_of if (c["op"], c["lib"]) == key}
            md.append(f"| {key[0]} | {key[1]} | " + " | ".join(
                f"{fmt_time(cells[mp]['median'])}, +{cells[mp]['peak_mib']:,.0f} MiB" if mp in cells else "—"
                for mp in sizes) + " |")
    if server or server_notes:
        first = server[0] if server else {"threads": 2, "connections": 32, "seconds": "?"}
        md += ["", "## Server (wrk on loopback)", "",
               f"`fotobase serve` (release build, default settings, a fresh data directory) under "
               f"`wrk -t{first['threads']} -c{first['connections']} -d{first['seconds']}s --latency` on 127.0.0.1, wrk on "
               "the same cores as the server; `benches/peers/server.py`. No peer: absolute numbers. The list is a "
               "token-verified `GET /api/v1/images` returning 20 rows; login sends correct passwords rotating over a "
               "few accounts (argon2id makes it CPU-bound by design; only failed logins are throttled); the upload "
               "posts a 2 MP JPEG as the body, and the thumbnail jobs it queues run on the server's workers during "
               "the run. The thumbnail workers' row times the server's job workers alone: that many uploads at "
               "once, then the backlog they leave drained with nothing else running (before the wrk runs). The "
               "split rows run docker-compose's layout as processes on loopback (auth, users, images and folders "
               "services, a job worker, the gateway in front) on PostgreSQL and S3 (moto); the list is measured "
               "through the gateway and straight to the images service, and the gateway's cost is the time per "
               "request it adds. **Ceiling**: `GET /health`'s rate on the "
               "same run (the HTTP stack alone); for login, cores ÷ one argon2id verification; for the workers, the "
               "workers ÷ one thumbnail on one thread (the wheel's `thumbnail`, the call the workers make). Requests/s counts 2xx answers only (logins beyond the hashing "
               "slots are answered 503 + Retry-After and counted as non-2xx). Goals (issue 25) where set.", "",
               "| Endpoint | Database | Requests/s | Ceiling | Of ceiling | p50 | p90 | p99 | Non-2xx / socket errors "
               "| Goal |",
               "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        ms = lambda v: "—" if v is None else fmt_time(v)  # noqa: E731
        for s in server:
            ceiling = f"{s['ceiling']:,.0f}" if s.get("ceiling") else "—"
            share = f"{s['of_ceiling']:.0%}" if s.get("of_ceiling") is not None else "—"
            goal = (f"{s['goal']}: {'met' if s['goal_met'] else 'not met'}") if s.get("goal") else ""
            md.append(f"| {s['endpoint']} | {s['database']} | {s.get('ok_rps', s['rps']):,.0f} | {ceiling} | {share} | "
                      f"{ms(s['p50'])} | {ms(s['p90'])} | {ms(s['p99'])} | {s['non_2xx']} / {s['socket_errors']} | "
                      f"{goal} |")
        if server_notes:
            md += [""] + [f"- {n}" for n in server_notes]
    md += ["", "## Versions", "", "| Component | Version |", "|---|---|"]
    md += [f"| {k} | {v} |" for k, v in versions.items()]
    md += ["", "## How long it took", "", "| Part | Seconds |", "|---|---:|"]
    md += [f"| {k} | {v} |" for k, v in timings.items()]
    if "make bench: setup" in timings:  # a whole `make bench` (issue 9: under 30 minutes from a fresh clone)
        total = sum(v for k, v in timings.items() if k.startswith("make bench:")) + timings["peers harness total"]
        md += [f"| **make bench, total** | **{total}** ({total / 60:.1f} min) |"]
    md.append("")
    results_md.write_text("\n".join(md))

    # The closing lines of `make bench`: every ratio, slowest first.
    print("fotobase/peer throughput ratio (> 1 = fotobase faster):")
    for r in sorted((r for r in rows if r["ratio"] is not None), key=lambda r: r["ratio"]):
        goal = f"  goal {goal_text(r)}" if r["target"] else ""
        print(f"  {r['ratio']:6.2f}x  {r['binding']:6} {r['workload']} vs {r['peer'].split(' (')[0]} "
              f"[threads {r['threads']['ours'].split(' ')[0]}/{r['threads']['peer'].split(' ')[0]}]{goal}")


if __name__ == "__main__":
    main()
