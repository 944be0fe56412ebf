"""A change of windows or thresholds only updates the signals' flags in place (issue 19); the table must then be
exactly the one a fresh build gives, for every such setting, with business hours and a global filter."""

from __future__ import annotations

import pytest

from metrics.compute import flags, signals
from metrics.core.db import rows
from metrics.core.settings import Settings
from metrics.load import ingest
from ui.state import sample_files

FILTER = {"filter_segment": "category", "filter_values": ("Billing dispute", "(none)")}
# (settings, True when they differ from the step before in windows or thresholds only)
STEPS = [
    (Settings(), False),
    (Settings(return_window_hours=24), True),
    (Settings(return_window_hours=168, ticket_window_hours=12), True),
    (Settings(sentiment_negative=-0.1, sentiment_positive=0.1, distress_sentiment=-0.2), True),
    (Settings(low_csat_max=0.5, satisfied_min=0.9, peak_percentile=50), True),
    (Settings(human_required_categories=("billing dispute",), appropriate_reason_keywords=("refund", "angry")), True),
    (Settings(business_hours="Mon-Fri 09:00-17:00 Europe/Berlin"), True),
    (Settings(return_window_hours=24), True),  # the schedule gone: its durations must go too
    (Settings(return_window_hours=24, **FILTER), False),  # another filter: other rows
    (Settings(return_window_hours=96, peak_percentile=75, **FILTER), True),
    (Settings(return_window_hours=96, peak_percentile=75, max_plausible_days=2.0, **FILTER), False),
    (Settings(return_window_hours=48), False),
]


@pytest.fixture(scope="module")
def sample_db():
    from metrics.core import db as dbmod

    d = dbmod.connect(memory_limit="1GB", threads=1)
    ingest.load(d, list(sample_files()), Settings())
    yield d
    d.close()


def _table(db) -> list[tuple]:
    return rows(db.con, f"SELECT * FROM {signals.TABLE} ORDER BY conversation_id")


def test_flags_updated_in_place_equal_a_fresh_build_at_every_step(sample_db, monkeypatch):
    db = sample_db
    statements: list[str] = []
    real_q = signals.q
    monkeypatch.setattr(signals, "q", lambda con, sql, *a, **k: statements.append(sql) or real_q(con, sql, *a, **k))
    for s, in_place in STEPS:
        statements.clear()
        info = signals.compute(db, s)
        updated = any(x.startswith(f"UPDATE {signals.TABLE} SET") for x in statements)
        rebuilt = any(f"CREATE OR REPLACE TABLE {signals.TABLE} AS" in x for x in statements)
        assert (updated, rebuilt) == (in_place, not in_place), s
        got = _table(db)
        db.memo.pop("signals_rows")  # the same settings built from scratch
        assert signals.compute(db, s) == info
        assert _table(db) == got, s
        assert len(got) == info.conversations > 0


def test_the_flags_that_move_are_those_reading_a_window_or_threshold():
    """Columns of the base alone (and those reading only them) stay; a column reading a moved one moves."""
    moves = {c.name: c.moves for layer in flags.layers(Settings(), signals.BASE) for c in layer}
    assert not any(moves[c] for c in ("is_ai", "category", "month", "ttfr_raw", "status_class", "resolved_end"))
    assert all(moves[c] for c in ("returned", "pending", "trajectory", "truly_resolved", "outcome", "peak", "load"))
    # after a change of the return window only: what reads it, and nothing else
    since = {
        c.name: c.moves for layer in flags.layers(Settings(return_window_hours=24), "b", Settings()) for c in layer
    }
    assert {n for n, m in since.items() if m} == {
        "matured", "pending", "returned", "abandoned", "truly_resolved", "resolved", "outcome",
    }  # fmt: skip
    schedule = Settings(business_hours="Mon-Fri 09:00-17:00 Europe/Berlin")
    assert {c.name for layer in flags.layers(schedule, "b", Settings()) for c in layer if c.moves} == {
        "ttfr_bh_s", "ttr_bh_s",
    }  # fmt: skip


def test_an_interrupted_update_leaves_a_rebuild_to_the_next_call(sample_db, monkeypatch):
    """The next script run interrupts a query of the previous one: a flag update stopped halfway must not be
    taken for a complete table, by the signals or by the session (which then asks for them again)."""
    from metrics.core.db import QueryTimeout
    from ui import state

    db = sample_db
    real_q, seen = signals.q, []

    def stop_on_third_update(con, sql, *a, **k):  # after `returned` was updated for the new window
        if sql.startswith("UPDATE") and (seen.append(1) or len(seen) == 3):
            raise QueryTimeout("interrupted")
        return real_q(con, sql, *a, **k)

    s = state.Session(db=db)  # type: ignore[call-arg]
    state.current_signals(s)  # the defaults (topics found first)
    fresh = _table(db)
    s.settings = Settings(return_window_hours=24)
    monkeypatch.setattr(signals, "q", stop_on_third_update)
    with pytest.raises(QueryTimeout):
        state.current_signals(s)
    assert s.signals_key is None and "signals_rows" not in db.memo
    monkeypatch.undo()
    s.settings = Settings()  # back to the settings of the table before the update: rebuilt, not trusted
    state.current_signals(s)
    assert _table(db) == fresh


