"""Charts keep their meaning across datasets."""

from __future__ import annotations

from metrics.present import charts


def test_a_return_curve_is_blue_for_the_ai_and_red_for_humans_whatever_is_shown():
    pts = [{"hours": 24.0, "probability": 0.1, "ci_low": 0.05, "ci_high": 0.15, "at_risk": 10}]
    both = charts.return_curve({"AI conversations": pts, "Human conversations": pts}, "t")
    human_only = charts.return_curve({"Human conversations": pts}, "t")  # a helpdesk export
    colour = {tr.name: tr.line.color for tr in both.data if tr.name}
    assert colour == {"AI conversations": charts.BLUE, "Human conversations": charts.RED}
    assert [tr.line.color for tr in human_only.data if tr.name] == [charts.RED]
