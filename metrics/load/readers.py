"""Uploaded bytes -> one all-text DuckDB table per file, with nothing lost silently.

Every reader produces the same shape: columns `c0..cN` (VARCHAR, original headers kept
aside, so no user header ever reaches SQL text), plus `__row`: where the record sits in
the file as a person would look it up (CSV/TSV: the line number, header = line 1; xlsx:
the sheet row; JSON lines: the line; Parquet: the record number). Records the parser
cannot read are returned as issues with their line and reason.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import json
import os
import re
import xml.etree.ElementTree as ET  # noqa: S405  (ParseError only; parsing goes through defusedxml)
import zipfile
import zlib
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from metrics.core.db import Database, q, rows, scalar
from metrics.core.errors import IngestError
from metrics.load.issues import Issue


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 2_000_000_000
    max_unzipped_bytes: int = 300_000_000  # xlsx members and gzip payloads
    max_zip_ratio: float = 200.0
    max_rows: int = 20_000_000
    max_rows_per_byte: float = 20.0  # Parquet: a real export takes bytes per row; a dictionary bomb, none
    max_line_bytes: int = 16_000_000


@dataclass
class RawFile:
    name: str
    table: str
    headers: list[str]
    records: int
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    decimal: str = "."
    header_tz: dict[int, str] = field(default_factory=dict)


_counter = iter(range(1, 1 << 62))


def _fresh(prefix: str) -> str:
    return f"{prefix}_{next(_counter)}"


def sniff_format(name: str, data: bytes) -> str:
    """csv | tsv | xlsx | parquet | jsonl | gzip, from magic bytes first, then the extension."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:4] == b"PAR1":
        return "parquet"
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    ext = os.path.splitext(name.lower())[1]
    if ext in (".xlsx", ".xlsm", ".parquet", ".pq"):
        raise IngestError(f"{name} does not look like a real {ext} file (its first bytes do not match).")
    if ext in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if ext in (".tsv", ".tab"):
        return "tsv"
    return "csv"


def _gunzip(name: str, data: bytes, limits: Limits) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(data, limits.max_unzipped_bytes + 1)
    if len(out) > limits.max_unzipped_bytes or d.unconsumed_tail:
        raise IngestError(
            f"{name} expands to more than {limits.max_unzipped_bytes // 1_000_000} MB; "
            "the limit is there to protect the server. Split the file or upload it uncompressed."
        )
    return out


def read_file(db: Database, name: str, data: bytes, limits: Limits = Limits()) -> RawFile:
    """Parse one uploaded file into a raw text table of `db`."""
    if len(data) == 0:
        raise IngestError(f"{name} is empty (0 bytes).")
    if len(data) > limits.max_file_bytes:
        raise IngestError(f"{name} is {len(data) / 1e6:.0f} MB; the limit is {limits.max_file_bytes / 1e6:.0f} MB.")
    kind = sniff_format(name, data)
    notes: list[str] = []
    if kind == "gzip":
        data = _gunzip(name, data, limits)
        inner = re.sub(r"\.gz$", "", name, flags=re.I)
        kind = sniff_format(inner, data)
        notes.append("decompressed (gzip)")
        if kind == "gzip":
            raise IngestError(f"{name} is compressed twice; decompress it once and upload again.")
        if len(data) == 0:
            raise IngestError(f"{name} is empty once decompressed.")
    if kind == "xlsx":
        raw = _read_xlsx(db, name, data, limits)
    elif kind == "parquet":
        raw = _read_parquet(db, name, data, limits)
    elif kind == "jsonl":
        raw = _read_jsonl(db, name, data, limits)
    else:
        raw = _read_delimited(db, name, data, limits, tab=(kind == "tsv"))
    raw.notes[:0] = notes
    if raw.records == 0:
        raise IngestError(f"{name} has a header but no data rows.")
    return raw


# ---------------------------------------------------------------- headers


def blank_header(i: int) -> str:
    """The name of the i-th (0-based) column when its header cell is blank; such a column is never used."""
    return f"(no header, column {i + 1})"


MAX_COLUMNS = 2_000  # an export with more columns is a crafted file, not a helpdesk export


