"""harness.py — shared helpers for integration tests that run real servers.

Everything runs on loopback (127.0.0.1 / ::1), on free ports, in temporary
directories, bounded in time, and is stopped afterwards. Paths to the build
come from the environment CTest sets (see tests/integration/CMakeLists.txt):
PE_BUILD_DIR, PE_SOURCE_DIR, PE_PLUGIN_DIR, PE_TEST_PLUGIN_DIR, PE_TESTDATA.
"""
import contextlib
import gzip
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

BUILD_DIR = os.environ.get("PE_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))
SOURCE_DIR = os.environ.get("PE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
PLUGIN_DIR = os.environ.get("PE_PLUGIN_DIR", os.path.join(BUILD_DIR, "plugins"))
TEST_PLUGIN_DIR = os.environ.get("PE_TEST_PLUGIN_DIR", os.path.join(BUILD_DIR, "test-plugins"))
TESTDATA = os.environ.get("PE_TESTDATA", os.path.join(SOURCE_DIR, "tests/testdata"))
EXPORTER = os.path.join(BUILD_DIR, "plugin_exporter")
PG_BIN = "/usr/lib/postgresql/15/bin"


def free_port(host="127.0.0.1"):
    """A TCP port nothing listens on right now (bound then released)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=20.0, interval=0.05, what="condition"):
    """Polls predicate() until it returns a truthy value; raises on timeout."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 — keep polling, report the last one
            last_error = e
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}" +
                       (f" (last error: {last_error})" if last_error else ""))


def port_open(host, port):
    with contextlib.suppress(OSError):
        with socket.create_connection((host, port), timeout=0.5):
            return True
    return False


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8")


def http(method, url, body=None, headers=None, timeout=30.0):
    """One HTTP request; returns Response for every status (never raises on 4xx/5xx)."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            data = r.read()
            if r.headers.get("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
            return Response(r.status, r.headers, data)
    except urllib.error.HTTPError as e:
        return Response(e.code, e.headers, e.read())


def get(url, **kw):
    return http("GET", url, **kw)


class Process:
    """A child process in its own process group, stopped on exit."""

    def __init__(self, argv, env=None, cwd=None, log_path=None, user=None):
        self.argv = argv
        self.log_path = log_path
        self._log = open(log_path, "wb") if log_path else subprocess.DEVNULL
        preexec = None
        if user:
            pw = pwd.getpwnam(user)

            def preexec():  # noqa: E306 — runs in the child
                os.setgid(pw.pw_gid)
                os.setuid(pw.pw_uid)
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True,
                                     preexec_fn=preexec)

    def alive(self):
        return self.proc.poll() is None

    def send_signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def stop(self, timeout=10.0, sig=signal.SIGTERM):
        """SIGTERM, then SIGKILL of the whole group; returns the exit code."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if self._log is not subprocess.DEVNULL:
            self._log.close()
        return self.proc.returncode

    def log(self):
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


def exporter_process(directory, name, config_text):
    """This binary with `config_text` as <directory>/<name>.toml, logging to
    <directory>/<name>.log; not waited for (an agent has no listener)."""
    path = os.path.join(directory, f"{name}.toml")
    with open(path, "w") as f:
        f.write(config_text)
    return Process([EXPORTER, f"--config.file={path}", f"--plugin.dir={PLUGIN_DIR}"],
                   log_path=os.path.join(directory, f"{name}.log"))


class ProcessesTestCase(unittest.TestCase):
    """A test class whose processes live as long as the class: setUpClass
    calls open_processes() (a temporary directory, cls.dir), starts them with
    spawn() or start() (this binary with a configuration text), each logging
    to <dir>/<name>.log; tearDownClass stops them, newest first, and removes
    the directory."""

    @classmethod
    def open_processes(cls, prefix):
        cls._tmp = temp_dir(prefix)
        cls.dir = cls._tmp.__enter__()
        cls.procs = []

    @classmethod
    def tearDownClass(cls):
        for p in reversed(cls.procs):
            p.stop()
        cls._tmp.__exit__(None, None, None)

    @classmethod
    def spawn(cls, name, argv):
        p = Process(argv, log_path=os.path.join(cls.dir, f"{name}.log"))
        cls.procs.append(p)
        return p

    @classmethod
    def start(cls, name, config):
        p = exporter_process(cls.dir, name, config)
        cls.procs.append(p)
        return p


