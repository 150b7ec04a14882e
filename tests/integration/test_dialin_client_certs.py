"""test_dialin_client_certs.py — agents identified by a client certificate
(issue 14): a hub (this binary, TLS on 127.0.0.1, client_auth_type
VerifyClientCertIfGiven with the test CA) binds aliases to a certificate SAN
with [[dialin.client]] and to a token with [[dialin.token]]. An agent of this
binary with cert_file/key_file and no token registers and is scraped through
the hub; a certificate from another CA fails the TLS handshake (the hub logs
and counts it), one from the right CA whose SAN no [[dialin.client]] names is
refused 401 bad_certificate; a certificate agent and a token agent cannot
take each other's alias (409, logged); with a token and a certificate the
token decides.

Loopback only, free ports, a temporary directory, bounded in time.
"""
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
SECRET = "client-cert-secret-0123456789"


class DialinClientCertTest(h.ProcessesTestCase):
    @classmethod
    def setUpClass(cls):
        cls.open_processes("pe-dialin-certs-")
        cls.pki = pki.make_pki(os.path.join(cls.dir, "pki"), clients={"box7": "DNS:box-7.test"})
        cls.ca = cls.pki["ca"][0]
        cls.tls = ssl.create_default_context(cafile=cls.ca)
        cls.port = h.free_port()
        cls.hub_url = f"wss://127.0.0.1:{cls.port}/agents/connect"
        cls.hub = cls.start("hub", cls.hub_web(cls.port) + f"""
[dialin]
hello_timeout = "2s"
[[dialin.client]]
san = "box-7.test"
aliases = ["box-7", "edge-1", "box-8"]
[[dialin.token]]
id = "t"
secret = "{SECRET}"
aliases = ["*"]
""")
        h.wait_for(lambda: h.port_open("127.0.0.1", cls.port), 20, what="hub listening")
        cls.box7 = cls.start("box7", cls.agent_config("box-7", "box7"))
        cls.edge1 = cls.python_agent("edge-1")
        h.wait_for(lambda: {"box-7", "edge-1"} <= set(cls.sd()), 30,
                   what="box-7 and edge-1 registered")

    @classmethod
    def hub_web(cls, port, tls_extra=""):
        """[web] of a hub on 127.0.0.1:port that verifies client certificates of the test CA."""
        return h.tls_listener_config(port, *cls.pki["server"],
                                     'client_auth_type = "VerifyClientCertIfGiven"\n'
                                     f'client_ca_file = "{cls.ca}"\n' + tls_extra)

    @classmethod
    def agent_config(cls, alias, cert, extra=""):
        cert_file, key_file = cls.pki[cert]
        return f"""
[web]
listen_addresses = []
[agent]
hubs = ["{cls.hub_url}"]
alias = "{alias}"
service = "box"
hub_ca_file = "{cls.ca}"
cert_file = "{cert_file}"
key_file = "{key_file}"
min_backoff = "200ms"
max_backoff = "1s"
{extra}
"""

    @classmethod
    def python_agent(cls, alias, *extra):
        metrics = os.path.join(cls.dir, f"{alias}.prom")
        with open(metrics, "w") as f:
            f.write("# TYPE token_agent_up gauge\ntoken_agent_up 1\n")
        return cls.spawn(f"py-{alias}", ["/usr/bin/python3", PY_AGENT, "--hub", cls.hub_url,
                                         "--ca", cls.ca, "--token", f"t.{SECRET}", "--alias",
                                         alias, "--metrics-file", metrics, *extra])

    @classmethod
    def get(cls, path):
        req = urllib.request.Request(f"https://127.0.0.1:{cls.port}{path}")
        try:
            with urllib.request.urlopen(req, timeout=20, context=cls.tls) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    @classmethod
    def sd(cls):
        status, body = cls.get("/agents/sd")
        assert status == 200, body
        return {t["labels"]["instance"]: t for t in json.loads(body)}

    def refusals(self, reason):
        _, body = self.get("/metrics")
        return h.find(body, "plugin_exporter_agent_refusals_total", reason=reason)[0]

    def test_1_certificate_agent_registers_and_is_scraped(self):
        self.assertEqual(self.sd()["box-7"]["labels"]["service"], "box")
        status, body = self.get("/agents/box-7/metrics")
        self.assertEqual(status, 200, body)
        # The agent's own /metrics: registered with this hub.
        self.assertEqual(h.find(body, "plugin_exporter_agent_hub_connected", hub=self.hub_url),
                         [1.0])
        self.assertRegex(self.hub.log(), r'msg="agent registered" alias=box-7 token=cert:box-7\.test')

    def test_2_certificate_of_another_ca_fails_the_handshake(self):
        agent = self.start("foreign", self.agent_config("box-7", "foreign"))
        h.wait_for(lambda: "could not register with hub" in agent.log(), 20,
                   what="the foreign agent's failure logged")
        agent.stop()
        self.assertIn("reason=tls_handshake", self.hub.log())
        _, body = self.get("/metrics")
        self.assertGreaterEqual(h.find(body, "plugin_exporter_http_connections_rejected_total",
                                       reason="tls_handshake")[0], 1)
        # box-7 kept its connection.
        self.assertEqual(self.get("/agents/box-7/metrics")[0], 200)

    def test_3_certificate_no_client_entry_names_is_refused_401(self):
        agent = self.start("stranger", self.agent_config("box-9", "stranger"))
        h.wait_for(lambda: "hub refused this agent" in agent.log(), 20, what="refusal logged")
        agent.stop()
        self.assertIn("code=401", agent.log())
        self.assertIn("reason=bad_certificate", agent.log())
        self.assertRegex(self.hub.log(), r"reason=bad_certificate code=401 .*stranger\.test")
        self.assertGreaterEqual(self.refusals("bad_certificate"), 1)
        self.assertNotIn("box-9", self.sd())

    def test_4_token_agent_cannot_take_the_certificates_alias(self):
        p = self.python_agent("box-7", "--exit-on-refusal")
        self.assertEqual(p.proc.wait(30), 2)
        self.assertIn("'code': 409", p.log())
        self.assertRegex(self.hub.log(), r"reason=alias_taken code=409")
        self.assertEqual(self.get("/agents/box-7/metrics")[0], 200)

    def test_5_certificate_agent_cannot_take_the_tokens_alias(self):
        agent = self.start("thief", self.agent_config("edge-1", "box7"))
        h.wait_for(lambda: "hub refused this agent" in agent.log(), 20, what="refusal logged")
        agent.stop()
        self.assertIn("code=409", agent.log())
        self.assertIn("token_agent_up 1", self.get("/agents/edge-1/metrics")[1])

    def test_6_with_a_token_the_token_decides(self):
        # A valid certificate does not rescue a wrong token.
        agent = self.start("both", self.agent_config("box-7", "box7",
                                                     'token = "t.not-the-secret-0123"'))
        h.wait_for(lambda: "hub refused this agent" in agent.log(), 20, what="refusal logged")
        agent.stop()
        self.assertIn("reason=bad_token", agent.log())
        self.assertEqual(self.get("/agents/box-7/metrics")[0], 200)


    def test_7_python_agent_with_a_certificate_and_no_token(self):
        metrics = os.path.join(self.dir, "box-8.prom")
        with open(metrics, "w") as f:
            f.write("# TYPE cert_agent_up gauge\ncert_agent_up 1\n")
        cert, key = self.pki["box7"]
        self.spawn("py-box-8", ["/usr/bin/python3", PY_AGENT, "--hub", self.hub_url, "--ca",
                                self.ca, "--cert", cert, "--key", key, "--alias", "box-8",
                                "--metrics-file", metrics])
        h.wait_for(lambda: "box-8" in self.sd(), 30, what="box-8 registered")
        self.assertIn("cert_agent_up 1", self.get("/agents/box-8/metrics")[1])
        self.assertRegex(self.hub.log(),
                         r'msg="agent registered" alias=box-8 token=cert:box-7\.test')
        # Without --key (or without any identity) the client refuses to start.
        bad = subprocess.run(["/usr/bin/python3", PY_AGENT, "--hub", self.hub_url, "--cert", cert,
                              "--alias", "x", "--metrics-file", metrics],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--cert and --key go together", bad.stderr)

    def test_8_client_allowed_sans_also_limits_agents(self):
        port = h.free_port()
        hub2 = self.start("hub2", self.hub_web(port, 'client_allowed_sans = ["prometheus.test"]\n')
                          + """
[[dialin.client]]
san = "box-7.test"
aliases = ["box-7"]
""")
        h.wait_for(lambda: h.port_open("127.0.0.1", port), 20, what="hub2 listening")
        agent_cert, agent_key = self.pki["box7"]
        metrics = os.path.join(self.dir, "hub2.prom")
        with open(metrics, "w") as f:
            f.write("# TYPE x gauge\nx 1\n")
        agent = self.spawn("py-hub2", ["/usr/bin/python3", PY_AGENT, "--hub",
                                       f"wss://127.0.0.1:{port}/agents/connect", "--ca", self.ca,
                                       "--cert", agent_cert, "--key", agent_key, "--alias",
                                       "box-7", "--metrics-file", metrics])
        h.wait_for(lambda: "reason=tls_handshake" in hub2.log(), 20,
                   what="hub2 refusing the agent's certificate at the handshake")
        self.assertIn("connection lost", agent.log())
        self.assertNotIn("registered as", agent.log())

if __name__ == "__main__":
    unittest.main()
