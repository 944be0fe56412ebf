"""JSON lines, xlsx and Parquet uploads -> a raw text table (built through Arrow), with their own guards."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET  # noqa: S405  (ParseError only; parsing goes through defusedxml)
import zipfile

import duckdb
import pyarrow as pa

from metrics.core.db import Database, q, rows, scalar
from metrics.core.errors import IngestError
from metrics.load.delimited import decode_text
from metrics.load.issues import Issue
from metrics.load.raw import MAX_COLUMNS, Limits, RawFile, as_file, check_headers, fresh_name


def _store_arrow(db: Database, headers: list[str], values: list[list[str | None]], row_numbers: list[int]) -> str:
    table = fresh_name("raw")
    arrays = {
        f"c{i}": pa.array([r[i] if i < len(r) else None for r in values], pa.string()) for i in range(len(headers))
    }
    arrays["__row"] = pa.array(row_numbers, pa.int64())
    tbl = pa.table(arrays)
    view = fresh_name("arrow")
    db.con.register(view, tbl)
    try:
        q(db.con, f"CREATE TABLE {table} AS SELECT * FROM {view}")
    finally:
        db.con.unregister(view)
    return table


def _cell_text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.isoformat()
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def read_jsonl(db: Database, name: str, data: bytes, limits: Limits) -> RawFile:
    data, notes = decode_text(name, data)
    keys: dict[str, None] = {}
    records: list[dict] = []
    numbers: list[int] = []
    issues: list[Issue] = []
    text = data.decode("utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):  # a plain JSON array of objects is accepted too
        try:
            arr = json.loads(text)
        except json.JSONDecodeError as e:
            raise IngestError(f"{name} is not valid JSON (line {e.lineno}: {e.msg}).") from None
        except RecursionError:
            raise IngestError(f"{name} is JSON nested too deeply to be an export.") from None
        if not isinstance(arr, list):
            raise IngestError(f"{name} is JSON but not an array of records or one record per line.")
        lines = [(i, obj) for i, obj in enumerate(arr, 1)]
        notes.append("read as a JSON array; row = position in the array")
    else:
        lines = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                lines.append((lineno, json.loads(line)))
            except json.JSONDecodeError as e:
                issues.append(Issue(name, lineno, None, line[:200], f"not valid JSON ({e.msg})", True, "unreadable"))
            except RecursionError:
                issues.append(Issue(name, lineno, None, line[:200], "JSON nested too deeply", True, "unreadable"))
    for lineno, obj in lines:
        if not isinstance(obj, dict):
            issues.append(Issue(name, lineno, None, str(obj)[:200], "not a JSON object", True, "unreadable"))
            continue
        for k in obj:
            keys.setdefault(k, None)
        if len(keys) > MAX_COLUMNS:  # checked as they come: a crafted file could add keys on every line
            raise IngestError(f"{name} has more than {MAX_COLUMNS:,} different keys by line {lineno}; refused.")
        records.append(obj)
        numbers.append(lineno)
    if len(records) > limits.max_rows:
        raise IngestError(f"{name} has {len(records):,} records; the limit is {limits.max_rows:,}.")
    if not records and not issues:
        raise IngestError(f"{name} has no records.")
    if not records:
        first = issues[0]
        raise IngestError(f"{name}: no line is a usable record; the first, line {first.row}, is {first.reason}.")
    try:
        values = [[_cell_text(r.get(k)) for k in keys] for r in records]
    except RecursionError:
        raise IngestError(f"{name} has a value nested too deeply to be an export.") from None
    replaced = 0
    clean_keys = []
    for k in keys:
        k2, n = _no_surrogates(k)
        clean_keys.append(k2)
        replaced += n
    for row in values:
        for j, v in enumerate(row):
            if v is not None and not v.isascii():
                row[j], n = _no_surrogates(v)
                replaced += n
    if replaced:
        notes.append(f"{replaced:,} lone surrogate escapes (invalid Unicode such as \\ud800) replaced with U+FFFD")
    headers, hnotes = check_headers(name, clean_keys)
    table = _store_arrow(db, headers, values, numbers)
    return RawFile(name, table, headers, len(records) + len(issues), issues, notes + hnotes)


_SURROGATE = re.compile("[\ud800-\udfff]")  # a character class: linear time


def _no_surrogates(text: str) -> tuple[str, int]:
    """JSON may escape half a UTF-16 pair (\\ud800), which is no character: replaced by U+FFFD and counted."""
    return _SURROGATE.subn("\ufffd", text)


_ZIP_DANGER = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)


def check_xlsx(name: str, data: bytes, limits: Limits) -> None:
    """Pre-parse checks: zip bomb (size and ratio), DTDs/entities in any XML part."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise IngestError(f"{name} is not a valid .xlsx file (the zip container is damaged).") from None
    with zf:
        total = sum(i.file_size for i in zf.infolist())
        packed = max(1, sum(i.compress_size for i in zf.infolist()))
        if total > limits.max_unzipped_bytes:
            raise IngestError(
                f"{name} expands to {total / 1e6:.0f} MB, limit {limits.max_unzipped_bytes / 1e6:.0f} MB; "
                "export fewer rows or use CSV."
            )
        if total / packed > limits.max_zip_ratio:
            raise IngestError(f"{name} expands {total / packed:.0f}-fold when unzipped; that is refused as unsafe.")
        for info in zf.infolist():
            if info.filename.endswith((".xml", ".rels")):
                with zf.open(info) as fh:
                    head = fh.read(4096)
                if _ZIP_DANGER.search(head):
                    raise IngestError(f"{name}: {info.filename} contains a DTD or entities; refused.")


