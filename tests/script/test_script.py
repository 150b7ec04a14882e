"""test_script.py — the script plugin in the real plugin_exporter binary, over
HTTP, with real programs (tests/script/programs/): valid metrics pass
promtool; garbage, exit 3, timeouts and a 100 MB flood fail only their own
collector (with the reason, never stderr, on /metrics); timed-out programs
and their children are gone afterwards; the environment is exactly what was
allowed; 200 concurrent scrapes run the program once; injection attempts
through parameters change nothing and are reported; the process-wide cap;
cached and background modes; running as nobody; --check-config errors."""
import http.client
import json
import os
import re
import subprocess
import threading
import time
import unittest
import urllib.parse

import harness as h

PROGRAMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "programs")
# Room for 50 scrapes with different query strings at once (the defaults
# produce 16 different responses at a time: identical scrapes share one and
# need no room), and enough collector threads that collects with different
# parameters reach the plugin at once instead of queueing in the host's pool
# (8 threads for one collector).
WEB = "collector_threads = 64\n[web]\nmax_concurrent_scrapes = 512\n\n"


def program(name):
    return os.path.join(PROGRAMS, name)


def toml(value):
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(value)


def collector(name, command, config="", timeout="10s"):
    argv = ", ".join(toml(a) for a in command)
    return (f'[[collector]]\nname = "{name}"\nplugin = "script"\ntimeout = "{timeout}"\n'
            f'[collector.config]\ncommand = [{argv}]\n{config}\n')


def counted(tmp, config="", max_wait=100):
    """counted_run.sh: one line per run in tmp/runs, held open until
    tmp/release exists (at most max_wait tenths of a second)."""
    return (f'environment = {{ RUNS_FILE = {toml(os.path.join(tmp, "runs"))}, '
            f'RELEASE_FILE = {toml(os.path.join(tmp, "release"))}, MAX_WAIT = "{max_wait}" }}\n'
            + config)


def parameter(name, regex, env=None, argument=None):
    target = f"env = {toml(env)}" if env else f"argument = {toml(argument)}"
    return f"[[collector.config.parameter]]\nname = {toml(name)}\nregex = {toml(regex)}\n{target}\n"


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return f.read().splitlines()


def read_pids(path):
    with open(path) as f:
        return tuple(int(p) for p in f.read().split())


