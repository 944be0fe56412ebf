"""Vendor says vs evidence says (issue 21): where an export carries the AI vendor's own verdict (Intercom's Fin
resolution state, Gorgias's ai_close tag, a `vendor_resolved` / `ai_resolved` column), its resolution rate next to
true resolution, by category, with the conversations where the two disagree.

Both are taken over the same conversations: matured AI conversations with a vendor verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics.compute.aggregate import ALL
from metrics.compute.signals import TABLE as SIGNALS
from metrics.compute.stats import wilson
from metrics.core.db import Database, columns, rows

WHERE = "is_ai AND matured AND vendor_resolved IS NOT NULL"


@dataclass(frozen=True)
class VendorRow:
    segment: str  # aggregate.ALL or a category
    conversations: int
    vendor_resolved: int
    truly_resolved: int
    vendor_only: int  # the vendor says resolved, the evidence says not
    evidence_only: int  # the evidence says truly resolved, the vendor says not

    @property
    def vendor_rate(self) -> float:
        return self.vendor_resolved / self.conversations

    @property
    def true_rate(self) -> float:
        return self.truly_resolved / self.conversations

    def to_json(self) -> dict:
        low, high = wilson(self.vendor_resolved, self.conversations)
        return {
            "segment": self.segment,
            "conversations": self.conversations,
            "vendor_resolution_rate": self.vendor_rate,
            "vendor_ci_low": low,
            "vendor_ci_high": high,
            "true_resolution_rate": self.true_rate,
            "vendor_says_resolved_evidence_not": self.vendor_only,
            "evidence_says_resolved_vendor_not": self.evidence_only,
        }


def available(db: Database) -> bool:
    return "vendor_resolved" in columns(db.con, SIGNALS) and bool(
        rows(db.con, f"SELECT count(*) FROM {SIGNALS} WHERE {WHERE}")[0][0]
    )


def compare(db: Database) -> list[VendorRow]:
    """All first, then each category (most conversations first); empty without a vendor verdict."""
    if not available(db):
        return []
    found = rows(
        db.con,
        f"""SELECT CASE WHEN grouping(category) = 1 THEN $all ELSE category END, count(*), count(*) FILTER (WHERE vendor_resolved),
                   count(*) FILTER (WHERE truly_resolved),
                   count(*) FILTER (WHERE vendor_resolved AND NOT truly_resolved),
                   count(*) FILTER (WHERE truly_resolved AND NOT vendor_resolved)
            FROM {SIGNALS} WHERE {WHERE}
            GROUP BY GROUPING SETS ((), (category)) ORDER BY grouping(category) DESC, 2 DESC, 1""",
        {"all": ALL},
    )
    return [VendorRow(*r) for r in found]


def to_json(db: Database) -> dict | None:
    """The JSON `vendor_vs_evidence` block: overall and by category; None without a vendor verdict."""
    found = compare(db)
    if not found:
        return None
    return {
        "overall": found[0].to_json() | {"segment": "all"},
        "by_category": [r.to_json() for r in found[1:]],
        "disagreeing_ids": [r[0] for r in disagreements(db, 10)],
    }


def disagreements(db: Database, limit: int = 20) -> list[tuple[str, str, bool, str]]:
    """(conversation_id, category, vendor says resolved, what the evidence shows) for the newest conversations
    where the two disagree."""
    if not available(db):
        return []
    return rows(
        db.con,
        f"""SELECT conversation_id, category, vendor_resolved, outcome FROM {SIGNALS}
            WHERE {WHERE} AND vendor_resolved <> truly_resolved ORDER BY created_at DESC, 1 LIMIT $n""",
        {"n": limit},
    )
