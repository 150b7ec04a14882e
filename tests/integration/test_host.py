"""test_host.py — the real plugin_exporter binary with real plugins over HTTP:
merged output valid for promtool, collector subsets, misbehaving collectors
isolated, auth, health/readiness, /configz redaction, limits, CLI, shutdown."""
import os
import signal
import subprocess
import threading
import time
import unittest

import harness as h

TEST_SOURCE = os.path.join(h.TEST_PLUGIN_DIR, "test_source.so")
TOKEN = "integration-token-0123456789"


def collector(name, behaviour="ok", timeout="5s", config="", extra=""):
    return (f'[[collector]]\nname = "{name}"\nplugin = "{TEST_SOURCE}"\ntimeout = "{timeout}"\n'
            f'labels = {{ collector = "{name}" }}\n'
            f'{extra}[collector.config]\nbehaviour = "{behaviour}"\n{config}\n')


HELLO = '[[collector]]\nname = "hello"\nplugin = "hello"\nlabels = { source = "hello" }\n'


class HostTest(unittest.TestCase):
    def setUp(self):
        self._tmp = h.temp_dir()
        self.tmp = self._tmp.__enter__()
        self.exporters = []

    def tearDown(self):
        for e in self.exporters:
            e.stop()
        self._tmp.__exit__(None, None, None)

    def start(self, config, **kw):
        e = h.Exporter(self.tmp, config, **kw)
        self.exporters.append(e)
        return e

    def test_merged_output_of_healthy_and_misbehaving_collectors_is_valid(self):
        e = self.start(HELLO
                       + collector("stuck", "hang", timeout="300ms")
                       + collector("thrower", "throw")
                       + collector("invalid", "invalid")
                       + collector("dup", "duplicate"))
        for _ in range(3):  # the hung collector is stuck from the first scrape on
            text = e.metrics()
            code, out = h.promtool_check(text)
            self.assertEqual(code, 0, out[:2000])
            self.assertEqual(h.find(text, "hello_value", source="hello"), [42.0])
            self.assertEqual(h.find(text, "plugin_exporter_collector_success", collector="hello"), [1.0])
            for bad in ("stuck", "thrower"):
                self.assertEqual(h.find(text, "plugin_exporter_collector_success", collector=bad), [0.0])
            self.assertEqual(len(h.find(text, "test_dup")), 1)
        self.assertEqual(len(h.find(text, "test_special_values")), 3)
        reasons = {dict(ls)["collector"]: dict(ls)["reason"] for (n, ls), _ in h.samples(text).items()
                   if n == "plugin_exporter_collector_last_error_info"}
        self.assertIn("previous collect still running", reasons["stuck"])
        self.assertEqual(reasons["thrower"], "deliberate failure from C++")
        self.assertGreaterEqual(h.find(text, "plugin_exporter_samples_dropped_total",
                                       collector="invalid", reason="invalid")[0], 6)
        self.assertGreaterEqual(h.find(text, "plugin_exporter_samples_dropped_total",
                                       collector="dup", reason="duplicate")[0], 1)

    def test_a_million_samples_beside_a_hung_collector(self):
        e = self.start(HELLO + collector("stuck", "hang", timeout="300ms")
                       + collector("huge", "huge", timeout="30s", config="samples = 1000000"))
        for _ in range(2):
            text = e.metrics()
            self.assertEqual(sum(1 for l in text.splitlines() if l.startswith("test_huge{")), 1000000)
            self.assertIn('plugin_exporter_collector_success{collector="huge",plugin="test_source"} 1\n', text)
            self.assertIn('plugin_exporter_collector_success{collector="stuck",plugin="test_source"} 0\n', text)
            self.assertIn('hello_value{source="hello"} 42\n', text)
        code, out = h.promtool_check(text)
        self.assertEqual(code, 0, out[:2000])

    def test_collector_subset_and_parameters(self):
        e = self.start(HELLO + collector("a") + collector("p", "params"))
        text = e.metrics("?collector=hello")
        self.assertTrue(h.find(text, "hello_value"))
        self.assertFalse(h.find(text, "test_up"))
        self.assertEqual([dict(ls)["collector"] for (n, ls), _ in h.samples(text).items()
                          if n == "plugin_exporter_collector_success"], ["hello"])
        text = e.metrics("?collector=a&collector=hello")
        self.assertTrue(h.find(text, "test_up") and h.find(text, "hello_value"))
        r = e.get("/metrics?collector=nope")
        self.assertEqual(r.status, 400)
        self.assertIn('unknown collector "nope"', r.text)
        text = e.metrics("?collector=p&target=db%201")
        self.assertEqual(h.find(text, "test_param", name="target", value="db 1"), [1.0])
        r = e.get("/metrics?collector=p&bad=1")
        self.assertEqual(r.status, 400)
        self.assertIn("parameter bad is not allowed", r.text)
        r = e.get("/metrics?collector=p&target=ab%00c")
        self.assertEqual(r.status, 400)
        self.assertIn("NUL byte", r.text)
        r = e.get("/metrics?collector=p&target=abc&x=%zz")
        self.assertEqual(r.status, 400)
        self.assertIn("malformed query string", r.text)

    def test_concurrent_identical_scrapes_share_one_response(self):
        e = self.start(collector("slow", "slow", config='delay = "1s"'))
        import concurrent.futures
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            bodies = list(pool.map(lambda _: e.metrics(), range(10)))
        self.assertEqual(len(set(bodies)), 1, "concurrent identical scrapes got different bodies")
        self.assertEqual(h.find(bodies[0], "test_collect_calls_total"), [1.0])
        shared = h.find(e.metrics(), "plugin_exporter_scrapes_shared_total")[0]
        self.assertGreaterEqual(shared, 5)  # all but the first usually; timing decides the rest

    def test_openmetrics_negotiation_and_gzip(self):
        e = self.start(HELLO)
        accept = ("application/openmetrics-text;version=1.0.0;q=0.5,"
                  "text/plain;version=0.0.4;q=0.4,*/*;q=0.1")
        r = e.get("/metrics", headers={"Accept": accept, "Accept-Encoding": "gzip"})
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("application/openmetrics-text"))
        self.assertEqual(r.headers.get("Content-Encoding"), "gzip")
        self.assertTrue(r.text.endswith("# EOF\n"))
        r = e.get("/metrics")
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        self.assertIsNone(r.headers.get("Content-Encoding"))

    def test_bearer_auth_protects_everything_but_health(self):
        e = self.start(f'[auth]\nbearer_tokens = ["{TOKEN}"]\n' + HELLO)
        for path in ("/metrics", "/", "/configz"):
            r = e.get(path)
            self.assertEqual(r.status, 401, path)
            self.assertIn("Bearer", r.headers["WWW-Authenticate"])
            self.assertEqual(e.get(path, headers={"Authorization": "Bearer wrong-token-xyz"}).status, 401)
            self.assertEqual(e.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status, 200, path)
        for path in ("/healthz", "/livez", "/readyz", "/-/healthy", "/-/ready"):
            self.assertEqual(e.get(path).status, 200, path)
        e.stop()
        closed = self.start(f'[auth]\nbearer_tokens = ["{TOKEN}"]\nopen_health_endpoints = false\n' + HELLO)
        self.assertEqual(closed.get("/healthz").status, 401)
        self.assertEqual(closed.get("/healthz", headers={"Authorization": f"Bearer {TOKEN}"}).status, 200)

    def test_configz_redacts_secrets_and_landing_page_lists_collectors(self):
        os.environ["PE_IT_SECRET"] = "env-secret-value"
        e = self.start(f'[auth]\nbearer_tokens = ["{TOKEN}"]\n' + HELLO
                       + collector("with-secret", config='password = "inline-secret-value"'),
                       env=dict(os.environ))
        auth = {"Authorization": f"Bearer {TOKEN}"}
        cfg = e.get("/configz", headers=auth).text
        self.assertIn('"with-secret"', cfg)
        # The effective configuration: defaults the file left out, and the
        # plugin directory the flag set.
        for expected in ('"telemetry_path" : "/metrics"', '"header_timeout" : "10s"',
                         '"timeout" : "10s"', f'"plugin_dir" : "{h.PLUGIN_DIR}"'):
            self.assertIn(expected, cfg)
        for secret in (TOKEN, "inline-secret-value"):
            self.assertNotIn(secret, cfg)
        page = e.get("/", headers=auth).text
        self.assertIn("with-secret", page)
        self.assertIn("/metrics?collector=hello", page)

    def test_concurrent_scrape_limit_answers_503_and_counts(self):
        e = self.start("[web]\nmax_concurrent_scrapes = 1\n"
                       + collector("slow", "slow", config='delay = "1500ms"'))
        results = []
        t = threading.Thread(target=lambda: results.append(e.get("/metrics").status))
        t.start()
        time.sleep(0.4)
        # A different scrape (an identical one would share the first's answer).
        r = e.get("/metrics?collector=slow")
        t.join()
        self.assertEqual(r.status, 503)
        self.assertIn("too many concurrent scrapes", r.text)
        self.assertEqual(results, [200])
        self.assertEqual(h.find(e.metrics(), "plugin_exporter_scrape_lockouts_total"), [1.0])

    def test_scrape_timeout_header_bounds_the_scrape(self):
        e = self.start(collector("slow", "slow", timeout="30s", config='delay = "5s"') + HELLO)
        start = time.monotonic()
        text = e.metrics(headers={"X-Prometheus-Scrape-Timeout-Seconds": "1.5"})
        self.assertLess(time.monotonic() - start, 4.0)
        self.assertEqual(h.find(text, "plugin_exporter_collector_success", collector="slow"), [0.0])
        self.assertEqual(h.find(text, "plugin_exporter_collector_success", collector="hello"), [1.0])

    def test_plugin_http_route_behind_auth(self):
        e = self.start(f'[auth]\nbearer_tokens = ["{TOKEN}"]\n'
                       + collector("routes", config="route = true"))
        self.assertEqual(h.http("POST", e.url("/test/echo/x"), body=b"hi").status, 401)
        r = h.http("POST", e.url("/test/echo/x?q=1"), body=b"hi",
                   headers={"Authorization": f"Bearer {TOKEN}"})
        self.assertEqual(r.status, 202)
        self.assertEqual(r.text, "echo POST /test/echo/x identity=token:bearer#1 body=hi")
        r = h.http("POST", e.url("/test/echo"), body=b"x" * 2000,
                   headers={"Authorization": f"Bearer {TOKEN}"})
        self.assertEqual(r.status, 413)
        r = h.http("PUT", e.url("/test/echo"), body=b"x", headers={"Authorization": f"Bearer {TOKEN}"})
        self.assertEqual(r.status, 405)
        self.assertEqual(e.get("/nothing/here", headers={"Authorization": f"Bearer {TOKEN}"}).status, 404)

    def test_sigterm_shuts_down_cleanly_even_with_a_stuck_collector(self):
        e = self.start("[web]\nshutdown_grace = \"1s\"\n" + HELLO + collector("stuck", "hang", timeout="200ms"))
        e.metrics()
        start = time.monotonic()
        code = e.stop()
        self.assertEqual(code, 0, e.process.log())
        self.assertLess(time.monotonic() - start, 8)
        self.assertIn("stuck", e.process.log())

    def test_hot_reload_keeps_unchanged_collectors_and_refuses_bad_files(self):
        base = collector("kept") + HELLO
        e = self.start(base)
        calls = lambda text: h.find(text, "test_collect_calls_total", collector="kept")  # noqa: E731
        self.assertEqual(h.find(e.metrics(), "test_collect_calls_total"), [1.0])

        def rewrite(text):
            with open(e.config_path, "w") as f:
                f.write(text)
        # hello changes, "added" is new, "kept" stays: its instance (and
        # its call counter) survives the reload.
        rewrite(collector("kept") + HELLO + "[collector.config]\nvalue = 7\n" + collector("added"))
        e.process.send_signal(signal.SIGHUP)
        h.wait_for(lambda: "configuration reloaded" in e.process.log(), 20, what="reload")
        text = e.metrics()
        self.assertEqual(h.find(text, "hello_value"), [7.0])
        self.assertEqual(sorted(h.find(text, "test_collect_calls_total")), [1.0, 2.0])
        # Issue 16/3: the host's per-collector counters of the recreated
        # "hello" go on counting (2 calls, 2 scrapes), they do not restart.
        self.assertEqual(h.find(text, "plugin_exporter_collector_calls_total", collector="hello"),
                         [2.0])
        self.assertEqual(sum(h.find(text, "plugin_exporter_collector_scrapes_total",
                                    collector="hello")), 2.0)
        self.assertEqual(h.find(text, "plugin_exporter_config_last_reload_successful"), [1.0])
        self.assertIn('msg="configuration reloaded" kept=kept stopped=hello started=hello,added',
                      e.process.log())

        # A file that does not validate (here: a plugin's own check) keeps
        # the running configuration.
        rewrite(collector("kept") + collector("broken", "no-such-behaviour"))
        r = h.http("POST", e.url("/-/reload"))
        self.assertEqual(r.status, 500)
        self.assertIn('unknown behaviour "no-such-behaviour"', r.text)
        text = e.metrics()
        self.assertEqual(h.find(text, "hello_value"), [7.0])
        self.assertEqual(h.find(text, "plugin_exporter_config_last_reload_successful"), [0.0])
        rewrite(base)
        self.assertEqual(h.http("POST", e.url("/-/reload")).status, 200)
        text = e.metrics()
        self.assertEqual(h.find(text, "hello_value"), [42.0])
        self.assertFalse(h.find(text, "test_up", collector="added"))
        self.assertEqual(h.find(text, "plugin_exporter_config_last_reload_successful"), [1.0])

    def test_bodiless_request_has_an_empty_body(self):
        e = self.start(collector("routes", config="route = true"))
        r = subprocess.run(["curl", "-s", "-X", "POST", e.url("/test/echo")], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.stdout, "echo POST /test/echo identity=anonymous body=")

    def test_service_manager_notifications(self):
        import socket as sock
        path = os.path.join(self.tmp, "notify.sock")
        listener = sock.socket(sock.AF_UNIX, sock.SOCK_DGRAM)
        listener.bind(path)
        listener.settimeout(20)
        try:
            e = self.start(HELLO, env=dict(os.environ, NOTIFY_SOCKET=path))
            self.assertTrue(listener.recv(4096).startswith(b"READY=1"))
            e.process.send_signal(signal.SIGHUP)
            self.assertTrue(listener.recv(4096).startswith(b"RELOADING=1"))
            self.assertTrue(listener.recv(4096).startswith(b"READY=1"))
            self.assertEqual(e.stop(), 0)
            self.assertEqual(listener.recv(4096), b"STOPPING=1")
        finally:
            listener.close()

    def test_json_logs(self):
        e = self.start(HELLO, extra_args=["--log.format=json"])
        e.stop()
        first = e.process.log().splitlines()[0]
        self.assertTrue(first.startswith("{") and '"level":"info"' in first, first)


