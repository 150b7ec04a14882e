"""test_dialin_reload.py — [dialin] tokens applied on reload (issue 14): a
hub (this binary, plain ws:// on 127.0.0.1) with tokens a and b and a Python
agent of each; the configuration file is rewritten (token b removed, token
c added) and the hub gets SIGHUP: b's agent is disconnected at once and
refused when it retries, a's agent stays connected, and an agent with the
new token c registers without a restart.

Loopback only, free ports, a temporary directory, bounded in time.
"""
import os
import signal
import unittest

import harness as h

PY_AGENT = os.path.join(h.SOURCE_DIR, "tools", "dialin_agent.py")
SECRETS = {"a": "reload-secret-a-0123456789", "b": "reload-secret-b-0123456789",
           "c": "reload-secret-c-0123456789"}


class DialinReloadTest(unittest.TestCase):
    def setUp(self):
        self._tmp = h.temp_dir("pe-dialin-reload-")
        self.dir = self._tmp.__enter__()
        self.procs = []
        self.port = h.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = os.path.join(self.dir, "hub.toml")
        self.write_config(["a", "b"])
        self.hub = self.spawn("hub", [h.EXPORTER, f"--config.file={self.config}",
                                      f"--plugin.dir={h.PLUGIN_DIR}"])
        h.wait_for(lambda: h.port_open("127.0.0.1", self.port), 20, what="hub listening")

    def tearDown(self):
        for p in reversed(self.procs):
            p.stop()
        self._tmp.__exit__(None, None, None)

    def write_config(self, tokens):
        text = f'[web]\nlisten_addresses = ["127.0.0.1:{self.port}"]\n[dialin]\n'
        for t in tokens:
            text += (f'[[dialin.token]]\nid = "{t}"\nsecret = "{SECRETS[t]}"\n'
                     f'aliases = ["{t}-*"]\n')
        with open(self.config, "w") as f:
            f.write(text)

    def spawn(self, name, argv):
        p = h.Process(argv, log_path=os.path.join(self.dir, f"{name}.log"))
        self.procs.append(p)
        return p

    def agent(self, alias, token):
        path = os.path.join(self.dir, f"{alias}.prom")
        with open(path, "w") as f:
            f.write("# HELP up_a An agent.\n# TYPE up_a gauge\nup_a 1\n")
        return self.spawn(alias, ["/usr/bin/python3", PY_AGENT, "--hub",
                                  f"ws://127.0.0.1:{self.port}/agents/connect", "--token",
                                  f"{token}.{SECRETS[token]}", "--alias", alias,
                                  "--metrics-file", path])

    def connected(self, alias):
        text = h.get(self.url + "/metrics", timeout=10).text
        return h.find(text, "plugin_exporter_agent_connected", alias=alias) == [1.0]

    def test_removed_token_closes_its_agents_and_a_new_token_works(self):
        self.agent("a-1", "a")
        b = self.agent("b-1", "b")
        h.wait_for(lambda: self.connected("a-1") and self.connected("b-1"), 30,
                   what="a-1 and b-1 connected")

        self.write_config(["a", "c"])
        self.hub.send_signal(signal.SIGHUP)
        h.wait_for(lambda: "[dialin] tokens reloaded" in self.hub.log(), 20, what="reload")
        h.wait_for(lambda: not self.connected("b-1"), 20, what="b-1 disconnected")
        self.assertIn("token was removed or no longer allows its alias", self.hub.log())
        # b-1 retries with its backoff and is refused: its token is gone.
        h.wait_for(lambda: "refused" in b.log(), 30, what="b-1 refused on retry")
        self.assertFalse(self.connected("b-1"))
        # a-1 kept its connection (no new one was opened for it).
        self.assertTrue(self.connected("a-1"))
        self.assertEqual(self.hub.log().count('msg="agent registered" alias=a-1 '), 1)
        # The new token registers without a restart.
        self.agent("c-1", "c")
        h.wait_for(lambda: self.connected("c-1"), 30, what="c-1 connected")
        self.assertEqual(h.get(self.url + "/agents/c-1/metrics").status, 200)


if __name__ == "__main__":
    unittest.main()
