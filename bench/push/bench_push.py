"""bench_push.py — the push collector against Debian's prometheus-pushgateway,
measured in the same run on the same machine:

  1. pushes/s of a 100-series body, 16 concurrent clients (wrk, one
     keep-alive connection each, each client its own group), on an empty
     store and with 30,000 stored series;
  2. resident memory (VmRSS) with 100,000 stored series, after one scrape
     (the figure compared) and before it (for information: what the store
     costs without the scrape's buffers);

persistence off for both, then our durable mode (fsync before the 2xx);
  3. pushes/s of the same body with the push collector isolated
     (isolation = "process": each push forwarded to the plugin's child
     process) against in process, both exporters running, runs interleaved.

Each figure is the median of BENCH_RUNS runs (default 3) of BENCH_SECONDS
(default 10) each. Run by bench/push/run.sh BUILD_DIR [isolation] (with
"isolation": part 3 only).
"""
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

from harness import Exporter, Pushgateway, get

HERE = os.path.dirname(os.path.abspath(__file__))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = 16


def exporter_config(state_dir=None, isolation=None):
    # No isolation key unless asked: bench/serving runs this config on older builds too.
    collector = '[[collector]]\nname = "push"\nplugin = "push"\n' + (
        f'isolation = "{isolation}"\n' if isolation else "")
    if state_dir:
        return (f'state_dir = "{state_dir}"\n{collector}'
                '[collector.config]\ndurability = "fsync"\n')
    return collector + '[collector.config]\ndurability = "none"\n'


def fill(base, series, per_group=1000, job="fill"):
    """Stores `series` series in groups of `per_group` (one keep-alive connection)."""
    host, port = base.replace("http://", "").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=600)
    groups = series // per_group
    for g in range(groups):
        body = "# TYPE fill_value gauge\n" + "".join(
            f'fill_value{{series="{i}",group_copy="{g}"}} {i}\n' for i in range(per_group))
        conn.request("PUT", f"/metrics/job/{job}/instance/g{g}", body=body.encode(),
                     headers={"Content-Type": "text/plain; version=0.0.4"})
        r = conn.getresponse()
        r.read()
        if r.status >= 300:
            raise RuntimeError(f"fill push {g} answered {r.status}")
    conn.close()


def wrk(base):
    out = subprocess.run(["wrk", f"-t{CLIENTS}", f"-c{CLIENTS}", f"-d{SECONDS}s", "--timeout", "30s",
                          "-s", os.path.join(HERE, "put_100_series.lua"), base],
                         capture_output=True, text=True, timeout=SECONDS + 120).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m:
        raise RuntimeError("wrk output without Requests/sec:\n" + out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if bad:
        raise RuntimeError(f"{bad.group(1)} pushes were refused:\n{out}")
    return float(m.group(1))


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


class Ours:
    name = "plugin_exporter push"

    def __init__(self, tmpdir, durable):
        self.state = os.path.join(tmpdir, "state") if durable else None
        self.ex = Exporter(tmpdir, exporter_config(self.state))
        self.base = self.ex.base
        self.pid = self.ex.process.proc.pid

    def scrape(self):
        return self.ex.metrics()

    def stop(self):
        self.ex.stop()


class Theirs:
    name = "prometheus-pushgateway"

    def __init__(self, tmpdir, durable=False):
        self.pg = Pushgateway(tmpdir)
        self.base = self.pg.base
        self.pid = self.pg.process.proc.pid

    def scrape(self):
        return self.pg.metrics()

    def stop(self):
        self.pg.stop()


def throughput(server_cls, durable):
    empty, full = [], []
    for _ in range(RUNS):
        d = tempfile.mkdtemp(prefix="pe-bench-push-")
        s = server_cls(d, durable)
        try:
            empty.append(wrk(s.base))
            fill(s.base, 30000)
            full.append(wrk(s.base))
        finally:
            s.stop()
            shutil.rmtree(d, ignore_errors=True)
    return statistics.median(empty), statistics.median(full), empty, full


def memory(server_cls, durable):
    values, before = [], []
    for _ in range(RUNS):
        d = tempfile.mkdtemp(prefix="pe-bench-push-")
        s = server_cls(d, durable)
        try:
            fill(s.base, 100000)
            before.append(rss_bytes(s.pid))
            text = s.scrape()
            if text.count("fill_value{") < 100000:
                raise RuntimeError(f"{s.name} exposes {text.count('fill_value{')} of 100000 series")
            values.append(rss_bytes(s.pid))
        finally:
            s.stop()
            shutil.rmtree(d, ignore_errors=True)
    return statistics.median(values), values, statistics.median(before)


def isolated_vs_in_process():
    """Part 3: pushes/s isolated and in process, runs interleaved; prints the ratio."""
    print(f"== push collector isolated vs in process: {CLIENTS} clients PUT a 100-series body, "
          f"durability none, {SECONDS}s per run, median of {RUNS} runs (interleaved)")
    d = tempfile.mkdtemp(prefix="pe-bench-push-iso-")
    servers = {}
    try:
        for mode in ("in_process", "process"):
            os.makedirs(os.path.join(d, mode))
            servers[mode] = Exporter(os.path.join(d, mode), exporter_config(isolation=mode))
        rates = {mode: [] for mode in servers}
        for _ in range(RUNS):
            for mode, ex in servers.items():
                rates[mode].append(wrk(ex.base))
    finally:
        for ex in servers.values():
            ex.stop()
        shutil.rmtree(d, ignore_errors=True)
    med = {mode: statistics.median(r) for mode, r in rates.items()}
    for mode in servers:
        print(f"   {mode:10} {med[mode]:9.0f} pushes/s   runs {[round(x) for x in rates[mode]]}")
    print(f"   isolated / in process {med['process'] / med['in_process']:.2f}")
    return med


def main():
    if sys.argv[1:] == ["isolation"]:
        isolated_vs_in_process()
        return 0
    print(f"== push gateway benchmark: {CLIENTS} clients PUT a 100-series body, "
          f"{SECONDS}s per run, median of {RUNS} runs")
    results = {}
    for label, cls, durable in (("pushgateway (no persistence)", Theirs, False),
                                ("ours, durability=none", Ours, False),
                                ("ours, durability=fsync", Ours, True)):
        e, f, es, fs = throughput(cls, durable)
        m, ms, mb = memory(cls, durable)
        results[label] = (e, f, m)
        print(f"{label:32} empty store {e:9.0f} pushes/s   30k series {f:9.1f} pushes/s   "
              f"RSS at 100k series {m / 2**20:7.1f} MiB (before the scrape {mb / 2**20:.1f} MiB)")
        print(f"{'':32} runs: empty {[round(x) for x in es]}  30k {[round(x, 1) for x in fs]}  "
              f"RSS MiB {[round(x / 2**20, 1) for x in ms]}")
    pe, pf, pm = results["pushgateway (no persistence)"]
    print("== ratios against pushgateway (same run)")
    for label in ("ours, durability=none", "ours, durability=fsync"):
        e, f, m = results[label]
        print(f"{label:32} empty store {e / pe:6.1f}x (target >= 3x)   30k series {f / pf:7.1f}x "
              f"(target >= 100x)   memory {m / pm:5.2f} of pushgateway's (target <= 0.33)")
    isolated_vs_in_process()
    return 0


if __name__ == "__main__":
    sys.exit(main())