class CliTest(unittest.TestCase):
    def run_exporter(self, *args, input=None):
        return subprocess.run([h.EXPORTER, *args], capture_output=True, text=True, input=input,
                              timeout=60)

    def test_version_and_help(self):
        r = self.run_exporter("--version")
        self.assertEqual(r.returncode, 0)
        self.assertIn("plugin_exporter, version", r.stdout)
        r = self.run_exporter("--help")
        self.assertEqual(r.returncode, 0)
        for flag in ("--config.file", "--web.listen-address", "--log.level", "--log.format",
                     "--check-config"):
            self.assertIn(flag, r.stdout)
        r = self.run_exporter("--bogus")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown flag --bogus", r.stderr)

    def test_check_config_reports_every_problem_located(self):
        with h.temp_dir() as tmp:
            path = os.path.join(tmp, "bad.toml")
            with open(path, "w") as f:
                f.write('[web]\nmax_concurrent_scrapes = "many"\n'
                        '[[collector]]\nname = "a"\nplugin = "hello"\ntimeout = "soon"\n'
                        '[collector.config]\nvalue = "x"\n'
                        '[[collector]]\nname = "a"\nplugin = "missing"\n')
            r = self.run_exporter("--check-config", f"--config.file={path}",
                                  f"--plugin.dir={h.PLUGIN_DIR}")
            self.assertEqual(r.returncode, 1)
            lines = r.stderr.strip().splitlines()
            self.assertEqual(lines[0], f"{path}:2:26: web.max_concurrent_scrapes: expected an integer, got a string")
            self.assertTrue(lines[1].startswith(f"{path}:6:11: collector[0].timeout: bad duration"), lines[1])
            self.assertTrue(any(":10:8: collector[1].name: duplicate collector name" in l for l in lines), lines)
            self.assertTrue(any(":11:10: collector[1].plugin: unknown plugin" in l for l in lines), lines)
            # Errors in the host's part do not hide the plugin's check of its section.
            self.assertTrue(any(":8:9: collector[0].config.value: expected a number" in l for l in lines), lines)
            with open(path, "w") as f:
                f.write('[[collector]]\nname = "a"\nplugin = "hello"\n[collector.config]\nvalue = "x"\n')
            r = self.run_exporter("--check-config", f"--config.file={path}", f"--plugin.dir={h.PLUGIN_DIR}")
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stderr.strip(),
                             f"{path}:5:9: collector[0].config.value: expected a number, got a string")
            with open(path, "w") as f:
                f.write('[[collector]]\nname = "a"\nplugin = "hello"\n')
            r = self.run_exporter("--check-config", f"--config.file={path}", f"--plugin.dir={h.PLUGIN_DIR}")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.strip(), f"{path}: OK (1 collector)")

    def test_start_refuses_an_invalid_config(self):
        with h.temp_dir() as tmp:
            path = os.path.join(tmp, "bad.toml")
            with open(path, "w") as f:
                f.write("unknown_key = 1\n")
            r = self.run_exporter(f"--config.file={path}")
            self.assertEqual(r.returncode, 1)
            self.assertIn("unknown_key: unknown key", r.stderr)

    def test_check_metrics_command(self):
        r = self.run_exporter("check-metrics", input="# TYPE a gauge\na 1\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_exporter("check-metrics", input="# TYPE a gauge\na{b=\"1} 1\n")
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^2:\d+: ")


if __name__ == "__main__":
    unittest.main()
