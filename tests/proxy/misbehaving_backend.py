"""misbehaving_backend.py — a small HTTP/1.1 server (Python http.server) on
loopback whose paths behave or misbehave on purpose, for the proxy's
integration test: valid metrics, garbage, a hang, a body cut by a closed
connection, a 500, a gzip bomb, an endless stream, parameter echo, and
routes guarded by bearer or basic auth. Optionally HTTPS, optionally
requiring a client certificate. Counts the
connections that served each path, so keep-alive reuse is visible."""
import gzip
import http.server
import itertools
import ssl
import threading
import time
import urllib.parse
import zlib

METRICS = (
    "# HELP go_goroutines Number of goroutines that currently exist.\n"
    "# TYPE go_goroutines gauge\n"
    "go_goroutines 42\n"
    "# HELP backend_requests_total Requests served.\n"
    "# TYPE backend_requests_total counter\n"
    'backend_requests_total{code="200"} 7\n'
)


def gzip_bomb(decompressed_mib):
    """A gzip stream of `decompressed_mib` MiB of zeros (about 1000:1)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    parts = [c.compress(block) for _ in range(decompressed_mib)]
    parts.append(c.flush())
    return b"".join(parts)


class MisbehavingBackend:
    def __init__(self, tls_cert=None, tls_key=None, bearer_token=None, basic_auth=None,
                 bomb_mib=256, client_ca=None):
        self.release = threading.Event()  # set at stop: hanging handlers return
        self.connections = {}  # path -> number of distinct connections that served it
        self.lock = threading.Lock()
        self.bearer_token = bearer_token
        self.basic_auth = basic_auth  # "user:password"
        self.bomb = gzip_bomb(bomb_mib)
        backend = self
        serials = itertools.count()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                self.serial = next(serials)  # one handler per connection

            def log_message(self, *args):
                pass

            def send_body(self, status, body, content_type="text/plain; version=0.0.4",
                          headers=()):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802 — http.server's name
                url = urllib.parse.urlsplit(self.path)
                path = url.path
                with backend.lock:
                    seen = backend.connections.setdefault(path, set())
                    seen.add(self.serial)
                route = getattr(self, "route_" + path.strip("/").replace("-", "_"), None)
                if route is None:
                    self.send_body(404, b"no such route\n", "text/plain")
                    return
                route(urllib.parse.parse_qsl(url.query))

            def route_ok(self, _):
                self.send_body(200, METRICS.encode())

            def route_gzip(self, _):
                if "gzip" not in (self.headers.get("Accept-Encoding") or ""):
                    self.send_body(406, b"ask for gzip\n", "text/plain")
                    return
                self.send_body(200, gzip.compress(METRICS.encode()), headers=[("Content-Encoding", "gzip")])

            def route_garbage(self, _):
                self.send_body(200, b"<html><body>It works!</body></html>\n")

            def route_hang(self, _):
                backend.release.wait(120)
                self.close_connection = True

            def route_close_mid_body(self, _):
                body = METRICS.encode() * 50
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # Cut on a line boundary: the part alone would still parse.
                self.wfile.write(body[:len(METRICS) * 20])
                self.wfile.flush()
                self.close_connection = True

            def route_status_500(self, _):
                self.send_body(500, b"An error has occurred while serving metrics:\n\ncollector failed\n",
                               "text/plain")

            def route_gzip_bomb(self, _):
                self.send_body(200, backend.bomb, headers=[("Content-Encoding", "gzip")])

            def route_endless(self, _):
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                line = b'endless_metric{i="0123456789"} 1\n' * 2000
                chunk = b"%x\r\n%s\r\n" % (len(line), line)
                try:
                    while not backend.release.is_set():
                        self.wfile.write(chunk)
                except OSError:
                    pass
                self.close_connection = True

            def route_echo(self, params):
                lines = ["# HELP echo_param Query parameters the backend received.", "# TYPE echo_param gauge"]
                for k, v in params:
                    lines.append('echo_param{param="%s",value="%s"} 1' % (k, v.replace('"', '\\"')))
                self.send_body(200, ("\n".join(lines) + "\n").encode())

            def route_bearer(self, _):
                if self.headers.get("Authorization") != f"Bearer {backend.bearer_token}":
                    self.send_body(401, b"bad or missing bearer token\n", "text/plain")
                else:
                    self.send_body(200, METRICS.encode())

            def route_basic(self, _):
                import base64
                want = "Basic " + base64.b64encode(backend.basic_auth.encode()).decode()
                if self.headers.get("Authorization") != want:
                    self.send_body(401, b"bad or missing basic auth\n", "text/plain")
                else:
                    self.send_body(200, METRICS.encode())

        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 128  # the default 5 drops SYNs of parallel collects (1s retransmit)

            def handle_error(self, request, client_address):
                pass  # the proxy resets connections it gives up on; that is the point

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.scheme = "http"
        if tls_cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls_cert, tls_key)
            if client_ca:  # mutual TLS: clients must present a certificate from this CA
                ctx.verify_mode = ssl.CERT_REQUIRED
                ctx.load_verify_locations(client_ca)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path, host="127.0.0.1"):
        return f"{self.scheme}://{host}:{self.port}{path}"

    def connections_for(self, path):
        with self.lock:
            return len(self.connections.get(path, ()))

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        time.sleep(0.05)
