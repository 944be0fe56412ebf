"""Aggregate the signals relation into metric results, overall and by any segment, in one query."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from metrics.compute import registry
from metrics.compute.signals import TABLE as SIGNALS
from metrics.compute.spec import MetricSpec
from metrics.compute.stats import wilson
from metrics.core.db import Database, columns, df, dicts, ident, rows
from metrics.core.schema import NONE_KEY, SIGNAL_COLUMNS, TABLES
from metrics.core.settings import Settings

AGGREGATES = ("rate", "median", "p90", "mean")
ALL = "__all__"
# A segment value written exactly like one of the keys above gets this suffix, so the overall row and the
# missing-value segment can never be taken for data (a category literally named "__all__" or "(none)").
LITERAL = " (as written)"


# Signal columns whose values are already keys (signals.category: NULL is "(none)", literals are marked there).
KEYED_COLUMNS = frozenset({"category"})


def segment_key(value: object) -> str:
    """The key of a segment value: NULL is NONE_KEY; a value spelled like a key of ours is marked."""
    if value is None:
        return NONE_KEY
    text = str(value)
    return text + LITERAL if text in (ALL, NONE_KEY) else text


@dataclass(frozen=True)
class MetricResult:
    id: str
    value: float | None
    numerator: int | float | None  # cost metrics: the total cost
    denominator: int | None
    ci_low: float | None
    ci_high: float | None

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("id")
        return d


# Data requirements a metric may declare, each checked once on the signals relation.
REQUIREMENTS = {
    "csat": ("count(csat) > 0", "needs a csat column"),
    "messages": ("sum(n_messages) > 0", "needs a messages file"),
    "first_response": (
        "count(ttfr_s) > 0",
        "needs first_response_at, a calendar first-reply duration (Zendesk 'First reply time in minutes') or a "
        "messages file (a business-hours first reply feeds the business-hours metrics only)",
    ),
    "end": (
        "count(ttr_s) > 0",
        "needs a known end: ended_at (solved or closed time), a full resolution duration or a messages file",
    ),
    "business_hours_first_response": (
        "count(ttfr_bh_s) FILTER (WHERE is_human) > 0",
        "needs a business-hours first reply column or the business_hours setting, and human conversations",
    ),
    "business_hours_resolution": (
        "count(ttr_bh_s) FILTER (WHERE is_human) > 0",
        "needs a business-hours resolution column or the business_hours setting, and human conversations",
    ),
    "replies": ("count(replies) > 0", "needs an agent replies column (Zendesk 'Replies')"),
}


def unmet(db: Database, specs: list[MetricSpec], table: str = SIGNALS) -> dict[str, str]:
    """Metric id -> why it cannot be computed from the data given."""
    needed = sorted({n for sp in specs for n in sp.needs})
    if not needed:
        return {}
    got = rows(db.con, f"SELECT {', '.join(REQUIREMENTS[n][0] for n in needed)} FROM {table}")[0]
    missing = {n for n, ok in zip(needed, got) if not ok}
    return {sp.id: REQUIREMENTS[n][1] for sp in specs for n in sp.needs if n in missing}


def _select(spec: MetricSpec, s: Settings, i: int) -> list[str]:
    pop = spec.sql(spec.population, s)
    if spec.kind == "rate":
        cond = spec.sql(spec.condition, s)
        return [f"count(*) FILTER (WHERE ({pop}) AND ({cond})) AS n{i}", f"count(*) FILTER (WHERE {pop}) AS d{i}"]
    agg = {
        "median": f"quantile_cont({spec.value}, 0.5)",
        "p90": f"quantile_cont({spec.value}, 0.9)",
        "mean": f"avg({spec.value})",
    }[spec.kind]
    return [f"{agg} FILTER (WHERE {pop}) AS n{i}", f"count({spec.value}) FILTER (WHERE {pop}) AS d{i}"]


def _result(spec: MetricSpec, num, den) -> MetricResult:
    den = int(den or 0)
    if spec.kind == "rate":
        if not den:
            return MetricResult(spec.id, None, int(num or 0), 0, None, None)
        lo, hi = wilson(int(num), den)
        return MetricResult(spec.id, num / den, int(num), den, lo, hi)
    return MetricResult(spec.id, None if num is None else float(num), None, den, None, None)


# Metrics per aggregation query. DuckDB's grouped aggregation slows down sharply with many aggregates in one
# query: all 58 metrics by category took 1.83 s at 1M conversations, six queries of ten 0.57 s.
CHUNK = 10


def compute(
    db: Database,
    s: Settings,
    ids: list[str] | None = None,
    segment: str | None = None,
    where: str = "",
    params: dict | None = None,
    table: str = SIGNALS,
) -> dict[str, dict[str, MetricResult]]:
    """{segment value: {metric id: result}}; the overall results are under ALL.

    `segment` is any column of the signals relation (quoted here); `where` is an extra
    filter written by this codebase, with its user values in `params`.
    """
    specs = [registry.get(i) for i in ids] if ids else registry.all_specs()
    specs = [sp for sp in specs if sp.kind in AGGREGATES]  # business metrics: metrics.compute.business
    blocked = unmet(db, specs, table)
    filt = f"WHERE {where}" if where else ""
    merged: dict[tuple, dict] = {}  # (_all, repr of _seg: a NaN key is one key) -> the row, every chunk's columns
    for start in range(0, len(specs), CHUNK):
        cols = [c for i, sp in enumerate(specs[start : start + CHUNK], start) for c in _select(sp, s, i)]
        if segment:
            seg = ident(segment)
            sql = (
                f"SELECT GROUPING({seg}) AS _all, {seg} AS _seg, {', '.join(cols)} FROM {table} {filt} "
                f"GROUP BY GROUPING SETS ((), ({seg}))"
            )
        else:
            sql = f"SELECT 1 AS _all, NULL AS _seg, {', '.join(cols)} FROM {table} {filt}"
        for r in dicts(db.con, sql, params or {}):
            merged.setdefault((r["_all"], repr(r["_seg"])), {}).update(r)
    out: dict[str, dict[str, MetricResult]] = {}
    for r in merged.values():
        if r["_all"]:
            key = ALL
        else:
            key = str(r["_seg"]) if segment in KEYED_COLUMNS and r["_seg"] is not None else segment_key(r["_seg"])
        res = {}
        for i, sp in enumerate(specs):
            if sp.id in blocked:
                res[sp.id] = MetricResult(sp.id, None, None, None, None, None)
            else:
                res[sp.id] = _result(sp, r[f"n{i}"], r[f"d{i}"])
        out[key] = res
    if ALL not in out:  # an empty filter still reports every metric, as null
        out[ALL] = {sp.id: _result(sp, None, 0) for sp in specs}
    return out


def warnings_for(db: Database, ids: list[str] | None = None) -> list[str]:
    specs = [registry.get(i) for i in ids] if ids else registry.all_specs()
    specs = [sp for sp in specs if sp.kind in AGGREGATES]
    return [f"{mid}: {why}; value is null." for mid, why in unmet(db, specs).items()]


def segment_filter(column: str, value: str | None, param: str) -> str:
    """Rows whose segment has the key bound as $param (see `segment_key`): NONE_KEY selects the empty (NULL)
    segment only, a marked key its literal value."""
    col = ident(column)
    if column in KEYED_COLUMNS:
        return f"CAST({col} AS VARCHAR) = ${param}"
    return (
        f"(CASE WHEN {col} IS NULL THEN '{NONE_KEY}' WHEN CAST({col} AS VARCHAR) IN ('{ALL}', '{NONE_KEY}') "
        f"THEN CAST({col} AS VARCHAR) || '{LITERAL}' ELSE CAST({col} AS VARCHAR) END) = ${param}"
    )


def drill(
    db: Database,
    s: Settings,
    metric_id: str,
    part: str = "denominator",
    segment: str | None = None,
    value: str | None = None,
    limit: int | None = 5000,
):
    """The conversations behind a metric's numerator or denominator (a DataFrame)."""
    return drill_where(db, *drill_filter(s, metric_id, part, segment, value), limit)


