-- wrk script for scripts/serve-bench.sh: POSTs /api/v1/query with one
-- picture per request (multipart field `picture`), taking the pictures
-- named in the environment variable QUERIES (space-separated paths) in
-- turn, and prints requests per second and latency percentiles as one
-- JSON line (latency in milliseconds; wrk measures it per request).

local boundary = "provcheck-bench-boundary-7d1f"
local bodies = {}
local counter = 0

local function read(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

function init(args)
  for path in string.gmatch(os.getenv("QUERIES") or "", "%S+") do
    local name = path:match("([^/]+)$")
    bodies[#bodies + 1] = "--" .. boundary .. "\r\n"
      .. 'Content-Disposition: form-data; name="picture"; filename="' .. name .. '"\r\n'
      .. "Content-Type: application/octet-stream\r\n\r\n"
      .. read(path) .. "\r\n--" .. boundary .. "--\r\n"
  end
  assert(#bodies > 0, "set QUERIES to the pictures to send")
end

function request()
  counter = counter + 1
  local body = bodies[(counter % #bodies) + 1]
  return wrk.format("POST", "/api/v1/query", {
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
  }, body)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.2f, "qps": %.2f, "p50_ms": %.1f, "p90_ms": %.1f, "p99_ms": %.1f, "max_ms": %.1f, "errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, errors))
end
