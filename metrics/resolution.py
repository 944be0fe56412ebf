"""Resolution quality metrics (SPEC section 4): does the AI solve problems or only deflect them?"""

from __future__ import annotations

from dataclasses import dataclass

from metrics.db import Database, rows
from metrics.registry import MetricSpec, register
from metrics.settings import Settings
from metrics.signals import TABLE as SIGNALS

AI = "is_ai"
AI_MATURED = "is_ai AND matured"
FAMILY = "Resolution quality"


def _containment(s: Settings) -> str:
    gates = ["NOT escalated"]
    if s.containment_requires_no_low_csat:
        gates.append("NOT low_csat")
    if s.containment_requires_no_negative_end:
        gates.append("NOT negative_end")
    if s.containment_requires_not_abandoned:
        gates.append("coalesce(status, 'other') <> 'abandoned'")
    return " AND ".join(gates)


register(
    MetricSpec(
        "deflection_rate",
        "Deflected (no human involved)",
        "Share of AI conversations that were never handed to a human. What vendor dashboards call deflection.",
        "rate",
        AI,
        "NOT escalated",
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "true_resolution_rate",
        "Truly resolved by the AI",
        "Share of AI conversations whose windows have closed that were not escalated, not followed by a "
        "human ticket or a return on the same topic, did not end in negative sentiment, were not abandoned, "
        "and were closed as resolved (status resolved, or no status and a known end).",
        "rate",
        AI_MATURED,
        "truly_resolved",
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "deflection_resolution_gap",
        "Deflected but not resolved",
        "Deflection minus true resolution, over AI conversations whose windows have closed: the share that "
        "no human touched but that came back, turned into a ticket, ended badly or was abandoned.",
        "rate",
        AI_MATURED,
        "NOT escalated AND NOT truly_resolved",
        better="lower",
        family=FAMILY,
    ),
    MetricSpec(
        "containment_rate",
        "Contained with quality",
        "Share of AI conversations not escalated and, with the quality gates switched on, without a low CSAT, "
        "without a negative end and not marked abandoned.",
        "rate",
        AI,
        _containment,
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "fcr_rate",
        "Resolved on first contact (all)",
        "Share of conversations whose windows have closed that were closed as resolved (status resolved, or no "
        "status and a known end) and after which the customer did not come back on the same topic within the "
        "return window nor reopened the ticket. An open ticket is never a first-contact resolution.",
        "rate",
        "matured",
        "NOT returned AND resolved_end",
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "fcr_rate_ai",
        "Resolved on first contact (AI)",
        "First-contact resolution of AI conversations (escalated ones included): closed as resolved, no return "
        "on the same topic within the return window and not reopened.",
        "rate",
        AI_MATURED,
        "NOT returned AND resolved_end",
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "fcr_rate_human",
        "Resolved on first contact (human)",
        "First-contact resolution of human conversations: closed as resolved, no return on the same topic within "
        "the return window and not reopened.",
        "rate",
        "is_human AND matured",
        "NOT returned AND resolved_end",
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "return_rate",
        "Customers who came back (all)",
        "Share of conversations whose windows have closed after which the same customer opened another "
        "conversation on the same topic within the return window, or reopened the ticket.",
        "rate",
        "matured",
        "returned",
        better="lower",
        family=FAMILY,
    ),
    MetricSpec(
        "return_rate_ai",
        "Customers who came back (AI)",
        "Share of AI conversations followed by another conversation of the same customer on the same topic "
        "within the return window, or reopened.",
        "rate",
        AI_MATURED,
        "returned",
        better="lower",
        family=FAMILY,
    ),
    MetricSpec(
        "return_rate_human",
        "Customers who came back (human)",
        "Share of human conversations followed by another conversation of the same customer on the same topic "
        "within the return window, or reopened (Zendesk Reopens above 0).",
        "rate",
        "is_human AND matured",
        "returned",
        better="lower",
        family=FAMILY,
    ),
    MetricSpec(
        "follow_up_ticket_rate",
        "AI conversations followed by a ticket",
        "Share of AI conversations after which the same customer opened a human conversation (any topic) "
        "within the ticket window.",
        "rate",
        AI_MATURED,
        "follow_up_ticket",
        better="lower",
        family=FAMILY,
    ),
)

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


def fcr_by_window(db: Database, s: Settings, windows: tuple[float, ...] = (24, 72)) -> list[dict]:
    """FCR of AI and human conversations by category at each return window, side by side.

    Each window gets its own signals table (maturity follows max(window, ticket window)).
    Rows: {"category", "fcr_rate_ai@24": MetricResult, ...}, the whole data first as "All".
    """
    from metrics import aggregate, signals

    per: dict[float, dict] = {}
    for hours in windows:
        table = f"signals_w{int(hours)}"
        signals.compute(db, s.replace(return_window_hours=hours), table=table)
        per[hours] = aggregate.compute(db, s, ["fcr_rate_ai", "fcr_rate_human"], segment="category", table=table)
    keys = sorted(per[windows[0]], key=lambda k: (k != aggregate.ALL, k))
    out = []
    for seg in keys:
        row = {"category": "All" if seg == aggregate.ALL else seg}
        for hours in windows:
            for mid in ("fcr_rate_ai", "fcr_rate_human"):
                row[f"{mid}@{hours:g}"] = per[hours].get(seg, {}).get(mid)
        out.append(row)
    return out
