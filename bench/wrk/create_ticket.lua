-- wrk script for bench/ticket_create_load.py: POST one new ticket per request, each with its own subject,
-- body, customer and touchpoint; optional pacing (CXHUB_DELAY_MS per connection); one RESULT line at the
-- end with the rate, latency percentiles in ms and the count of answers other than 201.

local token = os.getenv("CXHUB_TOKEN")
local delay_ms = tonumber(os.getenv("CXHUB_DELAY_MS") or "0")

local function split(list)
  local out = {}
  for item in string.gmatch(list or "", "[^,]+") do out[#out + 1] = item end
  return out
end

local customers = split(os.getenv("CXHUB_CUSTOMERS"))
local touchpoints = split(os.getenv("CXHUB_TOUCHPOINTS"))
local threads = {}
local counter = 0
errors = 0  -- global: done() reads each thread's count with thread:get
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  threads[#threads + 1] = thread
end

function init(args)
  math.randomseed(os.time() + id * 7919)
end

function request()
  counter = counter + 1
  local customer = customers[math.random(#customers)]
  local touchpoint = touchpoints[math.random(#touchpoints)]
  local body = string.format(
    '{"customer": %s, "touchpoint": %s, "subject": "bench-load %d-%d: parcel late", ' ..
    '"body": "My parcel %d-%d has not arrived yet. Το δέμα μου δεν έφτασε.", "channel": "email"}',
    customer, touchpoint, id, counter, id, counter)
  return wrk.format("POST", nil, {
    ["Authorization"] = "Token " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end

function response(status, headers, body)
  if status ~= 201 then
    errors = errors + 1
    if errors <= 3 then io.stderr:write("answer " .. status .. ": " .. string.sub(body, 1, 300) .. "\n") end
  end
end

function delay()
  return delay_ms
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("errors") end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'RESULT {"rate": %.2f, "requests": %d, "p50": %.2f, "p95": %.2f, "p99": %.2f, "errors": %d, ' ..
    '"socket_errors": %d}\n',
    summary.requests / seconds, summary.requests, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    failed + summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
end
