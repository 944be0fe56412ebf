"""Numbers as words a person reads, for sentences written anywhere (compute) and for the pages (present)."""

from __future__ import annotations

NO_DATA = "no data"


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


def p_value(p: float | None) -> str:
    """A p-value as a person reads it: never "0", small ones as "< 0.001"."""
    if p is None:
        return "not tested"
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def p_text(p: float | None, name: str = "p") -> str:
    """ "p < 0.001" / "p = 0.034" in a sentence (or q with name="q"); "no test possible" without one."""
    if p is None:
        return "no test possible"
    text = p_value(p)
    return f"{name} {text}" if text.startswith("<") else f"{name} = {text}"
