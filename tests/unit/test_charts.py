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


def test_a_long_title_is_wrapped_to_fit_a_phone_and_a_short_one_is_left_alone():
    pts = [{"hours": 24.0, "probability": 0.1, "ci_low": 0.05, "ci_high": 0.15, "at_risk": 10}]
    title = "Share of customers who came back on the same issue, by days since the conversation ended"
    fig = charts.wrap_title(charts.return_curve({"AI conversations": pts}, title))
    lines = fig.layout.title.text.split("<br>")
    # 88 characters at spaces into lines of at most 42: "Share of customers who came back on the" (39; with
    # " same" it would be 44), "same issue, by days since the conversation" (exactly 42), "ended"
    assert lines == ["Share of customers who came back on the", "same issue, by days since the conversation", "ended"]
    assert " ".join(lines) == title
    assert fig.layout.margin.t == charts.LAYOUT["margin"]["t"] + 2 * charts.TITLE_LINE  # room for the two extra lines
    short = charts.wrap_title(charts.return_curve({"AI conversations": pts}, "Came back"))
    assert short.layout.title.text == "Came back" and short.layout.margin.t == charts.LAYOUT["margin"]["t"]
