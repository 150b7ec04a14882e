"""test_isolation.py — isolation = "process" (issue 13 items 1, 2, 4) with the
real binary: the hello and script plugins give the same samples isolated as
in process; misbehaving fixture plugins (SIGSEGV, abort, exit(3), _exit(0),
spin past the deadline, garbage on the runner's socket, a leak under
rss_limit) beside a healthy collector: the host stays up and the healthy
collector is served in every scrape, the collect fails with the reason, the
restarts metric counts the reason, the backoff answers at once, repeated
deaths quarantine the collector, the quarantine is kept across a restart of
the exporter and cleared by a reload that changes the collector; config
errors keep their file:line:column through the child; the child's
hardening (no inherited fds, no_new_privs, parent-death signal,
memory_limit, user)."""
import json
import os
import pwd
import re
import time
import unittest

import harness as h

CRASHER = os.path.join(h.TEST_PLUGIN_DIR, "crasher.so")
HELLO = ('[[collector]]\nname = "hello"\nplugin = "hello"\nlabels = { source = "hello" }\n'
         '[collector.config]\ngreeting = "hi"\nvalue = 7.5\n')
SCRIPT_PROGRAM = os.path.join(h.SOURCE_DIR, "tests", "script", "programs", "metrics.sh")


def crashy(mode, extra=""):
    return (f'[[collector]]\nname = "crashy"\nplugin = "{CRASHER}"\nisolation = "process"\n'
            f'timeout = "2s"\nlabels = {{ source = "crashy" }}\n{extra}'
            f'[collector.config]\nmode = "{mode}"\n')


def status_of(e, name):
    status = json.loads(e.get("/api/v1/exporter/status").text)
    return next(c for c in status["collectors"] if c["name"] == name)


def process_up(text, collector, plugin="crasher"):
    return h.find(text, "plugin_exporter_collector_process_up", collector=collector, plugin=plugin)


def restarts(text, collector, reason, plugin="crasher"):
    return h.find(text, "plugin_exporter_collector_process_restarts_total", collector=collector,
                  plugin=plugin, reason=reason)


def comparable(text):
    """Samples without the host's own figures (durations, times differ run to run)."""
    return {k: v for k, v in h.samples(text).items()
            if not k[0].startswith(("plugin_exporter_", "process_"))}


