"""test_push_crash.py — a push answered 2xx survives kill -9: many concurrent
pushers (PUT of a sequence number per group, PATCH increments) against a
durable push collector, SIGKILL at a random moment, restart, and every
acknowledged push is there (an unacknowledged in-flight one may be too).
Several rounds on the same state directory; then a torn, garbage tail is
appended to the log and the collector still starts, reports it and keeps
what came before.
"""
import glob
import os
import random
import signal
import threading
import time
import unittest
import urllib.request

from harness import Exporter, find, http, temp_dir

PUSHERS = 12
INCREMENTERS = 4


def config(state_dir):
    return (f'state_dir = "{state_dir}"\n[[collector]]\nname = "push"\nplugin = "push"\n'
            '[collector.config]\ncompact_interval = "1s"\n')


class Load:
    """Concurrent pushers recording what was acknowledged and what was tried."""

    def __init__(self, base, start_seq):
        self.base = base
        self.stop = threading.Event()
        self.acked = dict(start_seq)      # group -> last acknowledged sequence
        self.tried = dict(start_seq)      # group -> last attempted sequence
        self.inc_acked = {}               # worker -> acknowledged increments (this round)
        self.inc_tried = {}
        self.threads = [threading.Thread(target=self.pusher, args=(i,)) for i in range(PUSHERS)]
        self.threads += [threading.Thread(target=self.incrementer, args=(i,)) for i in range(INCREMENTERS)]

    def pusher(self, i):
        group = f"g{i}"
        seq = self.acked.get(group, 0)
        while not self.stop.is_set():
            seq += 1
            self.tried[group] = seq
            body = f"# TYPE seq gauge\nseq {seq}\n# TYPE padding gauge\n" + "".join(
                f'padding{{n="{n}"}} {seq}\n' for n in range(20))
            try:
                r = http("PUT", f"{self.base}/metrics/job/crash/worker/{group}", body=body.encode(), timeout=5)
            except Exception:  # noqa: BLE001 — the server died mid-request
                return
            if r.status == 200:
                self.acked[group] = seq
            else:
                return

    def incrementer(self, i):
        w = f"w{i}"
        self.inc_acked[w] = self.inc_tried[w] = 0
        while not self.stop.is_set():
            self.inc_tried[w] += 1
            try:
                r = http("PATCH", f"{self.base}/metrics/crash_hits?w={w}", body=b"", timeout=5)
            except Exception:  # noqa: BLE001
                return
            if r.status == 200:
                self.inc_acked[w] += 1
            else:
                return

    def run(self):
        for t in self.threads:
            t.start()

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(10)


class CrashTest(unittest.TestCase):
    def test_acknowledged_pushes_survive_kill_9(self):
        rng = random.Random(int(os.environ.get("PUSH_CRASH_SEED", time.time())))
        with temp_dir() as d:
            state = os.path.join(d, "state")
            acked, hits_low, hits_high = {}, {}, {}
            for round_no in range(3):
                ex = Exporter(d, config(state))
                # Everything acknowledged before is still there.
                text = ex.metrics()
                for group, seq in acked.items():
                    got = find(text, "seq", job="crash", worker=group)
                    self.assertEqual(len(got), 1, f"round {round_no}: group {group} lost")
                    self.assertGreaterEqual(got[0], seq, f"round {round_no}: {group} acked {seq}")
                    self.assertLessEqual(got[0], load.tried[group])  # noqa: F821 — set in the previous round
                for w in hits_low:
                    got = find(text, "crash_hits_total", w=w)
                    self.assertEqual(len(got), 1)
                    self.assertGreaterEqual(got[0], hits_low[w], f"round {round_no}: increments of {w} lost")
                    self.assertLessEqual(got[0], hits_high[w])
                load = Load(ex.base, acked)
                load.run()
                time.sleep(rng.uniform(0.8, 2.5))
                ex.process.stop(sig=signal.SIGKILL)   # kill -9, mid-traffic
                load.join()
                acked = dict(load.acked)
                for w in load.inc_acked:
                    hits_low[w] = hits_low.get(w, 0) + load.inc_acked[w]
                    hits_high[w] = hits_high.get(w, 0) + load.inc_tried[w]
                self.assertGreater(sum(load.acked.values()), 0, "no push was acknowledged at all")
                print(f"round {round_no}: {sum(load.acked.values())} pushes and "
                      f"{sum(load.inc_acked.values())} increments acknowledged in total before kill -9")

            # A torn, corrupt tail on the newest segment: reported, cut off, not fatal.
            segments = sorted(glob.glob(os.path.join(state, "push", "wal-*.log")))
            self.assertTrue(segments)
            with open(segments[-1], "ab") as f:
                f.write(b"\x40\x00\x00\x00\xde\xad\xbe\xef partial record that never completed")
            ex = Exporter(d, config(state))
            try:
                text = ex.metrics()
                for group, seq in acked.items():
                    self.assertGreaterEqual(find(text, "seq", job="crash", worker=group)[0], seq)
                self.assertGreater(find(text, "plugin_exporter_push_recovery_discarded_bytes")[0], 0)
                self.assertIn("torn", ex.process.log())
                # And it keeps working.
                self.assertEqual(http("PUT", ex.url("/metrics/job/after"), body=b"ok 1\n").status, 200)
            finally:
                ex.stop()


if __name__ == "__main__":
    unittest.main()
