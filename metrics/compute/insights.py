"""What to fix next: a ranked list of improvement opportunities found in the computed metrics.

Each insight is a finding with its evidence, its size and a suggested action, and the
conversations behind it (a filter over the signals relation, for drill-down). Sizes are
conversations a month over the months the AI has been live in the data; where the
arithmetic applies they are also agent hours and agent cost, priced with the cost
settings and the category's human handle time (the same rule as capacity freed).

Ranking is by the monthly size shrunk toward zero for small samples: size x n / (n + 50),
n being the conversations the finding rests on. A finding measured on few conversations
therefore never ranks above a well-measured finding of similar size. Category findings are tested against
the other categories and kept only when significant after Benjamini-Hochberg.
"""

from __future__ import annotations

from metrics.compute import aggregate, monitoring
from metrics.compute.evidence import KINDS, SIZE_HELP, Insight, with_patterns
from metrics.compute.findings import (
    ALPHA,
    Context,
    category_minutes,
    csat_dips,
    drop_off_hot_spots,
    inappropriate_escalations,
    months_live,
    peak_quality,
    recent_alerts,
    sentiment_worsening,
    weak_categories,
)
from metrics.compute.gaps import knowledge_gaps, merge_gaps
from metrics.core.db import Database
from metrics.core.settings import Settings

__all__ = ["ALPHA", "KINDS", "SIZE_HELP", "Insight", "conversations", "find"]


def find(db: Database, s: Settings, alerts: list[monitoring.Alert] | None = None) -> list[Insight]:
    """All findings, best first (by conservative monthly impact). Reads the signals relation."""
    months = months_live(db)
    if months is None:
        return []
    ctx = Context(db, s, months, category_minutes(db))
    found = alerts if alerts is not None else monitoring.alerts(db, s)
    out = [
        *weak_categories(ctx),
        *inappropriate_escalations(ctx),
        *drop_off_hot_spots(ctx),
        *sentiment_worsening(ctx),
        *csat_dips(ctx),
        *peak_quality(ctx),
        *knowledge_gaps(ctx),
        *recent_alerts(ctx, found),
    ]
    out = with_patterns(db, merge_gaps(db, out))
    return sorted(out, key=lambda i: (-i.rank_size, -i.impact_per_month, i.kind, i.segment))


def conversations(db: Database, insight: Insight, limit: int | None = 5000):
    """The conversations behind an insight (a DataFrame)."""
    return aggregate.drill_where(db, insight.where, insight.params, limit)
