#!/usr/bin/env bash
# Regenerates Sources/Collectors/OTLP/Generated/*.pb.swift, the OTLP trace
# messages that the OTLP/HTTP receiver decodes. Builds do not run protoc; the
# output is committed, and this script is how it was made:
#
#   1. the protos come from the PyPI package opentelemetry-proto, whose *_pb2.py
#      modules carry the compiled descriptors (dump_descriptors.py writes them
#      out as a FileDescriptorSet), so no .proto sources need to be vendored;
#   2. protoc (Debian: protobuf-compiler) runs protoc-gen-swift built from
#      swift-protobuf at the same version as the SwiftProtobuf runtime in Package.swift.
#
# Usage: scripts/otlp/regenerate.sh   (needs python3, protoc, swift, git)
# Versions can be overridden: OTLP_PROTO_VERSION, SWIFT_PROTOBUF_VERSION.
set -euo pipefail

OTLP_PROTO_VERSION="${OTLP_PROTO_VERSION:-1.45.2}"
SWIFT_PROTOBUF_VERSION="${SWIFT_PROTOBUF_VERSION:-1.39.0}"
SWIFT_PROTOBUF_GIT="${SWIFT_PROTOBUF_GIT:-https://github.com/apple/swift-protobuf.git}"

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/Sources/Collectors/OTLP/Generated"
scratch="${OTLP_SCRATCH:-$(mktemp -d /tmp/otlp-regenerate.XXXXXX)}"

command -v protoc >/dev/null || { echo "protoc is missing: apt-get install protobuf-compiler" >&2; exit 1; }

echo "scratch directory: $scratch" >&2
if [ ! -x "$scratch/venv/bin/python" ]; then python3 -m venv "$scratch/venv"; fi
"$scratch/venv/bin/pip" install --quiet --disable-pip-version-check "opentelemetry-proto==$OTLP_PROTO_VERSION" protobuf
"$scratch/venv/bin/python" "$here/dump_descriptors.py" "$scratch/otlp-trace.pb"

plugin="$scratch/swift-protobuf/.build/release/protoc-gen-swift"
if [ ! -x "$plugin" ]; then
    git clone --quiet --depth 1 --branch "$SWIFT_PROTOBUF_VERSION" "$SWIFT_PROTOBUF_GIT" "$scratch/swift-protobuf"
    (cd "$scratch/swift-protobuf" && swift build -c release --product protoc-gen-swift)
fi

rm -f "$out"/*.pb.swift
mkdir -p "$out"
protoc \
    --plugin=protoc-gen-swift="$plugin" \
    --descriptor_set_in="$scratch/otlp-trace.pb" \
    --swift_opt=Visibility=Internal \
    --swift_opt=FileNaming=PathToUnderscores \
    --swift_out="$out" \
    opentelemetry/proto/common/v1/common.proto \
    opentelemetry/proto/resource/v1/resource.proto \
    opentelemetry/proto/trace/v1/trace.proto \
    opentelemetry/proto/collector/trace/v1/trace_service.proto
ls -l "$out"
