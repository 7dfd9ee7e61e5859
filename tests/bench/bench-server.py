#!/usr/bin/env python3
# Server throughput for build-aux/bench: empty pulls/s and 10-record pushes/s with 50
# concurrent clients (50 accounts, one keep-alive connection each) driven by wrk on the
# same machine. An empty pull is what a polling client sends when nothing changed: its
# account's last timestamp as last_pulled_at. Backend: $GP_TEST_DATABASE (PostgreSQL, via
# tests/server/run-postgres.sh) or a SQLite file. Prints "name value unit" lines, plus the
# server's peak resident memory; a run with any non-2xx answer fails.

import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reliability"))
from gpserver import Server, check  # noqa: E402

CLIENTS = 50
SECONDS = int(os.environ.get("GP_BENCH_SECONDS", "10"))

PULL_LUA = """
tokens = {%s}
lpas = {%s}
n = 0
request = function()
  n = n + 1
  local i = (n %% #tokens) + 1
  return wrk.format("GET", "/sync/pull?last_pulled_at=" .. lpas[i] .. "&schema_version=1&migration=null",
                    {["Authorization"] = "Bearer " .. tokens[i]})
end
"""

PUSH_LUA = """
tokens = {%s}
next_thread = 0
function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end
n = 0
request = function()
  n = n + 1
  local recs = {}
  for i = 1, 10 do
    recs[i] = string.format('{"id":"b%%d-%%d-%%d-%%d","name":"Bench client %%d","email":"bench@example.test",' ..
                            '"company":"Bench GmbH","currency":"EUR","hourly_rate":9000,"created_at":1795306764726,' ..
                            '"updated_at":1795306764726}', run_id, thread_id, n, i, n)
  end
  local body = '{"clients":{"created":[' .. table.concat(recs, ",") .. '],"updated":[],"deleted":[]}}'
  return wrk.format("POST", "/sync/push?last_pulled_at=1",
                    {["Authorization"] = "Bearer " .. tokens[(n %% #tokens) + 1],
                     ["Content-Type"] = "application/json"}, body)
end
run_id = %d
"""


def wrk(port, script, workdir, name):
    path = os.path.join(workdir, name + ".lua")
    with open(path, "w") as f:
        f.write(script)
    out = subprocess.run(["wrk", "-t2", f"-c{CLIENTS}", f"-d{SECONDS}s", "--timeout", "10s", "--latency", "-s", path,
                          f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    check(bad is None, f"{name}: {bad.group(1) if bad else 0} non-2xx answers\n{out}")
    check(errors is None or "timeout 0" in errors.group(1), f"{name}: socket errors {errors.group(1) if errors else ''}")
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    return rps, float(p99.group(1)) * scale


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0


def main():
    backend = "postgresql" if os.environ.get("GP_TEST_DATABASE") else "sqlite"
    with tempfile.TemporaryDirectory(prefix="gp-bench-", dir="/var/tmp") as workdir:
        srv = Server(workdir, "--login-attempts-per-minute", "0").start()
        accounts = [srv.account() for _ in range(CLIENTS)]
        quoted = ",".join(f'"{a.token}"' for a in accounts)
        lpas = []
        for a in accounts:
            st, body, _ = a.pull()
            check(st == 200, f"first pull: {st}")
            lpas.append(str(body["timestamp"]))
        rps, p99 = wrk(srv.port, PULL_LUA % (quoted, ",".join(lpas)), workdir, "pull")
        print(f"server_{backend}_empty_pulls_per_s {rps:.0f} req/s")
        print(f"server_{backend}_empty_pull_p99 {p99:.2f} ms")
        rps, p99 = wrk(srv.port, PUSH_LUA % (quoted, int(time.time())), workdir, "push")
        print(f"server_{backend}_push10_per_s {rps:.0f} req/s")
        print(f"server_{backend}_push10_p99 {p99:.2f} ms")
        print(f"server_{backend}_peak_rss {peak_rss_mib(srv.proc.pid):.1f} MiB")
        srv.stop()


if __name__ == "__main__":
    main()
