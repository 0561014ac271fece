#!/usr/bin/env python3
"""Rebuilds the seed corpora (Fuzz/corpus/) and dictionaries (Fuzz/dict/) from the repository.

The seeds are the repository's test data, shipped rules, dashboards and example
configuration, cut into small files (libFuzzer mutates small inputs faster),
plus string literals of the tests that feed each parser. Run from the
repository root: python3 Fuzz/make-seeds.py. It replaces Fuzz/corpus/ as a
whole; Fuzz/regressions/ is never touched. The dictionaries are the quoted
names in each parser's own source (the keys, functions and keywords it looks
for) plus the syntax tokens of its format, so mutations can hit a known key
rather than guess it byte by byte. Needs PyYAML (python3-yaml).
"""

import hashlib
import json
import os
import re
import shutil
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Fuzz", "corpus")
DICT = os.path.join(ROOT, "Fuzz", "dict")
MAX_SEED_BYTES = 16384
MAX_SEEDS = 48


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def text(path):
    return read(path).decode("utf-8")


# Swift string literals ------------------------------------------------------

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}


def unescape(body):
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            n = body[i + 1]
            if n == "u" and body[i + 2 : i + 3] == "{":
                end = body.index("}", i)
                out.append(chr(int(body[i + 3 : end], 16)))
                i = end + 1
                continue
            if n == "\n":  # line continuation in a multi-line literal
                i += 2
                continue
            out.append(ESCAPES.get(n, "\\" + n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def swift_literals(path):
    """Multi-line, raw and plain string literals of a Swift file, decoded."""
    source = text(path)
    found = []
    multi = re.compile(r'(#?)"""\n(.*?)\n([ \t]*)"""\1', re.S)
    for m in multi.finditer(source):
        indent = m.group(3)
        lines = [line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in m.group(2).split("\n")]
        body = "\n".join(lines)
        found.append(body if m.group(1) else unescape(body))
    source = multi.sub("", source)
    for m in re.finditer(r'#"(.*?)"#', source):
        found.append(m.group(1))
    source = re.sub(r'#"(.*?)"#', "", source)
    for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', source):
        found.append(unescape(m.group(1)))
    return found


def literals(paths, keep):
    result = []
    for path in paths:
        for literal in swift_literals(path):
            if keep(literal) and literal not in result:
                result.append(literal)
    return result


# Seeds ----------------------------------------------------------------------


class Corpus:
    def __init__(self, target):
        self.target = target
        self.seeds = []

    def add(self, name, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        if not data or len(data) > MAX_SEED_BYTES:
            return
        if any(data == seen for _, seen in self.seeds):
            return
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")[:60] or "seed"
        self.seeds.append((name, data))

    def write(self):
        directory = os.path.join(CORPUS, self.target)
        os.makedirs(directory, exist_ok=True)
        for index, (name, data) in enumerate(self.seeds[:MAX_SEEDS]):
            digest = hashlib.sha1(data).hexdigest()[:8]
            with open(os.path.join(directory, f"{index:02d}-{name}-{digest}"), "wb") as f:
                f.write(data)
        return len(self.seeds[:MAX_SEEDS]), sum(len(d) for _, d in self.seeds[:MAX_SEEDS])


def jsonl(path):
    return [line for line in text(path).split("\n") if line.strip()]


def shrink(value, budget=96):
    """A JSON document with long strings cut and long lists shortened, keeping its shape."""
    if isinstance(value, str):
        return value[:budget]
    if isinstance(value, list):
        return [shrink(v, budget) for v in value[:2]]
    if isinstance(value, dict):
        return {k: shrink(v, budget) for k, v in value.items()}
    return value


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


COLLECTOR_TESTS = [
    "Tests/CollectorsTests/ProfileTests.swift",
    "Tests/CollectorsTests/HostileNumberTests.swift",
    "Tests/CollectorsTests/MalformedInputTests.swift",
    "Tests/CollectorsTests/JSONScannerTests.swift",
    "Tests/CollectorsTests/FileTailerTests.swift",
]


def json_object_literals(keep):
    return literals(COLLECTOR_TESTS, lambda s: s.lstrip().startswith("{") and keep(s))


def profiles():
    native = Corpus("native")
    native.add(
        "readme-example",
        '{"timestamp":"2026-11-28T02:25:48.123Z","request_id":"r-1","model":"gpt-4o-mini",'
        '"route":"/v1/chat/completions","tenant":"acme","status":"ok","latency_ms":812,"ttft_ms":190,'
        '"prompt_tokens":1520,"completion_tokens":88,"cached_tokens":1024,"cost_usd":0.00031,'
        '"finish_reason":"stop","stream":true}',
    )
    for i, line in enumerate(json_object_literals(lambda s: '"model"' in s or '"ts"' in s or '"timestamp"' in s)):
        native.add(f"test-literal-{i}", line)
    for extra in [
        '{"ts":1795830531,"model":"m","latency_s":1e308,"prompt_tokens":18446744073709551615}',
        '{"ts":-1,"model":"m","feedback":1.5}',
        '{"time":"2026-11-28T02:25:48.123456789-23:59","model":"\\ud83d\\ude00","status":599}',
        '{"timestamp":1e30,"model":"m","features":{"a":1e-320,"b":"x","c":false,"d":null}}',
        '[{"timestamp":1,"model":"m"}]',
    ]:
        native.add("edge", extra)

    openai = Corpus("openai")
    for i, line in enumerate(jsonl("Tests/CollectorsTests/testdata/openai-gateway.jsonl")):
        openai.add(f"testdata-openai-gateway-{i}", line)
    for i, line in enumerate(json_object_literals(lambda s: '"usage"' in s or '"request"' in s or '"response"' in s)):
        openai.add(f"test-literal-{i}", line)

    otel = Corpus("otel-genai")
    for i, line in enumerate(jsonl("Tests/CollectorsTests/testdata/otel-genai.jsonl")):
        otel.add(f"testdata-otel-genai-{i}", line)
    for i, line in enumerate(json_object_literals(lambda s: "gen_ai" in s)):
        otel.add(f"test-literal-{i}", line)
    traces = json.loads(text("Tests/CollectorsTests/testdata/otlp-genai-traces.json"))
    for r, resource in enumerate(traces["resourceSpans"]):
        for s, scope in enumerate(resource["scopeSpans"]):
            for p, span in enumerate(scope["spans"][:4]):
                otel.add(f"otlp-span-{r}-{s}-{p}", compact(span))

    litellm = Corpus("litellm")
    for path in ["Tests/CollectorsTests/testdata/litellm-standard-logging.jsonl", "../shared/samples/litellm-standard-logging.jsonl"]:
        if not os.path.exists(os.path.join(ROOT, path)):
            continue
        for i, line in enumerate(jsonl(path)):
            document = json.loads(line)
            document.pop("model_map_information", None)
            litellm.add(f"{os.path.basename(path)}-{i}-shrunk", compact(shrink(document)))
            litellm.add(f"{os.path.basename(path)}-{i}-tiny", compact(shrink(document, 24)))
    for i, line in enumerate(json_object_literals(lambda s: "startTime" in s or "response_cost" in s)):
        litellm.add(f"test-literal-{i}", line)
    return [native, openai, otel, litellm]


def push():
    corpus = Corpus("push")
    lines = [
        '{"timestamp":"2026-11-28T02:25:48.123Z","request_id":"r-1","model":"gpt-4o-mini","latency_ms":812}',
        '{"ts":1795830531,"model":"m","status":"error","error_type":"rate_limit"}',
        '{"ts":1795830531423,"model":"m","request_id":7,"prompt_tokens":10,"completion_tokens":2}',
    ]
    corpus.add("jsonl", "\n".join(lines) + "\n")
    corpus.add("jsonl-crlf-blank", "\r\n".join(lines) + "\r\n\r\n  \t\r\n")
    corpus.add("array", "[" + ",".join(lines) + "]")
    corpus.add("array-spaced", " \n[ " + " ,\n ".join(lines) + " ]\n")
    corpus.add("single-object", lines[0])
    corpus.add("bad-element", lines[0] + "\n{not json}\n" + lines[1])
    corpus.add("array-bad-element", "[" + lines[0] + ',{"model":1},42,"x",null]')
    corpus.add("empty-array", "[]")
    corpus.add("nested-array", "[[[" + lines[0] + "]]]")
    corpus.add("truncated-array", "[" + lines[0] + ",")
    corpus.add("future", '{"ts":9999999999999,"model":"m"}\n{"ts":-5,"model":"m"}')
    for i, line in enumerate(literals(["Tests/IntegrationTests/PushIngestTests.swift"], lambda s: "model" in s and ("{" in s))):
        corpus.add(f"test-literal-{i}", line)
    return [corpus]


# Protobuf, hand-encoded (opentelemetry-proto field numbers).


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, wire, payload):
    key = varint(number << 3 | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def string(number, value):
    return field(number, 2, value.encode() if isinstance(value, str) else value)


def any_value(value):
    if isinstance(value, bool):
        return field(2, 0, varint(int(value)))
    if isinstance(value, int):
        return field(3, 0, varint(value & 0xFFFFFFFFFFFFFFFF))
    if isinstance(value, float):
        return field(4, 1, struct.pack("<d", value))
    if isinstance(value, list):
        return field(5, 2, b"".join(string(1, any_value(v)) for v in value))
    if isinstance(value, dict):
        return field(6, 2, b"".join(string(1, key_value(k, v)) for k, v in value.items()))
    if isinstance(value, bytes):
        return string(7, value)
    return string(1, value)


def key_value(key, value):
    return string(1, key) + string(2, any_value(value))


def span(name, attributes, start=1795830531000000000, end=1795830532250000000, status=0, events=()):
    body = string(1, bytes(range(1, 17))) + string(2, bytes(range(1, 9))) + string(5, name) + field(6, 0, varint(3))
    body += field(7, 1, struct.pack("<Q", start)) + field(8, 1, struct.pack("<Q", end))
    body += b"".join(string(9, key_value(k, v)) for k, v in attributes.items())
    for event_name, event_attributes in events:
        event = field(1, 1, struct.pack("<Q", start)) + string(2, event_name)
        event += b"".join(string(3, key_value(k, v)) for k, v in event_attributes.items())
        body += string(11, event)
    if status:
        body += string(15, string(2, "boom") + field(3, 0, varint(status)))
    return body


def request(spans, resource=None):
    resource = resource or {"service.name": "gateway", "tenant.id": "acme"}
    resource_body = b"".join(string(1, key_value(k, v)) for k, v in resource.items())
    scope = string(1, string(1, "openai.instrumentation") + string(2, "1.0"))
    scope += b"".join(string(2, s) for s in spans)
    return string(1, string(1, resource_body) + string(2, scope))


def otlp():
    json_corpus = Corpus("otlp-json")
    document = text("Tests/CollectorsTests/testdata/otlp-genai-traces.json")
    json_corpus.add("testdata-otlp-genai-traces", document)
    traces = json.loads(document)
    for r, resource in enumerate(traces["resourceSpans"]):
        for s, scope in enumerate(resource["scopeSpans"]):
            for p, one in enumerate(scope["spans"][:6]):
                single = {"resourceSpans": [dict(resource, scopeSpans=[dict(scope, spans=[one])])]}
                json_corpus.add(f"span-{r}-{s}-{p}", compact(single))
    json_corpus.add("empty", "{}")
    json_corpus.add("empty-resource-spans", '{"resourceSpans":[]}')
    for i, literal in enumerate(
        literals(["Tests/CollectorsTests/OTLPTraceDecoderTests.swift"], lambda s: "resourceSpans" in s or "spans" in s)
    ):
        json_corpus.add(f"test-literal-{i}", literal)

    proto = Corpus("otlp-protobuf")
    proto.add("testdata-otlp-python-sdk-traces", read("Tests/CollectorsTests/testdata/otlp-python-sdk-traces.binpb"))
    chat = {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.usage.input_tokens": 1520,
        "gen_ai.usage.output_tokens": 88,
        "gen_ai.usage.cache_read.input_tokens": 1024,
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.response.id": "chatcmpl-1",
    }
    proto.add("chat", request([span("chat gpt-4o", chat)]))
    proto.add("error-status", request([span("chat gpt-4o", dict(chat, **{"error.type": "timeout"}), status=2)]))
    proto.add(
        "span-events",
        request(
            [
                span(
                    "chat",
                    {"gen_ai.request.model": "m"},
                    events=[("gen_ai.content.prompt", {"gen_ai.prompt": "hi"}), ("gen_ai.choice", {"gen_ai.completion": "yo"})],
                )
            ]
        ),
    )
    proto.add("tool-span", request([span("execute_tool", {"gen_ai.operation.name": "execute_tool"}), span("GET /", {"http.method": "GET"})]))
    proto.add("typed-values", request([span("chat", {"gen_ai.request.model": "m", "d": 1.5, "b": True, "i": -3, "x": b"\x00\xff", "kv": {"a": [1, "b"]}})]))
    proto.add("end-before-start", request([span("chat", chat, start=2000, end=1000)]))
    proto.add("empty", b"")
    return [json_corpus, proto]


def exposition():
    corpus = Corpus("exposition")
    page = text("Tests/ScrapeTests/testdata/vllm-metrics.txt")
    corpus.add("testdata-vllm-metrics", page)
    families = re.split(r"\n(?=# HELP )", page)
    for i, family in enumerate(families):
        corpus.add(f"vllm-family-{i}", family if family.endswith("\n") else family + "\n")
    for i, literal in enumerate(
        literals(["Tests/ScrapeTests/ExpositionParserTests.swift", "Tests/ScrapeTests/TargetSeriesTests.swift"], lambda s: "\n" in s or "{" in s)
    ):
        corpus.add(f"test-literal-{i}", literal)
    corpus.add(
        "openmetrics",
        "# TYPE foo counter\n# HELP foo help\nfoo_total{a=\"b\"} 1.5 1700000000.5 # {trace_id=\"x\"} 1 1700000000\n"
        "foo_created 1700000000\n# TYPE s stateset\ns{s=\"a\"} 1\n# EOF\n",
    )
    corpus.add("escapes", 'x{a="\\\\\\"\\n\\q",b=""} +Inf -1\ny NaN\nz{} -0x1p3\n')
    return [corpus]


def rule_list(path):
    import yaml  # PyYAML, only to pick expressions and templates out of the shipped rules

    return [rule for group in yaml.safe_load(text(path))["groups"] for rule in group["rules"]]


def promql():
    corpus = Corpus("promql")
    for extra in [
        'sketch_quantile_over_time(0.99, infermon_latency_seconds{model=~"gpt.*"}[5m:1m] offset -1h @ end())',
        'histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m]))) > bool on(a) group_left(b) y unless z',
        "-(+1 ^ 2 ^ -3) % 0x1F / Inf * NaN atan2 1e-3",
        'label_replace(up, "dst", "$1", "src", "(.*)")[1h:] @ 1700000000',
        'count_values without () ("v", {__name__=~"a|b", job!~""})',
        "topk(3, sum(rate(a[5m])) by (model))",
    ]:
        corpus.add("extra", extra)
    for path in ["rules/infermon.rules.yaml", "rules/serving.rules.yaml", "rules/slo.yaml"]:
        for i, rule in enumerate(rule_list(path)[:3]):
            corpus.add(f"{os.path.basename(path)}-{i}", str(rule["expr"]).strip())
    seen = []
    for name in sorted(os.listdir(os.path.join(ROOT, "Tests/QueryTests/testdata"))):
        lines = text(f"Tests/QueryTests/testdata/{name}").split("\n")
        picked = 0
        for line in lines:
            m = re.match(
                r"\s*eval(?:_fail|_ordered)?\s+(?:instant|range)\s+(?:from\s+\S+\s+to\s+\S+\s+step\s+\S+|at\s+\S+)\s+(.*)$",
                line,
            )
            if m and m.group(1) not in seen and picked < 2:
                seen.append(m.group(1))
                corpus.add(f"{name.removesuffix('.test')}-{picked}", m.group(1))
                picked += 1
    return [corpus]


def rules():
    corpus = Corpus("rules")
    for path in ["rules/infermon.rules.yaml", "rules/drift.rules.yaml", "rules/quality.rules.yaml", "rules/serving.rules.yaml", "rules/budgets.yaml", "rules/slo.yaml"]:
        corpus.add(os.path.basename(path), text(path))
    for i, literal in enumerate(literals(
        [
            "Tests/AlertingTests/Rules/RuleFileErrorTests.swift",
            "Tests/AlertingTests/Rules/CheckParityTests.swift",
            "Tests/AlertingTests/Engine/RuleReloadTests.swift",
        ],
        lambda s: "groups:" in s,
    )):
        corpus.add(f"test-literal-{i}", literal)
    return [corpus]


def config():
    corpus = Corpus("config")
    example = text("deploy/infermon.example.yaml")
    corpus.add("deploy-infermon-example", example)
    for section in re.split(r"\n(?=[a-z_]+:)", example):
        if re.match(r"[a-z_]+:", section):
            corpus.add("example-" + section.split(":")[0], section)
    for i, literal in enumerate(literals(
        sorted(f"Tests/InfermonConfigTests/{n}" for n in os.listdir(os.path.join(ROOT, "Tests/InfermonConfigTests"))),
        lambda s: re.match(r"\s*[a-z_]+:", s) is not None and "\n" in s,
    )):
        corpus.add(f"test-literal-{i}", literal)
    return [corpus]


def dashboard():
    corpus = Corpus("dashboard")
    for name in sorted(os.listdir(os.path.join(ROOT, "dashboards"))):
        if name.endswith(".yaml"):
            corpus.add(name, text(f"dashboards/{name}"))
    for i, literal in enumerate(literals(["Tests/DashboardTests/DashboardFileTests.swift"], lambda s: "rows" in s or "panels" in s)):
        corpus.add(f"test-literal-{i}", literal)
    return [corpus]


def template():
    corpus = Corpus("template")
    for i, literal in enumerate(literals(["Tests/AlertingTests/Templates/TemplateOracleTests.swift"], lambda s: "{{" in s)):
        corpus.add(f"oracle-{i}", literal)
    for path in ["rules/infermon.rules.yaml", "rules/serving.rules.yaml", "rules/quality.rules.yaml", "rules/slo.yaml"]:
        values = [v for rule in rule_list(path) for v in (rule.get("annotations") or {}).values() if "{{" in str(v)]
        for i, value in enumerate(values[:3]):
            corpus.add(f"{os.path.basename(path)}-{i}", str(value))
    for extra in [
        "{{ define \"x\" }}{{ . }}{{ end }}{{ template \"x\" $labels }}",
        "{{ range $i, $v := query \"up\" }}{{ $i }}:{{ $v.Labels }}{{ break }}{{ end }}",
        "{{ range $k, $v := $labels }}{{ $k }}={{ $v }},{{ else }}none{{ continue }}{{ end }}",
        "{{ block \"b\" . }}{{ .Value | printf \"%.3e\" }}{{ end }}",
        "{{ (index (query \"up\") 0).Value | humanize }} {{ tableLink \"up\" }} {{ graphLink \"up\" }}",
        "{{ toTime 1700000000 }} {{ safeHtml \"<b>\" }} {{ pathPrefix }} {{ externalURL }} {{ strvalue $labels }}",
    ]:
        corpus.add("extra", extra)
    return [corpus]


# Dictionaries ---------------------------------------------------------------

JSON_TOKENS = ["{", "}", "[", "]", ":", ",", '"', '":"', '":', "true", "false", "null", "\\u", "\\ud83d\\ude00",
               "\\\"", "1e308", "-0", "0.5", "1E-400", "18446744073709551616", "-9223372036854775809", "\ufeff"]
YAML_TOKENS = [": ", "- ", "\n", "\n  ", "\n    - ", "---\n", "...\n", "&a ", "*a", "!!str ", "!!int ", "!!binary ",
               "|\n", ">-\n", "{", "}", "[", "]", "'", '"', "# ", "? ", "<<: ", "true", "null", "~", "1e3", "0x1F",
               ".inf", ".nan", "5m", "1h30m", "30d", "99.5%"]
PROMQL_TOKENS = ["(", ")", "{", "}", "[", "]", "[5m]", "[1h:1m]", ",", "=", "!=", "=~", "!~", "==", "<=", ">=", "<", ">",
                 "+", "-", "*", "/", "%", "^", " bool ", " and ", " or ", " unless ", " on(", " ignoring(", " group_left(",
                 " group_right(", " by (", " without (", " offset ", " @ ", "start()", "end()", "Inf", "NaN", "0x",
                 "1e3", "5m", "1d2h", '"', "'", "`", "\\", "__name__", "le", "#"]
TEMPLATE_TOKENS = ["{{", "}}", "{{-", "-}}", "{{/*", "*/}}", "$", "$labels", "$value", "$externalLabels",
                   "$externalURL", ".Labels", ".Value", ".ExternalURL", ":=", "=", "|", "(", ")", '"', "`", "'",
                   "range", "end", "if", "else", "else if", "with", "define", "template", "block", "break",
                   "continue", "nil", "true", "false", "0x1p4", "1e9", "%", "%v", "%d", "%s", "%q", "%x", "%-08.3f",
                   "%[2]v", "%*d", "%!", "%%"]
EXPOSITION_TOKENS = ["# HELP ", "# TYPE ", "# UNIT ", "# EOF", "\n", " ", "{", "}", "=", ",", '"', "\\", "\\n",
                     "+Inf", "-Inf", "NaN", "le=", "quantile=", "_total", "_created", "_bucket", "_count", "_sum",
                     " # {", "1e308", "0x1p3", "1700000000.5", "17000000000000"]


def quoted_names(paths):
    words = []
    for path in paths:
        for m in re.finditer(r'"([A-Za-z_][A-Za-z0-9_.:/-]{1,60})"', text(path)):
            for word in [m.group(1)] + m.group(1).split("."):
                if len(word) > 1 and word not in words:
                    words.append(word)
    return words


def sources(directory):
    base = os.path.join(ROOT, directory)
    if os.path.isfile(base):
        return [directory]
    return sorted(
        os.path.relpath(os.path.join(folder, name), ROOT)
        for folder, _, names in os.walk(base)
        for name in names
        if name.endswith(".swift")
    )


def dictionary(target, tokens, paths, quote=True):
    entries = list(tokens)
    for word in quoted_names(paths):
        entries.append(f'"{word}"' if quote else word)
    seen = []
    for entry in entries:
        if entry not in seen:
            seen.append(entry)
    escaped = []
    for entry in seen:
        value = ""
        for ch in entry:
            if ch == "\\" or ch == '"':
                value += "\\" + ch
            elif 0x20 <= ord(ch) < 0x7F:
                value += ch
            else:
                value += "".join(f"\\x{b:02X}" for b in ch.encode("utf-8"))
        escaped.append(value)
    os.makedirs(DICT, exist_ok=True)
    with open(os.path.join(DICT, f"{target}.dict"), "w") as f:
        f.write(f"# {target}: format tokens, then the names its parser's source looks for (Fuzz/make-seeds.py).\n")
        for i, value in enumerate(escaped):
            f.write(f'k{i}="{value}"\n')
    return len(escaped)


def dictionaries():
    profiles = "Sources/Collectors/Profiles/"
    json_targets = {
        "native": [profiles + "NativeProfile.swift", profiles + "EventValidation.swift"],
        "openai": [profiles + "OpenAIProfile.swift"],
        "otel-genai": [profiles + "OTelGenAIProfile.swift"],
        "litellm": [profiles + "LiteLLMProfile.swift"],
        "push": [profiles + "NativeProfile.swift"],
        "otlp-json": ["Sources/Collectors/OTLP/OTLPJSONReader.swift", profiles + "OTelGenAIProfile.swift"],
    }
    counts = {}
    for target, paths in json_targets.items():
        counts[target] = dictionary(target, JSON_TOKENS, paths)
    counts["exposition"] = dictionary("exposition", EXPOSITION_TOKENS, sources("Sources/Scrape/ExpositionParser.swift") + ["Sources/Scrape/Exposition.swift"], quote=False)
    counts["promql"] = dictionary("promql", PROMQL_TOKENS, sources("Sources/Query/Syntax"), quote=False)
    counts["template"] = dictionary("template", TEMPLATE_TOKENS, sources("Sources/Templates"), quote=False)
    counts["rules"] = dictionary("rules", YAML_TOKENS + TEMPLATE_TOKENS[:8] + PROMQL_TOKENS[:20], sources("Sources/Alerting/Rules"), quote=False)
    counts["config"] = dictionary("config", YAML_TOKENS, sources("Sources/InfermonConfig"), quote=False)
    counts["dashboard"] = dictionary("dashboard", YAML_TOKENS + PROMQL_TOKENS[:20], sources("Sources/Dashboard/Spec"), quote=False)
    return counts


def main():
    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)
    total = 0
    for corpus in profiles() + push() + otlp() + exposition() + promql() + rules() + config() + dashboard() + template():
        count, size = corpus.write()
        total += size
        print(f"{corpus.target:14} {count:3} seeds {size:8} bytes")
    print(f"{'total':14} {total:12} bytes")
    if os.path.isdir(DICT):
        shutil.rmtree(DICT)
    for target, count in dictionaries().items():
        print(f"{target:14} {count:3} dictionary entries")
    if total > 2_000_000:
        sys.exit("corpus over 2 MB")


if __name__ == "__main__":
    main()
