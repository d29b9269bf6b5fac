#!/usr/bin/env bash
# Set up everything and run every test suite in the repo. Each runner's
# closing line is printed; the summary at the end lists them again.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
scripts/setup.sh || exit 1

# Reference material the tests read if present: the shared corpus, the photos
# bundled in scikit-image's wheel, and the PngSuite/JPEG samples in Go's stdlib.
export FOTOBASE_CORPUS="${FOTOBASE_CORPUS:-$root/../shared/corpus}"
if [ -x .venv/bin/python ]; then
  FOTOBASE_PHOTOS="${FOTOBASE_PHOTOS:-$(.venv/bin/python -c 'import os, skimage; print(os.path.join(os.path.dirname(skimage.__file__), "data"))' 2>/dev/null)}"
  export FOTOBASE_PHOTOS
fi
if command -v go >/dev/null; then export GOROOT="${GOROOT:-$(go env GOROOT)}"; fi

summary=()
failed=0
run() { # name, command...
  local name=$1; shift
  printf '\n\033[1;34m==> %s\033[0m\n' "$name"
  local log; log=$(mktemp)
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local closing
  closing=$(grep -E '^test result:|passed|failed|no tests ran|^# (pass|fail) ' "$log" | tail -n 2 | tr '\n' ' ')
  rm -f "$log"
  if [ "$rc" -ne 0 ]; then failed=1; summary+=("FAIL  $name: ${closing:-exit $rc}"); else summary+=("ok    $name: $closing"); fi
}

run "cargo test (workspace: unit, integration, CLI, benches in test mode, doc)" \
  cargo test --workspace --all-targets --locked
run "cargo test --doc" cargo test --doc --workspace --locked
run "cargo clippy (warnings are errors)" cargo clippy --workspace --all-targets --locked -- -D warnings

if [ -x .venv/bin/python ]; then
  pytest_run() {
    .venv/bin/python -m pytest -q core/tests/interop "$@"
    local rc=$?
    # pytest exits 5 when it collected nothing: that is a failure of this suite.
    [ $rc -eq 5 ] && { echo "pytest collected no tests"; return 1; }
    return $rc
  }
  FOTOBASE_BIN="$CARGO_TARGET_DIR/debug/fotobase" run "pytest (cross-checks against Pillow and scikit-image)" pytest_run
fi

if [ -d core/tests/peers/node_modules/sharp ]; then
  run "node --test (fotobase vs sharp)" env FOTOBASE_BIN="$CARGO_TARGET_DIR/debug/fotobase" \
    node --test core/tests/peers/
fi

printf '\n\033[1m== summary ==\033[0m\n'
printf '%s\n' "${summary[@]}"
exit $failed
