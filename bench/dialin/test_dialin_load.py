"""test_dialin_load.py — the dial-in load generator (bench/dialin/dialin_load,
driven by load_bench.py) scaled down to 200 agents and a few seconds, so
`make test` proves the generator that `make bench` measures with: every
agent registers with a real TLS hub, every scrape through
GET /agents/<alias>/metrics is answered 200 at the asked rate, the figures
come out, and after the hub is killed (SIGKILL) and restarted every agent
registers again with its backoff. Loopback only, bounded in time.
"""
import os
import unittest

import harness as h
import load_bench


class DialinLoadTest(unittest.TestCase):
    def test_scaled_down_run(self):
        with h.temp_dir("pe-dialin-load-") as d:
            f = load_bench.run(os.path.abspath(h.BUILD_DIR), agents=200, rate=200, seconds=3,
                               workdir=d)
        self.assertEqual(f["scrapes_failed"], 0)
        # A scraper connection starts its share of the schedule once its TLS
        # handshake is done: allow some slots less than rate * seconds.
        self.assertGreaterEqual(f["scrapes_ok"], 500)
        self.assertGreater(f["scrape_p50_ms"], 0)
        self.assertGreaterEqual(f["scrape_p99_ms"], f["scrape_p50_ms"])
        self.assertGreater(f["rss_per_agent_kib"], 0)
        self.assertGreater(f["cpu_s_per_1000_scrapes"], 0)
        self.assertGreater(f["storm_s"], f["hub_restart_s"])


if __name__ == "__main__":
    unittest.main()