_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")  # bounded, no nested repetition: linear


def _formula_cells_without_value(name: str, xml: bytes) -> list[tuple[str, int]]:
    """(column letters, sheet row) of formula cells saved without a computed value.

    A streaming XML parse (defusedxml: no entities, no DTDs): linear in the sheet's size, whatever its
    content, unlike a regular expression over the raw XML.
    """
    from defusedxml.ElementTree import iterparse

    out = []
    try:
        for _, el in iterparse(io.BytesIO(xml), events=("end",)):
            if not el.tag.endswith("}c") and el.tag != "c":
                continue
            has_formula, value = False, None
            for child in el:
                tag = child.tag.rsplit("}", 1)[-1]
                if tag == "f":
                    has_formula = True
                elif tag == "v":
                    value = child.text
            if has_formula and not value:
                m = _CELL_REF.fullmatch(el.get("r") or "")
                if m:
                    out.append((m.group(1), int(m.group(2))))
            el.clear()
    except ET.ParseError as e:
        raise IngestError(
            f"{name}: its first sheet is not well-formed XML (line {e.position[0]}, column {e.position[1]}: "
            "characters XML does not allow, or a damaged file); save it again from Excel."
        ) from None
    return out


def _guarded(name: str, rows):
    """Rows of a read-only sheet; a parse error while streaming becomes one sentence."""
    try:
        yield from rows
    except (ET.ParseError, ValueError, KeyError, TypeError) as e:
        raise IngestError(
            f"{name}: its first sheet could not be read ({type(e).__name__}); save it again from Excel."
        ) from None


