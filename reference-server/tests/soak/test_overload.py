"""`make soak`: the release server under overload on loopback, in bounded runs.

- wrk with many times more connections than the server admits at once
  (FOTOBASE_MAX_CONCURRENCY): the excess is shed with 503 + Retry-After, admitted requests
  still complete, no other 5xx, resident memory stays bounded, the server lives on;
- a burst of large uploads at once, each past the in-memory threshold: they stream to the blob
  store, so memory stays far below what buffering them would take, and every stored one
  comes back byte for byte.

FOTOBASE_BIN is the release binary; SOAK_SECONDS (default 30) the length of the wrk run.
Only 127.0.0.1 is ever a target.
"""
import hashlib
import io
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "benches" / "peers"))
from server import free_port, http, parse_wrk  # noqa: E402  (the benchmark's helpers)

BIN = os.environ.get("FOTOBASE_BIN", str(REPO / "target" / "release" / "fotobase"))
SECONDS = int(os.environ.get("SOAK_SECONDS", "30"))
ADMITTED = 32  # FOTOBASE_MAX_CONCURRENCY for these runs
PASSWORD = "correct horse battery staple"
MEMORY_BOUND_MB = 1024

COUNT_STATUSES = """
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer %s"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {}; unhinted = 0 end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 503 and not (headers["Retry-After"] or headers["retry-after"]) then unhinted = unhinted + 1 end
end
function done(summary, latency, requests)
  local all, missing = {}, 0
  for _, t in ipairs(threads) do
    for s, n in pairs(t:get("statuses")) do all[s] = (all[s] or 0) + n end
    missing = missing + t:get("unhinted")
  end
  for s, n in pairs(all) do io.write(string.format("status %%d %%d\\n", s, n)) end
  io.write(string.format("unhinted %%d\\n", missing))
end
"""


class PeakRss(threading.Thread):
    """Samples a process's resident set until stopped; `peak_mb` is the largest seen."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak_mb, self.running = pid, 0.0, True

    def run(self):
        while self.running:
            try:
                for line in pathlib.Path(f"/proc/{self.pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        self.peak_mb = max(self.peak_mb, int(line.split()[1]) / 1024)
            except OSError:
                return
            time.sleep(0.1)

    def stop(self):
        self.running = False
        self.join()
        return self.peak_mb


@pytest.fixture
def server():
    if not pathlib.Path(BIN).exists():
        pytest.fail(f"{BIN} not built (scripts/soak.sh builds it)")
    data = pathlib.Path(tempfile.mkdtemp(prefix="fotobase-soak-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FOTOBASE_LISTEN": f"127.0.0.1:{port}", "FOTOBASE_DATA": str(data),
           "FOTOBASE_MAX_CONCURRENCY": str(ADMITTED), "FOTOBASE_WORKERS": "1", "FOTOBASE_LOG": "warn"}
    env.pop("FOTOBASE_DATABASE_URL", None)
    log = open(data / "server.log", "wb")
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            if http(base, "GET", "/ready", timeout=2)[0] == 200:
                break
        except (OSError, RuntimeError):
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("the server did not become ready in 30 s")
    http(base, "POST", "/api/v1/auth/register", {"email": "soak@example.com", "password": PASSWORD})
    token = http(base, "POST", "/api/v1/auth/login", {"email": "soak@example.com", "password": PASSWORD})[1]["access_token"]
    yield base, proc, token
    alive = proc.poll() is None
    proc.terminate()
    proc.wait(timeout=30)
    log.close()
    assert alive, f"the server died; log: {(data / 'server.log').read_text()[-3000:]}"


def test_overload_is_shed_with_503_and_memory_stays_bounded(server, tmp_path):
    base, proc, token = server
    for _ in range(20):
        http(base, "POST", "/api/v1/folders", {"name": f"f{_}"}, {"Authorization": f"Bearer {token}"})
    lua = tmp_path / "count.lua"
    lua.write_text(COUNT_STATUSES % token)
    peak = PeakRss(proc.pid)
    peak.start()
    connections = ADMITTED * 16
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{SECONDS}s", "--timeout", "30s", "--latency",
                          "-s", str(lua), base + "/api/v1/folders"],
                         check=True, capture_output=True, text=True, timeout=SECONDS + 120).stdout
    peak_mb = peak.stop()
    print(out)
    res = parse_wrk(out)
    statuses = {int(s): int(n) for s, n in (line.split()[1:] for line in out.splitlines() if line.startswith("status "))}
    unhinted = int(next(line.split()[1] for line in out.splitlines() if line.startswith("unhinted ")))
    print(f"[soak] {connections} connections, {ADMITTED} admitted: {res['rps']:.0f} req/s, statuses {statuses}, "
          f"p50 {res['p50']}, p99 {res['p99']} s, peak RSS {peak_mb:.0f} MB")
    assert statuses.get(200, 0) > 0, "nothing was served"
    assert statuses.get(503, 0) > 0, "the excess was not shed"
    assert set(statuses) <= {200, 503}, statuses
    assert unhinted == 0, "503 without Retry-After"
    # Every admitted request finished inside wrk's 30 s timeout: a failure bound, not a benchmark.
    timeouts = re.search(r"Socket errors: connect \d+, read \d+, write \d+, timeout (\d+)", out)
    assert not timeouts or int(timeouts.group(1)) == 0, out
    assert peak_mb < MEMORY_BOUND_MB, f"peak RSS {peak_mb:.0f} MB"
    assert http(base, "GET", "/health")[0] == 200


def big_jpeg(mb):
    """A small real JPEG with `mb` MB after its end-of-image marker (decoders stop at the
    marker, so it is a valid photo that must be stored and returned whole)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, format="JPEG", quality=90)
    return out.getvalue() + os.urandom(mb << 20)


def test_a_burst_of_large_uploads_streams_instead_of_buffering(server):
    base, proc, token = server
    body = big_jpeg(40)
    digest = hashlib.sha256(body).hexdigest()
    uploads = 24  # 24 x 40 MB in flight: ~1 GB if buffered
    results = []

    def upload():
        req = urllib.request.Request(base + "/api/v1/images", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"})
        try:
            with urllib.request.urlopen(req, timeout=300) as r:
                results.append((r.status, r.read()))
        except urllib.error.HTTPError as e:
            results.append((e.code, e.read()))

    peak = PeakRss(proc.pid)
    peak.start()
    threads = [threading.Thread(target=upload) for _ in range(uploads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    peak_mb = peak.stop()
    codes = sorted(c for c, _ in results)
    print(f"[soak] {uploads} uploads of {len(body) >> 20} MB at once: {codes}, peak RSS {peak_mb:.0f} MB")
    assert len(results) == uploads and set(codes) <= {201, 503}, codes
    stored = [json.loads(b) for c, b in results if c == 201]
    assert stored, "no upload was stored"
    assert peak_mb < 600, f"peak RSS {peak_mb:.0f} MB: uploads were buffered"
    auth = {"Authorization": f"Bearer {token}"}
    with urllib.request.urlopen(urllib.request.Request(f"{base}/api/v1/images/{stored[0]['id']}/original", headers=auth)) as r:
        assert hashlib.sha256(r.read()).hexdigest() == digest
