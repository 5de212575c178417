-- Like report.lua, but each connection waits WRK_DELAY_MS between requests, giving a roughly fixed rate
-- (connections * 1000 / delay per second) so latency is measured below saturation.
local delay_ms = tonumber(os.getenv("WRK_DELAY_MS") or "1")
function delay()
  return delay_ms
end
dofile(os.getenv("WRK_REPORT"))
