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
scripts/setup.sh
. scripts/lib/servers.sh
start_servers
cargo bench --locked -p fotobase-benches "$@"
criterion=$((SECONDS - start))
printf '\033[1;34m[bench]\033[0m setup and criterion benches took %ss\n' "$criterion"
if [ $# -eq 0 ]; then
  FOTOBASE_BENCH_CRITERION_SECONDS=$criterion benches/peers/run.sh
  printf '\033[1;34m[bench]\033[0m criterion %ss, peers %ss, total %ss\n' \
    "$criterion" "$((SECONDS - start - criterion))" "$((SECONDS - start))"
fi
