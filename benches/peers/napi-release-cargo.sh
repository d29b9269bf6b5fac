#!/usr/bin/env bash
# The cargo that `napi build --release` runs for the benchmarks (CARGO=this, set by run.sh).
# bindings/node/napi-cargo.sh builds the whole workspace to share `cargo test`'s dev artifacts;
# in release there is nothing of that to share, so build fotobase-node alone. Dropping the CLI's
# explicit host --target keeps the artifacts in $CARGO_TARGET_DIR/release, shared with maturin
# --release and `cargo bench` (with --target every dependency would be rebuilt under
# target/<triple>/); the addon is then copied to where the CLI looks for it.
set -euo pipefail
unset CARGO # cargo takes CARGO as its own path; keep this wrapper out of build scripts
[ "${1:-}" = build ] || exec cargo "$@"
shift
host=$(rustc -vV | sed -n 's/^host: //p')
args=() triple="" profile=debug target_dir="${CARGO_TARGET_DIR:-}"
while (($#)); do
  case $1 in
    --target) if [ "$2" = "$host" ]; then triple=$2; else args+=("$1" "$2"); fi; shift 2 ;;
    --target-dir) target_dir=$2; args+=("$1" "$2"); shift 2 ;;
    --release) profile=release; args+=("$1"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done
cargo build --locked "${args[@]}"
if [ -n "$triple" ]; then
  : "${target_dir:=$(cargo metadata --format-version 1 --no-deps | node -p 'JSON.parse(require("fs").readFileSync(0)).target_directory')}"
  mkdir -p "$target_dir/$triple/$profile"
  cp -f "$target_dir/$profile/libfotobase_node.so" "$target_dir/$triple/$profile/"
fi