def _check_headers(name: str, headers: list[str]) -> tuple[list[str], list[str]]:
    """Reject duplicate / case-colliding headers and files with more than MAX_COLUMNS columns (or JSON keys);
    name blank ones. Returns (headers, notes)."""
    if len(headers) > MAX_COLUMNS:
        raise IngestError(
            f"{name} has {len(headers):,} columns; the limit is {MAX_COLUMNS:,} (a helpdesk export has far fewer)."
        )
    notes = []
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        h = "" if h is None else str(h).replace("\ufeff", "").strip()
        if not h:
            h = blank_header(i)
            notes.append(f"Column {i + 1} has no header; it is named '{h}' and not used as a metric input.")
        key = h.lower()
        if key in seen:
            raise IngestError(
                f"{name}: duplicate column '{h}' (columns {seen[key] + 1} and {i + 1}); "
                "rename one of them and upload again."
            )
        seen[key] = i
        out.append(h)
    return out, notes


# ---------------------------------------------------------------- CSV / TSV


def _first_invalid_utf8(data: bytes, chunk: int = 1 << 24) -> int | None:
    """Offset of the first byte that is not valid UTF-8, or None; checked in chunks (no full-size copy)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    for start in range(0, len(data), chunk):
        try:
            decoder.decode(data[start : start + chunk], final=start + chunk >= len(data))
        except UnicodeDecodeError as e:
            return start + e.start
    return None


def _decode(name: str, data: bytes) -> tuple[bytes, list[str]]:
    """Return UTF-8 bytes without BOM; Windows-1252 is decoded (and said), never replaced."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").encode("utf-8"), ["decoded as UTF-16"]
        except UnicodeDecodeError:
            raise IngestError(f"{name} starts like UTF-16 but is not valid UTF-16.") from None
    bad = _first_invalid_utf8(data)
    if bad is None:
        return data, []
    # Line by line: a file that is UTF-8 but for a few stray Windows-1252 bytes keeps its UTF-8 lines as they
    # are (decoding it all as Windows-1252 would turn every 'Café' into 'CafÃ©').
    out, legacy = [], []
    for number, line in enumerate(data.split(b"\n"), 1):
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                out.append(line.decode("cp1252"))
            except UnicodeDecodeError:
                raise IngestError(
                    f"{name} line {number} is not valid UTF-8 (nor Windows-1252); save the file as UTF-8 and "
                    "upload again."
                ) from None
            legacy.append(number)
    lines = ", ".join(str(n) for n in legacy[:5]) + (f" and {len(legacy) - 5:,} more" if len(legacy) > 5 else "")
    return "\n".join(out).encode("utf-8"), [
        f"decoded as Windows-1252 where a line is not valid UTF-8 (line{'s' if len(legacy) > 1 else ''} {lines}); "
        "the other lines as UTF-8"
    ]


def _first_record(text: str) -> str:
    """The header record, which may span lines inside quotes."""
    in_quote = False
    for i, ch in enumerate(text):
        if ch == '"':
            in_quote = not in_quote
        elif ch in "\r\n" and not in_quote:
            return text[:i]
    return text


def _pick_delimiter(header_line: str, tab: bool) -> str:
    if tab:
        return "\t"
    counts = {d: 0 for d in (",", ";", "\t", "|")}
    in_quote = False
    for ch in header_line:
        if ch == '"':
            in_quote = not in_quote
        elif not in_quote and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 0 else ","


def _excel_sep_hint(data: bytes) -> tuple[bytes, str | None]:
    """Excel's `sep=;` first line: removed, and its character is the delimiter (SPEC 8)."""
    if data[:4].lower() != b"sep=" or len(data) < 6:
        return data, None
    ch, rest = data[4:5], data[5:]
    if ch in (b"\r", b"\n") or not rest.startswith((b"\n", b"\r")):
        return data, None
    rest = rest[2:] if rest.startswith(b"\r\n") else rest[1:]
    return rest, ch.decode("latin-1")


