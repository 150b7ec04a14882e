"""test_dialin_reload.py — [dialin] tokens applied on reload (issue 14): a
hub (this binary, plain ws:// on 127.0.0.1) with tokens a and b and a Python
agent of each; the configuration file is rewritten (token b removed, token
c added) and the hub gets SIGHUP: b's agent is disconnected at once and
refused when it retries, a's agent stays connected, and an agent with the
new token c registers without a restart.

A changed [agent] section on reload: an agent (this binary, with a listener
of its own) is reloaded with a new alias (its session reconnects: the hub
lists the new alias connected and the old one disconnected), with an
unchanged file (no reconnect), with a second hub added (only that session
starts), and without [agent] (every session ends; its /metrics has no hub
metrics), then with it again (sessions start).

Loopback only, free ports, a temporary directory, bounded in time.
"""
import json
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


class AgentReloadTest(unittest.TestCase):
    def setUp(self):
        self._tmp = h.temp_dir("pe-agent-reload-")
        self.dir = self._tmp.__enter__()
        self.procs = []
        self.hub_ports = [h.free_port(), h.free_port()]
        self.hubs = []
        for i, port in enumerate(self.hub_ports):
            path = os.path.join(self.dir, f"hub{i}.toml")
            with open(path, "w") as f:
                f.write(f'[web]\nlisten_addresses = ["127.0.0.1:{port}"]\n[dialin]\n'
                        f'[[dialin.token]]\nid = "a"\nsecret = "{SECRETS["a"]}"\n'
                        f'aliases = ["a-*"]\n')
            self.hubs.append(self.spawn(f"hub{i}", [h.EXPORTER, f"--config.file={path}",
                                                    f"--plugin.dir={h.PLUGIN_DIR}"]))
            h.wait_for(lambda: h.port_open("127.0.0.1", port), 20, what=f"hub{i} listening")
        self.agent_port = h.free_port()
        self.agent_config = os.path.join(self.dir, "agent.toml")
        self.write_agent(alias="a-1", hubs=[0])
        self.agent = self.spawn("agent", [h.EXPORTER, f"--config.file={self.agent_config}",
                                          f"--plugin.dir={h.PLUGIN_DIR}"])

    def tearDown(self):
        for p in reversed(self.procs):
            p.stop()
        self._tmp.__exit__(None, None, None)

    def spawn(self, name, argv):
        p = h.Process(argv, log_path=os.path.join(self.dir, f"{name}.log"))
        self.procs.append(p)
        return p

    def hub_url(self, i):
        return f"ws://127.0.0.1:{self.hub_ports[i]}/agents/connect"

    def write_agent(self, alias, hubs):
        text = f'[web]\nlisten_addresses = ["127.0.0.1:{self.agent_port}"]\n'
        if hubs is not None:
            urls = ", ".join(f'"{self.hub_url(i)}"' for i in hubs)
            text += (f'[agent]\nhubs = [{urls}]\ntoken = "a.{SECRETS["a"]}"\n'
                     f'alias = "{alias}"\nmin_backoff = "100ms"\nmax_backoff = "500ms"\n')
        with open(self.agent_config, "w") as f:
            f.write(text)

    def reload_agent(self, how="SIGHUP"):
        before = self.agent.log().count("[agent] reloaded")
        if how == "SIGHUP":
            self.agent.send_signal(signal.SIGHUP)
        else:
            r = h.http("POST", f"http://127.0.0.1:{self.agent_port}/-/reload", timeout=10)
            self.assertEqual(r.status, 200, r.text)
        h.wait_for(lambda: self.agent.log().count("[agent] reloaded") > before, 20,
                   what="agent reloaded")

    def connected(self, hub, alias):
        text = h.get(f"http://127.0.0.1:{self.hub_ports[hub]}/metrics", timeout=10).text
        return h.find(text, "plugin_exporter_agent_connected", alias=alias)

    def registrations(self, hub, alias):
        return self.hubs[hub].log().count(f'msg="agent registered" alias={alias} ')

    def test_changed_alias_reconnects_and_unchanged_settings_keep_the_session(self):
        h.wait_for(lambda: self.connected(0, "a-1") == [1.0], 30, what="a-1 connected")
        self.write_agent(alias="a-2", hubs=[0])
        self.reload_agent()
        h.wait_for(lambda: self.connected(0, "a-2") == [1.0], 30, what="a-2 connected")
        self.assertEqual(self.connected(0, "a-1"), [0.0])  # listed, disconnected
        sd = json.loads(h.get(f"http://127.0.0.1:{self.hub_ports[0]}/agents/sd", timeout=10).text)
        self.assertEqual({t["labels"]["instance"] for t in sd}, {"a-1", "a-2"})
        self.assertIn("sessions_started=1 sessions_ended=1 sessions_kept=0", self.agent.log())
        self.assertEqual(h.get(f"http://127.0.0.1:{self.hub_ports[0]}/agents/a-2/metrics",
                               timeout=10).status, 200)

        # The same file again (through POST /-/reload): no reconnect.
        self.reload_agent(how="POST")
        self.assertIn("sessions_started=0 sessions_ended=0 sessions_kept=1", self.agent.log())

        # A second hub: only its session starts.
        self.write_agent(alias="a-2", hubs=[0, 1])
        self.reload_agent()
        h.wait_for(lambda: self.connected(1, "a-2") == [1.0], 30, what="a-2 at hub1")
        self.assertEqual(self.registrations(0, "a-2"), 1)
        self.assertEqual(self.connected(0, "a-2"), [1.0])

        # [agent] removed: every session ends, the hub metrics go.
        self.write_agent(alias="a-2", hubs=None)
        self.reload_agent()
        h.wait_for(lambda: self.connected(0, "a-2") == [0.0] and self.connected(1, "a-2") == [0.0],
                   20, what="a-2 disconnected from both hubs")
        own = h.get(f"http://127.0.0.1:{self.agent_port}/metrics", timeout=10).text
        self.assertNotIn("plugin_exporter_agent_hub_connected", own)

        # And back: sessions start again.
        self.write_agent(alias="a-2", hubs=[1])
        self.reload_agent()
        h.wait_for(lambda: self.connected(1, "a-2") == [1.0], 30, what="a-2 back at hub1")
        self.assertEqual(self.connected(0, "a-2"), [0.0])
        own = h.get(f"http://127.0.0.1:{self.agent_port}/metrics", timeout=10).text
        self.assertEqual(h.find(own, "plugin_exporter_agent_hub_connected", hub=self.hub_url(1)),
                         [1.0])


if __name__ == "__main__":
    unittest.main()
