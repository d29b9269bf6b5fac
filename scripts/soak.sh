#!/usr/bin/env bash
# make soak: the long fault and overload runs that `make test` keeps short. On loopback only,
# each bounded in time:
#   1. the release server under wrk at 16x what it admits at once, and a burst of large uploads
#      (reference-server/tests/soak/test_overload.py): 503 + Retry-After for the excess, bounded
#      memory, no crash;
#   2. the SIGKILL crash-consistency loop against the real binary, FOTOBASE_CRASH_ROUNDS rounds
#      (default 40; make test runs 6).
# SOAK_SECONDS (default 30) is the length of the wrk run.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
say() { printf '\033[1;34m[soak]\033[0m %s\n' "$*"; }
FOTOBASE_SKIP_NODE=1 scripts/setup.sh >/dev/null || exit 1
. scripts/lib/apt.sh
command -v wrk >/dev/null || apt_install "[soak]" wrk || exit 1
say "building the release server"
cargo build --release --locked -p fotobase-server || exit 1

passed=0 failed=0
step() { # name, command...
  local name=$1; shift
  say "$name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); say "FAILED: $name"; fi
}
step "overload and upload burst (wrk, release build)" env FOTOBASE_BIN="$CARGO_TARGET_DIR/release/fotobase" \
  .venv/bin/python -m pytest -q -s -p no:cacheprovider reference-server/tests/soak
step "SIGKILL loop, ${FOTOBASE_CRASH_ROUNDS:-40} rounds" env FOTOBASE_CRASH_ROUNDS="${FOTOBASE_CRASH_ROUNDS:-40}" \
  cargo test --locked -p fotobase-server --test e2e -- --exact faults::sigkill_during_uploads_jobs_and_deletions_loses_nothing
echo "soak: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
