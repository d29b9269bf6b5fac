#!/usr/bin/env bash
# Set up everything and run every test suite in the repo. Each runner's
# closing line is printed; the summary at the end lists them again.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# What the cargo build needs first (Debian packages, Rust, the web UI it embeds); the rest of the
# setup and the servers come up while it builds (below).
scripts/setup.sh system web || exit 1
# A target dir that incremental builds never touched (every fresh clone, every CI run) is built
# without incremental caches and with one codegen unit per workspace crate; one that plain `cargo`
# already built incrementally keeps that mode, so the two don't rebuild each other's artifacts
# (docs/BUILDING.md). Cargo creates debug/incremental/ even with incremental off, so what counts is
# whether anything is in it.
if [ -z "${CARGO_INCREMENTAL+set}" ] && [ -z "$(ls -A "$CARGO_TARGET_DIR/debug/incremental" 2>/dev/null)" ]; then
  export CARGO_INCREMENTAL=0
  export CARGO_PROFILE_DEV_CODEGEN_UNITS="${CARGO_PROFILE_DEV_CODEGEN_UNITS:-1}"
fi

# fotobase-mobile/cli (its uniffi-bindgen) is built here too, so the binding runners
# below find everything compiled; `workspace-hack` gives their single-package builds
# the same third-party features as this one (see .config/hakari.toml).
features=(--features fotobase-mobile/cli)
# Clippy rides on the test build: as the workspace's rustc wrapper it compiles our own crates with
# the lints of [workspace.lints] (warnings are errors), so its diagnostics are those of a plain
# `cargo clippy --workspace --all-targets -- -D warnings`, without that command's second pass over
# the whole dependency tree in check mode (minutes on 2 cores; docs/BUILDING.md). Exported for the
# binding builds below too, so they reuse these artifacts.
clippy_driver=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver) \
  || { echo "clippy-driver not found (rustup component add clippy)" >&2; exit 1; }
export RUSTC_WORKSPACE_WRAPPER="$clippy_driver" CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

# The workspace's build starts now, beside the rest of the setup (Python venv, npm packages) and the
# servers, which wait on the network and the disk more than on the cores; the `cargo test` step
# below waits for it, prints its log, then runs the tests (docs/BUILDING.md).
mkdir -p "$CARGO_TARGET_DIR"
build_log="$CARGO_TARGET_DIR/test-build.log"
build_started=$SECONDS
cargo test --workspace --all-targets --locked --no-run --timings "${features[@]}" >"$build_log" 2>&1 &
build_pid=$!
scripts/setup.sh python node || { kill "$build_pid" 2>/dev/null; exit 1; }

# Reference material the tests read if present: the shared corpus, the photos
# bundled in scikit-image's wheel, and the PngSuite/JPEG samples in Go's stdlib.
export FOTOBASE_CORPUS="${FOTOBASE_CORPUS:-$root/../shared/corpus}"
# Corpus suites skip (saying so) when the corpus is absent, as in a user's clone; where it is
# beside the checkout, as in CI, its absence later in a run would be a failure.
if [ -d "$FOTOBASE_CORPUS" ]; then export FOTOBASE_REQUIRE_CORPUS="${FOTOBASE_REQUIRE_CORPUS:-1}"; fi
if [ -x .venv/bin/python ]; then
  FOTOBASE_PHOTOS="${FOTOBASE_PHOTOS:-$(.venv/bin/python -c 'import os, skimage; print(os.path.join(os.path.dirname(skimage.__file__), "data"))' 2>/dev/null)}"
  export FOTOBASE_PHOTOS
fi
if command -v go >/dev/null; then export GOROOT="${GOROOT:-$(go env GOROOT)}"; fi

# Real servers on loopback for the storage tests: S3 (moto), Azure Blob (azurite),
# PostgreSQL and MariaDB. With the REQUIRE variables set, those tests fail rather than skip.
. scripts/lib/servers.sh
start_servers || { kill "$build_pid" 2>/dev/null; exit 1; }
export FOTOBASE_REQUIRE_EMULATORS=1 FOTOBASE_REQUIRE_DATABASES=1
prepared=$SECONDS

summary=()
failed=0
total_pass=0
total_fail=0
# Passed/failed counts from a runner's log: cargo's "test result:" lines (summed),
# pytest's "N passed, M failed", node's "# pass N" / "# fail N", Maven Surefire's
# "Tests run: N, Failures: F, Errors: E, Skipped: S" summaries.
counts() {
  awk '
    /^test result:/ { p += $4; f += $6; seen = 1 }
    /^# pass / { p += $3; seen = 1 }
    /^# fail / { f += $3; seen = 1 }
    /Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+ *$/ {
      for (i = 1; i < NF; i++) {
        if ($i == "run:") p += $(i+1) + 0
        if ($i == "Failures:" || $i == "Errors:") { f += $(i+1) + 0; p -= $(i+1) + 0 }
        if ($i == "Skipped:") p -= $(i+1) + 0
      }
      seen = 1
    }
    /^[0-9]+ (passed|failed)/ && / in [0-9.]+s/ {
      for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i }
      seen = 1
    }
    END { if (seen) print p + 0, f + 0 }' "$1"
}
run() { # name, command...
  local name=$1; shift
  printf '\n\033[1;34m==> %s\033[0m\n' "$name"
  local log; log=$(mktemp)
  local started=$SECONDS
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local took="$((SECONDS - started))s"
  local closing="exit $rc"
  local c; c=$(counts "$log")
  if [ -n "$c" ]; then
    read -r p f <<<"$c"
    closing="$p passed, $f failed"
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  fi
  rm -f "$log"
  if [ "$rc" -ne 0 ]; then failed=1; summary+=("FAIL  $name: $closing ($took)"); else summary+=("ok    $name: $closing ($took)"); fi
}

