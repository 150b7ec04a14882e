"""test_proxy.py — the proxy plugin against real backends.

1. Real Go exporters from Debian (prometheus-node-exporter and
   prometheus-pushgateway) plus a *.prom file, served as one: promtool-clean
   merged output, one family per name with the sources told apart by the
   collector labels, and when one backend stops the others are still served
   while its success goes to 0 with the reason.
2. Misbehaving backends (a Python http.server): garbage, hang, close
   mid-body, 500, gzip bomb, endless body — each fails alone, clearly, in a
   scrape bounded by the timeout, beside a healthy backend; keep-alive reuse;
   parameter forwarding.
3. HTTPS backends with a throwaway CA: verification against ca_file,
   server_name, insecure_skip_verify, a client certificate toward a backend
   that requires one, and bearer/basic auth toward the
   backend with secrets from a file and the environment.
"""
import os
import re
import time
import unittest

import harness
from harness import Exporter, NodeExporter, Pushgateway, find, promtool_check
from misbehaving_backend import MisbehavingBackend


def collector(name, config, labels=None, timeout="5s", extra=""):
    text = f'[[collector]]\nname = "{name}"\nplugin = "proxy"\ntimeout = "{timeout}"\n'
    if labels:
        text += "labels = { " + ", ".join(f'{k} = "{v}"' for k, v in labels.items()) + " }\n"
    return text + extra + "[collector.config]\n" + config + "\n\n"


def last_error(text, name):
    m = re.search(r'plugin_exporter_collector_last_error_info\{collector="%s",plugin="proxy",reason="((?:[^"\\]|\\.)*)"\}'
                  % re.escape(name), text)
    return m.group(1) if m else None


def count_lines(text, prefix):
    return sum(1 for line in text.splitlines() if line.startswith(prefix))


