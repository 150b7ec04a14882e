-- put_100_series.lua — wrk script: each wrk thread is one client that PUTs a
-- 100-series text body to its own group (/metrics/job/bench/instance/clientN)
-- over one keep-alive connection, as a fleet of batch jobs would.
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  local lines = { "# HELP bench_items Items handled by the batch job.", "# TYPE bench_items gauge" }
  for i = 0, 99 do
    lines[#lines + 1] = string.format('bench_items{queue="q%d",stage="s%d"} %d', i, i % 7, i * 3)
  end
  body = table.concat(lines, "\n") .. "\n"
  path = "/metrics/job/bench/instance/client" .. id
end

function request()
  return wrk.format("PUT", path, { ["Content-Type"] = "text/plain; version=0.0.4" }, body)
end