def drill_filter(
    s: Settings, metric_id: str, part: str = "denominator", segment: str | None = None, value: str | None = None
) -> tuple[str, dict]:
    """(where, params) over the signals relation selecting a metric's numerator or denominator."""
    spec = registry.get(metric_id)
    cond = spec.sql(spec.population, s)
    if part == "numerator":
        cond += f" AND ({spec.sql(spec.condition, s)})" if spec.kind == "rate" else f" AND {spec.value} IS NOT NULL"
    params: dict = {}
    if segment:
        cond += f" AND {segment_filter(segment, value, 'v')}"
        params["v"] = value
    return cond, params


DRILL_COLUMNS = (
    "conversation_id, customer_id, created_at, ended_at, handled_by, category, channel, escalated, "
    "status, csat, outcome, matured, returned, follow_up_ticket, negative_end, resolved_end, ttfr_s, ttr_s, "
    "source_file, source_row"
)


def drill_where(db: Database, where: str, params: dict, limit: int | None = 5000, con=None):
    """The conversations matching a filter over the signals relation (user values bound in params).

    `con`: another cursor of the same database (a download prepared outside the script run).
    """
    lim = f" LIMIT {int(limit)}" if limit else ""
    sql = f"SELECT {DRILL_COLUMNS} FROM {SIGNALS} WHERE {where} ORDER BY created_at{lim}"
    return df(con or db.con, sql, params)