class RealExporters(unittest.TestCase):
    """node_exporter + pushgateway + a .prom file behind one /metrics."""

    @classmethod
    def setUpClass(cls):
        cls.tmp_ctx = harness.temp_dir("pe-proxy-real-")
        cls.tmp = cls.tmp_ctx.__enter__()
        cls.addClassCleanup(cls.tmp_ctx.__exit__, None, None, None)
        cls.textfiles = os.path.join(cls.tmp, "textfiles")
        os.makedirs(cls.textfiles)
        with open(os.path.join(cls.textfiles, "backup.prom"), "w") as f:
            f.write("# HELP backup_last_success_timestamp_seconds Last successful backup.\n"
                    "# TYPE backup_last_success_timestamp_seconds gauge\n"
                    "backup_last_success_timestamp_seconds 1.7e+09\n")
        # le / quantile spelled unusually: the README says they are normalised.
        with open(os.path.join(cls.textfiles, "latency.prom"), "w") as f:
            f.write("# HELP job_latency_seconds Job latency.\n# TYPE job_latency_seconds histogram\n"
                    'job_latency_seconds_bucket{le="0.50"} 1\njob_latency_seconds_bucket{le="1.0"} 2\n'
                    'job_latency_seconds_bucket{le="1000000"} 3\njob_latency_seconds_bucket{le="+Inf"} 3\n'
                    "job_latency_seconds_sum 4\njob_latency_seconds_count 3\n"
                    "# HELP job_size Job size.\n# TYPE job_size summary\n"
                    'job_size{quantile="0.90"} 7\njob_size_sum 7\njob_size_count 1\n')
        cls.node = NodeExporter(cls.tmp)
        cls.addClassCleanup(cls.node.stop)
        cls.push = Pushgateway(cls.tmp, persistence_file=os.path.join(cls.tmp, "pushgateway.data"))
        cls.addClassCleanup(cls.push.stop)
        pushed = harness.http("PUT", cls.push.url("/metrics/job/nightly_batch"),
                              body=b"# HELP batch_records_processed Records the batch processed.\n"
                                   b"# TYPE batch_records_processed gauge\nbatch_records_processed 1234\n")
        assert pushed.status in (200, 202), pushed.text
        config = (collector("node", f'url = "{cls.node.url}"', {"exporter": "node"}) +
                  collector("pushgateway", f'url = "{cls.push.url("/metrics")}"', {"exporter": "pushgateway"}) +
                  collector("textfile", f'files = "{cls.textfiles}/*.prom"', {"exporter": "textfile"}))
        cls.exporter = Exporter(cls.tmp, config)
        cls.addClassCleanup(cls.exporter.stop)

    def test_1_merged_output_is_valid_and_sources_are_told_apart(self):
        text = self.exporter.metrics()
        code, out = promtool_check(text)
        self.assertEqual(code, 0, out)
        for name in ("node", "pushgateway", "textfile"):
            self.assertEqual(find(text, "plugin_exporter_collector_success", collector=name), [1.0], name)
        # go_goroutines from both Go exporters: one HELP, one TYPE, two samples.
        self.assertEqual(count_lines(text, "# HELP go_goroutines "), 1)
        self.assertEqual(count_lines(text, "# TYPE go_goroutines "), 1)
        self.assertEqual(len(find(text, "go_goroutines", exporter="node")), 1)
        self.assertEqual(len(find(text, "go_goroutines", exporter="pushgateway")), 1)
        # Every family declared once in the whole output.
        declared = [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")]
        self.assertEqual(len(declared), len(set(declared)))
        # Each source's own metrics, labelled as that source.
        self.assertTrue(find(text, "node_load1", exporter="node"))
        self.assertEqual(find(text, "batch_records_processed", exporter="pushgateway", job="nightly_batch"),
                         [1234.0])
        self.assertEqual(find(text, "backup_last_success_timestamp_seconds", exporter="textfile"), [1.7e9])
        self.assertEqual(len(find(text, "node_textfile_mtime_seconds", exporter="textfile",
                                  file=os.path.join(self.textfiles, "backup.prom"))), 1)
        # The one change the proxy makes to samples: canonical le / quantile.
        for le, value in (("0.5", 1.0), ("1", 2.0), ("1e+06", 3.0), ("+Inf", 3.0)):
            self.assertEqual(find(text, "job_latency_seconds_bucket", exporter="textfile", le=le), [value], le)
        self.assertEqual(find(text, "job_size", exporter="textfile", quantile="0.9"), [7.0])
        # No sample of a proxied source without its label.
        for (name, labels), _ in harness.samples(text).items():
            if name.startswith(("go_", "pushgateway_", "node_")):
                self.assertIn("exporter", dict(labels), name)
        self.assertGreater(find(text, "plugin_exporter_collector_response_size_bytes", collector="node")[0], 1000)
        self.assertEqual(find(text, "plugin_exporter_collector_http_status_code", collector="pushgateway"), [200.0])

    def test_2_a_stopped_backend_fails_alone(self):
        self.push.stop()
        text = self.exporter.metrics()
        code, out = promtool_check(text)
        self.assertEqual(code, 0, out)
        self.assertEqual(find(text, "plugin_exporter_collector_success", collector="pushgateway"), [0.0])
        self.assertIn("connection refused by 127.0.0.1:%d" % self.push.port, last_error(text, "pushgateway"))
        self.assertEqual(find(text, "plugin_exporter_collector_success", collector="node"), [1.0])
        self.assertEqual(find(text, "plugin_exporter_collector_success", collector="textfile"), [1.0])
        self.assertEqual(len(find(text, "go_goroutines", exporter="node")), 1)
        self.assertEqual(find(text, "go_goroutines", exporter="pushgateway"), [])
        self.assertTrue(find(text, "backup_last_success_timestamp_seconds", exporter="textfile"))


class Misbehaving(unittest.TestCase):
    """Each broken backend fails alone, clearly; the healthy one is served."""

    # collector name -> (path, extra config, expected part of the reason)
    CASES = {
        "garbage": ("/garbage", "", "is not valid text exposition format at 1:"),
        "hang": ("/hang", "", "timed out reading the response of 127.0.0.1:"),
        "close_mid_body": ("/close-mid-body", "", "connection closed after "),
        "status_500": ("/status-500", "",
                       "answered HTTP 500 Internal Server Error: An error has occurred while serving metrics:"),
        "gzip_bomb": ("/gzip-bomb", "max_response_bytes = 8388608",
                      "decompressed size exceeds the limit of 8388608 bytes"),
        "endless": ("/endless", "max_response_bytes = 1048576", "exceeds the limit of 1048576 bytes"),
    }

    @classmethod
    def setUpClass(cls):
        cls.tmp_ctx = harness.temp_dir("pe-proxy-bad-")
        cls.tmp = cls.tmp_ctx.__enter__()
        cls.addClassCleanup(cls.tmp_ctx.__exit__, None, None, None)
        cls.backend = MisbehavingBackend()
        cls.addClassCleanup(cls.backend.stop)
        config = collector("healthy", f'url = "{cls.backend.url("/ok")}"', {"exporter": "healthy"})
        config += collector("gzipped", f'url = "{cls.backend.url("/gzip")}"', {"exporter": "gzipped"})
        for name, (path, extra, _) in cls.CASES.items():
            # Only the hanging one needs a short timeout; the others fail fast
            # on their own, also on a loaded machine.
            config += collector(name, f'url = "{cls.backend.url(path)}"\n{extra}', {"exporter": name},
                                timeout="2s" if name == "hang" else "15s")
        config += collector("echo", f'url = "{cls.backend.url("/echo?fixed=1")}"\nforward_params = ["target"]',
                            {"exporter": "echo"})
        cls.exporter = Exporter(cls.tmp, config)
        cls.addClassCleanup(cls.exporter.stop)

    def test_each_fails_alone_clearly_within_the_timeout(self):
        start = time.monotonic()
        text = self.exporter.metrics()
        took = time.monotonic() - start
        self.assertLess(took, 10.0, "a hanging backend must cost at most its 2s timeout")
        hang = find(text, "plugin_exporter_collector_duration_seconds", collector="hang")[0]
        self.assertGreater(hang, 1.5)
        self.assertLess(hang, 2.5)
        code, out = promtool_check(text)
        self.assertEqual(code, 0, out)
        self.assertEqual(find(text, "plugin_exporter_collector_success", collector="healthy"), [1.0])
        self.assertEqual(find(text, "go_goroutines", exporter="healthy"), [42.0])
        self.assertEqual(find(text, "go_goroutines", exporter="gzipped"), [42.0])
        for name, (_, _, reason) in self.CASES.items():
            self.assertEqual(find(text, "plugin_exporter_collector_success", collector=name), [0.0], name)
            self.assertIn(reason, last_error(text, name) or "", name)
            self.assertEqual(find(text, "go_goroutines", exporter=name), [], name)
            self.assertEqual(find(text, "endless_metric", exporter=name), [], name)

    def test_keep_alive_connection_is_reused(self):
        before = self.backend.connections_for("/ok")
        for _ in range(4):
            self.exporter.metrics("?collector=healthy")
        self.assertLessEqual(self.backend.connections_for("/ok"), max(before, 1))

    def test_allowlisted_parameters_are_forwarded(self):
        text = self.exporter.metrics("?collector=echo&target=db%201.local&module=ignored")
        self.assertEqual(find(text, "echo_param", exporter="echo", param="target", value="db 1.local"), [1.0])
        self.assertEqual(find(text, "echo_param", exporter="echo", param="fixed", value="1"), [1.0])
        self.assertEqual(find(text, "echo_param", exporter="echo", param="module"), [])


class Https(unittest.TestCase):
    """TLS toward the backend, and credentials from a file and the environment."""

    @classmethod
    def setUpClass(cls):
        cls.tmp_ctx = harness.temp_dir("pe-proxy-tls-")
        cls.tmp = cls.tmp_ctx.__enter__()
        cls.addClassCleanup(cls.tmp_ctx.__exit__, None, None, None)
        cls.tls = harness.make_tls_files(cls.tmp, ("localhost", "127.0.0.1"))
        cls.backend = MisbehavingBackend(cls.tls["server_cert"], cls.tls["server_key"],
                                         bearer_token="tok-from-file", basic_auth="prom:pw from env",
                                         bomb_mib=1)
        cls.addClassCleanup(cls.backend.stop)
        token = os.path.join(cls.tmp, "token")
        with open(token, "w") as f:
            f.write("tok-from-file\n")
        os.chmod(token, 0o600)
        cls.mtls = MisbehavingBackend(cls.tls["server_cert"], cls.tls["server_key"], bomb_mib=1,
                                      client_ca=cls.tls["ca"])
        cls.addClassCleanup(cls.mtls.stop)
        env = dict(os.environ, PE_PROXY_TEST_PASSWORD="pw from env")
        ca = cls.tls["ca"]
        b = cls.backend
        config = (
            collector("ca_file", f'url = "{b.url("/ok")}"\ntls = {{ ca_file = "{ca}" }}') +
            collector("by_name", f'url = "{b.url("/ok", "localhost")}"\ntls = {{ ca_file = "{ca}" }}') +
            collector("system_cas", f'url = "{b.url("/ok")}"') +
            collector("wrong_name", f'url = "{b.url("/ok")}"\ntls = {{ ca_file = "{ca}", server_name = "other.example" }}') +
            collector("skip_verify", f'url = "{b.url("/ok")}"\ntls = {{ insecure_skip_verify = true }}') +
            collector("bearer", f'url = "{b.url("/bearer")}"\nbearer_token_file = "{token}"\ntls = {{ ca_file = "{ca}" }}') +
            collector("no_token", f'url = "{b.url("/bearer")}"\ntls = {{ ca_file = "{ca}" }}') +
            collector("basic", f'url = "{b.url("/basic")}"\ntls = {{ ca_file = "{ca}" }}\n'
                               'basic_auth = { username = "prom", password_env = "PE_PROXY_TEST_PASSWORD" }') +
            collector("plain_to_tls", f'url = "{b.url("/ok").replace("https:", "http:")}"', timeout="1s") +
            collector("client_cert", f'url = "{cls.mtls.url("/ok")}"\ntls = {{ ca_file = "{ca}", '
                                     f'cert_file = "{cls.tls["client_cert"]}", key_file = "{cls.tls["client_key"]}" }}') +
            collector("no_client_cert", f'url = "{cls.mtls.url("/ok")}"\ntls = {{ ca_file = "{ca}" }}'))
        cls.exporter = Exporter(cls.tmp, config, env=env)
        cls.addClassCleanup(cls.exporter.stop)

    def test_verification_and_credentials(self):
        text = self.exporter.metrics()
        ok = ("ca_file", "by_name", "skip_verify", "bearer", "basic", "client_cert")
        for name in ok:
            self.assertEqual(find(text, "plugin_exporter_collector_success", collector=name), [1.0],
                             f"{name}: {last_error(text, name)}")
        failing = {
            "system_cas": "TLS handshake with 127.0.0.1:",
            "wrong_name": "TLS handshake with 127.0.0.1:",
            "no_token": "answered HTTP 401 Unauthorized; check basic_auth / bearer_token: bad or missing bearer token",
            "plain_to_tls": "127.0.0.1:",
            "no_client_cert": "127.0.0.1:%d" % self.mtls.port,
        }
        for name, reason in failing.items():
            self.assertEqual(find(text, "plugin_exporter_collector_success", collector=name), [0.0], name)
            self.assertIn(reason, last_error(text, name) or "", name)
        code, out = promtool_check(text)
        self.assertEqual(code, 0, out)
        # The secrets never show in /configz.
        configz = self.exporter.get("/configz").text
        self.assertNotIn("tok-from-file", configz)
        self.assertNotIn("pw from env", configz)


if __name__ == "__main__":
    unittest.main()
