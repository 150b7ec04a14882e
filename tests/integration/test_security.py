"""test_security.py — TLS, client certificates, roles, basic auth, allowlists,
rate limits and slow clients, with real clients: curl, openssl s_client and
the Prometheus server."""
import os
import shutil
import socket
import subprocess
import time
import unittest

import harness as h
import pki

SCRAPE_TOKEN = "scrape-token-0123456789abcdef"
PUSH_TOKEN = "push-token-0123456789abcdef01"
ADMIN_TOKEN = "admin-token-0123456789abcdef0"
# htpasswd -nbBC 4 "" test-password
PASSWORD_HASH = "$2y$04$ZY73JOs4OjzUghby7OWNBuMUygjOvD5CUkbfBcVlOfp9sTJcbLuGS"
TEST_SOURCE = os.path.join(h.TEST_PLUGIN_DIR, "test_source.so")
HELLO = '[[collector]]\nname = "hello"\nplugin = "hello"\n'
ECHO = (f'[[collector]]\nname = "echo"\nplugin = "{TEST_SOURCE}"\n'
        '[collector.config]\nroute = true\n')


def curl(url, *args):
    """(http status or 0 on connection/TLS failure, body, stderr)."""
    r = subprocess.run(["curl", "-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}",
                        *args, url], capture_output=True, text=True, timeout=30)
    body, _, code = r.stdout.rpartition("\n")
    return int(code or 0), body, r.stderr


def s_client(port, *args):
    r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-brief", *args],
                       input="", capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout + r.stderr


class SecurityBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = h.temp_dir()
        cls.tmp = cls._tmp.__enter__()
        cls.pki = pki.make_pki(os.path.join(cls.tmp, "pki"))

    @classmethod
    def tearDownClass(cls):
        cls._tmp.__exit__(None, None, None)

    def setUp(self):
        self.exporters = []
        self.workdir = os.path.join(self.tmp, self.id().rsplit(".", 1)[-1])
        os.makedirs(self.workdir, exist_ok=True)

    def tearDown(self):
        for e in self.exporters:
            e.stop()

    def start(self, config, listen="127.0.0.1", **kw):
        e = h.Exporter(self.workdir, config, listen=listen, **kw)
        self.exporters.append(e)
        return e

    def tls_listener(self, port, extra=""):
        cert, key = self.pki["server"]
        return (f'[[web.listener]]\naddress = "127.0.0.1:{port}"\n[web.listener.tls]\n'
                f'cert_file = "{cert}"\nkey_file = "{key}"\n{extra}\n')


