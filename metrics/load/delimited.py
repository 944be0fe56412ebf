"""CSV and TSV uploads -> a raw text table: encoding, delimiter, Excel's sep= line, lone CRs, bad rows."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import re

import duckdb

from metrics.core.db import Database, q, rows, scalar
from metrics.core.errors import IngestError
from metrics.load.issues import Issue
from metrics.load.raw import Limits, RawFile, as_file, check_headers, fresh_name, too_large


def _first_invalid_utf8(data: bytes, chunk: int = 1 << 24) -> int | None:
    """Offset of the first byte that is not valid UTF-8, or None; checked in chunks of a memoryview (no copy of
    the file, and only one chunk's text in memory at a time)."""
    view, pos, n = memoryview(data), 0, len(data)
    while pos < n:
        end = min(pos + chunk, n)
        try:
            _, used = codecs.utf_8_decode(view[pos:end], "strict", end == n)
        except UnicodeDecodeError as e:
            return pos + e.start
        if used == 0:  # only an incomplete character left before the end of the chunk
            chunk *= 2
            continue
        pos += used
    return None


def decode_text(name: str, data: bytes) -> tuple[bytes, list[str]]:
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


def plain_on_disk(path: str, chunk: int = 1 << 24) -> bool:
    """Whether the file at `path` can be parsed as it is: valid UTF-8 without a byte-order mark, no Excel `sep=`
    line, no carriage return other than before a line feed. Read in chunks, so that a file that passes is never
    held in memory (the command line's peak memory was the database's plus the largest file's bytes)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    with open(path, "rb") as fh:
        start = fh.read(8)
        if start.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or _excel_sep_hint(start)[1]:
            return False
        fh.seek(0)
        block, cr_last = fh.read(chunk), False
        while block:
            if not (block.isascii() and not decoder.getstate()[0]):  # plain ASCII needs no decoding
                try:
                    decoder.decode(block, False)
                except UnicodeDecodeError:
                    return False
            if cr_last and not block.startswith(b"\n"):
                return False
            if b"\r" in block:
                body = block[:-1] if block.endswith(b"\r") else block
                if _LONE_CR.search(body):
                    return False
            cr_last = block.endswith(b"\r")
            block = fh.read(chunk)
    if cr_last:  # the file ends with a carriage return
        return False
    try:
        decoder.decode(b"", True)
    except UnicodeDecodeError:  # ends inside a character
        return False
    return True


def read_delimited(
    db: Database, name: str, data: bytes | None, limits: Limits, tab: bool, path: str | None = None
) -> RawFile:
    """A CSV/TSV as a raw text table. With `path` (the same bytes on disk, from the command line) a file read as
    it is (valid UTF-8, no BOM, no Excel hint line, no lone CR) is parsed from there instead of from a copy
    written first (0.8 s and a second copy on disk for an 860 MB file). `data` None: the file is read from
    `path`, and held in memory only if it needs changing first (`plain_on_disk`)."""
    if data is None:
        if path is None:
            raise ValueError("read_delimited needs the file's bytes or its path")
        if plain_on_disk(path):
            with open(path, "rb") as fh:
                data = fh.read(1 << 20)  # the header is read from here; the rows from the path
            notes: list[str] = []
            headers, delim, decimal = _header(name, data, None, tab, notes)
            return _load_csv(db, name, path, headers, delim, decimal, notes, limits)
        with open(path, "rb") as fh:
            data = fh.read()
    original = data
    data, notes = decode_text(name, data)
    data, hinted = _excel_sep_hint(data)
    if hinted:
        notes.append(f"first line 'sep={hinted}' (Excel's delimiter hint) removed")
    headers, delim, decimal = _header(name, data, hinted, tab, notes)
    data, stray_cr = _protect_lone_cr(data)
    if stray_cr:
        notes.append(f"{stray_cr} carriage returns inside values kept as data")
    if path is not None and data is original:
        raw = _load_csv(db, name, path, headers, delim, decimal, notes, limits)
    else:
        with as_file(db, data, ".csv") as copy:
            raw = _load_csv(db, name, copy, headers, delim, decimal, notes, limits)
    if stray_cr:
        sets = ", ".join(f"c{i} = replace(c{i}, '{_CR_MARK}', chr(13))" for i in range(len(headers)))
        q(db.con, f"UPDATE {raw.table} SET {sets}")
    if hinted:  # rows keep the line numbers a person sees in the file, hint line included
        if raw.row == "__row":
            q(db.con, f"UPDATE {raw.table} SET __row = __row + 1")
        else:
            raw.row = "(rowid + 3)"
        raw.issues = [dataclasses.replace(i, row=None if i.row is None else i.row + 1) for i in raw.issues]
    return raw


def _header(name: str, data: bytes, hinted: str | None, tab: bool, notes: list[str]) -> tuple[list[str], str, str]:
    """(headers, delimiter, decimal mark) from the file's first record (in its first megabyte); notes added."""
    header_text = _first_record(data[: 1 << 20].decode("utf-8", errors="ignore"))
    if not header_text.strip():
        raise IngestError(f"{name} has no header row (its first line is empty).")
    delim = hinted or _pick_delimiter(header_text, tab)
    headers = next(csv.reader([header_text.replace("\r", " ").replace("\n", " ")], delimiter=delim))
    headers, hnotes = check_headers(name, headers)
    notes += hnotes
    decimal = "," if delim == ";" else "."
    if delim != ",":
        label = {"\t": "tab", ";": "';'", "|": "'|'"}[delim]
        notes.append(f"delimiter {label}" + (", decimal ','" if decimal == "," else ""))
    return headers, delim, decimal


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


def _load_csv(db, name, path, headers, delim, decimal, notes, limits) -> RawFile:
    con = db.con
    table = fresh_name("raw")
    rej, scan = fresh_name("rej"), fresh_name("rscan")
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
    row = _number_rows(db, table, [int(b[0]) for b in bad])
    loaded = scalar(con, f"SELECT count(*) FROM {table}")
    return RawFile(name, table, headers, loaded + len(issues), issues, notes, decimal, row=row)


def _reject_reason(etype: str, msg: str) -> str:
    m = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", msg or "")
    if m:
        return f"expected {m.group(1)} fields, found {m.group(2)}"
    if etype == "UNQUOTED VALUE" or "unterminated" in (msg or "").lower():
        return "a quote is opened and never closed"
    return (msg or etype or "unreadable line").split("\n")[0]


def _number_rows(db: Database, table: str, rejected_lines: list[int]) -> str:
    """The SQL for each loaded record's file line (header = line 1): `(rowid + 2)`, or an added `__row`.

    Loaded records keep file order in the table (rowid). Without a rejected line the line follows from rowid
    (nothing is written: 0.17 s saved on two million rows). Otherwise the k-th loaded record is the k-th
    record position not taken by a rejected line; that is exact when each record is one line, and close
    otherwise (multi-line quoted values).
    """
    con = db.con
    if not rejected_lines:
        return "(rowid + 2)"
    q(con, f"ALTER TABLE {table} ADD COLUMN __row BIGINT")
    rj = fresh_name("rj")
    q(con, f"CREATE TEMP TABLE {rj}(shift BIGINT)")
    # p_i - i for the i-th rejected record position p_i (1-based positions after the header)
    shifts = [(line - 1) - i for i, line in enumerate(rejected_lines, 1)]
    q(con, f"INSERT INTO {rj} SELECT unnest($s)", {"s": shifts})
    q(
        con,
        f"""UPDATE {table} SET __row = 1 + (rowid + 1) + (SELECT count(*) FROM {rj} WHERE shift < {table}.rowid + 1)""",
    )
    q(con, f"DROP TABLE {rj}")
    return "__row"
