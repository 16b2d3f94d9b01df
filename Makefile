# The two commands a fresh Debian 12 machine needs:
#   make demo   installs what is missing, builds, runs the example app
#   make test   installs what is missing, then runs every test
# `make bench` compares skel with libbpf-cargo (bench/RESULTS.md); it is not
# part of `make test` or CI.
# CI runs `SKEL_REQUIRE_KERNEL=1 make test` (.ci/run): kernel tests must run.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: all deps deps-vm deps-bench demo test test-host test-vm lint bench fuzz clean

all: test

deps:
	@scripts/install-deps.sh

deps-vm:
	@scripts/install-deps.sh --vm

deps-bench:
	@scripts/install-deps.sh --bench

demo: deps
	$(CARGO) build --release -p example-app
	./target/release/example-app demo

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-host: deps
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

test: lint test-host test-vm
	@scripts/check-clean-tree.sh

test-vm: deps-vm
	@vm/run.sh

# About an hour on 2 CPUs. Options: make bench BENCH_ARGS="--runs 3 --only large"
# (see bench/src/main.rs).
bench: deps-bench
	cd bench && $(CARGO) run --release -- $(BENCH_ARGS)

clean:
	$(CARGO) clean
