"""Resolution quality metrics (SPEC section 4): does the AI solve problems or only deflect them?"""

from __future__ import annotations

from dataclasses import dataclass

from metrics.compute import aggregate, signals
from metrics.compute.signals import TABLE as SIGNALS
from metrics.core.db import Database, rows
from metrics.core.settings import Settings

# The leak from deflected to truly resolved, in SPEC order; each step takes the first reason that applies.
LEAKS = (
    ("follow_up_ticket", "Followed by a ticket", "follow_up_ticket"),
    ("returned", "Came back on the same topic", "returned"),
    ("negative_end", "Ended in negative sentiment", "negative_end"),
    ("abandoned", "Marked abandoned", "coalesce(status, 'other') = 'abandoned'"),
    ("not_closed", "Not closed (open or unrecognised status)", "NOT resolved_end"),
)


@dataclass(frozen=True)
class LeakResult:
    """From AI conversations to truly resolved: each step removes conversations for one reason."""

    ai: int
    escalated: int
    pending: int
    deflected_matured: int
    leaks: tuple[tuple[str, str, int], ...]  # (key, label, count) in SPEC order
    truly_resolved: int


def leak_waterfall(db: Database, table: str = SIGNALS, where: str = "", params: dict | None = None) -> LeakResult:
    """The leak from deflection to true resolution (SPEC: deflected -> minus follow-up tickets -> minus
    returns -> minus negative end -> minus abandoned = truly resolved), pending shown, not hidden."""
    taken: list[str] = []
    cols = []
    for key, _, cond in LEAKS:
        prior = "".join(f" AND NOT ({c})" for c in taken)
        cols.append(f"count(*) FILTER (WHERE {DEFLECTED_MATURED}{prior} AND ({cond})) AS {key}")
        taken.append(cond)
    filt = f" AND ({where})" if where else ""
    r = rows(
        db.con,
        f"""SELECT count(*), count(*) FILTER (WHERE escalated), count(*) FILTER (WHERE NOT escalated AND NOT matured),
                   count(*) FILTER (WHERE {DEFLECTED_MATURED}), {", ".join(cols)},
                   count(*) FILTER (WHERE truly_resolved)
            FROM {table} WHERE is_ai{filt}""",
        params or {},
    )[0]
    leaks = tuple((key, label, int(n)) for (key, label, _), n in zip(LEAKS, r[4:-1]))
    return LeakResult(int(r[0]), int(r[1]), int(r[2]), int(r[3]), leaks, int(r[-1]))


DEFLECTED_MATURED = "NOT escalated AND matured"


BY_WINDOW = ("true_resolution_rate", "fcr_rate_ai", "fcr_rate_human")
# The signals those metrics read (their populations and conditions) and the category they are broken down by,
# then what those read that moves with the return window, so that one table serves every window (updated in
# place); a test checks the results equal those over the full signals relation.
WINDOW_COLUMNS = ("category", "is_ai", "is_human", "matured", "truly_resolved", "returned", "resolved_end")
WINDOW_INPUTS = ("ended_at", "next_same_topic_at", "reopened", "escalated", "follow_up_ticket", "negative_end")


def fcr_by_window(db: Database, s: Settings, windows: tuple[float, ...] = (24, 72)) -> list[dict]:
    """True resolution and the FCR of AI and human conversations by category at each return window, side by side.

    One narrow signals table, built for the first window and updated for the next (maturity follows
    max(window, ticket window)). Rows: {"category", "fcr_rate_ai@24": MetricResult, ...}, the whole data first
    as "All".
    """
    per: dict[float, dict] = {}
    table = "signals_windows"
    for hours in windows:
        signals.compute(db, s.replace(return_window_hours=hours), table=table, keep=WINDOW_COLUMNS + WINDOW_INPUTS)
        per[hours] = aggregate.compute(db, s, list(BY_WINDOW), segment="category", table=table)
    keys = sorted(per[windows[0]], key=lambda k: (k != aggregate.ALL, k))
    out = []
    for seg in keys:
        row = {"category": "All" if seg == aggregate.ALL else seg}
        for hours in windows:
            for mid in BY_WINDOW:
                row[f"{mid}@{hours:g}"] = per[hours].get(seg, {}).get(mid)
        out.append(row)
    return out
