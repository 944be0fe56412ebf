"""What a support leader must know before trusting the numbers (SPEC section 8): who is counted, which ends
are unknown, which inputs are only examples. Plain sentences for the app, the Excel summary and the JSON."""

from __future__ import annotations

from dataclasses import dataclass

from metrics.core.db import Database, columns, ident, rows
from metrics.core.schema import NONE_KEY, TABLES
from metrics.core.settings import Settings

HEAVY_SHARE = 0.01  # a customer with at least 1% of all conversations ...
HEAVY_MIN = 100  # ... and at least this many is likely an internal, shared or system requester
# The figures computed from the cost inputs: they carry the example-price warning.
PRICED_IDS = (
    "cost_per_resolution_ai",
    "cost_per_resolution_human",
    "cost_per_resolution_blended",
    "capacity_hours_freed",
    "capacity_fte",
)


@dataclass(frozen=True)
class HeavyCustomer:
    customer_id: str
    conversations: int
    share: float


@dataclass(frozen=True)
class Population:
    """Who the metrics count: every loaded conversation minus outbound ones and excluded customers."""

    loaded: int
    outbound: int
    excluded: int  # conversations of excluded customers (inbound ones)
    excluded_customers: int  # how many of the excluded ids are in the data
    unknown_end: int
    uncategorised: int
    counted: int


def population(db: Database, s: Settings) -> Population:
    """Who is counted; remembered per dataset and excluded customers (the only setting it reads), so a window
    or cost change does not count the conversations again."""
    key = ("population", s.excluded_customers)
    if key not in db.memo:
        db.memo[key] = _population(db, s)
    return db.memo[key]


def _population(db: Database, s: Settings) -> Population:
    ex = list(s.excluded_customers) or [""]
    n, outbound, excluded, ex_ids, unknown, uncat = rows(
        db.con,
        """SELECT count(*), count(*) FILTER (WHERE direction = 'outbound'),
                  count(*) FILTER (WHERE direction IS DISTINCT FROM 'outbound' AND list_contains($ex, customer_id)),
                  count(DISTINCT customer_id) FILTER (WHERE list_contains($ex, customer_id)),
                  count(*) FILTER (WHERE direction IS DISTINCT FROM 'outbound' AND NOT list_contains($ex, customer_id)
                                   AND NOT end_known),
                  count(*) FILTER (WHERE direction IS DISTINCT FROM 'outbound' AND NOT list_contains($ex, customer_id)
                                   AND issue_category IS NULL)
           FROM conversations""",
        {"ex": ex},
    )[0]
    return Population(n, outbound, excluded, ex_ids, unknown, uncat, n - outbound - excluded)


def heavy_customers(db: Database, s: Settings) -> list[HeavyCustomer]:
    """Customers with at least 1% of all (inbound) conversations and at least 100 of them, not yet excluded
    (the counts are remembered per dataset)."""
    if "heavy_customers" not in db.memo:
        db.memo["heavy_customers"] = _heavy(db)
    excluded = set(s.excluded_customers)
    return [h for h in db.memo["heavy_customers"] if h.customer_id not in excluded]


def _heavy(db: Database) -> list[HeavyCustomer]:
    found = rows(
        db.con,
        """WITH inbound AS (SELECT customer_id FROM conversations WHERE direction IS DISTINCT FROM 'outbound'),
                total AS (SELECT count(*) AS n FROM inbound)
           SELECT customer_id, count(*) AS k, count(*) / any_value(total.n) AS share
           FROM inbound, total GROUP BY customer_id
           HAVING count(*) >= $min AND count(*) >= $share * any_value(total.n)
           ORDER BY k DESC, customer_id""",
        {"min": HEAVY_MIN, "share": HEAVY_SHARE},
    )
    return [HeavyCustomer(str(c), int(k), float(sh)) for c, k, sh in found]


