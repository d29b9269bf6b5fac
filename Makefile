# fotobase: the two commands are `make run` and `make test`.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(CURDIR)/target
DEMO_PHOTO ?=

.PHONY: run test test-bindings bench bench-peers fuzz soak setup build serve demo clean

## Set up everything, build, and run the main job: the photo server on 127.0.0.1:8080
## (SQLite and local files under ./data; FOTOBASE_LISTEN / FOTOBASE_DATA override).
run: setup build serve

## Set up everything and run every test suite.
test:
	@scripts/test.sh

## Only the language bindings (Python wheel, npm tarball, Kotlin jar), each installed and tested outside
## the tree; `make test` runs them too.
test-bindings:
	@scripts/test-bindings.sh

## Criterion benchmarks (image engine, auth, storage on the real servers), then the peer benchmarks
## (bench-peers); regenerates benches/RESULTS.md and prints the fotobase/peer ratios.
bench:
	@scripts/bench.sh

## Only the side-by-side benchmarks against sharp, Pillow, scikit-image, NumPy, argon2-cffi, PyJWT,
## jose and @node-rs/argon2 (benches/peers/run.sh): writes benches/RESULTS.md and benches/results.png.
bench-peers:
	@benches/peers/run.sh

## Every cargo-fuzz target for FUZZ_SECONDS (default 60) each, on the nightly toolchain; crashing
## inputs land in fuzz/regressions/, which `make test` replays.
fuzz:
	@scripts/fuzz.sh

## Long fault runs: the release server under wrk overload and a burst of large uploads, and the
## SIGKILL crash loop for FOTOBASE_CRASH_ROUNDS (default 40) rounds.
soak:
	@scripts/soak.sh

setup:
	@scripts/setup.sh

build:
	cargo build --release --locked -p fotobase-server

# The web UI is built by setup (scripts/setup.sh) into reference-server/web/dist, before `build`
# embeds it in the binary; FOTOBASE_WEB_DIR serves another build instead.
serve:
	$(CARGO_TARGET_DIR)/release/fotobase serve

## The command-line tool on a photo (what `make run` did before the server).
demo: build
	@scripts/demo.sh

clean:
	cargo clean