class IsolationTest(unittest.TestCase):
    def setUp(self):
        self._tmp = h.temp_dir()
        self.tmp = self._tmp.__enter__()
        self.state = os.path.join(self.tmp, "state")
        self.exporters = []

    def tearDown(self):
        for e in self.exporters:
            e.stop()
        self._tmp.__exit__(None, None, None)

    def start(self, text):
        e = h.Exporter(self.tmp, text)
        self.exporters.append(e)
        return e

    def healthy_scrape(self, e, query=""):
        text = e.metrics(query)
        self.assertEqual(h.find(text, "hello_value", source="hello"), [7.5])
        self.assertTrue(e.process.alive())
        return text

    def test_hello_and_script_give_the_same_samples_isolated(self):
        script = ('[[collector]]\nname = "script"\nplugin = "script"\n'
                  f'[collector.config]\ncommand = ["{SCRIPT_PROGRAM}"]\n')
        outputs = {}
        for mode in ("in_process", "process"):
            text = f'[defaults]\nisolation = "{mode}"\n' + HELLO + script
            e = self.start(text)
            got = e.metrics()
            code, out = h.promtool_check(got)
            self.assertEqual(code, 0, out[:2000])
            outputs[mode] = comparable(got)
            if mode == "process":
                self.assertEqual(process_up(got, "hello", "hello"), [1.0])
                self.assertEqual(process_up(got, "script", "script"), [1.0])
                rss = h.find(got, "plugin_exporter_collector_process_resident_memory_bytes",
                             collector="hello", plugin="hello")
                self.assertEqual(len(rss), 1)
                self.assertGreater(rss[0], 100_000)
                configz = json.loads(e.get("/configz").text)
                self.assertEqual({c["name"]: c["isolation"] for c in configz["collector"]},
                                 {"hello": "process", "script": "process"})
                self.assertEqual(status_of(e, "hello")["isolation"], "process")
                # The status page marks isolated collectors next to their plugin.
                self.assertIn('<td>hello <span class="note">(process)</span></td>', e.get("/").text)
            else:
                self.assertEqual(process_up(got, "hello", "hello"), [])
                self.assertEqual(status_of(e, "hello")["isolation"], "in_process")
                self.assertNotIn("(process)", e.get("/").text)
            e.stop()
        self.assertIn(("hello_value", frozenset({("source", "hello")})), outputs["process"])
        self.assertGreater(len(outputs["process"]), 3)
        self.assertEqual(outputs["process"], outputs["in_process"])

    def test_config_errors_keep_positions_and_unknown_keys_through_the_child(self):
        text = ('[[collector]]\nname = "hello"\nplugin = "hello"\nisolation = "process"\n'
                '[collector.config]\ngreeting = 5\nunknown_key = 1\n')
        path = os.path.join(self.tmp, "bad.toml")
        with open(path, "w") as f:
            f.write(text)
        p = h.Process([h.EXPORTER, f"--config.file={path}", f"--plugin.dir={h.PLUGIN_DIR}",
                       "--check-config"], log_path=os.path.join(self.tmp, "check.log"))
        h.wait_for(lambda: not p.alive(), 20, what="--check-config to finish")
        log = p.log()
        self.assertNotEqual(p.proc.returncode, 0, log)
        self.assertRegex(log, r"bad\.toml:6:12: collector\[0\]\.config\.greeting: expected a string")
        self.assertRegex(log, r"bad\.toml:7:15: collector\[0\]\.config\.unknown_key: unknown key")

    def assert_restarts_with_reason(self, mode, reason_re, label):
        e = self.start(HELLO + crashy(mode))
        self.healthy_scrape(e)  # the crasher dies in this scrape; hello is served
        st = status_of(e, "crashy")
        self.assertRegex(st["last_error"], reason_re)
        text = self.healthy_scrape(e)  # restarted at once, dies again: quarantined (never succeeded)
        self.assertEqual(restarts(text, "crashy", label), [1.0])
        h.wait_for(lambda: h.find(self.healthy_scrape(e), "plugin_exporter_collector_quarantined",
                                  collector="crashy", plugin="crasher") == [1.0], 10,
                   what="the quarantine")
        self.assertIn("quarantined after repeated plugin process deaths", e.process.log())
        self.assertRegex(status_of(e, "crashy")["last_error"], "quarantined")
        return e

    def test_segfault_abort_exit_reasons(self):
        cases = [("segv", r"plugin process killed by signal 11 \(SIGSEGV\)", "SIGSEGV"),
                 ("abort", r"plugin process killed by signal 6 \(SIGABRT\)", "SIGABRT"),
                 ("exit3", r"plugin process exited with status 3", "exit"),
                 ("exit0", r"plugin process exited with status 0 during collect", "exit")]
        for mode, reason, label in cases:
            with self.subTest(mode=mode):
                e = self.assert_restarts_with_reason(mode, reason, label)
                e.stop()

    def test_restart_backoff_and_quarantine_kept_across_restart_cleared_by_reload(self):
        text = f'state_dir = "{self.state}"\n' + HELLO + crashy("segv_every_2nd")
        e = self.start(text)
        self.assertEqual(h.find(self.healthy_scrape(e), "crasher_up", source="crashy"), [1.0])
        self.healthy_scrape(e)  # second collect of the process: SIGSEGV
        self.assertRegex(status_of(e, "crashy")["last_error"],
                         r"plugin process killed by signal 11 \(SIGSEGV\)")
        # Restarted at once: the next scrape is served by a new process.
        text = self.healthy_scrape(e)
        self.assertEqual(h.find(text, "crasher_up", source="crashy"), [1.0])
        self.assertEqual(restarts(text, "crashy", "SIGSEGV"), [1.0])
        self.healthy_scrape(e)  # dies again: now the backoff (1 s) applies
        self.healthy_scrape(e)
        self.assertRegex(status_of(e, "crashy")["last_error"],
                         r"plugin process restarting in 1s after plugin process killed by signal 11")
        # 5 deaths within 10 minutes quarantine it.
        for _ in range(40):
            if "quarantined after repeated" in e.process.log():
                break
            self.healthy_scrape(e)
            time.sleep(0.5)
        self.assertIn("quarantined after repeated plugin process deaths", e.process.log())
        text = self.healthy_scrape(e)
        self.assertEqual(h.find(text, "plugin_exporter_collector_quarantined", collector="crashy",
                                plugin="crasher"), [1.0])
        self.assertEqual(e.stop(), 0)
        # Kept across a restart of the exporter (state_dir).
        e = self.start(text_with_state := text_of(self.state, "segv_every_2nd"))
        text = self.healthy_scrape(e)
        self.assertEqual(h.find(text, "plugin_exporter_collector_quarantined", collector="crashy",
                                plugin="crasher"), [1.0])
        self.assertEqual(h.find(text, "crasher_up"), [])
        # A reload that changes the collector clears it.
        with open(e.config_path, "w") as f:
            f.write(text_with_state.replace('"segv_every_2nd"', '"ok"'))
        self.assertEqual(h.http("POST", e.url("/-/reload")).status, 200)
        text = self.healthy_scrape(e)
        self.assertEqual(h.find(text, "plugin_exporter_collector_quarantined", collector="crashy",
                                plugin="crasher"), [0.0])
        self.assertEqual(h.find(text, "crasher_up", source="crashy"), [1.0])
        self.assertEqual(process_up(text, "crashy"), [1.0])

    def test_spin_past_the_deadline_kills_the_child(self):
        e = self.start(HELLO + crashy("spin"))
        t0 = time.monotonic()
        self.healthy_scrape(e)  # hello answers; crashy times out at 2 s
        self.assertLess(time.monotonic() - t0, 4.5)
        h.wait_for(lambda: "deadline exceeded" in e.process.log(), 10, what="the deadline kill")
        h.wait_for(lambda: restarts(self.healthy_scrape(e), "crashy", "deadline") == [1.0], 10,
                   what="a restart for the deadline")

    def test_garbage_on_the_socket_is_a_protocol_error(self):
        e = self.start(HELLO + crashy("garbage"))
        self.healthy_scrape(e)
        h.wait_for(lambda: "protocol error" in e.process.log(), 10, what="the protocol error")
        self.assertRegex(status_of(e, "crashy")["last_error"], r"plugin process killed: protocol error")
        text = self.healthy_scrape(e)
        self.assertEqual(restarts(text, "crashy", "protocol"), [1.0])

    def test_a_leak_is_seen_and_recycled_at_rss_limit(self):
        e = self.start(HELLO + crashy("leak", 'rss_limit = "45MiB"\n'))
        rss = []
        for _ in range(8):
            text = self.healthy_scrape(e)
            self.assertEqual(h.find(text, "crasher_up", source="crashy"), [1.0])
            rss += h.find(text, "plugin_exporter_collector_process_resident_memory_bytes",
                          collector="crashy", plugin="crasher")
        self.assertGreaterEqual(restarts(text, "crashy", "recycled")[0], 1.0)
        self.assertLess(max(rss), 80 << 20)
        self.assertIn("plugin process recycled", e.process.log())

    def test_child_hardening(self):
        e = self.start(HELLO.replace('plugin = "hello"\n', 'plugin = "hello"\nisolation = "process"\n'))
        self.healthy_scrape(e)
        child = self.only_child(e)
        with open(f"/proc/{child}/status") as f:
            status = f.read()
        self.assertRegex(status, r"NoNewPrivs:\s+1")
        # SCHED_BATCH, every thread: woken by a request, it does not preempt the
        # host's collecting thread (same share of the CPU otherwise).
        for tid in os.listdir(f"/proc/{child}/task"):
            self.assertEqual(os.sched_getscheduler(int(tid)), os.SCHED_BATCH, tid)
        # Nothing inherited but stdio, the socket and the shared ring of its parts.
        self.assertEqual(sorted(int(fd) for fd in os.listdir(f"/proc/{child}/fd")), [0, 1, 2, 3, 4])
        self.assertIn("socket:", os.readlink(f"/proc/{child}/fd/3"))
        self.assertIn("memfd:plugin_exporter-collect-ring", os.readlink(f"/proc/{child}/fd/4"))
        with open(f"/proc/{child}/cmdline", "rb") as f:
            self.assertIn(b"--collector-runner", f.read())
        # The host dies: so does the child (PR_SET_PDEATHSIG).
        e.process.send_signal(9)
        h.wait_for(lambda: not os.path.exists(f"/proc/{child}") or _zombie(child), 10,
                   what="the child to die with its host")

    def only_child(self, e):
        children = [p for p in os.listdir("/proc") if p.isdigit() and
                    _ppid(p) == e.process.proc.pid]
        self.assertEqual(len(children), 1, children)
        return children[0]

    def test_memory_limit_fails_the_collect_that_allocates_past_it(self):
        roomy = crashy("big_alloc").replace('"crashy"', '"roomy"')
        e = self.start(HELLO + crashy("big_alloc", 'memory_limit = "512MiB"\n') + roomy)
        for _ in range(3):  # every scrape: hello and roomy served, crashy fails saying why
            text = self.healthy_scrape(e)
            self.assertEqual(h.find(text, "crasher_up", source="roomy"), [1.0])
            self.assertEqual(h.find(text, "crasher_up", source="crashy"), [])
            self.assertEqual(h.find(text, "plugin_exporter_collector_success", collector="crashy",
                                    plugin="crasher"), [0.0])
            self.assertEqual(status_of(e, "crashy")["last_error"], "crasher: malloc of 1 GiB failed")
            self.assertEqual(process_up(text, "crashy"), [1.0])  # the child lives on
        limits = {}
        for pid in [p for p in os.listdir("/proc") if p.isdigit() and _ppid(p) == e.process.proc.pid]:
            with open(f"/proc/{pid}/limits") as f:
                line = next(x for x in f if x.startswith("Max address space"))
            limits[line.split()[3]] = line.split()[3:5]
        # The limited child and the unlimited one (roomy: its 1 GiB was granted).
        self.assertEqual(sorted(limits), ["536870912", "unlimited"], limits)
        self.assertEqual(limits["536870912"], ["536870912", "536870912"])

    def test_user_runs_the_plugin_process_as_that_user(self):
        if os.geteuid() != 0:
            self.skipTest('user = "nobody" needs the exporter to run as root (CI runs as root)')
        nobody = pwd.getpwnam("nobody")
        e = self.start(HELLO + crashy("ids", 'user = "nobody"\n'))
        text = self.healthy_scrape(e)
        # Said by the plugin from inside the child: getuid(), getgid().
        self.assertEqual(h.find(text, "crasher_uid", source="crashy"), [float(nobody.pw_uid)])
        self.assertEqual(h.find(text, "crasher_gid", source="crashy"), [float(nobody.pw_gid)])
        with open(f"/proc/{self.only_child(e)}/status") as f:
            status = f.read()
        uid = str(nobody.pw_uid)
        self.assertRegex(status, rf"Uid:\s+{uid}\s+{uid}\s+{uid}\s+{uid}\n")
        self.assertRegex(status, r"Groups:\s*\n")  # no supplementary groups kept
        with open(f"/proc/{e.process.proc.pid}/status") as f:
            self.assertRegex(f.read(), r"Uid:\s+0\s")  # the exporter itself stays root

    def test_config_keys_are_checked(self):
        bad = HELLO + ('[[collector]]\nname = "two"\nplugin = "hello"\nisolation = "sideways"\n'
                       'memory_limit = "lots"\n[defaults]\nisolation = "process"\n')
        path = os.path.join(self.tmp, "keys.toml")
        with open(path, "w") as f:
            f.write(bad)
        p = h.Process([h.EXPORTER, f"--config.file={path}", f"--plugin.dir={h.PLUGIN_DIR}",
                       "--check-config"], log_path=os.path.join(self.tmp, "check.log"))
        h.wait_for(lambda: not p.alive(), 20, what="--check-config to finish")
        log = p.log()
        self.assertRegex(log, r'keys\.toml:\d+:\d+: collector\[1\]\.isolation: is "in_process" or '
                              r'"process", not "sideways"')
        self.assertRegex(log, r"keys\.toml:\d+:\d+: collector\[1\]\.memory_limit: expected a byte size")
        in_process = HELLO + 'max_collects = 3\n'
        with open(path, "w") as f:
            f.write(in_process.replace("[collector.config]\ngreeting = \"hi\"\nvalue = 7.5\n", "")
                    + '[collector.config]\n')
        p = h.Process([h.EXPORTER, f"--config.file={path}", f"--plugin.dir={h.PLUGIN_DIR}",
                       "--check-config"], log_path=os.path.join(self.tmp, "check2.log"))
        h.wait_for(lambda: not p.alive(), 20, what="--check-config to finish")
        self.assertIn('max_collects: applies only with isolation = "process"', p.log())
        # memory_limit and user on an in-process collector, and a wrong on_crash, located.
        with open(path, "w") as f:
            f.write('[[collector]]\nname = "hello"\nplugin = "hello"\nmemory_limit = "64MiB"\n'
                    'user = "nobody"\non_crash = "restart"\n')
        p = h.Process([h.EXPORTER, f"--config.file={path}", f"--plugin.dir={h.PLUGIN_DIR}",
                       "--check-config"], log_path=os.path.join(self.tmp, "check3.log"))
        h.wait_for(lambda: not p.alive(), 20, what="--check-config to finish")
        log = p.log()
        self.assertNotEqual(p.proc.returncode, 0, log)
        self.assertRegex(log, r'keys\.toml:4:\d+: collector\[0\]\.memory_limit: applies only with '
                              r'isolation = "process"')
        self.assertRegex(log, r'keys\.toml:5:\d+: collector\[0\]\.user: applies only with '
                              r'isolation = "process"')
        self.assertRegex(log, r'keys\.toml:6:12: collector\[0\]\.on_crash: is "quarantine" or '
                              r'"isolate", not "restart"')


def text_of(state, mode):
    return f'state_dir = "{state}"\n' + HELLO + crashy(mode)


def _ppid(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


if __name__ == "__main__":
    unittest.main()
