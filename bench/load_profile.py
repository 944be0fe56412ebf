"""Where loading spends its time: every SQL statement of `ingest.load`, slowest first (issue 19).

    python -m bench.load_profile FILE [FILE ...] [--top 25]

Each statement run by the loader's modules is timed (wall time, one process, the files read into memory
first as the app receives them); the total and the Python time between statements are printed too.
Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import time

from metrics.core import db as dbmod
from metrics.core.settings import Settings
from metrics.load import build, delimited, ingest, stage, structured, vendors

MODULES = (build, delimited, ingest, stage, structured, vendors)


def _timed(stats: list[tuple[float, str, str]], module, name: str) -> None:
    fn = getattr(module, name)
    label = module.__name__.rsplit(".", 1)[-1]

    def run(con, sql, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(con, sql, *args, **kwargs)
        finally:
            stats.append((time.perf_counter() - t0, label, " ".join(sql.split())))

    setattr(module, name, run)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--memory-limit", default="3GB")
    a = p.parse_args()
    stats: list[tuple[float, str, str]] = []
    for module in MODULES:
        for name in ("q", "rows", "scalar"):
            if hasattr(module, name):
                _timed(stats, module, name)
    files = []
    for path in a.files:
        with open(path, "rb") as fh:
            files.append((os.path.basename(path), fh.read()))
    db = dbmod.connect(memory_limit=a.memory_limit)
    t0 = time.perf_counter()
    result = ingest.load(db, files, Settings())
    total = time.perf_counter() - t0
    in_sql = sum(s[0] for s in stats)
    print(f"ingest.load: {total:.2f} s ({in_sql:.2f} s in {len(stats)} statements, {total - in_sql:.2f} s in Python)")
    print(f"rows read {result.read:,}, loaded {result.loaded:,}, rejected {result.rejected:,}")
    for seconds, module, sql in sorted(stats, reverse=True)[: a.top]:
        print(f"{seconds:7.3f} s  {module:<10} {sql[:110]}")


if __name__ == "__main__":
    main()
