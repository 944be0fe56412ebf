"""Next weeks' workload and bill (issue 22): the what-if arithmetic by hand, the volume model on a known series,
and the back-test on the bundled sample."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from metrics.compute import forecast
from metrics.core.settings import Settings

S = Settings(
    ai_fee_per_conversation=0.5, ai_fee_per_resolution=1.0, license_per_month=5200.0, human_minutes_per_conversation=6
)


def test_the_weekly_arithmetic_and_the_what_if_by_hand():
    """100 conversations, the AI takes 60% and truly resolves half of those: 60 AI conversations, 30 resolved,
    so 100 - 30 = 70 reach people, 70 x 6 min = 7 h; fees 60 x 0.50 + 30 x 1.00 = 60 (plus 5,200 x 12 / 52 =
    1,200 licence on the total). +10 points resolution: 36 resolved, 64 people, 6.4 h, fees 30 + 36 = 66.
    +20% volume: 120, 72 AI, 36 resolved, 84 people, 8.4 h, fees 36 + 36 = 72."""
    week = dt.date(2026, 1, 5)
    billing = forecast._week(S, week, "Billing", 100.0, 80.0, 120.0, 0.6, 0.5)
    total = forecast._week(S, week, forecast.ALL, 100.0, 80.0, 120.0, 0.6, 0.5)
    assert (billing.human_conversations, billing.agent_hours, billing.ai_fees) == pytest.approx((70, 7, 60))
    assert total.ai_fees == pytest.approx(1260)
    better = forecast.what_if([billing, total], S, "Billing", resolution_points=10)
    assert (better[0].human_conversations, better[0].agent_hours, better[0].ai_fees) == pytest.approx((64, 6.4, 66))
    assert better[1] == total  # another segment's what-if leaves the total as forecast
    busier = forecast.what_if([billing], S, "Billing", volume_pct=20)[0]
    assert (busier.volume, busier.volume_low, busier.volume_high) == pytest.approx((120, 96, 144))
    assert (busier.human_conversations, busier.agent_hours, busier.ai_fees) == pytest.approx((84, 8.4, 72))


def test_the_range_of_a_week_and_its_fte_by_hand():
    """The Billing week above with conversations 80-120: at 80, 48 AI, 24 resolved, 56 reach people, 5.6 h,
    fees 24 + 24 = 48; at 120: 84 people, 8.4 h, fees 72. 173.33 FTE hours a month = 40 a week: 7 h = 0.175 FTE."""
    w = forecast._week(S, dt.date(2026, 1, 5), "Billing", 100.0, 80.0, 120.0, 0.6, 0.5)
    low, high = forecast.band(w, S)
    assert (low.human_conversations, low.agent_hours, low.ai_fees) == pytest.approx((56, 5.6, 48))
    assert (high.human_conversations, high.agent_hours, high.ai_fees) == pytest.approx((84, 8.4, 72))
    s = S.replace(fte_hours_per_month=40 * 52 / 12)
    assert forecast.fte(7, s) == pytest.approx(0.175)


def test_a_steady_series_is_forecast_at_its_level_inside_its_interval():
    rng = np.random.default_rng(0)
    series = 500 + rng.normal(0, 20, 40)
    pred = forecast.volume(series, 6)
    assert len(pred) == 6
    assert (pred["mean"] - 500).abs().max() < 40
    assert (pred["pi_lower"] < pred["mean"]).all() and (pred["mean"] < pred["pi_upper"]).all()
    # about the noise (sd 20; estimated from 40 weeks, here about 16), not a hair-thin band
    assert (pred["pi_upper"] - pred["pi_lower"]).min() > 2 * 1.96 * 20 * 0.6


def test_a_rising_series_keeps_rising():
    series = np.arange(30) * 10.0 + 100
    pred = forecast.volume(series, 4)
    assert pred["mean"].iloc[0] > 380 and pred["mean"].is_monotonic_increasing


def test_forecast_by_category_and_by_topic(db):
    """120 days of 180 conversations a day in categories A, B and C (from test_changes): 16 complete weeks
    (the first, from a Wednesday, and the last, to a Wednesday, are partial and left out);
    each category about 420 a week, all about 1,260, and the same breakdown is refused for an unknown column
    or without topics."""
    from metrics.compute import signals
    from tests.unit.test_changes import _load, _planted

    _load(db, _planted)
    s = Settings(date_to="2025-04-30")  # the data's last day: leaves out the one conversation a month later
    signals.compute(db, s)
    weeks = forecast.forecast(db, s, 4)
    assert sorted({w.segment for w in weeks}) == ["A", "B", "C", "all"]
    assert len(weeks) == 16
    first = {w.segment: w for w in weeks if w.week == weeks[0].week}
    assert first["all"].volume == pytest.approx(1260, rel=0.05)
    assert first["A"].volume == pytest.approx(420, rel=0.05)
    assert forecast.forecast(db, s, 4, by="topic") == []  # no topics in this data
    assert forecast.forecast(db, s, 4, by="customer_id") == []


def test_no_licence_is_forecast_where_no_ai_answers():
    week = dt.date(2026, 1, 5)
    assert forecast._week(S, week, forecast.ALL, 100.0, 80.0, 120.0, 0.0, 0.0).ai_fees == 0.0
    assert forecast._week(S, week, forecast.ALL, 100.0, 80.0, 120.0, 0.6, 0.5).ai_fees == pytest.approx(1260)
