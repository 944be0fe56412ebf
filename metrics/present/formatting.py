"""How a value is shown, in one place: units, durations, currency, changes, p-values, test names.

The app and the Excel writer both take their words and formats from here, so a rate is a percent
and a time is minutes or hours wherever a leader reads it.
"""

from __future__ import annotations

import re

from metrics.compute import registry
from metrics.core.settings import Settings
from metrics.core.units import NO_DATA, duration, money
from metrics.core.units import p_value as p_value  # re-exported: the pages take every format from here

# Statistical tests in plain words (the method's name one click away, in the help text).
TEST_NAMES = {
    "two_proportion_z": "two-proportion z test",
    "fisher_exact": "Fisher's exact test",
    "mann_whitney_u": "Mann-Whitney U test",
    "welch_t": "Welch's t test",
    "cmh": "Cochran-Mantel-Haenszel test (same category mix)",
    "chi_square": "chi-square test",
    "none": "no test (too little data)",
}

# Excel number formats per unit (money: see money_format).
EXCEL_FORMATS = {
    "rate": "0.0%",
    "seconds": "[h]:mm:ss;-[h]:mm:ss",
    "score": "0.00",
    "count": "#,##0.0",
    "int": "#,##0",
    "currency": "#,##0.00",
    "hours": "#,##0.0",
    "fte": "0.00",
}


def value(unit: str, v: float | None, currency: str = "USD") -> str:
    """One number as text in its unit."""
    if v is None:
        return NO_DATA
    if unit == "currency":
        return money(v, currency)
    if unit == "rate":
        return f"{v:.1%}"
    if unit == "seconds":
        return duration(v)
    if unit == "score":
        return f"{v:.2f}"
    if unit == "hours":
        return f"{v:,.0f} h"
    if unit == "fte":
        return f"{v:.1f} FTE"
    if unit == "int":
        return f"{v:,.0f}"
    return f"{v:,.1f}"


def metric(spec_id: str, v: float | None, currency: str = "USD") -> str:
    return value(registry.get(spec_id).unit, v, currency)


def rate_with_interval(r) -> str:
    """ "14.7% (13.9-15.5%)": a rate and its 95% interval, for a table a leader reads; "no data" without one."""
    if r is None or r.value is None:
        return NO_DATA
    if r.ci_low is None or r.ci_high is None:
        return f"{r.value:.1%}"
    return f"{r.value:.1%} ({r.ci_low * 100:.1f}-{r.ci_high * 100:.1f}%)"


def change(spec_id: str, diff: float | None, currency: str = "USD") -> str | None:
    """A change of a metric: points for rates, a duration for times; exactly zero reads "no change"."""
    return value_change(registry.get(spec_id).unit, diff, currency)


def value_change(unit: str, diff: float | None, currency: str = "USD") -> str | None:
    """A change in a unit (see `change`)."""
    if diff is None:
        return None
    if diff == 0:
        return "no change"
    if unit == "rate":
        return f"{diff * 100:+.1f} pts"
    if unit == "seconds":
        return ("+" if diff > 0 else "-") + duration(abs(diff))
    if unit == "currency":
        return ("+" if diff > 0 else "-") + money(abs(diff), currency)
    return f"{diff:+,.2f}"


def test_name(test: str) -> str:
    return TEST_NAMES.get(test, test)


SEGMENTS = {
    "category": "Category",
    "channel": "Channel",
    "handled_by": "Handled by (AI or human)",
    "account_segment": "Account segment",
    "week": "Week started",
    "month": "Month",
    "load": "Load when it started",
    "status": "Status",
    "topic": "Topic",
}


def segment_label(column: str) -> str:
    """A segment column in words; an extra column of the user's file keeps its own header."""
    return SEGMENTS.get(column, column)


def field_label(name: str) -> str:
    """A field of the data model in words ("ended_at" -> "ended at")."""
    return name.replace("_", " ")


def words(text: str) -> str:
    """A sentence of ours with the data model's field names in words (user text never passes here)."""
    return _SNAKE.sub(lambda m: field_label(m.group(0)), text)


_SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # no nested repetition over a shared character: linear


def filters_text(s: Settings) -> str:
    """The global filters in force, in words ("" when none): said on every page and in the Excel summary."""
    parts = []
    if s.date_from or s.date_to:
        parts.append(f"started {s.date_from or 'at the start'} to {s.date_to or 'the end of the data'}")
    if s.channels:
        parts.append("channel " + ", ".join(s.channels))
    if s.filter_segment and s.filter_values:
        parts.append(f"{segment_label(s.filter_segment).lower()} " + ", ".join(s.filter_values))
    return "; ".join(parts)


def money_format(currency: str) -> str:
    """An Excel number format showing the settings' currency code (validated: three letters)."""
    return f'#,##0.00 "{currency}";-#,##0.00 "{currency}"'


def excel_format(spec_id: str, currency: str = "USD") -> str:
    unit = registry.get(spec_id).unit
    return money_format(currency) if unit == "currency" else EXCEL_FORMATS[unit]


def excel_value(spec_id: str, v: float | None) -> float | None:
    """Seconds become Excel durations (days); everything else is kept."""
    if v is None:
        return None
    return v / 86400 if registry.get(spec_id).unit == "seconds" else v
