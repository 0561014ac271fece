#!/usr/bin/env python3
"""Input shapes for Benchmarks/ingest.sh that `infermon-bench generate` does not make.

  native-highcard COUNT OUT [CSV]  native lines of ~330 B over 960 label sets
      (8 models x 30 tenants x 4 routes), random 32-hex request ids, `ts` in epoch
      milliseconds, HTTP status codes as `status`; CSV: the same rows as the events
      table's columns, for the sqlite3 reference import.
  openai COUNT OUT                  an OpenAI-compatible gateway's lines (the `openai`
      profile; see Tests/CollectorsTests/testdata/openai-gateway.jsonl): Chat
      Completions calls, streamed or not, Responses API calls and rejected calls,
      with short message bodies.

Deterministic for a seed (SEED env, default 7); times end about a minute before now,
so nothing is ahead of the receiving clock or past a store's retention."""
import json, os, random, re, sys, time

rng = random.Random(int(os.environ.get("SEED", "7")))
here = os.path.dirname(os.path.abspath(__file__))
MODELS = [
    ("gpt-4o-mini", "gpt-4o-mini-2024-07-18", 0.15, 0.6), ("gpt-4o", "gpt-4o-2024-08-06", 2.5, 10),
    ("o3-mini", "o3-mini-2025-01-31", 1.1, 4.4), ("llama-3.1-70b-instruct", "2024-07", 0.6, 0.6),
    ("llama-3.1-8b-instruct", "2024-07", 0.1, 0.1), ("mistral-large", "2411", 2, 6),
    ("claude-3-5-sonnet", "20241022", 3, 15), ("qwen2.5-72b-instruct", "2024-09", 0.4, 0.4),
]
TENANTS = [f"tenant-{i:03d}" for i in range(30)]
ROUTES = ["/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/embeddings"]
# (status code, share, error type)
STATUSES = [(200, 0.95, None), (429, 0.025, "rate_limit_exceeded"), (500, 0.012, "server_error"),
            (504, 0.008, "timeout"), (499, 0.005, "client_closed_request")]


def status():
    roll, total = rng.random(), 0.0
    for code, share, kind in STATUSES:
        total += share
        if roll < total:
            return code, kind
    return 200, None


