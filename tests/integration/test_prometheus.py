"""test_prometheus.py — the real Prometheus server (Debian package) scrapes
plugin_exporter on loopback with bearer auth; its HTTP API must show up == 1
and the example collector's series stored, in both exposition formats."""
import unittest

import harness as h

TOKEN = "prometheus-scrape-token-42"
CONFIG = f"""[auth]
bearer_tokens = ["{TOKEN}"]

[[collector]]
name = "hello"
plugin = "hello"
labels = {{ team = "core" }}
[collector.config]
greeting = "from prometheus test"
value = 7.5
"""


class PrometheusScrapesUs(unittest.TestCase):
    def test_prometheus_stores_our_series(self):
        with h.temp_dir() as tmp:
            exporter = h.Exporter(tmp, CONFIG)
            try:
                target = f"127.0.0.1:{exporter.port}"
                # Prometheus 2.42 asks for OpenMetrics first (text 0.0.4 as a
                # fallback), so this exercises our OpenMetrics writer end to end.
                jobs = (f"  - job_name: pe\n    authorization:\n      credentials: {TOKEN}\n"
                        f"    static_configs:\n      - targets: ['{target}']\n"
                        "  - job_name: pe_unauthorized\n"
                        f"    static_configs:\n      - targets: ['{target}']\n")
                prom = h.Prometheus(tmp, jobs)
                try:
                    def scraped():
                        up = {r["metric"]["job"]: r["value"][1] for r in prom.query("up")}
                        return up if len(up) == 2 else None
                    up = h.wait_for(scraped, 60, what="both scrape targets in Prometheus")
                    self.assertEqual(up["pe"], "1")
                    self.assertEqual(up["pe_unauthorized"], "0")  # 401 without the token

                    result = h.wait_for(lambda: prom.query('hello_value{job="pe"}'), 30,
                                        what="hello_value stored")
                    self.assertEqual(result[0]["value"][1], "7.5")
                    self.assertEqual(result[0]["metric"]["team"], "core")
                    info = prom.query('hello_info{job="pe"}')
                    self.assertEqual(info[0]["metric"]["greeting"], "from prometheus test")
                    success = prom.query('plugin_exporter_collector_success{collector="hello"}')
                    self.assertTrue(success and all(r["value"][1] == "1" for r in success))
                    scraped_samples = prom.query('scrape_samples_scraped{job="pe"}')
                    self.assertGreater(float(scraped_samples[0]["value"][1]), 10)
                    # Prometheus logged no parse or ingestion problem about us.
                    log = prom.process.log()
                    for problem in ("invalid", "duplicate", "out of order", "Error on ingesting"):
                        self.assertNotIn(problem, log)
                finally:
                    prom.stop()
            finally:
                exporter.stop()


if __name__ == "__main__":
    unittest.main()
