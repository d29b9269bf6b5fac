"""The reference server under load: wrk on loopback against `fotobase serve`, on SQLite and PostgreSQL.

    python server.py FOTOBASE_BIN INPUT_DIR OUT.json [--postgres URL] [--quick]

For each database: start the binary on 127.0.0.1 (a free port, a fresh data dir, default settings),
register and log in accounts over HTTP, upload a few 2 MP JPEGs and wait for their thumbnail jobs,
then run wrk (2 threads, 32 connections, --latency) for a fixed time on each endpoint:

- `GET /health`: the HTTP stack alone, the **ceiling** the other rows are set against (issue 25);
- `GET /api/v1/users/me` with a bearer token: token verification plus one row;
- `GET /api/v1/images` with a bearer token: token verification plus a keyset page from the database;
- `GET /.well-known/jwks.json`: the public keys, no database;
- `POST /api/v1/auth/login` with correct passwords, rotating over a few accounts (successful logins are
  never throttled; failures are, so none are sent): argon2id verification (m=19456 KiB, t=2), CPU-bound
  by design, plus a refresh-session row. Its ceiling is cores ÷ one argon2id verification (timed here with
  the fotobase wheel, the same hasher at the same defaults); logins beyond what the hashing slots take are
  answered 503 + Retry-After (counted as non-2xx), so its rate is the successful logins per second;
- `POST /api/v1/images` with a 2 MP JPEG as the body (`Content-Type: image/jpeg`): sniff, store the blob,
  the row and a thumbnail job, which the server's own workers run meanwhile on the same cores;
- the thumbnail workers: THUMBNAIL_JOBS uploads of that JPEG made at once, then the backlog still pending
  when the last upload is answered, drained by the workers alone (thumbnails per second), against the
  ceiling of one thumbnail (the wheel's `thumbnail`, the worker's call, on one thread) times the server's
  workers (FOTOBASE_WORKERS = the cores).

`--postgres URL` (a server URL such as FOTOBASE_TEST_POSTGRES_URL): a fresh database is created next to
it with psql when psql is there, else the given database is used (accounts are unique per run). No peer:
the numbers are absolute. Writes {"binding": "server", "rows": [], "server": [...], "versions": {...}}.
"""
import argparse
import base64
import json
import os
import pathlib
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

PASSWORD = "correct horse battery staple"
# Issue 25's goals: share of the ceiling (and p99) per endpoint and database.
GOALS = {
    ("users/me", "SQLite"): (0.35, None),
    ("images", "SQLite"): (0.25, 0.010),
    ("images", "PostgreSQL"): (0.15, None),
    ("login", "SQLite"): (0.75, 0.250),
    ("workers", "SQLite"): (0.90, None),
}
ACCOUNTS = 8  # login rotates over these
THUMBNAIL_JOBS = 200  # a few seconds of the workers' time on 2 cores
WORKERS = os.cpu_count() or 1

LIST = """
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer {token}"
"""

LOGIN = """
local bodies = {{{bodies}}}
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/api/v1/auth/login", {{["Content-Type"] = "application/json"}}, bodies[(n % #bodies) + 1])
end
"""

UPLOAD = """
local f = assert(io.open("{path}", "rb"))
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Content-Type"] = "image/jpeg"
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(base, method, path, body=None, headers=None, timeout=30):
    headers = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"{method} {path}: HTTP {e.code}: {e.read()[:300]!r}") from None


def to_seconds(text):
    """wrk's durations: `812.00us`, `3.21ms`, `1.02s`, `2.00m`."""
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[m.group(2)]


