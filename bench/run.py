"""Benchmark: the product against a hand-written DuckDB floor and a pandas reference (issue 9).

    python -m bench.run --sizes 100000 1000000 --runs 3     # the README table
    python -m bench.run --sizes 2000 --runs 1                # smoke check (CI)

Data: the project's generator with one clarifying exchange per conversation (about 7
messages each) and numeric message sentiment, written once as CSV. Each measurement runs
in its own process on the same files, so peak memory is that step's alone:

  product  (a) ingest.load, (b) report.build_report (every metric, by category,
           comparisons, alerts, insights: what the CLI does), (b') every signal from scratch
           plus the headline rates (the scope of the references), (c) a settings change
           (return window 72 h -> 24 h: signals rebuilt and the Overview recomputed, as the
           app does), (d) the process's peak RSS;
  floor    DuckDB's own read_csv of the same files (the loading floor), then (e) the
           plainest hand-written SQL for the signals and a dozen headline rates;
  pandas   (f) the same signals and rates in idiomatic pandas, from DataFrames in memory.

Three runs, medians. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import statistics
import tempfile
import time

from bench import references
from metrics.compute import aggregate, registry, signals
from metrics.core import db as dbmod
from metrics.core.settings import Settings
from metrics.load import ingest
from metrics.present.report import build_report
from sample_data.generate import generate, write

OVERVIEW = list(registry.HEADLINE)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


MEMORY_LIMIT = os.environ.get("BENCH_MEMORY_LIMIT", "3GB")  # the session database's limit (DuckDB spills past it)


def product(paths: list[str]) -> dict[str, float]:
    files = []
    for p in paths:
        with open(p, "rb") as fh:
            files.append((os.path.basename(p), fh.read()))
    db = dbmod.connect(memory_limit=MEMORY_LIMIT)
    try:
        t0 = time.perf_counter()
        result = ingest.load(db, files, Settings())
        files.clear()  # as the CLI does: the bytes are in the database now
        dbmod.lock_down(db)
        t1 = time.perf_counter()
        build_report(db, Settings(), result)
        t2 = time.perf_counter()
        s24 = Settings(return_window_hours=24)
        signals.compute(db, s24)
        aggregate.compute(db, s24, OVERVIEW)
        t3 = time.perf_counter()
        db.memo.clear()  # the same scope as the references: every signal from scratch, then the headline rates
        signals.compute(db, Settings())
        aggregate.compute(db, Settings(), OVERVIEW)
        t4 = time.perf_counter()
        return {
            "load_s": t1 - t0,
            "report_s": t2 - t1,
            "window_change_s": t3 - t2,
            "signals_s": t4 - t3,
            "peak_mb": _peak_mb(),
            "conversations": sum(f.loaded for f in result.files if f.table == "conversations"),
            "messages": sum(f.loaded for f in result.files if f.table == "messages"),
        }
    finally:
        db.close()


def _tables(paths: list[str]) -> dict[str, str]:
    return {os.path.basename(p).split(".")[0]: p for p in paths}


def floor(paths: list[str]) -> dict[str, float]:
    db = dbmod.connect(memory_limit="8GB")
    try:
        t0 = time.perf_counter()
        references.read_csv_tables(db.con, _tables(paths))
        t1 = time.perf_counter()
        references.floor(db.con)
        t2 = time.perf_counter()
        return {"read_csv_s": t1 - t0, "floor_s": t2 - t1, "floor_peak_mb": _peak_mb()}
    finally:
        db.close()


def pandas(paths: list[str]) -> dict[str, float]:
    """A notebook user's way: pd.read_csv of the same files (timed: they pay it too), then the reference."""
    import pandas as pd

    t = _tables(paths)
    t0 = time.perf_counter()
    conv = pd.read_csv(t["conversations"], low_memory=False)  # every column, as `pd.read_csv(path)` in a notebook
    msgs = pd.read_csv(t["messages"], low_memory=False)
    for col in ("created_at", "ended_at", "escalated_at"):
        conv[col] = pd.to_datetime(conv[col], utc=True)
    msgs["sent_at"] = pd.to_datetime(msgs["sent_at"], utc=True)
    t1 = time.perf_counter()
    references.pandas_reference(conv, msgs)
    t2 = time.perf_counter()
    return {"pandas_read_s": t1 - t0, "pandas_s": t2 - t1, "pandas_e2e_s": t2 - t0, "pandas_peak_mb": _peak_mb()}


