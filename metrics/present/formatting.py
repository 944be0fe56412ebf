"""How a value is shown, in one place: units, durations, currency, changes, p-values, test names.

The app and the Excel writer both take their words and formats from here, so a rate is a percent
and a time is minutes or hours wherever a leader reads it.
"""

from __future__ import annotations

from metrics.compute import registry

NO_DATA = "no data"

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


def duration(seconds: float | None) -> str:
    """Seconds in the unit a person would use: s under 90 s, min under 90 min, h under 2 days, then days."""
    if seconds is None:
        return NO_DATA
    a = abs(seconds)
    sign = "-" if seconds < 0 else ""
    if a < 90:
        return f"{sign}{a:.0f} s"
    if a < 5400:
        return f"{sign}{a / 60:.1f} min"
    if a < 172800:
        return f"{sign}{a / 3600:.1f} h"
    return f"{sign}{a / 86400:.1f} days"


def money(value: float | None, currency: str, decimals: int = 2) -> str:
    """A money figure with its currency code (SPEC 8: every money figure says its currency)."""
    return NO_DATA if value is None else f"{value:,.{decimals}f} {currency}"


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


def change(spec_id: str, diff: float | None, currency: str = "USD") -> str | None:
    """A change of a metric: points for rates, a duration for times; exactly zero reads "no change"."""
    if diff is None:
        return None
    if diff == 0:
        return "no change"
    unit = registry.get(spec_id).unit
    if unit == "rate":
        return f"{diff * 100:+.1f} pts"
    if unit == "seconds":
        return ("+" if diff > 0 else "-") + duration(abs(diff))
    if unit == "currency":
        return ("+" if diff > 0 else "-") + money(abs(diff), currency)
    return f"{diff:+,.2f}"


def p_value(p: float | None) -> str:
    """A p-value as a person reads it: never "0", small ones as "< 0.001"."""
    if p is None:
        return "not tested"
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def test_name(test: str) -> str:
    return TEST_NAMES.get(test, test)


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