def parse_wrk(out):
    """Requests/s, latency percentiles and error counts from `wrk --latency` output."""
    res = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
           "requests": int(re.search(r"(\d+) requests in", out).group(1))}
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        res[f"p{pct}"] = to_seconds(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["socket_errors"] = sum(map(int, m.groups())) if m else 0
    return res


def wrk(base, path, script, work, seconds):
    lua = work / f"{re.sub(r'[^a-z]+', '-', path.strip('/'))}.lua"
    lua.write_text(script)
    cmd = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--timeout", "10s", "--latency", "-s", str(lua), base + path]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=seconds + 60).stdout
    return parse_wrk(out)


def hash_seconds():
    """One argon2id verification at the server's defaults (the fotobase wheel: the same core hasher)."""
    try:
        import fotobase  # in the harness's venv
    except ImportError:
        return None
    h = fotobase.hash_password(PASSWORD)
    times = []
    for _ in range(15):
        t = time.perf_counter()
        fotobase.verify_password(h, PASSWORD)
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def against_ceiling(rows, hash_s):
    """Each row's ceiling (GET /health on the same run; login: cores ÷ one hash), share of it, goal."""
    cores = os.cpu_count() or 1
    health = {r["database"]: r["rps"] for r in rows if r["endpoint"].startswith("GET /health")}
    for r in rows:
        method, path = r["endpoint"].split(" (")[0].split(" ", 1)
        key = {"/api/v1/users/me": "users/me", "/api/v1/images": "images", "/api/v1/auth/login": "login"}.get(path)
        r["ok_rps"] = r["rps"] * (r["requests"] - r["non_2xx"]) / max(r["requests"], 1)
        if "ceiling" in r:  # set by the row's own measurement (the workers)
            key = path
        elif key == "login":
            r["ceiling"] = cores / hash_s if hash_s else None
        elif method == "GET" and path != "/health":
            r["ceiling"] = health.get(r["database"])
        else:  # the ceiling itself; uploads have an absolute goal
            r["ceiling"] = None
        r["of_ceiling"] = r["ok_rps"] / r["ceiling"] if r.get("ceiling") else None
        goal = GOALS.get((key, r["database"]))
        if goal and r["of_ceiling"] is not None:
            share, p99 = goal
            r["goal"] = f"≥ {share:.0%}" + (f", p99 < {p99 * 1e3:.0f} ms" if p99 else "")
            r["goal_met"] = r["of_ceiling"] >= share and (p99 is None or (r["p99"] or 1e9) < p99)
    return rows


def thumbnail_seconds(jpg):
    """One thumbnail as the server's workers make it (320 px box, contain, WebP) on one thread: the
    wheel in a child process with RAYON_NUM_THREADS=1, median of 15."""
    code = (
        "import sys, time, fotobase\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "fotobase.thumbnail(data, 320, 320, 'contain', 'webp')\n"
        "ts = []\n"
        "for _ in range(15):\n"
        "    t = time.perf_counter(); fotobase.thumbnail(data, 320, 320, 'contain', 'webp')\n"
        "    ts.append(time.perf_counter() - t)\n"
        "print(sorted(ts)[len(ts) // 2])\n")
    env = {**os.environ, "RAYON_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, "-c", code, str(jpg)], env=env, capture_output=True, text=True)
    return float(r.stdout) if r.returncode == 0 else None


def worker_pool(base, auth, body, db_name, one_thumbnail):
    """THUMBNAIL_JOBS uploads at once, then the backlog they leave drained by the worker pool alone: the
    thumbnails still pending when the last upload is answered, over the time until the last is made. (The
    uploads and this client share the cores while they run, so timing from the first upload would charge
    them to the pool.) Set against one thumbnail's single-thread rate times the workers."""
    from concurrent.futures import ThreadPoolExecutor

    headers = {**auth, "Content-Type": "image/jpeg"}
    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        statuses = set(pool.map(lambda _: http(base, "POST", "/api/v1/images", body, headers)[0],
                                range(THUMBNAIL_JOBS)))
    if statuses != {201}:
        raise RuntimeError(f"uploads answered {sorted(statuses)}")
    uploaded = time.perf_counter()
    backlog = None
    while True:
        # The caller's job counts: one small response, so polling costs the cores little.
        jobs = http(base, "GET", "/api/v1/stats", headers=auth)[1]["jobs"]
        pending = jobs["queued"] + jobs["running"]
        if backlog is None:
            backlog = pending
        if not pending:
            break
        if time.perf_counter() - started > 600:
            raise RuntimeError(f"{pending} thumbnails still not made after 10 minutes")
        time.sleep(0.02)
    done = time.perf_counter()
    if jobs["failed"]:
        raise RuntimeError(f"{jobs['failed']} thumbnail jobs failed")
    drain = done - uploaded
    label = f"thumbnail workers ({backlog} of {THUMBNAIL_JOBS} jobs left after the uploads, 2 MP → 320 px WebP, {WORKERS} workers)"
    return {"endpoint": label, "database": db_name, "seconds": round(drain, 2), "connections": 8, "threads": WORKERS,
            "rps": backlog / drain if backlog else THUMBNAIL_JOBS / (done - started), "requests": THUMBNAIL_JOBS, "non_2xx": 0,
            "socket_errors": 0, "p50": None, "p90": None, "p99": None, "all_seconds": round(done - started, 2),
            "ceiling": WORKERS / one_thumbnail if one_thumbnail else None}


def fresh_postgres(url, name):
    """A new database on the server of `url` (psql), or None when psql is missing or fails."""
    psql = shutil.which("psql")
    if not psql:
        return None
    r = subprocess.run([psql, url, "-qc", f"CREATE DATABASE {name}"], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"[server] psql could not create {name}: {r.stderr.strip()}", file=sys.stderr)
        return None
    root, _, _ = url.rpartition("/")
    return f"{root}/{name}"


def start_server(binary, args, env, data, timeout_s=30):
    """`fotobase ARGS` on a free loopback port with `env`; waits for /ready. Returns (proc, base, log)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data.mkdir(parents=True, exist_ok=True)
    log = open(data / "server.log", "wb")
    env = {**env, "FOTOBASE_LISTEN": f"127.0.0.1:{port}", "FOTOBASE_DATA": str(data)}
    proc = subprocess.Popen([binary, *args], env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(timeout_s * 50):  # migrations and key generation
        if proc.poll() is not None:
            raise RuntimeError(f"{' '.join(args)} exited ({proc.returncode}); log: {(data / 'server.log').read_text()[-2000:]}")
        try:
            if http(base, "GET", "/ready", timeout=2)[0] == 200:
                return proc, base, log
        except (OSError, RuntimeError):
            pass
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError(f"{' '.join(args)} did not become ready in {timeout_s} s")


def stop_server(proc, log):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


def seed(base, jpg, n_images=20):
    """Accounts registered and logged in over HTTP, `n_images` uploads with their thumbnails made.
    Returns (emails, token)."""
    run_id = secrets.token_hex(4)
    emails = [f"bench-{run_id}-{i}@example.com" for i in range(ACCOUNTS)]
    for e in emails:
        http(base, "POST", "/api/v1/auth/register", {"email": e, "password": PASSWORD})
    token = http(base, "POST", "/api/v1/auth/login", {"email": emails[0], "password": PASSWORD})[1]["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    body = jpg.read_bytes()
    for _ in range(n_images):  # the listed page: 20 images, thumbnails made
        http(base, "POST", "/api/v1/images", body, {**auth, "Content-Type": "image/jpeg"})
    for _ in range(1500):
        items = http(base, "GET", "/api/v1/images", headers=auth)[1]["items"]
        if all(i["status"] != "processing" for i in items):
            break
        time.sleep(0.02)
    return emails, token


def run_split(binary, jpg, db_url, blob_url, seconds, work):
    """The split deployment as docker-compose runs it, each part its own process on loopback: the auth,
    users, images and folders services and a job worker on PostgreSQL and `blob_url` (S3 under make
    bench), the gateway in front. wrk on the gateway's /health (the ceiling), the routed list and
    /users/me, and the same list sent straight to the images service: what the gateway adds."""
    key = lambda: base64.b64encode(secrets.token_bytes(32)).decode()  # noqa: E731 - the keys' format
    keys = {k: key() for k in ("FOTOBASE_ID_KEY", "FOTOBASE_BLIND_INDEX_KEY", "FOTOBASE_TRANSFORM_KEY")}
    shared = {**os.environ, **keys, "FOTOBASE_FIELD_KEYS": f"k1:{key()}",
              "FOTOBASE_DATABASE_URL": db_url, "FOTOBASE_BLOB_URL": blob_url, "FOTOBASE_TRUSTED_PROXIES": "127.0.0.1",
              "FOTOBASE_QUOTA_BYTES": "unlimited", "FOTOBASE_QUOTA_UPLOADS_PER_MINUTE": "unlimited"}
    root = pathlib.Path(tempfile.mkdtemp(prefix="server-split-", dir=work))
    started = []
    try:
        def start(name, args, env):
            proc, base, log = start_server(binary, args, env, root / name)
            started.append((proc, log))
            return base
        auth = start("auth", ["serve", "--service", "auth"], shared)
        with_auth = {**shared, "FOTOBASE_AUTH_URL": auth}
        users = start("users", ["serve", "--service", "users"], with_auth)
        images = start("images", ["serve", "--service", "images"], {**with_auth, "FOTOBASE_WORKERS": "0"})
        folders = start("folders", ["serve", "--service", "folders"], with_auth)
        worker = subprocess.Popen([binary, "worker"], env={**shared, "FOTOBASE_WORKERS": str(WORKERS),
                                                           "FOTOBASE_DATA": str(root / "worker")},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append((worker, open(os.devnull, "wb")))
        gateway = start("gateway", ["serve", "--service", "gateway"], {
            **os.environ, "FOTOBASE_UPSTREAM_AUTH": auth, "FOTOBASE_UPSTREAM_USERS": users,
            "FOTOBASE_UPSTREAM_IMAGES": images, "FOTOBASE_UPSTREAM_FOLDERS": folders})
        _, token = seed(gateway, jpg)
        db_name = "PostgreSQL + " + ("S3" if blob_url.startswith("s3://") else "files") + ", split"
        cases = [
            ("GET /health (ceiling)", gateway, "/health", ""),
            ("GET /api/v1/users/me (token)", gateway, "/api/v1/users/me", LIST.format(token=token)),
            ("GET /api/v1/images (token, 20 rows)", gateway, "/api/v1/images?limit=20", LIST.format(token=token)),
            ("GET /api/v1/images (token, 20 rows), straight to the images service", images,
             "/api/v1/images?limit=20", LIST.format(token=token)),
        ]
        rows = []
        for label, base, path, script in cases:
            r = wrk(base, path, script, work, seconds)
            rows.append({"endpoint": label, "database": db_name, "seconds": seconds, "connections": 32, "threads": 2, **r})
            print(f"[server] {db_name} {label}: {r['rps']:.0f} req/s, p99 {(r['p99'] or 0) * 1e3:.1f} ms")
        routed, direct = rows[2], rows[3]
        if routed["rps"] and direct["rps"]:
            # The cores are shared, so the gateway's cost shows as the time per request it adds.
            adds = direct["rps"] / routed["rps"] - 1
            routed["gateway_adds"] = adds
            routed["goal"], routed["goal_met"] = "gateway adds ≤ 20 %", adds <= 0.20
            routed["endpoint"] += f" (the gateway adds {adds:.0%})"
        return rows
    finally:
        for proc, log in reversed(started):
            stop_server(proc, log)
        shutil.rmtree(root, ignore_errors=True)


def run_one(binary, jpg, db_name, db_url, seconds, work, one_thumbnail):
    data = pathlib.Path(tempfile.mkdtemp(prefix=f"server-{db_name}-", dir=work))
    # Quotas stay checked (their cost is measured) but never bind: one account uploads at full speed.
    env = {**os.environ, "FOTOBASE_WORKERS": str(WORKERS),
           "FOTOBASE_QUOTA_BYTES": "unlimited", "FOTOBASE_QUOTA_UPLOADS_PER_MINUTE": "unlimited"}
    env.pop("FOTOBASE_DATABASE_URL", None)
    if db_url:
        env["FOTOBASE_DATABASE_URL"] = db_url
    proc, base, log = start_server(binary, ["serve"], env, data)
    try:
        emails, token = seed(base, jpg)
        auth = {"Authorization": f"Bearer {token}"}
        body = jpg.read_bytes()
        bodies = ", ".join(json.dumps(json.dumps({"email": e, "password": PASSWORD})) for e in emails)
        cases = [
            ("GET /health (ceiling)", "/health", ""),
            ("GET /api/v1/users/me (token)", "/api/v1/users/me", LIST.format(token=token)),
            ("GET /api/v1/images (token, 20 rows)", "/api/v1/images?limit=20", LIST.format(token=token)),
            ("GET /.well-known/jwks.json", "/.well-known/jwks.json", ""),
            (f"POST /api/v1/auth/login ({ACCOUNTS} accounts, argon2id)", "/api/v1/auth/login", LOGIN.format(bodies=bodies)),
            (f"POST /api/v1/images ({len(body) / 1e6:.2f} MB JPEG, {_size(jpg)})", "/api/v1/images",
             UPLOAD.format(path=jpg, token=token)),
        ]
        # Before the wrk runs: the upload run leaves a backlog the workers are still working through.
        workers = worker_pool(base, auth, body, db_name, one_thumbnail)
        print(f"[server] {db_name:10} {workers['endpoint']}: {workers['rps']:.1f} thumbnails/s in {workers['seconds']} s")
        rows = []
        for label, path, script in cases:
            r = wrk(base, path, script, work, seconds)
            rows.append({"endpoint": label, "database": db_name, "seconds": seconds, "connections": 32, "threads": 2, **r})
            p = lambda v: f"{v * 1e3:.1f} ms" if v is not None else "—"  # noqa: E731
            print(f"[server] {db_name:10} {label}: {r['rps']:.0f} req/s, p50 {p(r['p50'])}, p99 {p(r['p99'])}, "
                  f"non-2xx {r['non_2xx']}, socket errors {r['socket_errors']}")
        return rows + [workers]  # last: the table's header describes the wrk rows by the first
    finally:
        stop_server(proc, log)
        shutil.rmtree(data, ignore_errors=True)


def _size(path):
    from PIL import Image  # in the harness's venv

    with Image.open(path) as im:
        return f"{im.width}×{im.height}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("inputs", type=pathlib.Path)
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--postgres", help="a PostgreSQL server URL (e.g. FOTOBASE_TEST_POSTGRES_URL)")
    ap.add_argument("--quick", action="store_true", help="3 s per endpoint instead of 6")
    args = ap.parse_args()
    seconds = 3 if args.quick else 6  # thousands of requests per endpoint (login: hundreds) for the p99
    jpg = (args.inputs / "photo-2mp.jpg").resolve()
    version = subprocess.run([args.binary, "--version"], capture_output=True, text=True).stdout.strip()
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split(" [")[0].removeprefix("wrk ")
    started = time.perf_counter()
    hash_s = hash_seconds()
    one_thumbnail = thumbnail_seconds(jpg)
    rows, notes = [], []
    if hash_s is None:
        notes.append("login ceiling: not measured (the fotobase wheel is not importable here)")
    if one_thumbnail is None:
        notes.append("thumbnail workers' ceiling: not measured (the fotobase wheel is not importable here)")
    with tempfile.TemporaryDirectory(prefix="fotobase-server-bench-") as tmp:
        work = pathlib.Path(tmp)
        backends = [("SQLite", None)]
        if args.postgres:
            name = f"fotobase_bench_{secrets.token_hex(4)}"
            url = fresh_postgres(args.postgres, name)
            if url is None:
                notes.append("PostgreSQL: psql could not create a fresh database; the server used the given one")
                url = args.postgres
            backends.append(("PostgreSQL", url))
        else:
            notes.append("PostgreSQL: not measured (no server URL; run.sh starts one with scripts/databases.sh)")
        for name, url in backends:
            try:
                rows += against_ceiling(run_one(args.binary, jpg, name, url, seconds, work, one_thumbnail), hash_s)
            except Exception as e:  # noqa: BLE001 - one database failing should not lose the other
                notes.append(f"{name}: failed: {e}")
                print(f"[server] {name} failed: {e}", file=sys.stderr)
        if len(backends) > 1:
            blob_url = os.environ.get("FOTOBASE_TEST_S3_URL") or f"file://{work / 'split-blobs'}"
            if not blob_url.startswith("s3://"):
                notes.append("split deployment: no S3 emulator (make bench starts moto), so local files")
            split_db = fresh_postgres(args.postgres, f"fotobase_split_{secrets.token_hex(4)}") or backends[1][1]
            try:
                rows += against_ceiling(run_split(args.binary, jpg, split_db, blob_url, seconds, work), hash_s)
            except Exception as e:  # noqa: BLE001
                notes.append(f"split deployment: failed: {e}")
                print(f"[server] split deployment failed: {e}", file=sys.stderr)
    args.out.write_text(json.dumps({
        "binding": "server", "rows": [], "server": rows, "server_notes": notes,
        "versions": {"fotobase (server)": version.split()[-1] if version else "?", "wrk": wrk_version},
        "seconds": time.perf_counter() - started}, indent=1))


if __name__ == "__main__":
    main()