class Exporter:
    """plugin_exporter started from the build tree with a given TOML config
    (or from another build: `binary` and `plugin_dir`, e.g. a benchmark's baseline)."""

    def __init__(self, tmpdir, config_text, extra_args=(), env=None, listen="127.0.0.1",
                 binary=None, plugin_dir=None):
        self.tmpdir = tmpdir
        self.port = free_port(listen)
        host = f"[{listen}]" if ":" in listen else listen
        self.base = f"http://{host}:{self.port}"
        self.config_path = os.path.join(tmpdir, "plugin_exporter.toml")
        # PE_ISOLATION=process: the plugin suites' second run, every collector isolated.
        if os.environ.get("PE_ISOLATION") and "[defaults]" not in config_text:
            config_text += f'\n[defaults]\nisolation = "{os.environ["PE_ISOLATION"]}"\n'
        with open(self.config_path, "w") as f:
            f.write(config_text)
        argv = [binary or EXPORTER, f"--config.file={self.config_path}",
                f"--web.listen-address={host}:{self.port}", f"--plugin.dir={plugin_dir or PLUGIN_DIR}",
                *extra_args]
        self.process = Process(argv, env=env, log_path=os.path.join(tmpdir, "exporter.log"))
        try:
            wait_for(lambda: not self.process.alive() or port_open(listen, self.port), 20,
                     what="plugin_exporter to listen")
        except TimeoutError:
            self.process.stop()
            raise
        if not self.process.alive():
            raise RuntimeError("plugin_exporter exited at start:\n" + self.process.log())

    def url(self, path):
        return self.base + path

    def get(self, path, **kw):
        return get(self.url(path), **kw)

    def metrics(self, query="", headers=None):
        r = self.get("/metrics" + query, headers=headers)
        if r.status != 200:
            raise AssertionError(f"/metrics{query} answered {r.status}: {r.text}")
        return r.text

    def stop(self):
        return self.process.stop()


def promtool_check(text):
    """Runs `promtool check metrics` on text; returns (exit code, output)."""
    p = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True,
                       timeout=60)
    return p.returncode, (p.stdout + p.stderr).decode()


