#!/usr/bin/env python3
"""Emits GenAI spans with the real OpenTelemetry Python SDK and its OTLP/HTTP
exporter (protobuf, as the SDK sends by default), the way an instrumented LLM
gateway would. infermon's end-to-end test drives it against `/v1/traces`; the
same script, with --capture, produced the protobuf test fixture.

    emit_genai_spans.py --endpoint http://127.0.0.1:9464/v1/traces --count 20
    emit_genai_spans.py --capture otlp-request.binpb --count 6 --base-time-ns 1800000000000000000

Each of the COUNT requests is one SERVER span without GenAI attributes (it must
be ignored) with one CLIENT child span carrying `gen_ai.*` attributes (it must
become an event). What was sent is printed as one JSON object on stdout.

The SDK is installed on first use into a virtual environment
($INFERMON_OTEL_VENV, or ~/.cache/infermon/otel-sdk-venv). When that is not
possible the script exits with status 75 and says why on stderr, so a test can
skip with the reason instead of failing.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time

PACKAGES = ["opentelemetry-sdk==1.45.2", "opentelemetry-exporter-otlp-proto-http==1.45.2"]
CANNOT_INSTALL = 75  # EX_TEMPFAIL


def venv_dir() -> str:
    if os.environ.get("INFERMON_OTEL_VENV"):
        return os.environ["INFERMON_OTEL_VENV"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "infermon", "otel-sdk-venv")


def ensure_sdk() -> None:
    """Re-executes this script inside a venv that has the SDK, creating it if needed."""
    try:
        import opentelemetry.exporter.otlp.proto.http.trace_exporter  # noqa: F401
        import opentelemetry.sdk.trace  # noqa: F401

        return
    except ImportError:
        pass
    if os.environ.get("INFERMON_OTEL_BOOTSTRAPPED"):
        sys.exit(f"the OpenTelemetry SDK is still missing inside {sys.prefix}")
    directory = venv_dir()
    python = os.path.join(directory, "bin", "python")
    try:
        if not os.path.exists(python):
            subprocess.run([sys.executable, "-m", "venv", directory], check=True, stdout=sys.stderr)
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PACKAGES],
            check=True,
            stdout=sys.stderr,
        )
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"cannot install {' '.join(PACKAGES)} with pip: {error}", file=sys.stderr)
        sys.exit(CANNOT_INSTALL)
    os.environ["INFERMON_OTEL_BOOTSTRAPPED"] = "1"
    os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])


class CaptureServer:
    """A loopback OTLP/HTTP endpoint that keeps the first request body it gets."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        captured = {}

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                captured.setdefault("body", body)
                captured.setdefault("content_type", self.headers.get("Content-Type"))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.captured = captured
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1/traces"

    def close(self) -> None:
        self.server.shutdown()


def emit(endpoint: str, count: int, base_ns: int, headers: dict) -> dict:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult
    from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context

    class CountingExporter(OTLPSpanExporter):
        """Records the outcome of every export the batch processor makes."""

        results = []

        def export(self, spans):
            result = super().export(spans)
            self.results.append((len(spans), result))
            return result

    exporter = CountingExporter(endpoint=endpoint, headers=headers, timeout=10)
    provider = TracerProvider(
        resource=Resource.create({"service.name": "chat-gateway", "deployment.environment": "e2e"})
    )
    provider.add_span_processor(BatchSpanProcessor(exporter, max_export_batch_size=64))
    tracer = provider.get_tracer("infermon.e2e", "1.0.0")

    sent = []
    for index in range(count):
        model = ["gpt-4o-mini", "llama-3.1-8b-instruct"][index % 2]
        start = base_ns + index * 1_000_000_000
        duration_ms = 250 + 10 * index
        parent = tracer.start_span(
            "POST /v1/chat/completions",
            kind=SpanKind.SERVER,
            start_time=start,
            attributes={"http.request.method": "POST", "http.route": "/v1/chat/completions"},
        )
        child = tracer.start_span(
            f"chat {model}",
            context=set_span_in_context(parent),
            kind=SpanKind.CLIENT,
            start_time=start + 1_000_000,
        )
        response_id = f"chatcmpl-e2e-{index}"
        attributes = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai" if index % 2 == 0 else "vllm",
            "gen_ai.request.model": model,
            "gen_ai.response.model": model + ("-2024-07-18" if index % 2 == 0 else ""),
            "gen_ai.response.id": response_id,
            "gen_ai.request.temperature": 0.2,
            "gen_ai.usage.input_tokens": 100 + index,
            "gen_ai.usage.output_tokens": 20 + index,
            "gen_ai.response.finish_reasons": ["length" if index % 4 == 3 else "stop"],
            "tenant.id": f"tenant-{index % 3}",
        }
        failed = index % 5 == 4
        if failed:
            attributes["error.type"] = "rate_limit_exceeded"
        child.set_attributes(attributes)
        if failed:
            child.set_status(Status(StatusCode.ERROR, "429 Too Many Requests"))
        child.end(end_time=start + 1_000_000 + duration_ms * 1_000_000)
        parent.end(end_time=start + duration_ms * 1_000_000 + 5_000_000)
        sent.append(
            {
                "request_id": response_id,
                "model": model,
                "latency_ms": duration_ms,
                "input_tokens": 100 + index,
                "output_tokens": 20 + index,
                "error": failed,
            }
        )
    flushed = provider.force_flush(timeout_millis=30_000)
    provider.shutdown()
    failures = [result.name for _, result in CountingExporter.results if result != SpanExportResult.SUCCESS]
    return {
        "flushed": flushed,
        "exports": len(CountingExporter.results),
        "exported_spans": sum(n for n, r in CountingExporter.results if r == SpanExportResult.SUCCESS),
        "failures": failures,
        "spans": sent,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--endpoint", help="OTLP/HTTP traces URL, such as http://127.0.0.1:9464/v1/traces")
    target.add_argument("--capture", metavar="FILE", help="write the exporter's request body to FILE instead")
    parser.add_argument("--count", type=int, default=10, help="GenAI requests to emit (each is two spans)")
    parser.add_argument("--base-time-ns", type=int, default=None, help="start of the first span (default: now)")
    parser.add_argument("--bearer-token-file", help="send `Authorization: Bearer <contents>`")
    args = parser.parse_args()
    ensure_sdk()

    headers = {}
    if args.bearer_token_file:
        with open(args.bearer_token_file) as token:
            headers["Authorization"] = "Bearer " + token.read().strip()
    base_ns = args.base_time_ns if args.base_time_ns is not None else time.time_ns() - args.count * 1_000_000_000
    capture = CaptureServer() if args.capture else None
    summary = emit(capture.endpoint if capture else args.endpoint, args.count, base_ns, headers)
    if capture:
        capture.close()
        with open(args.capture, "wb") as out:
            out.write(capture.captured["body"])
        summary["content_type"] = capture.captured["content_type"]
    print(json.dumps(summary))
    if summary["failures"] or not summary["flushed"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
