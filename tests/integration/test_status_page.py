"""test_status_page.py — the status page at / in a real headless browser
(Chromium from Debian, --dump-dom and --screenshot on loopback, a temp
profile, bounded in time): it renders the real collectors (hello, a failing
script collector in red with its error, a push collector with its counts),
text injected through a pushed label value stays text
(the injected script would set document.title), the script from /-/status.js
runs under the page's strict CSP and its health filter, search, sorting and
pagination work (driven by the URL fragment the script reads). Also: the
JSON twin, /configz for browsers, and the page behind the roles of /metrics.
Screenshots are left in the build directory (status-page.png, and
status-page-agents.png of a hub with its agents).
On a dial-in hub ([dialin]) the page lists its agents: a connected agent and
a killed one (this binary in agent mode, over ws:// on loopback) show both
states, the agent table's state filter works, and a hostname and a label
value carrying <script> stay text."""
import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness as h

INJECTED = "<script>document.title='pwned'</script>"
TOKEN_SCRAPE = "status-scrape-token-0123456789"
TOKEN_PUSH = "status-push-token-0123456789ab"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = os.path.join(h.BUILD_DIR, "status-page.png")
AGENTS_SCREENSHOT = os.path.join(h.BUILD_DIR, "status-page-agents.png")


def config(auth=""):
    failing = ('[[collector]]\nname = "failing"\nplugin = "script"\n'
               '[collector.config]\ncommand = ["/bin/sh", "-c", "exit 3"]\n')
    hello = '[[collector]]\nname = "{0}"\nplugin = "hello"\nlabels = {{ source = "{0}" }}\n'
    push = '[[collector]]\nname = "pushgw"\nplugin = "push"\n'
    return auth + hello.format("hello") + hello.format("hello-two") + failing + push


def row_of(dom, name):
    """The <tr ...> start tag of collector `name` in a DOM dump."""
    m = re.search(r'<tr [^>]*data-name="' + re.escape(name) + r'"[^>]*>', dom)
    if not m:
        raise AssertionError(f"no row for {name}")
    return m.group(0)


def rows_in_order(dom):
    return re.findall(r'<tr [^>]*data-name="([^"]*)"', dom)


def visible_rows(dom):
    return [n for n in rows_in_order(dom) if "hidden" not in row_of(dom, n)]


def chromium(url, *args):
    """Chromium, headless, on `url` with a temp profile; returns its stdout."""
    with tempfile.TemporaryDirectory(prefix="pe-chromium-") as profile:
        argv = [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--no-proxy-server",
                "--disable-background-networking", "--disable-sync", "--mute-audio",
                "--virtual-time-budget=5000", *args, url]
        p = subprocess.run(argv, capture_output=True, timeout=90, cwd=profile)
        if p.returncode != 0:
            raise AssertionError(p.stderr.decode(errors="replace")[-3000:])
        return p.stdout.decode()


def dom_of(url):
    d = chromium(url, "--dump-dom")
    if 'data-status-script="ready"' not in d:
        raise AssertionError("the page's script did not run:\n" + d[:3000])
    return d


