"""bench_status.py — see run.sh. The target: / under 200 ms."""
import json
import os
import statistics
import time
import urllib.request

import harness as h

COLLECTORS = int(os.environ.get("STATUS_BENCH_COLLECTORS", "500"))
SERIES = int(os.environ.get("STATUS_BENCH_SERIES", "1000000"))
REQUESTS = int(os.environ.get("STATUS_BENCH_REQUESTS", "30"))
PER_GROUP = 50000


def config():
    out = '[[collector]]\nname = "pushgw"\nplugin = "push"\n'
    for i in range(COLLECTORS - 1):
        out += f'[[collector]]\nname = "hello-{i:03d}"\nplugin = "hello"\nlabels = {{ n = "{i}" }}\n'
    return out


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
        e = h.Exporter(tmp, config())
        try:
            t0 = time.perf_counter()
            fill(e)
            print(f"filled {SERIES} series in {time.perf_counter() - t0:.1f} s")
            status = json.loads(e.get("/api/v1/exporter/status").text)
            stored = status["push"][0]["status"]["series"]
            assert stored == SERIES, f"the store holds {stored} series, not {SERIES}"
            e.metrics("?collector=hello-000")  # a few collectors have a health
            for path in ("/", "/api/v1/exporter/status"):
                med, p90, size = timed(e.url(path), REQUESTS)
                verdict = "OK" if path != "/" or p90 < 200 else "OVER 200 ms"
                print(f"{path}: median {med:.1f} ms, p90 {p90:.1f} ms, {size} bytes, "
                      f"{COLLECTORS} collectors, {SERIES} pushed series  [{verdict}]")
        finally:
            e.stop()


if __name__ == "__main__":
    main()