def samples(text):
    """Parses exposition text into {(name, frozenset(labels)): value} (simple, for assertions)."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name_end = len(line)
        for i, c in enumerate(line):
            if c in "{ ":
                name_end = i
                break
        name = line[:name_end]
        labels = {}
        rest = line[name_end:]
        if rest.startswith("{"):
            i = 1
            while i < len(rest) and rest[i] != "}":
                eq = rest.index("=", i)
                key = rest[i:eq].strip().lstrip(",").strip()
                j = eq + 2
                val = []
                while rest[j] != '"':
                    if rest[j] == "\\":
                        j += 1
                        val.append({"n": "\n", "\\": "\\", '"': '"'}.get(rest[j], rest[j]))
                    else:
                        val.append(rest[j])
                    j += 1
                labels[key] = "".join(val)
                i = j + 1
                while i < len(rest) and rest[i] in ", ":
                    i += 1
            rest = rest[i + 1:]
        value = rest.split()[0]
        out[(name, frozenset(labels.items()))] = float(value)
    return out


def find(text, metric, /, **labels):
    """Values of samples named `metric` whose labels include `labels`."""
    return [v for (n, ls), v in samples(text).items()
            if n == metric and all((k, str(val)) in ls for k, val in labels.items())]


class PostgresServer:
    """A throwaway PostgreSQL 15 cluster on loopback, run as the postgres user."""

    def __init__(self, tmpdir, port=None):
        self.dir = os.path.join(tmpdir, "pg")
        self.socket_dir = os.path.join(tmpdir, "pgsock")
        os.makedirs(self.dir, exist_ok=True)
        os.makedirs(self.socket_dir, exist_ok=True)
        pw = pwd.getpwnam("postgres")
        for d in (tmpdir, self.dir, self.socket_dir):
            os.chown(d, pw.pw_uid, pw.pw_gid)
        os.chmod(tmpdir, 0o755)
        self.port = port or free_port()
        self._as_postgres([f"{PG_BIN}/initdb", "-D", self.dir, "-A", "trust", "-U", "postgres",
                           "--no-sync"], timeout=120)
        with open(os.path.join(self.dir, "postgresql.conf"), "a") as f:
            f.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                    f"unix_socket_directories = '{self.socket_dir}'\nfsync = off\n"
                    "max_connections = 100\nshared_buffers = 32MB\n")
        with open(os.path.join(self.dir, "pg_hba.conf"), "w") as f:
            f.write("local all all trust\nhost all postgres 127.0.0.1/32 trust\n"
                    "host all all 127.0.0.1/32 scram-sha-256\n")
        self.start()

    def _as_postgres(self, argv, timeout=60, check=True, input=None):
        return subprocess.run(["runuser", "-u", "postgres", "--", *argv], capture_output=True,
                              timeout=timeout, check=check, input=input)

    def start(self):
        self._as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.dir, "-l",
                           os.path.join(self.dir, "server.log"), "-w", "-t", "60", "start"],
                          timeout=90)

    def stop(self, mode="fast"):
        self._as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.dir, "-m", mode, "-w", "-t", "60", "stop"],
                          timeout=90, check=False)

    def psql(self, sql, db="postgres"):
        """Runs SQL as the superuser over the socket; returns stdout (tuples only)."""
        r = self._as_postgres(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h",
                               self.socket_dir, "-p", str(self.port), "-d", db, "-c", sql],
                              timeout=60)
        return r.stdout.decode()

    def dsn(self, user="postgres", password=None, db="postgres"):
        auth = user + (f":{password}" if password else "")
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{db}"


class Prometheus:
    """The real Prometheus server (Debian package) on loopback with a given scrape config."""

    def __init__(self, tmpdir, scrape_configs_yaml, extra_args=()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.dir = os.path.join(tmpdir, "prometheus")
        os.makedirs(self.dir, exist_ok=True)
        self.config = os.path.join(self.dir, "prometheus.yml")
        with open(self.config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n" + scrape_configs_yaml)
        self.process = Process(["prometheus", f"--config.file={self.config}",
                                f"--storage.tsdb.path={os.path.join(self.dir, 'data')}",
                                f"--web.listen-address=127.0.0.1:{self.port}", *extra_args],
                               log_path=os.path.join(self.dir, "prometheus.log"))
        wait_for(lambda: get(self.base + "/-/ready").status == 200, 60, what="prometheus ready")

    def query(self, expr):
        import json
        import urllib.parse
        r = get(self.base + "/api/v1/query?query=" + urllib.parse.quote(expr))
        data = json.loads(r.body)
        if data.get("status") != "success":
            raise AssertionError(f"query {expr} failed: {data}")
        return data["data"]["result"]

    def stop(self):
        return self.process.stop()


@contextlib.contextmanager
def temp_dir(prefix="pe-it-"):
    d = tempfile.mkdtemp(prefix=prefix)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


# --- Real exporters to proxy, and certificates (added for plugins/proxy) ---

class NodeExporter:
    """prometheus-node-exporter (Debian) on loopback with a few cheap collectors.

    `textfile_dir` also enables its textfile collector on that directory."""

    def __init__(self, tmpdir, textfile_dir=None, port=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/metrics"
        args = ["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{self.port}",
                "--collector.disable-defaults", "--collector.loadavg", "--collector.time",
                "--collector.uname"]
        if textfile_dir:
            args += ["--collector.textfile", f"--collector.textfile.directory={textfile_dir}"]
        self.process = Process(args, log_path=os.path.join(tmpdir, f"node-exporter-{self.port}.log"))
        wait_for(lambda: get(self.url).status == 200, 20, what="node_exporter ready")

    def stop(self):
        return self.process.stop()


def tls_listener_config(port, cert, key, tls_extra=""):
    """A [web] section with one TLS listener on 127.0.0.1:port and no plain
    one; `tls_extra` (lines) goes into its [web.listener.tls] table."""
    return (f'[web]\nlisten_addresses = []\n[[web.listener]]\naddress = "127.0.0.1:{port}"\n'
            f'[web.listener.tls]\ncert_file = "{cert}"\nkey_file = "{key}"\n{tls_extra}')


def make_tls_files(tmpdir, names=("localhost", "127.0.0.1")):
    """A throwaway CA and a server certificate for `names` (DNS names or IPs),
    plus a client certificate, made with openssl. Returns a dict of paths:
    ca, server_cert, server_key, client_cert, client_key."""
    d = os.path.join(tmpdir, "tls")
    os.makedirs(d, exist_ok=True)
    p = {k: os.path.join(d, k + ".pem") for k in
         ("ca", "ca_key", "server_cert", "server_key", "client_cert", "client_key")}

    def run(*argv):
        subprocess.run(["openssl", *argv], check=True, capture_output=True, timeout=60)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=pe-test-ca",
        "-keyout", p["ca_key"], "-out", p["ca"])
    san = ",".join(("IP:" if all(c.isdigit() or c in ".:" for c in n) else "DNS:") + n for n in names)
    ext = os.path.join(d, "san.ext")
    for who, cn, extra in (("server", names[0], f"subjectAltName={san}\nextendedKeyUsage=serverAuth\n"),
                           ("client", "pe-test-client", "extendedKeyUsage=clientAuth\n")):
        csr = os.path.join(d, who + ".csr")
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}",
            "-keyout", p[who + "_key"], "-out", csr)
        with open(ext, "w") as f:
            f.write(extra)
        run("x509", "-req", "-in", csr, "-CA", p["ca"], "-CAkey", p["ca_key"], "-CAcreateserial",
            "-days", "2", "-extfile", ext, "-out", p[who + "_cert"])
    return p


# --- PostgreSQL helpers (added for plugins/postgres) ---

def postgres_postmaster_pid(server):
    """The postmaster pid of a PostgresServer (first line of postmaster.pid)."""
    with open(os.path.join(server.dir, "postmaster.pid")) as f:
        return int(f.readline())


def postgres_cluster_pids(server):
    """The postmaster and every process it started (backends, checkpointer, ...)."""
    root = postgres_postmaster_pid(server)
    pids = [root]
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == root:  # field 4 of stat: parent pid
                pids.append(int(entry))
    return pids


def postgres_signal_cluster(server, sig):
    """Sends `sig` to the whole cluster: SIGSTOP freezes it (sockets stay open but
    nothing answers), SIGCONT thaws it."""
    for pid in postgres_cluster_pids(server):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


class PostgresStandby(PostgresServer):
    """A hot standby of `primary` (pg_basebackup -R over the Unix socket, streaming
    replication), on its own free port, run as the postgres user."""

    def __init__(self, primary, tmpdir, port=None):  # noqa: super().__init__ would initdb
        self.primary = primary
        self.dir = os.path.join(tmpdir, "pg")
        self.socket_dir = os.path.join(tmpdir, "pgsock")
        os.makedirs(self.socket_dir, exist_ok=True)
        pw = pwd.getpwnam("postgres")
        for d in (tmpdir, self.socket_dir):
            os.chown(d, pw.pw_uid, pw.pw_gid)
        os.chmod(tmpdir, 0o755)
        self.port = port or free_port()
        hba = os.path.join(primary.dir, "pg_hba.conf")
        with open(hba) as f:
            has_replication = "local replication all trust" in f.read()
        if not has_replication:
            with open(hba, "a") as f:
                f.write("local replication all trust\n")
            primary.psql("SELECT pg_reload_conf()")
        self._as_postgres([f"{PG_BIN}/pg_basebackup", "-h", primary.socket_dir, "-p", str(primary.port),
                           "-U", "postgres", "-D", self.dir, "-R", "-X", "stream",
                           "--no-sync"], timeout=120)
        with open(os.path.join(self.dir, "postgresql.conf"), "a") as f:
            f.write(f"\nport = {self.port}\nunix_socket_directories = '{self.socket_dir}'\n"
                    "hot_standby = on\n")
        self.start()


# --- push gateway helpers (added by the push plugin's tests) -----------------

DEBIAN_PYTHON = "/usr/bin/python3"  # has Debian's python3-prometheus-client


class Pushgateway:
    """Debian's prometheus-pushgateway on loopback, no persistence by default."""

    def __init__(self, tmpdir, persistence_file="", extra_args=()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = Process(["prometheus-pushgateway", f"--web.listen-address=127.0.0.1:{self.port}",
                                f"--persistence.file={persistence_file}", *extra_args],
                               log_path=os.path.join(tmpdir, f"pushgateway-{self.port}.log"))
        wait_for(lambda: get(self.base + "/-/ready").status == 200, 30, what="pushgateway ready")

    def url(self, path):
        return self.base + path

    def metrics(self):
        return get(self.base + "/metrics").text

    def stop(self):
        return self.process.stop()


def run_debian_python(code, timeout=60, env=None, stdin=None):
    """Runs Python code with Debian's interpreter (which has prometheus_client),
    `stdin` (a str) as its input; returns (exit code, combined output)."""
    p = subprocess.run([DEBIAN_PYTHON, "-c", code], capture_output=True, timeout=timeout,
                       env={**os.environ, **(env or {})},
                       input=stdin.encode() if stdin is not None else None)
    return p.returncode, (p.stdout + p.stderr).decode()


def npm_install(tmpdir, package, timeout=300):
    """`npm install PACKAGE` into tmpdir/node (from the npm registry); returns the
    directory to run node scripts in, or raises with npm's output."""
    d = os.path.join(tmpdir, "node")
    os.makedirs(d, exist_ok=True)
    p = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", package],
                       cwd=d, capture_output=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"npm install {package} failed:\n{(p.stdout + p.stderr).decode()}")
    return d


def run_node(directory, script, timeout=60):
    """Runs a node script in directory; returns (exit code, combined output)."""
    p = subprocess.run(["node", "-e", script], cwd=directory, capture_output=True, timeout=timeout)
    return p.returncode, (p.stdout + p.stderr).decode()


def push_samples(text, drop_prefixes=("plugin_exporter_", "process_", "go_", "pushgateway_")):
    """samples() without the exporters' own metrics: what was pushed (plus
    push_time_seconds / push_failure_time_seconds)."""
    return {k: v for k, v in samples(text).items() if not k[0].startswith(drop_prefixes)}
