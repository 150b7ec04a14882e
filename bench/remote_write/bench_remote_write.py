"""bench_remote_write.py — see run.sh. SERIES, INTERVAL and WINDOW can be
overridden from the environment (RW_BENCH_SERIES, _INTERVAL, _WINDOW)."""
import os
import time

import harness as h

SERIES = int(os.environ.get("RW_BENCH_SERIES", "100000"))
INTERVAL = int(os.environ.get("RW_BENCH_INTERVAL", "15"))
WINDOW = int(os.environ.get("RW_BENCH_WINDOW", "90"))
GROUPS = 10


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def fill(exporter):
    per = SERIES // GROUPS
    for g in range(GROUPS):
        body = "# HELP bench_value b.\n# TYPE bench_value gauge\n" + "".join(
            f'bench_value{{g="{g}",i="{i}"}} {i}\n' for i in range(per))
        r = h.http("PUT", exporter.url(f"/metrics/job/bench/group/g{g}"), body=body.encode())
        assert r.status in (200, 202), r.status


def measure(pid, sent):
    time.sleep(INTERVAL + 2)  # one full round first
    c0, s0 = cpu_seconds(pid), sent()
    time.sleep(WINDOW)
    c1, s1 = cpu_seconds(pid), sent()
    return (s1 - s0) / WINDOW, (s1 - s0) / max(c1 - c0, 1e-9), rss_mib(pid)


def main():
    with h.temp_dir() as tmp:
        receiver = h.Prometheus(tmp, "", extra_args=["--web.enable-remote-write-receiver"])
        write_url = receiver.base + "/api/v1/write"
        try:
            # 1. plugin_exporter's own remote write.
            cfg = ('[web]\nmax_body_bytes = 67108864\n[[collector]]\nname = "push"\nplugin = "push"\n'
                   f'[[remote_write]]\nname = "bench"\nurl = "{write_url}"\ninterval = "{INTERVAL}s"\n'
                   f'collectors = ["push"]\n')
            os.makedirs(os.path.join(tmp, "a"))
            ex = h.Exporter(os.path.join(tmp, "a"), cfg)
            try:
                fill(ex)
                ours = measure(ex.process.proc.pid, lambda: h.find(
                    ex.metrics(), "plugin_exporter_remote_write_samples_total",
                    remote_name="bench")[0])
            finally:
                ex.stop()
            # 2. Prometheus agent scraping a plugin_exporter without remote write.
            os.makedirs(os.path.join(tmp, "b"))
            cfg_b = cfg.split("[[remote_write]]")[0]
            ex = h.Exporter(os.path.join(tmp, "b"), cfg_b)
            agent_dir = os.path.join(tmp, "agent")
            os.makedirs(agent_dir)
            port = h.free_port()
            with open(os.path.join(agent_dir, "agent.yml"), "w") as f:
                f.write(f"global:\n  scrape_interval: {INTERVAL}s\n  scrape_timeout: 10s\n"
                        f"scrape_configs:\n  - job_name: pe\n    params: {{collector: [push]}}\n"
                        f"    static_configs:\n      - targets: ['127.0.0.1:{ex.port}']\n"
                        f"remote_write:\n  - url: {write_url}\n")
            agent = h.Process(["prometheus", "--enable-feature=agent",
                               f"--config.file={os.path.join(agent_dir, 'agent.yml')}",
                               f"--storage.agent.path={os.path.join(agent_dir, 'data')}",
                               f"--web.listen-address=127.0.0.1:{port}"],
                              log_path=os.path.join(agent_dir, "agent.log"))
            try:
                h.wait_for(lambda: h.get(f"http://127.0.0.1:{port}/-/ready").status == 200, 60,
                           what="agent ready")
                fill(ex)
                theirs = measure(agent.proc.pid, lambda: sum(h.find(
                    h.get(f"http://127.0.0.1:{port}/metrics").text,
                    "prometheus_remote_storage_samples_total")))
            finally:
                agent.stop()
                ex.stop()
        finally:
            receiver.stop()
    print(f"remote write, {SERIES} series every {INTERVAL}s, {WINDOW}s window:")
    print(f"  plugin_exporter: {ours[0]:9.0f} samples/s  {ours[1]:10.0f} samples/CPU-s  RSS {ours[2]:6.1f} MiB"
          " (collect + remote write, whole process)")
    print(f"  prometheus agent: {theirs[0]:8.0f} samples/s  {theirs[1]:10.0f} samples/CPU-s  RSS {theirs[2]:6.1f} MiB"
          " (scrape + WAL + remote write; the exporter it scrapes not counted)")
    print(f"  ratio: {ours[1] / max(theirs[1], 1e-9):.2f}x samples per CPU-second, "
          f"{ours[2] / max(theirs[2], 1e-9):.2f}x RSS")


if __name__ == "__main__":
    main()