def money_note(s: Settings) -> str | None:
    """The example-price warning every cost and capacity figure carries while an input is still an example."""
    if not s.example_prices:
        return None
    names = ", ".join(p.replace("_", " ") for p in s.example_prices)
    return f"cost uses example prices: enter yours ({names} still at the example values)"


def data_warnings(db: Database, s: Settings, heavy: list[HeavyCustomer] | None = None) -> list[str]:
    """Sentences about who is counted and what the data lacks; each says what to do.

    `heavy`: the heavy customers when the caller has them already."""
    out: list[str] = []
    p = population(db, s)
    if p.outbound:
        out.append(
            f"{p.outbound:,} outbound conversation{'s' if p.outbound != 1 else ''} (started by your team, e.g. "
            f"Via OutBound) {'are' if p.outbound != 1 else 'is'} loaded but left out of every metric and never "
            "counts as a customer's return."
        )
    if p.excluded:
        out.append(
            f"{p.excluded:,} conversations of {p.excluded_customers:,} excluded customer"
            f"{'s' if p.excluded_customers != 1 else ''} (setting excluded_customers) are left out of every metric."
        )
    for h in heavy_customers(db, s) if heavy is None else heavy:
        out.append(
            f"Customer {h.customer_id} has {h.conversations:,} conversations ({h.share:.1%} of all): likely an "
            "internal, shared or system requester whose tickets count as returns of each other; exclude it "
            "(setting excluded_customers) if it is not a real customer."
        )
    counted = p.counted
    if counted and p.unknown_end:
        out.append(
            f"{p.unknown_end:,} of {counted:,} conversations have no known end (no solved or closed time, no "
            "resolution duration and no messages): their resolution time is unknown, and they count as open "
            "unless their status says resolved."
        )
    if counted and p.uncategorised * 2 > counted:
        out.append(
            f"{p.uncategorised:,} of {counted:,} conversations ({p.uncategorised / counted:.0%}) have no "
            "issue_category: a return on an uncategorised conversation matches any other uncategorised "
            "conversation of the same customer. Map a category column (topic, ticket type, custom field)."
        )
    csat, offers = rows(db.con, "SELECT count(csat), count(csat_offered) FROM conversations")[0]
    if csat and not offers:
        out.append(
            "The export does not say which conversations were offered a survey: survey response rates are "
            "responses / all conversations, not responses / surveys offered."
        )
    return out


def has_ai(db: Database) -> bool:
    """Whether any conversation was handled by the AI (without one, the app shows the human baseline)."""
    return bool(rows(db.con, "SELECT count(*) FROM conversations WHERE handled_by = 'ai'")[0][0])


def categories(db: Database, limit: int = 500) -> list[str]:
    """The issue categories in the data (for choosing the ones that need a human), first `limit` by name."""
    return [v for v in values_of(db, "category", limit) if v != NONE_KEY]


def filter_columns(db: Database) -> list[str]:
    """Segments a global filter can use: category, handler, status and the extra columns of the files."""
    have = columns(db.con, "conversations")
    known = {f.name for f in TABLES["conversations"]} | {"source_file", "source_row", "ended_at_derived", "end_known"}
    return ["category", "handled_by", "status"] + [c for c in have if c not in known]


def values_of(db: Database, column: str, limit: int = 500) -> list[str]:
    """The distinct values of a segment (a signals column name) as text, for the filters, first `limit` by
    name; missing values as "(none)"."""
    key = ("values_of", column, limit)  # per dataset: the sidebar asks on every script run
    if key not in db.memo:
        source = {"category": "issue_category"}.get(column, column)
        if source not in columns(db.con, "conversations"):
            return []
        db.memo[key] = [
            NONE_KEY if r[0] is None else r[0]
            for r in rows(
                db.con,
                f"SELECT DISTINCT CAST({ident(source)} AS VARCHAR) AS v FROM conversations ORDER BY v NULLS LAST "
                "LIMIT $n",
                {"n": limit},
            )
        ]
    return list(db.memo[key])
