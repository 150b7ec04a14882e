"""test_dialin.py — dial-in agents (issue 14, docs/dialin-protocol.md): a hub
(this binary with [dialin], TLS on 127.0.0.1) and agents that dial into it —
two of this binary ([agent]; one verifying the hub by CA file, one by
hub_pin), the Python client tools/dialin_agent.py and the Node package
clients/node (installed from the checkout with its deps from npm). Scrapes go through the
hub, /agents/sd lists every agent with its labels, refusals (wrong token,
alias bound to another token, wrong pin) are refused and logged, and a
killed agent answers 503 while it stays listed; a real Prometheus 2.42 with
http_sd_configs pointing at the hub scrapes every agent (up 1, labels
instance / hostname / service / the agent's own) and records up 0 for the
killed one. The hub keeps its registry in state_dir and writes a file_sd
file: a second Prometheus job discovers the agents through that file; a
restarted hub still lists every agent (the killed one too) and the others
reconnect by themselves and are scraped again; with a short agent_expiry a
stopped agent leaves /agents/sd and the file_sd file.

Loopback only, free ports, temporary directories, bounded in time.
"""
import gzip
import json
import os
import ssl
import subprocess
import unittest
import urllib.error
import urllib.request

import harness as h
import pki

PY_AGENT = os.path.join(h.SOURCE_DIR, "tools", "dialin_agent.py")
SECRET_A = "agent-secret-a-0123456789"
SECRET_B = "agent-secret-b-0123456789"


def spki_pin(cert):
    pub = subprocess.run(["openssl", "x509", "-in", cert, "-pubkey", "-noout"], check=True,
                         capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub, check=True,
                         capture_output=True).stdout
    digest = subprocess.run(["openssl", "dgst", "-sha256", "-binary"], input=der, check=True,
                            capture_output=True).stdout
    import base64
    return "sha256:" + base64.b64encode(digest).decode()


