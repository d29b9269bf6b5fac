#!/usr/bin/env bash
# `make demo`: the command-line tool on a photo.
# Uses a corpus photo if there is one, else the astronaut photo bundled with
# scikit-image (installed by setup), else a synthetic photo written by fotobase.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${CARGO_TARGET_DIR:-target}/release/fotobase"
out=data/demo
mkdir -p "$out"

photo="${DEMO_PHOTO:-}"
if [ -z "$photo" ] && [ -d ../shared/corpus/photos ]; then
  photo=$(find ../shared/corpus/photos -maxdepth 2 -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) | sort | head -n 1)
fi
if [ -z "$photo" ] && [ -x .venv/bin/python ]; then
  photo=$(.venv/bin/python -c 'import os, skimage; print(os.path.join(os.path.dirname(skimage.__file__), "data", "astronaut.png"))' 2>/dev/null || true)
fi
if [ -z "$photo" ] || [ ! -f "$photo" ]; then
  photo=$out/synthetic.png
  cargo run --release --quiet --example synthetic -p fotobase-examples -- "$photo" 1600 1200
fi

step() { printf '\n\033[1;34m$ %s\033[0m\n' "$*"; "$@"; }
step "$bin" probe "$photo"
step "$bin" algorithms
step "$bin" compress "$photo" -o "$out/photo.jpg" --target ssimulacra2=80
step "$bin" compress "$photo" -o "$out/thumb.webp" --width 320 --height 320 --fit cover --gravity entropy
step "$bin" compare "$photo" "$out/photo.jpg"
step "$bin" compare-all "$photo" --target ssimulacra2=80 --save "$out/all"
printf '\nOutputs are in %s\n' "$out"
