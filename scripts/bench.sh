#!/usr/bin/env bash
# Criterion benchmarks, then the side-by-side peer benchmarks (benches/peers/run.sh, which
# regenerates benches/RESULTS.md and closes with the fotobase/peer ratios). Storage benchmarks also
# measure PostgreSQL, MariaDB and S3 (moto), so the same servers as the tests are started on
# loopback first. Arguments go to `cargo bench` (a filter, e.g. `decode`); the peer harness runs
# only on a full run (no arguments). Prints how long each part took.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
start=$SECONDS
FOTOBASE_SETUP_FOR=bench scripts/setup.sh
. scripts/lib/servers.sh
start_servers
setup=$((SECONDS - start))
build=0
if [ $# -eq 0 ]; then
  # Everything Rust the run needs, in one cargo invocation so both cores stay busy while the large
  # crates (fotobase, the server) compile: the bench binaries, the chart, ssimulacra2-peer and the
  # server. The wheel and the addon are built by benches/peers/run.sh (maturin, napi), on the same
  # compiled dependencies.
  cargo build --release --locked -p fotobase-benches -p fotobase-server --benches --bins
  build=$((SECONDS - start - setup))
  printf '\033[1;34m[bench]\033[0m release build took %ss\n' "$build"
fi
cargo bench --locked -p fotobase-benches "$@"
criterion=$((SECONDS - start - setup - build))
printf '\033[1;34m[bench]\033[0m setup %ss, criterion benches %ss\n' "$setup" "$criterion"
if [ $# -eq 0 ]; then
  FOTOBASE_BENCH_SETUP_SECONDS=$setup FOTOBASE_BENCH_BUILD_SECONDS=$build FOTOBASE_BENCH_CRITERION_SECONDS=$criterion \
    benches/peers/run.sh
  printf '\033[1;34m[bench]\033[0m setup %ss, release build %ss, criterion %ss, peers %ss, total %ss\n' \
    "$setup" "$build" "$criterion" "$((SECONDS - start - setup - build - criterion))" "$((SECONDS - start))"
fi
