#!/usr/bin/env bash
# Build and test every language binding as a package installed outside the repo:
# the Python wheel, the npm tarball and the Kotlin jar (plus generated Swift).
# Each reuses the workspace's dev artifacts, so run it after `make test`.
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
scripts/setup.sh || exit 1
failed=0
for binding in python node mobile; do
  [ -x "scripts/test-$binding.sh" ] || { echo "scripts/test-$binding.sh is missing"; failed=1; continue; }
  printf '\n\033[1;34m==> bindings: %s\033[0m\n' "$binding"
  "scripts/test-$binding.sh" || failed=1
done
exit $failed
