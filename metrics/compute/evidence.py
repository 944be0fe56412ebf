"""What a finding is (kind, title, size, evidence, action, its conversations) and the evidence drawn from the
conversations behind it: their commonest outcomes, handover reasons and the AI answer where customers stop."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from metrics.compute.signals import TABLE as SIGNALS
from metrics.core.db import Database, rows

SHRINK_N = 50  # ranking: a finding on n conversations counts n / (n + 50) of its size

KINDS = {
    "weak_category": "True resolution below the rest",
    "inappropriate_escalation": "Escalations the AI should have handled",
    "drop_off": "Drop-off hot spot",
    "sentiment_worsening": "Sentiment worsens more often than it improves",
    "csat_dip": "CSAT dip in the latest weeks",
    "peak_quality": "Quality falls at peak load",
    "alert": "Recent alert",
    "knowledge_gap": "Knowledge gap",
}

SIZE_HELP = (
    "Conversations a month affected, over the months the AI is live in the data. The list is ranked by this "
    f"size times n / (n + {SHRINK_N}), n being the conversations the finding rests on, so a finding on few "
    "conversations never outranks a well-measured one of similar size."
)


@dataclass(frozen=True)
class Insight:
    kind: str
    segment: str  # "category=<value>" or "(all)"
    finding: str
    impact_per_month: float  # conversations a month (an alert: that day's excess)
    n: int  # the conversations the finding rests on
    hours_per_month: float | None
    money_per_month: float | None
    evidence: str
    action: str
    where: str = field(repr=False, default="false")  # SQL over the signals relation; user values bound
    params: dict = field(repr=False, default_factory=dict)
    title: str = ""  # the problem in a few words: "Billing dispute: the AI resolves 37% vs 64% elsewhere"
    phrases: tuple[str, ...] = ()  # knowledge gaps: what the agents say that the AI does not
    explain: bool = False  # the action is to start with what its conversations have in common (`with_patterns`)

    @property
    def rank_size(self) -> float:
        """The size shrunk toward zero for small samples: what the list is ranked by."""
        return self.impact_per_month * self.n / (self.n + SHRINK_N)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "segment": self.segment,
            "finding": self.finding,
            "impact_per_month": self.impact_per_month,
            "hours_per_month": self.hours_per_month,
            "money_per_month": self.money_per_month,
            "evidence": self.evidence,
            "action": self.action,
        }


OUTCOME_WORDS = {
    "escalated": "were handed to a human",
    "abandoned": "were marked abandoned",
    "follow_up_ticket": "were followed by a ticket",
    "returned": "came back on the same topic",
    "negative_end": "ended unhappy",
    "not_closed": "were never closed",
    "truly_resolved": "were truly resolved",
    "pending": "are still pending",
}


def patterns(db: Database, selections: list[tuple[str, dict]]) -> list[str]:
    """What the conversations behind each finding (its SQL condition and parameters) have in common: their
    commonest outcomes and handover reasons. One pass over the signals for all: each row is counted for every
    finding whose condition it meets (33 findings at 1M conversations: 0.29 s one query each, 0.20 s together)."""
    if not selections:
        return []
    cases, params = [], {}
    for i, (where, values) in enumerate(selections):  # each finding's parameters renamed apart (our own SQL)
        cases.append(f"CASE WHEN ({_PARAM.sub(lambda m, i=i: f'$p{i}_{m.group(1)}', where)}) THEN {i} END")
        params |= {f"p{i}_{k}": v for k, v in values.items()}
    found = rows(
        db.con,
        f"""WITH sel AS (
                SELECT outcome, CASE WHEN escalated THEN escalation_reason END AS reason,
                    list_filter([{", ".join(cases)}], lambda x: x IS NOT NULL) AS hits
                FROM {SIGNALS}),
            hit AS (SELECT unnest(hits) AS g, outcome, reason FROM sel WHERE len(hits) > 0),
            grp AS (SELECT g, GROUPING(outcome) AS by_reason, coalesce(outcome, reason) AS what, count(*) AS n
                    FROM hit GROUP BY GROUPING SETS ((g, outcome), (g, reason)))
            SELECT g, by_reason, what, n, sum(n) OVER (PARTITION BY g, by_reason) FROM grp WHERE what IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY g, by_reason ORDER BY n DESC, what) <= 3
            ORDER BY g, by_reason, n DESC, what""",
        params,
    )
    out = []
    for i in range(len(selections)):
        mine = [r for r in found if r[0] == i]
        outcomes = [r for r in mine if not r[1]][:2]
        reasons = [r for r in mine if r[1]]
        parts = []
        if outcomes:
            total = int(outcomes[0][4])
            said = [f"{n / total:.0%} {OUTCOME_WORDS.get(o, o)}" for _, _, o, n, _ in outcomes]
            parts.append(f"Of these {total:,} conversations, " + " and ".join(said))
        if reasons:
            parts.append(
                "the commonest handover reasons: " + ", ".join(f"'{r[:60]}' ({n:,})" for _, _, r, n, _ in reasons)
            )
        out.append(("; ".join(parts) + ". ") if parts else "")
    return out


_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")  # a named parameter in our own SQL text (not user data)


def with_patterns(db: Database, found: list[Insight]) -> list[Insight]:
    """Each insight marked `explain` with its conversations' pattern in front of its action (one query for all)."""
    marked = [n for n, i in enumerate(found) if i.explain]
    said = dict(zip(marked, patterns(db, [(found[n].where, found[n].params) for n in marked])))
    return [replace(i, action=said[n] + i.action, explain=False) if n in said else i for n, i in enumerate(found)]


def commonest_answers(db: Database, where: str) -> dict[tuple[str, int], tuple[str, int]]:
    """For the conversations `where` selects, by category and the AI answer k they stopped after (exit_turn):
    the k-th answer seen most often there and how often. One query for every hot spot (one each took 0.4 s of
    each insights run at 1M conversations). Only the selected conversations' AI answers are numbered: numbering
    every AI answer once per dataset took 0.30 s at 1M conversations and kept a table of them; numbering those of
    the 30k silent exits there takes 0.10 s, each time the insights are found."""
    found = rows(
        db.con,
        f"""WITH picked AS (
                SELECT conversation_id, category, exit_turn FROM {SIGNALS} WHERE ({where}) AND exit_turn IS NOT NULL),
            numbered AS (
                SELECT p.category, p.exit_turn, m.text,
                    row_number() OVER (PARTITION BY m.conversation_id ORDER BY m.seq) AS nth
                FROM messages m JOIN picked p USING (conversation_id) WHERE m.author_type = 'ai')
            SELECT category, nth, text, count(*) AS n FROM numbered
            WHERE nth = exit_turn AND text IS NOT NULL
            GROUP BY 1, 2, 3
            QUALIFY row_number() OVER (PARTITION BY category, nth ORDER BY n DESC, text) = 1""",
    )
    return {(cat, k): (text, n) for cat, k, text, n in found}


def answer_sentence(found: tuple[str, int] | None) -> str:
    """The commonest answer where customers stop, shortened, as a sentence ('' when there is none)."""
    if not found:
        return ""
    text, n = found
    short = text if len(text) <= 120 else text[:117] + "..."
    return f'The commonest answer there ({n:,} times): "{short}". '
