"""Resolution and efficiency metrics on small hand-built data, values worked out by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.compute import aggregate, registry, signals
from metrics.compute.stats import wilson
from metrics.core import db as dbmod
from metrics.core.settings import Settings
from metrics.load import ingest
from tests.unit.test_signals import LATE, T0, build, conv


@pytest.fixture
def case(db):
    """Six AI conversations and three human ones; data_end = LATE, so all but 'z' are matured."""
    msgs = [
        "r1,2024-01-01T10:00:00Z,customer,help,0.1",
        "r1,2024-01-01T10:00:20Z,ai,here,",
        "r1,2024-01-01T10:01:00Z,customer,more,0.0",
        "r1,2024-01-01T10:02:00Z,customer,thanks,0.6",
        "r2,2024-01-01T10:00:00Z,customer,help,0.0",
        "r2,2024-01-01T10:00:40Z,ai,here,",
        "r2,2024-01-01T10:01:00Z,customer,thanks,0.5",
    ]
    rows_ = [
        conv("r1", T0, "2024-01-01T10:10:00Z", issue_category="Billing", csat="5"),  # truly resolved
        conv("r2", T0, "2024-01-01T10:20:00Z", customer="u2", issue_category="Billing"),  # truly resolved
        conv(
            "e1",
            T0,
            "2024-01-01T11:00:00Z",
            customer="u3",
            escalated="true",
            issue_category="Billing",
            status="solved",
            escalation_reason="legal question",
            csat="2",
        ),  # escalated, appropriate
        conv("ret", T0, "2024-01-01T10:10:00Z", customer="u4", issue_category="Login", csat="1"),  # returned
        conv(
            "ret2",
            "2024-01-02T10:00:00Z",
            "2024-01-02T10:30:00Z",
            customer="u4",
            handled_by="human",
            issue_category="Login",
            status="solved",
            csat="4",
        ),
        conv("neg", T0, "2024-01-01T10:10:00Z", customer="u5", sentiment_end="-0.6"),  # negative end, no category
        conv("ab", T0, "2024-01-01T10:10:00Z", customer="u6", status="abandoned"),  # abandoned (status)
        conv("h1", T0, "2024-01-01T12:00:00Z", customer="u7", handled_by="human", status="solved", csat="5"),
        conv("z", LATE, LATE, customer="zz"),  # pending AI conversation
    ]
    build(db, rows_, msgs)
    return db


def res(db, ids=None, s=None, segment=None):
    return aggregate.compute(db, s or Settings(), ids, segment=segment)


def test_resolution_rates(case):
    r = res(case)[aggregate.ALL]
    # AI: r1 r2 e1 ret neg ab z (7); matured AI: 6 (z pending)
    assert (r["deflection_rate"].numerator, r["deflection_rate"].denominator) == (6, 7)
    assert (r["true_resolution_rate"].numerator, r["true_resolution_rate"].denominator) == (2, 6)
    # deflected and matured but not truly resolved: ret, neg, ab
    assert (r["deflection_resolution_gap"].numerator, r["deflection_resolution_gap"].denominator) == (3, 6)
    assert r["deflection_resolution_gap"].value == pytest.approx(5 / 6 - 2 / 6)
    # containment over all AI: not escalated (6) minus low csat (ret: 1) minus negative end (neg) minus abandoned (ab)
    assert (r["containment_rate"].numerator, r["containment_rate"].denominator) == (3, 7)
    assert (r["return_rate_ai"].numerator, r["return_rate_ai"].denominator) == (1, 6)
    # SPEC 8: FCR needs a resolved end as well as no return: of the 6 matured AI, ret returned and ab's status is
    # abandoned (not a resolved end), so 4; with the 2 matured human rows (both solved, none returned): 6 of 8.
    assert (r["fcr_rate_ai"].numerator, r["fcr_rate_ai"].denominator) == (4, 6)
    assert (r["return_rate_human"].numerator, r["return_rate_human"].denominator) == (0, 2)
    assert (r["fcr_rate"].numerator, r["fcr_rate"].denominator) == (6, 8)
    assert (r["follow_up_ticket_rate"].numerator, r["follow_up_ticket_rate"].denominator) == (1, 6)  # ret -> ret2
    lo, hi = wilson(2, 6)
    assert (r["true_resolution_rate"].ci_low, r["true_resolution_rate"].ci_high) == (lo, hi)


def test_containment_gates_can_be_switched_off(case):
    s = Settings(
        containment_requires_no_low_csat=False,
        containment_requires_no_negative_end=False,
        containment_requires_not_abandoned=False,
    )
    r = res(case, ["containment_rate", "deflection_rate"], s)[aggregate.ALL]
    assert r["containment_rate"].value == r["deflection_rate"].value == 6 / 7


def test_efficiency_metrics(case):
    r = res(case)[aggregate.ALL]
    assert r["ttfr_median_s_ai"].value == 30.0  # r1 20 s, r2 40 s; others have no reply
    assert (r["ttfr_median_s_ai"].numerator, r["ttfr_median_s_ai"].denominator) == (None, 2)
    assert r["ttfr_p90_s_ai"].value == pytest.approx(20 + 0.9 * 20)
    # SPEC 8: TTR over non-escalated AI rows with a resolved end, whatever came after: r1 600 s, r2 1200 s,
    # ret 600 s, neg 600 s, z 0 s (pending, but its end is given); ab is abandoned, e1 escalated.
    assert r["ttr_median_s_ai"].value == 600.0
    assert r["ttr_median_s_ai"].denominator == 5
    assert r["ttr_median_s_ai_escalated"].value == 3600.0  # e1: solved, 10:00 -> 11:00
    assert r["ttr_median_s_human"].value == pytest.approx((1800 + 7200) / 2)
    assert r["exchanges_median"].value == 2.5  # customer messages: 3 and 2
    assert (r["escalation_rate"].numerator, r["escalation_rate"].denominator) == (1, 7)
    assert (r["escalation_appropriate_share"].numerator, r["escalation_appropriate_share"].denominator) == (1, 1)
    assert r["escalation_inappropriate_share"].value == 0.0
    assert r["ttfr_median_s_human"].value is None  # no human messages and no first_response_at


def test_csat_streams(case):
    r = res(case)[aggregate.ALL]
    assert r["csat_mean_ai"].value == 3.0  # r1 5, ret 1
    assert (r["csat_response_rate_ai"].numerator, r["csat_response_rate_ai"].denominator) == (2, 6)
    assert (r["csat_satisfied_rate_ai"].numerator, r["csat_satisfied_rate_ai"].denominator) == (1, 2)
    assert r["csat_mean_ai_escalated"].value == 2.0
    assert r["csat_mean_human"].value == 4.5


def test_by_category_with_null_as_none_and_empty_segments_null(case):
    by = res(case, segment="issue_category")
    assert set(by) == {aggregate.ALL, "Billing", "Login", "(none)"}
    assert (by["Billing"]["true_resolution_rate"].numerator, by["Billing"]["true_resolution_rate"].denominator) == (
        2,
        3,
    )
    assert by["(none)"]["true_resolution_rate"].denominator == 2  # neg, ab (z is pending)
    assert by["Login"]["ttr_median_s_ai"].value == 600.0  # ret: its time to close counts although it returned
    assert by["Login"]["ttr_median_s_ai_escalated"].value is None
    assert by["Login"]["csat_satisfied_rate_ai_escalated"].value is None  # denominator 0 -> null


def test_metrics_computed_in_chunks_equal_one_query(case, monkeypatch):
    """compute() splits the metrics over several queries (speed); the merged rows equal one query's, the
    overall row and the empty segment included."""
    assert len([sp for sp in registry.all_specs() if sp.kind in aggregate.AGGREGATES]) > 3 * aggregate.CHUNK
    chunked = res(case, segment="issue_category")
    monkeypatch.setattr(aggregate, "CHUNK", 10_000)
    whole = res(case, segment="issue_category")
    assert chunked == whole and set(chunked) == {aggregate.ALL, "Billing", "Login", "(none)"}
    assert res(case) == {aggregate.ALL: whole[aggregate.ALL]}


def test_peak_and_offpeak_split_the_population(case):
    r = res(case)[aggregate.ALL]
    for mid in ("true_resolution_rate", "escalation_rate"):
        assert r["peak_" + mid].denominator + r["offpeak_" + mid].denominator == r[mid].denominator
        assert r["peak_" + mid].numerator + r["offpeak_" + mid].numerator == r[mid].numerator


def test_missing_fields_give_null_and_a_warning(load, db):
    load(("c.csv", "conversation_id,customer_id,created_at,handled_by\nc1,u1,2024-01-01,ai\n"))
    signals.compute(db, Settings())
    r = res(db)[aggregate.ALL]
    assert r["csat_mean_ai"].value is None and r["csat_response_rate_ai"].value is None
    assert "csat_mean_ai: needs a csat column; value is null." in aggregate.warnings_for(db)


def test_drill_down_lists_exactly_the_numerator_and_denominator(case):
    s = Settings()
    den = aggregate.drill(case, s, "true_resolution_rate", "denominator")
    num = aggregate.drill(case, s, "true_resolution_rate", "numerator")
    assert sorted(num.conversation_id) == ["r1", "r2"]
    assert sorted(den.conversation_id) == ["ab", "e1", "neg", "r1", "r2", "ret"]
    billing = aggregate.drill(case, s, "true_resolution_rate", "denominator", "category", "Billing")
    assert sorted(billing.conversation_id) == ["e1", "r1", "r2"]


def test_every_metric_is_documented_in_the_readme():
    """The README table is generated from the registry: regenerate with `python -m metrics docs`."""
    import pathlib

    from metrics.present.docs import update_readme

    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert update_readme(readme) == readme
    for spec in registry.all_specs():
        assert f"`{spec.id}`" in readme.split("## Metric definitions", 1)[1], spec.id


# ---------------------------------------------------------------- properties

CONV = st.fixed_dictionaries(
    {
        "customer": st.sampled_from(["u1", "u2", "u3"]),
        "start_h": st.integers(0, 200),
        "len_m": st.integers(0, 120),
        "ai": st.booleans(),
        "esc": st.booleans(),
        "cat": st.sampled_from(["A", "B", ""]),
        "status": st.sampled_from(["", "solved", "abandoned", "open"]),
        "csat": st.sampled_from(["", "1", "3", "5"]),
    }
)


def _load_random(records, s, order=None):
    import datetime as dt

    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    db = dbmod.connect(memory_limit="512MB", threads=1)
    lines = ["conversation_id,customer_id,created_at,ended_at,handled_by,escalated,issue_category,status,csat"]
    for i in order or range(len(records)):
        r = records[i]
        a = t0 + dt.timedelta(hours=r["start_h"])
        b = a + dt.timedelta(minutes=r["len_m"])
        lines.append(
            f"c{i},{r['customer']},{a.isoformat()},{b.isoformat()},{'ai' if r['ai'] else 'human'},"
            f"{str(r['esc']).lower()},{r['cat']},{r['status']},{r['csat']}"
        )
    ingest.load(db, [("c.csv", ("\n".join(lines) + "\n").encode())], s)
    signals.compute(db, s)
    return db


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(CONV, min_size=1, max_size=25), st.sampled_from([24, 72]))
def test_rates_are_fractions_and_segments_add_up(records, w):
    s = Settings(return_window_hours=w)
    db = _load_random(records, s)
    try:
        by = aggregate.compute(db, s, segment="issue_category")
        total = by.pop(aggregate.ALL)
        for mid, r in total.items():
            spec = registry.get(mid)
            if r.denominator is None:  # a field the metric needs is absent from this data
                assert r.value is None
                continue
            if spec.kind == "rate":
                assert r.numerator <= r.denominator
                if r.denominator:
                    assert 0 <= r.value <= 1 and r.ci_low <= r.value <= r.ci_high
                if mid.startswith(("peak_", "offpeak_")):
                    continue
                assert sum(seg[mid].denominator for seg in by.values()) == r.denominator
                assert sum(seg[mid].numerator for seg in by.values()) == r.numerator
            elif r.value is not None:
                assert not math.isnan(r.value)
    finally:
        db.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CONV, min_size=2, max_size=20), st.randoms())
def test_row_order_does_not_change_any_number(records, rnd):
    s = Settings()
    a = _load_random(records, s)
    order = list(range(len(records)))
    rnd.shuffle(order)
    b = _load_random(records, s, order)  # same conversations (same ids), other file order
    try:
        assert aggregate.compute(a, s) == aggregate.compute(b, s)
    finally:
        a.close()
        b.close()
