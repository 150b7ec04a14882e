"""test_remote_write.py — remote write to the real Prometheus 2.42
(--web.enable-remote-write-receiver) and to a small scripted receiver.

- Pushed series arrive exactly (values, labels, external labels), queried
  back over Prometheus's HTTP API; /metrics stays promtool-clean.
- A deleted push group goes stale in Prometheus (no value after the marker).
- Prometheus stopped for ~60 s and started again: every round of the outage
  arrives (raw samples without a gap); and with the exporter killed -9 during
  the outage and restarted (durable queue under state_dir): still nothing
  queued is lost.
- A 400 is never retried; a 429 with Retry-After is retried after it.
- protocol = "2.0": a 2.0 receiver gets io.prometheus.write.v2.Request bodies
  (decoded here with python3-snappy and protoc from our schema: symbol table,
  metadata); a 415 or a 1.0-only receiver (Prometheus 2.42 itself) makes the
  sender fall back to 1.0 without losing the batch.
"""
import http.server
import json
import os
import re
import signal
import ssl
import subprocess
import threading
import time
import unittest
import urllib.parse

import harness as h

SCHEMA_DIR = os.path.join(h.SOURCE_DIR, "host", "remote_write")


def decode_body(body, version):
    """A request body as protoc's text format, with our own schema files."""
    import snappy  # python3-snappy (Debian)
    message, schema = (("io.prometheus.write.v2.Request", "remote_write_v2.proto") if version == 2
                       else ("prometheus.WriteRequest", "remote_write.proto"))
    r = subprocess.run(["protoc", f"--decode={message}", f"-I{SCHEMA_DIR}", schema],
                       input=snappy.uncompress(body), capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode()


def v2_series(text):
    """[(labels dict, metadata dict)] of a decoded 2.0 request."""
    symbols = [bytes(m, "utf-8").decode("unicode_escape")
               for m in re.findall(r'^symbols: "(.*)"$', text, re.M)]
    out = []
    for block in text.split("timeseries {")[1:]:
        refs = [int(x) for x in re.findall(r"labels_refs: (\d+)", block)]
        labels = {symbols[refs[i]]: symbols[refs[i + 1]] for i in range(0, len(refs), 2)}
        meta = {}
        if m := re.search(r"type: (\w+)", block):
            meta["type"] = m.group(1)
        if m := re.search(r"help_ref: (\d+)", block):
            meta["help"] = symbols[int(m.group(1))]
        out.append((labels, meta))
    return symbols, out

INTERVAL = 1.0


class PrometheusReceiver:
    """Prometheus as a remote write receiver; restartable on the same port and data."""

    def __init__(self, tmpdir):
        self.port = h.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.dir = os.path.join(tmpdir, "prometheus")
        os.makedirs(self.dir, exist_ok=True)
        self.config = os.path.join(self.dir, "prometheus.yml")
        with open(self.config, "w") as f:
            f.write("global:\n  scrape_interval: 15s\n")
        self.process = None
        self.runs = 0
        self.start()

    def start(self):
        self.runs += 1
        self.process = h.Process(
            ["prometheus", f"--config.file={self.config}",
             f"--storage.tsdb.path={os.path.join(self.dir, 'data')}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--web.enable-remote-write-receiver"],
            log_path=os.path.join(self.dir, f"prometheus-{self.runs}.log"))
        h.wait_for(lambda: h.get(self.base + "/-/ready").status == 200, 60, what="prometheus ready")

    def stop(self):
        return self.process.stop()

    def api(self, path, **params):
        r = h.get(self.base + path + "?" + urllib.parse.urlencode(params))
        data = json.loads(r.body)
        if data.get("status") != "success":
            raise AssertionError(f"{path} {params} failed: {data}")
        return data["data"]["result"]

    def query(self, expr):
        return self.api("/api/v1/query", query=expr)

    def raw(self, selector, seconds):
        """Raw samples [(t, value)] of the single series `selector` over the last `seconds`."""
        result = self.query(f"{selector}[{int(seconds)}s]")
        if not result:
            return []
        assert len(result) == 1, result
        return [(float(t), v) for t, v in result[0]["values"]]


def exporter_config(url, state_dir=None, extra=""):
    head = f'state_dir = "{state_dir}"\n' if state_dir else ""
    return head + f"""[[collector]]
name = "push"
plugin = "push"

[[remote_write]]
name = "prom"
url = "{url}"
interval = "{int(INTERVAL * 1000)}ms"
min_backoff = "50ms"
max_backoff = "500ms"
external_labels = {{ cluster = "c1", job = "overridden-never" }}
{extra}"""


def push(exporter, group_path, body):
    r = h.http("PUT", exporter.url("/metrics/job/" + group_path), body=body.encode())
    assert r.status in (200, 202), (r.status, r.body)


def assert_no_gap(test, points, start, end, what):
    """Samples every INTERVAL between start and end (no round missing)."""
    ts = [t for t, _ in points if start <= t <= end]
    test.assertTrue(ts, f"{what}: no samples between {start} and {end}")
    test.assertLess(ts[0] - start, 2.5 * INTERVAL, f"{what}: first sample late")
    test.assertLess(end - ts[-1], 2.5 * INTERVAL, f"{what}: last sample early")
    gaps = [(a, b) for a, b in zip(ts, ts[1:]) if b - a > 1.8 * INTERVAL]
    test.assertEqual(gaps, [], f"{what}: rounds missing")


class RemoteWriteToPrometheus(unittest.TestCase):
    def test_series_arrive_exactly_and_deleted_groups_go_stale(self):
        with h.temp_dir() as tmp:
            prom = PrometheusReceiver(tmp)
            try:
                ex = h.Exporter(tmp, exporter_config(prom.base + "/api/v1/write",
                                                     extra='collectors = ["push", "plugin_exporter"]\n'))
                try:
                    push(ex, "batch/instance/i1",
                         "# HELP rw_value v.\n# TYPE rw_value gauge\nrw_value{kind=\"pi\"} 3.14159\n"
                         "rw_value{kind=\"tiny\"} -5e-07\n"
                         "# HELP rw_runs_total r.\n# TYPE rw_runs_total counter\nrw_runs_total 123456789\n")
                    push(ex, "other", "# HELP rw_other o.\n# TYPE rw_other gauge\nrw_other 1\n")
                    got = h.wait_for(lambda: len(prom.query("rw_value")) == 2 and prom.query("rw_value"),
                                     30, what="rw_value in Prometheus")
                    by_kind = {r["metric"]["kind"]: r for r in got}
                    self.assertEqual(by_kind["pi"]["value"][1], "3.14159")
                    self.assertEqual(by_kind["tiny"]["value"][1], "-5e-07")
                    self.assertEqual(by_kind["pi"]["metric"],
                                     {"__name__": "rw_value", "kind": "pi", "job": "batch",
                                      "instance": "i1", "cluster": "c1"})
                    runs = prom.query("rw_runs_total")
                    self.assertEqual(runs[0]["value"][1], "123456789")
                    # Self-metrics were selected: they arrive too, with the external label.
                    up = h.wait_for(lambda: prom.query('plugin_exporter_collector_success{collector="push"}'),
                                    30, what="self-metrics in Prometheus")
                    self.assertEqual(up[0]["metric"]["cluster"], "c1")

                    # The group is deleted: its series get a staleness marker,
                    # so an instant query finds nothing (within the 5m lookback).
                    r = h.http("DELETE", ex.url("/metrics/job/batch/instance/i1"))
                    self.assertIn(r.status, (200, 202))
                    h.wait_for(lambda: prom.query("rw_value") == [], 30, what="rw_value stale")
                    self.assertEqual(prom.query("rw_runs_total"), [])
                    self.assertEqual(len(prom.query("rw_other")), 1)  # the other group stays

                    text = ex.metrics()
                    code, out = h.promtool_check(text)
                    self.assertEqual(code, 0, out)
                    self.assertGreater(h.find(text, "plugin_exporter_remote_write_samples_total",
                                              remote_name="prom")[0], 0)
                    self.assertGreaterEqual(h.find(text, "plugin_exporter_remote_write_stale_markers_total",
                                                   remote_name="prom")[0], 3)
                    self.assertEqual(h.find(text, "plugin_exporter_remote_write_samples_failed_total",
                                            remote_name="prom")[0], 0)
                finally:
                    ex.stop()
                log = prom.process.log()
                for problem in ("out of order", "Error on ingesting", "duplicate sample"):
                    self.assertNotIn(problem, log)
            finally:
                prom.stop()

    def outage(self, kill_exporter):
        with h.temp_dir() as tmp:
            state = os.path.join(tmp, "state")
            prom = PrometheusReceiver(tmp)
            ex = None
            try:
                cfg = exporter_config(prom.base + "/api/v1/write", state_dir=state)
                ex = h.Exporter(tmp, cfg)
                push(ex, "outage", "# HELP rw_alive a.\n# TYPE rw_alive gauge\nrw_alive 1\n")
                t_pushed = time.time()
                h.wait_for(lambda: prom.query("rw_alive"), 30, what="rw_alive before the outage")
                prom.stop()
                t_down = time.time()
                kill_at = t_down + 30
                if kill_exporter:
                    time.sleep(kill_at - time.time())
                    ex.process.send_signal(signal.SIGKILL)
                    ex.process.proc.wait(10)
                    t_killed = time.time()
                    ex.stop()
                    queued = [f for f in os.listdir(os.path.join(state, "remote_write", "prom"))
                              if f.endswith(".batch")]
                    self.assertGreater(len(queued), 20)  # the outage so far, on disk
                    ex = h.Exporter(tmp, cfg)  # same state_dir: queue and push group resume
                    t_restarted = time.time()
                time.sleep(max(0.0, t_down + 60 - time.time()))
                prom.start()
                t_up = time.time()
                # Everything queued arrives, then the live rounds continue.
                h.wait_for(lambda: h.find(ex.metrics(), "plugin_exporter_remote_write_queue_bytes",
                                          remote_name="prom") == [0.0], 60, what="queue drained")
                points = prom.raw("rw_alive", time.time() - t_down + 30)
                if kill_exporter:
                    assert_no_gap(self, points, t_pushed, t_killed - 1.5 * INTERVAL,
                                  "before the kill")
                    assert_no_gap(self, points, t_restarted + 1.5 * INTERVAL, t_up,
                                  "after the restart")
                else:
                    assert_no_gap(self, points, t_pushed, t_up, "across the outage")
                self.assertTrue(all(v == "1" for _, v in points))
                text = ex.metrics()
                self.assertGreater(h.find(text, "plugin_exporter_remote_write_samples_retried_total",
                                          remote_name="prom")[0], 0)
                self.assertEqual(h.find(text, "plugin_exporter_remote_write_samples_dropped_total",
                                        remote_name="prom", reason="queue_full"), [])
            finally:
                if ex:
                    ex.stop()
                prom.stop()

    def test_receiver_outage_loses_nothing(self):
        self.outage(kill_exporter=False)

    def test_exporter_killed_during_the_outage_loses_nothing(self):
        self.outage(kill_exporter=True)


class ScriptedReceiver:
    """A small HTTP receiver on loopback answering from a script of (status, headers)."""

    def __init__(self, answers, default=(200, {}), tls=None):
        self.requests = []  # (time, headers, body)
        self.answers = list(answers)
        self.default = default
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.requests.append((time.time(), dict(self.headers), body))
                status, headers = owner.answers.pop(0) if owner.answers else owner.default
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}/api/v1/write"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class RemoteWriteVersion2(unittest.TestCase):
    BODY = "# HELP rw_x The x.\n# TYPE rw_x gauge\nrw_x{k=\"a\"} 1\nrw_x{k=\"b\"} 2\n"

    def run_against(self, receiver, seconds, extra='protocol = "2.0"\n'):
        with h.temp_dir() as tmp:
            ex = h.Exporter(tmp, exporter_config(receiver.url, extra=extra))
            try:
                push(ex, "r", self.BODY)
                h.wait_for(lambda: len(receiver.requests) >= 2, 30, what="two requests")
                time.sleep(seconds)
                return ex.metrics(), ex.process.log()
            finally:
                ex.stop()

    def test_a_2_0_receiver_gets_symbols_and_metadata(self):
        receiver = ScriptedReceiver([], default=(204, {"X-Prometheus-Remote-Write-Samples-Written": "2"}))
        try:
            text, _ = self.run_against(receiver, 0)
        finally:
            receiver.stop()
        _, headers, _ = receiver.requests[0]
        self.assertEqual(headers["Content-Type"], "application/x-protobuf;proto=io.prometheus.write.v2.Request")
        self.assertEqual(headers["X-Prometheus-Remote-Write-Version"], "2.0.0")
        self.assertEqual(headers["Content-Encoding"], "snappy")
        decoded = [v2_series(decode_body(b, 2)) for _, _, b in receiver.requests]
        symbols, series = next(d for d in decoded if any(lb["__name__"] == "rw_x" for lb, _ in d[1]))
        self.assertEqual(symbols[0], "")
        self.assertEqual(len(symbols), len(set(symbols)))  # each string once
        by_k = {labels.get("k"): (labels, meta) for labels, meta in series if labels["__name__"] == "rw_x"}
        self.assertEqual(by_k["a"][0], {"__name__": "rw_x", "k": "a", "job": "r", "cluster": "c1"})
        self.assertEqual(by_k["a"][1], {"type": "METRIC_TYPE_GAUGE", "help": "The x."})
        self.assertEqual(h.find(text, "plugin_exporter_remote_write_protocol_version", remote_name="prom"), [2.0])
        self.assertEqual(h.find(text, "plugin_exporter_remote_write_protocol_fallbacks_total",
                                remote_name="prom"), [0.0])

    def test_415_falls_back_to_1_0_and_resends_the_batch(self):
        receiver = ScriptedReceiver([(415, {})], default=(204, {}))
        try:
            text, log = self.run_against(receiver, 0)
        finally:
            receiver.stop()
        (_, h0, b0), (_, h1, b1) = receiver.requests[0], receiver.requests[1]
        self.assertEqual(h0["X-Prometheus-Remote-Write-Version"], "2.0.0")
        self.assertEqual(h1["X-Prometheus-Remote-Write-Version"], "0.1.0")
        self.assertEqual(h1["Content-Type"], "application/x-protobuf")
        # The same samples, now as 1.0.
        _, v2 = v2_series(decode_body(b0, 2))
        v1 = decode_body(b1, 1)
        for labels, _ in v2:
            for value in labels.values():
                self.assertIn(f'value: "{value}"', v1)
        self.assertEqual(v1.count("timeseries {"), len(v2))
        for _, hd, _ in receiver.requests[1:]:
            self.assertEqual(hd["X-Prometheus-Remote-Write-Version"], "0.1.0")
        self.assertIn("speaks remote write 1.0 only", log)
        self.assertEqual(h.find(text, "plugin_exporter_remote_write_protocol_version", remote_name="prom"), [1.0])
        self.assertEqual(h.find(text, "plugin_exporter_remote_write_protocol_fallbacks_total",
                                remote_name="prom"), [1.0])
        self.assertEqual(h.find(text, "plugin_exporter_remote_write_failed_requests_total",
                                remote_name="prom", code="415"), [1.0])

    def test_prometheus_2_42_with_protocol_2_0_receives_everything(self):
        # Prometheus 2.42 predates 2.0: it ignores the content type and reads
        # a 2.0 body as an empty 1.0 request (204). The missing samples-written
        # header gives it away; nothing is lost.
        with h.temp_dir() as tmp:
            prom = PrometheusReceiver(tmp)
            try:
                ex = h.Exporter(tmp, exporter_config(prom.base + "/api/v1/write", extra='protocol = "2.0"\n'))
                try:
                    push(ex, "v2test", self.BODY)
                    got = h.wait_for(lambda: len(prom.query("rw_x")) == 2 and prom.query("rw_x"), 30,
                                     what="rw_x in Prometheus")
                    self.assertEqual(sorted(r["value"][1] for r in got), ["1", "2"])
                    log = ex.process.log()
                    self.assertIn("no X-Prometheus-Remote-Write-Samples-Written header", log)
                    self.assertEqual(h.find(ex.metrics(), "plugin_exporter_remote_write_protocol_version",
                                            remote_name="prom"), [1.0])
                    self.assertEqual(h.find(ex.metrics(), "plugin_exporter_remote_write_samples_dropped_total",
                                            remote_name="prom"), [])
                finally:
                    ex.stop()
            finally:
                prom.stop()


