"""Efficiency metrics (SPEC section 4): speed, effort, escalation and quality under load."""

from __future__ import annotations

from dataclasses import dataclass

from metrics.compute import registry
from metrics.compute.aggregate import MetricResult
from metrics.compute.signals import TABLE as SIGNALS
from metrics.compute.stats import TestResult, two_proportions
from metrics.core import units
from metrics.core.db import Database, dicts, rows

# Quality under load: what happens to each metric at peak, in words ("... less often at peak").
PEAK_WORDS = {"true_resolution_rate": "truly resolved", "escalation_rate": "handed to a human"}


@dataclass(frozen=True)
class PeakComparison:
    metric: str
    peak: MetricResult
    offpeak: MetricResult
    test: TestResult | None  # rates only; None for times and scores
    sentence: str


def peak_vs_offpeak(overall: dict[str, MetricResult], metric: str) -> PeakComparison:
    """A metric at peak load against off-peak (the one place this comparison is made and worded)."""
    p, o = overall["peak_" + metric], overall["offpeak_" + metric]
    if registry.get(metric).kind != "rate":
        return PeakComparison(metric, p, o, None, "")
    t = two_proportions(p.numerator or 0, p.denominator or 0, o.numerator or 0, o.denominator or 0)
    sentence = ""
    if t.effect is not None:
        what = PEAK_WORDS.get(metric, registry.get(metric).label.lower())
        sentence = (
            f"At peak load AI conversations were {what} {abs(t.effect) * 100:.1f} points "
            f"{'more' if t.effect > 0 else 'less'} often than off-peak ({p.value:.1%} vs {o.value:.1%}; {units.p_text(t.p_value)}"
            f"{'' if t.p_value < 0.05 else ', not significant'})."
        )
    return PeakComparison(metric, p, o, t, sentence)


# The populations of the AI vs human time comparison (SPEC 8: resolution times over resolved ends).
TIME_POPULATIONS = {
    "ttfr_s": {"AI": "is_ai", "Human": "is_human"},
    "ttr_s": {
        "AI (not handed over)": "is_ai AND NOT escalated AND resolved_end",
        "AI handed over": "is_ai AND escalated AND resolved_end",
        "Human": "is_human AND resolved_end",
    },
}


def time_quantiles(db: Database, value: str) -> dict[str, dict[str, float | None]]:
    """p10/p25/p50/p75/p90 of a time column (ttfr_s or ttr_s) per population, for box plots, computed in SQL."""
    populations = TIME_POPULATIONS[value]
    col = value  # one of our own columns, never user text
    out = {}
    for name, pop in populations.items():
        r = rows(
            db.con,
            f"SELECT quantile_cont({col}, [0.1, 0.25, 0.5, 0.75, 0.9]), count({col}) FROM {SIGNALS} WHERE {pop}",
        )[0]
        qs = r[0] or [None] * 5
        out[name] = dict(zip(("p10", "p25", "p50", "p75", "p90"), qs)) | {"n": r[1]}
    return out


def load_deciles(db: Database) -> list[dict]:
    """Truly-resolved and escalation rates of AI conversations by load decile (concurrency at start)."""
    return dicts(
        db.con,
        f"""WITH d AS (SELECT *, ntile(10) OVER (ORDER BY concurrency) AS decile FROM {SIGNALS} WHERE is_ai)
            SELECT decile, min(concurrency) AS min_load, max(concurrency) AS max_load, count(*) AS conversations,
                   avg(CAST(truly_resolved AS INTEGER)) AS true_resolution_rate,
                   count(truly_resolved) AS matured,
                   avg(CAST(escalated AS INTEGER)) AS escalation_rate
            FROM d GROUP BY decile ORDER BY decile""",
    )


def escalations_by_category(db: Database) -> list[dict]:
    """The AI's improvement list: escalations per category, how many were not warranted."""
    return dicts(
        db.con,
        f"""SELECT category, count(*) FILTER (WHERE escalated) AS escalations,
                   count(*) AS ai_conversations,
                   count(*) FILTER (WHERE escalated) / count(*) AS escalation_rate,
                   count(*) FILTER (WHERE escalated AND NOT escalation_is_appropriate) AS inappropriate,
                   count(*) FILTER (WHERE escalated AND escalation_appropriate IS NOT NULL) AS qa_tagged
            FROM {SIGNALS} WHERE is_ai GROUP BY category
            ORDER BY inappropriate DESC, escalations DESC""",
    )
