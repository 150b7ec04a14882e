"""test_quarantine.py — the in-process crash record and quarantine (issue 13
item 3) with the real binary: a collector whose plugin kills the exporter
(SIGSEGV, abort) beside a healthy one; the process still dies of the same
signal, leaves <state_dir>/crash-record, and the next start quarantines that
collector (log line, metric, status JSON, /configz) while the healthy one is
served; quarantine survives restarts and is cleared by an admin request or a
configuration change (restart or reload). With on_crash = "isolate" the
next start demotes the collector to isolation = "process" instead: served
from a child process whose crashes no longer take the exporter down, kept
across restarts, ended like the quarantine; if the child then dies
repeatedly, the isolated quarantine applies."""
import json
import os
import signal
import unittest

import harness as h

CRASHER = os.path.join(h.TEST_PLUGIN_DIR, "crasher.so")
TOKEN = "quarantine-token-0123456789"
HELLO = '[[collector]]\nname = "hello"\nplugin = "hello"\nlabels = { source = "hello" }\n'


def config(state_dir, mode="segv", auth="", extra=""):
    return (f'state_dir = "{state_dir}"\n{auth}' + HELLO
            + f'[[collector]]\nname = "crashy"\nplugin = "{CRASHER}"\nlabels = {{ source = "crashy" }}\n'
            + f'{extra}[collector.config]\nmode = "{mode}"\n')


def quarantined(text, collector, plugin):
    return h.find(text, "plugin_exporter_collector_quarantined", collector=collector, plugin=plugin)


def demoted(text):
    return h.find(text, "plugin_exporter_collector_demoted", collector="crashy", plugin="crasher")


def status_row(e, name):
    status = json.loads(e.get("/api/v1/exporter/status").text)
    return next(c for c in status["collectors"] if c["name"] == name)


ISOLATE = 'on_crash = "isolate"\n'
DEMOTED_LOG = (r'level=error msg="collector crashy \(plugin crasher\) crashed the exporter in '
               r'collect with SIGSEGV at 20\d\d-\d\d-\d\dT[0-9:]+Z; demoted to isolation = '
               r'\\?"process\\?" \(on_crash = \\?"isolate\\?"\) until its configuration changes '
               r'or POST /-/quarantine/clear"')


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


    def assert_demoted(self, e):
        """crashy runs isolated after a crash: metric, status JSON and page, /configz."""
        text = e.metrics()
        self.assertEqual(h.find(text, "hello_value", source="hello"), [42.0])
        self.assertEqual((demoted(text), quarantined(text, "crashy", "crasher")), ([1.0], [0.0]))
        self.assertEqual(h.find(text, "plugin_exporter_collector_demoted", collector="hello",
                                plugin="hello"), [0.0])
        code, out = h.promtool_check(text)
        self.assertEqual(code, 0, out[:2000])
        self.assertEqual(status_row(e, "crashy")["isolation"], "process (after crash)")
        self.assertEqual(status_row(e, "hello")["isolation"], "in_process")
        self.assertIn('<td>crasher <span class="note">(process, after crash)</span></td>',
                      e.get("/").text)
        crashy = {c["name"]: c for c in json.loads(e.get("/configz").text)["collector"]}["crashy"]
        self.assertEqual((crashy["isolation"], crashy["demoted"], crashy["quarantined"],
                          crashy["on_crash"]), ("process", True, False, "isolate"))
        self.assertIn("crashed the exporter in collect with SIGSEGV", crashy["demotion_reason"])
        return text

    def test_on_crash_isolate_demotes_kept_across_restarts_ended_by_a_changed_configuration(self):
        text = config(self.state, "segv_every_2nd", extra=ISOLATE)
        e = self.start(text)
        self.assertEqual(h.find(e.metrics(), "crasher_up", source="crashy"), [1.0])
        self.crash(e, signal.SIGSEGV)  # the second collect, in process

        # Restart: demoted instead of quarantined, said once at error level, kept in the file.
        e = self.start(text)
        self.assertRegex(e.process.log(), DEMOTED_LOG)
        self.assertFalse(os.path.exists(self.record))
        with open(os.path.join(self.state, "quarantine")) as f:
            self.assertTrue(f.read().endswith("\tcollect\tSIGSEGV\tisolate\n"))
        got = self.assert_demoted(e)  # the child's first collect
        self.assertEqual(h.find(got, "crasher_up", source="crashy"), [1.0])
        self.assertEqual(h.find(got, "plugin_exporter_collector_process_up", collector="crashy",
                                plugin="crasher"), [1.0])
        # Its second collect segfaults in the child: that collect fails, the exporter stays.
        got = e.metrics()
        self.assertEqual(h.find(got, "hello_value", source="hello"), [42.0])
        self.assertEqual(h.find(got, "crasher_up"), [])
        self.assertTrue(e.process.alive())
        self.assertRegex(status_row(e, "crashy")["last_error"],
                         r"plugin process killed by signal 11 \(SIGSEGV\)")
        self.assertEqual(h.find(e.metrics(), "crasher_up", source="crashy"), [1.0])  # restarted
        self.assertEqual(e.stop(), 0)

        # Restart again: still demoted, nothing new at error level.
        e = self.start(text)
        self.assert_demoted(e)
        self.assertNotIn("crashed the exporter", e.process.log())

        # A reload that changes the collector ends the demotion: in process again.
        with open(e.config_path, "w") as f:
            f.write(config(self.state, "ok", extra=ISOLATE))
        r = h.http("POST", e.url("/-/reload"))
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("demotion to process isolation ended: the collector's configuration changed",
                      e.process.log())
        got = e.metrics()
        self.assertEqual((demoted(got), h.find(got, "crasher_up", source="crashy")), ([0.0], [1.0]))
        self.assertEqual(h.find(got, "plugin_exporter_collector_process_up", collector="crashy"), [])
        self.assertEqual(status_row(e, "crashy")["isolation"], "in_process")

    def test_a_demoted_child_dying_repeatedly_is_quarantined_and_an_admin_clear_ends_both(self):
        text = config(self.state, "segv", auth='[defaults]\non_crash = "isolate"\n')
        e = self.start(text)
        self.crash(e, signal.SIGSEGV)
        e = self.start(text)
        self.assertRegex(e.process.log(), DEMOTED_LOG)
        # Two child deaths before a first successful collect: the isolated quarantine.
        for _ in range(10):
            got = e.metrics()
            self.assertEqual(h.find(got, "hello_value", source="hello"), [42.0])
            if quarantined(got, "crashy", "crasher") == [1.0]:
                break
        self.assertEqual((quarantined(got, "crashy", "crasher"), demoted(got)), ([1.0], [0.0]))
        self.assertIn("quarantined after repeated plugin process deaths", e.process.log())
        self.assertEqual(e.stop(), 0)
        # At the next start it is not created at all.
        e = self.start(text)
        self.assert_serving_with_crashy_quarantined(e)
        # An admin clear creates it as configured: in process (where it crashes the exporter
        # again, and the start after that demotes it again).
        r = h.http("POST", e.url("/-/quarantine/clear"))
        self.assertEqual(r.status, 200, r.text)
        got = e.metrics("?collector=hello")
        self.assertEqual((quarantined(got, "crashy", "crasher"), demoted(got)), ([0.0], [0.0]))
        self.assertEqual(status_row(e, "crashy")["isolation"], "in_process")
        self.crash(e, signal.SIGSEGV, "?collector=crashy")
        e = self.start(text)
        self.assertEqual(demoted(e.metrics("?collector=hello")), [1.0])


if __name__ == "__main__":
    unittest.main()
