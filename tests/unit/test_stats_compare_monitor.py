"""stats.py against scipy/statsmodels references, Compare on hand-built data, p-chart alerts."""

from __future__ import annotations

import random

import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportions_ztest

from metrics.compute import compare, monitoring, stats
from metrics.core.settings import Settings
from tests.unit.test_signals import build, conv


def test_two_proportions_matches_statsmodels():
    r = stats.two_proportions(45, 100, 30, 100)
    _, p = proportions_ztest([45, 30], [100, 100])
    assert r.test == "two_proportion_z" and r.p_value == pytest.approx(p)
    assert r.effect == pytest.approx(0.15)


def test_fisher_when_an_expected_count_is_small():
    r = stats.two_proportions(1, 10, 6, 12)
    assert r.test == "fisher_exact"
    assert r.p_value == pytest.approx(sps.fisher_exact([[1, 9], [6, 6]])[1])


def test_welch_and_mann_whitney_match_scipy():
    a, b = [1.0, 2.5, 3.1, 4.8, 5.0, 7.2], [2.0, 2.2, 2.9, 3.0, 3.3]
    w = stats.welch(a, b)
    ref = sps.ttest_ind(a, b, equal_var=False)
    assert w.p_value == pytest.approx(ref.pvalue)
    assert w.effect == pytest.approx(sum(a) / 6 - sum(b) / 5)
    ci = ref.confidence_interval(0.95)
    assert (w.ci_low, w.ci_high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    m = stats.mann_whitney(a, b)
    assert m.p_value == pytest.approx(sps.mannwhitneyu(a, b, alternative="two-sided").pvalue)


def test_chi_square_matches_scipy():
    t = [[10, 20, 30], [20, 20, 20]]
    assert stats.chi_square(t).p_value == pytest.approx(sps.chi2_contingency(t)[1])


def test_degenerate_inputs_return_notes():
    assert stats.two_proportions(0, 0, 1, 2).note
    assert stats.welch([1.0], [2.0, 3.0]).note
    assert stats.mann_whitney([], [1.0]).note
    assert stats.mann_whitney([2.0, 2.0], [2.0]).p_value == 1.0
    assert stats.chi_square([[1, 0]]).note


def test_false_positive_rate_is_near_alpha():
    rng = random.Random(5)
    hits = 0
    runs = 400
    for _ in range(runs):
        k_a = sum(rng.random() < 0.3 for _ in range(200))
        k_b = sum(rng.random() < 0.3 for _ in range(200))
        hits += stats.two_proportions(k_a, 200, k_b, 200).p_value < 0.05
    assert 0.02 <= hits / runs <= 0.085


def test_compare_two_segments_sentence(db):
    rows = []
    for i in range(40):
        rows.append(
            conv(
                f"c{i}",
                "2025-01-01T10:00:00Z",
                customer=f"u{i}",
                escalated=str(i < 4).lower(),
                issue_category="Chat stuff",
            )
        )
        rows.append(
            conv(
                f"e{i}",
                "2025-01-01T10:00:00Z",
                customer=f"v{i}",
                escalated=str(i < 20).lower(),
                issue_category="Email stuff",
            )
        )
    rows.append(conv("z", "2025-03-01T00:00:00Z", customer="zz"))
    build(db, rows)
    c = compare.compare(
        db,
        Settings(),
        "escalation_rate",
        compare.segment_side("category", "Chat stuff", tag="a"),
        compare.segment_side("category", "Email stuff", tag="b"),
    )
    assert (c.a.numerator, c.a.denominator, c.b.numerator, c.b.denominator) == (4, 40, 20, 40)
    assert c.test.effect == pytest.approx(-0.4)
    assert c.sentence.startswith(
        "Handed to a human for Chat stuff is clearly 40.0 points lower than for Email stuff (unlikely to be chance; 95% CI"
    )
    assert c.significant
    assert "p < 0.001" in c.sentence
    rest = compare.every_value_against_the_rest(db, Settings(), "escalation_rate", "category")
    assert [r.label_a for r in rest] == ["(none)", "Chat stuff", "Email stuff"]
    assert all(r.q_value is None or r.q_value >= r.test.p_value for r in rest)
    assert rest[0].small_sample  # '(none)' holds one conversation


def _days(db, spike_day: int | None):
    """40 days of 50 AI conversations with 10% escalated; on spike_day, 50%."""
    import datetime as dt

    rows = []
    for d in range(40):
        day = (dt.date(2025, 1, 1) + dt.timedelta(days=d)).isoformat()
        for i in range(50):
            esc = i < 5 or (d == spike_day and i < 25)
            rows.append(conv(f"d{d}-{i}", f"{day}T10:00:00Z", customer=f"u{d}-{i}", escalated=str(esc).lower()))
    return build(db, rows)


def test_planted_spike_is_found_and_stable_data_stays_quiet(db):
    _days(db, spike_day=35)
    found = monitoring.alerts(db, Settings(), by_category=False)
    assert {(a.series, str(a.date)) for a in found} == {
        ("escalation_rate", "2025-02-05"),
        ("deflection_rate", "2025-02-05"),
        ("containment_rate", "2025-02-05"),
    }
    esc = next(a for a in found if a.series == "escalation_rate")
    assert (esc.value, esc.baseline, esc.n) == (0.5, 0.1, 50)
    assert esc.z == pytest.approx(0.4 / (0.1 * 0.9 / 50) ** 0.5)


def test_stable_data_gives_no_alert(db):
    _days(db, spike_day=None)
    assert monitoring.alerts(db, Settings()) == []


def test_mann_whitney_from_sql_rank_sums_equals_scipy():
    """The baseline ranks in SQL; the p-value must equal scipy's asymptotic Mann-Whitney (ties included)."""
    import random

    from scipy import stats as sps

    from metrics.compute.stats import mann_whitney_p

    rng = random.Random(5)
    for n1, n2 in ((30, 45), (200, 90), (12, 400)):
        a = [float(rng.randint(1, 9)) for _ in range(n1)]  # many ties
        b = [float(rng.randint(2, 10)) for _ in range(n2)]
        values = sorted(a + b)
        rank = {}
        for v in set(values):
            first = values.index(v) + 1
            rank[v] = first + (values.count(v) - 1) / 2
        ties = sum(values.count(v) ** 3 - values.count(v) for v in set(values))
        p = mann_whitney_p(n1, n2, sum(rank[v] for v in a), ties)
        want = sps.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic").pvalue
        assert p == pytest.approx(want, rel=1e-9)
