# Sourced by the benchmark scripts (run from the repository root).

# Sets BIN (infermon) and BENCH (infermon-bench) to release builds, building
# them unless the caller named its own binaries: a benchmark measures the build
# it is given, so a comparison between two builds needs only BIN and BENCH.
bench_binaries() {
    if [ -z "${BIN:-}" ]; then
        swift build -c release --product infermon >/dev/null
        BIN=$PWD/.build/release/infermon
    fi
    if [ -z "${BENCH:-}" ]; then
        swift build -c release --product infermon-bench >/dev/null
        BENCH=$PWD/.build/release/infermon-bench
    fi
}
