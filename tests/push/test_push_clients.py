"""test_push_clients.py — the push collector against real clients and the
real pushgateway: Python prometheus_client (Debian), Node prom-client (npm),
a protobuf body encoded by protoc from our schema, gzip, promtool on the
output, the status codes and messages of pushgateway for the same requests,
aggregation, PATCH, TTL, limits, deletes, and a restart that keeps the store.
"""
import gzip
import json
import os
import subprocess
import time
import unittest

from harness import (Exporter, Pushgateway, SOURCE_DIR, find, get, http, npm_install, promtool_check,
                     push_samples, run_debian_python, run_node, temp_dir, wait_for)

PROTO = os.path.join(SOURCE_DIR, "plugins/push/body/metric_family.proto")


def push_config(extra="", state_dir=None):
    top = f'state_dir = "{state_dir}"\n' if state_dir else ""
    return top + '[[collector]]\nname = "push"\nplugin = "push"\n[collector.config]\n' + extra


PYTHON_CLIENT_SCRIPT = r'''
import sys
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary
from prometheus_client import push_to_gateway, pushadd_to_gateway, delete_from_gateway
gw = sys.argv[1] if len(sys.argv) > 1 else "{gw}"
reg = CollectorRegistry()
Counter("batch_records", "Records processed.", ["kind"], registry=reg).labels("a").inc(42)
Gauge("batch_last_success_unixtime", "Last success.", registry=reg).set(1700000000)
Histogram("batch_duration_seconds", "Duration.", buckets=(0.1, 1, 10), registry=reg).observe(0.5)
Summary("batch_size_bytes", "Sizes.", registry=reg).observe(1024)
push_to_gateway(gw, job="nightly", registry=reg, grouping_key={{"instance": "host/with/slashes", "shard": "1"}})
reg2 = CollectorRegistry()
Gauge("batch_extra", "Added with POST.", registry=reg2).set(7)
pushadd_to_gateway(gw, job="nightly", registry=reg2, grouping_key={{"instance": "host/with/slashes", "shard": "1"}})
push_to_gateway(gw, job="to_delete", registry=reg2)
delete_from_gateway(gw, job="to_delete")
print("ok")
'''