# The dependency tree: licenses (no GPL/AGPL), bans, sources; advisories when a RustSec
# database is on the machine (scripts/deny.sh; it is never fetched here).
run "cargo deny (licenses, bans, sources, advisories)" scripts/deny.sh
# The habits: formatting as rustfmt.toml says; clippy's lints ride on the build (above).
run "cargo fmt --check" cargo fmt --all --check
# The README's architecture diagram is drawn from docs/architecture.dot, never edited by hand.
run "architecture diagram (scripts/diagram.sh --check)" scripts/diagram.sh --check

# core/tests/corpus.rs appends its per-folder counts here; libtest hides a passing test's output.
export FOTOBASE_CORPUS_REPORT="$CARGO_TARGET_DIR/corpus-report.txt"
rm -f "$FOTOBASE_CORPUS_REPORT"
wait "$build_pid"
build_rc=$?
build_took=$((SECONDS - build_started))
cargo_test() {
  cat "$build_log"
  echo "(the build above ran beside the setup: exit $build_rc after ${build_took}s)"
  # Nothing left to compile unless the build failed, in which case this shows why again.
  cargo test --workspace --all-targets --locked --no-fail-fast "${features[@]}"
}
run "cargo test (unit, integration, CLI, server end to end, examples, benches in test mode; clippy lints as errors)" \
  cargo_test
# Where the build's time went (the whole report: target/cargo-timings/cargo-timing.html).
python3 scripts/lib/timings.py 20
if [ -f "$FOTOBASE_CORPUS_REPORT" ]; then
  printf '\033[1m== corpus, per folder (core/tests/corpus.rs) ==\033[0m\n'
  sort "$FOTOBASE_CORPUS_REPORT"
fi
run "cargo test --doc" cargo test --doc --workspace --locked "${features[@]}"

if [ -x .venv/bin/python ]; then
  pytest_run() { # test directory
    .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
    local rc=$?
    # pytest exits 5 when it collected nothing: that is a failure of this suite.
    [ $rc -eq 5 ] && { echo "pytest collected no tests"; return 1; }
    return $rc
  }
  FOTOBASE_BIN="$CARGO_TARGET_DIR/debug/fotobase" run "pytest (cross-checks against Pillow, scikit-image, PyJWT, argon2-cffi)" \
    pytest_run core/tests/interop
  run "pytest (deployment: docker-compose config, Kubernetes schemas, dashboards)" pytest_run reference-server/deploy/tests
  FOTOBASE_BIN="$CARGO_TARGET_DIR/debug/fotobase" run "pytest (OpenAPI contract: schemathesis against a live server)" \
    pytest_run reference-server/tests/contract
fi

if [ -d core/tests/peers/node_modules/sharp ]; then
  run "node --test (fotobase vs sharp and jose)" env FOTOBASE_BIN="$CARGO_TARGET_DIR/debug/fotobase" \
    node --test core/tests/peers/
fi

# The web UI: unit tests in jsdom, then the whole journey in Debian's Chromium against
# the real server (debug build) serving the built UI. A run that executed no test fails.
web_run() { # npm script
  local log; log=$(mktemp)
  npm run --prefix reference-server/web --silent "$1" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  grep -Eq '^# pass [1-9]' "$log" || { echo "no web tests ran"; rc=1; }
  rm -f "$log"
  return $rc
}
if [ -d reference-server/web/node_modules ]; then
  run "web: vitest (components, API client)" web_run test
  FOTOBASE_BIN="$CARGO_TARGET_DIR/debug/fotobase" FOTOBASE_WEB_DIR="$root/reference-server/web/dist" \
    run "web: end to end in chromium" web_run test:e2e
fi

# The language bindings, each built into its package (wheel, npm tarball, jar) and
# tested from outside the tree; they reuse the dev artifacts built above.
for binding in python node mobile; do
  run "bindings: $binding (installed package, shared behaviour cases)" "scripts/test-$binding.sh"
done

printf '\n\033[1m== summary ==\033[0m\n'
printf '%s\n' "${summary[@]}"
echo "setup and servers: ${prepared}s, whole run: ${SECONDS}s"
echo "total: $total_pass passed, $total_fail failed"
exit $failed
