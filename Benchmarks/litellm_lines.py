#!/usr/bin/env python3
"""LiteLLM standard-logging lines shaped like a real gateway's: the three real lines in
/work/shared/samples (or $SAMPLES) as templates (success, streaming success, failure),
fresh ids and times, token counts and costs varied, a system prompt from a small pool
(gateways send the same few over and over), user turns and responses made of sentences
from a text corpus (the repository's README), conversations that grow turn by turn.
Times end about now, so nothing is past a store's retention.
Usage: litellm_lines.py COUNT OUT [SEED]"""
import json, os, random, re, sys, time, uuid

count, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
here = os.path.dirname(os.path.abspath(__file__))
samples = os.environ.get("SAMPLES", "/work/shared/samples/litellm-standard-logging.jsonl")
templates = [json.loads(line) for line in open(samples)]
success = next(t for t in templates if t["status"] == "success" and not t.get("stream"))
streamed = next(t for t in templates if t.get("stream"))
failure = next(t for t in templates if t["status"] == "failure")
corpus = open(os.environ.get("CORPUS", os.path.join(here, "..", "README.md"))).read()
sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", corpus)) if 20 < len(s) < 400]
systems = [m["content"] for t in templates for m in t["messages"] if m["role"] == "system"]
systems += [" ".join(rng.choice(sentences) for _ in range(rng.randint(5, 30))) for _ in range(5)]

def text(low, high):
    size = rng.randint(low, high)
    parts = []
    while sum(len(p) for p in parts) < size:
        parts.append(rng.choice(sentences))
    return " ".join(parts)

clock = time.time() - count / 20 - 60
conversations = []
with open(out, "w") as f:
    for i in range(count):
        roll = rng.random()
        template = failure if roll < 0.05 else streamed if roll < 0.35 else success
        line = json.loads(json.dumps(template))
        clock += rng.expovariate(20)
        latency = rng.lognormvariate(0.3, 0.8)
        ident = str(uuid.UUID(int=rng.getrandbits(128)))
        line["id"] = "chatcmpl-" + ident
        line["litellm_call_id"] = str(uuid.UUID(int=rng.getrandbits(128)))
        line["trace_id"] = str(uuid.UUID(int=rng.getrandbits(128)))
        line["startTime"] = clock
        line["endTime"] = clock + latency
        line["completionStartTime"] = clock + latency * (rng.uniform(0.05, 0.3) if line.get("stream") else 1)
        # A conversation continues (its history is resent) or a new one starts.
        if conversations and rng.random() < 0.4:
            messages = rng.choice(conversations)
        else:
            messages = [{"role": "system", "content": rng.choice(systems)}]
            conversations.append(messages)
            conversations[:] = conversations[-50:]
        messages.append({"role": "user", "content": text(200, 3000)})
        line["messages"] = list(messages)
        prompt_tokens = sum(len(m["content"]) for m in messages) // 4
        completion_tokens = rng.randint(10, 900)
        line["prompt_tokens"], line["completion_tokens"] = prompt_tokens, completion_tokens
        line["total_tokens"] = prompt_tokens + completion_tokens
        if isinstance(line["metadata"].get("usage_object"), dict):
            line["metadata"]["usage_object"].update(
                prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                total_tokens=prompt_tokens + completion_tokens)
        if template is not failure:
            answer = text(100, 2000)
            messages.append({"role": "assistant", "content": answer})
            if len(messages) > 9:
                del messages[1:3]
            response = line["response"]
            response["id"] = line["id"]
            response["created"] = int(clock)
            response["choices"][0]["message"]["content"] = answer
            response["usage"].update(
                prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                total_tokens=prompt_tokens + completion_tokens)
            line["response_cost"] = (prompt_tokens * 0.15 + completion_tokens * 0.6) / 1e6
        f.write(json.dumps(line) + "\n")
