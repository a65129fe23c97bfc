-- wrk script for bench/campaigns.sh: single delivery receipts, each communication once.
--
--   wrk -tT ... -s bench/lua/receipts.lua http://127.0.0.1:PORT -- CAMPAIGN_ID IDS_FILE T
--
-- Sends POST /api/v1/delivery/receipt {"campaignId", "customerId", "status",
-- "vendorResponse"}, one receipt per request. IDS_FILE lists the customer ids of the
-- campaign's communications, 24 hex characters a line, in the order of the communication
-- ids (the harness writes it with sqlite3). T must be wrk's thread count: thread t (0-based)
-- takes the lines t, t + T, t + 2T, ... in turn, so no two requests carry the same
-- receipt. The status is a function of the line number i (0-based): FAILED when
-- i % 10 == 7, SENT otherwise, so the harness can check every row's final status.
--
-- A thread that runs out of lines stops (wrk.thread:stop()) and says so in done(): the run
-- then had too few communications for its duration and the harness rejects it.
--
-- done() prints the lines the harness parses:
--   WRK_RESULT requests=.. duration_s=.. rps=.. p50_ms=.. p90_ms=.. p99_ms=.. max_ms=..
--              mean_ms=.. http_errors=.. connect_errors=.. read_errors=.. write_errors=..
--              timeouts=..
--   WRK_THREAD index=t issued=n exhausted=0|1      (one per thread)
-- issued counts the lines a thread handed to request(): the receipts it may have sent.
-- The last ones (at most its connections) may have been in flight when wrk stopped, so the
-- server may or may not have applied them. Line 0 is never sent: wrk calls request() once
-- in thread 0's state to check the script before it starts, and drops that request. wrk
-- also calls request() again when the first write of a request would block, dropping that
-- line too (rare).

local campaign = nil
local data = nil
local count = 0
local threads_total = 1
-- Globals, so that done() can read them with thread:get().
next_seq = 0 -- this thread's next sequence number j: line t + j * T
exhausted = 0
local LINE = 25 -- 24 hex + "\n"

local threads = {}
local thread_no = 0
function setup(thread)
  thread:set("thread_index", thread_no)
  thread_no = thread_no + 1
  table.insert(threads, thread)
end

function init(args)
  campaign = assert(args[1], "usage: -- CAMPAIGN_ID IDS_FILE THREADS")
  assert(#campaign == 24, "the campaign id must be 24 hex characters")
  local path = assert(args[2], "usage: -- CAMPAIGN_ID IDS_FILE THREADS")
  threads_total = assert(tonumber(args[3]), "usage: -- CAMPAIGN_ID IDS_FILE THREADS")
  local f = assert(io.open(path, "rb"))
  data = f:read("*a")
  f:close()
  count = math.floor(#data / LINE)
  assert(count > 0, "no ids in " .. path)
  assert(data:sub(LINE, LINE) == "\n", path .. " does not hold 24-character ids, one a line")
  assert(thread_index < threads_total, "THREADS is smaller than wrk's -t")
end

local headers = { ["Content-Type"] = "application/json" }
local prefix = nil

function request()
  local i = thread_index + next_seq * threads_total
  if i >= count then
    exhausted = 1
    wrk.thread:stop()
    -- stop() takes effect after this request; repeat an already issued receipt rather
    -- than a new one (a replay changes nothing on the server).
    i = thread_index + (next_seq - 1) * threads_total
    if i < 0 then i = thread_index end
  else
    next_seq = next_seq + 1
  end
  if not prefix then prefix = '{"campaignId":"' .. campaign .. '","customerId":"' end
  local customer = data:sub(i * LINE + 1, i * LINE + 24)
  local body
  if i % 10 == 7 then
    body = prefix .. customer .. '","status":"FAILED","vendorResponse":"bench failed"}'
  else
    body = prefix .. customer .. '","status":"SENT","vendorResponse":"bench sent"}'
  end
  return wrk.format("POST", "/api/v1/delivery/receipt", headers, body)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_s=%.3f rps=%.2f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f " ..
    "max_ms=%.3f mean_ms=%.3f http_errors=%d connect_errors=%d read_errors=%d " ..
    "write_errors=%d timeouts=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
    e.status, e.connect, e.read, e.write, e.timeout))
  for _, t in ipairs(threads) do
    io.write(string.format("WRK_THREAD index=%d issued=%d exhausted=%d\n",
      t:get("thread_index"), t:get("next_seq"), t:get("exhausted")))
  end
end
