#!/usr/bin/env bash
# Criterion benchmarks. Storage benchmarks also measure PostgreSQL, MariaDB and
# S3 (moto), so the same servers as the tests are started on loopback first.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
scripts/setup.sh
. scripts/lib/servers.sh
start_servers
cargo bench --locked -p fotobase-benches "$@"
