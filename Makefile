# infermon: the two commands a newcomer needs are `make demo` and `make test`.
SWIFT ?= swift
BUILD_PACKAGES := libsqlite3-dev libcurl4-openssl-dev libssl-dev zlib1g-dev libsnappy-dev libzstd-dev
TEST_PACKAGES := $(BUILD_PACKAGES) gcc logrotate sqlite3 prometheus prometheus-alertmanager victoria-metrics tmux python3 systemd chromium postgresql

.PHONY: all build release demo test test-clock-shift lint format bench bench-ingest bench-query bench-push bench-alert-latency rules-test clean build-deps test-deps

all: build

build-deps:
	@scripts/ensure-packages.sh $(BUILD_PACKAGES)

test-deps:
	@scripts/ensure-packages.sh $(TEST_PACKAGES)

build: build-deps
	$(SWIFT) build

release: build-deps
	$(SWIFT) build -c release --product infermon

## Runs the daemon on its built-in defaults with generated traffic (Ctrl-C stops it).
demo: release
	.build/release/infermon demo

## Everything CI checks: unit and end-to-end tests, and the shipped rules' tests.
test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) rules-test
	.build/debug/infermon-fuzz replay-all Fuzz
	scripts/test-clock-shift.sh

## The suite again with the wall clock 30 and 365 days ahead: a fixed date in a test fails today.
test-clock-shift: test-deps
	$(SWIFT) build --build-tests
	scripts/test-clock-shift.sh

RULE_FILES := $(wildcard rules/*.rules.yaml) rules/budgets.yaml rules/slo.yaml
RULE_TESTS := $(wildcard rules/tests/*.test.yaml rules/*.test.yaml)

## The shipped rules and their unit tests, checked by infermon and by promtool: both must pass.
rules-test: test-deps
	$(SWIFT) build --product infermon
	.build/debug/infermon rules check $(RULE_FILES)
	.build/debug/infermon rules test $(RULE_TESTS)
	promtool check rules $(RULE_FILES)
	promtool test rules $(RULE_TESTS)

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

## The benchmarks' own executable, `infermon-bench` (see Benchmarks/); the production binary has none.
bench: build-deps
	$(SWIFT) build -c release --product infermon-bench

bench-ingest: bench
	Benchmarks/ingest.sh

bench-query: release bench
	Benchmarks/query.sh

bench-push: release
	Benchmarks/push.sh

## Alert latency: log line written to webhook received, 100 trials (p50, p99).
bench-alert-latency: release
	Benchmarks/alert-latency.sh

clean:
	rm -rf .build

.PHONY: fuzz fuzz-replay

## Coverage-guided fuzzing (libFuzzer) of every parser of outside input, FUZZ_SECONDS (default 60) per target.
## One target: make fuzz FUZZ_TARGETS=promql. See "Fuzzing" in README.md.
fuzz: build-deps
	scripts/fuzz.sh $(FUZZ_TARGETS)

## The committed seed corpora and past crashes (Fuzz/regressions) through their parsers, in the debug build.
fuzz-replay: build-deps
	$(SWIFT) build --product infermon-fuzz
	.build/debug/infermon-fuzz replay-all Fuzz
