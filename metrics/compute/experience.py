"""Customer experience metrics (SPEC section 4): separate CSAT streams for AI, AI escalated and human."""

from __future__ import annotations

from dataclasses import dataclass

from metrics.compute.catalog.experience import DROP_POP
from metrics.compute.signals import TABLE as SIGNALS
from metrics.compute.stats import TestResult, cmh, worse_than_the_rest
from metrics.core import units
from metrics.core.db import Database, df, dicts, rows

# ---------------------------------------------------------------- AI vs human CSAT on the same issue mix


@dataclass(frozen=True)
class MixComparison:
    rows: list[dict]  # per category: ai_n, ai_satisfied, ai_rate, human_n, human_satisfied, human_rate, diff
    raw_diff: float | None  # AI satisfied rate - human satisfied rate, all categories
    adjusted_diff: float | None  # the same with AI rates standardised to the human category mix
    test: TestResult
    reversed: bool
    sentence: str


def csat_mix_comparison(db: Database) -> MixComparison:
    """AI (not escalated) vs human satisfied rate, per category, mix-adjusted, with a CMH test."""
    data = dicts(
        db.con,
        f"""SELECT category,
                count(*) FILTER (WHERE csat_stream = 'ai') AS ai_n,
                count(*) FILTER (WHERE csat_stream = 'ai' AND satisfied) AS ai_satisfied,
                count(*) FILTER (WHERE csat_stream = 'human') AS human_n,
                count(*) FILTER (WHERE csat_stream = 'human' AND satisfied) AS human_satisfied
            FROM {SIGNALS} WHERE csat IS NOT NULL GROUP BY category ORDER BY category""",
    )
    for r in data:
        r["ai_rate"] = r["ai_satisfied"] / r["ai_n"] if r["ai_n"] else None
        r["human_rate"] = r["human_satisfied"] / r["human_n"] if r["human_n"] else None
        r["diff"] = None if None in (r["ai_rate"], r["human_rate"]) else r["ai_rate"] - r["human_rate"]
    ai_n = sum(r["ai_n"] for r in data)
    hu_n = sum(r["human_n"] for r in data)
    raw = None
    if ai_n and hu_n:
        raw = sum(r["ai_satisfied"] for r in data) / ai_n - sum(r["human_satisfied"] for r in data) / hu_n
    both = [r for r in data if r["diff"] is not None]
    weight = sum(r["human_n"] for r in both)
    adjusted = sum(r["human_n"] / weight * r["diff"] for r in both) if weight else None
    test = cmh(
        [
            (
                r["ai_satisfied"],
                r["ai_n"] - r["ai_satisfied"],
                r["human_satisfied"],
                r["human_n"] - r["human_satisfied"],
            )
            for r in both
        ]
    )
    flipped = raw is not None and adjusted is not None and raw * adjusted < 0 and abs(raw) >= 0.005
    return MixComparison(data, raw, adjusted, test, flipped, _mix_sentence(raw, adjusted, test, flipped))


def _mix_sentence(raw, adjusted, test: TestResult, flipped: bool) -> str:
    if adjusted is None:
        return "AI and human conversations share no category with survey responses on both sides, so they cannot be compared on the same issue mix."
    more = "more" if adjusted > 0 else "less"
    p = "" if test.p_value is None else f"; {units.p_text(test.p_value)} (Cochran-Mantel-Haenszel)"
    s = f"On the same kinds of issues, AI-handled customers were {abs(adjusted) * 100:.1f} points {more} often satisfied than human-handled ones{p}."
    if flipped:
        s += (
            f" Careful: the raw gap points the other way ({raw * 100:+.1f} points), because the AI handles a different"
            " mix of issues; the mix-adjusted comparison is the fair one."
        )
    return s


# ---------------------------------------------------------------- sentiment


CLASS_NAMES = {-1: "negative", 0: "neutral", 1: "positive"}


def transitions(db: Database, handler: str = "ai") -> list[list[int]]:
    """3x3 counts: rows = start class (negative, neutral, positive), columns = end class (handler ai/human/all)."""
    population = {"ai": "is_ai", "human": "is_human", "all": "true"}[handler]
    grid = [[0, 0, 0] for _ in range(3)]
    for a, b, n in rows(
        db.con,
        f"""SELECT start_class, end_class, count(*) FROM {SIGNALS}
            WHERE {population} AND start_class IS NOT NULL AND end_class IS NOT NULL GROUP BY 1, 2""",
    ):
        grid[a + 1][b + 1] = n
    return grid


# ---------------------------------------------------------------- drop-off


def hazard(db: Database, by_category: bool = False) -> list[dict]:
    """Silent exits after the AI's k-th answer / conversations that reached k AI answers.

    Over matured AI conversations with messages (the population of silent_exit_rate). Summed
    over k, exits equal the silent exits of that population.
    """
    seg = "category" if by_category else "'(all)'"
    return dicts(
        db.con,
        f"""WITH pop AS (SELECT {seg} AS category, exit_turn, silent_exit FROM {SIGNALS} WHERE {DROP_POP}),
            turns AS (SELECT DISTINCT category, exit_turn AS k FROM pop WHERE exit_turn > 0)
            SELECT t.category, t.k,
                   count(*) FILTER (WHERE p.exit_turn >= t.k) AS reached,
                   count(*) FILTER (WHERE p.exit_turn = t.k AND p.silent_exit) AS exits
            FROM turns t JOIN pop p ON p.category = t.category
            GROUP BY 1, 2 ORDER BY 1, 2""",
    )


@dataclass(frozen=True)
class HotSpot:
    category: str
    k: int
    exits: int
    reached: int
    rate: float
    rest_rate: float
    ratio: float | None
    p_value: float
    q_value: float

    @property
    def sentence(self) -> str:
        times = f"{self.ratio:.1f}x" if self.ratio else "far"
        return (
            f"Customers asking about {self.category} leave after the AI's {ordinal(self.k)} answer {times} more "
            f"often than customers of other categories at that answer ({self.rate:.0%} vs {self.rest_rate:.0%}, "
            f"{units.p_text(self.q_value, 'q')})."
        )


def ordinal(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def hot_spots(db: Database, min_reached: int = 20, alpha: float = 0.05) -> list[HotSpot]:
    """(category, k) cells whose exit rate is significantly above other categories at the same turn (BH)."""
    cells = hazard(db, by_category=True)
    totals: dict[int, list[int]] = {}
    for c in cells:
        t = totals.setdefault(c["k"], [0, 0])
        t[0] += c["exits"]
        t[1] += c["reached"]
    against = [
        (i, c["exits"], c["reached"], totals[c["k"]][0] - c["exits"], totals[c["k"]][1] - c["reached"])
        for i, c in enumerate(cells)
    ]
    out = []
    for i, p, qv in worse_than_the_rest(against, "higher", min_reached, alpha):
        c, (_, exits, reached, rest_exits, rest_n) = cells[i], against[i]
        rate, rest_rate = exits / reached, rest_exits / rest_n
        ratio = rate / rest_rate if rest_rate else None
        out.append(HotSpot(c["category"], c["k"], exits, reached, rate, rest_rate, ratio, p, qv))
    return sorted(out, key=lambda h: (h.q_value, -(h.ratio or 0)))


def transcript(db: Database, conversation_id: str):
    """The messages of one conversation, in order, numbered 1, 2, 3 (a DataFrame; text is shown as plain text)."""
    return df(
        db.con,
        """SELECT row_number() OVER (ORDER BY seq) AS seq, sent_at, author_type, text, sentiment FROM messages
           WHERE conversation_id = $c ORDER BY seq""",
        {"c": conversation_id},
    )
