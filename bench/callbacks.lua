-- wrk script for bench/callbacks.py: posts pre-generated, signed and encrypted WeCom callbacks.
--
--   wrk -t2 -c64 -d5s -s bench/callbacks.lua http://127.0.0.1:PORT -- BODIES_FILE THREADS
--
-- BODIES_FILE holds one request per line: "<path with query>\t<body>". Each thread takes every n-th line
-- (n = number of threads) so no two threads send the same callback; a thread that runs out starts again
-- from its first line and counts the repeats, which the server answers as duplicates.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local total = tonumber(args[2])
  paths, bodies, count = {}, {}, 0
  local n = 0
  for line in io.lines(args[1]) do
    if n % total == id then
      local tab = string.find(line, "\t", 1, true)
      count = count + 1
      paths[count] = string.sub(line, 1, tab - 1)
      bodies[count] = string.sub(line, tab + 1)
    end
    n = n + 1
  end
  issued, repeats = 0, 0
  headers = { ["Content-Type"] = "text/xml" }
end

function request()
  issued = issued + 1
  if issued > count then
    repeats = repeats + 1
  end
  local i = (issued - 1) % count + 1
  return wrk.format("POST", paths[i], headers, bodies[i])
end

function done(summary, latency, requests)
  local repeated = 0
  for _, thread in ipairs(threads) do
    repeated = repeated + (tonumber(thread:get("repeats")) or 0)
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"non_2xx": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, ' ..
    '"repeated": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, repeated))
end