def test_a_large_dataset_is_compressed_in_memory_and_every_number_stays(sample_db, monkeypatch):
    """`compact` (DuckDB's checkpoint) shrinks the tables' memory; the signals and a metric by category read the
    same before and after. Small data is not compressed (the sample is under the threshold)."""
    from metrics.compute import aggregate, registry
    from metrics.core import db as dbmod

    db = sample_db
    assert not dbmod.large(db)
    signals.compute(db, Settings())
    before_rows = _table(db)
    before = aggregate.compute(db, Settings(), list(registry.HEADLINE), segment="category")
    used = lambda: rows(db.con, "SELECT sum(memory_usage_bytes) FROM duckdb_memory()")[0][0]  # noqa: E731
    ahead = used()
    monkeypatch.setattr(dbmod, "COMPACT_ABOVE", 0)
    assert dbmod.large(db)
    dbmod.compact(db)
    assert used() < ahead / 2
    assert _table(db) == before_rows
    assert aggregate.compute(db, Settings(), list(registry.HEADLINE), segment="category") == before
    # no automatic checkpoint in the middle of a page: it waits for a terabyte of changes
    assert rows(db.con, "SELECT current_setting('checkpoint_threshold')")[0][0] == "931.3 GiB"  # 1TB


def test_the_app_compresses_a_large_upload_after_loading_it(monkeypatch):
    from metrics.core import db as dbmod
    from ui import state

    said, compacted = [], []
    monkeypatch.setattr(dbmod, "COMPACT_ABOVE", 0)  # the sample as if it were large
    real = dbmod.compact
    monkeypatch.setattr(dbmod, "compact", lambda d: compacted.append(1) or real(d))
    s = state.Session(db=None, is_sample=False)  # type: ignore[arg-type]
    s.files = list(sample_files())
    state._reload(s, report=said.append)
    assert compacted == [1] and "Compressing the data in memory" in said
    assert state.current_signals(s).conversations > 0
    s.db.close()


def test_a_narrow_table_is_updated_only_when_it_holds_what_its_moving_columns_read(sample_db, monkeypatch):
    """The resolution by window keeps one narrow table for every window: with the inputs of its moving columns it
    is updated in place, without them it is built again; either way it equals a fresh build."""
    from metrics.compute import resolution

    db = sample_db
    statements: list[str] = []
    real_q = signals.q
    monkeypatch.setattr(signals, "q", lambda con, sql, *a, **k: statements.append(sql) or real_q(con, sql, *a, **k))
    for keep, in_place in (
        (resolution.WINDOW_COLUMNS, False),
        (resolution.WINDOW_COLUMNS + resolution.WINDOW_INPUTS, True),
    ):
        for hours in (24, 168):
            statements.clear()
            s = Settings(return_window_hours=hours)
            signals.compute(db, s, table="narrow", keep=keep)
            got = rows(db.con, "SELECT * FROM narrow ORDER BY ALL")
            assert any(x.startswith("UPDATE narrow") for x in statements) == (in_place and hours == 168)
            db.memo.pop(("signals_rows", "narrow"))
            signals.compute(db, s, table="narrow", keep=keep)
            assert rows(db.con, "SELECT * FROM narrow ORDER BY ALL") == got


def test_the_command_line_compresses_a_large_dataset_with_the_same_report(monkeypatch, tmp_path):
    """The CLI compresses a large dataset after loading, as the app does; the report is the same either way."""
    import json
    import os

    from metrics.cli import main
    from metrics.core import db as dbmod
    from tests.golden.test_golden import _close

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    files = [os.path.join(root, "sample_data", f) for f in ("conversations.csv.gz", "messages.csv.gz")]
    compacted = []
    real = dbmod.compact
    monkeypatch.setattr(dbmod, "compact", lambda d: compacted.append(1) or real(d))
    out = []
    for above in (1 << 60, 0):  # never large, then everything large
        monkeypatch.setattr(dbmod, "COMPACT_ABOVE", above)
        assert main(["report", *files, "--json", str(tmp_path / "r.json")]) == 0
        out.append(json.loads((tmp_path / "r.json").read_text()))
    assert compacted == [1]
    for part in ("metrics", "by_category"):  # sums of floats may add up in another order: equal to 1e-9
        _close(out[0][part], out[1][part], part)
