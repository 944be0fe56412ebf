"""Invariants of loading, checked on generated files (hypothesis)."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.core import db as dbmod
from metrics.core.db import rows, scalar
from metrics.core.settings import Settings
from metrics.load import ingest

GOOD = st.fixed_dictionaries(
    {
        "kind": st.just("good"),
        "id": st.text("abcdef0123", min_size=1, max_size=4),
        "handler": st.sampled_from(["ai", "human", "bot", "agent"]),
        "created": st.sampled_from(["2024-01-01T10:00:00Z", "2024-02-03 04:05", "1710037800", "13/02/2024 09:00"]),
    }
)
BAD = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["short", "no_id", "bad_handler", "bad_time"]),
        "id": st.text("xyz", min_size=1, max_size=3),
    }
)


def _line(r: dict) -> str:
    if r["kind"] == "good":
        return f"{r['id']},cust,{r['created']},{r['handler']}"
    if r["kind"] == "short":
        return f"{r['id']},cust"
    if r["kind"] == "no_id":
        return ",cust,2024-01-01,ai"
    if r["kind"] == "bad_handler":
        return f"{r['id']},cust,2024-01-01,robot"
    return f"{r['id']},cust,not a date,ai"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(GOOD, BAD), min_size=1, max_size=30))
def test_rows_read_equal_loaded_plus_rejected(records):
    text = "conversation_id,customer_id,created_at,handled_by\n" + "\n".join(_line(r) for r in records) + "\n"
    db = dbmod.connect(memory_limit="512MB", threads=1)
    try:
        result = ingest.load(db, [("p.csv", text.encode())], Settings())
        if result.errors:  # e.g. every row rejected leaves nothing to recognise? never silently
            assert not result.files
            return
        f = result.files[0]
        assert f.read == len(records)
        assert f.read == f.loaded + f.rejected
        assert f.loaded == scalar(db.con, "SELECT count(*) FROM conversations")
        rejected_rows = scalar(db.con, 'SELECT count(DISTINCT "row") FROM load_issues WHERE rejected')
        assert rejected_rows == f.rejected
        # every loaded row is unique by id, and the kept one is the first in file order
        assert scalar(db.con, "SELECT count(*) - count(DISTINCT conversation_id) FROM conversations") == 0
    finally:
        db.close()


TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


@settings(max_examples=60, deadline=None)
@given(TEXT)
def test_arbitrary_text_round_trips_through_csv(value):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["conversation_id", "customer_id", "created_at", "handled_by", "escalation_reason"])
    w.writerow(["c1", "u1", "2024-01-01", "ai", value])
    db = dbmod.connect(memory_limit="512MB", threads=1)
    try:
        ingest.load(db, [("t.csv", buf.getvalue().encode())], Settings())
        got = rows(db.con, "SELECT escalation_reason FROM conversations")
        stripped = value.strip(" \t\r\n")
        from metrics.core.schema import NULL_TOKENS

        expected = None if stripped.lower() in NULL_TOKENS else stripped
        assert got == [(expected,)]
    finally:
        db.close()


def test_row_order_does_not_change_what_is_loaded_except_which_duplicate_is_first(load, db):
    lines = [f"c{i},u{i % 3},2024-01-{1 + i % 28:02d},{'ai' if i % 2 else 'human'}" for i in range(40)]
    header = "conversation_id,customer_id,created_at,handled_by\n"
    load(("a.csv", header + "\n".join(lines) + "\n"))
    first = sorted(rows(db.con, "SELECT conversation_id, customer_id, created_at, handled_by FROM conversations"))
    load(("a.csv", header + "\n".join(reversed(lines)) + "\n"))
    assert (
        sorted(rows(db.con, "SELECT conversation_id, customer_id, created_at, handled_by FROM conversations")) == first
    )
