"""Benchmark: load, full report, settings change and peak memory on generated data.

    python -m bench.run --sizes 100000 1000000 --runs 3     # the README table
    python -m bench.run --sizes 2000 --runs 1                # smoke check (CI)

Every step goes through the product's own code paths (ingest.load, report.build_report,
signals.compute + aggregate.compute as the app does on a window change). Medians of the runs.
Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import tempfile
import time

from metrics import aggregate, ingest, registry, signals
from metrics import db as dbmod
from metrics.report import build_report
from metrics.settings import Settings
from sample_data.generate import generate, write

OVERVIEW = list(registry.HEADLINE)


def one_run(paths: list[str]) -> dict[str, float]:
    files = []
    for p in paths:
        with open(p, "rb") as fh:
            files.append((os.path.basename(p), fh.read()))
    db = dbmod.connect(memory_limit="8GB")
    try:
        t0 = time.perf_counter()
        result = ingest.load(db, files, Settings())
        dbmod.lock_down(db)
        t1 = time.perf_counter()
        build_report(db, Settings(), result)
        t2 = time.perf_counter()
        s24 = Settings(return_window_hours=24)
        signals.compute(db, s24)
        aggregate.compute(db, s24, OVERVIEW)
        t3 = time.perf_counter()
        return {
            "load_s": t1 - t0,
            "report_s": t2 - t1,
            "window_change_s": t3 - t2,
            "conversations": sum(f.loaded for f in result.files if f.table == "conversations"),
            "messages": sum(f.loaded for f in result.files if f.table == "messages"),
        }
    finally:
        db.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--keep", help="folder for the generated files (default: a temporary one)")
    a = p.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| conversations | messages | load (s) | full report (s) | window 72h->24h (s) | peak RSS (MB) |")
    print("|---|---|---|---|---|---|")
    for size in a.sizes:
        folder = a.keep or tempfile.mkdtemp(prefix="bench-")
        out = os.path.join(folder, str(size))
        paths = write(generate(size, seed=7, with_sentiment=True), out, "none")
        runs = [one_run(paths) for _ in range(a.runs)]
        med = {k: statistics.median(r[k] for r in runs) for k in ("load_s", "report_s", "window_change_s")}
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"| {runs[0]['conversations']:,} | {runs[0]['messages']:,} | {med['load_s']:.2f} | "
            f"{med['report_s']:.2f} | {med['window_change_s']:.2f} | {rss:,.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
