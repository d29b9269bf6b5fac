#!/usr/bin/env bash
# Side-by-side benchmarks of fotobase's Python and Node bindings against their peers (issue 9):
# Pillow, scikit-image, NumPy, argon2-cffi, PyJWT; sharp, jose, @node-rs/argon2; and the reference
# server under wrk.
#
# 1. installs the peers (requirements.txt, package-lock.json here) into a scratch dir outside the
#    repo, ${FOTOBASE_PEERS_SCRATCH:-${TMPDIR:-/tmp}/fotobase-peers};
# 2. builds our wheel (maturin --release) and addon (napi --release) in $CARGO_TARGET_DIR/release,
#    the chart and ssimulacra2-peer binaries and the server (`fotobase`, release);
# 3. builds the inputs (make_inputs.py), runs bench_python.py and bench_node.mjs with one thread
#    (RAYON_NUM_THREADS=1, sharp.concurrency(1)) and at the defaults, the scaling curves (scaling.py,
#    scaling_node.mjs), and server.py: wrk against `fotobase serve` on SQLite and PostgreSQL (the
#    FOTOBASE_TEST_POSTGRES_URL that `make bench` started, else a throwaway one of its own);
# 4. writes benches/results.json, benches/RESULTS.md and benches/results.png, and prints the ratios.
#    The SSIMULACRA2-vs-crate row is Rust against Rust: the ssimulacra2-peer binary of fotobase-benches.
#
# `make bench-peers` runs this alone; `make bench` runs it after the Criterion benches.
# FOTOBASE_PEERS_QUICK=1: three rounds per comparison, 2 MP for the re-encode and quality-search rows,
# 3 s per server endpoint: to check the harness (numbers not meaningful; RESULTS.md says so).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
here=$root/benches/peers
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the tree
say() { printf '\033[1;34m[peers]\033[0m %s\n' "$*"; }
timings=() # "name": seconds, in order, for RESULTS.md
step_start=0
begin() { step_start=$SECONDS; say "$1"; }
end() { timings+=("\"$1\": $((SECONDS - step_start))"); }
all_start=$SECONDS