def cli(paths: list[str]) -> dict[str, float]:
    """End to end as a user runs it: `python -m metrics report FILES --json out.json` (a process of its own),
    with that process's peak RSS (the target: under 3 GB)."""
    import subprocess
    import sys

    out = os.path.join(tempfile.mkdtemp(prefix="bench-json-"), "report.json")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "metrics", "report", *paths, "--json", out],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"the CLI failed with exit code {proc.returncode}")
    return {"cli_e2e_s": elapsed, "cli_peak_mb": usage.ru_maxrss / 1024}


def _generate(size: int, out: str) -> list[str]:
    return write(generate(size, seed=7, with_sentiment=True, extra_exchanges=1), out, "none")


def _in_child(fn, paths: list[str]) -> dict[str, float]:
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(fn, (paths,))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--keep", help="folder for the generated files (default: a temporary one)")
    a = p.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        "| conversations | messages | (a) load | read_csv floor | (b) full report | (b') signals + headline | "
        "(e) DuckDB floor | (f) pandas | (c) window 72h->24h | (d) peak RSS |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in a.sizes:
        folder = a.keep or tempfile.mkdtemp(prefix="bench-")
        out = os.path.join(folder, str(size))
        with mp.get_context("spawn").Pool(1) as pool:  # generated in a child: this process stays small, and the
            # children it starts (whose peak RSS Linux counts from this process's at their start) measure their own
            paths = pool.apply(_generate, (size, out))
        runs = [
            {**_in_child(product, paths), **_in_child(floor, paths), **_in_child(pandas, paths), **cli(paths)}
            for _ in range(a.runs)
        ]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0] if k.endswith(("_s", "_mb"))}
        r0 = runs[0]
        print(
            f"| {r0['conversations']:,} | {r0['messages']:,} | {med['load_s']:.2f} s | {med['read_csv_s']:.2f} s | "
            f"{med['report_s']:.2f} s | {med['signals_s']:.2f} s | {med['floor_s']:.2f} s | {med['pandas_s']:.2f} s | "
            f"{med['window_change_s']:.2f} s | {med['peak_mb']:,.0f} MB |",
            flush=True,
        )
        print(
            f"  ratios: load / read_csv {med['load_s'] / med['read_csv_s']:.2f}x (target <= 2x); "
            f"report / floor {med['report_s'] / med['floor_s']:.2f}x (target <= 2x), signals+headline / floor "
            f"{med['signals_s'] / med['floor_s']:.2f}x; pandas compute / signals+headline "
            f"{med['pandas_s'] / med['signals_s']:.2f}x; "
            f"peak floor {med['floor_peak_mb']:,.0f} MB, pandas {med['pandas_peak_mb']:,.0f} MB",
            flush=True,
        )
        floor_e2e = med["read_csv_s"] + med["floor_s"]
        print(
            f"  end to end, files to numbers: CLI to JSON {med['cli_e2e_s']:.2f} s; pandas incl. its read_csv "
            f"{med['pandas_e2e_s']:.2f} s (read {med['pandas_read_s']:.2f} s); DuckDB floor {floor_e2e:.2f} s. "
            f"pandas / CLI {med['pandas_e2e_s'] / med['cli_e2e_s']:.2f}x (target >= 1.5x), CLI / floor "
            f"{med['cli_e2e_s'] / floor_e2e:.2f}x (target <= 2.5x); CLI peak RSS {med['cli_peak_mb']:,.0f} MB "
            "(target < 3 GB)",
            flush=True,
        )


if __name__ == "__main__":
    main()
