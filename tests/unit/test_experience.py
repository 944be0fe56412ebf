"""Customer experience: CSAT mix comparison, CMH, sentiment transitions, drop-off hazard and hot spots."""

from __future__ import annotations

import pytest
from scipy.stats import chi2

from metrics.compute import aggregate, experience
from metrics.compute.stats import bh_qvalues, cmh
from metrics.core.settings import Settings
from tests.unit.test_signals import LATE, T0, build, conv


def _cmh_by_hand(tables):
    """Textbook CMH with continuity correction, independent of statsmodels."""
    num = var = 0.0
    for a, b, c, d in tables:
        n = a + b + c + d
        num += a - (a + b) * (a + c) / n
        var += (a + b) * (c + d) * (a + c) * (b + d) / (n * n * (n - 1))
    stat = (abs(num) - 0.5) ** 2 / var
    return chi2.sf(stat, 1)


def test_cmh_matches_the_textbook_formula():
    tables = [(10, 5, 3, 12), (8, 7, 4, 9), (20, 10, 15, 15)]
    r = cmh(tables)
    assert r.p_value == pytest.approx(_cmh_by_hand(tables), rel=1e-9)
    # Mantel-Haenszel pooled odds ratio: sum(a d / n) / sum(b c / n)
    mh = sum(a * d / (a + b + c + d) for a, b, c, d in tables) / sum(b * c / (a + b + c + d) for a, b, c, d in tables)
    assert r.effect == pytest.approx(mh)


def test_cmh_degenerate_input_is_a_note_not_an_error():
    r = cmh([(5, 0, 0, 0)])
    assert r.p_value is None and r.note


def test_bh_qvalues_reference():
    # sorted p: 0.01, 0.03, 0.04, 0.2 -> p*m/rank: 0.04, 0.06, 0.0533, 0.2 -> running minimum from the top
    assert bh_qvalues([0.01, 0.04, 0.03, 0.2]) == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2])


def _simpson_rows():
    """Easy topic mostly AI, hard topic mostly human: AI looks better raw, worse on the same mix."""
    rows, i = [], 0

    def add(n, sat, handled_by, cat):
        nonlocal i
        for j in range(n):
            rows.append(
                conv(
                    f"c{i}",
                    T0,
                    customer=f"u{i}",
                    handled_by=handled_by,
                    issue_category=cat,
                    csat="5" if j < sat else "2",
                )
            )
            i += 1

    add(90, 81, "ai", "Easy")
    add(10, 10, "human", "Easy")
    add(10, 3, "ai", "Hard")
    add(90, 36, "human", "Hard")
    rows.append(conv("z", LATE, customer="zz"))
    return rows


def test_mix_adjusted_difference_and_reversal(db):
    build(db, _simpson_rows())
    m = experience.csat_mix_comparison(db)
    assert m.raw_diff == pytest.approx(84 / 100 - 46 / 100)
    # standardised to the human mix: 10% Easy (diff -0.1), 90% Hard (diff -0.1)
    assert m.adjusted_diff == pytest.approx(-0.1)
    assert m.reversed
    assert m.sentence.startswith(
        "On the same kinds of issues, AI-handled customers were 10.0 points less often satisfied"
    )
    assert "the raw gap points the other way (+38.0 points)" in m.sentence
    tables = [(81, 9, 10, 0), (3, 7, 36, 54)]
    assert m.test.p_value == pytest.approx(_cmh_by_hand(tables), rel=1e-9)


def test_sentiment_rates_and_transition_table(db):
    build(
        db,
        [
            conv("up", T0, sentiment_start="-0.5", sentiment_end="0.5"),
            conv("down", T0, customer="u2", sentiment_start="0.5", sentiment_end="-0.5"),
            conv("flat", T0, customer="u3", sentiment_start="0.0", sentiment_end="0.05"),
            conv("half", T0, customer="u4", sentiment_start="0.3"),  # end unknown: not in the rates
            conv("h", T0, customer="u5", handled_by="human", sentiment_start="0.0", sentiment_end="0.9"),
        ],
    )
    r = aggregate.compute(db, Settings())[aggregate.ALL]
    assert (r["sentiment_improved_rate"].numerator, r["sentiment_improved_rate"].denominator) == (1, 3)
    assert (r["sentiment_worsened_rate"].numerator, r["sentiment_worsened_rate"].denominator) == (1, 3)
    assert (r["sentiment_improved_rate_human"].numerator, r["sentiment_improved_rate_human"].denominator) == (1, 1)
    assert (r["sentiment_coverage"].numerator, r["sentiment_coverage"].denominator) == (5, 5)
    assert experience.transitions(db, "ai") == [[0, 0, 1], [0, 1, 0], [1, 0, 0]]


