-- wrk script for benches/pg_scale.sh: every request is a multipart query
-- (`POST /api/v1/query`) of the picture named by the PICTURE variable.
local f = assert(io.open(os.getenv("PICTURE"), "rb"))
local picture = f:read("*a")
f:close()
local boundary = "provcheck-bench-boundary"
wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.body = "--" .. boundary .. "\r\n"
    .. "Content-Disposition: form-data; name=\"picture\"; filename=\"query.jpg\"\r\n"
    .. "Content-Type: image/jpeg\r\n\r\n"
    .. picture .. "\r\n--" .. boundary .. "--\r\n"
