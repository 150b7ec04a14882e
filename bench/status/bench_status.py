"""bench_status.py — see run.sh. The target: / under 200 ms. The hub's agent
registry is filled the way a restarted hub finds it: <state_dir>/dialin/
agents.json lists AGENTS agents (listed until agent_expiry, not connected)."""
import json
import os
import statistics
import time
import urllib.request

import harness as h

COLLECTORS = int(os.environ.get("STATUS_BENCH_COLLECTORS", "500"))
SERIES = int(os.environ.get("STATUS_BENCH_SERIES", "1000000"))
REQUESTS = int(os.environ.get("STATUS_BENCH_REQUESTS", "30"))
AGENTS = int(os.environ.get("STATUS_BENCH_AGENTS", "1000"))
PER_GROUP = 50000


def config(state_dir):
    out = (f'state_dir = "{state_dir}"\n'
           '[dialin]\nagent_expiry = "1h"\n'
           '[[dialin.token]]\nid = "bench"\nsecret = "bench-secret-0123456789"\naliases = ["*"]\n'
           '[[collector]]\nname = "pushgw"\nplugin = "push"\n')
    for i in range(COLLECTORS - 1):
        out += f'[[collector]]\nname = "hello-{i:03d}"\nplugin = "hello"\nlabels = {{ n = "{i}" }}\n'
    return out


def write_registry(state_dir):
    now = time.time()
    agents = [{"alias": f"edge-{i:05d}", "token_id": "bench", "hostname": f"edge-{i:05d}.lan",
               "service": "pos", "labels": {"site": f"s{i % 40}"}, "connected": False,
               "last_seen": now - i} for i in range(AGENTS)]
    os.makedirs(os.path.join(state_dir, "dialin"), exist_ok=True)
    with open(os.path.join(state_dir, "dialin", "agents.json"), "w") as f:
        json.dump({"version": 1, "agents": agents}, f)


def fill(exporter):
    for g in range(SERIES // PER_GROUP):
        body = "# TYPE bench_value gauge\n" + "".join(
            f'bench_value{{i="{i}"}} {i}\n' for i in range(PER_GROUP))
        r = h.http("PUT", exporter.url(f"/metrics/job/bench/group/g{g}"), body=body.encode(),
                   timeout=120)
        assert r.status in (200, 202), (r.status, r.text)


def timed(url, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as r:
            body = r.read()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1], len(body)


def main():
    with h.temp_dir() as tmp:
        state_dir = os.path.join(tmp, "state")
        write_registry(state_dir)
        e = h.Exporter(tmp, config(state_dir))
        try:
            t0 = time.perf_counter()
            fill(e)
            print(f"filled {SERIES} series in {time.perf_counter() - t0:.1f} s")
            status = json.loads(e.get("/api/v1/exporter/status").text)
            stored = status["push"][0]["status"]["series"]
            assert stored == SERIES, f"the store holds {stored} series, not {SERIES}"
            listed = len(status["agents"] or [])
            assert listed == AGENTS, f"the hub lists {listed} agents, not {AGENTS}"
            e.metrics("?collector=hello-000")  # a few collectors have a health
            for path in ("/", "/api/v1/exporter/status"):
                med, p90, size = timed(e.url(path), REQUESTS)
                verdict = "OK" if path != "/" or p90 < 200 else "OVER 200 ms"
                print(f"{path}: median {med:.1f} ms, p90 {p90:.1f} ms, {size} bytes, "
                      f"{COLLECTORS} collectors, {SERIES} pushed series, {AGENTS} agents  [{verdict}]")
        finally:
            e.stop()


if __name__ == "__main__":
    main()
