"""Daily monitoring with p-chart alerts (SPEC section 4, Monitoring)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from metrics.compute import registry
from metrics.compute.signals import TABLE as SIGNALS
from metrics.core.db import Database, dicts
from metrics.core.settings import Settings

# Daily series and the direction that hurts.
SERIES = {"escalation_rate": "up", "deflection_rate": "down", "containment_rate": "down"}


@dataclass(frozen=True)
class Alert:
    date: object
    series: str
    segment: str
    value: float
    baseline: float
    n: int
    z: float | None  # how unusual: (value - baseline) / standard error

    def to_json(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "series": self.series,
            "segment": self.segment,
            "value": self.value,
            "baseline": self.baseline,
            "n": self.n,
            "z": self.z,
        }


def daily(db: Database, s: Settings, metric_id: str, by_category: bool = False) -> list[dict]:
    """Per day (and category): successes k and trials n, plus the trailing baseline of the days before."""
    spec = registry.get(metric_id)
    pop, cond = spec.sql(spec.population, s), spec.sql(spec.condition, s)
    seg = "category" if by_category else "'(all)'"
    return dicts(
        db.con,
        f"""WITH d AS (
                SELECT {seg} AS segment, day, count(*) FILTER (WHERE {cond}) AS k, count(*) AS n
                FROM {SIGNALS} WHERE {pop} GROUP BY 1, 2)
            SELECT segment, day, k, n,
                sum(k) OVER w AS base_k, sum(n) OVER w AS base_n
            FROM d WINDOW w AS (PARTITION BY segment ORDER BY day
                RANGE BETWEEN INTERVAL ($days) DAY PRECEDING AND INTERVAL 1 DAY PRECEDING)
            ORDER BY segment, day""",
        {"days": s.alert_baseline_days},
    )


def alerts(db: Database, s: Settings, by_category: bool = True) -> list[Alert]:
    """p-chart alerts: |p_d - p| > sigma x sqrt(p (1 - p) / n_d), n_d >= alert_min_n, harmful direction only."""
    out = []
    for metric_id, harmful in SERIES.items():
        for cat in (False, True) if by_category else (False,):
            for r in daily(db, s, metric_id, cat):
                if not r["base_n"] or r["n"] < s.alert_min_n:
                    continue
                p = r["base_k"] / r["base_n"]
                pd_ = r["k"] / r["n"]
                se = math.sqrt(p * (1 - p) / r["n"])
                dev = pd_ - p
                if (harmful == "up" and dev <= 0) or (harmful == "down" and dev >= 0):
                    continue
                if abs(dev) > s.alert_sigma * se:
                    z = dev / se if se else None
                    seg = "(all)" if not cat else f"category={r['segment']}"
                    out.append(Alert(r["day"], metric_id, seg, pd_, p, r["n"], z))
    return sorted(out, key=lambda a: (a.date, a.series, a.segment), reverse=True)
