"""Efficiency metrics (SPEC section 4): speed, effort, escalation and quality under load."""

from __future__ import annotations

from metrics.compute.signals import TABLE as SIGNALS
from metrics.core.db import Database, dicts, rows


def time_quantiles(db: Database, value: str, populations: dict[str, str]) -> dict[str, dict[str, float | None]]:
    """p10/p25/p50/p75/p90 of a time column per population (for box plots), computed in SQL."""
    col = {"ttfr_s": "ttfr_s", "ttr_s": "ttr_s"}[value]  # one of our own columns, never user text
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