def running(pid):
    """True while pid is a live process (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def gone(pid, timeout=5.0):
    deadline = time.monotonic() + timeout
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not running(pid)


def stat_of(text, name, collector_name):
    values = h.find(text, "plugin_exporter_collector_" + name, collector=collector_name)
    return values[0] if values else None


def last_error(text, collector_name):
    for (n, ls), _ in h.samples(text).items():
        labels = dict(ls)
        if n == "plugin_exporter_collector_last_error_info" and labels.get("collector") == collector_name:
            return labels["reason"]
    return None


def label_values(text, metric, label):
    return {dict(ls)[label] for (n, ls), _ in h.samples(text).items() if n == metric}


def vm_hwm_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


class ScriptPluginTest(unittest.TestCase):
    def setUp(self):
        self._tmp = h.temp_dir("pe-script-it-")
        self.tmp = self._tmp.__enter__()
        os.chmod(self.tmp, 0o777)  # the nobody test writes here
        self.exporter = None

    def tearDown(self):
        if self.exporter:
            self.exporter.stop()
        self._tmp.__exit__(None, None, None)

    def start(self, config, defaults=False):
        self.exporter = h.Exporter(self.tmp, config if defaults else WEB + config)
        return self.exporter

    def scrape(self, query=""):
        return self.exporter.get("/metrics" + query)

    # --- programs that behave and misbehave -------------------------------

    def test_valid_metrics_pass_promtool_next_to_failing_collectors(self):
        e = self.start(collector("good", [program("metrics.sh")])
                       + collector("garbage", [program("garbage.sh")])
                       + collector("exit3", [program("exit3.sh")]))
        text = e.metrics()
        code, out = h.promtool_check(text)
        self.assertEqual(code, 0, out[:2000])
        self.assertEqual(h.find(text, "script_test_queue_length", queue="mail"), [42.0])
        self.assertEqual(stat_of(text, "success", "good"), 1.0)
        self.assertEqual(stat_of(text, "exit_code", "good"), 0.0)
        self.assertEqual(h.find(text, "plugin_exporter_script_runs_total", collector="good", result="ok"), [1.0])

        self.assertEqual(stat_of(text, "success", "garbage"), 0.0)
        self.assertRegex(last_error(text, "garbage"), r"invalid exposition text.*2:")
        self.assertEqual(h.find(text, "script_test_before_garbage"), [])  # nothing of it served

        self.assertEqual(stat_of(text, "success", "exit3"), 0.0)
        self.assertEqual(stat_of(text, "exit_code", "exit3"), 3.0)
        self.assertEqual(last_error(text, "exit3"), "program exited with code 3; its output (22 bytes) was discarded")
        self.assertEqual(h.find(text, "script_test_partial"), [])
        # stderr goes to the log, never to /metrics.
        self.assertNotIn("queue server", text)
        h.wait_for(lambda: "cannot reach the queue server" in e.process.log(), 5, what="stderr in the log")

    def test_timeout_kills_the_program_and_the_child_it_started(self):
        pids = os.path.join(self.tmp, "pids")
        e = self.start(collector("slow", [program("sleeper_with_child.sh"), pids, "stubborn"],
                                 'timeout = "1s"\nkill_grace = "500ms"\n'))
        started = time.monotonic()
        text = e.metrics()
        self.assertLess(time.monotonic() - started, 8)
        self.assertEqual(stat_of(text, "success", "slow"), 0.0)
        self.assertIn("program did not finish within 1.000s", last_error(text, "slow"))
        self.assertIn("then SIGKILL", last_error(text, "slow"))
        shell, child = read_pids(pids)
        self.assertTrue(gone(shell), f"program {shell} still running")
        self.assertTrue(gone(child), f"its child {child} still running")

    def test_a_100_mb_flood_is_cut_at_the_limit_with_bounded_memory(self):
        e = self.start(collector("flood", [program("flood.sh")], timeout="60s")
                       + collector("good", [program("metrics.sh")]))
        before = vm_hwm_bytes(e.process.proc.pid)
        text = e.metrics()
        self.assertEqual(stat_of(text, "success", "flood"), 0.0)
        self.assertIn("more than max_output_bytes = 16777216 bytes", last_error(text, "flood"))
        self.assertLess(stat_of(text, "output_bytes", "flood"), 100 * 1024 * 1024)
        self.assertEqual(stat_of(text, "success", "good"), 1.0)
        peak = vm_hwm_bytes(e.process.proc.pid)
        # 16 MiB of kept output plus the exporter itself; far from 100 MB.
        self.assertLess(peak - before, 64 * 1024 * 1024, f"peak grew from {before} to {peak}")

    def test_the_program_gets_only_the_allowed_environment(self):
        e = self.start(collector("env", [program("env_metrics.py")],
                                 'environment = { LANG = "C.UTF-8" }\n'
                                 'inherit_environment = ["HOME"]\n'
                                 + parameter("target", "[a-z0-9.-]{1,63}", env="TARGET")))
        text = e.metrics("?target=db1")
        self.assertEqual(label_values(text, "script_test_env", "variable"),
                         {"LANG", "HOME", "PATH", "TARGET", "PLUGIN_EXPORTER_TIMEOUT_SECONDS",
                          "PLUGIN_EXPORTER_DEADLINE"})
        self.assertEqual(label_values(text, "script_test_path", "value"),
                         {"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"})

    # --- coalescing -------------------------------------------------------

    def concurrent_scrapes(self, queries):
        """Sends one scrape per query at once; returns (status, body) per query
        once `release` exists. The caller releases after the sends."""
        results = [None] * len(queries)
        sent = []
        lock = threading.Lock()

        def one(i):
            # Each scraper from its own loopback address, as scrapers on
            # different machines (the server caps connections per address).
            source = (f"127.1.{i // 250}.{1 + i % 250}", 0)
            conn = http.client.HTTPConnection("127.0.0.1", self.exporter.port, timeout=120,
                                              source_address=source)
            try:
                conn.request("GET", "/metrics" + queries[i])
                with lock:
                    sent.append(i)
                r = conn.getresponse()
                results[i] = (r.status, r.read().decode())
            except Exception as ex:  # noqa: BLE001 — reported as a failed result
                results[i] = (0, repr(ex))
                with lock:
                    sent.append(i)
            finally:
                conn.close()

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(queries))]
        for t in threads:
            t.start()
        return threads, results, sent

    def run_burst(self, queries):
        runs = os.path.join(self.tmp, "runs")
        threads, results, sent = self.concurrent_scrapes(queries)
        h.wait_for(lambda: len(sent) == len(queries), 60, what="all scrapes sent")
        h.wait_for(lambda: os.path.exists(runs), 30, what="the run to start")
        time.sleep(2)  # every request has been read and joined the run
        open(os.path.join(self.tmp, "release"), "w").close()
        for t in threads:
            t.join(120)
        return results, lines(runs)

    def test_1000_concurrent_scrapes_run_the_program_once_with_default_settings(self):
        self.start(collector("burst", [program("counted_run.sh")], counted(self.tmp)), defaults=True)
        results, runs = self.run_burst(["?collector=burst"] * 1000)
        self.assertEqual(len(runs), 1, runs)
        for status, body in results:
            self.assertEqual(status, 200, body[:300])
            self.assertEqual(h.find(body, "script_test_counted_run", target="none"), [1.0])
            self.assertEqual(h.find(body, "plugin_exporter_collector_success", collector="burst"), [1.0])

    def test_scrapes_differing_only_in_ignored_parameters_also_share_the_run(self):
        # The host cannot coalesce these (their query strings differ); the
        # plugin coalesces on the validated parameters.
        self.start(collector("burst", [program("counted_run.sh")],
                             counted(self.tmp) + parameter("target", "[a-z]+", env="TARGET")))
        results, runs = self.run_burst([f"?collector=burst&target=db&junk={i}" for i in range(50)])
        self.assertEqual(len(runs), 1, runs)
        for status, body in results:
            self.assertEqual(status, 200, body[:300])
            self.assertEqual(h.find(body, "script_test_counted_run", target="db"), [1.0])
        text = self.exporter.metrics("?target=other")
        self.assertEqual(h.find(text, "plugin_exporter_script_unknown_parameters_total", collector="burst"), [50.0])

    def test_a_slow_target_does_not_hold_up_another(self):
        self.start(collector("t", [program("counted_run.sh")],
                             counted(self.tmp) + parameter("target", "[a-z]+", env="TARGET")))
        threads, results, _ = self.concurrent_scrapes(["?target=slow"])
        runs = os.path.join(self.tmp, "runs")
        h.wait_for(lambda: len(lines(runs)) == 1, 30, what="the slow run")
        threads2, results2, _ = self.concurrent_scrapes(["?target=fast"])
        # Both runs are in progress at once (neither is released yet).
        h.wait_for(lambda: len(lines(runs)) == 2, 30, what="the second run to start beside the first")
        open(os.path.join(self.tmp, "release"), "w").close()
        for t in threads + threads2:
            t.join(60)
        self.assertEqual(h.find(results[0][1], "script_test_counted_run", target="slow"), [1.0])
        self.assertEqual(h.find(results2[0][1], "script_test_counted_run", target="fast"), [1.0])

    # --- parameters -------------------------------------------------------

    def test_injection_attempts_change_nothing_and_are_reported(self):
        marker = os.path.join(self.tmp, "pwned")
        e = self.start(collector("p", [program("env_metrics.py"), "--fixed"],
                                 parameter("target", "[a-z0-9.-]{1,63}", env="TARGET")
                                 + parameter("mode", "fast|slow", argument="--mode=")))
        hostile = {
            "target": [f"a;touch {marker}", f"$(touch {marker})", f"`touch {marker}`", "a\ntouch x",
                       "a\r\nX-Injected: 1", "../../etc/passwd", "/etc/passwd", "a b", "a" * 5000, "é"],
            "mode": ["fast;id", "fast\n", "fastslow", f"fast$(touch {marker})", "--help"],
        }
        for name, values in hostile.items():
            for value in values:
                r = self.scrape("?" + urllib.parse.urlencode({name: value}))
                self.assertEqual(r.status, 400, f"{name}={value!r}: {r.text[:200]}")
                self.assertIn(f'parameter "{name}"', r.text)
                if len(value) > 3:
                    self.assertNotIn(value, r.text)
        r = self.scrape("?target=a&target=b")
        self.assertEqual(r.status, 400)
        self.assertIn("given 2 times", r.text)

        # Names outside the allowlist are ignored (and counted), whatever they are.
        r = self.scrape("?" + urllib.parse.urlencode(
            [("target", "db1"), ("mode", "slow"), ("PATH", "/tmp/evil"), ("LD_PRELOAD", "/tmp/evil.so"),
             ("BASH_ENV", "/tmp/x"), ("TARGET", "evil"), ("x\ny", "1")]))
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertEqual(label_values(r.text, "script_test_env", "variable"),
                         {"PATH", "TARGET", "PLUGIN_EXPORTER_TIMEOUT_SECONDS", "PLUGIN_EXPORTER_DEADLINE"})
        self.assertEqual(label_values(r.text, "script_test_path", "value"),
                         {"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"})
        self.assertEqual(label_values(r.text, "script_test_arg", "value"), {"--fixed", "--mode=slow"})
        self.assertEqual(h.find(r.text, "plugin_exporter_script_unknown_parameters_total", collector="p"), [5.0])
        # A NUL cannot cross the plugin ABI: the host passes the value up to it.
        r = self.scrape("?target=a%00%3Btouch%20" + urllib.parse.quote(marker))
        self.assertIn(r.status, (200, 400), r.text[:300])
        if r.status == 200:
            self.assertEqual(h.find(r.text, "script_test_env", variable="TARGET"), [1.0])
        self.assertFalse(os.path.exists(marker), "a parameter reached a shell")
        text = e.metrics("?target=ok")
        self.assertGreaterEqual(h.find(text, "plugin_exporter_script_refused_total", collector="p",
                                       reason="bad_parameter")[0], 16.0)
        h.wait_for(lambda: "not in this collector's allowlist" in e.process.log(), 5,
                   what="unknown parameters logged")
        log = e.process.log()
        self.assertIn("scrape refused (HTTP 400): parameter", log)
        self.assertNotIn(marker, log)  # values are never logged

    # --- limits, modes, identity -----------------------------------------

    @unittest.skipIf(os.environ.get("PE_ISOLATION") == "process",
                     "max_running_programs is per process: isolated collectors each have their own")
    def test_the_process_wide_cap_refuses_at_once_with_a_reason(self):
        e = self.start(collector("holder", [program("counted_run.sh")],
                                 counted(self.tmp, "max_running_programs = 1\n"))
                       + collector("other", [program("metrics.sh")]))
        threads, results, _ = self.concurrent_scrapes(["?collector=holder"])
        h.wait_for(lambda: os.path.exists(os.path.join(self.tmp, "runs")), 30, what="the holder's run")
        text = e.metrics("?collector=other")
        self.assertEqual(stat_of(text, "success", "other"), 0.0)
        self.assertIn("max_running_programs", last_error(text, "other"))
        self.assertEqual(h.find(text, "plugin_exporter_collector_scrapes_total", collector="other", result="unavailable"), [1.0])
        open(os.path.join(self.tmp, "release"), "w").close()
        for t in threads:
            t.join(60)
        text = e.metrics("?collector=other")
        self.assertEqual(stat_of(text, "success", "other"), 1.0)
        self.assertEqual(h.find(text, "plugin_exporter_script_refused_total", collector="other",
                                reason="concurrency_limit"), [1.0])

    def test_cached_mode_serves_the_last_run_between_runs(self):
        e = self.start(collector("c", [program("counted_run.sh")],
                                 counted(self.tmp, 'mode = "cached"\nmin_interval = "1h"\n', max_wait=0)))
        first = e.metrics()
        self.assertEqual(stat_of(first, "cached", "c"), 0.0)
        for _ in range(3):
            text = e.metrics()
            self.assertEqual(stat_of(text, "cached", "c"), 1.0)
            self.assertEqual(h.find(text, "script_test_counted_run", target="none"), [1.0])
        self.assertEqual(len(lines(os.path.join(self.tmp, "runs"))), 1)

    def test_background_mode_runs_alone_and_its_program_is_stopped_with_the_exporter(self):
        pids = os.path.join(self.tmp, "pids")
        e = self.start(collector("bg", [program("counted_run.sh")],
                                 counted(self.tmp, 'mode = "background"\ninterval = "200ms"\n', max_wait=0))
                       + collector("sleeper", [program("sleeper_with_child.sh"), pids],
                                   'mode = "background"\ninterval = "1h"\ntimeout = "1h"\n'))
        h.wait_for(lambda: len(lines(os.path.join(self.tmp, "runs"))) >= 3, 30, what="background runs")
        text = e.metrics("?collector=bg")
        self.assertEqual(stat_of(text, "success", "bg"), 1.0)
        self.assertEqual(stat_of(text, "cached", "bg"), 1.0)
        h.wait_for(lambda: os.path.exists(pids), 30, what="the sleeper to start")
        shell, child = read_pids(pids)
        self.exporter.stop()
        self.exporter = None
        self.assertTrue(gone(shell), "the background program outlived the exporter")
        self.assertTrue(gone(child), "the background program's child outlived the exporter")

    def test_programs_run_as_the_configured_user(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")
        out = os.path.join(self.tmp, "owned-by")
        e = self.start(collector("u", ["/bin/sh", "-c",
                                       f'touch {out}; echo "script_test_uid $(id -u)"; '
                                       'echo "script_test_groups $(id -G | wc -w)"'],
                                 'user = "nobody"\nworking_directory = "/tmp"\n'))
        text = e.metrics()
        self.assertEqual(h.find(text, "script_test_uid"), [65534.0])
        self.assertEqual(os.stat(out).st_uid, 65534)

    def test_check_config_reports_located_errors(self):
        path = os.path.join(self.tmp, "bad.toml")
        with open(path, "w") as f:
            f.write(collector("bad", ["relative/prog"], 'mode = "cached"\n'
                              + parameter("p", ".*", env="LD_PRELOAD")))
        p = subprocess.run([h.EXPORTER, "--check-config", f"--config.file={path}", f"--plugin.dir={h.PLUGIN_DIR}"],
                           capture_output=True, timeout=30)
        out = (p.stdout + p.stderr).decode()
        self.assertNotEqual(p.returncode, 0, out)
        self.assertRegex(out, r"bad\.toml:\d+:\d+: collector\[0\]\.config\.command: the program must be an absolute path")
        self.assertIn("needs min_interval", out)
        self.assertIn("LD_", out)


if __name__ == "__main__":
    unittest.main()
