"""serving_bench.py BUILD_DIR — the figures of the event-driven serving core
(issue 12), each against the landed thread-per-connection Poco server
(commit 0a759ba, built by build_landed.sh; PE_LANDED_DIR) in the same run:

  1. cached /metrics: a ~190 KB exposition served by nginx as a static file,
     by us and by the landed server (script collector, mode = "cached",
     min_interval = "1h", running `cat body.prom`: every scrape serves the
     kept result; the host still serializes it per scrape, as it does for
     any cached collector), wrk -t2 -c16; 1b. the same over TLS (ours,
     before and nginx with the same certificate, TLS 1.3);
  2. 10,000 idle TCP connections + 200 slowloris clients, then the latency
     of legitimate /metrics requests (hello collector); the RSS growth per
     idle connection, plain and TLS (ours and before);
  3. 1,000 concurrent scrapes of a script that sleeps 1 s (the script and
     the run counter of bench/script/burst_bench.py): runs and answers;
  4. pushes/s of a 100-series body, 16 clients (bench/push's wrk script).

Default [web] settings everywhere (the RSS figures raise header_timeout,
see rss_per_connection). Medians of BENCH_RUNS (default 3) runs of
BENCH_SECONDS (default 10) where a rate is measured. Run by run.sh.
PE_BEFORE_DIR (optional): an earlier build of ours, measured beside ours
("before") in every section that compares builds. BENCH_SECTIONS (optional):
a comma-separated subset of cached, cached_tls, flood, rss, burst, push
(no summary).
"""
import contextlib
import http.client
import os
import re
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../push"))
sys.path.insert(0, os.path.join(HERE, "../script"))

import harness as h  # noqa: E402
import bench_push  # noqa: E402  (its wrk driver and config for pushes)
import burst_bench  # noqa: E402  (its counting script and run counter)
import flood  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
IDLE = int(os.environ.get("BENCH_IDLE", "10000"))
SLOWLORIS = int(os.environ.get("BENCH_SLOWLORIS", "200"))
LEGIT = int(os.environ.get("BENCH_LEGIT", "400"))
BURST = int(os.environ.get("BENCH_BURST", "1000"))
LANDED = os.environ.get("PE_LANDED_DIR", "")
# Optional: an earlier build of ours (e.g. the commit before a change), run
# beside the others so a change is measured before/after in the same run.
BEFORE = os.environ.get("PE_BEFORE_DIR", "")
HELLO = '[[collector]]\nname = "hello"\nplugin = "hello"\n'


class Server:
    """Ours or the landed build, started with a config in its own temp dir."""

    def __init__(self, name, build, tmp, config):
        self.name = name
        d = tempfile.mkdtemp(prefix=f"{name}-", dir=tmp)
        self.ex = h.Exporter(d, config, binary=os.path.join(build, "plugin_exporter"),
                             plugin_dir=os.path.join(build, "plugins"))
        self.port, self.base, self.pid = self.ex.port, self.ex.base, self.ex.process.proc.pid

    def stop(self):
        self.ex.stop()


def builds():
    out = [("ours", h.BUILD_DIR)]
    if BEFORE:
        out.append(("before", BEFORE))
    if LANDED:
        out.append(("landed", LANDED))
    return out


def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def fmt_ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "n/a"


# --- 1. cached /metrics --------------------------------------------------

def exposition_body(target=185_000):
    """A deterministic exposition of about `target` bytes: counters, gauges
    and histograms with the label sets of a typical service."""
    out, f = [], 0
    handlers = ["/", "/api/v1/query", "/api/v1/series", "/api/v1/labels", "/static", "/healthz"]
    while sum(len(x) for x in out) < target:
        kind = ("counter", "gauge", "histogram")[f % 3]
        name = f"app_subsystem{f % 7}_operation{f}_" + ("total" if kind == "counter" else
                                                         "seconds" if kind == "histogram" else
                                                         "bytes")
        out.append(f"# HELP {name} Operation {f} of subsystem {f % 7}.\n# TYPE {name} {kind}\n")
        for s in range(12 if kind != "histogram" else 3):
            labels = (f'handler="{handlers[s % len(handlers)]}",method="{("GET", "POST")[s // 6 % 2]}",'
                      f'code="{(200, 404, 500)[(s + f) % 3]}"')
            if kind == "histogram":
                cum = 0
                for i, le in enumerate(("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1",
                                        "2.5", "5", "+Inf")):
                    cum += (f * 7 + s * 3 + i) % 50
                    out.append(f'{name}_bucket{{{labels},le="{le}"}} {cum}\n')
                out.append(f"{name}_sum{{{labels}}} {cum * 0.037:.3f}\n{name}_count{{{labels}}} {cum}\n")
            else:
                out.append(f"{name}{{{labels}}} {(f * 1009 + s * 7919) % 100000}\n")
        f += 1
    return "".join(out)


