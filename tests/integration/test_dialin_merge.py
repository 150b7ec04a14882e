"""test_dialin_merge.py — dial-in agents merged into the hub's own /metrics
(issue 14; [[dialin.token]] merge = true, the reverse_exporter way): a hub
(this binary with [dialin]) and agents of two tokens, one merging and one
not (the default). The merging token's connected agent appears in the hub's
/metrics with alias / hostname / service labels (its own "alias" label kept
as exported_alias), promtool-clean; the other token's agent does not; an
agent that never answers is left out once the scrape's deadline
(X-Prometheus-Scrape-Timeout-Seconds minus the offset) has passed, and the
hub's scrape still answers 200 with its own metrics; a merged agent that
disconnected contributes nothing and fails nothing.

Loopback only (plain ws:// on a listener without TLS), free ports, a
temporary directory, bounded in time.
"""
import os
import subprocess
import time
import unittest

import harness as h

PY_AGENT = os.path.join(h.SOURCE_DIR, "tools", "dialin_agent.py")
SECRET_M = "merge-secret-0123456789"
SECRET_N = "plain-secret-0123456789"

# A WebSocket agent that registers and then never answers a scrape.
SILENT_AGENT = """
import asyncio, json, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1]) as ws:
        await ws.send(json.dumps({"type": "hello", "version": 1, "token": sys.argv[2],
                                  "alias": sys.argv[3], "service": "silent"}))
        print(await ws.recv(), flush=True)
        async for _ in ws:
            pass
asyncio.run(main())
"""


class DialinMergeTest(h.ProcessesTestCase):
    @classmethod
    def setUpClass(cls):
        cls.open_processes("pe-dialin-merge-")
        cls.port = h.free_port()
        cls.url = f"http://127.0.0.1:{cls.port}"
        cls.hub_url = f"ws://127.0.0.1:{cls.port}/agents/connect"
        config = os.path.join(cls.dir, "hub.toml")
        with open(config, "w") as f:
            f.write(f"""
[web]
listen_addresses = ["127.0.0.1:{cls.port}"]
[dialin]
[[dialin.token]]
id = "m"
secret = "{SECRET_M}"
aliases = ["m-*"]
merge = true
[[dialin.token]]
id = "n"
secret = "{SECRET_N}"
aliases = ["n-*"]
""")
        cls.hub = cls.spawn("hub", [h.EXPORTER, f"--config.file={config}",
                                    f"--plugin.dir={h.PLUGIN_DIR}"])
        h.wait_for(lambda: h.port_open("127.0.0.1", cls.port), 20, what="hub listening")
        cls.agent("m-1", f"m.{SECRET_M}", "# HELP py_merged_up A merged agent runs.\n"
                  '# TYPE py_merged_up gauge\npy_merged_up{alias="own",site="b"} 1\n')
        cls.agent("n-1", f"n.{SECRET_N}", "# HELP py_plain_up An agent runs.\n"
                  "# TYPE py_plain_up gauge\npy_plain_up 1\n")
        cls.gone = cls.agent("m-gone", f"m.{SECRET_M}", "# HELP py_gone_up An agent runs.\n"
                             "# TYPE py_gone_up gauge\npy_gone_up 1\n")
        cls.spawn("silent", ["/usr/bin/python3", "-c", SILENT_AGENT, cls.hub_url,
                             f"m.{SECRET_M}", "m-silent"])
        h.wait_for(lambda: len(cls.connected()) == 4, 30, what="four agents connected")

    @classmethod
    def agent(cls, alias, token, text):
        path = os.path.join(cls.dir, f"{alias}.prom")
        with open(path, "w") as f:
            f.write(text)
        return cls.spawn(alias, ["/usr/bin/python3", PY_AGENT, "--hub", cls.hub_url, "--token",
                                 token, "--alias", alias, "--hostname", f"host-{alias}",
                                 "--service", "py", "--metrics-file", path])

    @classmethod
    def connected(cls):
        text = h.get(cls.url + "/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "2"},
                     timeout=10).text
        return [ls for (n, ls), v in h.samples(text).items()
                if n == "plugin_exporter_agent_connected" and v == 1]

    def scrape(self):
        r = h.get(self.url + "/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "2"},
                  timeout=10)
        self.assertEqual(r.status, 200, r.text)
        return r.text

    def test_merged_agent_series_carry_its_labels(self):
        text = self.scrape()
        self.assertEqual(h.find(text, "py_merged_up", alias="m-1", hostname="host-m-1",
                                service="py", exported_alias="own", site="b"), [1.0], text)
        code, out = h.promtool_check(text)
        self.assertEqual(code, 0, out)
        r = subprocess.run([h.EXPORTER, "check-metrics"], input=text.encode(), capture_output=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_agents_of_a_token_without_merge_are_not_merged(self):
        text = self.scrape()
        self.assertEqual(h.find(text, "py_plain_up"), [])
        # Still scraped through the hub as their own target.
        self.assertEqual(h.get(self.url + "/agents/n-1/metrics").status, 200)

    def test_silent_agent_is_left_out_at_the_deadline(self):
        # m-silent never answers: the scrape ends at its deadline (2 s minus
        # the 0.5 s offset), answered 200 with the hub's own metrics and the
        # merged agents that did answer.
        text = self.scrape()
        self.assertEqual(h.find(text, "py_merged_up", alias="m-1"), [1.0])
        self.assertEqual([n for (n, ls) in h.samples(text)
                          if ("alias", "m-silent") in ls and not n.startswith("plugin_exporter_")],
                         [])
        self.assertTrue(h.find(text, "plugin_exporter_agents_connected"))
        self.assertTrue(h.find(text, "plugin_exporter_agent_scrapes_total", result="timeout"))

    def test_disconnected_merged_agent_contributes_nothing(self):
        self.assertEqual(h.find(self.scrape(), "py_gone_up", alias="m-gone"), [1.0])
        self.gone.stop()
        h.wait_for(lambda: h.find(self.scrape(), "plugin_exporter_agent_connected",
                                  alias="m-gone") == [0.0], 20, what="m-gone disconnected")
        text = self.scrape()
        self.assertEqual(h.find(text, "py_gone_up"), [])
        self.assertEqual(h.find(text, "py_merged_up", alias="m-1"), [1.0])


if __name__ == "__main__":
    unittest.main()