class PushClientsTest(unittest.TestCase):
    def test_python_prometheus_client_same_as_pushgateway(self):
        with temp_dir() as d:
            ex = Exporter(d, push_config())
            pg = Pushgateway(d)
            try:
                for target in (ex.base, pg.base):
                    code, out = run_debian_python(PYTHON_CLIENT_SCRIPT.format(gw=target))
                    self.assertEqual(code, 0, out)
                ours = push_samples(ex.metrics())
                theirs = push_samples(pg.metrics())
                # Every series pushgateway exposes, we expose with the same labels and
                # value (push timestamps and the client's *_created times differ by the
                # time between the two runs).
                strip = lambda s: {k: v for k, v in s.items()
                                   if not k[0].startswith("push_") and not k[0].endswith("_created")}
                self.assertEqual(strip(ours), strip(theirs))
                self.assertIn(("push_time_seconds", frozenset({("job", "nightly"), ("instance", "host/with/slashes"),
                                                               ("shard", "1")})), ours)
                self.assertEqual(find(ex.metrics(), "batch_records_total", instance="host/with/slashes"), [42.0])
                self.assertEqual(find(ex.metrics(), "batch_extra", job="nightly"), [7.0])
                self.assertEqual(find(ex.metrics(), "batch_extra", job="to_delete"), [])
                rc, out = promtool_check(ex.metrics())
                self.assertEqual(rc, 0, out)
            finally:
                pg.stop()
                ex.stop()

    def test_node_prom_client(self):
        with temp_dir() as d:
            node_dir = npm_install(d, "prom-client@15")
            ex = Exporter(d, push_config())
            pg = Pushgateway(d)
            script = r'''
const client = require('prom-client');
async function main(url) {
  const registry = new client.Registry();
  const c = new client.Counter({ name: 'node_jobs_total', help: 'Jobs.', labelNames: ['status'], registers: [registry] });
  c.inc({ status: 'ok' }, 3);
  const g = new client.Gauge({ name: 'node_queue', help: 'Queue.', registers: [registry] });
  g.set(5);
  const gw = new client.Pushgateway(url, {}, registry);
  await gw.pushAdd({ jobName: 'node', groupings: { instance: 'w1' } });
  g.set(6);
  await gw.push({ jobName: 'node', groupings: { instance: 'w1' } });
  await gw.pushAdd({ jobName: 'node_tmp' });
  await gw.delete({ jobName: 'node_tmp' });
  let slash = 'ok';
  try { await gw.push({ jobName: 'node', groupings: { path: 'a/b' } }); } catch (e) { slash = e.message; }
  console.log('slash=' + slash);
}
main(process.argv[1]).catch(e => { console.error(e); process.exit(1); });
'''
            try:
                code, out = run_node(node_dir, script.replace("process.argv[1]", f"'{ex.base}'"))
                self.assertEqual(code, 0, out)
                # prom-client percent-encodes '/' in grouping values: we decode per path
                # segment, so it works here...
                self.assertIn("slash=ok", out)
                text = ex.metrics()
                self.assertEqual(find(text, "node_jobs_total", status="ok", job="node", instance="w1"), [3.0])
                self.assertEqual(find(text, "node_queue", job="node", instance="w1"), [6.0])
                self.assertEqual(find(text, "node_queue", job="node", path="a/b"), [6.0])
                self.assertEqual(find(text, "node_queue", job="node_tmp"), [])
                # ... whereas pushgateway decodes before splitting and refuses it.
                code, out = run_node(node_dir, script.replace("process.argv[1]", f"'{pg.base}'"))
                self.assertEqual(code, 0, out)
                self.assertIn("status 400", out)
                rc, out = promtool_check(text)
                self.assertEqual(rc, 0, out)
            finally:
                pg.stop()
                ex.stop()

    def test_protobuf_body_encoded_by_protoc(self):
        textproto = (
            'name: "pb_requests_total" help: "Requests." type: COUNTER '
            'metric { label { name: "code" value: "200" } counter { value: 11 } } '
            'metric { label { name: "code" value: "500" } counter { value: 2 } }\n')
        hist = ('name: "pb_latency_seconds" type: HISTOGRAM metric { histogram { sample_count: 4 sample_sum: 2.5 '
                'bucket { upper_bound: 0.5 cumulative_count: 1 } bucket { upper_bound: 1 cumulative_count: 3 } } }')
        body = b""
        for msg in (textproto, hist):
            enc = subprocess.run(["protoc", f"--proto_path={os.path.dirname(PROTO)}",
                                  "--encode=plugin_exporter.push.wire.MetricFamily", os.path.basename(PROTO)],
                                 input=msg.encode(), capture_output=True, check=True).stdout
            n, prefix = len(enc), b""
            while True:
                b = n & 0x7F
                n >>= 7
                prefix += bytes([b | (0x80 if n else 0)])
                if not n:
                    break
            body += prefix + enc
        ctype = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
        with temp_dir() as d:
            ex = Exporter(d, push_config())
            pg = Pushgateway(d)
            try:
                for base in (ex.base, pg.base):
                    r = http("PUT", base + "/metrics/job/pb/instance/i1", body=body, headers={"Content-Type": ctype})
                    self.assertEqual(r.status, 200, r.text)
                    r = http("PUT", base + "/metrics/job/pbgz", body=gzip.compress(body),
                             headers={"Content-Type": ctype, "Content-Encoding": "gzip"})
                    self.assertEqual(r.status, 200, r.text)
                strip = lambda s: {k: v for k, v in s.items() if not k[0].startswith("push_")}
                self.assertEqual(strip(push_samples(ex.metrics())), strip(push_samples(pg.metrics())))
                self.assertEqual(find(ex.metrics(), "pb_latency_seconds_bucket", le="+Inf", job="pb"), [4.0])
                bad = http("PUT", ex.url("/metrics/job/pb"), body=body[:-3], headers={"Content-Type": ctype})
                self.assertEqual(bad.status, 400)
                self.assertIn("protobuf message 1 at byte", bad.text)
            finally:
                pg.stop()
                ex.stop()

    def test_status_codes_and_messages_match_pushgateway(self):
        cases = [
            ("PUT", "/metrics/job/j", b"a 1\n"),
            ("POST", "/metrics/job/j/instance/x", b"b 2\n"),
            ("PUT", "/metrics/job/j", b"a 1 1700000000000\n"),          # timestamps
            ("PUT", "/metrics/job/j", b"this is not exposition\n"),      # parse error
            ("PUT", "/metrics/job/j/odd", b"a 1\n"),                      # odd components
            ("PUT", "/metrics/job/j/__r/x", b"a 1\n"),                    # reserved label name
            ("PUT", "/metrics/job/j/l@base64/%21%21", b"a 1\n"),          # bad base64
            ("PUT", "/metrics/job/k", b"# TYPE a counter\na 1\n"),        # type conflict with j's gauge-like untyped a
            ("PUT", "/metrics/job/j", b"dup{x=\"1\"} 1\ndup{x=\"1\"} 2\n"),  # duplicate series
            ("DELETE", "/metrics/job/j/instance/x", None),
            ("DELETE", "/metrics/job/never", None),
        ]
        with temp_dir() as d:
            ex = Exporter(d, push_config())
            pg = Pushgateway(d)
            try:
                for method, path, body in cases:
                    ours = http(method, ex.url(path), body=body)
                    theirs = http(method, pg.url(path), body=body)
                    self.assertEqual(ours.status, theirs.status,
                                     f"{method} {path}: ours {ours.status} {ours.text!r}, "
                                     f"pushgateway {theirs.status} {theirs.text!r}")
                    if ours.status == 400:
                        self.assertTrue(ours.text.strip(), f"{method} {path}: empty 400 message")
                odd = http("PUT", ex.url("/metrics/job/j/odd"), body=b"a 1\n")
                self.assertIn("odd number of components", odd.text)
                ts = http("PUT", ex.url("/metrics/job/j"), body=b"a 1 1700000000000\n")
                self.assertIn("must not have timestamps", ts.text)
                parse = http("PUT", ex.url("/metrics/job/j"), body=b"a 1\nb{ 2\n")
                self.assertIn("line 2:", parse.text)
                # The refused pushes set push_failure_time_seconds of their group.
                text = ex.metrics()
                self.assertGreater(find(text, "push_failure_time_seconds", job="k")[0], 0)
                # Nothing of a refused push was applied.
                self.assertEqual(find(text, "dup"), [])
            finally:
                pg.stop()
                ex.stop()

    def test_aggregation_patch_ttl_and_deletes(self):
        cfg = ('gauge_rules = { "inflight*" = "sum" }\n'
               '[[collector.config.jobs]]\nmatch = "lambda-*"\naggregate = true\nttl = "2s"\n')
        with temp_dir() as d:
            ex = Exporter(d, push_config(cfg))
            try:
                body = b"# TYPE invocations_total counter\ninvocations_total 1\n# TYPE inflight gauge\ninflight 2\n"
                for _ in range(3):
                    self.assertEqual(http("PUT", ex.url("/metrics/job/lambda-resize"), body=body).status, 200)
                text = ex.metrics()
                self.assertEqual(find(text, "invocations_total", job="lambda-resize"), [3.0])
                self.assertEqual(find(text, "inflight", job="lambda-resize"), [6.0])
                # Per push, on a non-aggregating job, with a cumulative pusher.
                for v in (10, 12):
                    r = http("POST", ex.url("/metrics/job/worker?pusher=w1"),
                             body=f"# TYPE done_total counter\ndone_total {v}\n".encode())
                    self.assertEqual(r.status, 200, r.text)
                r = http("POST", ex.url("/metrics/job/worker?pusher=w2"), body=b"# TYPE done_total counter\ndone_total 5\n")
                self.assertEqual(find(ex.metrics(), "done_total", job="worker"), [17.0])
                # PATCH: the no-library increment.
                r = http("PATCH", ex.url("/metrics/signups?plan=pro"), body=b"")
                self.assertEqual(r.status, 200, r.text)
                r = http("PATCH", ex.url("/metrics/signups?plan=pro&value=4"), body=b"")
                self.assertIn("signups_total{job=\"patch\",plan=\"pro\"} 5", r.text)
                self.assertEqual(http("PATCH", ex.url("/metrics/signups?value=-1"), body=b"").status, 400)
                # ?ttl= uses the configuration's duration grammar (units largest first).
                r = http("PATCH", ex.url("/metrics/signups?ttl=1s1h"), body=b"")
                self.assertEqual(r.status, 400)
                self.assertIn("units largest first", r.text)
                # Body-less, without Content-Length (curl -X PATCH sends none): accepted.
                r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PATCH",
                                    ex.url("/metrics/signups?plan=pro")],
                                   capture_output=True, text=True, timeout=30)
                self.assertEqual(r.stdout, "200")
                self.assertEqual(find(ex.metrics(), "signups_total", plan="pro"), [6.0])
                # TTL: the lambda group disappears within ~2s and is counted.
                wait_for(lambda: not find(ex.metrics(), "invocations_total"), 10, what="TTL expiry")
                self.assertGreaterEqual(find(ex.metrics(), "plugin_exporter_push_expired_groups_total")[0], 1)
                # Deletes: by metric name, by label subset, wipe.
                http("PUT", ex.url("/metrics/job/x/instance/1"), body=b"m 1\nn 1\n")
                http("PUT", ex.url("/metrics/job/x/instance/2"), body=b"m 1\nn 1\n")
                self.assertEqual(http("DELETE", ex.url("/api/v1/metrics/n?job=x")).status, 202)
                self.assertEqual(find(ex.metrics(), "n"), [])
                self.assertEqual(len(find(ex.metrics(), "m", job="x")), 2)
                self.assertEqual(http("DELETE", ex.url("/api/v1/groups?job=x")).status, 202)
                self.assertEqual(find(ex.metrics(), "m", job="x"), [])
                self.assertEqual(http("DELETE", ex.url("/api/v1/groups")).status, 400)
                groups = json.loads(get(ex.url("/api/v1/metrics")).body)["data"]
                self.assertTrue(any(g["labels"]["job"] == "worker" for g in groups))
                self.assertEqual(http("PUT", ex.url("/api/v1/admin/wipe")).status, 202)
                self.assertEqual(json.loads(get(ex.url("/api/v1/metrics")).body)["data"], [])
                rc, out = promtool_check(ex.metrics())
                self.assertEqual(rc, 0, out)
            finally:
                ex.stop()

    def test_serverless_gateway_api_beside_pushgateway_routes(self):
        """The seed gateway's own API (POST /metrics aggregated into one group,
        DELETE /metrics/<name>?labels, DELETE /metrics/__all for admins), with
        the default push settings and the host's roles enforced."""
        push_token, admin_token, scrape_token = "push-0123456789abcdef", "admin-0123456789abcdef", \
            "scrape-0123456789abcdef"
        auth = (f'[[auth.token]]\nname = "fn"\ntoken = "{push_token}"\nroles = ["push"]\n'
                f'[[auth.token]]\nname = "ops"\ntoken = "{admin_token}"\nroles = ["admin"]\n'
                f'[[auth.token]]\nname = "prom"\ntoken = "{scrape_token}"\nroles = ["scrape"]\n')

        def call(ex, method, path, token, body=None):
            return http(method, ex.url(path), body=body, headers={"Authorization": f"Bearer {token}"})

        with temp_dir() as d:
            ex = Exporter(d, auth + push_config())
            try:
                scrape = lambda: call(ex, "GET", "/metrics", scrape_token).text  # noqa: E731
                body = (b'# TYPE requests_total counter\nrequests_total{path="/a"} 1\n'
                        b'requests_total{path="/b"} 5\n# TYPE temperature gauge\ntemperature 20\n')
                for _ in range(2):
                    r = call(ex, "POST", "/metrics", push_token, body)
                    self.assertEqual(r.status, 200, r.text)
                # curl, as a shell user of the old gateway would.
                r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                    "-H", f"Authorization: Bearer {push_token}",
                                    "--data-binary", "# TYPE temperature gauge\ntemperature 21\n", ex.url("/metrics")],
                                   capture_output=True, text=True, timeout=30)
                self.assertEqual(r.stdout, "200")
                r = call(ex, "PUT", "/metrics/job/batch", push_token, b"batch_done 1\n")
                self.assertEqual(r.status, 200, r.text)
                text = scrape()
                self.assertEqual(find(text, "requests_total", job="post", path="/a"), [2.0])
                self.assertEqual(find(text, "requests_total", job="post", path="/b"), [10.0])
                self.assertEqual(find(text, "temperature", job="post"), [21.0])  # gauges: last
                self.assertEqual(find(text, "batch_done", job="batch"), [1.0])
                # A bad body: 400 saying where, and nothing of it applied.
                r = call(ex, "POST", "/metrics", push_token, b"requests_total{path=\"/a\"} 1\nbad line\n")
                self.assertEqual(r.status, 400)
                self.assertIn("line 2", r.text)
                self.assertEqual(find(scrape(), "requests_total", job="post", path="/a"), [2.0])
                self.assertEqual(call(ex, "POST", "/metrics?job=x", push_token, body).status, 400)
                # Roles: pushing needs push, scraping scrape.
                self.assertEqual(call(ex, "POST", "/metrics", scrape_token, body).status, 403)
                # Series of one family by label subset; the family's other series stay.
                r = call(ex, "DELETE", "/metrics/requests_total?path=/a", push_token)
                self.assertEqual(r.status, 202, r.text)
                self.assertIn("deleted 1 series", r.text)
                text = scrape()
                self.assertEqual(find(text, "requests_total", path="/a"), [])
                self.assertEqual(find(text, "requests_total", path="/b"), [10.0])
                self.assertEqual(find(text, "temperature", job="post"), [21.0])
                self.assertEqual(call(ex, "DELETE", "/metrics/not%20a%20name", push_token).status, 400)
                # Everything: admin only.
                self.assertEqual(call(ex, "DELETE", "/metrics/__all", push_token).status, 403)
                self.assertEqual(find(scrape(), "batch_done", job="batch"), [1.0])
                self.assertEqual(call(ex, "DELETE", "/metrics/__all", admin_token).status, 202)
                text = scrape()
                self.assertEqual(find(text, "batch_done"), [])
                self.assertEqual(find(text, "requests_total"), [])
                self.assertEqual(find(text, "plugin_exporter_push_requests_total",
                                      operation="post_default", result="ok"), [3.0])
                self.assertEqual(find(text, "plugin_exporter_push_requests_total",
                                      operation="delete_series", result="ok"), [1.0])
                rc, out = promtool_check(text)
                self.assertEqual(rc, 0, out)
            finally:
                ex.stop()

    def test_limits_answer_413_429_and_are_counted(self):
        cfg = "max_series_per_push = 3\nmax_series_per_group = 4\nmax_series_total = 6\nmax_groups = 2\nmax_body_bytes = 1000\n"
        with temp_dir() as d:
            ex = Exporter(d, push_config(cfg))
            try:
                self.assertEqual(http("PUT", ex.url("/metrics/job/a"), body=b"a 1\nb 1\nc 1\nd 1\n").status, 413)
                self.assertEqual(http("PUT", ex.url("/metrics/job/a"), body=b"a 1\nb 1\nc 1\n").status, 200)
                self.assertEqual(http("POST", ex.url("/metrics/job/a"), body=b"d 1\ne 1\n").status, 413)
                self.assertEqual(http("PUT", ex.url("/metrics/job/b"), body=b"a 1\nb 1\nc 1\n").status, 200)
                r = http("PUT", ex.url("/metrics/job/c"), body=b"a 1\n")
                self.assertEqual(r.status, 429)
                self.assertIn("max_groups", r.text)
                self.assertEqual(http("POST", ex.url("/metrics/job/b"), body=b"z 1\n").status, 429)  # 7 > 6 total
                self.assertEqual(http("PUT", ex.url("/metrics/job/b"), body=b"x" * 1100).status, 413)  # host: body
                wide = "w{" + ",".join(f'l{i}="v"' for i in range(65)) + "} 1\n"
                r = http("PUT", ex.url("/metrics/job/b"), body=wide.encode())
                self.assertEqual(r.status, 413)
                self.assertIn("max_labels_per_series", r.text)
                text = ex.metrics()
                self.assertEqual(find(text, "plugin_exporter_push_limit_hits_total", limit="max_series_per_push"), [1.0])
                self.assertEqual(find(text, "plugin_exporter_push_limit_hits_total", limit="max_series_per_group"), [1.0])
                self.assertEqual(find(text, "plugin_exporter_push_limit_hits_total", limit="max_groups"), [1.0])
                self.assertEqual(find(text, "plugin_exporter_push_limit_hits_total", limit="max_series_total"), [1.0])
                self.assertEqual(find(text, "plugin_exporter_push_limit_hits_total", limit="max_labels_per_series"), [1.0])
                self.assertEqual(find(text, "plugin_exporter_push_limit", limit="max_groups"), [2.0])
                self.assertEqual(find(text, "plugin_exporter_push_limit", limit="max_labels_per_series"), [64.0])
                self.assertEqual(find(text, "plugin_exporter_push_limit", limit="max_families_per_push"), [10000.0])
                self.assertEqual(find(text, "plugin_exporter_push_requests_total", operation="put", result="limited"), [3.0])
                self.assertEqual(find(text, "plugin_exporter_push_series"), [6.0])
            finally:
                ex.stop()

    @unittest.skipIf(os.environ.get("PE_ISOLATION") == "process",
                     "the store handover is in process: an isolated push collector's reload "
                     "stops the old child first (README, Isolation)")
    def test_reload_of_changed_push_collector_has_no_gap(self):
        # Issue 16/5: a reload that changes the push collector's section used
        # to stop it (503 to pushes, scrapes without pushed series) until its
        # successor had recovered the store from disk. The successor now
        # takes the live store over before the old instance stops.
        import threading
        with temp_dir() as d:
            state = os.path.join(d, "state")
            ex = Exporter(d, push_config("", state_dir=state))
            try:
                big = "".join(f'big{{n="{i}"}} {i}\n' for i in range(20000))
                self.assertEqual(http("PUT", ex.url("/metrics/job/big"), body=big.encode()).status, 200)
                self.assertEqual(http("PUT", ex.url("/metrics/job/loop"), body=b"loop_value 0\n").status, 200)
                failures, counts = [], {"push": 0, "scrape": 0}
                stop = threading.Event()

                def pusher():
                    n = 0
                    while not stop.is_set():
                        n += 1
                        r = http("PUT", ex.url("/metrics/job/loop"), body=f"loop_value {n}\n".encode())
                        counts["push"] += 1
                        if r.status != 200:
                            failures.append(f"push {n}: {r.status} {r.text[:200]}")

                def scraper():
                    while not stop.is_set():
                        r = http("GET", ex.url("/metrics"))
                        counts["scrape"] += 1
                        if r.status != 200:
                            failures.append(f"scrape: {r.status}")
                        elif 'n="19999"' not in r.text or "loop_value{" not in r.text:
                            i = r.text.find("big{")
                            failures.append("scrape without the pushed series: " +
                                            r.text[i:i + 80] + " loop: " + str("loop_value{" in r.text))

                threads = [threading.Thread(target=pusher), threading.Thread(target=scraper)]
                for t in threads:
                    t.start()
                try:
                    wait_for(lambda: counts["scrape"] > 0 and counts["push"] > 0, 20, what="traffic")
                    for i in range(3):
                        with open(ex.config_path, "w") as f:
                            f.write(push_config(f'default_ttl = "{i + 1}h"\n', state_dir=state))
                        r = http("POST", ex.url("/-/reload"))
                        self.assertEqual(r.status, 200, r.text)
                        before = dict(counts)
                        wait_for(lambda: counts["scrape"] > before["scrape"] + 1 and
                                 counts["push"] > before["push"] + 1, 20, what="traffic after reload")
                finally:
                    stop.set()
                    for t in threads:
                        t.join(60)
                self.maxDiff = None
                self.assertEqual(failures, [], failures[:3])
                log = ex.process.log()
                self.assertEqual(log.count("configuration reloaded"), 3, log[-2000:])
                self.assertIn("taken over", log)
            finally:
                ex.stop()

    def test_restart_restores_groups_timestamps_and_ttl(self):
        with temp_dir() as d:
            state = os.path.join(d, "state")
            ex = Exporter(d, push_config('[[collector.config.jobs]]\nmatch = "short"\nttl = "3s"\n', state_dir=state))
            try:
                self.assertEqual(http("PUT", ex.url("/metrics/job/keep/instance/a"), body=b"kept 1\n").status, 200)
                self.assertEqual(http("PUT", ex.url("/metrics/job/short"), body=b"brief 1\n").status, 200)
                before = push_samples(ex.metrics())
            finally:
                ex.stop()
            ex = Exporter(d, push_config('[[collector.config.jobs]]\nmatch = "short"\nttl = "3s"\n', state_dir=state))
            try:
                after = push_samples(ex.metrics())
                self.assertEqual(after, before)  # values and push_time_seconds identical
                # The TTL clock kept running across the restart.
                wait_for(lambda: not find(ex.metrics(), "brief"), 10, what="TTL expiry after restart")
                self.assertEqual(find(ex.metrics(), "kept"), [1.0])
            finally:
                ex.stop()

    def test_check_config_refuses_bad_settings(self):
        with temp_dir() as d:
            path = os.path.join(d, "bad.toml")
            with open(path, "w") as f:
                f.write(push_config('durability = "fsync"\nhelp_mismatch = "maybe"\nmax_groups = -1\n'))
            from harness import EXPORTER, PLUGIN_DIR
            p = subprocess.run([EXPORTER, "--check-config", f"--config.file={path}", f"--plugin.dir={PLUGIN_DIR}"],
                               capture_output=True, timeout=30)
            out = (p.stdout + p.stderr).decode()
            self.assertNotEqual(p.returncode, 0, out)
            self.assertIn("needs a state directory", out)
            self.assertIn("help_mismatch", out)
            self.assertIn("max_groups", out)


if __name__ == "__main__":
    unittest.main()