class Nginx:
    """nginx serving one static file on 127.0.0.1:free port, no daemon,
    access log off, its config and runtime files in `d`."""

    def __init__(self, d, body_path, tls=None):
        self.port = h.free_port()
        listen = f"127.0.0.1:{self.port}" + (
            f" ssl;\n    ssl_certificate {tls[0]};\n    ssl_certificate_key {tls[1]}" if tls else "")
        os.makedirs(os.path.join(d, "logs"), exist_ok=True)
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""daemon off;
worker_processes auto;
pid {d}/nginx.pid;
error_log {d}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  default_type text/plain;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path {d}/cb; proxy_temp_path {d}/px; fastcgi_temp_path {d}/fc;
  uwsgi_temp_path {d}/uw; scgi_temp_path {d}/sc;
  server {{
    listen {listen};
    location = /metrics {{ alias {body_path}; }}
  }}
}}
""")
        self.process = h.Process(["nginx", "-p", d, "-c", conf, "-e", f"{d}/logs/error.log"],
                                 log_path=os.path.join(d, "nginx.out"))
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        try:
            h.wait_for(lambda: h.port_open("127.0.0.1", self.port) if tls else
                       h.get(self.base + "/metrics").status == 200, 20, what="nginx")
        except TimeoutError:
            self.process.stop()
            raise RuntimeError("nginx did not serve the file:\n" + self.process.log() +
                               open(f"{d}/logs/error.log").read())

    def stop(self):
        self.process.stop()


def wrk_rate(url, seconds):
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "10s", url],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    err = re.search(r"Socket errors: (.*)", out)
    if not m or bad:
        raise RuntimeError(f"wrk against {url} failed:\n{out}")
    return float(m.group(1)), (err.group(1) if err else "")


def cached_metrics(tmp, tls=False):
    """Section 1 (and, with tls, 1b: the same over a TLS listener of each
    build and nginx with the same certificate; the landed build is left out)."""
    body = os.path.join(tmp, "body.prom")
    with open(body, "w") as f:
        f.write(exposition_body())
    config = (f'[[collector]]\nname = "cached"\nplugin = "script"\n[collector.config]\n'
              f'command = ["/bin/cat", "{body}"]\nmode = "cached"\nmin_interval = "1h"\n')
    tls_ports, pair = {}, None
    if tls:
        from pki import make_pki  # noqa: PLC0415 — tests/integration
        pair = make_pki(os.path.join(tmp, "pki-cached"))["server"]
    servers = {}
    try:
        for name, build in builds():
            if tls and name == "landed":
                continue
            extra = ""
            if tls:
                tls_ports[name] = h.free_port()
                extra = (f'[[web.listener]]\naddress = "127.0.0.1:{tls_ports[name]}"\n'
                         f'[web.listener.tls]\ncert_file = "{pair[0]}"\nkey_file = "{pair[1]}"\n')
            servers[name] = Server(name, build, tmp, config + extra)
        ours_body = h.get(servers["ours"].base + "/metrics").body
        # nginx serves a snapshot of our very response, byte for byte.
        ndir = tempfile.mkdtemp(prefix="nginx-", dir=tmp)
        os.chmod(tmp, 0o755)  # nginx workers run as nobody
        os.chmod(ndir, 0o755)
        snap = os.path.join(ndir, "metrics.prom")
        with open(snap, "wb") as f:
            f.write(ours_body)
        os.chmod(snap, 0o644)
        servers["nginx"] = Nginx(ndir, snap, pair)
        sizes = {n: len(h.get(s.base + "/metrics").body) for n, s in servers.items()
                 if not (tls and n == "nginx")}
        print(f"== 1{'b' if tls else ''}. cached /metrics{' over TLS' if tls else ''}: wrk -t2 -c16, "
              f"{SECONDS}s per run, median of {RUNS} runs (servers interleaved); body bytes: "
              + ", ".join(f"{n} {b}" for n, b in sizes.items()))
        urls = {n: (f"https://127.0.0.1:{tls_ports[n]}" if tls and n in tls_ports else s.base)
                + "/metrics" for n, s in servers.items()}
        if not tls:  # for information: our server without a collect (the HTTP layer's ceiling)
            urls["ours /healthz"] = servers["ours"].base + "/healthz"
        rates = {n: [] for n in urls}
        for _ in range(RUNS):
            for n, url in urls.items():
                rate, errors = wrk_rate(url, SECONDS)
                rates[n].append(rate)
                if errors:
                    print(f"   {n}: socket errors {errors}")
        med = {n: statistics.median(r) for n, r in rates.items()}
        for n in urls:
            print(f"   {n:13} {med[n]:9.0f} req/s   runs {[round(x) for x in rates[n]]}")
        print(f"   ours/nginx {fmt_ratio(med['ours'], med['nginx'])}" + ("" if tls else " (target >= 0.50)")
              + ("" if tls else f"   ours/landed {fmt_ratio(med['ours'], med.get('landed'))}")
              + (f"   before/nginx {fmt_ratio(med['before'], med['nginx'])}"
                 f"   ours/before {fmt_ratio(med['ours'], med['before'])}" if BEFORE else ""))
        return med
    finally:
        for s in servers.values():
            s.stop()


# --- 2. idle flood + slowloris; RSS per idle connection ------------------

def legit_requests(port, n, spacing_s=0.03, budget_s=60.0, timeout_s=5.0):
    """n sequential GET /metrics, each on a new connection, one every
    spacing_s; returns (latencies of the answered ones, failures by kind,
    how many were not attempted within budget_s)."""
    lat, failures = [], {}
    deadline = time.monotonic() + budget_s
    for i in range(n):
        if time.monotonic() > deadline:
            return lat, failures, n - i
        t0 = time.monotonic()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
        try:
            c.request("GET", "/metrics")
            r = c.getresponse()
            body = r.read()
            if r.status == 200 and b"hello_info" in body:
                lat.append(time.monotonic() - t0)
            else:
                failures[f"status {r.status}"] = failures.get(f"status {r.status}", 0) + 1
        except Exception as e:  # noqa: BLE001 — counted by kind
            kind = type(e).__name__
            failures[kind] = failures.get(kind, 0) + 1
        finally:
            c.close()
        time.sleep(max(0.0, spacing_s - (time.monotonic() - t0)))
    return lat, failures, 0


def percentile(values, p):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def flood_latency(tmp):
    print(f"== 2. {IDLE} idle connections + {SLOWLORIS} slowloris clients (a header byte every 2 s), "
          f"then {LEGIT} sequential GET /metrics (hello; new connection each, every 30 ms, "
          f"5 s timeout, 60 s budget); default [web]")
    results = {}
    for name, build in builds():
        s = Server(name, build, tmp, HELLO)
        f = None
        try:
            h.get(s.base + "/metrics")
            f = flood.Flood(s.port, IDLE, SLOWLORIS)
            t0 = time.monotonic()
            all_up = f.wait_ready(30)
            opened_s = time.monotonic() - t0
            st = f.stats()
            lat, failures, skipped = legit_requests(s.port, LEGIT)
            end = f.stats()
            answered = len(lat)
            p50, p99 = percentile(lat, 50), percentile(lat, 99)
            results[name] = (answered, p50, p99)
            print(f"   {name:8} flood up: {st['idle_up']} idle + {st['slow_up']} slowloris "
                  f"({'all' if all_up else 'NOT all'} opened, {opened_s:.1f}s); during the requests "
                  f"the server closed {end['idle_closed'] - st['idle_closed']} idle and "
                  f"{end['slow_closed'] - st['slow_closed']} slowloris connections, "
                  f"{end['connect_failed'] - st['connect_failed']} connects failed")
            print(f"   {name:8} answered {answered}/{LEGIT}"
                  + (f", p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {max(lat) * 1000:.1f} ms"
                     if lat else "")
                  + (f"; failures {failures}" if failures else "")
                  + (f"; {skipped} not attempted (60 s budget spent)" if skipped else ""))
            if name == "ours":
                text = h.get(s.base + "/metrics", timeout=10).text
                reasons = {r: v for (n, lbl), v in h.samples(text).items()
                           if n == "plugin_exporter_http_connections_rejected_total"
                           for k, r in lbl if k == "reason" and v}
                print(f"   ours     rejected_total by reason: {reasons}")
        finally:
            if f:
                f.stop()
            s.stop()
    return results


def wait_fds(pid, want, timeout):
    with contextlib.suppress(TimeoutError):
        h.wait_for(lambda: flood.fd_count(pid) >= want, timeout, interval=0.2)
    return flood.fd_count(pid)


def rss_per_connection(tmp):
    """VmRSS growth of ours per idle connection, plain and TLS (after the
    handshake). header_timeout is raised to 600s so that none is closed
    while they are counted; nothing else differs from the defaults."""
    from pki import make_pki  # noqa: PLC0415 — tests/integration
    paths = make_pki(os.path.join(tmp, "pki"))
    out = {}
    for (name, build), kind in [(b, k) for b in builds() if b[0] != "landed"
                                for k in ("plain", "tls")]:
        tls_port = h.free_port()
        config = '[web]\nheader_timeout = "600s"\n' + HELLO
        if kind == "tls":
            cert, key = paths["server"]
            config += (f'[[web.listener]]\naddress = "127.0.0.1:{tls_port}"\n[web.listener.tls]\n'
                       f'cert_file = "{cert}"\nkey_file = "{key}"\n')
        s = Server(f"{name}-rss-{kind}", build, tmp, config)
        attack = None
        try:
            h.get(s.base + "/metrics")
            time.sleep(1)
            fds0, rss0 = flood.fd_count(s.pid), rss(s.pid)
            t0 = time.monotonic()
            if kind == "plain":
                attack = flood.Flood(s.port, IDLE, 0)
            else:
                attack = flood.TlsIdle(tls_port, IDLE, paths["ca"][0])
            attack.wait_ready(180)
            held = wait_fds(s.pid, fds0 + IDLE, 20) - fds0
            time.sleep(2)
            grown = rss(s.pid) - rss0
            out[kind if name == "ours" else f"{name} {kind}"] = grown / max(held, 1)
            print(f"   {name} {kind:5}: {held} connections held ({time.monotonic() - t0:.1f}s to open), "
                  f"VmRSS {rss0 / 2**20:.1f} -> {(rss0 + grown) / 2**20:.1f} MiB: "
                  f"{grown / max(held, 1) / 1024:.2f} KiB per connection (target <= {4 if kind == 'plain' else 40} KiB)")
        finally:
            if attack:
                attack.stop()
            s.stop()
    return out


# --- 3. 1,000 concurrent scrapes of a 1 s script -------------------------

def burst_once(port, n, path, deadline_s=90):
    """Opens n connections (one source address each), then sends one GET on
    each at once and reads every answer; returns (answered 200 with the
    script's output, seconds from the sends to the last answer, not opened)."""
    sel = selectors.DefaultSelector()
    socks, not_opened = [], 0
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.bind((f"127.1.{i // 250}.{1 + i % 250}", 0))
            s.connect(("127.0.0.1", port))
        except OSError:
            s.close()
            not_opened += 1
            continue
        socks.append(s)
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").encode()
    data = {}
    t0 = time.monotonic()
    for s in socks:
        try:
            s.sendall(request)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
            data[s] = b""
        except OSError:
            s.close()
    last = t0
    try:
        while sel.get_map() and time.monotonic() - t0 < deadline_s:
            for key, _ in sel.select(timeout=0.5):
                try:
                    chunk = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = b""
                if chunk:
                    data[key.fileobj] += chunk
                else:
                    sel.unregister(key.fileobj)
                    last = time.monotonic()
    finally:
        for s in socks:
            s.close()
    answered = sum(1 for b in data.values() if b.startswith(b"HTTP/1.1 200") and b"bench_value" in b)
    return answered, last - t0, not_opened


def burst_scrapes(tmp):
    script = os.path.join(tmp, "burst.sh")
    with open(script, "w") as f:
        f.write(burst_bench.SCRIPT)
    os.chmod(script, 0o755)
    print(f"== 3. {BURST} concurrent scrapes (one source address each) of a script that sleeps 1 s; "
          f"default config; one burst, answers awaited at most 90 s")
    results = {}
    for name, build in builds():
        runs = os.path.join(tmp, f"runs-{name}")
        config = (f'[[collector]]\nname = "burst"\nplugin = "script"\n[collector.config]\n'
                  f'command = ["{script}"]\nenvironment = {{ RUNS = "{runs}", SLEEP = "1" }}\n')
        s = Server(name, build, tmp, config)
        try:
            answered, seconds, not_opened = burst_once(s.port, BURST, "/metrics?collector=burst")
            ran = burst_bench.count(runs)
            results[name] = (ran, answered)
            print(f"   {name:8} runs {ran}, answered {answered}/{BURST} in {seconds:.2f}s"
                  + (f" ({not_opened} connections not opened)" if not_opened else ""))
        finally:
            s.stop()
    return results


# --- 4. pushes/s ----------------------------------------------------------

def pushes(tmp):
    print(f"== 4. pushes/s, 100-series body, 16 clients (bench/push/put_100_series.lua), "
          f"durability none, {SECONDS}s per run, median of {RUNS} (interleaved)")
    servers = {}
    try:
        for name, build in builds():
            servers[name] = Server(name, build, tmp, bench_push.exporter_config())
        rates = {n: [] for n in servers}
        for _ in range(RUNS):
            for n, s in servers.items():
                rates[n].append(bench_push.wrk(s.base))
        med = {n: statistics.median(r) for n, r in rates.items()}
        for n in servers:
            print(f"   {n:8} {med[n]:9.0f} pushes/s   runs {[round(x) for x in rates[n]]}")
        print(f"   ours/landed {fmt_ratio(med['ours'], med.get('landed'))} (target >= 1.0)"
              + (f"   before/landed {fmt_ratio(med['before'], med.get('landed'))}" if BEFORE else ""))
        return med
    finally:
        for s in servers.values():
            s.stop()


def main():
    flood.raise_nofile(IDLE + SLOWLORIS + BURST + 4096)
    if not LANDED:
        print("== the landed server baseline is skipped: " +
              os.environ.get("PE_LANDED_SKIPPED", "PE_LANDED_DIR is not set"))
    tmp = tempfile.mkdtemp(prefix="pe-bench-serving-")
    sections = [x for x in os.environ.get("BENCH_SECTIONS", "").split(",") if x]
    if sections:  # some sections only (cached, flood, rss, burst, push), no summary
        try:
            for name in sections:
                {"cached": cached_metrics, "cached_tls": lambda t: cached_metrics(t, tls=True), "flood": flood_latency, "rss": rss_per_connection,
                 "burst": burst_scrapes, "push": pushes}[name](tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return 0
    try:
        cached = cached_metrics(tmp)
        cached_tls = cached_metrics(tmp, tls=True)
        lat = flood_latency(tmp)
        mem = rss_per_connection(tmp)
        burst = burst_scrapes(tmp)
        push = pushes(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    landed = bool(LANDED)
    print("== summary (same run; baseline = the landed Poco server, 0a759ba)")
    print(f"{'figure':48} {'ours':>12} {'baseline':>16} {'ratio':>7}  target")
    print(f"{'cached /metrics req/s (16 conns) vs nginx':48} {cached['ours']:12.0f} "
          f"{cached['nginx']:16.0f} {fmt_ratio(cached['ours'], cached['nginx']):>7}  >= 0.50")
    print(f"{'ours /healthz req/s (no collect; information)':48} {cached['ours /healthz']:12.0f} "
          f"{cached['nginx']:16.0f} {fmt_ratio(cached['ours /healthz'], cached['nginx']):>7}")
    if landed:
        print(f"{'cached /metrics req/s vs landed':48} {cached['ours']:12.0f} {cached['landed']:16.0f} "
              f"{fmt_ratio(cached['ours'], cached['landed']):>7}")
    print(f"{'cached /metrics over TLS req/s vs nginx (TLS)':48} {cached_tls['ours']:12.0f} "
          f"{cached_tls['nginx']:16.0f} {fmt_ratio(cached_tls['ours'], cached_tls['nginx']):>7}")
    for name in ("ours", "landed") if landed else ("ours",):
        a, p50, p99 = lat[name]
        print(f"{'flood: ' + name + ' answered / p50 / p99 ms':48} "
              f"{f'{a}/{LEGIT}':>12} {(f'{p50 * 1000:.1f} / {p99 * 1000:.1f}' if p99 else 'none'):>16}"
              f"{'':9}" + ("p99 <= 50, all answered" if name == "ours" else ""))
    print(f"{'RSS per idle connection, plain / TLS (KiB)':48} "
          f"{mem['plain'] / 1024:6.2f} /{mem['tls'] / 1024:6.2f}{'':26}<= 4 / <= 40")
    ours_burst = "{}, {}".format(*burst["ours"])
    landed_burst = "{}, {}".format(*burst["landed"]) if landed else "n/a"
    print(f"{f'{BURST} scrapes of a 1 s script: runs, answered':48} {ours_burst:>12} "
          f"{landed_burst:>16}{'':9}1, {BURST}")
    landed_push = f"{push['landed']:.0f}" if landed else "n/a"
    print(f"{'pushes/s, 100 series, 16 clients':48} {push['ours']:12.0f} {landed_push:>16} "
          f"{fmt_ratio(push['ours'], push.get('landed')):>7}  >= 1.0")


if __name__ == "__main__":
    sys.exit(main())
