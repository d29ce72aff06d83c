-- wrk script for bench/run.mjs: the request shape from the environment, a JSON summary at the end.
-- BENCH_PROVIDER  X-Provider value to send (none when empty)
-- BENCH_METHOD    GET (default) or POST
-- BENCH_BODY_BYTES body size for POST (default 4096)
local provider = os.getenv("BENCH_PROVIDER") or ""
if provider ~= "" then wrk.headers["X-Provider"] = provider end
if os.getenv("BENCH_METHOD") == "POST" then
  local size = tonumber(os.getenv("BENCH_BODY_BYTES") or "4096")
  local unit = '{"k":"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"}'
  wrk.method = "POST"
  wrk.body = string.sub(string.rep(unit, math.ceil(size / #unit)), 1, size)
  wrk.headers["Content-Type"] = "application/json"
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