class DialinTest(h.ProcessesTestCase):
    @classmethod
    def setUpClass(cls):
        cls.open_processes("pe-dialin-")
        cls.pki = pki.make_pki(os.path.join(cls.dir, "pki"))
        cls.ca = cls.pki["ca"][0]
        cls.tls = ssl.create_default_context(cafile=cls.ca)
        cls.port = h.free_port()
        cls.closed_port = h.free_port()  # a listener whose allowlist excludes loopback
        cls.hub_url = f"wss://127.0.0.1:{cls.port}/agents/connect"
        cert, key = cls.pki["server"]
        cls.state_dir = os.path.join(cls.dir, "state")
        cls.file_sd = os.path.join(cls.dir, "sd", "agents.json")
        os.makedirs(os.path.dirname(cls.file_sd))
        cls.hub = cls.start("hub", cls.hub_config())
        h.wait_for(lambda: h.port_open("127.0.0.1", cls.port), 20, what="hub listening")
        cls.edge1 = cls.start("edge1", cls.agent_config("edge-1", f"a.{SECRET_A}",
                                                        f'hub_ca_file = "{cls.ca}"'))
        cls.edge2 = cls.start("edge2", cls.agent_config(
            "edge-2", f"a.{SECRET_A}", f'hub_pin = "{spki_pin(cert)}"',
            'labels = { site = "berlin", rack = "r7" }'))
        metrics_file = os.path.join(cls.dir, "py.prom")
        with open(metrics_file, "w") as f:
            f.write("# TYPE py_agent_up gauge\npy_agent_up 1\n")
        cls.py = cls.python_agent("py-1", f"a.{SECRET_A}", metrics_file)
        cls.node = cls.node_agent("node-1", f"a.{SECRET_A}", spki_pin(cert))
        h.wait_for(lambda: len(cls.sd()) == 4, 60, what="four agents registered")

    @classmethod
    def hub_config(cls, agent_expiry="10m"):
        cert, key = cls.pki["server"]
        hash_a = __import__("hashlib").sha256(SECRET_A.encode()).hexdigest()
        return f"""
state_dir = "{cls.state_dir}"
""" + h.tls_listener_config(cls.port, cert, key) + f"""[[web.listener]]
address = "127.0.0.1:{cls.closed_port}"
allow_cidrs = ["10.0.0.0/8"]
[dialin]
agent_expiry = "{agent_expiry}"
hello_timeout = "2s"
sd_target = "127.0.0.1:{cls.port}"
file_sd_path = "{cls.file_sd}"
[[dialin.token]]
id = "a"
secret_sha256 = "{hash_a}"
aliases = ["edge-*", "py-1", "node-1"]
[[dialin.token]]
id = "b"
secret = "{SECRET_B}"
aliases = ["*"]
"""

    @classmethod
    def restart_hub(cls, name, config):
        cls.hub.stop()
        cls.procs.remove(cls.hub)
        cls.hub = cls.start(name, config)
        h.wait_for(lambda: h.port_open("127.0.0.1", cls.port), 20, what="hub listening again")

    @classmethod
    def file_sd_targets(cls):
        with open(cls.file_sd) as f:
            return {t["labels"]["instance"]: t for t in json.load(f)}

    @classmethod
    def agent_config(cls, alias, token, trust, extra=""):
        return f"""
[web]
listen_addresses = []
[agent]
hubs = ["{cls.hub_url}"]
token = "{token}"
alias = "{alias}"
hostname = "host-{alias}"
service = "pos"
{trust}
{extra}
ping_interval = "2s"
"""

    @classmethod
    def python_agent(cls, alias, token, metrics_file, *extra):
        return cls.spawn(f"py-{alias}", ["/usr/bin/python3", PY_AGENT, "--hub", cls.hub_url,
                                         "--ca", cls.ca, "--token", token, "--alias", alias,
                                         "--service", "py", "--metrics-file", metrics_file,
                                         *extra])

    @classmethod
    def node_agent(cls, alias, token, pin):
        """The Node package (clients/node, installed with its locked deps from
        the npm registry) serving a prom-client registry through the hub."""
        d = os.path.join(cls.dir, "node")
        os.makedirs(d)
        p = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                            "--install-links", os.path.join(h.SOURCE_DIR, "clients", "node"),
                            "prom-client@15"], cwd=d, capture_output=True, timeout=300)
        if p.returncode != 0:
            raise RuntimeError(f"npm install failed:\n{(p.stdout + p.stderr).decode()}")
        script = f"""
const promClient = require('prom-client')
const DhtPromClient = require('plugin-exporter-dialin')
new promClient.Gauge({{ name: 'node_agent_up', help: 'The Node agent runs.' }}).set(1)
const agent = new DhtPromClient(promClient, '127.0.0.1:{cls.port}', '{pin}', '{alias}', '{token}',
  'node', {{ hostname: 'host-{alias}', pingIntervalMs: 2000, maxBackoffMs: 2000 }})
agent.on('register-alias-success', () => console.log('registered'))
agent.on('register-alias-error', e => console.log('refused', e.message))
agent.ready()
process.on('SIGTERM', () => agent.close().then(() => process.exit(0)))
"""
        proc = h.Process(["node", "-e", script], cwd=d,
                         log_path=os.path.join(cls.dir, f"node-{alias}.log"))
        cls.procs.append(proc)
        return proc

    @classmethod
    def get(cls, path, headers=None):
        req = urllib.request.Request(f"https://127.0.0.1:{cls.port}{path}", headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=20, context=cls.tls) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    @classmethod
    def sd(cls):
        status, _, body = cls.get("/agents/sd")
        assert status == 200, body
        return {t["labels"]["instance"]: t for t in json.loads(body)}

    def hub_metric(self, name, **labels):
        _, _, body = self.get("/metrics")
        values = h.find(body.decode(), name, **labels)
        return values[0] if len(values) == 1 else values

    def test_1_sd_lists_every_agent_with_its_labels(self):
        sd = self.sd()
        self.assertEqual(set(sd), {"edge-1", "edge-2", "py-1", "node-1"})
        e2 = sd["edge-2"]
        self.assertEqual(e2["targets"], [f"127.0.0.1:{self.port}"])
        self.assertEqual(e2["labels"], {"__metrics_path__": "/agents/edge-2/metrics",
                                        "instance": "edge-2", "hostname": "host-edge-2",
                                        "service": "pos", "site": "berlin", "rack": "r7"})
        self.assertEqual(sd["py-1"]["labels"]["service"], "py")

    def test_1b_file_sd_lists_the_same_targets(self):
        # Written within a second of the registry's change, atomically.
        h.wait_for(lambda: len(self.file_sd_targets()) == 4, 10, what="file_sd lists 4 agents")
        self.assertEqual(self.file_sd_targets(), self.sd())
        self.assertFalse(os.path.exists(self.file_sd + ".tmp"))
        with open(os.path.join(self.state_dir, "dialin", "agents.json")) as f:
            state = json.load(f)
        self.assertEqual({a["alias"] for a in state["agents"]}, {"edge-1", "edge-2", "py-1", "node-1"})
        self.assertNotIn(SECRET_A, json.dumps(state))
        self.assertEqual(next(a for a in state["agents"] if a["alias"] == "edge-2")["labels"],
                         {"rack": "r7", "site": "berlin"})

    def test_2_scrapes_go_through_the_hub(self):
        for alias in ("edge-1", "edge-2"):
            status, headers, body = self.get(f"/agents/{alias}/metrics",
                                             {"X-Prometheus-Scrape-Timeout-Seconds": "5"})
            self.assertEqual(status, 200, body)
            self.assertIn(b"plugin_exporter_build_info", body)
            self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        status, _, body = self.get("/agents/py-1/metrics")
        self.assertEqual((status, body), (200, b"# TYPE py_agent_up gauge\npy_agent_up 1\n"))
        # gzip and the format pass through end to end.
        status, headers, body = self.get("/agents/edge-1/metrics", {
            "Accept-Encoding": "gzip", "Accept": "application/openmetrics-text;version=1.0.0"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Encoding"], "gzip")
        self.assertIn("openmetrics", headers["Content-Type"])
        self.assertTrue(gzip.decompress(body).endswith(b"# EOF\n"))
        # An unknown collector is the agent's 400; an unknown alias the hub's 404.
        self.assertEqual(self.get("/agents/edge-1/metrics?collector=nope")[0], 400)
        self.assertEqual(self.get("/agents/nobody/metrics")[0], 404)
        self.assertEqual(self.hub_metric("plugin_exporter_agents_connected"), 4)

    def test_2b_agent_exports_its_own_events(self):
        """The agent's own /metrics (served over the hub connection) has its
        plugin_exporter_agent_hub_* families, promtool-clean; its log names
        the events as dht-prom-client does."""
        for _ in range(2):  # the first scrape is counted once answered
            status, _, body = self.get("/agents/edge-1/metrics")
            self.assertEqual(status, 200, body)
        text = body.decode()
        hub = self.hub_url
        self.assertEqual(h.find(text, "plugin_exporter_agent_hub_connected", hub=hub), [1.0])
        self.assertGreaterEqual(h.find(text, "plugin_exporter_agent_hub_registrations_total",
                                       hub=hub, result="success")[0], 1)
        self.assertGreaterEqual(h.find(text, "plugin_exporter_agent_hub_connection_events_total",
                                       hub=hub, event="open")[0], 1)
        self.assertGreaterEqual(h.find(text, "plugin_exporter_agent_hub_scrapes_total", hub=hub,
                                       result="success")[0], 1)
        self.assertGreater(h.find(
            text, "plugin_exporter_agent_hub_last_registration_timestamp_seconds", hub=hub)[0], 0)
        code, out = h.promtool_check(text)
        self.assertEqual(code, 0, out)
        r = subprocess.run([h.EXPORTER, "check-metrics"], input=text.encode(), capture_output=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('event=connection-open', self.edge1.log())
        self.assertIn('event=register-alias-success', self.edge1.log())

    def test_3_wrong_token_is_refused_and_logged(self):
        p = self.python_agent("edge-9", f"a.{SECRET_B}", os.devnull, "--exit-on-refusal")
        self.assertEqual(p.proc.wait(30), 2)
        self.assertIn("'code': 401", p.log())
        agent = self.start("wrongtoken", self.agent_config("edge-8", "a.not-the-secret",
                                                            f'hub_ca_file = "{self.ca}"'))
        h.wait_for(lambda: "hub refused this agent" in agent.log(), 20, what="refusal logged")
        self.assertIn("code=401", agent.log())
        agent.stop()
        self.assertIn("reason=bad_token", self.hub.log())
        self.assertGreaterEqual(self.hub_metric("plugin_exporter_agent_refusals_total",
                                                reason="bad_token"), 2)

    def test_4_alias_of_another_token_is_refused_409(self):
        p = self.python_agent("edge-1", f"b.{SECRET_B}", os.devnull, "--exit-on-refusal")
        self.assertEqual(p.proc.wait(30), 2)
        self.assertIn("'code': 409", p.log())
        self.assertRegex(self.hub.log(), r"reason=alias_taken code=409")
        self.assertGreaterEqual(self.hub_metric("plugin_exporter_agent_refusals_total",
                                                reason="alias_taken"), 1)
        # edge-1 still serves.
        self.assertEqual(self.get("/agents/edge-1/metrics")[0], 200)

    def test_5_wrong_hub_pin_never_registers(self):
        bad_pin = "sha256:" + "00" * 32
        agent = self.start("badpin", self.agent_config("edge-7", f"a.{SECRET_A}",
                                                        f'hub_pin = "{bad_pin}"'))
        h.wait_for(lambda: "does not match hub_pin" in agent.log(), 20, what="pin mismatch logged")
        agent.stop()
        self.assertNotIn("edge-7", self.sd())

    def test_6_alias_outside_the_token_is_refused_403(self):
        p = self.python_agent("other-1", f"a.{SECRET_A}", os.devnull, "--exit-on-refusal")
        self.assertEqual(p.proc.wait(30), 2)
        self.assertIn("'code': 403", p.log())

    def test_7_prometheus_discovers_and_scrapes_every_agent(self):
        prom = h.Prometheus(self.dir, f"""  - job_name: agents
    scheme: https
    tls_config:
      ca_file: {self.ca}
    http_sd_configs:
      - url: https://127.0.0.1:{self.port}/agents/sd
        refresh_interval: 1s
        tls_config:
          ca_file: {self.ca}
  - job_name: agents_file
    scheme: https
    tls_config:
      ca_file: {self.ca}
    file_sd_configs:
      - files: ["{self.file_sd}"]
        refresh_interval: 1s
""")
        self.procs.append(prom)
        DialinTest.prometheus = prom
        up = h.wait_for(lambda: (lambda r: r if len(r) == 4 and all(
            s["value"][1] == "1" for s in r) else None)(prom.query('up{job="agents"}')), 60,
            what="Prometheus scraping three agents through the hub")
        by_instance = {s["metric"]["instance"]: s["metric"] for s in up}
        self.assertEqual(set(by_instance), {"edge-1", "edge-2", "py-1", "node-1"})
        self.assertEqual(by_instance["edge-2"]["hostname"], "host-edge-2")
        self.assertEqual(by_instance["edge-2"]["service"], "pos")
        self.assertEqual(by_instance["edge-2"]["site"], "berlin")
        self.assertTrue(prom.query('py_agent_up{instance="py-1"}'))
        self.assertTrue(prom.query('node_agent_up{instance="node-1",service="node"}'))
        # The same targets through the hub's file_sd file.
        up = h.wait_for(lambda: (lambda r: r if len(r) == 4 and all(
            s["value"][1] == "1" for s in r) else None)(prom.query('up{job="agents_file"}')), 60,
            what="Prometheus scraping three agents found by file_sd")
        self.assertEqual({s["metric"]["instance"] for s in up}, {"edge-1", "edge-2", "py-1", "node-1"})
        self.assertEqual(next(s for s in up if s["metric"]["instance"] == "edge-2")["metric"]["site"],
                         "berlin")

    def test_8_bad_hello_and_no_hello_are_refused(self):
        import asyncio
        import websockets

        async def talk(first_message):
            async with websockets.connect(self.hub_url, ssl=self.tls) as ws:
                if first_message is not None:
                    await ws.send(first_message)
                    return json.loads(await asyncio.wait_for(ws.recv(), 10))
                await asyncio.wait_for(ws.wait_closed(), 10)
                return ws.close_code

        refused = asyncio.run(talk(b"\x00\x00\x00\x02{}"))
        self.assertEqual((refused["type"], refused["code"], refused["reason"]),
                         ("refused", 400, "bad_hello"))
        refused = asyncio.run(talk(json.dumps({"type": "hello", "version": 2, "token": "a.b",
                                               "alias": "x"})))
        self.assertIn("version", refused["message"])
        self.assertEqual(asyncio.run(talk(None)), 1008)  # hello_timeout
        self.assertGreaterEqual(self.hub_metric("plugin_exporter_agent_refusals_total",
                                                reason="hello_timeout"), 1)
        self.assertGreaterEqual(self.hub_metric("plugin_exporter_agent_refusals_total",
                                                reason="bad_hello"), 2)

    def test_8b_listener_allowlist_holds_for_agents(self):
        import asyncio
        import websockets

        async def connect():
            async with websockets.connect(f"ws://127.0.0.1:{self.closed_port}/agents/connect"):
                pass

        with self.assertRaises(websockets.InvalidStatusCode) as ctx:
            asyncio.run(connect())
        self.assertEqual(ctx.exception.status_code, 403)

    def test_9_killed_agent_answers_503_and_stays_listed(self):
        self.edge2.stop()
        h.wait_for(lambda: self.get("/agents/edge-2/metrics")[0] == 503, 20,
                   what="503 for the killed agent")
        prom = getattr(self, "prometheus", None) or getattr(DialinTest, "prometheus", None)
        if prom:  # Prometheus records the target down within a scrape or two.
            h.wait_for(lambda: prom.query('up{job="agents",instance="edge-2"} == 0'), 30,
                       what="up 0 for the killed agent")
        self.assertIn("edge-2", self.sd())
        self.assertEqual(self.hub_metric("plugin_exporter_agent_connected", alias="edge-2"), 0)
        self.assertEqual(self.hub_metric("plugin_exporter_agents_connected"), 3)
        self.assertEqual(self.get("/agents/edge-1/metrics")[0], 200)

    def test_9b_restarted_hub_keeps_its_agents(self):
        import time
        self.restart_hub("hub2", self.hub_config())
        restarted = time.time()
        # Listed at once, from the state file: the killed edge-2 too, which
        # only the file can know about.
        self.assertEqual(set(self.sd()), {"edge-1", "edge-2", "py-1", "node-1"})
        self.assertIn("agents restored from the registry file", self.hub.log())
        self.assertEqual(self.get("/agents/edge-2/metrics")[0], 503)
        # The others reconnect by themselves (backoff from 1 s) and are scraped again.
        h.wait_for(lambda: self.hub_metric("plugin_exporter_agents_connected") == 3, 30,
                   what="edge-1, py-1 and node-1 reconnected")
        self.assertEqual(self.get("/agents/edge-1/metrics")[0], 200)
        self.assertEqual(self.get("/agents/py-1/metrics")[0], 200)
        prom = getattr(DialinTest, "prometheus", None)
        if prom:
            for job in ("agents", "agents_file"):
                h.wait_for(lambda: [s for s in prom.query(f'up{{job="{job}"}} == 1')
                                    if float(s["value"][0]) > restarted + 1], 30,
                           what=f"{job}: scraped again after the restart")
        h.wait_for(lambda: self.file_sd_targets() == self.sd(), 10, what="file_sd rewritten")

    def test_9c_stopped_agent_expires_from_sd_and_file_sd(self):
        # A short expiry: edge-2, lost long ago, is not restored at all.
        self.restart_hub("hub3", self.hub_config(agent_expiry="3s"))
        self.assertNotIn("edge-2", self.sd())
        h.wait_for(lambda: self.hub_metric("plugin_exporter_agents_connected") == 3, 30,
                   what="edge-1, py-1 and node-1 reconnected")
        self.py.stop()
        h.wait_for(lambda: self.get("/agents/py-1/metrics")[0] == 503, 20, what="py-1 gone")
        self.assertIn("py-1", self.sd())
        h.wait_for(lambda: "py-1" not in self.sd(), 10, what="py-1 expired from /agents/sd")
        h.wait_for(lambda: set(self.file_sd_targets()) == {"edge-1", "node-1"}, 5,
                   what="py-1 expired from the file_sd file")
        self.assertEqual(self.get("/agents/py-1/metrics")[0], 404)


if __name__ == "__main__":
    unittest.main()