def _read_delimited(db: Database, name: str, data: bytes, limits: Limits, tab: bool) -> RawFile:
    data, notes = _decode(name, data)
    data, hinted = _excel_sep_hint(data)
    if hinted:
        notes.append(f"first line 'sep={hinted}' (Excel's delimiter hint) removed")
    head = data[: 1 << 20].decode("utf-8", errors="ignore")
    header_text = _first_record(head)
    if not header_text.strip():
        raise IngestError(f"{name} has no header row (its first line is empty).")
    delim = hinted or _pick_delimiter(header_text, tab)
    headers = next(csv.reader([header_text.replace("\r", " ").replace("\n", " ")], delimiter=delim))
    headers, hnotes = _check_headers(name, headers)
    notes += hnotes
    decimal = "," if delim == ";" else "."
    if delim != ",":
        label = {"\t": "tab", ";": "';'", "|": "'|'"}[delim]
        notes.append(f"delimiter {label}" + (", decimal ','" if decimal == "," else ""))
    data, stray_cr = _protect_lone_cr(data)
    if stray_cr:
        notes.append(f"{stray_cr} carriage returns inside values kept as data")
    path = os.path.join(db.temp_dir, _fresh("upload") + ".csv")
    with open(path, "wb") as fh:
        fh.write(data)
    try:
        raw = _load_csv(db, name, path, headers, delim, decimal, notes, limits)
    finally:
        os.remove(path)
    if stray_cr:
        sets = ", ".join(f"c{i} = replace(c{i}, '{_CR_MARK}', chr(13))" for i in range(len(headers)))
        q(db.con, f"UPDATE {raw.table} SET {sets}")
    if hinted:  # rows keep the line numbers a person sees in the file, hint line included
        q(db.con, f"UPDATE {raw.table} SET __row = __row + 1")
        raw.issues = [dataclasses.replace(i, row=None if i.row is None else i.row + 1) for i in raw.issues]
    return raw


_CR_MARK = "\ue000"  # a private-use character standing in for a lone CR while DuckDB parses
_LONE_CR = re.compile(rb"\r(?!\n)")


def _protect_lone_cr(data: bytes) -> tuple[bytes, int]:
    """DuckDB ends a record at a lone CR; in a file with LF line ends that CR is data, so keep it."""
    if b"\r" not in data:
        return data, 0
    if b"\n" not in data:  # classic Mac line ends: CR is the line end
        return data.replace(b"\r", b"\n"), 0
    if _CR_MARK.encode() in data:
        return data, 0
    count = len(_LONE_CR.findall(data))
    return (_LONE_CR.sub(_CR_MARK.encode(), data), count) if count else (data, 0)


def too_large(db: Database, name: str) -> IngestError:
    limit = scalar(db.con, "SELECT current_setting('memory_limit')")
    return IngestError(
        f"{name} is too large for this server: loading it needs more than the {limit} of memory each session may "
        "use; upload a shorter period or ask your administrator to raise SUPPORTAI_MEMORY_LIMIT."
    )


def _load_csv(db, name, path, headers, delim, decimal, notes, limits) -> RawFile:
    con = db.con
    table = _fresh("raw")
    rej, scan = _fresh("rej"), _fresh("rscan")
    cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(headers))) + "}"

    def attempt(strict: bool) -> None:
        # Only generated names and literal options are formatted in; the path is bound.
        q(con, f"DROP TABLE IF EXISTS {table}")
        q(
            con,
            f"""CREATE TABLE {table} AS SELECT * FROM read_csv($path, columns = {cols},
                auto_detect = false, header = true, delim = $delim, quote = '"', escape = '"',
                strict_mode = {str(strict).lower()}, max_line_size = {int(limits.max_line_bytes)},
                store_rejects = true, rejects_table = '{rej}', rejects_scan = '{scan}', rejects_limit = 0)""",
            {"path": path, "delim": delim},
        )

    try:
        attempt(strict=True)
    except duckdb.OutOfMemoryException:
        raise too_large(db, name) from None
    except duckdb.Error as e:
        msg = str(e)
        if "maximum line size" in msg.lower():
            raise IngestError(
                f"{name} has a line longer than {limits.max_line_bytes // 1_000_000} MB; split that value or the file."
            ) from None
        try:
            attempt(strict=False)
        except duckdb.OutOfMemoryException:
            raise too_large(db, name) from None
        except duckdb.Error:
            raise IngestError(f"{name} could not be read as a delimited text file; check that it is a CSV.") from None
        notes.append("read in lenient mode (mixed line endings or stray quotes)")
    bad = rows(
        con,
        f"""SELECT line, min(error_type), min(error_message), min(csv_line)
            FROM {rej} GROUP BY line ORDER BY line""",
    )
    q(con, f"DROP TABLE IF EXISTS {rej}")
    q(con, f"DROP TABLE IF EXISTS {scan}")
    issues = [
        Issue(name, int(line), None, (raw or "")[:200], _reject_reason(etype, msg), True, "unreadable")
        for line, etype, msg, raw in bad
    ]
    _number_rows(db, table, [int(b[0]) for b in bad])
    loaded = scalar(con, f"SELECT count(*) FROM {table}")
    return RawFile(name, table, headers, loaded + len(issues), issues, notes, decimal)