class RemoteWriteRetries(unittest.TestCase):
    def run_against(self, receiver, seconds):
        with h.temp_dir() as tmp:
            ex = h.Exporter(tmp, exporter_config(receiver.url))
            try:
                push(ex, "r", "# TYPE rw_x gauge\nrw_x 1\n")
                time.sleep(seconds)
                return ex.metrics()
            finally:
                ex.stop()

    def test_400_is_dropped_not_retried(self):
        receiver = ScriptedReceiver([], default=(400, {}))
        try:
            text = self.run_against(receiver, 4)
        finally:
            receiver.stop()
        self.assertGreaterEqual(len(receiver.requests), 3)
        bodies = [b for _, _, b in receiver.requests]
        # Each request is a new round (its own timestamps): nothing was sent twice.
        self.assertEqual(len(bodies), len(set(bodies)))
        _, headers, _ = receiver.requests[0]
        self.assertEqual(headers["Content-Type"], "application/x-protobuf")
        self.assertEqual(headers["Content-Encoding"], "snappy")
        self.assertEqual(headers["X-Prometheus-Remote-Write-Version"], "0.1.0")
        self.assertTrue(headers["User-Agent"].startswith("plugin_exporter/"))
        self.assertEqual(h.find(text, "plugin_exporter_remote_write_samples_retried_total",
                                remote_name="prom"), [0.0])
        self.assertGreater(h.find(text, "plugin_exporter_remote_write_samples_failed_total",
                                  remote_name="prom")[0], 0)
        self.assertGreater(h.find(text, "plugin_exporter_remote_write_failed_requests_total",
                                  remote_name="prom", code="400")[0], 0)

    def test_429_retry_after_is_honoured(self):
        receiver = ScriptedReceiver([(429, {"Retry-After": "3"})])
        try:
            text = self.run_against(receiver, 6)
        finally:
            receiver.stop()
        self.assertGreaterEqual(len(receiver.requests), 2)
        (t0, _, first), (t1, _, second) = receiver.requests[0], receiver.requests[1]
        self.assertEqual(first, second)  # the same batch again ...
        self.assertGreaterEqual(t1 - t0, 2.9)  # ... not before Retry-After (max_backoff is 0.5s)
        self.assertGreater(h.find(text, "plugin_exporter_remote_write_samples_retried_total",
                                  remote_name="prom")[0], 0)
        self.assertEqual(h.find(text, "plugin_exporter_remote_write_samples_failed_total",
                                remote_name="prom"), [0.0])

    def test_reload_keeps_unchanged_sections_and_restarts_changed_ones(self):
        receiver = ScriptedReceiver([], default=(503, {}))  # everything stays queued (memory)
        try:
            with h.temp_dir() as tmp:
                ex = h.Exporter(tmp, exporter_config(receiver.url))
                try:
                    push(ex, "r", "# TYPE rw_x gauge\nrw_x 1\n")

                    def queued():
                        return h.find(ex.metrics(), "plugin_exporter_remote_write_queue_bytes",
                                      remote_name="prom")[0]
                    before = h.wait_for(lambda: queued() > 0 and queued(), 20, what="a queue")
                    ex.process.send_signal(signal.SIGHUP)  # same file: the endpoint stays
                    h.wait_for(lambda: "configuration reloaded" in ex.process.log(), 20,
                               what="first reload")
                    self.assertGreaterEqual(queued(), before)  # its memory queue too
                    self.assertEqual(ex.process.log().count("remote write: started"), 1)

                    with open(ex.config_path, "a") as f:
                        f.write('headers = { X-Tenant = "t2" }\n')
                    ex.process.send_signal(signal.SIGHUP)  # changed: restarted, queue anew
                    h.wait_for(lambda: ex.process.log().count("configuration reloaded") == 2, 20,
                               what="second reload")
                    self.assertEqual(ex.process.log().count("remote write: started"), 2)
                    h.wait_for(lambda: receiver.requests[-1][1].get("X-Tenant") == "t2", 20,
                               what="the restarted sender's requests")
                finally:
                    ex.stop()
        finally:
            receiver.stop()

    def test_unusable_queue_directory_refuses_to_start(self):
        with h.temp_dir() as tmp:
            state = os.path.join(tmp, "state")
            os.makedirs(state)
            with open(os.path.join(state, "remote_write"), "w") as f:
                f.write("a file where the queue directory should be\n")
            with self.assertRaises(RuntimeError) as ctx:
                h.Exporter(tmp, exporter_config("http://127.0.0.1:9/api/v1/write", state_dir=state))
            self.assertIn("remote_write[0]: cannot create the queue directory", str(ctx.exception))


