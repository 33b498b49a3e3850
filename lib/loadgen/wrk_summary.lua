-- Concurrency Lab: a wrk script that prints one JSON summary line when the run is done.
--
-- Request shape comes from the environment (read in every Lua state wrk creates):
--   LAB_WRK_METHOD     HTTP method (default GET)
--   LAB_WRK_BODY_FILE  path of a file whose content is the request body
-- Headers are passed with wrk's own -H flag.
--
-- Each wrk thread counts responses by status in its own Lua state (response hook); done() runs
-- in the main state and sums the per-thread tables, fetched with thread:get().
--
-- Output: one line on stdout, after wrk's text report:
--   LAB_WRK_JSON {"durationUs":..,"requests":..,"bytes":..,"errors":{..},
--                 "latencyUs":{"min":..,"max":..,"mean":..,"stdev":..,"p50":..,...},
--                 "statusCodes":{"200":..},"latencyValuesUs":[[value,count],...]}

local method = os.getenv("LAB_WRK_METHOD")
if method and method ~= "" then
  wrk.method = method
end

local body_file = os.getenv("LAB_WRK_BODY_FILE")
if body_file and body_file ~= "" then
  local file = assert(io.open(body_file, "rb"))
  wrk.body = file:read("*a")
  file:close()
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local function int(n)
  return string.format("%d", n)
end

local function num(n)
  return string.format("%.3f", n)
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local per_thread = thread:get("statuses") or {}
    for status, count in pairs(per_thread) do
      counts[status] = (counts[status] or 0) + count
    end
  end

  local parts = {}
  for status, count in pairs(counts) do
    table.insert(parts, '"' .. int(status) .. '":' .. int(count))
  end

  local percentiles = {}
  for _, p in ipairs({ 50, 90, 95, 99, 99.9 }) do
    local key = (p == 99.9) and "p999" or ("p" .. int(p))
    table.insert(percentiles, '"' .. key .. '":' .. num(latency:percentile(p)))
  end

  local values = {}
  for i = 1, #latency do
    local value, count = latency(i)
    table.insert(values, "[" .. int(value) .. "," .. int(count) .. "]")
  end

  local e = summary.errors
  io.write(
    "LAB_WRK_JSON {",
    '"durationUs":', int(summary.duration),
    ',"requests":', int(summary.requests),
    ',"bytes":', int(summary.bytes),
    ',"errors":{"connect":', int(e.connect), ',"read":', int(e.read),
    ',"write":', int(e.write), ',"status":', int(e.status), ',"timeout":', int(e.timeout), "}",
    ',"latencyUs":{"min":', num(latency.min), ',"max":', num(latency.max),
    ',"mean":', num(latency.mean), ',"stdev":', num(latency.stdev), ",",
    table.concat(percentiles, ","), "}",
    ',"statusCodes":{', table.concat(parts, ","), "}",
    ',"latencyValuesUs":[', table.concat(values, ","), "]",
    "}\n"
  )
end
