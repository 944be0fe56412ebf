"""Business impact on hand-built data: license months, fees, minute fallbacks, break-even, capacity, renewals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.compute import business
from metrics.core.settings import Settings
from tests.unit.test_signals import build, conv

S = Settings(
    license_per_month=1000,
    ai_fee_per_conversation=0.5,
    ai_fee_per_resolution=2,
    human_cost_per_hour=60,
    human_minutes_per_conversation=10,
    escalation_minutes=6,
)


def _case(db, s=S):
    rows = [
        # December: human only (before the deployment), one with handle_minutes, one without
        conv("h1", "2024-12-05T10:00:00Z", handled_by="human", customer="a", issue_category="Billing", status="solved"),
        conv("h2", "2024-12-06T10:00:00Z", handled_by="human", customer="b", issue_category="Billing", status="solved"),
        # January: the AI arrives
        conv("a1", "2025-01-05T10:00:00Z", customer="c", issue_category="Billing"),  # truly resolved
        conv("a2", "2025-01-06T10:00:00Z", customer="d", issue_category="Login"),  # truly resolved, no human minutes
        conv("e1", "2025-01-07T10:00:00Z", customer="e", escalated="true", status="solved"),  # escalated, resolved
        # February: one AI conversation that is still pending at data_end
        conv("p1", "2025-02-20T10:00:00Z", customer="f"),
    ]
    for r in rows:
        if r["conversation_id"] == "h1":
            r["handle_minutes"] = 30
    return build(db, rows, settings=s)


def test_monthly_costs_and_license_months(db):
    _case(db)
    months = {m.month: m for m in business.monthly(db, S)}
    assert [k for k, m in months.items() if m.licensed] == ["2025-01", "2025-02"]
    dec, jan, feb = months["2024-12"], months["2025-01"], months["2025-02"]
    assert dec.ai_cost == 0
    assert dec.human_cost == pytest.approx(60 * (30 + 10) / 60)  # h1 30 min, h2 falls back to 10
    assert jan.ai_cost == pytest.approx(1000 + 0.5 * 3 + 2 * 2)
    assert jan.escalation_cost == pytest.approx(60 * 6 / 60)
    assert feb.ai_cost == pytest.approx(1000 + 0.5 * 1)  # pending: fee, no resolution
    assert (dec.minutes_from_settings, jan.minutes_from_settings) == (1, 1)
    assert (dec.license, jan.license, feb.license) == (0, 1000, 1000)
    assert jan.license_per_ai_resolution == 500 and dec.license_per_ai_resolution is None
    assert feb.license_per_ai_resolution is None  # no resolution yet
    assert dec.fte_freed is None and jan.fte_freed == pytest.approx(jan.hours_freed / 140)


def test_headline_cost_per_resolution(db):
    _case(db)
    r = business.cost_results(business.monthly(db, S), S)
    ai_cost = 1000 + 1.5 + 4 + 1000 + 0.5
    assert (r["cost_per_resolution_ai"].numerator, r["cost_per_resolution_ai"].denominator) == (
        pytest.approx(ai_cost),
        2,
    )
    assert r["cost_per_resolution_human"].value == pytest.approx(40 / 2)
    assert r["cost_per_resolution_blended"].value == pytest.approx((ai_cost + 40 + 6) / (2 + 1 + 2))
    # capacity: a1 (Billing: mean observed human minutes 30) + a2 (Login: none observed -> 10)
    assert r["capacity_hours_freed"].value == pytest.approx(40 / 60)
    assert r["capacity_fte"].value == pytest.approx((40 / 60) / (140 * 2))


def test_break_even_arithmetic(db):
    _case(db)
    months = business.monthly(db, S)
    # human cost per resolution 20; margin = 20 - 2 - 0.5 / 0.5 = 17 -> 1000 / 17 resolutions a month
    assert business.break_even(months, S, 0.5) == pytest.approx(1000 / 17)
    expensive = S.replace(ai_fee_per_resolution=25)
    assert business.break_even(months, expensive, 0.5) is None


@settings(max_examples=15, deadline=None)
@given(st.floats(0, 10_000), st.floats(0, 10_000))
def test_cost_is_linear_in_the_license_fee(a, b):
    from metrics.core import db as dbmod

    d = dbmod.connect(memory_limit="512MB", threads=1)
    try:
        _case(d)

        def cost(fee):
            s = S.replace(license_per_month=fee)
            return business.cost_results(business.monthly(d, s), s)["cost_per_resolution_ai"].numerator

        # two license months: the total moves by exactly 2 x the fee difference
        assert cost(a) - cost(b) == pytest.approx(2 * (a - b), abs=1e-6)
    finally:
        d.close()


def test_renewal_split_and_arr_at_risk(db):
    accounts = (
        "account_id,segment,arr,renewal_date,renewed,health_score\n"
        "G,SMB,100,2025-03-01,true,80\n"  # one resolved AI conversation in the lookback: good
        "P,SMB,200,2025-03-01,false,20\n"  # two unresolved (one escalated): poor
        "N,SMB,300,2025-03-01,true,50\n"  # no AI conversation: neither group
        "R,SMB,400,2025-05-15,,40\n"  # renews after data_end: unknown outcome, poor -> at risk
    )
    rows = [
        conv("g1", "2025-01-05T10:00:00Z", customer="g"),
        conv("p1", "2025-01-05T10:00:00Z", customer="p", escalated="true"),
        conv("p2", "2025-01-06T10:00:00Z", customer="p2", sentiment_end="-0.9"),
        conv("r1", "2025-02-01T10:00:00Z", customer="r", escalated="true"),
        conv("r2", "2025-02-02T10:00:00Z", customer="r2", escalated="true"),
        conv("end", "2025-04-01T00:00:00Z", customer="z", handled_by="human"),
    ]
    owners = {"g1": "G", "p1": "P", "p2": "P", "r1": "R", "r2": "R"}
    for r in rows:
        r["account_id"] = owners.get(r["conversation_id"], "")
    from metrics.compute import signals
    from metrics.load import ingest

    fields = [
        "conversation_id",
        "customer_id",
        "created_at",
        "ended_at",
        "handled_by",
        "escalated",
        "sentiment_end",
        "account_id",
    ]
    text = ",".join(fields) + "\n" + "\n".join(",".join(str(r.get(f, "")) for f in fields) for r in rows) + "\n"
    ingest.load(db, [("c.csv", text.encode()), ("acc.csv", accounts.encode())], Settings())
    signals.compute(db, Settings())
    rev = business.revenue(db, Settings())
    groups = {a["account_id"]: a["experience"] for a in rev.accounts}
    assert groups == {"G": "good", "P": "poor", "N": None, "R": "poor"}
    assert (rev.results["renewal_rate_good_ai"].numerator, rev.results["renewal_rate_good_ai"].denominator) == (1, 1)
    assert (rev.results["renewal_rate_poor_ai"].numerator, rev.results["renewal_rate_poor_ai"].denominator) == (0, 1)
    assert (rev.results["arr_at_risk"].value, rev.results["arr_at_risk"].denominator) == (400, 1)
