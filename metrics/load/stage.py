"""One file's raw text -> typed canonical columns, with a reason for every value or row that cannot be used.

A value that cannot be read becomes empty and is listed (kind `value`); a row whose required value is
unusable is rejected as a whole (kind `required`). Status words outside the vocabulary are noted per value.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from metrics.core.db import Database, ident, q, rows
from metrics.core.errors import IngestError
from metrics.core.schema import INTERNAL_NAMES, SIGNAL_COLUMNS, SQL_TYPES, TABLES, normalise_header
from metrics.core.settings import Settings
from metrics.load import cells as T
from metrics.load.issues import ISSUES_TABLE
from metrics.load.mapping import FileMapping
from metrics.load.raw import RawFile, blank_header

_CANONICAL = {f.name for fields in TABLES.values() for f in fields}
# Number fields that cannot be negative, with their plausible maximum (SPEC 8's plausibility, extended).
NON_NEGATIVE = {
    "handle_minutes": lambda s: s.max_plausible_days * 1440,
    "arr": lambda s: 1e12,
    "replies": lambda s: 1e6,
}
# Timestamps before 1971 are placeholders (1900-01-01, the Unix epoch); a comparison with a constant, not year():
# year() of a TIMESTAMPTZ goes through the calendar (0.19 s on 7M messages, the comparison 0.01 s).
EARLIEST = "TIMESTAMPTZ '1971-01-01 00:00:00+00'"
# handled_by of rows from a file without an AI column: human unless their messages show the AI answering first.
UNKNOWN_HANDLER = "(unknown)"
# Names the loaded or derived tables use themselves; an uploaded extra column with one is renamed.
RESERVED = {"source_file", "source_row", "ended_at_derived", "end_known", "seq", *SIGNAL_COLUMNS}


def message_order(sent_at: str, file_order: str, row: str) -> str:
    """SQL for a message's place in its conversation, `seq` (SPEC 7: ties in sent_at keep file order): sent_at,
    then the file's place in the upload, then the row in the file, packed into one number to compare and sort by
    (not a count: numbering the messages 1, 2, 3 took a window over every message, 1.5 s at 7M messages). The
    parts fit: microseconds since 1970 above bit 48 (no timestamp before 1971 is loaded), the file below 65,536,
    the row below 2^32."""
    return (
        f"(CAST(epoch_us({sent_at}) AS HUGEINT) << 48) | (CAST({file_order} AS HUGEINT) << 32) | CAST({row} AS HUGEINT)"
    )


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
class Staged:
    raw: RawFile
    mapping: FileMapping
    table: str  # stg_* table: __file_order (0), source_file, __row, canonical columns, extras, seq (messages), reasons
    extras: list[str]
    notes: list[str]
    warnings: list[str] = field(default_factory=list)  # the notes that are also load warnings (JSON, Excel)


def _date_order(db: Database, raw: RawFile, col: str, header: str, m: FileMapping) -> tuple[str | None, list[str]]:
    # Only cells starting with one or two digits and a separator can be DD/MM or MM/DD: the rest (ISO dates)
    # skip the cleaning and the other regular expressions (an anchored RE2 prefix test, linear, stops early).
    maybe = f"regexp_matches({col}, '^\\s*\\d{{1,2}}[/.\\-]')"
    dmy, mdy, total, dmy_row, mdy_row = rows(
        db.con,
        f"SELECT {T.day_month_evidence_sql('v')} FROM (SELECT {T.clean(col)} AS v, {raw.row} AS __row FROM {raw.table} "
        f"WHERE {maybe})",
    )[0]
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
    warned: list[str] = []  # notes that are also warnings of the whole load
    fields = TABLES[m.table]
    idx = {h: i for i, h in enumerate(raw.headers)}
    decimal = m.decimal or raw.decimal
    default_tz = m.timezone or settings.source_timezone
    scale = m.csat_scale_max or settings.csat_scale_max

    # Levels keep every expression small and every cell parsed once: p0 cleans each used cell, p1 parses
    # (offset-aware timestamps first), p2 bounds the other values and words their reasons from p1's value
    # (cells.Typed) and parses naive timestamps where needed, p3 places those in their zone, the final level
    # picks values and the timestamps' reasons.
    clean: dict[str, str] = {}  # raw column -> cleaned alias
    inner: list[str] = []  # p1: parsed values (and timestamp parts)
    middle: list[str] = []  # p2: final values and reasons; naive timestamp parses where no aware parse exists
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
                    warned.append(
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
                f"CASE WHEN NOT {n}__gap AND {n}__x >= {EARLIEST} AND {n}__x <= {latest} THEN {n}__x END AS {n}"
            )
            err = (
                f"CASE WHEN {n}__v IS NULL THEN NULL "
                f"WHEN {n}__gap THEN 'does not exist in ' || {tzp} || ' (clocks moved forward)' "
                f"WHEN {n}__x IS NULL THEN 'not a date/time: ' || {n}__v "
                f"WHEN {n}__x < {EARLIEST} THEN 'placeholder or pre-1971 date treated as missing: ' || {n}__v "
                f"WHEN {n}__x > {latest} THEN 'in the future (after ' || strftime({latest}, '%Y-%m-%d') "
                f"|| '), treated as missing: ' || {n}__v END"
            )
            errs.append((n, header, err))
            ts_checks.append((n, header, f"{n}__o"))
            continue
        t = f"{n}__t"  # the first level's value; the final value and the reason are computed from it
        if f.kind == "text":
            typed = T.text(v, t)
            outer.append(f"{t} AS {n}__z")
            invisible.append((n, header))
        elif f.kind == "bool":
            typed = T.boolean(v, t)
        elif f.kind == "number" and f.name in NON_NEGATIVE:
            typed = T.number(v, t, decimal, upper=NON_NEGATIVE[f.name](settings))
        elif f.kind == "number":
            typed = T.number(v, t, decimal)
        elif f.kind == "sentiment":
            typed = T.sentiment(v, t, decimal)
        elif f.kind == "csat":
            typed = T.csat(v, t, decimal, params.bind("scale", float(scale)))
        elif f.kind == "handler":
            typed = T.handler(v, t)
        elif f.kind == "author":
            typed = T.author(v, t)
        elif f.kind == "count":
            typed = T.count(v, t, decimal)
        elif f.kind == "direction":
            typed = T.direction(v, t)
        else:
            typed = T.status(v, t)
            outer.append(f"{v} AS status__raw")
        inner.append(f"{typed.value} AS {t}")
        middle += [f"{typed.final or t} AS {n}__f", f"{typed.error} AS {n}__e"]
        outer.append(f"{n}__f AS {n}")
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

    if m.table == "messages" and not m.merge:  # the order as if this file were the upload's first (the union
        # of several files orders them again); from the parsed time: a row whose time is not used is rejected
        outer.append(f"{message_order('sent_at__x', '0', '__row')} AS seq")
    err_cols = [f"{e} AS __e{i}" for i, (_, _, e) in enumerate(errs)]
    overlap_cols = [f"{o} AS __o{i}" for i, (_, _, o) in enumerate(ts_checks)]
    p0 = ", ".join([f"{raw.row} AS __row", *(f"{T.clean(c)} AS {a}" for c, a in clean.items())])
    stg = f"stg_{raw.table}"
    q(con, f"DROP TABLE IF EXISTS {stg}")
    q(
        con,
        f"""CREATE TABLE {stg} AS
            WITH p0 AS (SELECT {p0} FROM {raw.table}),
            p1 AS (SELECT *{", " + ", ".join(inner) if inner else ""} FROM p0),
            p2 AS (SELECT *{", " + ", ".join(middle) if middle else ""} FROM p1),
            p3 AS (SELECT *{", " + ", ".join(placed) if placed else ""} FROM p2)
            SELECT 0 AS __file_order, CAST({params.bind("file", raw.name)} AS VARCHAR) AS source_file, __row,
                {", ".join(outer + err_cols + overlap_cols)} FROM p3""",
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
        warned += _unrecognised_statuses(db, stg, m.columns["status"])
    return Staged(raw, m, stg, extras, notes + warned, warned)


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
            f"""INSERT INTO {ISSUES_TABLE} SELECT $f, __row, $h, NULL, __e{i}, FALSE, 'value'
                FROM {stg} WHERE __e{i} IS NOT NULL""",
            {**fp, "h": header},
        )
    for i, (_canon, header, _) in enumerate(ts_checks):
        q(
            con,
            f"""INSERT INTO {ISSUES_TABLE} SELECT $f, __row, $h, NULL,
                'occurs twice in the source time zone (clocks moved back); the later one was used', FALSE,
                'ambiguous_time'
                FROM {stg} WHERE __o{i}""",
            {**fp, "h": header},
        )
    # A row whose required value is unusable is rejected as a whole; its value issue becomes the reason.
    cond = " OR ".join(f"{c} IS NULL" for c, _ in _REQUIRED_REASON[table])
    reason = "CASE " + " ".join(f"WHEN {c} IS NULL THEN '{r}'" for c, r in _REQUIRED_REASON[table]) + " END"
    q(
        con,
        f"""INSERT INTO {ISSUES_TABLE} SELECT $f, __row, NULL, NULL, {reason}, TRUE, 'required' FROM {stg} WHERE {cond}""",
        fp,
    )
    q(con, f"DELETE FROM {stg} WHERE {cond}")
