#!/usr/bin/env bash
# Build the Node binding (bindings/node) with the napi CLI in the dev profile,
# `npm pack` it, install the tarball into a scratch project outside the repo and
# run the node:test suite there, so the tests prove the package as published.
# Idempotent: npm ci only when the lock changed; cargo builds incrementally in
# the shared CARGO_TARGET_DIR. Prints node's closing `# pass N` / `# fail N`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
pkg=$root/bindings/node
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
say() { printf '\033[1;34m[node]\033[0m %s\n' "$*"; }

# --- the pinned @napi-rs/cli (npm ci when node_modules is missing or the lock changed)
want=$(sha256sum "$pkg/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$pkg/node_modules/.lock.sha256" 2>/dev/null)" != "$want" ]; then
  say "installing the build tools (npm ci)"
  npm ci --prefix "$pkg" --no-audit --no-fund --loglevel=error
  echo "$want" > "$pkg/node_modules/.lock.sha256"
fi

# --- build: the addon, index.js and index.d.ts land in bindings/node
say "building the addon (napi build, dev profile, target dir $CARGO_TARGET_DIR)"
start=$SECONDS
# napi-cargo.sh keeps the build in $CARGO_TARGET_DIR/debug, shared with `cargo test`
# (the CLI's explicit --target would rebuild every dependency under target/<triple>/).
(cd "$pkg" && CARGO="$pkg/napi-cargo.sh" ./node_modules/.bin/napi build --platform)
say "built in $((SECONDS - start))s"
# The dev build carries ~120 MB of line tables; the package needs none of them
# (and npm pack gzips 25 MB instead of 150).
if command -v strip >/dev/null; then strip --strip-debug "$pkg"/*.node; fi

# --- pack, and install the tarball into a scratch project outside the repo
scratch=$(mktemp -d "${TMPDIR:-/tmp}/fotobase-node.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
tarball=$(cd "$pkg" && npm pack --silent --pack-destination "$scratch" | tail -n 1)
say "packed $tarball ($(du -h "$scratch/$tarball" | cut -f1))"
cat > "$scratch/package.json" <<EOF
{ "name": "fotobase-node-scratch", "private": true, "type": "module", "dependencies": { "fotobase": "file:./$tarball" } }
EOF
npm install --prefix "$scratch" --no-audit --no-fund --no-package-lock --loglevel=error
cp -R "$pkg/__test__" "$scratch/__test__"

# --- run the suite against the installed package (TAP, so the closing lines are stable)
say "node --test in $scratch"
log="$scratch/node-test.log"
set +e
(cd "$scratch" && FOTOBASE_CASES="$root/testdata/cases" \
  FOTOBASE_CORPUS="${FOTOBASE_CORPUS:-$root/../shared/corpus}" \
  FOTOBASE_NODE_PACKED="$root" \
  node --test --test-reporter=tap) 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
ran=$(awk '/^# tests / { print $3 }' "$log")
if [ "${ran:-0}" -eq 0 ]; then
  echo "node --test ran no tests" >&2
  exit 1
fi
exit "$rc"
