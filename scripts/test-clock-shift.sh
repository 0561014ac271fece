#!/usr/bin/env bash
# Runs the test suite again with the wall clock 30 and then 365 days ahead, so a
# test that writes a fixed date fails on the day it is written rather than on the
# day that date crosses a retention window (events 7 d, dead letters 14 d,
# rollups and samples 90 d). The shift comes from scripts/clockshift/clockshift.c,
# preloaded into the test process and inherited by every daemon it spawns.
#
# Skipped, with the reason: tests whose outcome rests on a Go program's own
# clock (Alertmanager, amtool), which reads the time without libc and so
# cannot be shifted with the rest.
set -euo pipefail
cd "$(dirname "$0")/.."

bin_path="$(swift build --show-bin-path)"
tests="$bin_path/infermonPackageTests.xctest"
[[ -x "$tests" ]] || { echo "test-clock-shift: build the tests first (swift build --build-tests)" >&2; exit 1; }
shim="$bin_path/clockshift.so"
cc -O2 -shared -fPIC -o "$shim" scripts/clockshift/clockshift.c -ldl

go_clock_tests='AlertmanagerEndToEndTests|AlertmanagerHATests|amtoolAddsQueriesAndExpiresSilences|RemoteWriteEndToEndTests'
for days in ${CLOCK_SHIFT_DAYS:-30 365}; do
    echo "== the test suite with the wall clock $days days ahead (skipping, as Go programs keep their own clock: $go_clock_tests)"
    LD_PRELOAD="$shim" INFERMON_CLOCK_SHIFT_SECONDS=$((days * 86400)) \
        "$tests" --testing-library swift-testing --skip "$go_clock_tests"
done