class RemoteWriteTlsAndAuth(unittest.TestCase):
    """HTTPS receiver whose certificate names only receiver.test and which
    requires a client certificate from the same CA."""

    def run_case(self, tmp, files, section, seconds=3, env=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(files["server_cert"], files["server_key"])
        ctx.load_verify_locations(files["ca"])
        ctx.verify_mode = ssl.CERT_REQUIRED
        receiver = ScriptedReceiver([], tls=ctx)
        try:
            ex = h.Exporter(tmp, exporter_config(receiver.url, extra=section), env=env)
            try:
                push(ex, "t", "# TYPE rw_x gauge\nrw_x 1\n")
                time.sleep(seconds)
                return receiver.requests, ex.metrics()
            finally:
                ex.stop()
        finally:
            receiver.stop()

    def test_tls_server_name_client_certificate_and_auth(self):
        with h.temp_dir() as tmp:
            files = h.make_tls_files(tmp, names=("receiver.test",))
            client = (f'cert_file = "{files["client_cert"]}"\nkey_file = "{files["client_key"]}"\n')
            env = dict(os.environ, RW_TOKEN="tok-123")

            # The CA, the name the certificate carries, a client certificate, a bearer token.
            requests, text = self.run_case(
                tmp, files, 'bearer_token_env = "RW_TOKEN"\n[remote_write.tls]\n'
                f'ca_file = "{files["ca"]}"\nserver_name = "receiver.test"\n' + client, env=env)
            self.assertTrue(requests, "nothing arrived over TLS")
            self.assertEqual(requests[0][1]["Authorization"], "Bearer tok-123")
            self.assertGreater(h.find(text, "plugin_exporter_remote_write_samples_total",
                                      remote_name="prom")[0], 0)

            # Without server_name the url's host (127.0.0.1) is not in the certificate.
            requests, text = self.run_case(
                tmp, files, f'[remote_write.tls]\nca_file = "{files["ca"]}"\n' + client)
            self.assertEqual(requests, [])
            self.assertGreater(h.find(text, "plugin_exporter_remote_write_failed_requests_total",
                                      remote_name="prom", code="0")[0], 0)

            # insecure_skip_verify: no CA needed; basic auth.
            pw = os.path.join(tmp, "pw")
            with open(pw, "w") as f:
                f.write("s3cret\n")
            os.chmod(pw, 0o600)
            requests, _ = self.run_case(
                tmp, files, f'[remote_write.basic_auth]\nusername = "u"\npassword_file = "{pw}"\n'
                '[remote_write.tls]\ninsecure_skip_verify = true\n' + client)
            self.assertTrue(requests, "nothing arrived with insecure_skip_verify")
            self.assertEqual(requests[0][1]["Authorization"], "Basic dTpzM2NyZXQ=")


if __name__ == "__main__":
    unittest.main()
