"""The benchmark and its references run end to end at a tiny size (a smoke check, no timing asserted)."""

from __future__ import annotations

import math

from bench import references
from bench.run import floor, pandas, product
from metrics.core import db as dbmod
from sample_data.generate import generate, write


def test_bench_runs_on_tiny_generated_data(tmp_path):
    paths = write(generate(500, seed=1, with_sentiment=True, extra_exchanges=1), str(tmp_path), "none")
    r = product(paths)
    assert r["conversations"] > 400 and r["messages"] > 6 * r["conversations"]  # about 7 messages each
    assert {"load_s", "report_s", "window_change_s", "peak_mb"} <= set(r)
    assert {"read_csv_s", "floor_s"} <= set(floor(paths))
    assert "pandas_s" in pandas(paths)


def test_the_duckdb_floor_and_the_pandas_reference_agree(tmp_path):
    """The two references compute the same rates, so comparing the product with either is fair."""
    paths = write(generate(3000, seed=3, with_sentiment=True, extra_exchanges=1), str(tmp_path), "none")
    db = dbmod.connect(memory_limit="1GB", threads=1)
    try:
        references.read_csv_tables(db.con, {p.split("/")[-1].split(".")[0]: p for p in paths})
        sql = references.floor(db.con)
        conv = dbmod.df(db.con, "SELECT * FROM conversations")
        msgs = dbmod.df(db.con, "SELECT conversation_id, sent_at, author_type, sentiment FROM messages")
    finally:
        db.close()
    pd_ = references.pandas_reference(conv, msgs)
    for k, v in sql.items():
        assert math.isclose(float(v), float(pd_[k]), rel_tol=1e-9, abs_tol=1e-9), (k, v, pd_[k])


def test_the_load_and_report_profiles_run(tmp_path, monkeypatch, capsys):
    """`bench.load_profile` and `bench.report_profile` print their parts (every part the report calls is found)."""
    import sys

    from bench import load_profile, report_profile

    paths = write(generate(300, seed=2, with_sentiment=True, extra_exchanges=1), str(tmp_path), "none")
    monkeypatch.setattr(sys, "argv", ["load_profile", *paths, "--top", "3"])
    load_profile.main()
    assert "ingest.load:" in capsys.readouterr().out
    monkeypatch.setattr(sys, "argv", ["report_profile", *paths, "--compact", "--top", "30"])
    report_profile.main()
    out = capsys.readouterr().out
    assert "report" in out.splitlines()[0]
    for fragment, fn in report_profile.PARTS:
        assert f"{fragment.rsplit('/', 1)[-1][:-3]}.{fn} " in out, (fragment, fn, out)
