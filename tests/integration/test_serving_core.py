"""test_serving_core.py — the event-driven serving core (issue 12) against raw
sockets: idle-connection floods and slowloris clients do not starve real
requests, per-client caps evict idle / refuse busy connections, malformed or
truncated push bodies never reach the push store, a second instance on a used
port fails, reason phrases, Expect: 100-continue and keep-alive deadlines,
small bodies read before routing (larger ones after authentication), and
unchanged collector results served from their written bytes, never stale.

Loopback only, bounded in time; every socket is closed by the test that made it.
"""
import contextlib
import http.client
import os
import select
import socket
import threading
import time
import unittest

import harness as h

TEST_SOURCE = os.path.join(h.TEST_PLUGIN_DIR, "test_source.so")
TOKEN = "serving-core-token-0123456789"
HELLO = '[[collector]]\nname = "hello"\nplugin = "hello"\nlabels = { source = "hello" }\n'


def slow_collector(delay):
    return (f'[[collector]]\nname = "slow"\nplugin = "{TEST_SOURCE}"\ntimeout = "30s"\n'
            f'labels = {{ collector = "slow" }}\n[collector.config]\nbehaviour = "slow"\n'
            f'delay = "{delay}"\n')


def push_collector(extra=""):
    return '[[collector]]\nname = "push"\nplugin = "push"\n[collector.config]\n' + extra