def test_vader_scores_for_fixed_sentences(db):
    msgs = [
        "a,2024-01-01T10:00:00Z,customer,Thanks, that worked!,",
        "b,2024-01-01T10:00:00Z,customer,This is useless, you are not helping at all,",
        "c,2024-01-01T10:00:00Z,customer,Where is my order?,",
    ]
    # commas inside the text: quote the field
    msgs = [
        m.split(",", 3)[0]
        + ","
        + m.split(",", 3)[1]
        + ","
        + m.split(",", 3)[2]
        + ',"'
        + m.split(",", 3)[3].rstrip(",")
        + '",'
        for m in msgs
    ]
    sig = build(db, [conv("a", T0), conv("b", T0, customer="u2"), conv("c", T0, customer="u3")], msgs)
    assert sig["a"]["sentiment_start_value"] == pytest.approx(0.4926)
    assert sig["b"]["sentiment_start_value"] == pytest.approx(-0.5702)
    assert sig["c"]["sentiment_start_value"] == 0.0


def _dropoff_case(db):
    msgs, rows = [], []
    # 6 AI conversations: exits after answer 1 (x2), after answer 2 (x1), kept talking (x2), escalated (x1)
    plan = {
        "e1": ["customer", "ai"],
        "e1b": ["customer", "ai"],
        "e2": ["customer", "ai", "customer", "ai"],
        "ok1": ["customer", "ai", "customer"],
        "ok2": ["customer", "ai", "customer", "ai", "customer"],
        "esc": ["customer", "ai"],
    }
    for n, (cid, authors) in enumerate(plan.items()):
        for j, a in enumerate(authors):
            msgs.append(f"{cid},2024-01-01T10:0{j}:00Z,{a},x,")
        rows.append(
            conv(
                cid,
                T0,
                "2024-01-01T10:10:00Z",
                customer=f"u{n}",
                escalated=str(cid == "esc").lower(),
                issue_category="Refund" if cid.startswith("e") else "Other",
            )
        )
    rows.append(conv("back", "2024-01-01T12:00:00Z", customer="u0", handled_by="human", issue_category="Refund"))
    rows.append(conv("z", LATE, customer="zz"))
    return build(db, rows, msgs)


def test_dropoff_rates_and_hazard_add_up(db):
    _dropoff_case(db)
    r = aggregate.compute(db, Settings())[aggregate.ALL]
    # population: matured AI with messages = e1 e1b e2 ok1 ok2 esc (z has none)
    assert (r["silent_exit_rate"].numerator, r["silent_exit_rate"].denominator) == (3, 6)
    # e1 is a silent exit followed by a ticket ('back', a human conversation of the same customer): abandoned
    assert (r["abandonment_rate"].numerator, r["abandonment_rate"].denominator) == (1, 6)
    h = {row["k"]: (row["reached"], row["exits"]) for row in experience.hazard(db)}
    assert h == {1: (6, 2), 2: (2, 1)}
    assert sum(e for _, e in h.values()) == r["silent_exit_rate"].numerator


def test_hot_spots_are_bh_controlled_and_worded(db):
    rows, msgs, i = [], [], 0
    for cat, n, exits_at_3 in (("Refund request", 60, 30), ("Order status", 200, 10)):
        for j in range(n):
            cid = f"c{i}"
            i += 1
            leave = j < exits_at_3
            authors = ["customer", "ai", "customer", "ai", "customer", "ai"] + ([] if leave else ["customer"])
            msgs += [f"{cid},2024-01-01T10:{m:02d}:00Z,{a},x," for m, a in enumerate(authors)]
            rows.append(conv(cid, T0, "2024-01-01T10:30:00Z", customer=f"u{i}", issue_category=cat))
    rows.append(conv("z", LATE, customer="zz"))
    build(db, rows, msgs)
    spots = experience.hot_spots(db)
    assert [(s.category, s.k) for s in spots] == [("Refund request", 3)]
    s = spots[0]
    assert (s.exits, s.reached, s.rate, s.rest_rate) == (30, 60, 0.5, 0.05)
    assert s.sentence.startswith(
        "Customers asking about Refund request leave after the AI's 3rd answer 10.0x more often"
    )
    assert s.q_value >= s.p_value