def read_xlsx(db: Database, name: str, data: bytes, limits: Limits) -> RawFile:
    import openpyxl  # imported late: only needed for Excel uploads

    check_xlsx(name, data, limits)
    notes: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheets = sorted(n for n in zf.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n))
        # (column letters, sheet row) of formula cells saved without a computed value
        no_value = _formula_cells_without_value(name, zf.read(sheets[0])) if sheets else []
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged workbook
        raise IngestError(f"{name} could not be opened as an Excel workbook.") from None
    try:
        ws = wb.worksheets[0]
        sheet_title = ws.title
        header_row = 0
        if len(wb.worksheets) > 1:
            notes.append(f"read the first sheet '{ws.title}' of {len(wb.worksheets)}")
        ws.reset_dimensions()  # never trust the <dimension> tag
        headers: list[str] | None = None
        values: list[list[str | None]] = []
        numbers: list[int] = []
        issues: list[Issue] = []
        rows_iter = ws.iter_rows(values_only=True)
        for rownum, row in enumerate(_guarded(name, rows_iter), 1):
            cells = [_cell_text(v) for v in row]
            if headers is None:
                header_row = rownum
                if any(c not in (None, "") for c in cells):
                    while cells and cells[-1] in (None, ""):
                        cells.pop()
                    headers, hnotes = check_headers(name, cells)
                    notes += hnotes
                continue
            if all(c in (None, "") for c in cells):
                continue
            if len(cells) > len(headers) and any(c not in (None, "") for c in cells[len(headers) :]):
                issues.append(
                    Issue(
                        name,
                        rownum,
                        None,
                        None,
                        f"has values beyond the {len(headers)} headed columns",
                        True,
                        "unreadable",
                    )
                )
                continue
            values.append(cells[: len(headers)])
            numbers.append(rownum)
            if len(values) > limits.max_rows:
                raise IngestError(f"{name} has more than {limits.max_rows:,} rows.")
    finally:
        wb.close()
    if headers is None:
        raise IngestError(f"{name} has no header row (the first sheet is empty).")
    if no_value:
        from openpyxl.utils import column_index_from_string

        why = "formula cell without a computed value (read as empty); open and save the file in Excel, or export values"
        by_col: dict[str, int] = {}
        for letters, r in no_value:
            j = column_index_from_string(letters) - 1
            header = headers[j] if j < len(headers) else letters
            by_col[f"column {letters} ({header})"] = by_col.get(f"column {letters} ({header})", 0) + 1
            if r != header_row:
                issues.append(Issue(name, r, header, None, why, False, "value"))
        for col, n in by_col.items():
            notes.append(
                f"sheet {sheet_title} {col}: {n} formula cells have no computed value (read as empty); "
                "open and save the file in Excel, or export values"
            )
    table = _store_arrow(db, headers, values, numbers)
    return RawFile(name, table, headers, len(values) + sum(1 for i in issues if i.rejected), issues, notes)


def read_parquet(db: Database, name: str, data: bytes, limits: Limits) -> RawFile:
    with as_file(db, data, ".parquet") as path:
        return _read_parquet(db, name, path, len(data), limits)


def _read_parquet(db: Database, name: str, path: str, size: int, limits: Limits) -> RawFile:
    con = db.con
    try:
        n = scalar(con, "SELECT sum(num_rows) FROM parquet_file_metadata($p)", {"p": path})
    except duckdb.Error:
        raise IngestError(f"{name} is not a readable Parquet file.") from None
    if n is not None and n > limits.max_rows:
        raise IngestError(f"{name} holds {int(n):,} rows; the limit is {limits.max_rows:,}.")
    if n is not None and n > 100_000 and n / size > limits.max_rows_per_byte:
        raise IngestError(
            f"{name} holds {int(n):,} rows in {size / 1e6:.2f} MB ({n / size:.0f} rows a byte); "
            "a file that expands this much is refused as unsafe."
        )
    table = fresh_name("raw")
    src = fresh_name("pq")
    q(con, f"CREATE TEMP TABLE {src} AS SELECT * FROM read_parquet($p)", {"p": path})
    real = [
        r[0]
        for r in rows(
            con, "SELECT column_name FROM duckdb_columns() WHERE table_name = $t ORDER BY column_index", {"t": src}
        )
    ]
    headers, notes = check_headers(name, real)
    sel = ", ".join(f"CAST(#{i + 1} AS VARCHAR) AS c{i}" for i in range(len(real)))
    q(con, f"CREATE TABLE {table} AS SELECT {sel}, CAST(rowid + 1 AS BIGINT) AS __row FROM {src}")
    q(con, f"DROP TABLE {src}")
    total = scalar(con, f"SELECT count(*) FROM {table}")
    return RawFile(name, table, headers, total, [], notes)