def connect(port, source=None, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        if source:
            s.bind((source, 0))
        s.connect(("127.0.0.1", port))
    except OSError:
        s.close()
        raise
    return s


def read_response(s, timeout=5.0):
    """Reads one HTTP response (headers + Content-Length body) from s.
    Returns (status_line, headers dict lower-cased, body) or None when the
    server closed (EOF or reset) before a complete header block."""
    s.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        return lines[0], headers, body
    except (ConnectionResetError, BrokenPipeError):
        return None


def closed_by_peer(s, timeout):
    """True if the server closes s (EOF or reset) within timeout seconds; any
    bytes it sends before closing are discarded."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        s.settimeout(left)
        try:
            if not s.recv(65536):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False


def still_open(s):
    """True if s has neither EOF nor a reset pending (nothing to read yet)."""
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return True
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except OSError:
        return False


def timed_get(port, path, headers=None):
    """GET path on a fresh connection; returns (status, seconds)."""
    t0 = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        r.read()
        return r.status, time.monotonic() - t0
    finally:
        c.close()


def rejected(text, reason):
    v = h.find(text, "plugin_exporter_http_connections_rejected_total", reason=reason)
    return v[0] if v else 0.0


SERIES = "".join(f't_series{{i="{i}"}} {i}\n' for i in range(10))


class ServingCoreTest(unittest.TestCase):
    def setUp(self):
        self._tmp = h.temp_dir()
        self.tmp = self._tmp.__enter__()
        self.exporters = []
        self.sockets = []

    def tearDown(self):
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.close()
        for e in self.exporters:
            e.stop()
        self._tmp.__exit__(None, None, None)

    def start(self, config, **kw):
        d = os.path.join(self.tmp, f"e{len(self.exporters)}")
        os.makedirs(d)
        e = h.Exporter(d, config, **kw)
        self.exporters.append(e)
        return e

    def conn(self, port, source=None):
        s = connect(port, source)
        self.sockets.append(s)
        return s

    # 1
    def test_idle_connection_flood_does_not_starve_requests(self):
        e = self.start(HELLO)
        idle = []
        for i in range(1000):
            idle.append(self.conn(e.port, source=f"127.2.{i // 250}.{i % 250 + 1}"))
        # The server accepted (holds) them all.
        h.wait_for(lambda: h.find(e.metrics(), "plugin_exporter_http_connections_open")[0] >= 1000,
                   5, what="1000 connections held")
        for path in ("/healthz", "/metrics"):
            status, secs = timed_get(e.port, path)
            self.assertEqual(status, 200, path)
            self.assertLess(secs, 2.0, f"{path} took {secs:.2f}s with 1000 idle connections")
        text = e.metrics()
        self.assertIn('source="hello"', text)
        self.assertEqual(sum(not still_open(s) for s in idle), 0, "idle connections were dropped")
        self.assertEqual(rejected(text, "max_connections_per_client"), 0)

    # 2
    def test_slowloris_clients_are_closed_after_header_timeout(self):
        e = self.start('[web]\nheader_timeout = "2s"\n' + HELLO)
        clients = []
        for i in range(50):
            s = self.conn(e.port, source=f"127.3.0.{i + 1}")
            clients.append([s, time.monotonic(), None])  # socket, accepted ~, closed at
        request = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
        answered = []
        stop = threading.Event()

        def legit():
            while not stop.is_set():
                answered.append(timed_get(e.port, "/healthz"))
                time.sleep(0.2)

        t = threading.Thread(target=legit)
        t.start()
        try:
            pos = 0
            deadline = time.monotonic() + 6
            while time.monotonic() < deadline and any(c[2] is None for c in clients):
                for c in clients:
                    if c[2] is not None:
                        continue
                    try:
                        c[0].send(request[pos:pos + 1])
                    except OSError:
                        c[2] = time.monotonic()
                        continue
                    if not still_open(c[0]):
                        c[2] = time.monotonic()
                pos = min(pos + 1, len(request) - 1)
                time.sleep(0.5)
        finally:
            stop.set()
            t.join()
        lifetimes = [c[2] - c[1] for c in clients if c[2] is not None]
        self.assertEqual(len(lifetimes), 50, "slowloris connections still open after 6 s")
        self.assertGreaterEqual(min(lifetimes), 1.5, "closed before header_timeout")
        self.assertLess(max(lifetimes), 5.0)
        self.assertTrue(answered)
        self.assertEqual({s for s, _ in answered}, {200})
        self.assertLess(max(secs for _, secs in answered), 2.0)
        self.assertGreaterEqual(rejected(e.metrics(), "header_timeout"), 50)

    # 3
    def test_per_client_cap_evicts_idle_and_refuses_busy(self):
        e = self.start("[web]\nmax_connections_per_client = 4\n" + slow_collector("2s"))
        src = "127.4.0.1"
        # Four idle connections; a fifth evicts the oldest and is served.
        idle = []
        for _ in range(4):
            idle.append(self.conn(e.port, source=src))
            time.sleep(0.05)  # accepted in this order
        time.sleep(0.3)
        fifth = self.conn(e.port, source=src)
        fifth.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        r = read_response(fifth)
        self.assertIsNotNone(r, "5th connection was not served")
        self.assertTrue(r[0].startswith("HTTP/1.1 200"), r[0])
        self.assertTrue(closed_by_peer(idle[0], 3), "oldest idle connection was not evicted")
        self.assertTrue(all(still_open(s) for s in idle[1:]), "a newer idle connection was closed")
        for s in idle + [fifth]:
            s.close()
        time.sleep(0.3)
        # Four busy connections (scrapes of a 2 s collector in flight); a fifth is refused.
        busy = []
        for _ in range(4):
            s = self.conn(e.port, source=src)
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            busy.append(s)
        time.sleep(0.5)
        refused = self.conn(e.port, source=src)
        refused.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertIsNone(read_response(refused, timeout=3), "5th connection beside 4 busy was answered")
        for s in busy:
            r = read_response(s, timeout=10)
            self.assertIsNotNone(r)
            self.assertTrue(r[0].startswith("HTTP/1.1 200"), r[0])
        text = e.metrics()
        self.assertGreaterEqual(rejected(text, "evicted_idle"), 1)
        self.assertGreaterEqual(rejected(text, "max_connections_per_client"), 1)

    # 4
    def test_malformed_or_truncated_push_bodies_leave_the_group_intact(self):
        e = self.start(push_collector())
        r = h.http("PUT", e.url("/metrics/job/t"), body=SERIES.encode())
        self.assertIn(r.status, (200, 202), r.text)
        expected = sorted(h.find(e.metrics(), "t_series", job="t"))
        self.assertEqual(expected, [float(i) for i in range(10)])
        other = "".join(f't_series{{i="{i}"}} 99\n' for i in range(5)).encode()
        half = SERIES.encode()[: SERIES.encode().index(b't_series{i="5"}')]
        head = b"PUT /metrics/job/t HTTP/1.1\r\nHost: x\r\n"
        cases = {
            "truncated": (head + b"Content-Length: %d\r\n\r\n" % len(SERIES) + half, True),
            "bad chunk size": (head + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n" + other + b"\r\n0\r\n\r\n",
                               False),
            "unterminated chunked": (head + b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % len(other) + other
                                     + b"\r\n", True),
            "negative length": (head + b"Content-Length: -1\r\n\r\n" + other, False),
            "two lengths": (head + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n"
                            % (len(other), len(other) - 10) + other, False),
            "two identical lengths": (head + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n"
                                      % (len(other), len(other)) + other, False),
            "length and chunked": (head + b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   % (len(other) + 10) + b"%x\r\n" % len(other) + other + b"\r\n0\r\n\r\n",
                                   False),
            "gzip transfer coding": (head + b"Transfer-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
                                     % len(other) + other, False),
        }
        for name, (data, close_after) in cases.items():
            with self.subTest(name):
                s = self.conn(e.port)
                s.sendall(data)
                if close_after:
                    s.shutdown(socket.SHUT_WR)
                try:
                    r = read_response(s)
                except socket.timeout:
                    self.fail(f"{name}: neither answered nor closed within 5 s")
                if r is not None:
                    self.assertTrue(r[0].startswith("HTTP/1.1 400"), f"{name}: {r[0]} {r[2]!r}")
                s.close()
                got = sorted(h.find(e.metrics(), "t_series", job="t"))
                self.assertEqual(got, expected, f"{name} changed the group")

    # 5
    def test_second_instance_on_a_used_port_exits_1(self):
        first = self.start(HELLO)
        d = os.path.join(self.tmp, "second")
        os.makedirs(d)
        cfg = os.path.join(d, "plugin_exporter.toml")
        with open(cfg, "w") as f:
            f.write(HELLO)
        address = f"127.0.0.1:{first.port}"
        second = h.Process([h.EXPORTER, f"--config.file={cfg}", f"--web.listen-address={address}",
                            f"--plugin.dir={h.PLUGIN_DIR}"], log_path=os.path.join(d, "exporter.log"))
        try:
            code = second.proc.wait(10)
        finally:
            second.stop()
        log = second.log()
        self.assertEqual(code, 1, log)
        self.assertIn("address already in use", log.lower())
        self.assertIn(address, log)
        self.assertEqual(first.get("/healthz").status, 200)
        self.assertEqual(first.get("/metrics").status, 200)

    # 6
    def test_status_lines_carry_reason_phrases(self):
        e = self.start(f'[auth]\nbearer_tokens = ["{TOKEN}"]\n' + push_collector("max_body_bytes = 1024\n"))
        auth = f"Authorization: Bearer {TOKEN}\r\n".encode()
        cases = [
            (b"GET /metrics?collector=%zz HTTP/1.1\r\nHost: x\r\n" + auth + b"\r\n", "400 Bad Request"),
            (b"GET /no-such-page HTTP/1.1\r\nHost: x\r\n" + auth + b"\r\n", "404 Not Found"),
            (b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", "405 Method Not Allowed"),
            # Headers only: the limit is judged on Content-Length (a body the
            # server never reads would make its close a reset that can eat the answer).
            (b"PUT /metrics/job/t HTTP/1.1\r\nHost: x\r\n" + auth + b"Content-Length: 4096\r\n\r\n",
             "413 Payload Too Large"),
            (b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "401 Unauthorized"),
        ]
        for data, want in cases:
            with self.subTest(want):
                s = self.conn(e.port)
                s.sendall(data)
                r = read_response(s)
                self.assertIsNotNone(r, want)
                self.assertEqual(r[0], "HTTP/1.1 " + want)
                s.close()

    # issue 16/10: an operator's [web] max_body_bytes wins over push's own 16 MiB default
    def test_operator_body_limit_wins_over_the_routes_default(self):
        e = self.start("[web]\nmax_body_bytes = 1024\n" + push_collector())
        body = "".join(f"m{i} {i}\n" for i in range(300)).encode()
        self.assertGreater(len(body), 1024)
        self.assertEqual(h.http("PUT", e.url("/metrics/job/big"), body=body).status, 413)
        self.assertEqual(h.http("PUT", e.url("/metrics/job/small"), body=b"m 1\n").status, 200)

    # 7
    def test_expect_100_continue_with_a_2mib_push(self):
        e = self.start(push_collector())
        body = "".join(f'big_series{{i="{i}",pad="{"p" * 20}"}} {i}\n' for i in range(50000)).encode()
        body = body[: body.rindex(b"\n", 0, 2 << 20) + 1]
        n = body.count(b"\n")
        self.assertGreater(len(body), (2 << 20) - 100)
        s = self.conn(e.port)
        s.sendall(b"PUT /metrics/job/big HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                  b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
        r = read_response(s)
        self.assertIsNotNone(r)
        self.assertEqual(r[0], "HTTP/1.1 100 Continue")
        s.sendall(body)
        r = read_response(s, timeout=30)
        self.assertIsNotNone(r)
        self.assertIn(r[0].split()[1], ("200", "202"), r)
        self.assertEqual(len(h.find(e.metrics(), "big_series", job="big")), n)

    # 8
    def test_keep_alive_serves_many_requests_and_closes_idle(self):
        e = self.start('[web]\nkeep_alive_timeout = "1s"\n' + HELLO)
        c = http.client.HTTPConnection("127.0.0.1", e.port, timeout=10)
        try:
            c.connect()
            first = c.sock
            local = first.getsockname()
            for i in range(100):
                c.request("GET", "/healthz" if i % 2 else "/metrics")
                r = c.getresponse()
                r.read()
                self.assertEqual(r.status, 200, i)
                self.assertIs(c.sock, first, f"request {i} needed a new connection")
            self.assertEqual(c.sock.getsockname(), local)
            t0 = time.monotonic()
            self.assertTrue(closed_by_peer(c.sock, 5), "idle kept-alive connection not closed")
            idle = time.monotonic() - t0
            self.assertGreaterEqual(idle, 0.7)
            self.assertLess(idle, 3.0)
        finally:
            c.close()

    # 9 (issue 12, pushes/s): a small body for a plugin route is read before
    # routing, a larger one only after authentication.
    def test_small_bodies_are_read_before_authentication_larger_ones_after(self):
        e = self.start(f'[web]\nbody_timeout = "1s"\n[auth]\nbearer_tokens = ["{TOKEN}"]\n'
                       + push_collector())
        head = b"PUT /metrics/job/t HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
        # Over 64 KiB: refused at once, the body never read.
        s = self.conn(e.port)
        s.sendall(head % (65 * 1024))
        r = read_response(s)
        self.assertIsNotNone(r)
        self.assertEqual(r[0], "HTTP/1.1 401 Unauthorized")
        s.close()
        # Up to 64 KiB: the body is awaited first (here past body_timeout:
        # the connection is closed, counted as body_timeout), and nothing
        # reaches the route.
        s = self.conn(e.port)
        s.sendall(head % 100)
        r = read_response(s)
        self.assertTrue(r is None or r[0] == "HTTP/1.1 408 Request Timeout", r)
        s.close()
        # Sent whole, it is answered (401 without the token, 200 with it) and
        # the connection stays open for the next request.
        s = self.conn(e.port)
        s.sendall(head % len(SERIES) + SERIES.encode())
        r = read_response(s)
        self.assertEqual(r[0], "HTTP/1.1 401 Unauthorized")
        auth = f"Authorization: Bearer {TOKEN}\r\n".encode()
        s.sendall(b"PUT /metrics/job/t HTTP/1.1\r\nHost: x\r\n" + auth
                  + b"Content-Length: %d\r\n\r\n" % len(SERIES) + SERIES.encode())
        r = read_response(s)
        self.assertIsNotNone(r, "the connection was closed after the 401")
        self.assertIn(r[0].split()[1], ("200", "202"), r)
        text = h.get(e.url("/metrics"), headers={"Authorization": f"Bearer {TOKEN}"}).text
        self.assertEqual(sorted(h.find(text, "t_series", job="t")), [float(i) for i in range(10)])
        self.assertEqual(rejected(text, "body_timeout"), 1)

    # 10 (issue 12, cached /metrics): an unchanged collector result is served
    # from the bytes written for it before; a changed one never is.
    def test_unchanged_results_reuse_written_bytes_and_changes_show_at_once(self):
        data = os.path.join(self.tmp, "data.prom")
        with open(data, "w") as f:
            f.write("# HELP file_value A value.\n# TYPE file_value gauge\nfile_value 1\n")
        e = self.start(f'[[collector]]\nname = "file"\nplugin = "script"\n[collector.config]\n'
                       f'command = ["/bin/cat", "{data}"]\n')  # runs on every scrape
        for fmt in ("text/plain", "application/openmetrics-text; version=1.0.0"):
            with self.subTest(fmt):
                first = e.metrics(headers={"Accept": fmt})
                second = e.metrics(headers={"Accept": fmt})
                def own(text):
                    return [x for x in text.splitlines() if "file_value" in x]
                self.assertEqual(len(own(first)), 3, first)
                self.assertEqual(own(first), own(second))
                self.assertEqual(h.find(second, "file_value"), [1.0])
        for value in (2, 3):
            with open(data, "w") as f:
                f.write(f"# HELP file_value A value.\n# TYPE file_value gauge\nfile_value {value}\n")
            self.assertEqual(h.find(e.metrics(), "file_value"), [float(value)])

if __name__ == "__main__":
    unittest.main()
