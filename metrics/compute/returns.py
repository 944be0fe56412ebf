"""Durable resolution over time (issue 21): the return curve, a Kaplan-Meier estimate.

For every conversation (pending ones included) the clock starts when it ends. The event is the same customer's
next conversation on the same issue (the `same_issue` setting: category, topic or both), at the time it starts;
a conversation without one is censored at the end of the data. The curve is the probability of having come back
within t hours, 1 - S(t), with Greenwood's variance and a log-log 95% interval (as in statsmodels and lifelines).
A reopened ticket carries no time of reopening, so only new conversations count as returns here; the curve
therefore reads "came back with a new conversation".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metrics.compute.aggregate import MetricResult
from metrics.compute.signals import POPULATION_SETTINGS
from metrics.compute.signals import TABLE as SIGNALS
from metrics.core.db import Database, arrow, columns, ident, rows
from metrics.core.settings import Settings

Z = 1.959963984540054
MAX_HOURS = 14 * 24
GRID = sorted({1, 2, 4, 8, 12, 18, *range(0, MAX_HOURS + 1, 6)})
AT = {"24h": 24, "72h": 72, "7d": 168}
MIN_N = 20  # fewer conversations in a segment than this: no curve for it
HANDLERS = {"ai": "is_ai", "human": "is_human"}


@dataclass(frozen=True)
class Curve:
    """A Kaplan-Meier estimate: the event times and the survival just after each."""

    times: np.ndarray  # hours, distinct event times, ascending
    survival: np.ndarray
    greenwood: np.ndarray  # cumulative sum of d / (n (n - d))
    durations: np.ndarray  # every duration, sorted (for the number at risk)
    returns: np.ndarray  # the durations that ended in a return, sorted

    @property
    def n(self) -> int:
        return len(self.durations)

    def at(self, hours: float) -> tuple[float, float, float, int]:
        """(probability of a return within `hours`, 95% low, high, conversations still followed at `hours`)."""
        j = int(np.searchsorted(self.times, hours, side="right")) - 1
        at_risk = self.n - int(np.searchsorted(self.durations, hours, side="left"))
        if j < 0:
            return 0.0, 0.0, 0.0, at_risk
        s, v = float(self.survival[j]), float(self.greenwood[j])
        if s <= 0.0 or s >= 1.0 or not np.isfinite(v):
            return 1.0 - s, 1.0 - s, 1.0 - s, at_risk
        half = Z * np.sqrt(v) / abs(np.log(s))  # log(-log S) scale
        low_s, high_s = s ** np.exp(half), s ** np.exp(-half)
        return 1.0 - s, 1.0 - high_s, 1.0 - low_s, at_risk


def kaplan_meier(durations: np.ndarray, events: np.ndarray, presorted: bool = False) -> Curve:
    """The estimate for these durations (hours) and event flags (True = came back, False = censored);
    `presorted`: the durations are in ascending order already."""
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    if not presorted:
        order = np.argsort(t, kind="stable")
        t, e = t[order], e[order]
    if not len(t):
        return Curve(np.zeros(0), np.zeros(0), np.zeros(0), t, t)
    uniq, first = np.unique(t, return_index=True)
    deaths = np.add.reduceat(e.astype(float), first)
    at_risk = len(t) - first  # durations >= this time (ties: events before censoring, by convention)
    keep = deaths > 0
    uniq, deaths, at_risk = uniq[keep], deaths[keep], at_risk[keep]
    survival = np.cumprod(1.0 - deaths / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(deaths / (at_risk * (at_risk - deaths)))
    return Curve(uniq, survival, greenwood, t, t[e])


_DATA = """
SELECT is_ai, greatest(epoch(coalesce(least(next_same_topic_at, data_end), data_end) - ended_at), 0) / 3600 AS hours,
    coalesce(next_same_topic_at <= data_end, false) AS came_back{segments}
