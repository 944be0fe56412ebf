"""Files -> canonical DuckDB tables (conversations, messages, accounts) and a data-quality report.

Flow: `readers.read_file` (bytes -> raw text table) -> `mapping.recognise` (or the user's
mapping) -> `stage` (typed values + a reason for every value or row that could not be
used) -> `build` (union per table, de-duplicate, orphans, derived fields). Every record
read ends up either loaded or in the `load_issues` table as rejected:
read = loaded + rejected, per file and in total.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from metrics import typing_sql as T
from metrics import vendors
from metrics.db import Database, dicts, ident, many, q, rows, table_exists
from metrics.mapping import FileMapping, not_confident, recognise
from metrics.readers import Issue, Limits, RawFile, blank_header, read_file, too_large
from metrics.schema import INTERNAL_NAMES, SQL_TYPES, TABLES, IngestError, normalise_header
from metrics.settings import Settings
from metrics.signals import SIGNAL_COLUMNS

ISSUES_TABLE = "load_issues"
_CANONICAL = {f.name for fields in TABLES.values() for f in fields}
# Number fields that cannot be negative, with their plausible maximum (SPEC 8's plausibility, extended).
NON_NEGATIVE = {
    "handle_minutes": lambda s: s.max_plausible_days * 1440,
    "arr": lambda s: 1e12,
    "replies": lambda s: 1e6,
}
# handled_by of rows from a file without an AI column: human unless their messages show the AI answering first.
UNKNOWN_HANDLER = "(unknown)"
# Names the loaded or derived tables use themselves; an uploaded extra column with one is renamed.
RESERVED = {"source_file", "source_row", "ended_at_derived", "end_known", "seq", *SIGNAL_COLUMNS}


def is_internal_name(header: str) -> bool:
    """Whether an uploaded column name could meet a name the loader, the signals or a metric query uses.

    Internal names are canonical fields, computed columns, every name in INTERNAL_NAMES (a test loads a file
    with every identifier of this package's source as a column), anything with a double underscore
    (staging) and the positional raw names (c0, v_c0).
    """
    low = header.strip().lower()
    if low in RESERVED or low in INTERNAL_NAMES or low in _CANONICAL or "__" in low:
        return True
    body = low[2:] if low.startswith("v_") else low
    return body.startswith("c") and body[1:].isdigit()


@dataclass
class FileReport:
    name: str
    table: str
    mapping: FileMapping
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    duplicates: int = 0
    value_issues: int = 0
    notes: list[str] = field(default_factory=list)
    start: object = None
    end: object = None
    non_null: dict[str, float] = field(default_factory=dict)


@dataclass
class LoadResult:
    files: list[FileReport]
    errors: list[str]  # files that could not be used at all: one sentence each
    warnings: list[str]
    skipped: dict[str, str] = field(default_factory=dict)  # vendor side tables, named and not used: file -> why
    unread: dict[str, str] = field(default_factory=dict)  # files refused before any row was read: file -> why

    @property
    def read(self) -> int:
        return sum(f.read for f in self.files)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)


# ------------------------------------------------------------------ issues table


def _ensure_issues(db: Database) -> None:
    q(
        db.con,
        f"""CREATE TABLE IF NOT EXISTS {ISSUES_TABLE} (
            file VARCHAR, "row" BIGINT, "column" VARCHAR, value VARCHAR, reason VARCHAR, rejected BOOLEAN)""",
    )


def _add_issues(db: Database, issues: list[Issue]) -> None:
    if issues:
        many(
            db.con,
            f"INSERT INTO {ISSUES_TABLE} VALUES (?, ?, ?, ?, ?, ?)",
            [[i.file, i.row, i.column, i.value, i.reason, i.rejected] for i in issues],
        )


# ------------------------------------------------------------------ staging


@dataclass
class Staged:
    raw: RawFile
    mapping: FileMapping
    table: str  # stg_* table: canonical columns + extras + __file, __row, __ok
    extras: list[str]
    notes: list[str]


def _date_order(db: Database, raw: RawFile, col: str, header: str, m: FileMapping) -> tuple[str | None, list[str]]:
    v = T.clean(col)
    dmy, mdy, total, dmy_row, mdy_row = rows(db.con, f"SELECT {T.day_month_evidence_sql(v)} FROM {raw.table}")[0]
    if not total:
        return None, []
    if m.date_order in ("DMY", "MDY"):
        return m.date_order, [f"column '{header}' read as {'DD/MM' if m.date_order == 'DMY' else 'MM/DD'} (as set)"]
    if dmy and not mdy:
        return "DMY", [f"column '{header}' read as DD/MM/YYYY (row {dmy_row} has a day above 12)"]
    if mdy and not dmy:
        return "MDY", [f"column '{header}' read as MM/DD/YYYY (row {mdy_row} has a day above 12)"]
    if dmy and mdy:
        order = "DMY" if dmy >= mdy else "MDY"
        return order, [
            f"column '{header}' mixes DD/MM (e.g. row {dmy_row}) and MM/DD (e.g. row {mdy_row}) dates; "
            f"read as {'DD/MM' if order == 'DMY' else 'MM/DD'} and the others reported"
        ]
    raise IngestError(
        f"{raw.name}: column '{header}' is ambiguous (DD/MM vs MM/DD: no day above 12); "
        "set the date order for this file."
    )


def stage(db: Database, raw: RawFile, m: FileMapping, settings: Settings) -> Staged:
    """Typed canonical columns for one file, every unusable value and row recorded in load_issues."""
    try:
        m.validate(raw.headers)
    except IngestError as e:
        raise IngestError(f"{raw.name}: {e}") from None
    missing = m.missing_required()
    if missing:
        raise IngestError(
            f"{raw.name} has no column for {', '.join(missing)} (needed for {m.table}); map it on the Data page."
        )
    con = db.con
    params = T.Params()
    notes: list[str] = []
    fields = TABLES[m.table]
    idx = {h: i for i, h in enumerate(raw.headers)}
    decimal = m.decimal or raw.decimal
    default_tz = m.timezone or settings.source_timezone
    scale = m.csat_scale_max or settings.csat_scale_max

    # Levels keep every expression small: p0 cleans each used cell once, p1 parses (offset-aware
    # timestamps first), p2 parses naive timestamps where needed, p3 places them in their zone,
    # the final level picks values and reasons.
    clean: dict[str, str] = {}  # raw column -> cleaned alias
    inner: list[str] = []  # p1: parsed values (and timestamp parts)
    middle: list[str] = []  # p2: naive timestamp parses, only where no offset-aware parse exists
    placed: list[str] = []  # p3: timestamps placed in their zone
    outer: list[str] = []  # final typed values
    errs: list[tuple[str, str, str]] = []  # (canonical field, header, error sql)
    ts_checks: list[tuple[str, str, str]] = []
    invisible: list[tuple[str, str]] = []  # text fields checked for BOM / zero-width characters

    def cleaned(col: str) -> str:
        clean.setdefault(col, f"v_{col}")
        return clean[col]

    # No timestamp after this is plausible: the as_of setting, else now, plus a day (a year-9999 value would
    # move data_end and empty every "last 30 days").
    limit = dt.datetime.fromisoformat(settings.as_of) if settings.as_of else dt.datetime.now(dt.UTC)
    if limit.tzinfo is None:
        limit = limit.replace(tzinfo=dt.UTC)
    latest_iso = (limit + dt.timedelta(days=1)).isoformat()
    latest = ""  # bound on first use: an unused parameter is an error

    for f in fields:
        header = m.columns.get(f.name)
        if header is None or (f.name == "handled_by" and m.handled_by):
            if f.name == "csat_offered" and m.columns.get("csat") in idx:
                # SPEC 8: a survey column that says Offered / Not offered tells which conversations had one
                offered = cleaned(f"c{idx[m.columns['csat']]}")
                inner.append(
                    f"CASE WHEN lower({offered}) = 'offered' THEN true "
                    f"WHEN lower({offered}) IN ('not offered', 'unoffered', 'not_offered') THEN false END "
                    "AS csat_offered__t"
                )
                outer.append("csat_offered__t AS csat_offered")
            elif f.name == "handled_by" and m.table == "conversations" and not m.merge:
                val = params.bind("hb", m.handled_by or UNKNOWN_HANDLER)
                outer.append(f"CAST({val} AS VARCHAR) AS handled_by")
                if not m.handled_by:
                    notes.append(
                        "This export has no AI-handling column; all rows treated as human. "
                        "Upload your AI platform's export too, or map a column."
                    )
            else:
                outer.append(f"CAST(NULL AS {SQL_TYPES[f.kind]}) AS {f.name}")
            continue
        col = f"c{idx[header]}"
        v = cleaned(col)
        n = f.name
        if f.kind in ("timestamp", "date"):
            latest = latest or f"CAST({params.bind('latest', latest_iso)} AS TIMESTAMPTZ)"
            _, header_tz = normalise_header(header)
            tz = header_tz or default_tz
            try:
                zoneinfo.ZoneInfo(tz)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise IngestError(f"{raw.name}: time zone {tz!r} is not known.") from None
            order, onotes = _date_order(db, raw, col, header, m)
            notes += onotes
            aware, _ = T.timestamp_parts(v, order)
            _, naive = T.timestamp_parts(f"{n}__v", order)  # evaluated in p2, on p1's cleaned value
            tzp = params.bind("tz", tz)
            inner += [f"{v} AS {n}__v", f"{aware} AS {n}__a"]
            naive_only = f"CASE WHEN {n}__a IS NULL AND {n}__v IS NOT NULL THEN {naive} END"
            middle += [f"{naive_only} AS {n}__n"]
            local = f"timezone({tzp}, {n}__n)"
            if tz == "UTC":  # no gaps or overlaps to look for
                placed += [f"coalesce({n}__a, {local}) AS {n}__x", f"false AS {n}__gap", f"false AS {n}__o"]
            else:
                placed += [
                    f"coalesce({n}__a, {local}) AS {n}__x",
                    f"coalesce(timezone({tzp}, {local}) <> {n}__n, false) AS {n}__gap",
                    f"coalesce(timezone({tzp}, {local} + INTERVAL 1 HOUR) = {n}__n "
                    f"OR timezone({tzp}, {local} - INTERVAL 1 HOUR) = {n}__n, false) AS {n}__o",
                ]
            outer.append(
                f"CASE WHEN NOT {n}__gap AND year({n}__x) >= 1971 AND {n}__x <= {latest} THEN {n}__x END AS {n}"
            )
            err = (
                f"CASE WHEN {n}__v IS NULL THEN NULL "
                f"WHEN {n}__gap THEN 'does not exist in ' || {tzp} || ' (clocks moved forward)' "
                f"WHEN {n}__x IS NULL THEN 'not a date/time: ' || {n}__v "
                f"WHEN year({n}__x) < 1971 THEN 'placeholder or pre-1971 date treated as missing: ' || {n}__v "
                f"WHEN {n}__x > {latest} THEN 'in the future (after ' || strftime({latest}, '%Y-%m-%d') "
                f"|| '), treated as missing: ' || {n}__v END"
            )
            errs.append((n, header, err))
            ts_checks.append((n, header, f"{n}__o"))
            continue
        if f.kind == "text":
            val, err = T.text(v)
            inner.append(f"{T.has_invisible(v)} AS {n}__z")
            outer.append(f"{n}__z")
            invisible.append((n, header))
        elif f.kind == "bool":
            val, err = T.boolean(v)
        elif f.kind == "number" and f.name in NON_NEGATIVE:
            val, err = T.number(v, decimal, upper=NON_NEGATIVE[f.name](settings))
        elif f.kind == "number":
            val, err = T.number(v, decimal)
        elif f.kind == "sentiment":
            val, err = T.sentiment(v, decimal)
        elif f.kind == "csat":
            val, err = T.csat(v, decimal, params.bind("scale", float(scale)))
        elif f.kind == "handler":
            val, err = T.handler(v)
        elif f.kind == "author":
            val, err = T.author(v)
        elif f.kind == "count":
            val, err = T.count(v, decimal)
        elif f.kind == "direction":
            val, err = T.direction(v)
        else:
            val, err = T.status(v)
            inner.append(f"{v} AS status__raw")
            outer.append("status__raw")
        inner += [f"{val} AS {n}__t", f"{err} AS {n}__e"]
        outer.append(f"{n}__t AS {n}")
        errs.append((n, header, f"{n}__e"))

    mapped = set(m.columns.values())
    taken = {h.lower() for h in raw.headers}
    extras = []
    for h in raw.headers:
        if h in mapped or h == blank_header(idx[h]):  # a real header 'column2' is an extra like any other
            continue
        out_name = h
        if is_internal_name(h):  # carried under a name no query of ours uses, and said so
            out_name = f"{h} (source)"
            while out_name.lower() in taken:
                out_name += "'"
            taken.add(out_name.lower())
            notes.append(f"column '{h}' is named like a column the app computes; it is kept as '{out_name}'")
        extras.append(out_name)
        inner.append(f"{cleaned('c' + str(idx[h]))} AS {ident(out_name)}")
        outer.append(ident(out_name))

    err_cols = [f"{e} AS __e{i}" for i, (_, _, e) in enumerate(errs)]
    overlap_cols = [f"{o} AS __o{i}" for i, (_, _, o) in enumerate(ts_checks)]
    p0 = ", ".join(["__row", *(f"{T.clean(c)} AS {a}" for c, a in clean.items())])
    stg = f"stg_{raw.table}"
    q(con, f"DROP TABLE IF EXISTS {stg}")
    q(
        con,
        f"""CREATE TABLE {stg} AS
            WITH p0 AS (SELECT {p0} FROM {raw.table}),
            p1 AS (SELECT __row, {", ".join(inner) if inner else "1 AS __dummy"} FROM p0),
            p2 AS (SELECT *{", " + ", ".join(middle) if middle else ""} FROM p1),
            p3 AS (SELECT *{", " + ", ".join(placed) if placed else ""} FROM p2)
            SELECT __row, {", ".join(outer + err_cols + overlap_cols)} FROM p3""",
        params.values,
    )
    if invisible:
        outer_flags = ", ".join(f"count(*) FILTER (WHERE {n}__z)" for n, _ in invisible)
        counts = rows(con, f"SELECT {outer_flags} FROM {stg}")[0]
        for (_, header), k in zip(invisible, counts):
            if k:
                notes.append(
                    f"column '{header}': {k:,} value{'s' if k != 1 else ''} held invisible characters (byte-order "
                    "mark or zero-width space), removed so that look-alike values are one value"
                )
        for n, _ in invisible:
            q(con, f"ALTER TABLE {stg} DROP COLUMN {n}__z")
    _record_value_issues(db, raw.name, stg, errs, ts_checks, "conversation_updates" if m.merge else m.table)
    if "status" in m.columns and m.table == "conversations":
        notes += _unrecognised_statuses(db, stg, m.columns["status"])
    return Staged(raw, m, stg, extras, notes)


def _unrecognised_statuses(db: Database, stg: str, header: str) -> list[str]:
    """One sentence per status value outside the vocabulary (SPEC 8); the raw copy is dropped after."""
    found = rows(
        db.con,
        f"""SELECT status__raw, count(*) FROM {stg} WHERE status = 'other'
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 21""",
    )
    q(db.con, f"ALTER TABLE {stg} DROP COLUMN status__raw")
    notes = [
        f"status {value!r} ({n:,} row{'s' if n != 1 else ''}) in column '{header}' not recognised: "
        "counted as not resolved; map it"
        for value, n in found[:20]
    ]
    if len(found) > 20:
        notes.append("more unrecognised status values not listed; see the status segment")
    return notes


_REQUIRED_REASON = {
    "conversations": [
        ("conversation_id", "conversation_id is empty"),
        ("customer_id", "customer_id is empty"),
        ("created_at", "created_at is missing or unreadable"),
        ("handled_by", "handled_by is not ai or human"),
    ],
    "messages": [
        ("conversation_id", "conversation_id is empty"),
        ("sent_at", "sent_at is missing or unreadable"),
        ("author_type", "author_type is not customer, ai or human"),
    ],
    "accounts": [("account_id", "account_id is empty")],
    "conversation_updates": [("conversation_id", "conversation_id is empty")],
}


def _record_value_issues(db, file, stg, errs, ts_checks, table) -> None:
    con = db.con
    fp = {"f": file}
    for i, (_canon, header, _) in enumerate(errs):
        q(
            con,
            f"""INSERT INTO {ISSUES_TABLE} SELECT $f, __row, $h, NULL, __e{i}, FALSE
                FROM {stg} WHERE __e{i} IS NOT NULL""",
            {**fp, "h": header},
        )
    for i, (_canon, header, _) in enumerate(ts_checks):
        q(
            con,
            f"""INSERT INTO {ISSUES_TABLE} SELECT $f, __row, $h, NULL,
                'occurs twice in the source time zone (clocks moved back); the later one was used', FALSE
                FROM {stg} WHERE __o{i}""",
            {**fp, "h": header},
        )
    # A row whose required value is unusable is rejected as a whole; its value issue becomes the reason.
    cond = " OR ".join(f"{c} IS NULL" for c, _ in _REQUIRED_REASON[table])
    reason = "CASE " + " ".join(f"WHEN {c} IS NULL THEN '{r}'" for c, r in _REQUIRED_REASON[table]) + " END"
    q(
        con,
        f"""INSERT INTO {ISSUES_TABLE} SELECT $f, __row, NULL, NULL, {reason}, TRUE FROM {stg} WHERE {cond}""",
        fp,
    )
    q(con, f"DELETE FROM {stg} WHERE {cond}")


# ------------------------------------------------------------------ building canonical tables


def _union(db: Database, staged: list[Staged], table: str, merge: bool = False) -> str | None:
    parts = [s for s in staged if s.mapping.table == table and s.mapping.merge == merge]
    if not parts:
        return None
    all_extras: list[str] = []
    for s in parts:
        all_extras += [e for e in s.extras if e not in all_extras]
    params: dict[str, str] = {}
    selects = []
    for order, s in enumerate(parts):
        params[f"f{order}"] = s.raw.name
        cols = [f.name for f in TABLES[table]]
        extra_sel = [ident(e) if e in s.extras else f"CAST(NULL AS VARCHAR) AS {ident(e)}" for e in all_extras]
        selects.append(
            f"SELECT {order} AS __file_order, CAST($f{order} AS VARCHAR) AS source_file, __row AS source_row, "
            + ", ".join(cols + extra_sel)
            + f" FROM {s.table}"
        )
    out = f"all_{table}{'_merge' if merge else ''}"
    q(db.con, f"CREATE OR REPLACE TABLE {out} AS " + " UNION ALL ".join(selects), params)
    for s in parts:  # the staged copies are in the union now
        q(db.con, f"DROP TABLE IF EXISTS {s.table}")
    return out


def _dedupe(db: Database, src: str, key: list[str], compare: list[str]) -> None:
    """Keep the first occurrence of each key in file order; report the rest as rejected duplicates."""
    con = db.con
    content = "hash(" + ", ".join(compare) + ")"
    q(
        con,
        f"""CREATE OR REPLACE TEMP TABLE dups AS
            SELECT * FROM (
                SELECT source_file, source_row,
                   first_value(source_file) OVER w AS first_file, first_value(source_row) OVER w AS first_row,
                   {"conversation_id" if key == ["conversation_id"] else "NULL"} AS dup_id,
                   {content} = first_value({content}) OVER w AS exact,
                   row_number() OVER w AS rn
                FROM {src} WINDOW w AS (PARTITION BY {", ".join(key)} ORDER BY __file_order, source_row))
            WHERE rn > 1""",
    )
    q(
        con,
        f"""INSERT INTO {ISSUES_TABLE}
            SELECT source_file, source_row, CASE WHEN dup_id IS NOT NULL THEN 'conversation_id' END,
                CASE WHEN NOT exact THEN dup_id END,
                CASE WHEN exact THEN 'exact duplicate of '
                     ELSE coalesce('conversation_id ' || dup_id || ': ', '') || 'same id as, but different from, '
                END || first_file || ' row ' || first_row || ' (first one kept)', TRUE
            FROM dups""",
    )
    q(con, f"DELETE FROM {src} WHERE (source_file, source_row) IN (SELECT (source_file, source_row) FROM dups)")
    q(con, "DROP TABLE dups")


def _empty(table: str, extra: str = "") -> str:
    cols = ", ".join(f"CAST(NULL AS {SQL_TYPES[f.kind]}) AS {f.name}" for f in TABLES[table])
    return f"CREATE TABLE {table} AS SELECT CAST(NULL AS VARCHAR) AS source_file, CAST(NULL AS BIGINT) AS source_row, {cols}{extra} WHERE false"


def _merge(db: Database, conv: str | None, updates: str) -> dict[str, int]:
    """Fill empty conversation fields from files that add to them (joined on conversation_id).

    Returns rows used per file; rows with no conversation in the other files are rejected.
    """
    con = db.con
    _dedupe(db, updates, ["conversation_id"], [f.name for f in TABLES["conversations"]])
    orphan = f"NOT EXISTS (SELECT 1 FROM {conv} c WHERE c.conversation_id = u.conversation_id)" if conv else "true"
    q(
        con,
        f"""INSERT INTO {ISSUES_TABLE} SELECT source_file, source_row, NULL, NULL,
            'no conversation ' || conversation_id || ' in the other conversation files to add this to', TRUE
            FROM {updates} u WHERE {orphan}""",
    )
    q(con, f"DELETE FROM {updates} u WHERE {orphan}")
    if conv:
        fields = [f.name for f in TABLES["conversations"] if f.name != "conversation_id"]
        sets = ", ".join(f"{f} = coalesce(c.{f}, u.{f})" for f in fields if f != "handled_by")
        sets += f", handled_by = CASE WHEN c.handled_by = '{UNKNOWN_HANDLER}' THEN coalesce(u.handled_by, c.handled_by) ELSE c.handled_by END"
        q(con, f"UPDATE {conv} c SET {sets} FROM {updates} u WHERE c.conversation_id = u.conversation_id")
    return dict(rows(con, f"SELECT source_file, count(*) FROM {updates} GROUP BY 1"))


# The canonical conversations (SPEC 7 and 8): ended_at from the file, else created_at plus the vendor's full
# resolution minutes, else the last message, else created_at with the end marked unknown (end_known false:
# no resolution time is ever made up); AI evidence from messages; outbound from the channel when no direction
# is given; survey offers known per file only where the file says which conversations were offered one.
CONVERSATIONS_SQL = """
CREATE TABLE conversations AS
WITH last_msg AS (
    SELECT conversation_id, max(sent_at) AS last_sent,
        min(sent_at) FILTER (WHERE author_type = 'ai') AS first_ai,
        min(sent_at) FILTER (WHERE author_type = 'human') AS first_human
    FROM messages GROUP BY 1),
typed AS (
    SELECT c.*, l.last_sent, l.first_human,
        c.handled_by = '{unknown}' AND l.first_ai IS NOT NULL
            AND (l.first_human IS NULL OR l.first_ai < l.first_human) AS ai_from_messages,
        CASE WHEN c.ended_at >= c.created_at THEN c.ended_at END AS given_end,
        CASE WHEN c.resolution_minutes BETWEEN 0 AND 1e8
             THEN c.created_at + to_microseconds(CAST(c.resolution_minutes * 60e6 AS BIGINT)) END AS vendor_end,
        count(c.csat_offered) OVER (PARTITION BY c.source_file) > 0 AS file_has_offers
    FROM {conv} c LEFT JOIN last_msg l USING (conversation_id))
SELECT * EXCLUDE (__file_order, ended_at, escalated, escalated_at, handled_by, last_sent,
                  first_human, ai_from_messages, given_end, vendor_end, file_has_offers, direction, csat_offered),
    coalesce(given_end, vendor_end, greatest(last_sent, created_at), created_at) AS ended_at,
    given_end IS NULL AS ended_at_derived,
    coalesce(given_end, vendor_end, last_sent) IS NOT NULL AS end_known,
    CASE WHEN ai_from_messages THEN 'ai' WHEN handled_by = '{unknown}' THEN 'human'
         ELSE handled_by END AS handled_by,
    CASE WHEN ai_from_messages THEN coalesce(escalated_at, first_human) ELSE escalated_at END
        AS escalated_at,
    CASE WHEN ai_from_messages THEN coalesce(escalated, first_human IS NOT NULL)
         WHEN handled_by = 'ai' THEN coalesce(escalated, escalated_at IS NOT NULL)
         ELSE false END AS escalated,
    coalesce(direction, CASE WHEN contains(' ' || regexp_replace(lower(channel), '[^a-z0-9]+', ' ', 'g') || ' ',
                                           ' outbound ') THEN 'outbound' ELSE 'inbound' END) AS direction,
    CASE WHEN file_has_offers THEN coalesce(csat_offered, false) OR csat IS NOT NULL END AS csat_offered
FROM typed
ORDER BY __file_order, source_row
"""


def build(db: Database, staged: list[Staged]) -> dict[str, int]:
    """Create the canonical tables from staged files (replacing any earlier ones).

    Returns the rows used from each file that adds fields to conversations of other files.
    """
    con = db.con
    merged: dict[str, int] = {}
    conv = _union(db, staged, "conversations")
    updates = _union(db, staged, "conversations", merge=True)
    msgs = _union(db, staged, "messages")
    accts = _union(db, staged, "accounts")
    for t in ("conversations", "messages", "accounts", "text_sentiment"):  # scores follow the messages
        q(con, f"DROP TABLE IF EXISTS {t}")
    if conv:
        _dedupe(db, conv, ["conversation_id"], [f.name for f in TABLES["conversations"]])
    if updates:
        merged = _merge(db, conv, updates)
    if msgs:
        canon = [f.name for f in TABLES["messages"]]
        _dedupe(db, msgs, canon, canon)
        orphan = f"NOT EXISTS (SELECT 1 FROM {conv} c WHERE c.conversation_id = m.conversation_id)" if conv else "true"
        q(
            con,
            f"""INSERT INTO {ISSUES_TABLE} SELECT source_file, source_row, NULL, NULL,
                'orphan message: no conversation ' || conversation_id || ' in the conversation files', TRUE
                FROM {msgs} m WHERE {orphan}""",
        )
        q(con, f"DELETE FROM {msgs} m WHERE {orphan}")
        # Ties in sent_at keep file order (SPEC 7): seq is the message's position in its conversation.
        q(
            con,
            f"""CREATE TABLE messages AS SELECT * EXCLUDE (__file_order),
                row_number() OVER (PARTITION BY conversation_id ORDER BY sent_at, __file_order, source_row) AS seq
                FROM {msgs} ORDER BY conversation_id, seq""",
        )
    else:
        q(con, _empty("messages", ", CAST(NULL AS BIGINT) AS seq"))
    if conv:
        q(
            con,
            f"""INSERT INTO {ISSUES_TABLE} SELECT source_file, source_row, 'ended_at', NULL,
                'ended_at is before created_at; treated as missing (derived from messages)', FALSE
                FROM {conv} WHERE ended_at < created_at""",
        )
        q(con, CONVERSATIONS_SQL.format(conv=conv, unknown=UNKNOWN_HANDLER))
    else:
        q(
            con,
            _empty(
                "conversations",
                ", CAST(NULL AS BOOLEAN) AS ended_at_derived, CAST(NULL AS BOOLEAN) AS end_known",
            ),
        )
    if accts:
        _dedupe(db, accts, ["account_id"], [f.name for f in TABLES["accounts"]])
        q(
            con,
            f"CREATE TABLE accounts AS SELECT * EXCLUDE (__file_order) FROM {accts} ORDER BY __file_order, source_row",
        )
    else:
        q(con, _empty("accounts"))
    for s in staged:
        q(con, f"DROP TABLE IF EXISTS {s.table}")
    for t in (conv, updates, msgs, accts):
        if t:
            q(con, f"DROP TABLE IF EXISTS {t}")
    return merged


# ------------------------------------------------------------------ orchestration


def _file_reports(db: Database, staged: list[Staged], merged: dict[str, int]) -> list[FileReport]:
    con = db.con
    out = []
    for s in staged:
        name, table = s.raw.name, s.mapping.table
        rejected, dups, values = rows(
            con,
            f"""SELECT count(*) FILTER (WHERE rejected),
                       count(*) FILTER (WHERE rejected AND reason LIKE '%(first one kept)'),
                       count(*) FILTER (WHERE NOT rejected)
                FROM {ISSUES_TABLE} WHERE file = $f""",
            {"f": name},
        )[0]
        if s.mapping.merge:  # its rows filled fields of conversations from other files
            out.append(
                FileReport(
                    name,
                    "conversations (fields added)",
                    s.mapping,
                    s.raw.records,
                    merged.get(name, 0),
                    rejected,
                    dups,
                    values,
                    s.raw.notes + s.notes,
                )
            )
            continue
        fields = [f.name for f in TABLES[table]]
        ts = {"conversations": "created_at", "messages": "sent_at"}.get(table)
        span = f", min({ts}), max({ts})" if ts else ", NULL, NULL"
        prof = rows(
            con,
            f"SELECT count(*), {', '.join(f'count({f})' for f in fields)}{span} FROM {table} WHERE source_file = $f",
            {"f": name},
        )[0]
        loaded = prof[0]
        notes = s.raw.notes + s.notes
        if table == "conversations" and "handled_by" not in s.mapping.columns and not s.mapping.handled_by:
            ai = rows(
                con, "SELECT count(*) FROM conversations WHERE source_file = $f AND handled_by = 'ai'", {"f": name}
            )[0][0]
            if ai:
                notes.append(
                    f"{ai:,} of its conversations have the AI answering first in their messages (for example "
                    "Answer Bot): counted as AI conversations, escalated when a human wrote after the AI."
                )
        out.append(
            FileReport(
                name=name,
                table=table,
                mapping=s.mapping,
                read=s.raw.records,
                loaded=loaded,
                rejected=rejected,
                duplicates=dups,
                value_issues=values,
                notes=notes,
                start=prof[-2],
                end=prof[-1],
                non_null={f: (c / loaded if loaded else 0.0) for f, c in zip(fields, prof[1 : 1 + len(fields)])},
            )
        )
    return out


def load(
    db: Database,
    files: list[tuple[str, bytes]],
    settings: Settings,
    mappings: dict[str, FileMapping] | None = None,
    limits: Limits = Limits(),
    raws: dict[str, RawFile] | None = None,
    tables: dict[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> LoadResult:
    """Read, map, type and load files; unusable files are reported, never raised.

    `progress` receives one sentence per step (file read with its size and rows, typing, combining).
    """
    say = progress or (lambda _msg: None)
    _ensure_issues(db)
    q(db.con, f"DELETE FROM {ISSUES_TABLE}")
    db.memo.clear()  # tables derived from the previous data are stale
    mappings = mappings or {}
    keep_raw = raws is not None  # the caller keeps parsed files for re-mapping; else they are dropped
    raws = raws if raws is not None else {}
    errors: list[str] = []
    warnings: list[str] = []
    staged: list[Staged] = []
    skipped: dict[str, str] = {}
    unread: dict[str, str] = {}
    seen: set[str] = set()
    found: list[tuple[RawFile, FileMapping]] = []
    for name, data in files:
        if name in seen:
            errors.append(f"{name} was uploaded twice; the second copy is ignored.")
            continue
        seen.add(name)
        try:
            raw = raws.get(name)
            if raw is None:
                if db.locked:
                    raise IngestError(f"{name} could not be read; fix it and upload it again.")
                say(f"Reading {name} ({len(data) / 1e6:,.1f} MB)")
                raw = read_file(db, name, data, limits)
                say(f"Read {name}: {raw.records:,} rows")
            raws[name] = raw
            m = mappings.get(name)
            if m is None:
                m = _recognise(raw, (tables or {}).get(name))
                side = vendors.side_table(raw.headers) if m is None or not m.vendor else None
                if side is not None and (tables or {}).get(name) is None:
                    skipped[name] = (
                        f"{name} looks like the {side}, a side table: it holds no conversations, messages or "
                        "accounts, so it is not used."
                    )
                    continue
            if m is None:
                raise IngestError(
                    f"{name}: its columns ({', '.join(raw.headers[:6])}{', ...' if len(raw.headers) > 6 else ''}) "
                    "do not look like conversations, messages or accounts; map them on the Data page."
                )
            mappings[name] = m
            found.append((raw, m))
        except (IngestError, duckdb.OutOfMemoryException) as e:  # OOM: past the session's memory or spill limit
            why = str(e) if isinstance(e, IngestError) else str(too_large(db, name))
            errors.append(why)
            if name not in raws:
                unread[name] = why
    # Vendor profiles: lookups first available to every file, then each file's derived columns.
    by_vendor = {m.vendor: raw for raw, m in found if m.vendor}
    lookups: list[FileReport] = []
    prepared: list[tuple[RawFile, RawFile, FileMapping, list[str]]] = []
    for raw, m in found:
        try:
            view, notes = vendors.prepare(db, raw, m, by_vendor) if m.vendor else (raw, [])
            prepared.append((raw, view, m, notes))
        except (IngestError, duckdb.OutOfMemoryException) as e:
            errors.append(str(e) if isinstance(e, IngestError) else str(too_large(db, raw.name)))
    for raw, view, m, notes in prepared:
        try:
            _add_issues(db, view.issues)
            if vendors.is_lookup(m.vendor):
                lookups.append(_lookup_report(view, m, notes))
                if view.table != raw.table:
                    q(db.con, f"DROP TABLE IF EXISTS {view.table}")
                continue
            say(f"Checking and typing {raw.name} as {m.table}")
            st = stage(db, view, m, settings)
            st.notes[:0] = [n for n in notes if n not in st.notes]
            staged.append(st)
            if view.table != raw.table:  # the profile's copy is made again on the next load
                q(db.con, f"DROP TABLE IF EXISTS {view.table}")
            if not keep_raw:  # nobody will re-map this file: free its text copy now
                q(db.con, f"DROP TABLE IF EXISTS {raw.table}")
        except (IngestError, duckdb.OutOfMemoryException) as e:
            errors.append(str(e) if isinstance(e, IngestError) else str(too_large(db, raw.name)))
            q(db.con, f"DELETE FROM {ISSUES_TABLE} WHERE file = $f", {"f": raw.name})
    if not any(s.mapping.table == "conversations" and not s.mapping.merge for s in staged):
        if staged:
            errors.append("No conversations file was loaded; upload a conversations or tickets export.")
    say("Combining the files: duplicates, orphan messages, message order")
    try:
        merged = build(db, staged)
    except duckdb.OutOfMemoryException:  # e.g. a tiny dictionary-encoded Parquet file of millions of rows
        names = ", ".join(st.raw.name for st in staged)
        errors.append(str(too_large(db, names)))
        for st in staged:
            q(db.con, f"DROP TABLE IF EXISTS {st.table}")
            q(db.con, f"DELETE FROM {ISSUES_TABLE} WHERE file = $f", {"f": st.raw.name})
        staged = []
        merged = build(db, staged)  # empty canonical tables: the session stays usable
    reports = _file_reports(db, staged, merged) + lookups
    if not keep_raw:  # nobody will re-map these files: free their text copies
        for raw in raws.values():
            q(db.con, f"DROP TABLE IF EXISTS {raw.table}")
    for r in reports:
        warnings += [f"{r.name}: {n}" for n in r.notes if "treated as human" in n or "not recognised" in n]
    warnings += _conflict_warning(db)
    return LoadResult(reports, errors, warnings, skipped, unread)


def _conflict_warning(db: Database) -> list[str]:
    """Conflicting duplicate conversation ids, named (first 20, then a count)."""
    ids = [
        r[0]
        for r in rows(
            db.con,
            f"""SELECT value FROM {ISSUES_TABLE} WHERE "column" = 'conversation_id' AND value IS NOT NULL
                AND reason LIKE '%same id as, but different from%' GROUP BY value ORDER BY min(file), min("row")""",
        )
    ]
    if not ids:
        return []
    more = f" and {len(ids) - 20:,} more" if len(ids) > 20 else ""
    return [
        f"{len(ids):,} conversation id{'s' if len(ids) != 1 else ''} appear more than once with different "
        f"content (the first one was kept): {', '.join(ids[:20])}{more}."
    ]


def _recognise(raw: RawFile, table: str | None) -> FileMapping | None:
    """A vendor profile when the headers match one (and no table was forced), else the generic recognition."""
    if table is None:
        v = vendors.recognise(raw.headers)
        if v is not None:
            return vendors.mapping_for(v[0], raw.headers, v[1])
    m = recognise(raw.headers, table)
    if m is not None and table is None:
        why = not_confident(m)
        if why:
            if vendors.side_table(raw.headers):
                return None  # named and skipped by the caller
            raise IngestError(f"{raw.name}: {why}; map it on the Data page.")
    return m


def _lookup_report(raw: RawFile, m: FileMapping, notes: list[str]) -> FileReport:
    rejected = sum(1 for i in raw.issues if i.rejected)
    label = vendors.BY_ID[m.vendor].label
    return FileReport(raw.name, "lookup", m, raw.records, raw.records - rejected, rejected, notes=[label, *notes])


def issues(db: Database, limit: int | None = None, con=None) -> list[dict]:
    """Every rejected row and value (file, row, column, value, reason, rejected), in file order."""
    con = con or db.con
    if not table_exists(con, ISSUES_TABLE):
        return []
    lim = f" LIMIT {int(limit)}" if limit else ""
    return dicts(con, f'SELECT * FROM {ISSUES_TABLE} ORDER BY file, "row"{lim}')


def issue_count(db: Database) -> int:
    return int(rows(db.con, f"SELECT count(*) FROM {ISSUES_TABLE}")[0][0]) if table_exists(db.con, ISSUES_TABLE) else 0


def nothing_loaded(db: Database, result: LoadResult) -> str:
    """One sentence for a load that gave no conversation: why, with the commonest rejection and an example."""
    conv_files = [f for f in result.files if f.table == "conversations"]
    if not conv_files:
        return "no conversation was loaded: none of the files is a conversations or tickets export."
    names = [f.name for f in conv_files]
    top = rows(
        db.con,
        f"""SELECT reason, count(*), arg_min(file, "row"), min("row"), arg_min(value, "row")
            FROM {ISSUES_TABLE} WHERE rejected AND list_contains($names, file)
            GROUP BY reason ORDER BY 2 DESC, 1 LIMIT 1""",
        {"names": names},
    )
    read = sum(f.read for f in conv_files)
    if not top:
        return f"no conversation was loaded: {', '.join(names)} had no data rows."
    reason, n, file, row, value = top[0]
    detail = rows(
        db.con,
        f"""SELECT "column", reason FROM {ISSUES_TABLE} WHERE NOT rejected AND file = $f AND "row" = $r LIMIT 1""",
        {"f": file, "r": row},
    )
    example = f" (value {value!r})" if value else ""
    if detail:
        example = f" (column '{detail[0][0]}': {detail[0][1]})"
    return (
        f"no conversation was loaded: {f'all {read:,} rows were' if read != 1 else 'its one row was'} rejected; "
        f"the commonest reason, for {n:,} of them, "
        f"is '{reason}', e.g. {file} row {row}{example}."
    )