def native_highcard(count, out, csv_path):
    clock = (time.time() - 60) * 1000 - count * 10.8  # about 3 hours at 93 events/s
    label_sets = [(m, t, r) for m in range(len(MODELS)) for t in TENANTS for r in ROUTES]
    jsonl = open(out, "w")
    table = open(csv_path, "w") if csv_path else None
    if table:
        table.write("ts,model,model_version,route,tenant,status,request_id,error_type,latency,ttft,prompt_tokens,"
                    "completion_tokens,cached_tokens,reasoning_tokens,cost,finish_reason,streamed,prompt,response,context\n")
    lines, rows = [], []
    for i in range(count):
        clock += rng.expovariate(1 / 10.8)
        ts = int(clock)
        m, tenant, route = rng.choice(label_sets)
        model, version, price_in, price_out = MODELS[m]
        request_id = "%032x" % rng.getrandbits(128)
        code, error = status()
        latency = round(rng.lognormvariate(6.5, 0.9), 1)
        stream = rng.random() < 0.4
        ttft = round(latency * rng.uniform(0.05, 0.3), 1) if stream else None
        prompt = int(rng.lognormvariate(6.5, 1.1)) + 1
        completion = int(rng.lognormvariate(5, 1)) if code == 200 else 0
        cached = (prompt // 1024) * 1024 if rng.random() < 0.3 else 0
        cost = round((prompt * price_in + completion * price_out) / 1e6, 7)
        finish = ("stop" if rng.random() < 0.9 else "length") if code == 200 else None
        line = (f'{{"ts":{ts},"request_id":"{request_id}","model":"{model}","model_version":"{version}",'
                f'"route":"{route}","tenant":"{tenant}","status":{code},"latency_ms":{latency},')
        if ttft is not None:
            line += f'"ttft_ms":{ttft},'
        line += f'"prompt_tokens":{prompt},"completion_tokens":{completion},"cached_tokens":{cached},"cost_usd":{cost}'
        if finish:
            line += f',"finish_reason":"{finish}"'
        if error:
            line += f',"error_type":"{error}"'
        line += f',"stream":{"true" if stream else "false"}}}'
        lines.append(line)
        if table:
            state = "ok" if code < 400 else "timeout" if code in (408, 504) else "canceled" if code == 499 else "error"
            rows.append(f'{ts},{model},{version},{route},{tenant},{state},{request_id},{error or ""},{latency / 1000},'
                        f'{"" if ttft is None else ttft / 1000},{prompt},{completion},{cached},,{cost},'
                        f'{finish or ""},{1 if stream else 0},,,')
        if len(lines) == 8192:
            jsonl.write("\n".join(lines) + "\n")
            lines = []
            if table:
                table.write("\n".join(rows) + "\n")
                rows = []
    if lines:
        jsonl.write("\n".join(lines) + "\n")
    if table and rows:
        table.write("\n".join(rows) + "\n")


def openai(count, out):
    corpus = open(os.environ.get("CORPUS", os.path.join(here, "..", "README.md"))).read()
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", corpus)) if 20 < len(s) < 300]
    systems = ["You are a support assistant.", "You answer questions about the user's account. Be brief.",
               "You are a coding assistant. Answer with code where you can."]

    def text(low, high):
        size, parts = rng.randint(low, high), []
        while sum(len(p) for p in parts) < size:
            parts.append(rng.choice(sentences))
        return " ".join(parts)

    clock = time.time() - 60 - count * 0.05
    with open(out, "w") as f:
        for i in range(count):
            clock += rng.expovariate(20)
            model, version, price_in, price_out = rng.choice(MODELS[:7])
            code, error = status()
            latency = round(rng.lognormvariate(6.5, 0.9), 1)
            line = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(clock)) + ".%03dZ" % (clock % 1 * 1000),
                    "request_id": "gw-%016x" % rng.getrandbits(64), "tenant": rng.choice(TENANTS)}
            responses_api = rng.random() < 0.2
            stream = not responses_api and rng.random() < 0.4
            line["route"] = "/v1/responses" if responses_api else "/v1/chat/completions"
            line["latency_ms"] = latency
            if stream:
                line["ttft_ms"] = round(latency * rng.uniform(0.05, 0.3), 1)
            line["status_code"] = code
            prompt_text, answer = text(60, 700), text(30, 500)
            prompt_tokens = len(prompt_text) // 4 + 20
            completion_tokens = len(answer) // 4
            if responses_api:
                line["request"] = {"model": model, "input": [{"role": "user", "content": [
                    {"type": "input_text", "text": prompt_text}]}], "max_output_tokens": 2048}
            else:
                line["request"] = {"model": model, "stream": stream, "max_tokens": 1024, "messages": [
                    {"role": "system", "content": rng.choice(systems)}, {"role": "user", "content": prompt_text}]}
            if code != 200:
                line["error"] = {"message": f"{error} for {model}", "type": error, "param": None, "code": error}
            else:
                line["cost_usd"] = round((prompt_tokens * price_in + completion_tokens * price_out) / 1e6, 7)
                ident = "%024x" % rng.getrandbits(96)
                cached = (prompt_tokens // 1024) * 1024
                if responses_api:
                    line["response"] = {
                        "id": "resp_" + ident, "object": "response", "created_at": int(clock), "status": "completed",
                        "model": version if version.startswith(model) else model,
                        "output": [{"type": "message", "id": "msg_" + ident[:8], "status": "completed",
                                    "role": "assistant", "content": [{"type": "output_text", "text": answer}]}],
                        "usage": {"input_tokens": prompt_tokens, "output_tokens": completion_tokens,
                                  "total_tokens": prompt_tokens + completion_tokens,
                                  "input_tokens_details": {"cached_tokens": cached},
                                  "output_tokens_details": {"reasoning_tokens": rng.randint(0, 500)}}}
                else:
                    line["response"] = {
                        "id": "chatcmpl-" + ident, "object": "chat.completion", "created": int(clock),
                        "model": version if version.startswith(model) else model,
                        "system_fingerprint": "fp_%010x" % rng.getrandbits(40),
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer},
                                     "logprobs": None, "finish_reason": "stop" if rng.random() < 0.9 else "length"}],
                        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                                  "total_tokens": prompt_tokens + completion_tokens,
                                  "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                                  "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                                                "accepted_prediction_tokens": 0,
                                                                "rejected_prediction_tokens": 0}}}
            line["client_ip"] = "10.0.%d.%d" % (rng.randint(0, 15), rng.randint(1, 254))
            f.write(json.dumps(line, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    shape, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if shape == "native-highcard":
        native_highcard(count, out, sys.argv[4] if len(sys.argv) > 4 else None)
    elif shape == "openai":
        openai(count, out)
    else:
        sys.exit(f"unknown shape {shape}")
