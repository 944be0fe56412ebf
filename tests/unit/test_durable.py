"""Durable resolution (issue 21): the return curve (Kaplan-Meier), coverage and the wait after the handover,
on hand-built data with the expected values worked out here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metrics.compute import aggregate, returns, signals
from metrics.core.settings import Settings
from metrics.load import ingest
from tests.unit.test_signals import build, conv

Z = 1.959963984540054


def test_kaplan_meier_by_hand_on_five_conversations_with_censoring():
    """Came back after 2 h and 5 h and 8 h; followed for 3 h and 5 h without coming back (censored).
    t=2: 5 at risk, 1 back: S = 4/5. t=5: 3 at risk (5, 5 censored, 8), 1 back: S = 4/5 * 2/3 = 8/15.
    t=8: 1 at risk, 1 back: S = 0. The censored ones leave the risk set without counting as returns."""
    curve = returns.kaplan_meier(np.array([2.0, 3, 5, 5, 8]), np.array([True, False, True, False, True]))
    assert curve.at(1.9)[0] == 0.0
    assert curve.at(2)[0] == pytest.approx(1 / 5)
    assert curve.at(4)[0] == pytest.approx(1 / 5)
    assert curve.at(6)[0] == pytest.approx(1 - 8 / 15)
    assert curve.at(8)[0] == pytest.approx(1.0)
    assert [curve.at(h)[3] for h in (0, 2.5, 5, 6, 9)] == [5, 4, 3, 1, 0]  # still followed at that hour
    # Greenwood at t=2: 1 / (5 * 4); log-log interval S^exp(+-z sqrt(V) / |ln S|), turned into 1 - S
    v, s = 1 / 20, 0.8
    half = Z * math.sqrt(v) / abs(math.log(s))
    p, low, high, _ = curve.at(3)
    assert (low, high) == pytest.approx((1 - s ** math.exp(-half), 1 - s ** math.exp(half)))
    assert low < p < high


def test_kaplan_meier_equals_statsmodels_on_generated_data():
    from statsmodels.duration.survfunc import SurvfuncRight

    rng = np.random.default_rng(7)
    t_event = rng.exponential(60, 400).round(1)  # ties on purpose
    t_censor = rng.uniform(0, 200, 400).round(1)
    durations, events = np.minimum(t_event, t_censor), t_event <= t_censor
    ours = returns.kaplan_meier(durations, events)
    ref = SurvfuncRight(durations, events.astype(int))
    assert np.allclose(ours.times, ref.surv_times)
    assert np.allclose(ours.survival, ref.surv_prob)
    se = ours.survival * np.sqrt(ours.greenwood)
    finite = np.isfinite(se)
    assert np.allclose(se[finite], ref.surv_prob_se[finite])


T0 = "2024-01-01T10:00:00Z"


# Four AI conversations ending at T0 (a: same issue again after 10 h; b: never; c: same issue after 30 h; d: a
# human ticket on another issue after 5 h), and a human conversation two months on that closes every window.
FOUR_AI = [
    conv("a", T0, issue_category="Billing"),
    conv("a2", "2024-01-01T20:00:00Z", handled_by="human", issue_category="Billing"),
    conv("b", T0, customer="u2", issue_category="Billing"),
    conv("c", T0, customer="u3", issue_category="Login"),
    conv("c2", "2024-01-02T16:00:00Z", customer="u3", handled_by="human", issue_category="Login"),
    conv("d", T0, customer="u4", issue_category="Login"),
    conv("d2", "2024-01-01T15:00:00Z", customer="u4", handled_by="human", issue_category="Billing"),
    conv("z", "2024-03-01T00:00:00Z", customer="zz", handled_by="human"),
]


def test_return_probabilities_from_the_signals(db):
    """Four AI conversations end at T0: a's customer comes back on the same issue after 10 h, c's after 30 h;
    b's never; d's comes back on another issue (no return). The data runs two months on, so b and d are
    followed beyond 14 days. KM: 24 h: 1/4; 72 h and 7 d: 1 - 3/4 * 2/3 = 1/2. The human ones never return."""
    build(db, FOUR_AI)
    got = returns.results(db, Settings())
    assert got["return_probability_24h_ai"].value == pytest.approx(0.25)
    assert got["return_probability_72h_ai"].value == pytest.approx(0.5)
    assert got["return_probability_7d_ai"].value == pytest.approx(0.5)
    assert (got["return_probability_72h_ai"].numerator, got["return_probability_72h_ai"].denominator) == (2, 4)
    assert got["return_probability_7d_human"].value == 0.0
    rows = [r for r in returns.curve_rows(db, Settings()) if r["handler"] == "ai" and r["segment"] == "all"]
    assert [(r["hours"], r["probability"], r["at_risk"]) for r in rows if r["hours"] in (8, 12, 36)] == [
        (8, 0.0, 4),
        (12, 0.25, 3),
        (36, 0.5, 2),
    ]


def test_a_window_change_keeps_the_curves_and_they_equal_a_fresh_computation(db):
    """The curve reads no window: after a 24 h window the remembered curves are reused, and they are what a
    fresh computation on the 24 h signals gives (1/4 at 24 h as above)."""
    build(db, FOUR_AI)
    first = returns.curves(db, Settings())
    s24 = Settings(return_window_hours=24)
    signals.compute(db, s24)
    assert returns.curves(db, s24) is first
    db.memo.clear()
    signals.compute(db, s24)
    fresh = returns.results(db, s24)
    assert fresh["return_probability_24h_ai"].value == pytest.approx(0.25)
    assert fresh["return_probability_72h_ai"].value == pytest.approx(0.5)
    assert returns.curves(db, Settings(same_issue="topic")) is not returns.curves(db, s24)  # the key still moves


def test_pending_conversations_count_in_the_curve_until_the_data_ends(db):
    """The last conversation ends 12 h before the data: it is pending for the rates (72 h window) but in the
    curve, followed for 12 h; a customer who came back 1 h later at the very end counts as a return."""
    build(
        db,
        [
            conv("p", "2024-01-10T00:00:00Z", customer="u1"),
            conv("p2", "2024-01-10T01:00:00Z", customer="u1", handled_by="human"),
            conv("q", "2024-01-10T00:00:00Z", customer="u2"),
            conv("end", "2024-01-10T12:00:00Z", customer="u9", handled_by="human"),
        ],
    )
    curve = returns.curves(db, Settings())[("ai", "all")]
    assert curve.n == 2 and list(curve.durations) == [1.0, 12.0]
    assert curve.at(2)[0] == pytest.approx(0.5)
    assert curve.at(24)[3] == 0  # nobody is followed that long yet


def test_coverage_and_the_wait_after_the_handover(db):
    """h1: escalated, no escalated_at: the wait runs from the AI's last message before the agent (10:02) to the
    agent (10:12) = 600 s. h2: escalated_at 10:05, agent 10:07 = 120 s. h3: escalated, no agent ever wrote: a
    failed handover. ok: not escalated. Median wait (600 + 120) / 2 = 360 s; failed 1 of 3; the AI handled 4
    of 5 inbound conversations."""
    conv_rows = [
        "conversation_id,customer_id,created_at,ended_at,handled_by,escalated,escalated_at",
        "h1,u1,2024-01-01T10:00:00Z,2024-01-01T10:30:00Z,ai,true,",
        "h2,u2,2024-01-01T10:00:00Z,2024-01-01T10:30:00Z,ai,true,2024-01-01T10:05:00Z",
        "h3,u3,2024-01-01T10:00:00Z,2024-01-01T10:30:00Z,ai,true,",
        "ok,u4,2024-01-01T10:00:00Z,2024-01-01T10:30:00Z,ai,false,",
        "z,u5,2024-03-01T10:00:00Z,2024-03-01T10:30:00Z,human,false,",
    ]
    msgs = [
        "conversation_id,sent_at,author_type,text",
        "h1,2024-01-01T10:00:00Z,customer,help",
        "h1,2024-01-01T10:01:00Z,ai,hello",
        "h1,2024-01-01T10:02:00Z,ai,let me get someone",
        "h1,2024-01-01T10:12:00Z,human,hi I am here",
        "h1,2024-01-01T10:20:00Z,ai,anything else",
        "h2,2024-01-01T10:00:00Z,customer,help",
        "h2,2024-01-01T10:01:00Z,ai,hello",
        "h2,2024-01-01T10:07:00Z,human,hi",
        "h3,2024-01-01T10:00:00Z,customer,help",
        "h3,2024-01-01T10:01:00Z,ai,passing you on",
        "ok,2024-01-01T10:00:00Z,customer,help",
        "ok,2024-01-01T10:01:00Z,ai,done",
    ]
    files = [("c.csv", "\n".join(conv_rows).encode()), ("m.csv", "\n".join(msgs).encode())]
    assert ingest.load(db, files, Settings()).errors == []
    signals.compute(db, Settings())
    ids = ["coverage_rate", "handoff_wait_median_s", "handoff_wait_p90_s", "failed_handoff_rate"]
    got = aggregate.compute(db, Settings(), ids)[aggregate.ALL]
    assert (got["coverage_rate"].numerator, got["coverage_rate"].denominator) == (4, 5)
    assert got["handoff_wait_median_s"].value == pytest.approx(360.0)
    assert got["handoff_wait_p90_s"].value == pytest.approx(120 + 0.9 * 480)
    assert (got["failed_handoff_rate"].numerator, got["failed_handoff_rate"].denominator) == (1, 3)


def test_vendor_says_vs_evidence_says_by_category(db):
    """The vendor calls a, b and c resolved and d not; the evidence: a truly resolved, b came back (b2 on the
    same category 2 h later), c handed over, d truly resolved. Billing: vendor 2/2, evidence 1/2; Login: vendor
    1/2, evidence 1/2 with one disagreement each way."""
    from metrics.compute import vendor

    head = "conversation_id,customer_id,created_at,ended_at,handled_by,escalated,issue_category,status,ai_resolved"
    conv_rows = [
        head,
        "a,u1,2024-01-01T10:00:00Z,2024-01-01T10:10:00Z,ai,false,Billing,solved,true",
        "b,u2,2024-01-01T10:00:00Z,2024-01-01T10:10:00Z,ai,false,Billing,solved,true",
        "b2,u2,2024-01-01T12:00:00Z,2024-01-01T12:10:00Z,human,false,Billing,solved,",
        "c,u3,2024-01-01T10:00:00Z,2024-01-01T10:10:00Z,ai,true,Login,solved,yes",
        "d,u4,2024-01-01T10:00:00Z,2024-01-01T10:10:00Z,ai,false,Login,solved,no",
        "z,u5,2024-03-01T10:00:00Z,2024-03-01T10:10:00Z,human,false,Login,solved,",
    ]
    assert ingest.load(db, [("c.csv", "\n".join(conv_rows).encode())], Settings()).errors == []
    signals.compute(db, Settings())
    found = {r.segment: r for r in vendor.compare(db)}
    assert (found[aggregate.ALL].vendor_resolved, found[aggregate.ALL].truly_resolved) == (3, 2)
    billing, login = found["Billing"], found["Login"]
    assert (billing.vendor_rate, billing.true_rate, billing.vendor_only, billing.evidence_only) == (1.0, 0.5, 1, 0)
    assert (login.vendor_rate, login.true_rate, login.vendor_only, login.evidence_only) == (0.5, 0.5, 1, 1)
    assert sorted(r[0] for r in vendor.disagreements(db)) == ["b", "c", "d"]
    block = vendor.to_json(db)
    assert block["overall"]["vendor_resolution_rate"] == pytest.approx(0.75)


def test_the_narrow_window_tables_give_what_the_full_signals_give(db):
    """The resolution by window reads side tables with only the columns its metrics need; at every window, by
    category and overall, with and without a global filter, they equal the full signals relation's results."""
    from metrics.compute import aggregate, resolution, signals

    build(db, FOUR_AI)
    for s in (Settings(), Settings(filter_segment="category", filter_values=("Billing",))):
        rows_ = resolution.fcr_by_window(db, s, (24, 72, 168))
        for hours in (24, 72, 168):
            signals.compute(db, s.replace(return_window_hours=hours), table="signals_full")
            full = aggregate.compute(db, s, list(resolution.BY_WINDOW), segment="category", table="signals_full")
            for row in rows_:
                seg = aggregate.ALL if row["category"] == "All" else row["category"]
                for mid in resolution.BY_WINDOW:
                    assert row[f"{mid}@{hours}"] == full[seg][mid], (s, hours, seg, mid)
            assert len(rows_) == len(full)


def test_true_resolution_and_fcr_at_24_hours_72_hours_and_7_days(db):
    """FOUR_AI: a comes back after 10 h, c after 30 h; d is
    followed by a human ticket after 5 h (another category, so a ticket but no return); b is fine.
    Truly resolved: 24 h: b, c = 2/4; 72 h and 7 d: b = 1/4. AI FCR (escalations and tickets do not matter):
    24 h: b, c, d = 3/4; 72 h: b, d = 2/4."""
    from metrics.compute import resolution

    build(db, FOUR_AI)
    every = resolution.fcr_by_window(db, Settings(), (24, 72, 168))[0]
    assert every["category"] == "All"
    got = {k: (v.numerator, v.denominator) for k, v in every.items() if k != "category" and "human" not in k}
    assert got == {
        "true_resolution_rate@24": (2, 4),
        "true_resolution_rate@72": (1, 4),
        "true_resolution_rate@168": (1, 4),
        "fcr_rate_ai@24": (3, 4),
        "fcr_rate_ai@72": (2, 4),
        "fcr_rate_ai@168": (2, 4),
    }
