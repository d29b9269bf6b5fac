"""Hostile inputs under an address-space limit: the shared hostile cases (testdata/cases/
hostile.json) decoded in a child process that cannot map more than 1 GiB. A bomb whose header
claims 10^10 pixels would need tens of GB if the limit were checked after allocating; Rust
aborts on a failed allocation, so a late check shows up here as a killed child, not an error."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CASES = Path(os.environ.get("FOTOBASE_CASES", REPO / "testdata" / "cases"))
LIMIT = 1 << 30

CHILD = r"""
import base64, json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (__LIMIT__, __LIMIT__))
import fotobase
ops = {
    "probe": lambda data, args: fotobase.probe(data),
    "compress": lambda data, args: fotobase.compress(data, **args.get("options", {})),
    "thumbnail": lambda data, args: fotobase.thumbnail(data, **args),
}
out = []
for case in json.load(sys.stdin):
    data = base64.b64decode(case["input"]["base64"])
    try:
        ops[case["op"]](data, case.get("args", {}))
        out.append([case["name"], None])
    except fotobase.FotobaseError as e:
        out.append([case["name"], e.code])
print(json.dumps(out))
print("peak kB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
""".replace("__LIMIT__", str(LIMIT))


def hostile_cases():
    cases = json.loads((CASES / "hostile.json").read_text(encoding="utf-8"))
    return [c for c in cases if "base64" in c.get("input", {})]


def test_hostile_inputs_stay_within_one_gib_of_address_space():
    cases = hostile_cases()
    assert len(cases) >= 30, "hostile.json lost its cases"
    # Fewer malloc arenas: each thread's arena reserves 64 MiB of address space up front.
    env = {**os.environ, "MALLOC_ARENA_MAX": "2", "RAYON_NUM_THREADS": "2"}
    child = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps(cases), capture_output=True,
                           text=True, env=env, timeout=300)
    assert child.returncode == 0, f"child died ({child.returncode}): {child.stderr[-2000:]}"
    got = dict(json.loads(child.stdout))
    for case in cases:
        # `expect_error`: a code, or a list of codes any of which will do.
        want = case.get("expect_error")
        wants = want if isinstance(want, list) else [want]
        assert got[case["name"]] in wants, f"{case['name']}: got {got[case['name']]!r}, want {want!r}"


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