def _reject_reason(etype: str, msg: str) -> str:
    m = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", msg or "")
    if m:
        return f"expected {m.group(1)} fields, found {m.group(2)}"
    if etype == "UNQUOTED VALUE" or "unterminated" in (msg or "").lower():
        return "a quote is opened and never closed"
    return (msg or etype or "unreadable line").split("\n")[0]


def _number_rows(db: Database, table: str, rejected_lines: list[int]) -> None:
    """Add `__row` = the file line of each loaded record (header = line 1).

    Loaded records keep file order in the table (rowid). The k-th loaded record is the
    k-th record position not taken by a rejected line; that is exact when each record is
    one line, and close otherwise (multi-line quoted values).
    """
    con = db.con
    q(con, f"ALTER TABLE {table} ADD COLUMN __row BIGINT")
    if not rejected_lines:
        q(con, f"UPDATE {table} SET __row = rowid + 2")
        return
    rj = _fresh("rj")
    q(con, f"CREATE TEMP TABLE {rj}(shift BIGINT)")
    # p_i - i for the i-th rejected record position p_i (1-based positions after the header)
    shifts = [(line - 1) - i for i, line in enumerate(rejected_lines, 1)]
    q(con, f"INSERT INTO {rj} SELECT unnest($s)", {"s": shifts})
    q(
        con,
        f"""UPDATE {table} SET __row = 1 + (rowid + 1) + (SELECT count(*) FROM {rj} WHERE shift < {table}.rowid + 1)""",
    )
    q(con, f"DROP TABLE {rj}")


# ---------------------------------------------------------------- Arrow-built readers


def _store_arrow(db: Database, headers: list[str], values: list[list[str | None]], row_numbers: list[int]) -> str:
    table = _fresh("raw")
    arrays = {
        f"c{i}": pa.array([r[i] if i < len(r) else None for r in values], pa.string()) for i in range(len(headers))
    }
    arrays["__row"] = pa.array(row_numbers, pa.int64())
    tbl = pa.table(arrays)
    view = _fresh("arrow")
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


def _read_jsonl(db: Database, name: str, data: bytes, limits: Limits) -> RawFile:
    data, notes = _decode(name, data)
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
    headers, hnotes = _check_headers(name, clean_keys)
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


def _read_xlsx(db: Database, name: str, data: bytes, limits: Limits) -> RawFile:
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
                    headers, hnotes = _check_headers(name, cells)
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


def _read_parquet(db: Database, name: str, data: bytes, limits: Limits) -> RawFile:
    path = os.path.join(db.temp_dir, _fresh("upload") + ".parquet")
    with open(path, "wb") as fh:
        fh.write(data)
    con = db.con
    try:
        try:
            n = scalar(con, "SELECT sum(num_rows) FROM parquet_file_metadata($p)", {"p": path})
        except duckdb.Error:
            raise IngestError(f"{name} is not a readable Parquet file.") from None
        if n is not None and n > limits.max_rows:
            raise IngestError(f"{name} holds {int(n):,} rows; the limit is {limits.max_rows:,}.")
        if n is not None and n > 100_000 and n / len(data) > limits.max_rows_per_byte:
            raise IngestError(
                f"{name} holds {int(n):,} rows in {len(data) / 1e6:.2f} MB ({n / len(data):.0f} rows a byte); "
                "a file that expands this much is refused as unsafe."
            )
        table = _fresh("raw")
        src = _fresh("pq")
        q(con, f"CREATE TEMP TABLE {src} AS SELECT * FROM read_parquet($p)", {"p": path})
        real = [
            r[0]
            for r in rows(
                con, "SELECT column_name FROM duckdb_columns() WHERE table_name = $t ORDER BY column_index", {"t": src}
            )
        ]
        headers, notes = _check_headers(name, real)
        sel = ", ".join(f"CAST(#{i + 1} AS VARCHAR) AS c{i}" for i in range(len(real)))
        q(con, f"CREATE TABLE {table} AS SELECT {sel}, CAST(rowid + 1 AS BIGINT) AS __row FROM {src}")
        q(con, f"DROP TABLE {src}")
        total = scalar(con, f"SELECT count(*) FROM {table}")
        return RawFile(name, table, headers, total, [], notes)
    finally:
        os.remove(path)
