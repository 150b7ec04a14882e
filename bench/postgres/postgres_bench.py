"""postgres_bench.py — run by bench/postgres/run.sh (see there).

Both exporters scrape the same server with their default metric sets, as the
same pg_monitor role, without TLS. Throughput: `wrk -t2 -c16` for
BENCH_DURATION seconds, each exporter in turn, BENCH_RUNS times. Memory:
/proc/<pid>/status (VmRSS, VmHWM, RssAnon) and smaps_rollup (Pss, and USS =
private clean + private dirty) of each exporter after all the load.
"""
import os
import re
import statistics
import subprocess
import sys

import harness

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
PASSWORD = "bench-pw"


def wrk(url, clients=16):
    """Runs wrk on url; returns (requests per second, requests completed)."""
    threads = min(clients, 2)
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{clients}", f"-d{DURATION}s", "--timeout",
                          "10s", url],
                         capture_output=True, text=True, timeout=DURATION + 60).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not rate:
        raise RuntimeError("wrk printed no rate:\n" + out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    if bad or errors:
        raise RuntimeError(f"{url}: failed requests during the run:\n{out}")
    return float(rate.group(1)), int(re.search(r"(\d+) requests in", out).group(1))


def memory_kb(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
                fields[k] = int(v.split()[0])
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("Pss", "Private_Clean", "Private_Dirty"):
                fields[k] = int(v.split()[0])
    fields["USS"] = fields.pop("Private_Clean") + fields.pop("Private_Dirty")
    return fields


def main():
    with harness.temp_dir("pe-pg-bench-") as tmp:
        os.chmod(tmp, 0o755)
        pg = harness.PostgresServer(os.path.join(tmp, "server"))
        exporters = []
        try:
            pg.psql(f"CREATE ROLE mon LOGIN PASSWORD '{PASSWORD}' IN ROLE pg_monitor")
            dsn = f"postgresql://mon:{PASSWORD}@127.0.0.1:{pg.port}/postgres?sslmode=disable"
            ours_dir = os.path.join(tmp, "ours")
            os.makedirs(ours_dir)
            ours = harness.Exporter(
                ours_dir,
                "[[collector]]\nname = \"pg\"\nplugin = \"postgres\"\n"
                f"[collector.config]\ndsn = \"{dsn}\"\n")
            exporters.append(ours.process)
            peer_port = harness.free_port()
            peer = harness.Process(
                ["prometheus-postgres-exporter", f"--web.listen-address=127.0.0.1:{peer_port}"],
                env={**os.environ, "DATA_SOURCE_NAME": dsn},
                log_path=os.path.join(tmp, "postgres_exporter.log"))
            exporters.append(peer)
            peer_url = f"http://127.0.0.1:{peer_port}/metrics"
            harness.wait_for(lambda: harness.get(peer_url).status == 200, 30,
                             what="postgres_exporter")
            targets = [("plugin_exporter", ours.url("/metrics"), ours.process.proc.pid),
                       ("postgres_exporter", peer_url, peer.proc.pid)]

            print(f"== postgres: plugin_exporter (postgres plugin, default groups) vs "
                  f"prometheus-postgres-exporter (default metrics)")
            print(f"   PostgreSQL 15 on 127.0.0.1, role with pg_monitor, wrk -t2 -c16 "
                  f"-d{DURATION}s, {RUNS} runs, medians")
            for name, url, _ in targets:
                body = harness.get(url).text
                pg_lines = [l for l in body.splitlines() if l.startswith("pg_")]
                up = [l for l in pg_lines if l.startswith("pg_up")]
                print(f"   {name:18} scrape: {len(body):6} bytes, {len(pg_lines):4} pg_* samples, "
                      f"{up[0] if up else 'no pg_up'}")
                for _ in range(20):  # warm up: connections, caches, GC
                    harness.get(url)

            def collects():
                return harness.find(harness.get(ours.url("/metrics")).text,
                                    "pg_exporter_collects_total")[0]
            collects_before = collects()
            rates = {name: [] for name, _, _ in targets}
            serial = {name: [] for name, _, _ in targets}
            requests = {name: 0 for name, _, _ in targets}
            for run in range(RUNS):
                for name, url, _ in targets:
                    rate, done = wrk(url)
                    rates[name].append(rate)
                    requests[name] += done
                print(f"   run {run + 1}, 16 clients: " + ", ".join(
                    f"{n} {rates[n][-1]:.0f}/s" for n, _, _ in targets), flush=True)
            ran = collects() - collects_before - 1  # collects() itself runs one
            for run in range(RUNS):  # one client: every scrape is a collect of its own
                for name, url, _ in targets:
                    serial[name].append(wrk(url, clients=1)[0])
                print(f"   run {run + 1}, 1 client:   " + ", ".join(
                    f"{n} {serial[n][-1]:.0f}/s" for n, _, _ in targets), flush=True)
            mem = {name: memory_kb(pid) for name, _, pid in targets}

            ours_rate = statistics.median(rates["plugin_exporter"])
            peer_rate = statistics.median(rates["postgres_exporter"])
            print()
            print(f"{'':18} {'scrapes/s':>10} {'1 client/s':>10} {'VmRSS MiB':>10} {'VmHWM MiB':>10} "
                  f"{'RssAnon MiB':>12} {'PSS MiB':>8} {'USS MiB':>8} {'threads':>8}")
            for name, _, _ in targets:
                m = mem[name]
                rate = statistics.median(rates[name])
                print(f"{name:18} {rate:10.0f} {statistics.median(serial[name]):10.0f} "
                      f"{m['VmRSS'] / 1024:10.1f} {m['VmHWM'] / 1024:10.1f} "
                      f"{m['RssAnon'] / 1024:12.1f} {m['Pss'] / 1024:8.1f} {m['USS'] / 1024:8.1f} "
                      f"{m['Threads']:8}")
            o, p = mem["plugin_exporter"], mem["postgres_exporter"]
            ratio = lambda k: o[k] / p[k]  # noqa: E731
            print()
            print(f"throughput ratio (ours / peer), 16 clients: {ours_rate / peer_rate:.1f}x   "
                  f"(target >= 2x: {'met' if ours_rate >= 2 * peer_rate else 'MISSED'})")
            s_ratio = statistics.median(serial["plugin_exporter"]) / statistics.median(
                serial["postgres_exporter"])
            print(f"throughput ratio (ours / peer), 1 client:   {s_ratio:.1f}x")
            for k in ("VmRSS", "VmHWM", "RssAnon", "Pss", "USS"):
                print(f"memory ratio {k:8} (ours / peer): {ratio(k):.2f}   (target <= 0.5: "
                      f"{'met' if ratio(k) <= 0.5 else 'MISSED'})")
            print(f"plugin_exporter: {requests['plugin_exporter']} scrapes under load ran "
                  f"{ran:.0f} collects ({requests['plugin_exporter'] / max(ran, 1):.1f} scrapes "
                  f"per collect: concurrent scrapes share one)")
            print("VmRSS counts shared-library pages in full (libpq brings OpenSSL, GnuTLS via "
                  "libldap, Kerberos); USS counts only this process's private pages.")
        finally:
            for p in exporters:
                p.stop()
            pg.stop("immediate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
