# The two commands a fresh Debian 12 machine needs:
#   make demo   installs what is missing, builds, runs the example app
#   make test   installs what is missing, then runs every test
# CI runs `SKEL_REQUIRE_KERNEL=1 make test` (.ci/run): kernel tests must run.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: all deps deps-vm demo test test-host test-vm lint bench fuzz clean

all: test

deps:
	@scripts/install-deps.sh

deps-vm:
	@scripts/install-deps.sh --vm

# A dev build: it shares its artifacts with `make test`, and compiles in
# about half the time of --release (dependencies are built with opt-level 1).
demo: deps
	$(CARGO) build -p example-app
	./target/debug/example-app demo

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS=-Dwarnings $(CARGO) doc --workspace --no-deps

test-host: deps
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

test: lint test-host test-vm
	@scripts/check-clean-tree.sh

test-vm: deps-vm
	@vm/run.sh

clean:
	$(CARGO) clean
