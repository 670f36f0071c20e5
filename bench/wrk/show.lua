-- wrk script: GET /users/{id} for ids picked at random from the file given after `--`.
-- Prints one JSON line when done (read by the bench's `http_show` phase).

local ids = {}
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  for line in io.lines(args[1]) do
    ids[#ids + 1] = line
  end
  -- `thread_id` is a global set by `setup`: each thread draws its own sequence.
  math.randomseed(os.time() * 100 + thread_id)
end

function request()
  return wrk.format("GET", "/users/" .. ids[math.random(#ids)])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"non_2xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
