#!/usr/bin/python3
"""isolation_bench.py BUILD_DIR — what isolation = "process" costs a collect:
the same test_source plugin ("huge": N samples of one gauge) run in process
and isolated, side by side in one exporter, for N = 10, 10k and 1M. The
figure is the host's own plugin_exporter_collector_duration_seconds (the
plugin call, for the isolated one including the socket round trip and the
replay into the sink), median of REPETITIONS scrapes of each collector alone,
the two collectors scraped in turn (so both see the same load); then the
ratio, and the child's resident memory. Environment: REPETITIONS (default 15;
5 for 1M)."""
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/integration"))
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
os.environ.setdefault("PE_BUILD_DIR", build)
os.environ.setdefault("PE_PLUGIN_DIR", os.path.join(build, "plugins"))
os.environ.setdefault("PE_TEST_PLUGIN_DIR", os.path.join(build, "test-plugins"))
import harness as h  # noqa: E402

SOURCE = os.path.join(h.TEST_PLUGIN_DIR, "test_source.so")


def collector(name, isolation, samples):
    return (f'[[collector]]\nname = "{name}"\nplugin = "{SOURCE}"\nisolation = "{isolation}"\n'
            f'timeout = "60s"\nmax_samples = 2000000\n'
            f'[collector.config]\nbehaviour = "huge"\nsamples = {samples}\n')


def duration(e, name):
    text = e.get(f"/metrics?collector={name}", timeout=120).text
    return h.find(text, "plugin_exporter_collector_duration_seconds", collector=name)[0]


def median_durations(e, names, reps):
    """Scrapes the collectors in turn, one scrape each per repetition, so that
    both see the same load on the machine; the median duration of each."""
    got = {name: [] for name in names}
    for _ in range(reps):
        for name in names:
            got[name].append(duration(e, name))
    return [statistics.median(got[name]) for name in names]


def main():
    print("=== isolation: collect duration in process vs isolated (medians, same run)")
    print(f"{'samples':>10} {'in process':>12} {'isolated':>12} {'ratio':>7} {'child RSS':>11}")
    for n in (10, 10_000, 1_000_000):
        reps = int(os.environ.get("REPETITIONS", "15")) if n < 1_000_000 else 5
        with h.temp_dir() as tmp:
            e = h.Exporter(tmp, collector("inproc", "in_process", n) + collector("iso", "process", n))
            try:
                for name in ("inproc", "iso"):  # first collects: page faults, lazy binding
                    duration(e, name)
                a, b = median_durations(e, ("inproc", "iso"), reps)
                rss = h.find(e.metrics("?collector=iso"),
                             "plugin_exporter_collector_process_resident_memory_bytes", collector="iso")
            finally:
                e.stop()
        print(f"{n:>10} {a * 1e3:>10.3f}ms {b * 1e3:>10.3f}ms {b / a:>6.2f}x {rss[0] / 2**20:>9.1f}MiB")


if __name__ == "__main__":
    main()