def drill_count(db: Database, where: str, params: dict) -> int:
    return int(rows(db.con, f"SELECT count(*) FROM {SIGNALS} WHERE {where}", params)[0][0])


@dataclass(frozen=True)
class PeriodChange:
    current: dict[str, MetricResult]
    previous: dict[str, MetricResult]
    current_start: object
    previous_start: object
    end: object


def period_change(db: Database, s: Settings, ids: list[str], days: int = 30) -> PeriodChange:
    """The metrics over the last `days` days to data_end, and over the `days` before them."""
    end = rows(db.con, f"SELECT max(data_end) FROM {SIGNALS}")[0][0]
    if end is None:
        empty = compute(db, s, ids)[ALL]
        return PeriodChange(empty, empty, None, None, None)
    span = {"d": days}
    cur = compute(db, s, ids, where="created_at > data_end - to_days($d)", params=span)[ALL]
    prev = compute(
        db,
        s,
        ids,
        where="created_at > data_end - to_days(2 * $d) AND created_at <= data_end - to_days($d)",
        params=span,
    )[ALL]
    return PeriodChange(cur, prev, end - dt.timedelta(days=days), end - dt.timedelta(days=2 * days), end)


def segment_columns(db: Database, table: str = SIGNALS) -> list[str]:
    """Columns a metric can be broken down by: the standard segments, then the file's extra columns."""
    standard = ["category", "channel", "handled_by", "account_segment", "week", "month", "load", "status"]
    have = columns(db.con, table)
    if "topic" in have and rows(db.con, f"SELECT count(topic) > 0 FROM {table}")[0][0]:
        standard.insert(1, "topic")
    known = {f.name for f in TABLES["conversations"]} | {"source_file", "source_row", "ended_at_derived", "end_known"}
    extras = [c for c in have if c not in known and c not in SIGNAL_COLUMNS]
    return [c for c in standard if c in have] + extras


def partial_weeks(db: Database, table: str = SIGNALS) -> tuple[str, ...]:
    """The week keys (as `compute` returns them) of the first and last week when the data covers them only in
    part: the data starts after the Monday or ends before the Sunday."""
    first, last, start, end = rows(db.con, f"SELECT min(week), max(week), min(day), max(day) FROM {table}")[0]
    if first is None:
        return ()
    out = []
    if start > first:
        out.append(str(first))
    if end < last + dt.timedelta(days=6):
        out.append(str(last))
    return tuple(out)
