"""Files -> canonical DuckDB tables (conversations, messages, accounts) and a data-quality report.

Flow: `readers.read_file` (bytes -> raw text table) -> `mapping.recognise` (or the user's
mapping) -> `stage` (typed values + a reason for every value or row that could not be
used) -> `build` (union per table, de-duplicate, orphans, derived fields). Every record
read ends up either loaded or in the `load_issues` table as rejected:
read = loaded + rejected, per file and in total.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import duckdb

from metrics.core.db import Database, q, rows
from metrics.core.errors import IngestError
from metrics.core.schema import TABLES
from metrics.core.settings import Settings
from metrics.load import vendors
from metrics.load.build import build
from metrics.load.issues import ISSUES_TABLE, add, ensure
from metrics.load.mapping import FileMapping, not_confident, recognise
from metrics.load.raw import Limits, RawFile, too_large
from metrics.load.readers import read_file
from metrics.load.stage import Staged, stage


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


def _file_reports(db: Database, staged: list[Staged], merged: dict[str, int]) -> list[FileReport]:
    con = db.con
    out = []
    for s in staged:
        name, table = s.raw.name, s.mapping.table
        rejected, dups, values = rows(
            con,
            f"""SELECT count(*) FILTER (WHERE rejected),
                       count(*) FILTER (WHERE kind IN ('duplicate', 'conflict')),
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
    files: Iterable[tuple[str, bytes] | tuple[str, bytes | None, str]],
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
    ensure(db)
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
    # (name, bytes), or from the command line (name, None, path on disk): read from there, held in memory only
    # if it must be changed before parsing
    for name, data, *where in files:
        if name in seen:
            errors.append(f"{name} was uploaded twice; the second copy is ignored.")
            continue
        seen.add(name)
        try:
            raw = raws.get(name)
            if raw is None:
                if db.locked:
                    raise IngestError(f"{name} could not be read; fix it and upload it again.")
                size = len(data) if data is not None else os.path.getsize(where[0])
                say(f"Reading {name} ({size / 1e6:,.1f} MB)")
                raw = read_file(db, name, data, limits, path=where[0] if where else None)
                say(f"Read {name}: {raw.records:,} rows")
            data = None  # a caller that streams its files holds only one file's bytes at a time
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
            add(db, view.issues)
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
    for st in staged:
        warnings += [f"{st.raw.name}: {n}" for n in st.warnings]
    warnings += _conflict_warning(db)
    return LoadResult(reports, errors, warnings, skipped, unread)


def _conflict_warning(db: Database) -> list[str]:
    """Conflicting duplicate conversation ids, named (first 20, then a count)."""
    ids = [
        r[0]
        for r in rows(
            db.con,
            f"""SELECT value FROM {ISSUES_TABLE} WHERE kind = 'conflict' AND "column" = 'conversation_id'
                AND value IS NOT NULL GROUP BY value ORDER BY min(file), min("row")""",
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
