#!/usr/bin/env bash
# Install what fotobase needs on a fresh Debian machine. Idempotent: each step
# checks first and says what it does. Safe to run again and again.
# FOTOBASE_SETUP_FOR=bench (scripts/bench.sh): skip what only the tests and `make run` use (the
# peer-check packages, the web UI), so `make bench` spends its minutes on the benchmarks.
# `scripts/setup.sh [PART...]` runs only the named parts (system, web, python, node), in that order;
# without arguments, all of them. scripts/test.sh runs `system web` (what the cargo build needs: the
# web UI is embedded in the server), starts the build, then sets up `python node` beside it.
set -euo pipefail
parts=" ${*:-system web python node} "
want_part() { [[ $parts == *" $1 "* ]]; }
for_bench=0; [ "${FOTOBASE_SETUP_FOR:-}" = bench ] && for_bench=1
cd "$(dirname "$0")/.."

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
. scripts/lib/apt.sh

if want_part system; then
  # --- Debian packages ---------------------------------------------------------
  # nasm: SIMD for rav1e (AVIF) and libjpeg-turbo (mozjpeg); cmake/pkg-config/cc for C codecs.
  need_apt=()
  command -v nasm >/dev/null || need_apt+=(nasm)
  command -v cmake >/dev/null || need_apt+=(cmake)
  command -v pkg-config >/dev/null || need_apt+=(pkg-config)
  command -v cc >/dev/null || need_apt+=(build-essential)
  command -v python3 >/dev/null || need_apt+=(python3)
  python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
  command -v node >/dev/null || need_apt+=(nodejs)
  command -v npm >/dev/null || need_apt+=(npm)
  command -v curl >/dev/null || need_apt+=(curl)
  # HEIC/HEIF decoding (fotobase's `heic` feature, which the server, CLI and bindings built here
  # enable): libheif with its HEVC decoder (libde265), linked dynamically.
  pkg-config --exists libheif 2>/dev/null || need_apt+=(libheif-dev)
  # The `avif-aom` AVIF encoder (same builds): libaom, linked dynamically (libheif-dev brings it too).
  pkg-config --exists aom 2>/dev/null || need_apt+=(libaom-dev)
  # Makes the certificate of the HTTPS end-to-end test.
  command -v openssl >/dev/null || need_apt+=(openssl)
  # Draws docs/architecture.svg from its text source; make test checks the drawing is current.
  command -v dot >/dev/null || need_apt+=(graphviz)
  # Database servers the storage tests run against (started on loopback by scripts/databases.sh).
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
  command -v mariadbd >/dev/null || need_apt+=(mariadb-server)
  # Validates reference-server/deploy/docker-compose.yml (no Docker engine needed).
  command -v docker-compose >/dev/null || need_apt+=(docker-compose)
  # The web UI's end-to-end test drives Debian's Chromium (playwright-core, no browser download).
  command -v chromium >/dev/null || need_apt+=(chromium)
  if ((${#need_apt[@]})); then
    apt_install "[setup]" "${need_apt[@]}"
  else
    say "Debian packages present (nasm, cmake, pkg-config, cc, libheif, libaom, python3, node, curl, postgresql, mariadb-server, chromium)"
  fi

  # --- Rust ----------------------------------------------------------------------
  if ! command -v cargo >/dev/null; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then export PATH="$HOME/.cargo/bin:$PATH"; fi
  fi
  command -v cargo >/dev/null || { echo "cargo not found: install Rust (rustup) first" >&2; exit 1; }
  say "using $(cargo --version)"
  # `make test` checks formatting and lints (scripts/test.sh).
  for component in clippy rustfmt; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1 && command -v rustup >/dev/null; then
      say "adding the $component component (rustup)"; rustup component add "$component" >/dev/null
    fi
  done
fi

if want_part web; then
  # --- The web UI (React + Vite from the npm registry), built into reference-server/web/dist
  if [ "${FOTOBASE_SKIP_NODE:-0}" != 1 ] && [ $for_bench = 0 ]; then
    web=reference-server/web
    want=$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)
    if [ "$(cat "$web/node_modules/.lock.sha256" 2>/dev/null)" != "$want" ]; then
      say "installing the web UI's packages (npm ci)"
      # Registries that lack some platform builds (rollup's, for other OSes) leave those optional
      # packages out of the lockfile, and `npm ci` then refuses it as out of sync; `npm install
      # --no-save` installs the same locked versions without touching the lockfile.
      npm ci --prefix "$web" --no-audit --no-fund --loglevel=error 2>/dev/null \
        || npm install --prefix "$web" --no-save --no-audit --no-fund --loglevel=error
      echo "$want" > "$web/node_modules/.lock.sha256"
    else
      say "web UI node_modules ready"
    fi
    # Build when there is no build or a source is newer than it (a few seconds).
    if [ ! -f "$web/dist/index.html" ] || [ -n "$(find "$web/src" "$web/public" "$web/index.html" "$web/package-lock.json" \
        "$web/vite.config.ts" "$web/tsconfig.json" -newer "$web/dist/index.html" -print -quit)" ]; then
      say "building the web UI (npm run build)"
      npm run --prefix "$web" --silent build
    else
      say "web UI built ($web/dist)"
    fi
  fi
fi

if want_part python; then
  # --- Python tools for the cross-checks (Pillow, scikit-image, PyJWT, argon2-cffi, pytest)
  # A stamp of the requirements file makes this re-run whenever the list changes.
  if [ "${FOTOBASE_SKIP_PYTHON:-0}" != 1 ]; then
    want=$(sha256sum scripts/requirements-test.txt | cut -d' ' -f1)
    if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.requirements.sha256 2>/dev/null)" != "$want" ]; then
      say "setting up .venv from scripts/requirements-test.txt (PyPI)"
      [ -x .venv/bin/python ] || python3 -m venv .venv
      .venv/bin/pip install -q --upgrade pip
      .venv/bin/pip install -q -r scripts/requirements-test.txt
      echo "$want" > .venv/.requirements.sha256
    else
      say ".venv ready"
    fi
  fi
fi

if want_part node; then
  # --- Node packages for the peer checks (sharp, jose, from the npm registry) -----
  if [ "${FOTOBASE_SKIP_NODE:-0}" != 1 ] && [ $for_bench = 0 ]; then
    want=$(sha256sum core/tests/peers/package-lock.json | cut -d' ' -f1)
    if [ "$(cat core/tests/peers/node_modules/.lock.sha256 2>/dev/null)" != "$want" ]; then
      say "installing the peer-check packages (npm ci)"
      npm ci --prefix core/tests/peers --no-audit --no-fund --loglevel=error
      echo "$want" > core/tests/peers/node_modules/.lock.sha256
    else
      say "peer-check node_modules ready"
    fi
  fi

  # --- Storage emulators for the tests (azurite from npm; moto comes with the venv) -
  if [ "${FOTOBASE_SKIP_NODE:-0}" != 1 ]; then
    want=$(sha256sum scripts/emulators/package-lock.json | cut -d' ' -f1)
    if [ "$(cat scripts/emulators/node_modules/.lock.sha256 2>/dev/null)" != "$want" ]; then
      say "installing azurite (npm ci)"
      npm ci --prefix scripts/emulators --no-audit --no-fund --loglevel=error
      echo "$want" > scripts/emulators/node_modules/.lock.sha256
    else
      say "azurite ready"
    fi
  fi
fi
