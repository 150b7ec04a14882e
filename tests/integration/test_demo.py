"""test_demo.py — `make demo` works out of the box: tools/run-demo.sh starts
everything the demo configuration needs, the exporter serves it, every
collector of the demo succeeds and the output passes promtool."""
import os
import subprocess
import unittest

import harness as h


class Demo(unittest.TestCase):
    def test_demo_serves_every_collector(self):
        with h.temp_dir() as tmp:
            out = os.path.join(tmp, "metrics.txt")
            env = dict(os.environ, DEMO_PORT=str(h.free_port()), DEMO_SMOKE=out)
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


if __name__ == "__main__":
    unittest.main()
