-- wrk script: POST /users with a new address every time (thread number and a counter).
-- Prints one JSON line when done (read by the bench's `http_create` phase).

local threads = 0
local counter = 0

-- `thread_id` is a global that `setup` sets in each thread's own Lua state.

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function request()
  counter = counter + 1
  local body = string.format('{"email":"wrk%d-%d@bench.example.com"}', thread_id, counter)
  return wrk.format("POST", "/users", { ["Content-Type"] = "application/json" }, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"non_2xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
