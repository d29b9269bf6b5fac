"""Print the slowest units of the last `cargo --timings` build (target/cargo-timings/cargo-timing.html).

make test prints this after its cargo build so that each CI log shows where the build time went;
docs/BUILDING.md keeps the measurements and the settings they led to.
"""

import json
import os
import re
import sys

report = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "cargo-timings", "cargo-timing.html")
try:
    with open(report, encoding="utf-8") as f:
        html = f.read()
except OSError:
    sys.exit(0)
found = re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S)
if not found:
    print(f"no unit data in {report}")
    sys.exit(0)
units = [u for u in json.loads(found.group(1)) if u["duration"] > 0]
if not units:
    sys.exit(0)
wall = max(u["start"] + u["duration"] for u in units)
busy = sum(u["duration"] for u in units)
top = int(sys.argv[1]) if len(sys.argv) > 1 else 15
print(f"== cargo build: {len(units)} units compiled, {wall:.0f} s wall, {busy:.0f} s summed; slowest ==")
for u in sorted(units, key=lambda u: u["duration"], reverse=True)[:top]:
    target = u["target"].strip() or "lib"
    print(f"{u['duration']:7.1f} s  {u['name']} {u['version']} ({target})")
