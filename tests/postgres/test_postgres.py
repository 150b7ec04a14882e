"""test_postgres.py — the postgres plugin against real PostgreSQL 15 servers.

One shared cluster (two databases, a role with only pg_monitor, a role with no
grants) serves most tests; tests that stop, freeze or replicate a server get a
cluster of their own. Every scrape's output goes through `promtool check
metrics`.
"""
import os
import signal
import socket
import subprocess
import threading
import time
import unittest

import harness
from harness import find

MON_PASSWORD = "monpw-secret"
PLAIN_PASSWORD = "plainpw-secret"

SETUP_SQL = [f"CREATE ROLE mon LOGIN PASSWORD '{MON_PASSWORD}' IN ROLE pg_monitor",
             f"CREATE ROLE plain LOGIN PASSWORD '{PLAIN_PASSWORD}'",
             "CREATE DATABASE app1",  # CREATE DATABASE cannot share a transaction
             "CREATE DATABASE app2"]

APP1_SQL = """
CREATE TABLE orders (region text, status text, amount numeric);
INSERT INTO orders VALUES ('north', 'paid', 10.5), ('north', 'paid', 4.5), ('north', 'open', 3),
                          ('south', 'paid', 7), ('east', NULL, 1);
CREATE TABLE counters (name text, total bigint);
INSERT INTO counters VALUES ('signup', 17), ('login', 1234), ('cached', 5);
CREATE TABLE request_latency (route text, le_0_1 bigint, le_0_5 bigint, le_1 bigint,
                              total bigint, sum_seconds float8);
INSERT INTO request_latency VALUES ('/api', 5, 8, 9, 10, 3.25), ('/home', 0, 1, 1, 2, 1.5);
GRANT SELECT ON ALL TABLES IN SCHEMA public TO mon, plain;
"""

GROUPS = ["info", "connections", "database_size", "stat_database", "locks", "replication",
          "transactions", "bgwriter", "wal"]


def toml_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def collector(name, server, user="mon", password=MON_PASSWORD, db="app1", labels=None,
              timeout=None, extra="", queries=""):
    """One [[collector]] of the postgres plugin; the password goes through an env var."""
    env_name = "PE_TEST_PW_" + name.upper().replace("-", "_")
    os.environ[env_name] = password
    lines = ["[[collector]]", f"name = {toml_string(name)}", 'plugin = "postgres"']
    if timeout:
        lines.append(f'timeout = "{timeout}"')
    labels = labels if labels is not None else {"server": name}
    if labels:
        lines.append("labels = { " + ", ".join(f"{k} = {toml_string(v)}" for k, v in labels.items())
                     + " }")
    lines += ["[collector.config]", 'host = "127.0.0.1"', f"port = {server.port}",
              f"dbname = {toml_string(db)}", f"user = {toml_string(user)}",
              f"password_env = {toml_string(env_name)}", extra, queries]
    return "\n".join(lines) + "\n"


def web(extra=""):
    """The [web] table (the listen address comes from the command line)."""
    return ("[web]\n" + extra + "\n") if extra else ""


class PostgresPluginTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = harness.temp_dir("pe-pg-")
        cls.tmp = cls._tmp.__enter__()
        os.chmod(cls.tmp, 0o755)  # the postgres user must reach the clusters inside
        cls.pg = harness.PostgresServer(os.path.join(cls.tmp, "shared"))
        try:
            for sql in SETUP_SQL:
                cls.pg.psql(sql)
            cls.pg.psql(APP1_SQL, db="app1")
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.pg.stop("immediate")
        cls._tmp.__exit__(None, None, None)

    def setUp(self):
        self.exporters = []

    def tearDown(self):
        for e in self.exporters:
            e.stop()

    # --- helpers -----------------------------------------------------------------

    def start(self, config, extra_args=()):
        d = os.path.join(self.tmp, f"exporter-{self.id().rsplit('.', 1)[-1]}-{len(self.exporters)}")
        os.makedirs(d, exist_ok=True)
        e = harness.Exporter(d, config, extra_args=extra_args)
        self.exporters.append(e)
        return e

    def scrape(self, exporter, headers=None):
        """Scrapes once, checks the output with promtool, returns (text, seconds)."""
        t0 = time.monotonic()
        text = exporter.metrics(headers=headers)
        seconds = time.monotonic() - t0
        code, out = harness.promtool_check(text)
        self.assertEqual(code, 0, "promtool check metrics:\n" + out)
        return text, seconds

    def one(self, text, metric, /, **labels):
        values = find(text, metric, **labels)
        self.assertEqual(len(values), 1, f"expected one {metric}{labels}, got {values}")
        return values[0]

    def own_server(self, name):
        return harness.PostgresServer(os.path.join(self.tmp, name))

    # --- built-in groups ---------------------------------------------------------

    def test_builtin_groups_with_only_pg_monitor(self):
        e = self.start(web() + collector("app1", self.pg))
        text, _ = self.scrape(e)
        s = {"server": "app1"}
        self.assertEqual(self.one(text, "pg_up", **s), 1)
        for g in GROUPS:
            self.assertEqual(self.one(text, "pg_exporter_query_success", query=g, **s), 1, g)
            self.assertGreaterEqual(self.one(text, "pg_exporter_query_rows", query=g, **s), 1, g)
        self.assertGreaterEqual(self.one(text, "pg_server_version_num", **s), 150000)
        self.assertEqual(self.one(text, "pg_in_recovery", **s), 0)
        self.assertGreater(self.one(text, "pg_postmaster_start_time_seconds", **s), 1.6e9)
        self.assertEqual(len(find(text, "pg_server_info", **s)), 1)
        # Connections: our own session is active in app1.
        self.assertGreaterEqual(
            self.one(text, "pg_connections", datname="app1", state="active", **s), 1)
        self.assertEqual(self.one(text, "pg_settings_max_connections", **s), 100)
        ratio = self.one(text, "pg_connections_saturation_ratio", **s)
        self.assertGreater(ratio, 0)
        self.assertLess(ratio, 1)
        for db in ("app1", "app2", "postgres"):
            self.assertGreater(self.one(text, "pg_database_size_bytes", datname=db, **s), 1e6)
            self.assertGreaterEqual(
                self.one(text, "pg_stat_database_xact_commit_total", datname=db, **s), 0)
            self.assertGreaterEqual(
                self.one(text, "pg_locks", datname=db, mode="accesssharelock", **s), 0)
            self.assertGreater(self.one(text, "pg_database_xid_age", datname=db, **s), 0)
        self.assertEqual(self.one(text, "pg_replication_is_replica", **s), 0)
        self.assertEqual(self.one(text, "pg_replication_lag_seconds", **s), 0)
        self.assertGreaterEqual(self.one(text, "pg_oldest_transaction_age_seconds", **s), 0)
        self.assertGreater(self.one(text, "pg_settings_autovacuum_freeze_max_age", **s), 0)
        self.assertGreaterEqual(self.one(text, "pg_stat_bgwriter_buffers_alloc_total", **s), 1)
        self.assertGreaterEqual(self.one(text, "pg_wal_segments", **s), 1)
        self.assertGreaterEqual(self.one(text, "pg_wal_size_bytes", **s), 16 * 2**20)
        # The host saw a successful collect and the plugin's source_up figure.
        self.assertEqual(self.one(text, "plugin_exporter_collector_success", collector="app1"), 1)
        self.assertEqual(self.one(text, "plugin_exporter_collector_source_up", collector="app1"), 1)
        # Counters are the server's running totals: a transaction in app1 moves them by
        # what the server counted, not by our scrapes.
        before = self.one(text, "pg_stat_database_xact_commit_total", datname="app2", **s)
        self.pg.psql("SELECT 1", db="app2")
        deadline = time.monotonic() + 5
        while True:  # the stats collector publishes with a small delay
            text, _ = self.scrape(e)
            after = self.one(text, "pg_stat_database_xact_commit_total", datname="app2", **s)
            if after > before or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertGreater(after, before)

    def test_group_without_privilege_fails_alone(self):
        # "plain" is not in pg_monitor: pg_ls_waldir() is refused, everything else works.
        e = self.start(web() + collector("plain", self.pg, user="plain", password=PLAIN_PASSWORD))
        text, _ = self.scrape(e)
        s = {"server": "plain"}
        self.assertEqual(self.one(text, "pg_up", **s), 1)
        self.assertEqual(self.one(text, "pg_exporter_query_success", query="wal", **s), 0)
        self.assertEqual(find(text, "pg_wal_segments", **s), [])
        for g in GROUPS:
            if g != "wal":
                self.assertEqual(self.one(text, "pg_exporter_query_success", query=g, **s), 1, g)
        self.assertEqual(self.one(text, "plugin_exporter_collector_success", collector="plain"), 1)
        self.assertIn("permission denied for function pg_ls_waldir", e.process.log())

    def test_groups_can_be_chosen(self):
        e = self.start(web() + collector("some", self.pg,
                                         extra='groups = ["info", "locks", "wal"]\n'
                                               'disabled_groups = ["wal"]'))
        text, _ = self.scrape(e)
        ran = sorted(dict(ls)["query"] for (n, ls), _ in harness.samples(text).items()
                     if n == "pg_exporter_query_success")
        self.assertEqual(ran, ["info", "locks"])
        self.assertEqual(find(text, "pg_stat_database_xact_commit_total"), [])

    def test_failed_statement_leaves_the_connection_usable(self):
        # A statement error aborts the transaction; the ROLLBACK that follows
        # returns the session to idle, prepared statements or not.
        failing = ('[[collector.config.query]]\nmetric = "app_div"\nsql = "SELECT 1/0 AS v"\n'
                   'values = ["v"]\n\n[[collector.config.query]]\nmetric = "app_fine"\n'
                   'sql = "SELECT 7 AS v"\nvalues = ["v"]\n')
        for prepared in ("true", "false"):
            e = self.start(web() + collector("p" + prepared, self.pg, queries=failing,
                                             extra=f'groups = ["info"]\npool_size = 1\n'
                                                   f'prepared_statements = {prepared}'))
            s = {"server": "p" + prepared}
            for _ in range(3):
                text, _ = self.scrape(e)
                self.assertEqual(self.one(text, "pg_exporter_query_success", query="app_div", **s), 0)
                self.assertEqual(self.one(text, "app_fine", **s), 7)
                self.assertEqual(self.one(text, "pg_exporter_query_success", query="info", **s), 1)
            self.assertEqual(self.one(text, "pg_exporter_connects_total", **s), 1)
            self.assertIn("division by zero", e.process.log())
            prepared_count = int(self.pg.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'plugin_exporter' "
                "AND state = 'idle in transaction (aborted)'").strip())
            self.assertEqual(prepared_count, 0)
            e.stop()
            self.exporters.remove(e)

    # --- replication ---------------------------------------------------------------

    def test_replication_primary_and_standby(self):
        primary = self.own_server("primary")
        primary.psql(f"CREATE ROLE mon LOGIN PASSWORD '{MON_PASSWORD}' IN ROLE pg_monitor")
        primary.psql("SELECT pg_create_physical_replication_slot('kept_slot', true)")
        standby = harness.PostgresStandby(primary, os.path.join(self.tmp, "standby"))
        try:
            harness.wait_for(lambda: primary.psql(
                "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").strip() == "1",
                30, what="standby streaming")
            e = self.start(web() + collector("primary", primary, db="postgres")
                           + collector("standby", standby, db="postgres"))
            text, _ = self.scrape(e)
            p, r = {"server": "primary"}, {"server": "standby"}
            for s in (p, r):
                self.assertEqual(self.one(text, "pg_up", **s), 1)
                for g in GROUPS:
                    self.assertEqual(self.one(text, "pg_exporter_query_success", query=g, **s), 1,
                                     f"{g} on {s}")
            self.assertEqual(self.one(text, "pg_replication_is_replica", **p), 0)
            self.assertEqual(self.one(text, "pg_replication_is_replica", **r), 1)
            self.assertEqual(self.one(text, "pg_in_recovery", **r), 1)
            self.assertGreaterEqual(self.one(text, "pg_replication_lag_seconds", **r), 0)
            lag = find(text, "pg_stat_replication_replay_lag_bytes", state="streaming", **p)
            self.assertEqual(len(lag), 1)
            self.assertGreaterEqual(lag[0], 0)
            self.assertEqual(self.one(text, "pg_replication_slot_active", slot_name="kept_slot",
                                      slot_type="physical", **p), 0)
            self.assertGreaterEqual(self.one(text, "pg_replication_slot_retained_bytes",
                                             slot_name="kept_slot", **p), 0)
        finally:
            standby.stop("immediate")
            primary.stop("immediate")

    # --- custom queries ------------------------------------------------------------

    CUSTOM_QUERIES = """
[[collector.config.query]]
name = "orders"
metric = "app_orders"
help = "Orders by region and status."
sql = "SELECT region, status, count(*) AS n, sum(amount) AS amount FROM orders GROUP BY 1, 2"
labels = ["region", "status"]
values = ["n", "amount"]
value_label = "measure"
static_labels = { source = "shop" }

[[collector.config.query]]
metric = "app_events_total"
type = "counter"
help = "Events counted by the application."
sql = "SELECT name AS event, total FROM counters WHERE name <> 'cached'"
labels = ["event"]
values = ["total"]

[[collector.config.query]]
metric = "app_request_duration_seconds"
type = "histogram"
help = "Request latency kept by the application."
sql = "SELECT route, le_0_1, le_0_5, le_1, total, sum_seconds FROM request_latency"
labels = ["route"]
buckets = { "0.1" = "le_0_1", "0.5" = "le_0_5", "1" = "le_1", "+Inf" = "total" }
sum_column = "sum_seconds"

[[collector.config.query]]
metric = "app_odd"
sql = "SELECT x::text AS k, CASE WHEN x % 2 = 0 THEN NULL ELSE x END AS v FROM generate_series(1, 6) x"
labels = ["k"]
values = ["v"]

[[collector.config.query]]
metric = "app_capped"
sql = "SELECT x::text AS id, x AS v FROM generate_series(1, 50) x"
labels = ["id"]
values = ["v"]
max_series = 10

[[collector.config.query]]
metric = "app_not_a_number"
sql = "SELECT 'abc'::text AS v"
values = ["v"]

[[collector.config.query]]
metric = "app_only_on_app2"
sql = "SELECT 2 AS v"
values = ["v"]
databases = ["app2"]

[[collector.config.query]]
metric = "app_only_elsewhere"
sql = "SELECT 3 AS v"
values = ["v"]
collectors = ["someone-else"]

[[collector.config.query]]
metric = "app_cached"
sql = "SELECT total AS v FROM counters WHERE name = 'cached'"
values = ["v"]
min_interval = "1h"
"""

    def test_custom_queries_of_every_kind(self):
        only_app2 = ('[[collector.config.query]]\nmetric = "app_only_on_app2"\n'
                     'sql = "SELECT 2 AS v"\nvalues = ["v"]\ndatabases = ["app2"]\n')
        e = self.start(web() + collector("app1", self.pg, queries=self.CUSTOM_QUERIES)
                       + collector("app2", self.pg, db="app2", extra='groups = ["info"]',
                                   queries=only_app2))
        text, _ = self.scrape(e)
        a = {"server": "app1"}
        ok = lambda q: self.one(text, "pg_exporter_query_success", query=q, **a)  # noqa: E731

        # Gauge with two value columns told apart by value_label, plus a static label.
        self.assertEqual(ok("orders"), 1)
        self.assertEqual(self.one(text, "app_orders", region="north", status="paid", measure="n",
                                  source="shop", **a), 2)
        self.assertEqual(self.one(text, "app_orders", region="north", status="paid",
                                  measure="amount", **a), 15)
        # A NULL label value is an absent label.
        east = [v for (n, ls), v in harness.samples(text).items()
                if n == "app_orders" and ("region", "east") in ls and ("measure", "n") in ls]
        self.assertEqual(east, [1])
        self.assertNotIn('status=""', text)

        # Counter: the database's running total, unchanged by scraping.
        self.assertRegex(text, r"# TYPE app_events(_total)? counter")
        self.assertEqual(self.one(text, "app_events_total", event="login", **a), 1234)

        # Histogram from bucket columns.
        self.assertIn("# TYPE app_request_duration_seconds histogram", text)
        for le, v in (("0.1", 5), ("0.5", 8), ("1", 9), ("+Inf", 10)):
            self.assertEqual(self.one(text, "app_request_duration_seconds_bucket", route="/api",
                                      le=le, **a), v)
        self.assertEqual(self.one(text, "app_request_duration_seconds_count", route="/api", **a), 10)
        self.assertEqual(self.one(text, "app_request_duration_seconds_sum", route="/api", **a), 3.25)

        # NULL values are skipped and counted.
        self.assertEqual(sorted(find(text, "app_odd", **a)), [1, 3, 5])
        self.assertEqual(self.one(text, "pg_exporter_query_null_values", query="app_odd", **a), 3)

        # Cardinality cap.
        self.assertEqual(len(find(text, "app_capped", **a)), 10)
        self.assertEqual(self.one(text, "pg_exporter_query_series_dropped", query="app_capped",
                                  reason="max_series", **a), 40)
        self.assertEqual(self.one(text, "pg_exporter_query_rows", query="app_capped", **a), 50)

        # A non-number fails that query alone, with a message that says where.
        self.assertEqual(ok("app_not_a_number"), 0)
        self.assertEqual(find(text, "app_not_a_number"), [])
        self.assertIn('row 1, column \\"v\\": \\"abc\\" is not a number', e.process.log())
        self.assertEqual(self.one(text, "pg_up", **a), 1)

        # Placement: `databases` and `collectors`.
        self.assertEqual(find(text, "app_only_on_app2", **a), [])
        self.assertEqual(find(text, "pg_exporter_query_success", query="app_only_on_app2", **a), [])
        self.assertEqual(self.one(text, "app_only_on_app2", server="app2"), 2)
        self.assertEqual(find(text, "app_only_elsewhere"), [])

        # min_interval: the second scrape serves the cached value although the table changed.
        self.assertEqual(self.one(text, "app_cached", **a), 5)
        self.assertEqual(self.one(text, "pg_exporter_query_cached", query="app_cached", **a), 0)
        self.pg.psql("UPDATE counters SET total = 6 WHERE name = 'cached';"
                     "UPDATE counters SET total = 1300 WHERE name = 'login';"
                     "DELETE FROM orders WHERE region = 'south'", db="app1")
        text, _ = self.scrape(e)
        self.assertEqual(self.one(text, "app_cached", **a), 5)
        self.assertEqual(self.one(text, "pg_exporter_query_cached", query="app_cached", **a), 1)
        self.assertEqual(self.one(text, "pg_exporter_query_success", query="app_cached", **a), 1)
        # The counter follows the database; series that vanished from the result vanish.
        self.assertEqual(self.one(text, "app_events_total", event="login", **a), 1300)
        self.assertEqual(find(text, "app_orders", region="south"), [])
        self.assertEqual(len(find(text, "app_orders", region="north", **a)), 4)
        self.pg.psql("UPDATE counters SET total = 1234 WHERE name = 'login';"
                     "UPDATE counters SET total = 5 WHERE name = 'cached';"
                     "INSERT INTO orders VALUES ('south', 'paid', 7)", db="app1")

    def test_shared_query_file(self):
        path = os.path.join(self.tmp, "shared_queries.toml")
        with open(path, "w") as f:
            f.write('[[query]]\nmetric = "shared_answer"\nsql = "SELECT 42 AS v"\n'
                    'values = ["v"]\ndatabases = ["app1"]\n\n'
                    '[[query]]\nmetric = "shared_for_second"\nsql = "SELECT 1 AS v"\nvalues = ["v"]\n'
                    'collectors = ["b"]\n')
        extra = f"query_files = [{toml_string(path)}]\ngroups = []"
        e = self.start(web() + collector("a", self.pg, extra=extra)
                       + collector("b", self.pg, db="app2", extra=extra))
        text, _ = self.scrape(e)
        self.assertEqual(self.one(text, "shared_answer", server="a"), 42)
        self.assertEqual(find(text, "shared_answer", server="b"), [])  # app2: not applicable
        self.assertEqual(self.one(text, "shared_for_second", server="b"), 1)
        self.assertEqual(find(text, "shared_for_second", server="a"), [])
        self.assertEqual(self.one(text, "pg_up", server="b"), 1)

    # --- time limits ---------------------------------------------------------------

    def active_sleeps(self):
        return int(self.pg.psql("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                                "AND query LIKE '%pg_sleep(%' AND pid <> pg_backend_pid()").strip())

    def test_slow_query_is_cancelled_in_the_server(self):
        slow = ('[[collector.config.query]]\nname = "slow"\nmetric = "app_slow"\n'
                'sql = "SELECT 1 AS v FROM pg_sleep(5)"\nvalues = ["v"]\ntimeout = "1s"\n')
        e = self.start(web() + collector("app1", self.pg, extra='groups = ["info", "locks"]',
                                         queries=slow))
        text, seconds = self.scrape(e)
        a = {"server": "app1"}
        self.assertLess(seconds, 3.0)
        self.assertEqual(self.one(text, "pg_exporter_query_success", query="slow", **a), 0)
        self.assertEqual(self.one(text, "pg_exporter_query_success", query="locks", **a), 1)
        self.assertEqual(self.one(text, "pg_up", **a), 1)
        self.assertEqual(self.active_sleeps(), 0, "the slow statement is still running")
        self.assertIn("canceling statement due to statement timeout", e.process.log())
        with open(os.path.join(self.pg.dir, "server.log")) as f:
            self.assertIn("canceling statement due to statement timeout", f.read())
        # The connection survives the cancel: the next scrape opens no new one.
        connects = self.one(text, "pg_exporter_connects_total", **a)
        text, _ = self.scrape(e)
        self.assertEqual(self.one(text, "pg_exporter_connects_total", **a), connects)

    def test_scrape_deadline_bounds_a_long_query(self):
        # The query may take 30s, but Prometheus gives the scrape 2s (minus the
        # host's 0.5s offset): the statement gets what is left and the server ends it.
        slow = ('[[collector.config.query]]\nname = "long"\nmetric = "app_long"\n'
                'sql = "SELECT 1 AS v FROM pg_sleep(10)"\nvalues = ["v"]\ntimeout = "30s"\n')
        e = self.start(web() + collector("app1", self.pg, extra='groups = ["info"]', queries=slow))
        text, seconds = self.scrape(e, headers={"X-Prometheus-Scrape-Timeout-Seconds": "2"})
        self.assertLess(seconds, 2.0)
        self.assertEqual(self.one(text, "pg_exporter_query_success", query="long", server="app1"), 0)
        self.assertEqual(self.one(text, "plugin_exporter_collector_success", collector="app1"), 1)
        harness.wait_for(lambda: self.active_sleeps() == 0, 1.0, what="the statement to end")

    def test_frozen_server_never_stalls_a_scrape(self):
        pg = self.own_server("frozen")
        pg.psql(f"CREATE ROLE mon LOGIN PASSWORD '{MON_PASSWORD}' IN ROLE pg_monitor")
        e = self.start(web() + collector("frozen", pg, db="postgres", timeout="2s",
                                         extra='connect_timeout = "1s"'))
        try:
            text, _ = self.scrape(e)
            self.assertEqual(self.one(text, "pg_up", server="frozen"), 1)
            harness.postgres_signal_cluster(pg, signal.SIGSTOP)
            # First with the pooled connections (queries get no answer), then with
            # new connections (the server accepts TCP but never answers).
            for _ in range(2):
                text, seconds = self.scrape(e)
                self.assertLess(seconds, 2.5)
                self.assertEqual(self.one(text, "pg_up", server="frozen"), 0)
                self.assertEqual(self.one(text, "pg_down_reason", server="frozen",
                                          reason="timeout"), 1)
                self.assertEqual(self.one(text, "plugin_exporter_collector_success",
                                          collector="frozen"), 1)
        finally:
            harness.postgres_signal_cluster(pg, signal.SIGCONT)
        text, _ = self.scrape(e)
        self.assertEqual(self.one(text, "pg_up", server="frozen"), 1)
        pg.stop("immediate")

    # --- failures ------------------------------------------------------------------

    def test_server_stopped_and_restarted(self):
        pg = self.own_server("restart")
        pg.psql(f"CREATE ROLE mon LOGIN PASSWORD '{MON_PASSWORD}' IN ROLE pg_monitor")
        e = self.start(web() + collector("restart", pg, db="postgres")
                       + collector("steady", self.pg))
        r, s = {"server": "restart"}, {"server": "steady"}
        text, _ = self.scrape(e)
        self.assertEqual(self.one(text, "pg_up", **r), 1)
        connects = self.one(text, "pg_exporter_connects_total", **r)

        pg.stop("fast")
        text, seconds = self.scrape(e)
        self.assertLess(seconds, 2)
        self.assertEqual(self.one(text, "pg_up", **r), 0)
        self.assertEqual(self.one(text, "pg_down_reason", reason="unreachable", **r), 1)
        self.assertEqual(find(text, "pg_locks", **r), [])
        self.assertEqual(self.one(text, "pg_exporter_query_success", query="locks", **r), 0)
        self.assertEqual(self.one(text, "plugin_exporter_collector_success", collector="restart"), 1)
        self.assertEqual(self.one(text, "plugin_exporter_collector_source_up", collector="restart"),
                         0)
        # The other server's collector is unaffected.
        self.assertEqual(self.one(text, "pg_up", **s), 1)
        self.assertEqual(self.one(text, "pg_exporter_query_success", query="locks", **s), 1)
        self.assertIn("is down (unreachable)", e.process.log())
        # Readiness by default does not depend on the databases.
        self.assertEqual(e.get("/readyz").status, 200)

        pg.start()
        text, _ = self.scrape(e)
        self.assertEqual(self.one(text, "pg_up", **r), 1)
        self.assertEqual(find(text, "pg_down_reason", **r), [])
        self.assertGreater(self.one(text, "pg_exporter_connects_total", **r), connects)
        self.assertIn("answers again", e.process.log())
        pg.stop("immediate")

    def test_wrong_password(self):
        e = self.start(web() + collector("bad", self.pg, password="not-the-password")
                       + collector("good", self.pg))
        text, seconds = self.scrape(e)
        self.assertLess(seconds, 2)
        self.assertEqual(self.one(text, "pg_up", server="bad"), 0)
        self.assertEqual(self.one(text, "pg_down_reason", server="bad", reason="auth_failed"), 1)
        self.assertEqual(self.one(text, "pg_up", server="good"), 1)
        self.assertIn("password authentication failed", e.process.log())
        self.assertNotIn("not-the-password", e.process.log())

    def test_missing_database(self):
        e = self.start(web() + collector("nodb", self.pg, db="no_such_db"))
        text, _ = self.scrape(e)
        self.assertEqual(self.one(text, "pg_down_reason", server="nodb",
                                  reason="database_missing"), 1)

    # --- lifecycle -----------------------------------------------------------------

    def test_no_connection_before_a_scrape_and_connect_timeout(self):
        # A TCP listener that accepts and never speaks: counts connection attempts.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.settimeout(0.1)
        accepted = []
        stop = threading.Event()

        def accept_loop():
            while not stop.is_set():
                try:
                    accepted.append(listener.accept()[0])
                except OSError:
                    pass
        t = threading.Thread(target=accept_loop, daemon=True)
        t.start()
        try:
            port = listener.getsockname()[1]
            fake = type("Fake", (), {"port": port})()
            config = web() + collector("silent", fake, db="postgres", extra='connect_timeout = "700ms"')
            path = os.path.join(self.tmp, "silent.toml")
            with open(path, "w") as f:
                f.write(config)
            r = subprocess.run([harness.EXPORTER, "--check-config", f"--config.file={path}",
                                f"--plugin.dir={harness.PLUGIN_DIR}"], capture_output=True,
                               timeout=30)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            e = self.start(config)
            time.sleep(0.5)
            self.assertEqual(len(accepted), 0, "connected before any scrape")
            text, seconds = self.scrape(e)
            self.assertGreaterEqual(len(accepted), 1)
            self.assertLess(seconds, 1.5)
            self.assertEqual(self.one(text, "pg_down_reason", server="silent", reason="timeout"), 1)
        finally:
            stop.set()
            t.join()
            for c in accepted:
                c.close()
            listener.close()

    def test_pool_is_reused_and_concurrent_scrapes_share_it(self):
        e = self.start(web() + collector("app1", self.pg, extra="pool_size = 2"))
        text, _ = self.scrape(e)
        connects = self.one(text, "pg_exporter_connects_total", server="app1")
        self.assertLessEqual(connects, 2)
        results = []

        def scrape():
            r = e.get("/metrics")
            results.append((r.status, r.text))
        threads = [threading.Thread(target=scrape) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([s for s, _ in results], [200] * 16)
        for _, body in results:
            self.assertEqual(self.one(body, "pg_up", server="app1"), 1)
        text, _ = self.scrape(e)
        self.assertEqual(self.one(text, "pg_exporter_connects_total", server="app1"), connects)
        self.assertEqual(self.one(text, "pg_exporter_connections_open", server="app1"), connects)
        sessions = int(self.pg.psql("SELECT count(*) FROM pg_stat_activity "
                                    "WHERE application_name = 'plugin_exporter'").strip())
        self.assertEqual(sessions, connects)

    # --- configuration errors --------------------------------------------------------

    def check_config(self, config_text):
        path = os.path.join(self.tmp, "check.toml")
        with open(path, "w") as f:
            f.write(config_text)
        r = subprocess.run([harness.EXPORTER, "--check-config", f"--config.file={path}",
                            f"--plugin.dir={harness.PLUGIN_DIR}"], capture_output=True, timeout=30)
        return r.returncode, (r.stdout + r.stderr).decode()

    def test_configuration_errors_say_what_and_where(self):
        loose = os.path.join(self.tmp, "loose-password")
        with open(loose, "w") as f:
            f.write("secret\n")
        os.chmod(loose, 0o640)
        config = web() + """
[[collector]]
name = "broken"
plugin = "postgres"
[collector.config]
dsn = "host=127.0.0.1 bogus_option=1"
password_file = "%s"
groups = ["info", "nonsense"]
pool_size = 0
sslmode = "maybe"

[[collector.config.query]]
metric = "bad-name"
sql = "SELECT 1"
values = ["a", "b"]

[[collector.config.query]]
metric = "hist"
type = "histogram"
sql = "SELECT 1"

[[collector.config.query]]
metric = "pg_up"
sql = "SELECT 1 AS v"
values = ["v"]
timeout = "soon"
""" % loose
        code, out = self.check_config(config)
        self.assertNotEqual(code, 0)
        for expected in ('invalid connection option "bogus_option"',
                         "has group or world access (mode 0640)",
                         'unknown group "nonsense"',
                         "pool_size: must be between 1 and 64",
                         'sslmode "maybe" is not one of',
                         '"bad-name" is not a valid metric name',
                         'name the label that tells them apart with "value_label"',
                         'a histogram needs "buckets"',
                         '"pg_up" is a built-in metric',
                         "collector[0].config.query[2].timeout"):
            self.assertIn(expected, out)
        self.assertRegex(out, r"check\.toml:6:\d+: collector\[0\]\.config\.dsn: not a valid libpq")

    def test_query_file_errors_point_into_the_file(self):
        path = os.path.join(self.tmp, "bad_queries.toml")
        with open(path, "w") as f:
            f.write('[[query]]\nmetric = "ok_metric"\nsql = "SELECT 1 AS v"\nvalues = ["v"]\n'
                    'min_interval = "5 minutes"\ncolour = "blue"\n')
        code, out = self.check_config(web() + collector("q", self.pg,
                                                        extra=f"query_files = [{toml_string(path)}]"))
        self.assertNotEqual(code, 0)
        self.assertIn(f"{path}:5:16: query[0].min_interval", out)
        self.assertIn(f'{path}:6:1: query[0]: unknown key "colour"', out)


if __name__ == "__main__":
    unittest.main()
