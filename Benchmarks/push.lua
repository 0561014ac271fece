-- wrk script: POST batches of 100 native events with unique request ids.
local counter = 0
local thread_id = 0
local token = os.getenv("INFERMON_TOKEN") or ""

function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end

function request()
  counter = counter + 1
  local lines = {}
  for i = 1, 100 do
    lines[i] = string.format(
      '{"timestamp":%d,"request_id":"w%d-%d-%d","model":"model-%d","tenant":"tenant-%d","route":"/v1/chat/completions","latency_ms":%d,"prompt_tokens":%d,"completion_tokens":%d}',
      1795830531000 + counter, thread_id, counter, i, i % 8, i % 13, 100 + (i * 37) % 900, 200 + i, 50 + i)
  end
  return wrk.format("POST", "/api/v1/events",
    {["Content-Type"] = "application/x-ndjson", ["Authorization"] = "Bearer " .. token},
    table.concat(lines, "\n"))
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d errors_status=%d errors_other=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
