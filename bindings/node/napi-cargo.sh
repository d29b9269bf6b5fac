#!/usr/bin/env bash
# The cargo that `napi build` runs (CARGO=this, set by scripts/test-node.sh).
# As the CLI asks for it, `cargo build --target <host>` in bindings/node would
# rebuild every dependency (20+ CPU-minutes of codecs on CI's 2 cores):
# - an explicit --target puts all artifacts under target/<triple>/;
# - building one package resolves dependency features for that package alone,
#   not as `cargo test --workspace --all-targets` (run just before) did.
# So build the workspace's targets as cargo test resolves them (only the cdylibs
# are new) and copy the addon to where the CLI looks for it. Other commands
# (`cargo metadata`) pass through unchanged.
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
    --profile) [ "$2" = dev ] || profile=$2; args+=("$1" "$2"); shift 2 ;;
    --package | -p) shift 2 ;; # the workspace includes it
    *) args+=("$1"); shift ;;
  esac
done
cargo build --workspace --all-targets --locked "${args[@]}"
if [ -n "$triple" ]; then
  : "${target_dir:=$(cargo metadata --format-version 1 --no-deps | node -p 'JSON.parse(require("fs").readFileSync(0)).target_directory')}"
  mkdir -p "$target_dir/$triple/$profile"
  cp -f "$target_dir/$profile/libfotobase_node.so" "$target_dir/$triple/$profile/"
fi
