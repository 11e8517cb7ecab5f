-- get.lua - wrk script for bench/http/run.sh: GET the URL's path, with
-- `Authorization: Bearer $BENCH_TOKEN` when that variable is set, and one
-- closing line that run.sh reads:
--   WRK requests=N errors=N rps=X p50_ms=X p99_ms=X max_ms=X
-- errors counts non-2xx/3xx answers and socket errors (connect, read,
-- write, timeout).
--
--   BENCH_TOKEN=$(orders-server token --customer c1) \
--     wrk -t2 -c32 -d5s -s bench/http/get.lua http://127.0.0.1:3005/api/v1/orders/ID

local token = os.getenv("BENCH_TOKEN")
if token ~= nil and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
end

function done(summary, latency, requests)
    local e = summary.errors
    local errors = e.status + e.connect + e.read + e.write + e.timeout
    local seconds = summary.duration / 1e6
    io.write(string.format(
        "WRK requests=%d errors=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
        summary.requests, errors, summary.requests / seconds,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