FROM {signals} WHERE (is_ai OR is_human) AND ended_at IS NOT NULL AND ended_at <= data_end
ORDER BY hours
"""


def _curves(db: Database, segments: list[str]) -> dict[tuple[str, str], Curve]:
    """(handler, "all") and (handler, "segment=value") -> Curve, from one read of the signals: values of a
    segment are grouped by their number in the segment's list of names (a pandas groupby per segment read the
    million rows three times and took about 2 s at 1M conversations)."""
    # Each segment's values read once as a list of names, the rows carrying the value's number in it: a million
    # strings through Arrow took 0.3 s at 1M conversations, numbers a fraction of that.
    value = {i: f"coalesce(CAST({ident(seg)} AS VARCHAR), '(none)')" for i, seg in enumerate(segments)}
    names = {
        i: [r[0] for r in rows(db.con, f"SELECT DISTINCT {v} FROM {SIGNALS} ORDER BY 1")] for i, v in value.items()
    }
    small = all(len(n) < 2**15 for n in names.values())  # numpy's stable sort is a radix sort on 16-bit numbers
    kind = "SMALLINT" if small else "INTEGER"
    cols = "".join(f", CAST(array_position($n{i}, {v}) - 1 AS {kind}) AS s{i}" for i, v in value.items())
    data = arrow(db.con, _DATA.format(segments=cols, signals=SIGNALS), {f"n{i}": n for i, n in names.items()})
    # Sorted by duration once, by DuckDB: every subset taken in row order below is then sorted too (a stable sort
    # per curve took 0.3 s of 74 curves at 1M conversations). The order of equal durations does not matter: a
    # curve sums the returns at each duration.
    hours = data.column("hours").to_numpy().astype(float)
    back = data.column("came_back").to_numpy().astype(bool)
    is_ai = data.column("is_ai").to_numpy().astype(bool)
    out: dict[tuple[str, str], Curve] = {}
    by_handler = {h: np.flatnonzero(is_ai if h == "ai" else ~is_ai) for h in ("ai", "human")}
    for h, rows_ in by_handler.items():
        if len(rows_):
            out[(h, "all")] = kaplan_meier(hours[rows_], back[rows_], presorted=True)
    for i, seg in enumerate(segments):
        codes = data.column(f"s{i}").to_numpy()
        found: dict[tuple[str, str], Curve] = {}
        for h, rows_ in by_handler.items():
            order = rows_[np.argsort(codes[rows_], kind="stable")]
            bounds = np.flatnonzero(np.diff(codes[order])) + 1
            for part in np.split(order, bounds):
                if len(part) >= MIN_N:
                    found[(h, f"{seg}={names[i][codes[part[0]]]}")] = kaplan_meier(
                        hours[part], back[part], presorted=True
                    )
        out |= {k: found[k] for k in sorted(found, key=lambda k: (k[0], k[1].split("=", 1)[1]))}
    return out


def curves(db: Database, s: Settings, segments: tuple[str, ...] = ("category", "topic")) -> dict:
    """(handler, segment label) -> Curve: overall ("all") and per value of each segment column present;
    remembered per data and the signal settings a curve depends on (a window change keeps it)."""
    key = ("return_curves", segments, tuple(getattr(s, k) for k in POPULATION_SETTINGS))
    if key not in db.memo:
        have = columns(db.con, SIGNALS)
        db.memo[key] = _curves(db, [seg for seg in segments if seg in have])
    return db.memo[key]


def _at(curve: Curve | None, mid: str, hours: float) -> MetricResult:
    if curve is None or not curve.n:
        return MetricResult(mid, None, None, None, None, None)
    p, low, high, _ = curve.at(hours)
    back = int(np.searchsorted(curve.returns, hours, side="right"))  # returns seen within the hours
    return MetricResult(mid, p, back, curve.n, low, high)


def results(db: Database, s: Settings, segment: str = "all") -> dict[str, MetricResult]:
    """return_probability_{24h,72h,7d}_{ai,human}: the curve's value there with its 95% interval, overall or
    for one segment ("category=Billing"; null below MIN_N conversations)."""
    found = curves(db, s)
    return {
        f"return_probability_{label}_{h}": _at(found.get((h, segment)), f"return_probability_{label}_{h}", hours)
        for h in HANDLERS
        for label, hours in AT.items()
    }


def curve_rows(db: Database, s: Settings, grid: list[int] = GRID) -> list[dict]:
    """The JSON `return_curve`: one entry per handler, segment and hour of the grid."""
    out = []
    for (handler, segment), curve in curves(db, s).items():
        for hours in grid:
            p, low, high, at_risk = curve.at(hours)
            out.append(
                {
                    "handler": handler,
                    "segment": segment,
                    "hours": hours,
                    "probability": p,
                    "ci_low": low,
                    "ci_high": high,
                    "at_risk": at_risk,
                }
            )
    return out
