"""test_quarantine.py — the in-process crash record and quarantine (issue 13
item 3) with the real binary: a collector whose plugin kills the exporter
(SIGSEGV, abort) beside a healthy one; the process still dies of the same
signal, leaves <state_dir>/crash-record, and the next start quarantines that
collector (log line, metric, status JSON, /configz) while the healthy one is
served; quarantine survives restarts and is cleared by an admin request or a
configuration change (restart or reload)."""
import json
import os
import signal
import unittest

import harness as h

CRASHER = os.path.join(h.TEST_PLUGIN_DIR, "crasher.so")
TOKEN = "quarantine-token-0123456789"
HELLO = '[[collector]]\nname = "hello"\nplugin = "hello"\nlabels = { source = "hello" }\n'


def config(state_dir, mode="segv", auth=""):
    return (f'state_dir = "{state_dir}"\n{auth}' + HELLO
            + f'[[collector]]\nname = "crashy"\nplugin = "{CRASHER}"\nlabels = {{ source = "crashy" }}\n'
            + f'[collector.config]\nmode = "{mode}"\n')


def quarantined(text, collector, plugin):
    return h.find(text, "plugin_exporter_collector_quarantined", collector=collector, plugin=plugin)


class QuarantineTest(unittest.TestCase):
    def setUp(self):
        self._tmp = h.temp_dir()
        self.tmp = self._tmp.__enter__()
        self.state = os.path.join(self.tmp, "state")
        self.record = os.path.join(self.state, "crash-record")
        self.exporters = []

    def tearDown(self):
        for e in self.exporters:
            e.stop()
        self._tmp.__exit__(None, None, None)

    def start(self, text):
        e = h.Exporter(self.tmp, text)
        self.exporters.append(e)
        return e

    def crash(self, e, sig, query="", headers=None):
        """Scrapes until the exporter dies; asserts it died of `sig`."""
        try:
            e.get("/metrics" + query, timeout=20, headers=headers)
        except Exception:  # noqa: BLE001 — the connection dies with the process
            pass
        h.wait_for(lambda: not e.process.alive(), 20, what="the exporter to die")
        self.assertEqual(e.process.proc.returncode, -sig, e.process.log()[-3000:])
        return e.process.log()

    def read_record(self):
        with open(self.record) as f:
            return dict(line.split("=", 1) for line in f.read().splitlines())

    def assert_serving_with_crashy_quarantined(self, e):
        for _ in range(5):  # the healthy collector is served in every scrape
            text = e.metrics()
            self.assertEqual(h.find(text, "hello_value", source="hello"), [42.0])
            self.assertEqual(quarantined(text, "crashy", "crasher"), [1.0])
            self.assertEqual(quarantined(text, "hello", "hello"), [0.0])
            self.assertEqual(h.find(text, "crasher_up"), [])
        code, out = h.promtool_check(text)
        self.assertEqual(code, 0, out[:2000])
        self.assertTrue(e.process.alive())

    def test_segv_is_recorded_quarantined_across_restarts_and_cleared_by_admin(self):
        e = self.start(config(self.state))
        self.assertEqual(quarantined(e.metrics("?collector=hello"), "crashy", "crasher"), [0.0])
        log = self.crash(e, signal.SIGSEGV)
        self.assertIn("collector=crashy plugin=crasher call=collect signal=SIGSEGV", log)
        record = self.read_record()
        self.assertEqual((record["collector"], record["plugin"], record["call"], record["signal"],
                          record["signal_number"]), ("crashy", "crasher", "collect", "SIGSEGV", "11"))

        # Restart: the record becomes a quarantine entry, said once at error level.
        e = self.start(config(self.state))
        log = e.process.log()
        self.assertRegex(log, r'level=error msg="collector crashy \(plugin crasher\) crashed the '
                              r'exporter in collect with SIGSEGV at 20\d\d-\d\d-\d\dT[0-9:]+Z; '
                              r'quarantined until its configuration changes or '
                              r'POST /-/quarantine/clear"')
        self.assertFalse(os.path.exists(self.record))
        self.assertTrue(os.path.exists(os.path.join(self.state, "quarantine")))
        self.assert_serving_with_crashy_quarantined(e)
        r = e.get("/metrics?collector=crashy")  # asked for alone: unavailable, and why
        self.assertEqual(r.status, 503)
        self.assertIn('collector "crashy" is quarantined: it crashed the exporter in collect', r.text)
        status = json.loads(e.get("/api/v1/exporter/status").text)
        row = [c for c in status["collectors"] if c["name"] == "crashy"][0]
        self.assertEqual(row["health"], "quarantined")
        self.assertIn("crashed the exporter in collect with SIGSEGV", row["quarantine"])
        self.assertIsNone([c for c in status["collectors"] if c["name"] == "hello"][0]["quarantine"])
        page = e.get("/").text
        self.assertIn('data-name="crashy"', page)
        self.assertIn("1 quarantined", page)
        configz = json.loads(e.get("/configz").text)
        by_name = {c["name"]: c for c in configz["collector"]}
        self.assertIs(by_name["crashy"]["quarantined"], True)
        self.assertIn("crashed the exporter in collect with SIGSEGV", by_name["crashy"]["quarantine_reason"])
        self.assertNotIn("quarantine_reason", by_name["hello"])
        self.assertIs(by_name["hello"]["quarantined"], False)
        self.assertEqual(e.stop(), 0)

        # Restart again: still quarantined, nothing new logged at error level.
        e = self.start(config(self.state))
        self.assert_serving_with_crashy_quarantined(e)
        self.assertNotIn("crashed the exporter", e.process.log())

        # Admin clear: only POST; an unknown name is 404; then the collector is created again.
        self.assertEqual(h.http("GET", e.url("/-/quarantine/clear")).status, 405)
        r = h.http("POST", e.url("/-/quarantine/clear?collector=hello"))
        self.assertEqual((r.status, r.text.strip()), (404, "collector hello is not quarantined"))
        r = h.http("POST", e.url("/-/quarantine/clear?collector=crashy"))
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("crashy", r.text)
        text = e.metrics("?collector=hello")
        self.assertEqual(quarantined(text, "crashy", "crasher"), [0.0])
        status = json.loads(e.get("/api/v1/exporter/status").text)
        self.assertEqual([c["health"] for c in status["collectors"] if c["name"] == "crashy"],
                         ["unknown"])
        with open(os.path.join(self.state, "quarantine")) as f:
            self.assertEqual(f.read(), "")
        # ... and it crashes again when scraped, which quarantines it again.
        self.crash(e, signal.SIGSEGV, "?collector=crashy")
        e = self.start(config(self.state))
        self.assert_serving_with_crashy_quarantined(e)

    def test_abort_then_reload_with_a_changed_configuration_clears_the_quarantine(self):
        auth = f'[auth]\nbearer_tokens = ["{TOKEN}"]\n'
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        e = self.start(config(self.state, "abort", auth))
        self.crash(e, signal.SIGABRT, headers=bearer)
        self.assertEqual(self.read_record()["signal"], "SIGABRT")

        e = self.start(config(self.state, "abort", auth))
        self.assertIn("crashed the exporter in collect with SIGABRT", e.process.log())
        text = e.metrics(headers=bearer)
        self.assertEqual(quarantined(text, "crashy", "crasher"), [1.0])
        # The admin endpoint is behind the same auth as /-/reload.
        self.assertEqual(h.http("POST", e.url("/-/quarantine/clear")).status, 401)
        # A reload with the same file keeps it quarantined.
        self.assertEqual(h.http("POST", e.url("/-/reload"), headers=bearer).status, 200)
        self.assertEqual(quarantined(e.metrics(headers=bearer), "crashy", "crasher"), [1.0])
        # A reload that changes its configuration clears it and creates it.
        with open(e.config_path, "w") as f:
            f.write(config(self.state, "ok", auth))
        r = h.http("POST", e.url("/-/reload"), headers=bearer)
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("quarantine cleared: the collector's configuration changed", e.process.log())
        text = e.metrics(headers=bearer)
        self.assertEqual(quarantined(text, "crashy", "crasher"), [0.0])
        self.assertEqual(h.find(text, "crasher_up", source="crashy"), [1.0])
        self.assertEqual(h.find(text, "hello_value", source="hello"), [42.0])
        r = h.http("POST", e.url("/-/quarantine/clear"), headers=bearer)
        self.assertEqual((r.status, r.text.strip()), (200, "no collector is quarantined"))

    def test_without_state_dir_the_crash_is_logged_and_nothing_quarantined(self):
        text = HELLO + f'[[collector]]\nname = "crashy"\nplugin = "{CRASHER}"\n'  # mode: segv
        e = self.start(text)
        log = self.crash(e, signal.SIGSEGV)
        self.assertIn("collector=crashy plugin=crasher call=collect signal=SIGSEGV", log)
        e = self.start(text)
        self.assertEqual(quarantined(e.metrics("?collector=hello"), "crashy", "crasher"), [0.0])
        self.assertNotIn("quarantined until", e.process.log())
        self.crash(e, signal.SIGSEGV, "?collector=crashy")


if __name__ == "__main__":
    unittest.main()
