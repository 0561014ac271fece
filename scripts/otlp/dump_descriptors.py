#!/usr/bin/env python3
"""Writes the OTLP trace protos as a FileDescriptorSet, taken from the compiled
descriptors that the PyPI package `opentelemetry-proto` ships in its *_pb2.py
modules, so code generation needs no copy of the .proto sources.

Usage: dump_descriptors.py OUTPUT.pb
"""
import sys

from google.protobuf import descriptor_pb2

# Importing the service module loads trace, resource and common as dependencies.
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

WANTED = [
    "opentelemetry/proto/common/v1/common.proto",
    "opentelemetry/proto/resource/v1/resource.proto",
    "opentelemetry/proto/trace/v1/trace.proto",
    "opentelemetry/proto/collector/trace/v1/trace_service.proto",
]


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    pool = trace_service_pb2.DESCRIPTOR.pool
    files = descriptor_pb2.FileDescriptorSet()
    # Dependencies first, as protoc expects in a descriptor set.
    for name in WANTED:
        proto = files.file.add()
        pool.FindFileByName(name).CopyToProto(proto)
    with open(sys.argv[1], "wb") as out:
        out.write(files.SerializeToString())


if __name__ == "__main__":
    main()