scratch=${FOTOBASE_PEERS_SCRATCH:-${TMPDIR:-/tmp}/fotobase-peers}
scratch=$(mkdir -p "$scratch" && cd "$scratch" && pwd -P)
case "$scratch/" in "$(pwd -P)"/*) echo "the scratch dir must be outside the repository: $scratch" >&2; exit 1 ;; esac
out=$scratch/out
rm -rf "$out" && mkdir -p "$out"

# --- Debian: the chart's font (DejaVu Sans, rasterised by ab_glyph), Python venvs, Node ----------
need_apt=()
font_of() { dpkg -L fonts-dejavu-core 2>/dev/null | grep -m1 '/DejaVuSans\.ttf$' || true; }
[ -n "$(font_of)" ] || need_apt+=(fonts-dejavu-core)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
command -v wrk >/dev/null || need_apt+=(wrk)
if ((${#need_apt[@]})); then
  say "installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
font=$(font_of)

# --- the peers, into the scratch dir (re-installed only when the pins change) --------------------
begin "installing the peers into $scratch (PyPI, npm)"
venv=$scratch/venv
want=$( (python3 --version; cat "$here/requirements.txt") | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -r "$here/requirements.txt"
  echo "$want" > "$venv/.requirements.sha256"
fi
node_dir=$scratch/node
mkdir -p "$node_dir"
want=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$node_dir/node_modules/.lock.sha256" 2>/dev/null)" != "$want" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$node_dir/"
  # A registry that lacks some platform builds leaves them out of the lockfile and `npm ci` then
  # refuses it; `npm install --no-save` installs the same locked versions (as scripts/setup.sh does).
  npm ci --prefix "$node_dir" --no-audit --no-fund --loglevel=error 2>/dev/null \
    || npm install --prefix "$node_dir" --no-save --no-audit --no-fund --loglevel=error
  echo "$want" > "$node_dir/node_modules/.lock.sha256"
fi
end "install peers"

# --- our bindings in release mode, in $CARGO_TARGET_DIR/release (one cargo build at a time) -------
begin "building the wheel (maturin --release)"
wheels=$scratch/wheels
rm -f "$wheels"/fotobase-*.whl
# fotobase-bindings/server-features: the fotobase that make bench compiled for the server (the wheel
# calls none of its storage code); pyo3/extension-module as pyproject.toml asks.
# maturin finds patchelf on PATH; its repair patches the library it copied to target/maturin, so
# that copy goes first and cargo copies the pristine one again (as scripts/test-python.sh does).
rm -f "$CARGO_TARGET_DIR"/maturin/lib_fotobase.so
PATH="$venv/bin:$PATH" "$venv/bin/maturin" build --release --locked -j "$CARGO_BUILD_JOBS" \
  --features pyo3/extension-module,fotobase-bindings/server-features \
  -i "$venv/bin/python" -m bindings/python/Cargo.toml -o "$wheels"
"$venv/bin/pip" install -q --force-reinstall --no-deps "$wheels"/fotobase-*.whl
end "build wheel (maturin --release)"

begin "building the addon (napi build --release)"
pkg=$root/bindings/node
if [ ! -x "$pkg/node_modules/.bin/napi" ]; then # the pinned @napi-rs/cli, as scripts/test-node.sh installs it
  npm ci --prefix "$pkg" --no-audit --no-fund --loglevel=error
fi
addon=$node_dir/node_modules/fotobase
rm -rf "$addon" && mkdir -p "$addon"
(cd "$pkg" && CARGO="$pkg/napi-cargo.sh" ./node_modules/.bin/napi build --platform --release \
  --features fotobase-bindings/server-features -o "$addon")
cp "$pkg/package.json" "$addon/"
end "build addon (napi --release)"

begin "building the chart and SSIMULACRA2 binaries (cargo build --release -p fotobase-benches --bins)"
cargo build --release --locked -p fotobase-benches --bins
end "build chart and ssimulacra2-peer"

begin "building the server (cargo build --release -p fotobase-server --bin fotobase)"
cargo build --release --locked -p fotobase-server --bin fotobase
end "build server (cargo --release)"

# --- inputs and the runs -------------------------------------------------------------------------
begin "building the inputs"
"$venv/bin/python" "$here/make_inputs.py" "$scratch/inputs" --megapixels 2 12 48 | "$venv/bin/python" -c \
  'import json, sys; print(json.dumps([{k: v for k, v in json.loads(l).items() if k != "path"} for l in sys.stdin]))' \
  > "$out/inputs.json"
end "inputs"

quick=(); [ "${FOTOBASE_PEERS_QUICK:-0}" = 1 ] && quick=(--quick) && touch "$out/quick" # report.py labels the run
# Other work on the machine skews every ratio: RESULTS.md shows the load when the runs began.
cut -d' ' -f1-3 /proc/loadavg > "$out/loadavg" 2>/dev/null || true
cp "$here/bench_node.mjs" "$here/scaling_node.mjs" "$node_dir/"
one_thread=(env RAYON_NUM_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1)

begin "Python, one thread"
(cd "$here" && "${one_thread[@]}" "$venv/bin/python" bench_python.py "$scratch/inputs" "$out/python-1.json" \
  --threads 1 --workloads thumbnail,metrics "${quick[@]}")
end "run: Python, 1 thread"
begin "Python, default threads"
(cd "$here" && "$venv/bin/python" bench_python.py "$scratch/inputs" "$out/python-default.json" "${quick[@]}")
end "run: Python, default threads"
begin "Node, one thread"
(cd "$node_dir" && "${one_thread[@]}" node bench_node.mjs "$scratch/inputs" "$out/node-1.json" --threads 1 "${quick[@]}")
end "run: Node, 1 thread"
begin "Node, default threads"
(cd "$node_dir" && node bench_node.mjs "$scratch/inputs" "$out/node-default.json" "${quick[@]}")
end "run: Node, default threads"

begin "Rust, SSIMULACRA2 against the ssimulacra2 crate (default threads)"
"$CARGO_TARGET_DIR/release/ssimulacra2-peer" "$scratch/inputs/pair-12mp-reference.npy" \
  "$scratch/inputs/pair-12mp-distorted.npy" "$out/ssimulacra2-rust.json" "$([ ${#quick[@]} -gt 0 ] && echo 1 || echo 3)"
end "run: Rust, SSIMULACRA2 vs crate"

begin "Python, scaling 2 / 12 / 48 MP"
(cd "$here" && "$venv/bin/python" scaling.py "$scratch/inputs" "$out/python-scaling.json" "${quick[@]}")
end "run: Python, scaling"
begin "Node, scaling 2 / 12 / 48 MP"
(cd "$node_dir" && node scaling_node.mjs "$scratch/inputs" "$out/node-scaling.json" "${quick[@]}")
end "run: Node, scaling"

begin "server under wrk (SQLite, PostgreSQL)"
pg=()
if [ -n "${FOTOBASE_TEST_POSTGRES_URL:-}" ]; then # make bench started it (scripts/lib/servers.sh)
  pg=(--postgres "$FOTOBASE_TEST_POSTGRES_URL")
else
  # Alone (make bench-peers): a throwaway server of our own, its state in the scratch dir so that the
  # databases of a `make test` running meanwhile ($CARGO_TARGET_DIR/databases) are left alone.
  db_state=(env CARGO_TARGET_DIR="$scratch/db-state")
  trap '"${db_state[@]}" scripts/databases.sh stop' EXIT
  if db_env=$("${db_state[@]}" scripts/databases.sh start); then
    pg=(--postgres "$(eval "$db_env"; echo "$FOTOBASE_TEST_POSTGRES_URL")")
  else
    say "no PostgreSQL server (scripts/setup.sh installs it): the server rows are SQLite only"
  fi
fi
"$venv/bin/python" "$here/server.py" "$CARGO_TARGET_DIR/release/fotobase" "$scratch/inputs" "$out/server.json" \
  "${pg[@]}" "${quick[@]}"
if [ -z "${FOTOBASE_TEST_POSTGRES_URL:-}" ]; then "${db_state[@]}" scripts/databases.sh stop; trap - EXIT; fi
end "run: server (wrk)"

# --- the report ----------------------------------------------------------------------------------
{
  printf '{'
  # make bench's parts before this harness (scripts/bench.sh)
  [ -n "${FOTOBASE_BENCH_SETUP_SECONDS:-}" ] && printf '"make bench: setup": %s, ' "$FOTOBASE_BENCH_SETUP_SECONDS"
  [ -n "${FOTOBASE_BENCH_BUILD_SECONDS:-}" ] && printf '"make bench: release build (benches, chart, server)": %s, ' "$FOTOBASE_BENCH_BUILD_SECONDS"
  [ -n "${FOTOBASE_BENCH_CRITERION_SECONDS:-}" ] && printf '"make bench: criterion runs": %s, ' "$FOTOBASE_BENCH_CRITERION_SECONDS"
  printf '%s, ' "${timings[@]}"
  printf '"peers harness total": %s, ' "$((SECONDS - all_start))"
  printf '"versions": {"rustc": "%s", "maturin": "%s", "@napi-rs/cli": "%s"}}\n' \
    "$(rustc --version | cut -d' ' -f2)" "$("$venv/bin/maturin" --version | cut -d' ' -f2)" \
    "$(node -p "require('$pkg/node_modules/@napi-rs/cli/package.json').version")"
} > "$out/timings.json"
"$venv/bin/python" "$here/report.py" "$out" benches/results.json benches/RESULTS.md --ssimulacra2 "$out/ssimulacra2-rust.json" \
  "$out"/python-1.json "$out"/python-default.json "$out"/node-1.json "$out"/node-default.json "$out"/python-scaling.json \
  "$out"/node-scaling.json "$out"/server.json
"$CARGO_TARGET_DIR/release/peers-chart" benches/results.json benches/results.png "$font"
say "wrote benches/RESULTS.md, benches/results.json, benches/results.png in $((SECONDS - all_start))s"
