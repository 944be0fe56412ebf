"""The benchmark script runs end to end at a tiny size (a smoke check, no timing asserted)."""

from __future__ import annotations

from bench.run import one_run
from sample_data.generate import generate, write


def test_bench_runs_on_tiny_generated_data(tmp_path):
    paths = write(generate(500, seed=1, with_sentiment=True), str(tmp_path), "none")
    r = one_run(paths)
    assert r["conversations"] > 400 and r["messages"] > r["conversations"]
    assert {"load_s", "report_s", "window_change_s"} <= set(r)
