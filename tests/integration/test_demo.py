"""test_demo.py — `make demo` works out of the box: tools/run-demo.sh starts
everything the demo configuration needs, the exporter serves it, every
collector of the demo succeeds and the output passes promtool — in text
0.0.4 and in OpenMetrics (the proxied node_exporter brings the Go gauge and
counter pair go_memstats_alloc_bytes / go_memstats_alloc_bytes_total, which
OpenMetrics must not declare under one name: issue 16/1), where our own
check-metrics and the Python OpenMetrics parser must accept it too.

The shape of the demo's output — each family with its type and label
names, node_exporter's own families left out — is compared with the golden
file golden/demo_shape.txt; PE_UPDATE_GOLDEN=1 rewrites it after a change
that is meant."""
import os
import subprocess
import unittest

import harness as h

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "demo_shape.txt")
# The proxied node_exporter's families depend on the machine; ours do not.
FOREIGN_PREFIXES = ("node_", "go_", "process_", "promhttp_")


def output_shape(text):
    """One line per family: "name type label,names" (sorted), from text 0.0.4."""
    types = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
    labels = {name: set() for name in types}
    for (sample, ls), _ in h.samples(text).items():
        family = sample
        if family not in types:
            for suffix in ("_bucket", "_sum", "_count", "_total", "_created"):
                if sample.endswith(suffix) and sample[: -len(suffix)] in types:
                    family = sample[: -len(suffix)]
                    break
        labels.setdefault(family, set()).update(k for k, _ in ls if k not in ("le", "quantile"))
    return "".join(f"{name} {types.get(name, '?')} {','.join(sorted(labels[name]))}\n"
                   for name in sorted(labels) if not name.startswith(FOREIGN_PREFIXES))


class Demo(unittest.TestCase):
    def test_demo_serves_every_collector(self):
        with h.temp_dir() as tmp:
            out = os.path.join(tmp, "metrics.txt")
            om_out = os.path.join(tmp, "metrics.om")
            env = dict(os.environ, DEMO_PORT=str(h.free_port()), DEMO_SMOKE=out,
                       DEMO_SMOKE_OPENMETRICS=om_out)
            r = subprocess.run([os.path.join(h.SOURCE_DIR, "tools/run-demo.sh"), h.BUILD_DIR],
                               env=env, capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            # What it started, with ports, and what to try (issue 16 item 13).
            self.assertIn("started: PostgreSQL 15: 127.0.0.1:", r.stdout)
            self.assertIn("started: node_exporter: http://127.0.0.1:", r.stdout)
            self.assertIn("collectors:    hello postgres node textfiles push cert-expiry", r.stdout)
            self.assertIn("Try this", r.stdout)
            self.assertIn(f"curl -s http://127.0.0.1:{env['DEMO_PORT']}/metrics", r.stdout)
            # The demo's script does not run as root (no warning on every start).
            self.assertNotIn("runs as root", r.stderr)
            with open(out) as f:
                text = f.read()
            code, problems = h.promtool_check(text)
            self.assertEqual(code, 0, problems[:2000])
            success = {dict(ls)["collector"]: v for (n, ls), v in h.samples(text).items()
                       if n == "plugin_exporter_collector_success"}
            self.assertIn("hello", success)
            for name, value in success.items():
                self.assertEqual(value, 1.0, f"demo collector {name} failed:\n{text[-3000:]}")
            self.check_golden_shape(text)
            with open(om_out) as f:
                om = f.read()
            self.check_openmetrics(om)

    def check_golden_shape(self, text):
        shape = output_shape(text)
        if os.environ.get("PE_UPDATE_GOLDEN") == "1":
            os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
            with open(GOLDEN, "w") as f:
                f.write(shape)
        with open(GOLDEN) as f:
            golden = f.read()
        self.maxDiff = None
        self.assertEqual(shape, golden, "the demo's families, types or label names changed; "
                         "if meant, rerun with PE_UPDATE_GOLDEN=1 and commit " + GOLDEN)

    def check_openmetrics(self, om):
        self.assertTrue(om.endswith("# EOF\n"), om[-200:])
        # Both series of the Go pair are there, each family declared once.
        self.assertIn("\ngo_memstats_alloc_bytes{", om)
        self.assertIn("\ngo_memstats_alloc_bytes_total{", om)
        self.assertEqual(om.count("# HELP go_memstats_alloc_bytes "), 1, om)
        # promtool reads text 0.0.4: exit 1 is a parse error (what a second
        # HELP line for one name gave). Exit 3 is lint only: it takes an
        # OpenMetrics counter "x" (samples x_total) for an undocumented
        # family x_total — every such line must be that and nothing else.
        code, problems = h.promtool_check(om)
        self.assertIn(code, (0, 3), problems[:2000])
        for line in problems.splitlines():
            self.assertTrue(line.endswith("_total no help text"), line)
        r = subprocess.run([h.EXPORTER, "check-metrics", "--format=openmetrics"], input=om,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, (r.stdout + r.stderr)[:2000])
        code, out = h.run_debian_python(
            "import sys\n"
            "from prometheus_client.openmetrics.parser import text_string_to_metric_families\n"
            "fams = list(text_string_to_metric_families(sys.stdin.read()))\n"
            "names = [f.name for f in fams]\n"
            "assert len(names) == len(set(names)), names\n"
            "print(len(fams))\n", stdin=om)
        self.assertEqual(code, 0, out[-2000:])


if __name__ == "__main__":
    unittest.main()
