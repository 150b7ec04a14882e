#!/usr/bin/python3
"""load_bench.py — the dial-in hub under load (issue 14): one hub (this
build's plugin_exporter with [dialin], TLS on 127.0.0.1, state_dir) and the
load generator dialin_load: N simulated agents from 127.1.x.y source
addresses (50 each, under the hub's 64 connections per client), each
registering an alias and answering scrapes with a small body; a scraper
sending GET /agents/<alias>/metrics at an aggregate rate over kept-alive TLS
connections from 127.2.x.y. Measured: hub RSS per connected agent (RSS after
all registered minus RSS before the first, over N), scrape p50/p99 and the
rate sustained, hub CPU seconds per 1,000 scrapes (utime+stime from
/proc/<pid>/stat over the scrape phase), and the reconnect storm: the hub
killed with SIGKILL and started again on the same port and state_dir, the
time from the kill until every agent is registered again (the agents back
off with full jitter, 1 s to 60 s, as the real ones do).

  load_bench.py BUILD_DIR [--agents 10000] [--rate 10000] [--seconds 20]

Loopback only; every process it starts is stopped before it returns.
"""
import argparse
import hashlib
import os
import queue
import resource
import signal
import subprocess
import sys
import threading
import time

import harness as h
import pki

SECRET = "load-bench-secret-0123456789"


def hub_config(port, cert, key, state_dir):
    return f"""
state_dir = "{state_dir}"
""" + h.tls_listener_config(port, cert, key) + f"""[dialin]
sd_target = "127.0.0.1:{port}"
[[dialin.token]]
id = "load"
secret_sha256 = "{hashlib.sha256(SECRET.encode()).hexdigest()}"
aliases = ["load-*"]
"""


def raise_nofile(n=65536):
    """Thousands of sockets on each side: raise RLIMIT_NOFILE (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n if hard == resource.RLIM_INFINITY else min(n, hard)
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of the line (1-based), in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Generator:
    """dialin_load as a child: commands on its stdin, its lines in a queue."""

    def __init__(self, build, port, ca, agents, log_path):
        raise_nofile()
        self.proc = subprocess.Popen(
            [os.path.join(build, "bench", "dialin", "dialin_load"), "--port", str(port),
             "--ca", ca, "--token", f"load.{SECRET}", "--agents", str(agents)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(log_path, "wb"),
            text=True, start_new_session=True)
        self.lines = queue.Queue()
        self.last_status = ""
        self.failures = []  # why agent sessions ended before all were registered
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def wait(self, prefix, timeout):
        """The next line starting with prefix (status lines are kept aside)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no '{prefix}' from dialin_load within {timeout}s "
                                   f"(last: {self.last_status})")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line.startswith("status "):
                self.last_status = line
            if line.startswith("failures "):
                self.failures.append(line[len("failures "):])
            if line.startswith(prefix):
                return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)

    def command(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.command("quit")
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


def run(build, agents, rate, seconds, workdir, say=print):
    """Runs the whole measurement; returns the figures as a dict."""
    raise_nofile()
    files = pki.make_pki(os.path.join(workdir, "pki"))
    cert, key = files["server"]
    ca = files["ca"][0]
    port = h.free_port()
    config = os.path.join(workdir, "hub.toml")
    with open(config, "w") as f:
        f.write(hub_config(port, cert, key, os.path.join(workdir, "state")))

    def start_hub(name):
        p = h.Process([os.path.join(build, "plugin_exporter"), f"--config.file={config}",
                       f"--plugin.dir={os.path.join(build, 'plugins')}"],
                      log_path=os.path.join(workdir, f"{name}.log"))
        h.wait_for(lambda: h.port_open("127.0.0.1", port), 30, what="hub listening")
        return p

    hub = start_hub("hub")
    gen = None
    figures = {"agents": agents}
    try:
        time.sleep(1)
        rss0 = rss_bytes(hub.proc.pid)
        started = time.monotonic()
        gen = Generator(build, port, ca, agents, os.path.join(workdir, "dialin_load.log"))
        reg = gen.wait("registered", max(60, agents / 50))
        figures["connect_all_s"] = float(reg["t"]) - started
        for why in gen.failures:
            say(f"  agent sessions ended before all registered: {why}")
        gen.failures.clear()
        time.sleep(2)
        rss1 = rss_bytes(hub.proc.pid)
        figures["hub_rss_before_mib"] = rss0 / 2**20
        figures["hub_rss_connected_mib"] = rss1 / 2**20
        figures["rss_per_agent_kib"] = (rss1 - rss0) / agents / 1024
        say(f"{agents} agents registered in {figures['connect_all_s']:.1f} s; hub RSS "
            f"{rss0 / 2**20:.1f} -> {rss1 / 2**20:.1f} MiB = "
            f"{figures['rss_per_agent_kib']:.1f} KiB per agent")

        cpu0 = cpu_seconds(hub.proc.pid)
        gen.command(f"scrape {rate} {seconds}")
        s = gen.wait("scraped", seconds + 60)
        cpu1 = cpu_seconds(hub.proc.pid)
        total = int(s["ok"]) + int(s["failed"])
        figures.update(scrapes_ok=int(s["ok"]), scrapes_failed=int(s["failed"]),
                       scrape_rate=float(s["rate"]), scrape_p50_ms=float(s["p50_ms"]),
                       scrape_p99_ms=float(s["p99_ms"]), scrape_max_ms=float(s["max_ms"]),
                       hub_cpu_s=cpu1 - cpu0,
                       cpu_s_per_1000_scrapes=(cpu1 - cpu0) / total * 1000 if total else 0.0)
        say(f"scrapes: asked {rate}/s for {seconds} s, sustained {figures['scrape_rate']:.0f}/s "
            f"(ok {s['ok']}, failed {s['failed']}); p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, "
            f"max {s['max_ms']} ms; hub CPU {cpu1 - cpu0:.2f} s = "
            f"{figures['cpu_s_per_1000_scrapes']:.3f} s per 1,000 scrapes; hub RSS "
            f"{rss_bytes(hub.proc.pid) / 2**20:.1f} MiB")

        killed = time.monotonic()
        os.kill(hub.proc.pid, signal.SIGKILL)
        hub.proc.wait(10)
        hub.stop()
        gen.wait("lost", 30)
        hub = start_hub("hub-restarted")
        restarted = time.monotonic()
        reg = gen.wait("registered", 300)
        for why in gen.failures:
            say(f"  agent sessions ended during the storm: {why}")
        figures["storm_s"] = float(reg["t"]) - killed
        figures["storm_after_restart_s"] = float(reg["t"]) - restarted
        figures["hub_restart_s"] = restarted - killed
        say(f"reconnect storm: hub killed (SIGKILL) and listening again after "
            f"{figures['hub_restart_s']:.1f} s; all {agents} agents registered again "
            f"{figures['storm_s']:.1f} s after the kill "
            f"({figures['storm_after_restart_s']:.1f} s after the restart); last generator "
            f"status: {gen.last_status}")
    finally:
        if gen:
            gen.stop()
        hub.stop()
    return figures


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("build")
    p.add_argument("--agents", type=int, default=int(os.environ.get("BENCH_AGENTS", 10000)))
    p.add_argument("--rate", type=float, default=float(os.environ.get("BENCH_RATE", 10000)))
    p.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", 20)))
    a = p.parse_args()
    with h.temp_dir("pe-dialin-load-") as d:
        f = run(os.path.abspath(a.build), a.agents, a.rate, a.seconds, d)
    print("figures: " + " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                 for k, v in f.items()))


if __name__ == "__main__":
    sys.exit(main())
