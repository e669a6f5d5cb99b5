# Brigada — two commands: `make run` and `make test`. Everything else is set up by them.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/brigada/target
CARGO ?= cargo
BIN := $(CARGO_TARGET_DIR)/release/brigada
# `make test` compiles the workspace's own crates through clippy-driver (rustc plus
# clippy's lints, denied): one compilation gives both the tested build and the lint, where
# `cargo clippy` would compile the whole dependency tree a second time, in check mode.
# Only for `test` (and what it runs): release builds (`run`, `deb`, `bench`) are plain
# rustc, as clippy-driver turns some MIR optimisations off. A `cargo test` by hand rebuilds
# only the workspace's crates.
CLIPPY_DRIVER := $(shell command -v clippy-driver 2>/dev/null)
test: export RUSTC_WORKSPACE_WRAPPER = $(CLIPPY_DRIVER)
test: export CLIPPY_ARGS = -D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__

# The storage suite: every scenario test that starts a sync server through the shared
# helper. `make test` runs it on the embedded SQLite and the data folder with the workspace,
# then again on PostgreSQL and an S3-compatible bucket (moto), both started by the tests
# themselves (tests/src/pg.rs, tests/src/s3.rs).
STORAGE_SUITE := sync authors devices_seen documents enrolment folios js_client labels pinned_ca strangers

.PHONY: run test bootstrap ui build bench lint linted fuzz deb

bootstrap:
	@scripts/bootstrap.sh

## ui: the Svelte UI built into ui/dist (the app embeds it when it is compiled).
ui: bootstrap
	npm --prefix ui run --silent build

build: ui
	$(CARGO) build --release --locked -p brigada-cli -p brigada-sync -p brigada-app

## run: the main job: a local sync server with demo data, this computer enrolled as a
## técnico's tablet, and the app's window (without a display: the command-line demo).
run: build
	BRIGADA_BIN=$(BIN) BRIGADA_SYNC_BIN=$(CARGO_TARGET_DIR)/release/brigada-sync \
	BRIGADA_APP_BIN=$(CARGO_TARGET_DIR)/release/brigada-app scripts/run-app.sh

## test: formatting, clippy, every test of the workspace (unit, property, migration, crash,
## CLI, QR on real photos, every input the fuzz campaigns kept, the app end to end), the
## storage suite again on PostgreSQL and S3, then
## the tested build packaged as a .deb and checked (`make deb` builds the release package).
test: ui linted
	$(CARGO) fmt --all --check
	npm --prefix ui run --silent check
	npm --prefix ui test --silent
	$(CARGO) build --locked --workspace --all-targets
	$(CARGO) test --locked --workspace
	BRIGADA_TEST_STORAGE=postgres $(CARGO) test --locked -p brigada-scenarios $(STORAGE_SUITE:%=--test %)
	scripts/deb.sh --tested
	scripts/deb-sync.sh --tested

## deb: the installable packages for Debian/Ubuntu, checked (contents, dependencies, runs):
## the app with its CLI, and the sync server as a systemd service.
deb: ui
	scripts/deb.sh
	scripts/deb-sync.sh

## fuzz: coverage-guided fuzzing, each cargo-fuzz target for FUZZ_SECONDS (default 60),
## from the kept corpus; `scripts/fuzz.sh --keep` then minimises what it found into
## fuzz/regression, which `make test` replays.
fuzz: bootstrap
	FUZZ_SECONDS=$${FUZZ_SECONDS:-60} scripts/fuzz.sh

## lint: formatting and clippy alone (make test lints while it builds).
lint: ui linted
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

linted:
	@clippy-driver --version >/dev/null 2>&1 || { echo "clippy-driver not found: rustup component add clippy" >&2; exit 1; }

## bench: measurements for docs/BENCHMARKS.md (release build).
bench: ui
	$(CARGO) build --locked --release -p brigada-scenarios --bins -p brigada-app
	$(CARGO_TARGET_DIR)/release/bench --out docs/BENCHMARKS.md
	$(CARGO_TARGET_DIR)/release/sync_bench --out docs/BENCHMARKS.md
	$(CARGO_TARGET_DIR)/release/attack_bench --out docs/BENCHMARKS.md
	$(CARGO_TARGET_DIR)/release/doc_bench --out docs/BENCHMARKS.md
	$(CARGO_TARGET_DIR)/release/archive_bench --out docs/BENCHMARKS.md
	$(CARGO_TARGET_DIR)/release/instances_bench --out docs/BENCHMARKS.md
	$(CARGO) run --locked --release -p brigada-app --example cold_start -- \
	  --app $(CARGO_TARGET_DIR)/release/brigada-app --out docs/BENCHMARKS.md
	$(CARGO) run --locked --release -p brigada-app --example camera_bench -- \
	  --app $(CARGO_TARGET_DIR)/release/brigada-app --out docs/BENCHMARKS.md