class Tls(SecurityBase):
    def test_https_with_tls12_minimum(self):
        port = h.free_port()
        self.start(self.tls_listener(port) + HELLO)
        ca = self.pki["ca"][0]
        code, body, _ = curl(f"https://127.0.0.1:{port}/metrics", "--cacert", ca)
        self.assertEqual(code, 200)
        self.assertIn("hello_info", body)
        code, _, _ = curl(f"http://127.0.0.1:{port}/metrics")  # plain HTTP to a TLS port
        self.assertNotEqual(code, 200)
        for old in ("-tls1", "-tls1_1"):
            rc, out = s_client(port, old, "-cipher", "DEFAULT@SECLEVEL=0", "-CAfile", ca)
            self.assertNotEqual(rc, 0, f"{old} was accepted:\n{out}")
            self.assertRegex(out, "(?i)protocol version|unsupported protocol|no protocols", out)
        rc, out = s_client(port, "-tls1_3", "-CAfile", ca)
        self.assertEqual(rc, 0, out)
        self.assertIn("TLSv1.3", out)
        rc, out = s_client(port, "-tls1_2", "-CAfile", ca)
        self.assertEqual(rc, 0, out)
        self.assertIn("TLSv1.2", out)

    def test_certificate_replaced_on_disk_is_used_by_the_next_handshake(self):
        port = h.free_port()
        cert = os.path.join(self.workdir, "live.pem")
        key = os.path.join(self.workdir, "live.key")
        shutil.copy(self.pki["server"][0], cert)
        shutil.copy(self.pki["server"][1], key)
        self.start(f'[[web.listener]]\naddress = "127.0.0.1:{port}"\n[web.listener.tls]\n'
                   f'cert_file = "{cert}"\nkey_file = "{key}"\n' + HELLO)

        def served_serial():
            r = subprocess.run(f"openssl s_client -connect 127.0.0.1:{port} </dev/null 2>/dev/null"
                               " | openssl x509 -noout -serial", shell=True, capture_output=True,
                               text=True, timeout=30)
            return r.stdout.strip()

        def file_serial(path):
            return subprocess.run(["openssl", "x509", "-in", path, "-noout", "-serial"],
                                  capture_output=True, text=True).stdout.strip()
        self.assertEqual(served_serial(), file_serial(self.pki["server"][0]))
        # Rotate: write the new pair to temp names and rename over (as tools do).
        shutil.copy(self.pki["server2"][1], key + ".new")
        shutil.copy(self.pki["server2"][0], cert + ".new")
        os.replace(key + ".new", key)
        os.replace(cert + ".new", cert)
        h.wait_for(lambda: served_serial() == file_serial(self.pki["server2"][0]), 10,
                   what="the new certificate to be served")
        code, _, _ = curl(f"https://127.0.0.1:{port}/metrics", "--cacert", self.pki["ca"][0])
        self.assertEqual(code, 200)

    def test_client_certificates_required_verified_and_allowlisted(self):
        port = h.free_port()
        self.start(self.tls_listener(
            port, f'client_auth_type = "RequireAndVerifyClientCert"\n'
                  f'client_ca_file = "{self.pki["ca"][0]}"\n'
                  'client_allowed_sans = ["prometheus.test"]') + HELLO)
        url = f"https://127.0.0.1:{port}/metrics"
        ca = self.pki["ca"][0]
        code, _, _ = curl(url, "--cacert", ca)
        self.assertEqual(code, 0, "no client certificate was accepted")
        cert, key = self.pki["client"]
        code, body, err = curl(url, "--cacert", ca, "--cert", cert, "--key", key)
        self.assertEqual(code, 200, err)
        for bad in ("stranger", "expired", "foreign"):
            cert, key = self.pki[bad]
            code, _, _ = curl(url, "--cacert", ca, "--cert", cert, "--key", key)
            self.assertEqual(code, 0, f"{bad} client certificate was accepted")

    def test_check_config_rejects_bad_tls_tables(self):
        cert, key = self.pki["server"]
        cases = {
            f'cert_file = "{cert}"\nkey_file = "/nonexistent/key.pem"\n': "cannot read key_file /nonexistent/key.pem",
            f'cert_file = "{cert}"\nkey_file = "{self.pki["client"][1]}"\n': "does not match cert_file",
            f'cert_file = "{cert}"\nkey_file = "{key}"\nclient_ca_file = "{self.pki["ca"][0]}"\n':
                "does not verify client certificates",
            f'cert_file = "{cert}"\nkey_file = "{key}"\ncipher_suites = ["TLS_NO_SUCH_CIPHER"]\n':
                'unknown cipher suite "TLS_NO_SUCH_CIPHER"',
            f'cert_file = "{cert}"\nkey_file = "{key}"\nclient_auth_type = "RequireAndVerifyClientCert"\n':
                "needs client_ca_file",
            f'cert_file = "{cert}"\nkey_file = "{key}"\nmin_version = "SSL3"\n': 'unknown TLS version "SSL3"',
        }
        for tls, expected in cases.items():
            path = os.path.join(self.workdir, "tls.toml")
            with open(path, "w") as f:
                f.write(f'[[web.listener]]\naddress = "127.0.0.1:1"\n[web.listener.tls]\n{tls}' + HELLO)
            r = subprocess.run([h.EXPORTER, "--check-config", f"--config.file={path}",
                                f"--plugin.dir={h.PLUGIN_DIR}"], capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(r.returncode, 1, tls)
            self.assertIn(expected, r.stderr, tls)
            self.assertRegex(r.stderr, rf"^{path}:\d+:\d+: web\.listener\[0\]\.tls", r.stderr)
        # A good IANA-named suite and curve pass.
        with open(path, "w") as f:
            f.write(f'[[web.listener]]\naddress = "127.0.0.1:1"\n[web.listener.tls]\ncert_file = "{cert}"\n'
                    f'key_file = "{key}"\ncipher_suites = ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]\n'
                    'curve_preferences = ["X25519", "CurveP256"]\n' + HELLO)
        r = subprocess.run([h.EXPORTER, "--check-config", f"--config.file={path}",
                            f"--plugin.dir={h.PLUGIN_DIR}"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)


class AccessControl(SecurityBase):
    AUTH = (f'[[auth.token]]\nname = "scraper"\ntoken = "{SCRAPE_TOKEN}"\nroles = ["scrape"]\n'
            f'[[auth.token]]\nname = "ci"\ntoken_env = "PE_IT_PUSH_TOKEN"\nroles = ["push"]\n'
            f'[[auth.token]]\nname = "ops"\ntoken = "{ADMIN_TOKEN}"\nroles = ["admin", "scrape"]\n'
            f'[[auth.user]]\nname = "prometheus"\npassword_hash = "{PASSWORD_HASH}"\nroles = ["scrape"]\n')

    def start_protected(self, extra=""):
        env = dict(os.environ, PE_IT_PUSH_TOKEN=PUSH_TOKEN)
        return self.start(extra + self.AUTH + HELLO + ECHO, env=env)

    def test_roles_401_and_403(self):
        e = self.start_protected()

        def status(method, path, auth=None, body=None):
            headers = {"Authorization": auth} if auth else {}
            return h.http(method, e.url(path), body=body, headers=headers).status
        bearer = lambda t: f"Bearer {t}"  # noqa: E731
        self.assertEqual(status("GET", "/metrics"), 401)
        r = e.get("/metrics")
        self.assertIn("Basic realm", r.headers["WWW-Authenticate"])
        self.assertEqual(status("GET", "/metrics", bearer(SCRAPE_TOKEN)), 200)
        self.assertEqual(status("GET", "/metrics", bearer(PUSH_TOKEN)), 403)
        self.assertEqual(status("GET", "/configz", bearer(SCRAPE_TOKEN)), 403)
        self.assertEqual(status("GET", "/configz", bearer(PUSH_TOKEN)), 403)
        self.assertEqual(status("GET", "/configz", bearer(ADMIN_TOKEN)), 200)
        self.assertEqual(status("POST", "/test/echo", bearer(PUSH_TOKEN), b"x"), 202)
        self.assertEqual(status("POST", "/test/echo", bearer(SCRAPE_TOKEN), b"x"), 403)
        self.assertEqual(status("POST", "/test/echo", bearer(PUSH_TOKEN), b"x" * 5000), 413)
        # A plugin's exception in handle_http: 500, and its message in the log (it was lost).
        self.assertEqual(status("POST", "/test/echo", bearer(PUSH_TOKEN), b"throw"), 500)
        h.wait_for(lambda: "handle_http failed: echo was told to throw" in e.process.log(), 10,
                   what="the handle_http failure in the log")
        self.assertEqual(status("GET", "/healthz"), 200)  # open by default
        import base64
        basic = lambda up: "Basic " + base64.b64encode(up.encode()).decode()  # noqa: E731
        self.assertEqual(status("GET", "/metrics", basic("prometheus:test-password")), 200)
        self.assertEqual(status("GET", "/metrics", basic("prometheus:wrong")), 401)
        self.assertEqual(status("GET", "/metrics", basic("nobody:test-password")), 401)
        # The 401 and 403 bodies say nothing about what failed.
        self.assertEqual(e.get("/metrics", headers={"Authorization": basic("prometheus:wrong")}).text,
                         "unauthorized\n")
        # Secrets never reach the log or /configz.
        cfg = e.get("/configz", headers={"Authorization": bearer(ADMIN_TOKEN)}).text
        e.stop()
        for secret in (SCRAPE_TOKEN, PUSH_TOKEN, ADMIN_TOKEN, "test-password"):
            self.assertNotIn(secret, cfg)
            self.assertNotIn(secret, e.process.log())

    def test_listener_allowlist_and_endpoint_groups(self):
        blocked, health = h.free_port(), h.free_port()
        e = self.start(f'[[web.listener]]\naddress = "127.0.0.1:{blocked}"\nallow_cidrs = ["10.0.0.0/8", "::1"]\n'
                       f'[[web.listener]]\naddress = "127.0.0.1:{health}"\nserve = ["health"]\n'
                       '[web]\nlisten_addresses = []\n' + HELLO)
        self.assertEqual(h.get(f"http://127.0.0.1:{blocked}/metrics").status, 403)
        self.assertEqual(h.get(f"http://127.0.0.1:{blocked}/healthz").status, 403)
        self.assertEqual(h.get(f"http://127.0.0.1:{health}/healthz").status, 200)
        self.assertEqual(h.get(f"http://127.0.0.1:{health}/metrics").status, 404)
        self.assertEqual(h.get(f"http://127.0.0.1:{health}/configz").status, 404)
        self.assertTrue(e.process.alive())

    def test_security_headers_and_rate_limit(self):
        e = self.start('[web.headers]\nStrict-Transport-Security = "max-age=31536000"\n'
                       'X-Content-Type-Options = "nosniff"\nX-Frame-Options = "deny"\n'
                       'Content-Security-Policy = "default-src \'none\'"\n'
                       f'[auth]\n[auth.rate_limit]\nrequests_per_second = 1\nburst = 2\n'
                       f'[[auth.token]]\nname = "s"\ntoken = "{SCRAPE_TOKEN}"\nroles = ["scrape"]\n' + HELLO)
        auth = {"Authorization": f"Bearer {SCRAPE_TOKEN}"}
        r = e.get("/metrics", headers=auth)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(r.headers["Strict-Transport-Security"], "max-age=31536000")
        self.assertEqual(r.headers["Content-Security-Policy"], "default-src 'none'")
        self.assertEqual(e.get("/metrics", headers=auth).status, 200)
        r = e.get("/metrics", headers=auth)
        self.assertEqual(r.status, 429)
        self.assertGreaterEqual(int(r.headers["Retry-After"]), 1)
        time.sleep(1.1)
        self.assertEqual(e.get("/metrics", headers=auth).status, 200)


class SlowClients(SecurityBase):
    def test_slow_headers_and_bodies_are_cut_others_unaffected(self):
        e = self.start('[web]\nheader_timeout = "1s"\nbody_timeout = "1s"\nread_timeout = "10s"\n' + HELLO + ECHO)

        def trickle(first, then, seconds=6):
            s = socket.create_connection(("127.0.0.1", e.port))
            s.sendall(first)
            start = time.monotonic()
            try:
                while time.monotonic() - start < seconds:
                    s.sendall(then)
                    time.sleep(0.3)
                    s.setblocking(False)
                    try:
                        if s.recv(1024) == b"":
                            return time.monotonic() - start
                    except BlockingIOError:
                        pass
                    finally:
                        s.setblocking(True)
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - start
            finally:
                s.close()
            return None

        import threading
        results = {}
        t = threading.Thread(target=lambda: results.update(headers=trickle(b"GET /metrics HTTP/1.1\r\n", b"X")))
        t.start()
        time.sleep(0.2)
        self.assertEqual(e.get("/metrics").status, 200)  # others are served meanwhile
        t.join()
        self.assertIsNotNone(results["headers"], "slow headers were not cut")
        self.assertLess(results["headers"], 4)
        cut = trickle(b"POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", b"y")
        self.assertIsNotNone(cut, "slow body was not cut")
        self.assertLess(cut, 4)
        self.assertTrue(e.process.alive())


class PrometheusOverTls(SecurityBase):
    def test_prometheus_scrapes_with_client_certificate_and_with_basic_auth(self):
        tls_port, basic_port = h.free_port(), h.free_port()
        ca = self.pki["ca"][0]
        self.start(self.tls_listener(
            tls_port, f'client_auth_type = "RequireAndVerifyClientCert"\nclient_ca_file = "{ca}"\n')
            + f'[[web.listener]]\naddress = "127.0.0.1:{basic_port}"\n'
            f'[[auth.client_cert]]\nsan = "prometheus.test"\nroles = ["scrape"]\n'
            f'[[auth.user]]\nname = "prometheus"\npassword_hash = "{PASSWORD_HASH}"\nroles = ["scrape"]\n'
            + HELLO)
        cert, key = self.pki["client"]
        jobs = (f"  - job_name: mtls\n    scheme: https\n    tls_config:\n      ca_file: {ca}\n"
                f"      cert_file: {cert}\n      key_file: {key}\n"
                f"    static_configs:\n      - targets: ['127.0.0.1:{tls_port}']\n"
                f"  - job_name: basic\n    basic_auth:\n      username: prometheus\n      password: test-password\n"
                f"    static_configs:\n      - targets: ['127.0.0.1:{basic_port}']\n")
        prom = h.Prometheus(self.workdir, jobs)
        try:
            def both_up():
                up = {r["metric"]["job"]: r["value"][1] for r in prom.query("up")}
                return up if up.get("mtls") == "1" and up.get("basic") == "1" else None
            h.wait_for(both_up, 60, what="both jobs up in Prometheus")
            self.assertTrue(prom.query('hello_value{job="mtls"}'))
            self.assertTrue(prom.query('hello_value{job="basic"}'))
        finally:
            prom.stop()


if __name__ == "__main__":
    unittest.main()
