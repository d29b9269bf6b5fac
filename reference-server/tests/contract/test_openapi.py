"""The API against its own OpenAPI document: schemathesis generates requests for
every operation of a live `fotobase serve` (examples, boundary coverage and
fuzzing, seeded) and fails on any 5xx, any status, content type, header or body
the document does not describe. The server runs on loopback with its own data
directory; the caller is a real account with an image, so authenticated
operations are exercised past the auth check."""

import io
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
BIN = os.environ.get("FOTOBASE_BIN") or str(ROOT / "target" / "debug" / "fotobase")
# The checks that make "no 500s and no schema violations" (positive/negative data
# acceptance are about validation strictness, which the router tests cover).
CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
])
# `logout_all` would end the run's own session and leave every later request at 401.
EXCLUDED = ["logout_all"]


def call(base, method, path, body=None, token=None, content_type="application/json"):
    data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", content_type)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.loads(res.read() or b"null")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not os.path.exists(BIN):
        pytest.fail(f"the server binary is missing: {BIN} (cargo build -p fotobase-server)")
    data = tmp_path_factory.mktemp("data")
    env = dict(os.environ, FOTOBASE_WORKERS="1", FOTOBASE_LOG="warn")
    proc = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--data", str(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    seen = []
    m = None
    for line in proc.stdout:
        seen.append(line)
        m = re.search(r"is running at http://(127\.0\.0\.1:\d+)", line)
        if m or len(seen) > 20:
            break
    if not m:
        proc.kill()
        pytest.fail(f"the server did not start: {seen!r} {proc.stderr.read()}")
    base = f"http://{m.group(1)}"
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def token(server):
    creds = {"email": "contract@example.com", "password": "a long contract-test passphrase"}
    call(server, "POST", "/api/v1/auth/register", creds)
    access = call(server, "POST", "/api/v1/auth/login", creds)["access_token"]
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buf, "PNG")
    call(server, "POST", "/api/v1/images", buf.getvalue(), token=access, content_type="image/png")
    call(server, "POST", "/api/v1/folders", {"name": "contract", "visibility": "public", "tags": ["x"]}, token=access)
    return access


def test_the_document_is_openapi_31_and_lists_the_contract(server):
    doc = call(server, "GET", "/api/openapi.json")
    assert doc["openapi"] == "3.1.0"
    for path in ["/api/v1/auth/login", "/api/v1/images", "/api/v1/images/{id}/process", "/api/v1/jobs/{id}/events",
                 "/api/v1/folders/{id}/share", "/api/v1/shared/{token}", "/t/{signature}/{options}/{image}"]:
        assert path in doc["paths"], path
    with urllib.request.urlopen(server + "/api/docs", timeout=10) as res:
        page = res.read().decode()
        assert "docs.js" in page and res.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_schemathesis_finds_no_server_errors_or_schema_violations(server, token, tmp_path):
    exe = shutil.which("schemathesis") or str(pathlib.Path(sys.executable).with_name("schemathesis"))
    assert os.path.exists(exe), "schemathesis is missing (scripts/requirements-test.txt)"
    cmd = [
        exe, "run", f"{server}/api/openapi.json",
        "--checks", CHECKS,
        "--header", f"Authorization: Bearer {token}",
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", os.environ.get("FOTOBASE_SCHEMATHESIS_EXAMPLES", "30"),
        "--seed", "20261123",
        # One worker: with two, Hypothesis (on CPython 3.11) can parse a source file in both threads
        # at once and die on "AST constructor recursion depth mismatch": a runtime error of the
        # tool, not a finding about the server (seen once in CI).
        "--workers", "1",
        "--request-timeout", "60",
        "--suppress-health-check", "all",
        "--report", "junit", "--report-dir", str(tmp_path),
        *[a for op in EXCLUDED for a in ("--exclude-operation-id", op)],
    ]
    # Run in the temp dir: schemathesis keeps a cache folder in its working directory.
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1200, cwd=tmp_path,
                         env=dict(os.environ, SCHEMATHESIS_HOOKS="", NO_COLOR="1"))
    tail = "\n".join((out.stdout + out.stderr).splitlines()[-80:])
    print(tail)
    assert out.returncode == 0, f"schemathesis found problems:\n{tail}"
    m = re.search(r"(\d+) generated, (\d+) passed", tail)
    assert m and int(m.group(1)) >= 500 and m.group(1) == m.group(2), f"too few test cases ran:\n{tail}"
    tested = re.search(r"Tested: (\d+)", tail)
    assert tested and int(tested.group(1)) >= 50, f"operations left untested:\n{tail}"
