"""What a finding is (kind, title, size, evidence, action, its conversations) and the evidence drawn from the
conversations behind it: their commonest outcomes, handover reasons and the AI answer where customers stop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from metrics.compute.signals import TABLE as SIGNALS
from metrics.core.db import Database, q, rows

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


def pattern(db: Database, where: str, params: dict) -> str:
    """What the conversations behind a finding have in common: their commonest outcomes and handover reasons
    (one pass over the signals for both)."""
    found = rows(
        db.con,
        f"""WITH sel AS (
                SELECT outcome, CASE WHEN escalated THEN escalation_reason END AS reason FROM {SIGNALS} WHERE ({where})),
            g AS (SELECT GROUPING(outcome) AS by_reason, coalesce(outcome, reason) AS what, count(*) AS n
                  FROM sel GROUP BY GROUPING SETS ((outcome), (reason)))
            SELECT by_reason, what, n, sum(n) OVER (PARTITION BY by_reason) FROM g WHERE what IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY by_reason ORDER BY n DESC, what) <= 3
            ORDER BY by_reason, n DESC, what""",
        params,
    )
    outcomes = [r for r in found if not r[0]][:2]
    reasons = [r for r in found if r[0]]
    parts = []
    if outcomes:
        total = int(outcomes[0][3])
        said = [f"{n / total:.0%} {OUTCOME_WORDS.get(o, o)}" for _, o, n, _ in outcomes]
        parts.append(f"Of these {total:,} conversations, " + " and ".join(said))
    if reasons:
        parts.append("the commonest handover reasons: " + ", ".join(f"'{r[:60]}' ({n:,})" for _, r, n, _ in reasons))
    return ("; ".join(parts) + ". ") if parts else ""


ANSWERS = "ai_answers"  # each AI message's position among its conversation's AI answers (data only; a table of the
# database, not a TEMP table: a TEMP table lives in one cursor, and each script run has its own)


def _answers(db: Database) -> str:
    """The AI's answers numbered per conversation, built once per dataset (every hot spot reads it)."""
    if ANSWERS not in db.memo:
        q(
            db.con,
            f"""CREATE OR REPLACE TABLE {ANSWERS} AS
                SELECT conversation_id, text, row_number() OVER (PARTITION BY conversation_id ORDER BY seq) AS nth
                FROM messages WHERE author_type = 'ai'""",
        )
        db.memo[ANSWERS] = True
    return ANSWERS


def commonest_answers(db: Database, where: str) -> dict[tuple[str, int], tuple[str, int]]:
    """For the conversations `where` selects, by category and the AI answer k they stopped after (exit_turn):
    the k-th answer seen most often there and how often. One query for every hot spot (one each took 0.4 s of
    each insights run at 1M conversations)."""
    found = rows(
        db.con,
        f"""SELECT s.category, a.nth, a.text, count(*) AS n
            FROM {_answers(db)} a JOIN {SIGNALS} s ON a.conversation_id = s.conversation_id AND a.nth = s.exit_turn
            WHERE ({where}) AND a.text IS NOT NULL
            GROUP BY 1, 2, 3
            QUALIFY row_number() OVER (PARTITION BY s.category, a.nth ORDER BY n DESC, a.text) = 1""",
    )
    return {(cat, k): (text, n) for cat, k, text, n in found}


def answer_sentence(found: tuple[str, int] | None) -> str:
    """The commonest answer where customers stop, shortened, as a sentence ('' when there is none)."""
    if not found:
        return ""
    text, n = found
    short = text if len(text) <= 120 else text[:117] + "..."
    return f'The commonest answer there ({n:,} times): "{short}". '