@unittest.skipUnless(os.path.exists(CHROMIUM), "chromium is not installed (tools/install-deps.sh)")
class StatusPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = h.temp_dir()
        cls.tmp = cls._tmp.__enter__()
        cls.exporter = h.Exporter(cls.tmp, config())
        e = cls.exporter
        # A group whose grouping label carries markup ('/' in it: base64 path segment).
        value = base64.urlsafe_b64encode(INJECTED.encode()).decode()
        r = h.http("PUT", e.url(f"/metrics/job/web/instance@base64/{value}"),
                   body=b"pushed_value 7\n", headers={"Content-Type": "text/plain"})
        assert r.status in (200, 202), (r.status, r.text)
        e.metrics()  # one scrape: every collector has a health now

    @classmethod
    def tearDownClass(cls):
        cls.exporter.stop()
        cls._tmp.__exit__(None, None, None)

    def chromium(self, *args, fragment=""):
        return chromium(self.exporter.url("/" + fragment), *args)

    def dom(self, fragment=""):
        return dom_of(self.exporter.url("/" + fragment))

    def test_page_renders_collectors_and_injected_markup_stays_text(self):
        d = self.dom()
        # The injected scripts did not run: the title is the page's own.
        self.assertIn("<title>plugin_exporter status</title>", d)
        self.assertNotIn("pwned</title>", d)
        self.assertNotIn("<script>document.title", d)
        # ... and shows as text. (A collector's error text cannot carry markup from a
        # real plugin here — script errors do not quote the program's output — so its
        # escaping is proven by the unit test status_page_test.cpp.)
        self.assertIn("program exited with code 3", d)
        self.assertRegex(d, r'instance="&lt;script&gt;document\.title=\'pwned\'&lt;/script&gt;"')
        self.assertIn('class="down"', row_of(d, "failing"))
        self.assertIn('class="up"', row_of(d, "hello"))
        self.assertIn('href="/metrics?collector=hello"', d)
        self.assertIn("4 collectors: 3 up, 1 down", d)
        for section in ('id="exporter"', 'id="push"', 'id="remote-write"'):
            self.assertIn(section, d)
        # Not a hub: no agents section.
        self.assertNotIn('id="agents"', d)
        self.assertNotIn("Dial-in agents", d)
        self.assertEqual(sorted(visible_rows(d)), ["failing", "hello", "hello-two", "pushgw"])

    def test_health_filter(self):
        d = self.dom("#health=down")
        self.assertEqual(visible_rows(d), ["failing"])
        self.assertIn('hidden=""', row_of(d, "hello"))
        d = self.dom("#health=up")
        self.assertEqual(sorted(visible_rows(d)), ["hello", "hello-two", "pushgw"])

    def test_search(self):
        self.assertEqual(sorted(visible_rows(self.dom("#q=HELLO"))), ["hello", "hello-two"])
        # The error text is searched too.
        self.assertEqual(visible_rows(self.dom("#q=code%203")), ["failing"])

    def test_sort(self):
        d = self.dom("#sort=name&dir=desc")
        self.assertEqual(rows_in_order(d), ["pushgw", "hello-two", "hello", "failing"])
        self.assertRegex(d, r'<th data-sort="name" class="desc">')
        d = self.dom("#sort=health&dir=asc")
        self.assertEqual(rows_in_order(d)[0], "failing")  # "down" < "up"

    def test_pagination(self):
        d = self.dom("#sort=name&size=3&page=2")
        self.assertEqual(visible_rows(d), ["pushgw"])
        self.assertIn("4 of 4 shown, page 2 of 2", d)
        d = self.dom("#sort=name&size=3")
        self.assertEqual(visible_rows(d), ["failing", "hello", "hello-two"])

    def test_screenshot(self):
        if os.path.exists(SCREENSHOT):
            os.remove(SCREENSHOT)
        self.chromium(f"--screenshot={SCREENSHOT}", "--window-size=1280,1000", "--hide-scrollbars")
        with open(SCREENSHOT, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")

    def test_json_twin_headers_and_configz(self):
        e = self.exporter
        page = e.get("/")
        self.assertEqual(page.status, 200)
        csp = page.headers["Content-Security-Policy"]
        self.assertIn("script-src 'self'", csp)
        self.assertNotIn("unsafe-inline", csp.split("script-src")[1].split(";")[0])
        script = e.get("/-/status.js")
        self.assertEqual(script.status, 200)
        self.assertTrue(script.headers["Content-Type"].startswith("text/javascript"))
        s = json.loads(e.get("/api/v1/exporter/status").text)
        self.assertEqual(s["exporter"]["config_file"], e.config_path)
        self.assertEqual(s["exporter"]["listeners"], [f"http://127.0.0.1:{e.port}"])
        self.assertIsNone(s["exporter"]["last_reload"])
        by_name = {c["name"]: c for c in s["collectors"]}
        self.assertEqual(by_name["failing"]["health"], "down")
        self.assertIn("exited with code 3", by_name["failing"]["last_error"])
        self.assertGreaterEqual(by_name["failing"]["scrapes"]["failed"], 1)
        self.assertEqual(by_name["hello"]["health"], "up")
        self.assertGreater(by_name["hello"]["samples"], 0)
        self.assertGreater(by_name["hello"]["last_collect_unix_ms"], 0)
        self.assertEqual(by_name["hello"]["metrics_path"], "/metrics?collector=hello")
        [push] = s["push"]
        self.assertEqual(push["collector"], "pushgw")
        self.assertEqual(push["status"]["groups"], 1)
        self.assertEqual(push["status"]["requests"]["ok"], 1)
        self.assertEqual(push["status"]["recent_pushes"][0]["labels"]["instance"], INJECTED)
        self.assertIsNone(s["agents"])
        self.assertEqual(s["remote_write"], [])
        # /configz: JSON for API clients, a readable page for browsers.
        self.assertTrue(e.get("/configz").headers["Content-Type"].startswith("application/json"))
        html = e.get("/configz", headers={"Accept": "text/html,application/xhtml+xml"})
        self.assertTrue(html.headers["Content-Type"].startswith("text/html"))
        self.assertIn("<pre>", html.text)
        self.assertIn("&quot;pushgw&quot;", html.text)


@unittest.skipUnless(os.path.exists(CHROMIUM), "chromium is not installed (tools/install-deps.sh)")
class AgentsOnStatusPageTest(unittest.TestCase):
    """A hub with two agents of this binary dialling in over ws:// on loopback;
    one is killed."""

    SECRET = "status-agent-secret-0123456789"

    def agent(self, tmp, alias, hostname, labels="", listen=""):
        path = os.path.join(tmp, f"{alias}.toml")
        with open(path, "w") as f:
            f.write(f"""[web]
listen_addresses = [{listen}]
[agent]
hubs = ["ws://127.0.0.1:{self.hub.port}/agents/connect"]
token = "a.{self.SECRET}"
alias = "{alias}"
hostname = "{hostname}"
service = "pos"
{labels}
ping_interval = "2s"
[[collector]]
name = "hello"
plugin = "hello"
""")
        p = h.Process([h.EXPORTER, f"--config.file={path}", f"--plugin.dir={h.PLUGIN_DIR}"],
                      log_path=os.path.join(tmp, f"{alias}.log"))
        self.procs.append(p)
        return p

    def agents(self):
        s = json.loads(self.hub.get("/api/v1/exporter/status").text)
        return {a["alias"]: a for a in s["agents"]}

    def test_connected_and_killed_agents_with_markup_in_their_texts(self):
        self.procs = []
        with h.temp_dir() as tmp:
            self.hub = h.Exporter(tmp, '[[collector]]\nname = "hub-hello"\nplugin = "hello"\n'
                                  '[dialin]\n[[dialin.token]]\nid = "a"\n'
                                  f'secret = "{self.SECRET}"\naliases = ["*"]\n')
            self.procs.append(self.hub.process)
            try:
                agent_port = h.free_port()
                self.agent(tmp, "edge-ok", "box" + INJECTED,
                           f'labels = {{ site = "{INJECTED}" }}', f'"127.0.0.1:{agent_port}"')
                killed = self.agent(tmp, "edge-killed", "box-2")
                h.wait_for(lambda: len(self.agents()) == 2 and all(
                    a["state"] == "connected" for a in self.agents().values()), 30,
                    what="two agents connected")
                self.assertEqual(self.hub.get("/agents/edge-ok/metrics").status, 200)
                self.assertEqual(self.hub.get("/agents/edge-killed/metrics").status, 200)
                killed.stop()
                h.wait_for(lambda: self.agents()["edge-killed"]["state"] == "disconnected", 20,
                           what="the killed agent disconnected")
                self.assertEqual(self.hub.get("/agents/edge-killed/metrics").status, 503)

                a = self.agents()
                self.assertEqual(a["edge-ok"]["hostname"], "box" + INJECTED)
                self.assertEqual(a["edge-ok"]["labels"], {"site": INJECTED})
                self.assertEqual(a["edge-ok"]["last_scrape_status"], 200)
                self.assertEqual(a["edge-ok"]["scrapes"], {"ok": 1, "failed": 0})
                self.assertGreater(a["edge-ok"]["connected_since_unix_ms"], 0)
                self.assertEqual(a["edge-killed"]["last_scrape_status"], 503)
                self.assertIn("not connected", a["edge-killed"]["last_scrape_error"])
                self.assertEqual(a["edge-killed"]["scrapes"], {"ok": 1, "failed": 1})
                self.assertEqual(a["edge-killed"]["connected_since_unix_ms"], 0)

                d = dom_of(self.hub.url("/"))
                self.assertIn("<title>plugin_exporter status</title>", d)
                self.assertNotIn("pwned</title>", d)
                self.assertNotIn("<script>document.title", d)
                self.assertIn("2 agents: 1 connected, 1 disconnected", d)
                self.assertIn('class="connected"', row_of(d, "edge-ok"))
                self.assertIn('class="disconnected"', row_of(d, "edge-killed"))
                self.assertIn("<td>box&lt;script&gt;document.title='pwned'&lt;/script&gt;</td>", d)
                self.assertIn('site="&lt;script&gt;', d)
                self.assertIn('href="/agents/edge-ok/metrics"', d)
                self.assertIn("HTTP 503: the agent is not connected", d)
                # The hub's page with both agent states, kept as an artifact (README's picture).
                if os.path.exists(AGENTS_SCREENSHOT):
                    os.remove(AGENTS_SCREENSHOT)
                chromium(self.hub.url("/"), f"--screenshot={AGENTS_SCREENSHOT}",
                         "--window-size=1600,1100", "--hide-scrollbars")
                with open(AGENTS_SCREENSHOT, "rb") as f:
                    self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
                # The state filter (the collector table's machinery) hides the connected one
                # and leaves the collector table alone.
                d = dom_of(self.hub.url("/#agent-health=disconnected"))
                self.assertIn('hidden=""', row_of(d, "edge-ok"))
                self.assertNotIn("hidden", row_of(d, "edge-killed"))
                self.assertNotIn("hidden", row_of(d, "hub-hello"))
                self.assertIn("1 of 2 shown, page 1 of 1", d)
                d = dom_of(self.hub.url("/#agent-q=box-2"))
                self.assertIn('hidden=""', row_of(d, "edge-ok"))
                self.assertNotIn("hidden", row_of(d, "edge-killed"))
                self.assertNotIn('id="hubs"', d)  # a hub dials no hub

                # The agent's own page shows the hub it dials, connected.
                r = h.get(f"http://127.0.0.1:{agent_port}/api/v1/exporter/status")
                [hub] = json.loads(r.text)["hubs"]
                self.assertEqual(hub["url"], f"ws://127.0.0.1:{self.hub.port}/agents/connect")
                self.assertEqual(hub["state"], "connected")
                self.assertGreater(hub["since_unix_ms"], 0)
                self.assertIsNone(json.loads(r.text)["agents"])
                d = dom_of(f"http://127.0.0.1:{agent_port}/")
                self.assertIn("Hubs this agent dials", d)
                self.assertIn('<td class="health h-connected">connected</td>', d)
            finally:
                for p in reversed(self.procs):
                    p.stop()


class StatusPageAuthTest(unittest.TestCase):
    def test_status_page_needs_the_scrape_role(self):
        with h.temp_dir() as tmp:
            auth = (f'[[auth.token]]\nname = "scraper"\ntoken = "{TOKEN_SCRAPE}"\nroles = ["scrape"]\n'
                    f'[[auth.token]]\nname = "pusher"\ntoken = "{TOKEN_PUSH}"\nroles = ["push"]\n')
            e = h.Exporter(tmp, config(auth))
            try:
                for path in ("/", "/api/v1/exporter/status", "/-/status.js"):
                    self.assertEqual(e.get(path).status, 401, path)
                    self.assertEqual(
                        e.get(path, headers={"Authorization": f"Bearer {TOKEN_PUSH}"}).status, 403, path)
                    self.assertEqual(
                        e.get(path, headers={"Authorization": f"Bearer {TOKEN_SCRAPE}"}).status, 200, path)
                # The status document asked from the push collector needs no caller identity,
                # and its own route still answers only callers with the scrape role.
                self.assertEqual(e.get("/api/v1/status").status, 401)
            finally:
                e.stop()


if __name__ == "__main__":
    unittest.main()
