"""Unanswered questions (issue 20): what customers asked in AI conversations that then failed, grouped, most
asked first.

A question is a customer message with a question mark, or one that starts with a question word (how, what, can,
...). Only matured AI conversations that were not truly resolved count (escalated, came back, follow-up ticket,
negative end, silent exit, not closed). The questions are grouped like topics (metrics.compute.topics:
TF-IDF, k-means, named by their distinctive words); each group counts the failed conversations that asked it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from metrics.compute import topics
from metrics.compute.signals import SIGNAL_SETTINGS
from metrics.compute.signals import TABLE as SIGNALS
from metrics.core.db import Database, arrow, table_exists
from metrics.core.settings import Settings

MIN_QUESTIONS = 30  # fewer questions than this: too few to group
LIMIT = 200_000  # the newest questions read; more only repeat what these say
# RE2 (DuckDB's regex engine) runs in linear time; the pattern is a fixed word list.
_ASKS = r"^\s*(how|what|why|where|when|which|who|can|could|is|are|do|does|did|will|would|should|may)\b"


@dataclass(frozen=True)
class Question:
    question: str  # the group's name: its most distinctive words
    conversations: int  # failed AI conversations that asked it
    share: float  # of the failed AI conversations that asked any question
    terms: list[str]
    examples: list[str]
    example_ids: list[str]

    def to_json(self) -> dict:
        return asdict(self)


def unanswered(db: Database, s: Settings) -> list[Question]:
    """The groups of questions asked in failed AI conversations, most asked first; remembered per data and
    settings. Needs the signals relation for these settings."""
    if not table_exists(db.con, "messages") or not table_exists(db.con, SIGNALS):
        return []
    key = ("unanswered_questions", tuple(getattr(s, k) for k in SIGNAL_SETTINGS))
    if key not in db.memo:
        db.memo[key] = _unanswered(db)
    return db.memo[key]


def _unanswered(db: Database) -> list[Question]:
    asked = arrow(
        db.con,
        f"""SELECT m.conversation_id, m.text FROM messages m JOIN {SIGNALS} s USING (conversation_id)
            WHERE s.is_ai AND s.matured AND NOT s.truly_resolved AND m.author_type = 'customer'
              AND m.text IS NOT NULL AND (contains(m.text, '?') OR regexp_matches(lower(m.text), $asks))
            ORDER BY s.created_at DESC, m.conversation_id, m.seq LIMIT $limit""",
        {"asks": _ASKS, "limit": LIMIT},
    )
    if asked.num_rows < MIN_QUESTIONS:
        return []
    labels, found = topics.discover(asked.column(1).combine_chunks())
    if not found:
        return []
    # each question's conversation as a number (in order of first appearance), so a group's askers are counted
    # and its first three found with numpy, not by walking every question once per group
    ids = asked.column(0).combine_chunks().dictionary_encode()
    codes = ids.indices.to_numpy(zero_copy_only=False)
    names = ids.dictionary.to_pylist()
    askers = len(names)
    out = []
    for t in found:
        members = codes[labels == t.topic_id]
        distinct, first = np.unique(members, return_index=True)
        in_order = distinct[np.argsort(first, kind="stable")]
        out.append(
            Question(
                t.name, len(distinct), len(distinct) / askers, t.terms, t.examples, [names[i] for i in in_order[:3]]
            )
        )
    return sorted(out, key=lambda g: (-g.conversations, g.question))
