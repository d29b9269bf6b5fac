#!/usr/bin/env bash
# The cargo that `napi build` runs (CARGO=this), for the tests (scripts/test-node.sh, dev profile)
# and the benchmarks (benches/peers/run.sh, --release).
# As the CLI asks for it, `cargo build --target <host> -p fotobase-node` would rebuild every
# dependency (20+ CPU-minutes of codecs on CI's 2 cores):
# - an explicit --target puts all artifacts under target/<triple>/, so it is dropped and the addon
#   copied to where the CLI looks for it;
# - in the dev profile, building one package resolves dependency features for that package alone,
#   not as `cargo test --workspace --all-targets` (run just before) did, so the whole workspace is
#   built as cargo test resolves it (only the cdylibs are new). In release there is no test build
#   to share, so fotobase-node alone is built (its artifacts shared with maturin and cargo bench).
# Other commands (`cargo metadata`) pass through unchanged.
set -euo pipefail
unset CARGO # cargo takes CARGO as its own path; keep this wrapper out of build scripts
[ "${1:-}" = build ] || exec cargo "$@"
shift
host=$(rustc -vV | sed -n 's/^host: //p')
args=() package=() triple="" profile=debug target_dir="${CARGO_TARGET_DIR:-}"
while (($#)); do
  case $1 in
    --target) if [ "$2" = "$host" ]; then triple=$2; else args+=("$1" "$2"); fi; shift 2 ;;
    --target-dir) target_dir=$2; args+=("$1" "$2"); shift 2 ;;
    --release) profile=release; args+=("$1"); shift ;;
    --profile) [ "$2" = dev ] || profile=$2; args+=("$1" "$2"); shift 2 ;;
    --package | -p) package=("$1" "$2"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ "$profile" = debug ]; then
  cargo build --workspace --all-targets --locked "${args[@]}"
else
  cargo build --locked "${package[@]}" "${args[@]}"
fi
if [ -n "$triple" ]; then
  : "${target_dir:=$(cargo metadata --format-version 1 --no-deps | node -p 'JSON.parse(require("fs").readFileSync(0)).target_directory')}"
  mkdir -p "$target_dir/$triple/$profile"
  cp -f "$target_dir/$profile/libfotobase_node.so" "$target_dir/$triple/$profile/"
fi
