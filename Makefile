# infermon: the two commands a newcomer needs are `make demo` and `make test`.
SWIFT ?= swift
BUILD_PACKAGES := libsqlite3-dev libcurl4-openssl-dev libssl-dev zlib1g-dev
TEST_PACKAGES := $(BUILD_PACKAGES) sqlite3 prometheus prometheus-alertmanager tmux python3 systemd

.PHONY: all build release demo test lint format bench-ingest bench-query bench-push clean build-deps test-deps

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

## Everything CI checks: unit and end-to-end tests.
test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

bench-ingest: release
	Benchmarks/ingest.sh

bench-query: release
	Benchmarks/query.sh

bench-push: release
	Benchmarks/push.sh

clean:
	rm -rf .build
