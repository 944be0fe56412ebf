"""Where the full report spends its time: each part of `report.build_report`, slowest first (issue 19).

    python -m bench.report_profile FILE [FILE ...] [--compact] [--top 20]

The files are loaded with `ingest.load` (as the bench does), compressed first with `--compact` (as the app and
the command line do for a large dataset), then the report is built once under cProfile; the parts listed are the
functions the report calls (signals, topics, questions, gaps, metrics, insights, ...), with their cumulative time
(cProfile's own overhead included, so Python-heavy parts read a little slow). Not a test: nothing here asserts a
time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time

from metrics.core import db as dbmod
from metrics.core.settings import Settings
from metrics.load import ingest
from metrics.present import report

# (module path fragment, function name): the report's parts
PARTS = (
    ("metrics/compute/signals.py", "compute"),
    ("metrics/compute/topics.py", "ensure"),
    ("metrics/compute/topics.py", "discover"),
    ("metrics/compute/questions.py", "unanswered"),
    ("metrics/compute/gaps.py", "find"),
    ("metrics/compute/aggregate.py", "compute"),
    ("metrics/compute/insights.py", "find"),
    ("metrics/compute/returns.py", "results"),
    ("metrics/compute/returns.py", "curve_rows"),
    ("metrics/present/report.py", "comparisons"),
    ("metrics/compute/changes.py", "effects"),
    ("metrics/compute/forecast.py", "forecast"),
    ("metrics/compute/forecast.py", "backtest"),
    ("metrics/compute/monitoring.py", "alerts"),
    ("metrics/compute/checks.py", "data_warnings"),
    ("metrics/compute/business.py", "results"),
)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+")
    p.add_argument("--compact", action="store_true", help="compress the tables after loading")
    p.add_argument("--top", type=int, default=20)
    p.add_argument("--memory-limit", default="3GB")
    a = p.parse_args()
    db = dbmod.connect(memory_limit=a.memory_limit)
    files = [(os.path.basename(f), open(f, "rb").read(), f) for f in a.files]
    t0 = time.perf_counter()
    result = ingest.load(db, files, Settings())
    files.clear()
    t1 = time.perf_counter()
    if a.compact:
        dbmod.compact(db)
    t2 = time.perf_counter()
    dbmod.lock_down(db)
    prof = cProfile.Profile()
    prof.enable()
    report.build_report(db, Settings(), result)
    prof.disable()
    t3 = time.perf_counter()
    print(f"load {t1 - t0:.2f} s, compress {t2 - t1:.2f} s, report {t3 - t2:.2f} s (under cProfile)")
    stats = pstats.Stats(prof).stats  # (file, line, name) -> (calls, primitive calls, own, cumulative, callers)
    found = []
    for (path, _line, name), (calls, _prim, _own, cum, _callers) in stats.items():
        for fragment, fn in PARTS:
            if name == fn and path.replace(os.sep, "/").endswith(fragment):
                found.append((cum, f"{fragment.rsplit('/', 1)[-1][:-3]}.{fn}", calls))
    for cum, label, calls in sorted(found, reverse=True)[: a.top]:
        print(f"{cum:7.2f} s  {label:<28} {calls} call{'s' if calls != 1 else ''}")


if __name__ == "__main__":
    main()
