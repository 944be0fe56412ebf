"""Compare any metric between two segments or two periods, with the right test and a plain sentence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from metrics.compute import aggregate, registry
from metrics.compute.aggregate import MetricResult
from metrics.compute.signals import TABLE as SIGNALS
from metrics.compute.stats import TestResult, bh_qvalues, mann_whitney, two_proportions, welch
from metrics.core.db import Database, rows
from metrics.core.settings import Settings
from metrics.core.units import duration, p_text

ALPHA = 0.05  # a difference is called clear below this p (q for a family of comparisons)
SMALL = 30


@dataclass(frozen=True)
class Side:
    label: str
    where: str  # SQL written here, user values bound in params
    params: dict


def segment_side(column: str, value: str, label: str | None = None, tag: str = "a") -> Side:
    return Side(label or value, aggregate.segment_filter(column, value, tag), {tag: value})


def rest_side(column: str, value: str, tag: str = "b") -> Side:
    return Side("the rest", f"NOT ({aggregate.segment_filter(column, value, tag)})", {tag: value})


def period_side(start: dt.date, end: dt.date, tag: str = "a") -> Side:
    """Conversations created from start to end, both days included (UTC)."""
    return Side(f"{start} to {end}", f"day BETWEEN ${tag}_s AND ${tag}_e", {f"{tag}_s": start, f"{tag}_e": end})


@dataclass(frozen=True)
class Comparison:
    metric_id: str
    a: MetricResult
    b: MetricResult
    label_a: str
    label_b: str
    test: TestResult
    small_sample: bool
    sentence: str
    q_value: float | None = None

    @property
    def significant(self) -> bool:
        """A clear difference: p (or q, for a family of comparisons) under 0.05 and enough data on both sides."""
        p = self.q_value if self.q_value is not None else self.test.p_value
        return p is not None and p < ALPHA and not self.small_sample


def _values(db: Database, s: Settings, metric_id: str, side: Side) -> list[float]:
    spec = registry.get(metric_id)
    pop = spec.sql(spec.population, s)
    return [
        float(r[0])
        for r in rows(
            db.con,
            f"SELECT {spec.value} FROM {SIGNALS} WHERE ({pop}) AND ({side.where}) AND {spec.value} IS NOT NULL",
            side.params,
        )
    ]


def compare(db: Database, s: Settings, metric_id: str, a: Side, b: Side) -> Comparison:
    spec = registry.get(metric_id)
    ra = aggregate.compute(db, s, [metric_id], where=a.where, params=a.params)[aggregate.ALL][metric_id]
    rb = aggregate.compute(db, s, [metric_id], where=b.where, params=b.params)[aggregate.ALL][metric_id]
    if spec.kind == "rate":
        test = two_proportions(ra.numerator or 0, ra.denominator or 0, rb.numerator or 0, rb.denominator or 0)
    elif spec.kind == "mean":
        test = welch(_values(db, s, metric_id, a), _values(db, s, metric_id, b))
    else:
        test = mann_whitney(_values(db, s, metric_id, a), _values(db, s, metric_id, b))
    small = min(ra.denominator or 0, rb.denominator or 0) < SMALL
    return Comparison(
        metric_id, ra, rb, a.label, b.label, test, small, _sentence(spec, ra, rb, a.label, b.label, test, small)
    )


def _amount(spec, x: float) -> str:
    if spec.unit == "rate":
        return f"{x * 100:.1f} points"
    if spec.unit == "seconds":
        return duration(x)
    return f"{x:,.2f}"


def _sentence(spec, ra, rb, la, lb, t: TestResult, small: bool) -> str:
    """One plain sentence; the test's name and numbers follow in brackets."""
    if ra.value is None or rb.value is None or t.effect is None:
        return f"{spec.label}: not enough data on one side to compare {la} with {lb}."
    diff = ra.value - rb.value
    ci = "" if t.ci_low is None else f"95% CI {_signed(spec, t.ci_low)} to {_signed(spec, t.ci_high)}; "
    tested = p_text(t.p_value)
    if diff == 0:
        return f"{spec.label} is the same for {la} and {lb} ({tested})."
    direction = "higher" if diff > 0 else "lower"
    clear = t.p_value is not None and t.p_value < ALPHA and not small
    verdict = "clearly " if clear else ""
    body = f"{spec.label} for {la} is {verdict}{_amount(spec, abs(diff))} {direction} than for {lb}"
    body += " (unlikely to be chance" if clear else " (this could be chance"
    body += f"; {ci}{tested})."
    if small:
        body += f" Small sample: fewer than {SMALL} on one side, read with care."
    return body


def _signed(spec, x: float) -> str:
    return ("-" if x < 0 else "+" if x > 0 else "") + _amount(spec, abs(x)).removesuffix(" points")


def every_value_against_the_rest(db: Database, s: Settings, metric_id: str, column: str) -> list[Comparison]:
    """One comparison per segment value against all other values, with Benjamini-Hochberg q-values."""
    values = [k for k in aggregate.compute(db, s, [metric_id], segment=column) if k != aggregate.ALL]
    out = [compare(db, s, metric_id, segment_side(column, v), rest_side(column, v)) for v in sorted(values)]
    tested = [c for c in out if c.test.p_value is not None]
    qs = dict(zip((id(c) for c in tested), bh_qvalues([c.test.p_value for c in tested])))
    return [Comparison(**{**c.__dict__, "q_value": qs.get(id(c))}) for c in out]
