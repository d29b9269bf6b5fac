# fotobase: the two commands are `make run` and `make test`.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(CURDIR)/target
DEMO_PHOTO ?=

.PHONY: run test test-bindings bench setup build demo clean

## Set up everything, build, and run the main job (CLI demo until the server lands).
run: setup build demo

## Set up everything and run every test suite.
test:
	@scripts/test.sh

## Only the language bindings (Python wheel, npm tarball, Kotlin jar), each installed and tested outside
## the tree; `make test` runs them too.
test-bindings:
	@scripts/test-bindings.sh

## Criterion benchmarks: image engine, auth, storage (blobs and databases on the real servers).
bench:
	@scripts/bench.sh

setup:
	@scripts/setup.sh

build:
	cargo build --release --locked -p fotobase-server

demo:
	@scripts/demo.sh

clean:
	cargo clean
