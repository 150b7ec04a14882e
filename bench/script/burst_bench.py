"""burst_bench.py BUILD_DIR — see run.sh. Both exporters run the same shell
script, which appends a line to a file per run, so the number of processes
each started is counted, not estimated."""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

BUILD = os.path.abspath(sys.argv[1])
os.environ["PE_BUILD_DIR"] = BUILD  # the harness starts the exporter from this tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/integration"))
import harness as h  # noqa: E402
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
BURST = int(os.environ.get("BENCH_BURST", "100"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))

SCRIPT = """#!/bin/sh
echo run >> "$RUNS"
[ "$SLEEP" = 0 ] || sleep "$SLEEP"
i=0
echo '# TYPE bench_value gauge'
while [ $i -lt 50 ]; do echo "bench_value{i=\\"$i\\"} $i"; i=$((i+1)); done
"""


def count(path):
    if not os.path.exists(path):
        return 0
    with open(path) as f:
        return sum(1 for _ in f)


def get(url):
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.status, r.read()


def burst(url, n):
    """n GETs released at once; returns (seconds until all answered, failures)."""
    barrier = threading.Barrier(n + 1)
    failures = []

    def one():
        barrier.wait()
        try:
            status, body = get(url)
            if status != 200 or b"bench_value" not in body:
                failures.append(status)
        except Exception as e:  # noqa: BLE001
            failures.append(repr(e))

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.monotonic()
    for t in threads:
        t.join()
    return time.monotonic() - start, failures


def wrk(url):
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{SECONDS}s", url], capture_output=True, text=True,
                         timeout=SECONDS + 60).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return float(m.group(1)) if m else 0.0, int(total.group(1)) if total else 0, int(non2xx.group(1)) if non2xx else 0


class Peer:
    def __init__(self, tmp, script, runs, sleep):
        self.port = h.free_port()
        cfg = os.path.join(tmp, f"expexp-{sleep}.yml")
        with open(cfg, "w") as f:
            f.write(f"modules:\n  bench:\n    method: exec\n    timeout: 30s\n    exec:\n"
                    f"      command: {script}\n      env:\n        RUNS: {runs}\n        SLEEP: '{sleep}'\n")
        self.process = h.Process(["prometheus-exporter-exporter", f"-config.file={cfg}",
                                  f"-web.listen-address=127.0.0.1:{self.port}"],
                                 log_path=os.path.join(tmp, f"expexp-{sleep}.log"))
        self.url = f"http://127.0.0.1:{self.port}/proxy?module=bench"
        h.wait_for(lambda: get(self.url)[0] == 200, 20, what="exporter_exporter")

    def stop(self):
        self.process.stop()


class Ours:
    def __init__(self, tmp, script, runs, sleep):
        d = os.path.join(tmp, f"pe-{sleep}")
        os.makedirs(d)
        config = ("collector_threads = 64\n[web]\nmax_concurrent_scrapes = 1024\nhttp_threads = 256\n"
                  "http_queue = 1024\n\n[[collector]]\nname = \"bench\"\nplugin = \"script\"\ntimeout = \"30s\"\n"
                  f"[collector.config]\ncommand = [\"{script}\"]\n"
                  f"environment = {{ RUNS = \"{runs}\", SLEEP = \"{sleep}\" }}\ntimeout = \"30s\"\n")
        self.exporter = h.Exporter(d, config)
        self.url = self.exporter.url("/metrics?collector=bench")
        get(self.url)

    def stop(self):
        self.exporter.stop()


def measure(kind, tmp, script, sleep):
    runs = os.path.join(tmp, f"runs-{kind.__name__}-{sleep}")
    server = kind(tmp, script, runs, sleep)
    try:
        bursts, per_scrape, failures = [], [], 0
        for _ in range(ROUNDS):
            before = count(runs)
            seconds, failed = burst(server.url, BURST)
            failures += len(failed)
            bursts.append(seconds)
            per_scrape.append((count(runs) - before) / BURST)
        rates, wrk_runs = [], []
        for _ in range(max(1, ROUNDS // 2)):
            before = count(runs)
            rate, total, non2xx = wrk(server.url)
            failures += non2xx
            rates.append(rate)
            wrk_runs.append((count(runs) - before) / max(total, 1))
        return {"burst_s": statistics.median(bursts), "runs_per_scrape": statistics.median(per_scrape),
                "rps": statistics.median(rates), "wrk_runs_per_req": statistics.median(wrk_runs),
                "failures": failures}
    finally:
        server.stop()


def main():
    tmp = tempfile.mkdtemp(prefix="pe-script-bench-")
    try:
        script = os.path.join(tmp, "bench.sh")
        with open(script, "w") as f:
            f.write(SCRIPT)
        os.chmod(script, 0o755)
        print(f"== script plugin vs exporter_exporter exec (a process per scrape); {ROUNDS} rounds, "
              f"bursts of {BURST} concurrent scrapes, wrk -c32 {SECONDS}s; medians")
        print(f"{'script':14} {'exporter':18} {'burst s':>8} {'runs/scrape':>12} {'wrk req/s':>10} "
              f"{'runs/req':>9} {'failed':>7}")
        results = {}
        for sleep in ("0.2", "0"):
            for kind, label in ((Ours, "plugin_exporter"), (Peer, "exporter_exporter")):
                r = measure(kind, tmp, script, sleep)
                results[(sleep, label)] = r
                name = "sleeps 200ms" if sleep != "0" else "instant"
                print(f"{name:14} {label:18} {r['burst_s']:8.3f} {r['runs_per_scrape']:12.3f} "
                      f"{r['rps']:10.0f} {r['wrk_runs_per_req']:9.3f} {r['failures']:7d}")
        print("== summary (plugin_exporter relative to exporter_exporter, same run)")
        for sleep in ("0.2", "0"):
            ours, peer = results[(sleep, "plugin_exporter")], results[(sleep, "exporter_exporter")]
            name = "sleeping script" if sleep != "0" else "instant script"
            runs_ratio = peer["runs_per_scrape"] / max(ours["runs_per_scrape"], 1e-9)
            print(f"{name}: {runs_ratio:.0f}x fewer processes per burst of {BURST}; "
                  f"burst latency {ours['burst_s'] / peer['burst_s']:.2f}x; "
                  f"throughput {ours['rps'] / max(peer['rps'], 1e-9):.1f}x; "
                  f"processes per request under wrk {ours['wrk_runs_per_req']:.3f} vs {peer['wrk_runs_per_req']:.3f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
