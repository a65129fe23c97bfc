-- wrk script for bench/http.sh.
--
--   wrk ... -s bench/lua/minicrm.lua http://127.0.0.1:PORT -- MODE [IDS_FILE]
--
-- MODE
--   get    GET /api/v1/customers/:id, the id drawn at random from IDS_FILE
--   post   POST /api/v1/orders for a random customer of IDS_FILE with 1-2 items
--          (about 10% of them "cancelled", so the aggregates check sees non-counting orders)
--   plain  GET / (the nginx baseline)
--
-- IDS_FILE holds one id per line, 24 hex characters each (minicrm_gen --ids-out). It is
-- read whole per thread and ids are cut out by offset: loading 1M ids takes a few
-- milliseconds and no table, so thread start-up does not skew the measured rate.
--
-- The ids live in memory of their own (LuaJIT's FFI), outside the Lua heap. Kept as a
-- 25 MB Lua string, they made the collector let about as much garbage (one id and one
-- request string per request) pile up between cycles; each cycle then stalled the wrk
-- thread for 10-40 ms, and those stalls, not the server, were the GET p99 (against nginx
-- too: p99 4 -> 6-15 ms, max 10 -> 40-60 ms, the same nginx in plain and get mode).
--
-- done() prints one line the harness parses:
--   WRK_RESULT requests=.. duration_s=.. rps=.. p50_ms=.. p90_ms=.. p99_ms=.. max_ms=..
--              mean_ms=.. http_errors=.. connect_errors=.. read_errors=.. write_errors=..
--              timeouts=..
-- http_errors is wrk's count of responses with a status >= 400.

local mode = "get"
local id_at = nil -- id_at(offset): the id starting at that byte offset of IDS_FILE
local count = 0
local LINE = 25 -- 24 hex + "\n"

local thread_no = 0
function setup(thread)
  thread_no = thread_no + 1
  thread:set("thread_no", thread_no)
end

function init(args)
  mode = args[1] or "get"
  if mode ~= "plain" then
    local path = args[2] or os.getenv("IDS_FILE")
    assert(path, "an ids file is required for mode " .. mode)
    local f = assert(io.open(path, "rb"))
    local text = f:read("*a")
    f:close()
    count = math.floor(#text / LINE)
    assert(count > 0, "no ids in " .. path)
    assert(text:sub(LINE, LINE) == "\n", path .. " does not hold 24-character ids, one a line")
    local ok, ffi = pcall(require, "ffi")
    if ok then
      ffi.cdef("void *malloc(size_t size);")
      local bytes = ffi.cast("char *", ffi.C.malloc(#text))
      assert(bytes ~= nil, "out of memory for the ids")
      ffi.copy(bytes, text, #text)
      local cut = ffi.string
      id_at = function(k) return cut(bytes + k, 24) end
      text = nil
      collectgarbage()
    else
      id_at = function(k) return text:sub(k + 1, k + 24) end
    end
  end
  math.randomseed(os.time() * 7919 + (thread_no or 0) * 104729)
  for _ = 1, 10 do math.random() end
end

local function random_id()
  local k = math.random(0, count - 1) * LINE
  return id_at(k)
end

local products = {
  { "Cotton T-Shirt", 499 }, { "Basmati Rice 5kg", 649 }, { "Wireless Earbuds", 2499 },
  { "Running Shoes", 3499 }, { "Masala Chai Pack", 120 }, { "Denim Jeans", 1799 },
  { "Phone Case", 349 }, { "Smartwatch", 6999 }, { "Steel Water Bottle", 499 },
  { "Silk Saree", 4999 }, { "Cold Coffee 250ml", 50 }, { "27-inch Monitor", 14999.5 },
}
local channels = { "web", "app", "store" }
local json_headers = { ["Content-Type"] = "application/json" }

local function item()
  local p = products[math.random(#products)]
  return string.format('{"name":"%s","quantity":%d,"price":%s}', p[1], math.random(1, 5),
    tostring(p[2]))
end

function request()
  if mode == "get" then
    return wrk.format("GET", "/api/v1/customers/" .. random_id())
  elseif mode == "post" then
    local items = item()
    if math.random() < 0.5 then items = items .. "," .. item() end
    local status = ""
    if math.random() < 0.1 then status = ',"status":"cancelled"' end
    local body = string.format('{"customer":"%s","items":[%s],"channel":"%s"%s}', random_id(),
      items, channels[math.random(#channels)], status)
    return wrk.format("POST", "/api/v1/orders", json_headers, body)
  else
    return wrk.format("GET", "/")
  end
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
end
